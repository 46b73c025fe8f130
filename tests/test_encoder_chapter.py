"""What chapter 2's section "A real transformer" adds to ragmath.encoder and ragmath.viz.attention.

``SentenceEncoder.embed(..., positions=False)``, :func:`bert_parameter_count`,
:func:`position_offset_similarity` and the three figures of the real encoder,
checked against independent computations with plain NumPy.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.encoder import (
    bert_parameter_count,
    load_minilm,
    mean_pool,
    position_offset_similarity,
    sinusoidal_positions,
    transformer_block,
)
from ragmath.viz.attention import plot_encoder_attention, plot_permutation_check, plot_position_similarity


@pytest.fixture(scope="module")
def enc():
    return load_minilm()


def _plain_layer_norm(x, gamma, beta, eps=1e-12):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def _plain_cosines(A, B):
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    return (A / np.linalg.norm(A, axis=1, keepdims=True)) @ (B / np.linalg.norm(B, axis=1, keepdims=True)).T


# ------------------------------------------------------------ embed(positions=False)
def test_embed_without_positions_leaves_out_the_position_table(enc):
    ids, _ = enc.tokenize(["dog bites man", "a longer sentence about retrieval"])
    without = enc.embed(ids, positions=False)
    gamma, beta = (np.asarray(a, dtype=np.float64) for a in enc.embedding_ln)
    expected = _plain_layer_norm(enc.word_embeddings[ids] + enc.segment_embeddings[0], gamma, beta)
    np.testing.assert_allclose(without, expected, atol=2e-5)
    with_positions = enc.embed(ids)
    np.testing.assert_array_equal(with_positions, enc.embed(ids, positions=True))  # the default
    assert np.abs(with_positions - without).max() > 0.1


def test_without_positions_the_stack_is_permutation_equivariant(enc):
    ids, mask = enc.tokenize(["dog bites man", "man bites dog"])
    for positions, equal in ((False, True), (True, False)):
        X = enc.embed(ids, positions=positions)
        for w in enc.layers:
            X, _ = transformer_block(X, w, mask)
        swapped = np.allclose(X[0][[0, 3, 2, 1, 4]], X[1], atol=1e-5)
        assert swapped is equal
        v = mean_pool(X, mask)
        cos = float(v[0] @ v[1] / np.linalg.norm(v[0]) / np.linalg.norm(v[1]))
        assert (cos > 1 - 1e-6) is equal


def test_embed_positions_must_be_a_bool_and_lifts_the_length_limit(enc):
    ids = np.zeros((1, 3), dtype=np.int64)
    with pytest.raises(TypeError, match="positions"):
        enc.embed(ids, positions="no")
    long_ids = np.zeros((1, 513), dtype=np.int64)
    with pytest.raises(ValueError, match="512 positions"):
        enc.embed(long_ids)
    assert enc.embed(long_ids, positions=False).shape == (1, 513, 384)


# ------------------------------------------------------------ bert_parameter_count
def test_parameter_count_is_the_size_of_the_loaded_arrays(enc):
    arrays = [enc.word_embeddings, enc.position_embeddings, enc.segment_embeddings, *enc.embedding_ln]
    for layer in enc.layers:
        arrays += [getattr(layer, f.name) for f in dataclasses.fields(layer) if f.name not in ("num_heads", "eps")]
    assert bert_parameter_count() == sum(a.size for a in arrays) == 22_565_376


def test_parameter_count_of_bert_base_and_of_a_tiny_model():
    # BERT-base: 109,482,240 with its 768 x 768 pooler and bias, as usually quoted
    assert bert_parameter_count(d_model=768, d_ff=3072, num_layers=12) + 768 * 768 + 768 == 109_482_240
    # a hand count: V=3, P=2, S=1, d=2, d_ff=4, L=1
    embeddings = (3 + 2 + 1) * 2 + 2 * 2
    attention = 4 * (2 * 2 + 2)
    ffn = 2 * 4 + 4 + 4 * 2 + 2
    norms = 2 * 2 * 2
    assert bert_parameter_count(3, 2, 1, d_model=2, d_ff=4, num_layers=1) == embeddings + attention + ffn + norms
    assert bert_parameter_count(num_layers=0 + 1) < bert_parameter_count(num_layers=2)


@pytest.mark.parametrize("name", ["vocab_size", "max_positions", "type_vocab_size", "d_model", "d_ff", "num_layers"])
def test_parameter_count_rejects_bad_sizes_naming_them(name):
    with pytest.raises(ValueError, match=name):
        bert_parameter_count(**{name: 0})
    with pytest.raises(TypeError, match=name):
        bert_parameter_count(**{name: 2.5})


# ------------------------------------------------------------ position_offset_similarity
def test_offset_similarity_is_the_mean_of_each_diagonal():
    P = np.random.default_rng(0).standard_normal((20, 6))
    C = _plain_cosines(P, P)
    profile = position_offset_similarity(P)
    assert profile.shape == (20,)
    for k in range(20):
        assert profile[k] == pytest.approx(np.diag(C, k).mean(), rel=1e-12, abs=1e-14)


def test_offset_similarity_of_sinusoids_is_the_cosine_sum():
    d = 32
    theta = 10000.0 ** (-np.arange(0, d, 2) / d)
    profile = position_offset_similarity(sinusoidal_positions(50, d))
    np.testing.assert_allclose(profile, [np.cos(k * theta).sum() / (d / 2) for k in range(50)], atol=1e-12)


def test_offset_similarity_rejects_zero_rows_and_bad_shapes():
    with pytest.raises(ValueError, match="P"):
        position_offset_similarity([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="P"):
        position_offset_similarity([1.0, 2.0])


# ------------------------------------------------------------ the figures
def test_plot_encoder_attention_shows_the_chosen_heads(enc):
    text = "How are negative examples chosen?"
    out = enc.forward([text])
    A = np.stack(out["attention"])[:, 0]
    tokens = enc.tokens(text)
    heads = [(0, 2), (1, 8), (5, 11), (3, 0)]
    fig = plot_encoder_attention(A, tokens, heads, ncols=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 4  # the unused fifth and sixth panels removed
    for ax, (layer, head) in zip(fig.axes, heads):
        np.testing.assert_array_equal(ax.images[0].get_array(), A[layer, head])
        rows = A[layer, head].astype(np.float64)
        mean_entropy = -np.mean(np.sum(np.where(rows > 0, rows * np.log(np.where(rows > 0, rows, 1)), 0), axis=1))
        assert ax.get_title() == f"layer {layer}, head {head}\nmean entropy of a row {mean_entropy:.2f} nats"
        assert [t.get_text() for t in ax.get_xticklabels()] == tokens


def test_plot_encoder_attention_rejects_bad_input():
    A = np.full((2, 3, 4, 4), 0.25)
    tokens = ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="heads"):
        plot_encoder_attention(A, tokens, [(2, 0)])
    with pytest.raises(ValueError, match="heads"):
        plot_encoder_attention(A, tokens, [])
    with pytest.raises(ValueError, match="attention"):
        plot_encoder_attention(A, tokens[:3], [(0, 0)])
    with pytest.raises(ValueError, match="probability"):
        plot_encoder_attention(2 * A, tokens, [(0, 0)])
    assert len(plot_encoder_attention(A, tokens, [(1, 2)]).axes) == 1


def test_plot_position_similarity_draws_both_tables():
    rng = np.random.default_rng(1)
    learned = rng.standard_normal((40, 8))
    sinusoidal = sinusoidal_positions(40, 8)
    fig = plot_position_similarity(learned, sinusoidal, max_offset=30)
    assert isinstance(fig, Figure) and len(fig.axes) == 4  # two matrices, the profiles, a colorbar
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), _plain_cosines(learned, learned), atol=1e-12)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), _plain_cosines(sinusoidal, sinusoidal),
                               atol=1e-12)
    lines = {line.get_label(): line for line in fig.axes[2].lines}
    profile = lines["learned (all-MiniLM-L6-v2)"].get_ydata()
    C = _plain_cosines(learned, learned)
    np.testing.assert_allclose(profile, [np.diag(C, k).mean() for k in range(31)], atol=1e-12)
    with pytest.raises(ValueError, match="learned"):
        plot_position_similarity(np.zeros((3, 2)), sinusoidal)


def test_plot_permutation_check_shows_cosines_and_pooled_cosine():
    rng = np.random.default_rng(2)
    H_a = rng.standard_normal((4, 6))
    H_b = H_a[[0, 2, 1, 3]]
    other = rng.standard_normal((4, 6))
    tokens_a, tokens_b = ["[CLS]", "x", "y", "[SEP]"], ["[CLS]", "y", "x", "[SEP]"]
    fig = plot_permutation_check((H_a, other), (H_a, H_b), tokens_a, tokens_b)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    without = fig.axes[1].images[0].get_array()
    np.testing.assert_allclose(without, _plain_cosines(H_a, H_b), atol=1e-12)
    np.testing.assert_allclose(np.diag(without[:, [0, 2, 1, 3]]), 1.0, atol=1e-12)
    pooled = _plain_cosines(H_a.mean(axis=0)[None], other.mean(axis=0)[None])[0, 0]
    assert fig.axes[0].get_title().endswith(f"{pooled:.4f}")
    assert fig.axes[1].get_title().endswith(f"{1.0:.4f}")
    assert not math.isclose(pooled, 1.0)
    with pytest.raises(ValueError, match="tokens_a"):
        plot_permutation_check((H_a, H_b), (H_a, H_b), tokens_a[:3], tokens_b)


# ------------------------------------------- issue 15: attention at scale, on the real encoder
def test_scores_from_the_hidden_states_give_the_encoder_attention(enc):
    """The chapter's entropy-collapse cell recomputes the logits: their softmax is the model's."""
    out = enc.forward(["How are negative examples chosen when training a neural retriever?"])
    for layer in (0, 3, 5):
        w = enc.layers[layer]
        H = np.asarray(out["layers"][layer][0], dtype=np.float64)
        T = H.shape[0]
        Q = (H @ w.W_q.astype(np.float64) + w.b_q).reshape(T, 12, 32).transpose(1, 0, 2)
        K = (H @ w.W_k.astype(np.float64) + w.b_k).reshape(T, 12, 32).transpose(1, 0, 2)
        S = Q @ K.transpose(0, 2, 1) / math.sqrt(32)
        P = np.exp(S - S.max(axis=-1, keepdims=True))
        P /= P.sum(axis=-1, keepdims=True)
        assert np.abs(P - out["attention"][layer][0]).max() < 1e-4


def test_a_bidirectional_block_changes_earlier_tokens_when_one_is_appended(enc):
    """Why an encoder has no key-value cache: its earlier outputs depend on later tokens."""
    ids, _ = enc.tokenize(["dog bites man"])
    X = np.asarray(enc.embed(ids)[0], dtype=np.float64)
    prefix, _ = transformer_block(X[:-1], enc.layers[0])
    whole, _ = transformer_block(X, enc.layers[0])
    assert np.abs(whole[:-1] - prefix).max() > 1e-2
    # with a causal mask on the same block the earlier outputs would not move
    causal = np.tril(np.ones((X.shape[0], X.shape[0]), dtype=bool))
    from ragmath.attention import multi_head_attention

    w = enc.layers[0]
    args = [w.W_q, w.W_k, w.W_v, w.W_o]
    args = [np.asarray(a, dtype=np.float64) for a in args]
    full, _ = multi_head_attention(X, X, X, *args, 12, mask=causal)
    short, _ = multi_head_attention(X[:-1], X[:-1], X[:-1], *args, 12, mask=causal[:-1, :-1])
    np.testing.assert_allclose(full[:-1], short, rtol=1e-10, atol=1e-12)
