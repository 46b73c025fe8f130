"""Tests of the capstone's pipeline on real embeddings: PrecomputedEncoder and RAGPipeline with the
stored all-MiniLM-L6-v2 vectors of the chunks (ragmath.data.load_embeddings)."""

from __future__ import annotations

import numpy as np
import pytest

import ragmath as rm
from ragmath.pipeline import PrecomputedEncoder, RAGPipeline, chunk_corpus, passage_scores_from_chunks
from ragmath.rag import DualEncoder, PassageNGramGenerator


# ----------------------------------------------------------------- PrecomputedEncoder
def test_lookup_in_order_with_repeats_and_both_sides_equal():
    V = np.arange(12, dtype=np.float32).reshape(3, 4)
    enc = PrecomputedEncoder(["a", "b", "c"], V)
    out = enc.encode(["c", "a", "c"])
    assert out.dtype == np.float32 and np.array_equal(out, V[[2, 0, 2]])
    assert np.array_equal(enc.encode_queries(["b"]), enc.encode_passages(["b"]))
    assert enc.dim == 4 and len(enc) == 3 and "b" in enc and "z" not in enc
    assert enc.encode([]).shape == (0, 4)
    assert enc.n_encoded_ == 0


def test_float64_vectors_keep_their_dtype():
    enc = PrecomputedEncoder(["a"], [[1.0, 2.0]])
    assert enc.encode(["a"]).dtype == np.float64


def test_missing_texts_are_encoded_in_one_batch_and_counted():
    calls = []

    def encode(texts):
        calls.append(list(texts))
        return np.array([[len(t), 0.0] for t in texts])

    enc = PrecomputedEncoder(["known"], [[9.0, 9.0]], encode=encode)
    out = enc.encode(["new", "known", "newer"])
    assert calls == [["new", "newer"]]
    assert out.tolist() == [[3.0, 0.0], [9.0, 9.0], [5.0, 0.0]]
    assert enc.n_encoded_ == 2
    enc.encode(["known"])
    assert len(calls) == 1 and enc.n_encoded_ == 2  # nothing new: encode not called


def test_repeated_text_must_have_one_vector():
    PrecomputedEncoder(["a", "a"], [[1.0, 0.0], [1.0, 1e-8]])  # equal within 1e-6: accepted
    with pytest.raises(ValueError, match=r"texts\[0\] and texts\[1\] are the same text 'a'"):
        PrecomputedEncoder(["a", "a"], [[1.0, 0.0], [0.0, 1.0]])


def test_bad_arguments_name_the_argument():
    with pytest.raises(TypeError, match="PrecomputedEncoder: texts must be a list of str"):
        PrecomputedEncoder("abc", [[1.0]])
    with pytest.raises(TypeError, match=r"PrecomputedEncoder: texts\[1\] must be a str"):
        PrecomputedEncoder(["a", 2], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="PrecomputedEncoder: texts is empty"):
        PrecomputedEncoder([], np.zeros((0, 2)))
    with pytest.raises(ValueError, match="PrecomputedEncoder: vectors has 1 rows but texts has 2 texts"):
        PrecomputedEncoder(["a", "b"], [[1.0, 0.0]])
    with pytest.raises(ValueError, match="PrecomputedEncoder: vectors must be 2-D"):
        PrecomputedEncoder(["a"], [1.0, 0.0])
    with pytest.raises(ValueError, match="PrecomputedEncoder: vectors contains nan or inf"):
        PrecomputedEncoder(["a"], [[np.nan, 0.0]])
    with pytest.raises(TypeError, match="PrecomputedEncoder: encode must be a callable"):
        PrecomputedEncoder(["a"], [[1.0]], encode="minilm")
    enc = PrecomputedEncoder(["a"], [[1.0, 0.0]])
    with pytest.raises(ValueError, match=r"PrecomputedEncoder.encode: texts\[1\] = 'b' is not in the table"):
        enc.encode(["a", "b"])
    with pytest.raises(TypeError, match="PrecomputedEncoder.encode: texts must be a list of str"):
        enc.encode("a")
    wrong = PrecomputedEncoder(["a"], [[1.0, 0.0]], encode=lambda t: np.zeros((len(t), 3)))
    with pytest.raises(ValueError, match=r"PrecomputedEncoder.encode: encode returned shape \(1, 3\)"):
        wrong.encode(["b"])
    nan = PrecomputedEncoder(["a"], [[1.0, 0.0]], encode=lambda t: np.full((len(t), 2), np.nan))
    with pytest.raises(ValueError, match="PrecomputedEncoder.encode: encode\\(texts\\) contains nan or inf"):
        nan.encode(["b"])


# ----------------------------------------------------------------- the pipeline on MiniLM's vectors
@pytest.fixture(scope="module")
def real():
    corpus = rm.data.load_corpus()
    ids, texts = corpus.passages["passage_id"].tolist(), corpus.passages["text"].tolist()
    chunks = chunk_corpus(texts, ids, size=rm.data.CHUNK_SIZE, overlap=rm.data.CHUNK_OVERLAP)
    table = {kind: (rm.data.embedding_texts(kind), rm.data.load_embeddings(kind))
             for kind in ("chunks", "queries", "questions")}
    encoder = PrecomputedEncoder(sum((t for t, _ in table.values()), []),
                                 np.vstack([v for _, v in table.values()]))
    pipe = RAGPipeline(chunks, encoder, PassageNGramGenerator(texts))
    return corpus, chunks, table, encoder, pipe


def test_stored_chunks_are_the_chunker_s(real):
    _, chunks, table, _, pipe = real
    assert table["chunks"][0] == chunks.texts
    assert np.array_equal(pipe.dense_, table["chunks"][1])  # the index is the stored vectors
    assert pipe.dense_.shape == (len(chunks), 384)


def test_dense_scores_are_cosines_of_the_stored_vectors(real):
    _, chunks, table, encoder, pipe = real
    queries, Q = table["queries"]
    S = pipe.chunk_scores("dense", queries[:5])
    C = table["chunks"][1].astype(np.float64)
    Q64 = Q[:5].astype(np.float64)
    cosine = (Q64 @ C.T) / np.outer(np.linalg.norm(Q64, axis=1), np.linalg.norm(C, axis=1))
    assert np.allclose(S, cosine, atol=1e-5)
    assert encoder.n_encoded_ == 0
    P = pipe.passage_scores("dense", queries[:5], 308)
    assert np.array_equal(P, passage_scores_from_chunks(S, chunks.parent, 308))


def test_approximate_indexes_and_fusions_on_real_vectors(real):
    _, _, table, _, pipe = real
    queries = table["queries"][0][:4]
    pipe.add_pq(64, 16, n_iter=3, seed=0).add_lsh(64, 4, 16, seed=0)
    exact = pipe.chunk_scores("dense", queries)
    lsh = pipe.chunk_scores("lsh", queries)
    hit = np.isfinite(lsh)
    assert hit.any() and np.allclose(lsh[hit], exact[hit], atol=1e-5)
    decoded = pipe.pq.decode(pipe.codes).astype(np.float64)
    assert np.allclose(pipe.chunk_scores("pq", queries), pipe.query_vectors(queries) @ decoded.T, atol=1e-4)
    for method in ("hybrid", "rrf", "bm25", "tfidf"):
        assert pipe.chunk_scores(method, queries).shape == exact.shape


def test_both_encoders_go_through_the_same_pipeline(real):
    corpus, chunks, _, _, pipe = real
    texts = corpus.passages["text"].tolist()
    small = DualEncoder(texts, dim=4, seed=0)
    other = RAGPipeline(chunks, small, pipe.generator)
    query = ["bm25 saturation"]
    assert np.array_equal(other.chunk_scores("bm25", query), pipe.chunk_scores("bm25", query))
    assert other.dense_.shape[1] == small.encode_passages(["x"]).shape[1] != pipe.dense_.shape[1]


def test_a_new_query_is_encoded_live():
    try:
        minilm = rm.encoder.load_minilm()
    except (ValueError, ImportError, ModuleNotFoundError) as exc:  # the model package is not installed
        pytest.skip(f"all-MiniLM-L6-v2 not available: {exc}")
    queries, Q = rm.data.embedding_texts("queries"), rm.data.load_embeddings("queries")
    enc = PrecomputedEncoder(queries[1:], Q[1:], encode=minilm.encode)
    out = enc.encode_queries([queries[0], queries[1]])
    assert enc.n_encoded_ == 1
    assert float(out[0] @ Q[0]) > 0.99999  # the live vector is the stored one
    assert np.array_equal(out[1], Q[1])
