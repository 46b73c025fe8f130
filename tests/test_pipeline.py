"""Tests of ragmath.pipeline: worked examples, independent loops, properties, bad inputs."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ragmath.pipeline as pl
from ragmath._validation import NotFittedError
from ragmath.lexical import BM25, tokenize
from ragmath.metrics import score_matrix_metrics
from ragmath.pipeline import (
    Chunks,
    RAGPipeline,
    answer_log_likelihood,
    chunk_corpus,
    chunk_starts,
    convex_fusion,
    hybrid_curve,
    hybrid_ranking,
    lsh_rerank_scores,
    lsr_finetune_query_matrix,
    minmax_normalize,
    passage_scores_from_chunks,
    ranks_from_scores,
    reciprocal_rank_fusion,
    span_chunk,
    time_per_query,
    zscore_normalize,
)
from ragmath.quantization import RandomHyperplaneLSH
from ragmath.rag import DualEncoder, PassageNGramGenerator

TEXTS = [
    "The inverted index maps every term to the postings list of the documents that contain it.",
    "BM25 saturates term frequency with k1 and normalises document length with b.",
    "Dense retrieval encodes queries and passages as vectors and ranks by dot product.",
    "Product quantization splits a vector into sub vectors and stores a centroid index for each.",
    "Bread dough rises when yeast ferments the sugar and releases carbon dioxide gas.",
    "Reciprocal rank fusion adds one over k plus the rank of every document in every list.",
]
IDS = [f"d{i}" for i in range(len(TEXTS))]


def starts_by_sliding(L, w, o):
    starts, start = [0], 0
    while start + w < L:
        start = min(start + (w - o), L - w)
        starts.append(start)
    return starts


# ------------------------------------------------------------------ chunking
def test_chunk_starts_worked_example():
    assert chunk_starts(100, 40, 10).tolist() == [0, 30, 60]
    assert chunk_starts(101, 40, 10).tolist() == [0, 30, 60, 61]  # the last one moved back
    assert chunk_starts(40, 40, 10).tolist() == [0]
    assert chunk_starts(7, 40, 10).tolist() == [0]
    assert chunk_starts(10, 3).tolist() == [0, 3, 6, 7]


@pytest.mark.parametrize("w,o", [(1, 0), (2, 1), (5, 0), (5, 4), (40, 10), (13, 6)])
def test_chunk_starts_against_a_sliding_loop_and_the_count(w, o):
    for L in range(1, 150):
        starts = chunk_starts(L, w, o)
        assert starts.tolist() == starts_by_sliding(L, w, o)
        assert len(starts) == 1 + math.ceil(max(L - w, 0) / (w - o))
        assert starts[-1] + min(w, L) == L  # the last window ends at the end
        assert np.all(np.diff(starts) > 0) and np.all(np.diff(starts) <= w - o)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 120), st.integers(1, 30), st.data())
def test_every_span_of_at_most_overlap_plus_one_tokens_is_in_a_chunk(L, w, data):
    o = data.draw(st.integers(0, w - 1))
    starts = chunk_starts(L, w, o)
    for a in range(1, min(o + 1, L) + 1):
        for i in range(0, L - a + 1):
            j = span_chunk(i, a, starts, w)
            assert j >= 0
            assert starts[j] <= i and i + a <= starts[j] + w
            assert all(not (s <= i and i + a <= s + w) for s in starts[:j])  # the first such chunk


def test_the_overlap_bound_is_tight():
    w, o = 10, 3
    starts = chunk_starts(100, w, o)
    s = w - o
    assert span_chunk(s - 1, o + 2, starts, w) == -1  # o + 2 tokens across the first boundary
    assert span_chunk(s - 1, o + 1, starts, w) == 0


def test_chunk_corpus_reassembles_the_passages():
    ch = chunk_corpus(TEXTS, IDS, size=5, overlap=2)
    assert isinstance(ch, Chunks) and len(ch) == len(ch.ids) == len(ch.parent)
    assert np.all(np.diff(ch.parent) >= 0)
    for p, text in enumerate(TEXTS):
        tokens = tokenize(text)
        mine = np.flatnonzero(ch.parent == p)
        assert ch.start[mine].tolist() == chunk_starts(len(tokens), 5, 2).tolist()
        rebuilt = [None] * len(tokens)
        for c in mine:
            words = ch.texts[c].split()
            assert len(words) == min(5, len(tokens))
            for k, word in enumerate(words):
                rebuilt[ch.start[c] + k] = word
        assert rebuilt == tokens
        assert [ch.ids[c] for c in mine] == [f"{IDS[p]}#{j}" for j in range(len(mine))]


def test_chunk_corpus_whole_passages():
    ch = chunk_corpus(TEXTS, IDS, size=None)
    assert ch.texts == [" ".join(tokenize(t)) for t in TEXTS]
    assert ch.parent.tolist() == list(range(len(TEXTS)))


@pytest.mark.parametrize("call,error,words", [
    (lambda: chunk_starts(10, 5, 5), ValueError, "chunk_starts: overlap"),
    (lambda: chunk_starts(10, 5, -1), ValueError, "chunk_starts: overlap"),
    (lambda: chunk_starts(0, 5, 1), ValueError, "chunk_starts: n_tokens"),
    (lambda: chunk_starts(10, 2.5, 1), TypeError, "chunk_starts: size"),
    (lambda: chunk_starts(10, 5, 1.0), TypeError, "chunk_starts: overlap"),
    (lambda: chunk_corpus("a text"), TypeError, "chunk_corpus: texts"),
    (lambda: chunk_corpus(["a b", "c"], ["x"]), ValueError, "chunk_corpus: passage_ids"),
    (lambda: chunk_corpus(["a b", "..."]), ValueError, "chunk_corpus: texts[1]"),
    (lambda: chunk_corpus(["a b", 3]), TypeError, "chunk_corpus: texts[1]"),
    (lambda: span_chunk(-1, 2, np.array([0, 3]), 5), ValueError, "span_chunk: span_start"),
    (lambda: span_chunk(0, 0, np.array([0, 3]), 5), ValueError, "span_chunk: span_length"),
    (lambda: span_chunk(0, 1, np.array([0.0, 3.0]), 5), ValueError, "span_chunk: starts"),
])
def test_chunking_bad_inputs(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


# ------------------------------------------------------------------ MaxP
def test_passage_scores_from_chunks_against_a_loop():
    rng = np.random.default_rng(0)
    parent = np.array([0, 0, 0, 1, 3, 3])
    S = rng.standard_normal((4, 6))
    S[1, 4] = -np.inf
    out = passage_scores_from_chunks(S, parent, 5)
    for q in range(4):
        for p in range(5):
            mine = [S[q, c] for c in range(6) if parent[c] == p]
            assert out[q, p] == (max(mine) if mine else -np.inf)
    assert passage_scores_from_chunks(S[0], parent).shape == (4,)


def test_maxp_order_is_the_first_occurrence_order():
    rng = np.random.default_rng(1)
    parent = np.sort(rng.integers(0, 20, size=80))
    s = rng.standard_normal(80)
    S = passage_scores_from_chunks(s, parent, 20)
    present = np.unique(parent)
    first_seen = list(dict.fromkeys(parent[np.argsort(-s, kind="stable")].tolist()))
    assert first_seen == [p for p in np.argsort(-S, kind="stable").tolist() if p in present]


@pytest.mark.parametrize("scores,parent,words", [
    ([1.0, 2.0], [1, 0], "non-decreasing"),
    ([1.0, 2.0], [0, 0, 1], "parent has 3 entries"),
    ([1.0, np.nan], [0, 0], "nan"),
    ([1.0, np.inf], [0, 0], "nan or \\+inf"),
    ([1.0, 2.0], [0.0, 1.0], "integer passage indices"),
])
def test_passage_scores_bad_inputs(scores, parent, words):
    with pytest.raises(ValueError, match="passage_scores_from_chunks: .*" + words):
        passage_scores_from_chunks(scores, parent)


def test_passage_scores_n_passages_too_small():
    with pytest.raises(ValueError, match="n_passages"):
        passage_scores_from_chunks([1.0, 2.0], [0, 3], n_passages=2)


# ------------------------------------------------------------------ normalisation and fusion
def test_minmax_and_zscore_worked_examples():
    assert np.allclose(minmax_normalize([2.0, 4.0, 3.0]), [0.0, 1.0, 0.5])
    z = zscore_normalize([1.0, 2.0, 3.0])
    assert np.allclose(z, [-math.sqrt(1.5), 0.0, math.sqrt(1.5)])  # σ = √(2/3)
    assert np.array_equal(minmax_normalize([[5.0, 5.0], [1.0, 3.0]]), [[0.0, 0.0], [0.0, 1.0]])
    assert np.array_equal(zscore_normalize([7.0, 7.0, 7.0]), [0.0, 0.0, 0.0])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=30), st.floats(0.01, 100), st.floats(-100, 100))
def test_normalisations_are_invariant_to_positive_affine_maps(values, a, b):
    s = np.array(values)
    if np.ptp(s) < 1e-6:
        return
    assert np.allclose(minmax_normalize(a * s + b), minmax_normalize(s), atol=1e-6)
    assert np.allclose(zscore_normalize(a * s + b), zscore_normalize(s), atol=1e-6)


def test_convex_fusion_endpoints_and_mixture():
    rng = np.random.default_rng(2)
    lex, den = rng.random((3, 10)) * 20, rng.standard_normal((3, 10))
    assert np.allclose(convex_fusion(lex, den, 1.0), minmax_normalize(lex))
    assert np.allclose(convex_fusion(lex, den, 0), minmax_normalize(den))
    by_loop = [[0.25 * (x - min(lr)) / (max(lr) - min(lr)) + 0.75 * (d - min(dr)) / (max(dr) - min(dr))
                for x, d in zip(lr, dr)] for lr, dr in zip(lex, den)]
    assert np.allclose(convex_fusion(lex, den, 0.25), by_loop, rtol=1e-13)
    assert np.allclose(convex_fusion(lex, den, 0.5, normalization="zscore"),
                       0.5 * zscore_normalize(lex) + 0.5 * zscore_normalize(den))


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan")])
def test_convex_fusion_bad_alpha(alpha):
    with pytest.raises(ValueError, match=r"convex_fusion: alpha must lie in \[0, 1\]"):
        convex_fusion([1.0, 2.0], [1.0, 2.0], alpha)


@pytest.mark.parametrize("alpha", [True, "0.5", None])
def test_convex_fusion_alpha_of_a_wrong_type(alpha):
    with pytest.raises(TypeError, match="convex_fusion: alpha must be a real number"):
        convex_fusion([1.0, 2.0], [1.0, 2.0], alpha)


def test_fusion_bad_inputs():
    with pytest.raises(ValueError, match="convex_fusion: lexical_scores has shape"):
        convex_fusion([1.0, 2.0], [1.0, 2.0, 3.0], 0.5)
    with pytest.raises(ValueError, match="convex_fusion: normalization"):
        convex_fusion([1.0, 2.0], [1.0, 2.0], 0.5, normalization="rank")
    with pytest.raises(ValueError, match="minmax_normalize: scores contains nan"):
        minmax_normalize([1.0, np.nan])
    with pytest.raises(ValueError, match="zscore_normalize: scores must be 1-D or 2-D"):
        zscore_normalize(np.ones((2, 2, 2)))


# ------------------------------------------------------------------ the fusion over α
def test_hybrid_curve_endpoints_are_the_two_retrievers():
    rng = np.random.default_rng(0)
    lex, den = rng.random((6, 25)) * 15, rng.standard_normal((6, 25))
    grades = rng.integers(0, 4, size=(6, 25)) * (rng.random((6, 25)) < 0.3)
    c = hybrid_curve(lex, den, grades, k=5, alphas=[0.0, 0.4, 1.0])
    assert c["alpha"].tolist() == [0.0, 0.4, 1.0]
    assert c["ndcg"][0] == score_matrix_metrics(den, grades, 5)["ndcg"].mean()
    assert c["ndcg"][2] == score_matrix_metrics(lex, grades, 5)["ndcg"].mean()
    assert c["mrr"][1] == score_matrix_metrics(convex_fusion(lex, den, 0.4), grades, 5)["rr"].mean()
    assert len(hybrid_curve(lex, den, grades)["alpha"]) == 21


def test_hybrid_ranking_parts_add_up_to_the_fused_score():
    rng = np.random.default_rng(1)
    lex, den = rng.random(25) * 15, rng.standard_normal(25)
    r = hybrid_ranking(lex, den, 0.3, k=7)
    fused = convex_fusion(lex, den, 0.3)
    assert r["order"].tolist() == sorted(range(25), key=lambda i: (-fused[i], i))[:7]
    assert np.allclose(r["lexical"] + r["dense"], fused[r["order"]], rtol=1e-15)
    assert np.array_equal(r["lexical"], 0.3 * minmax_normalize(lex)[r["order"]])
    tied = hybrid_ranking([3.0, 1.0, 2.0], [0.0, 1.0, 0.5], 0.5, k=5)  # every fused score is 0.5
    assert tied["order"].tolist() == [0, 1, 2]


@pytest.mark.parametrize("call,words", [
    (lambda: hybrid_curve(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), k=0), "hybrid_curve: k"),
    (lambda: hybrid_curve(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 3))), "hybrid_curve: lexical_scores"),
    (lambda: hybrid_curve(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), alphas=[1.5]), "hybrid_curve: alpha"),
    (lambda: hybrid_ranking(np.ones(4), np.ones(3), 0.5), "hybrid_ranking: lexical_row"),
    (lambda: hybrid_ranking(np.ones(4), np.ones(4), -0.5), "hybrid_ranking: alpha"),
])
def test_hybrid_bad_inputs(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# ------------------------------------------------------------------ RRF
def test_ranks_ties_by_lower_index_and_absent():
    assert ranks_from_scores([1.0, 3.0, 3.0, -np.inf, 0.0]).tolist() == [3, 1, 2, 0, 4]
    assert ranks_from_scores([[2.0, 1.0], [1.0, 2.0]]).tolist() == [[1, 2], [2, 1]]


def test_rrf_worked_example_in_fractions():
    a = np.array([0.9, 0.5, 0.1])   # ranks 1, 2, 3
    b = np.array([0.2, 0.8, -np.inf])  # ranks 2, 1, absent
    out = reciprocal_rank_fusion([a, b], k=60)
    exact = [Fraction(1, 61) + Fraction(1, 62), Fraction(1, 62) + Fraction(1, 61), Fraction(1, 63)]
    assert np.allclose(out, [float(x) for x in exact], rtol=1e-15)
    cut = reciprocal_rank_fusion([a, b], k=60, depth=1)
    assert np.allclose(cut, [1 / 61, 1 / 61, 0.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=2, max_size=20, unique=True))
def test_rrf_uses_only_ranks(values):
    s = np.array(values, dtype=float)  # distinct values that stay distinct after the transforms
    other = s[::-1].copy()
    assert np.array_equal(reciprocal_rank_fusion([np.exp(s / 10), other], k=60),
                          reciprocal_rank_fusion([s, other ** 3], k=60))


def test_rrf_large_k_orders_by_rank_sum_and_small_k_does_not():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(30), rng.standard_normal(30)
    R = ranks_from_scores(a) + ranks_from_scores(b)
    Q = int((ranks_from_scores(a) ** 2 + ranks_from_scores(b) ** 2).max())
    big = reciprocal_rank_fusion([a, b], k=Q + 1)
    assert all(big[i] > big[j] for i in range(30) for j in range(30) if R[i] < R[j])
    # a first place in one list beats rank 40 in both at k = 1: the rank-sum order is violated there
    small = reciprocal_rank_fusion([np.array([1.0] + [0.0] * 40), np.array([-np.inf] + [0.0] * 40)], k=1)
    assert small[0] > small[40]


def test_rrf_one_changed_score_moves_the_others_little():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    before = reciprocal_rank_fusion([a, b], k=60)
    for new in (-100.0, 100.0, 0.0):
        b2 = b.copy()
        b2[7] = new
        change = np.abs(reciprocal_rank_fusion([a, b2], k=60) - before)
        assert np.delete(change, 7).max() <= 1 / (61 * 62) * (1 + 1e-12)


def test_rrf_bad_inputs():
    with pytest.raises(TypeError, match="reciprocal_rank_fusion: score_lists"):
        reciprocal_rank_fusion(np.ones((2, 3)))
    with pytest.raises(ValueError, match="reciprocal_rank_fusion: score_lists\\[1\\] has shape"):
        reciprocal_rank_fusion([np.ones(3), np.ones(4)])
    with pytest.raises(ValueError, match="reciprocal_rank_fusion: k"):
        reciprocal_rank_fusion([np.ones(3)], k=-1)
    with pytest.raises(ValueError, match="ranks_from_scores: scores contains nan"):
        reciprocal_rank_fusion([np.array([1.0, np.nan])])


# ------------------------------------------------------------------ indexes
# (PQ inner products and the memory of every index: tests/test_quantization.py)
def test_lsh_rerank_scores_against_bands_by_loop():
    rng = np.random.default_rng(8)
    X, Q = rng.standard_normal((60, 8)), rng.standard_normal((4, 8))
    lsh = RandomHyperplaneLSH(12, 8, seed=1)
    H = lsh.hash(X)
    out = lsh_rerank_scores(Q, X, lsh, H, 3, 4)
    Hq = lsh.hash(Q)
    for q in range(4):
        for c in range(60):
            cand = any((Hq[q, 3 * i:3 * i + 3] == H[c, 3 * i:3 * i + 3]).all() for i in range(4))
            assert out[q, c] == (math.fsum(Q[q] * X[c]) if cand else -np.inf) or (
                cand and math.isclose(out[q, c], math.fsum(Q[q] * X[c]), rel_tol=1e-12))


# ------------------------------------------------------------------ latency
def test_time_per_query_is_the_median_of_batch_times(monkeypatch):
    ticks = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])  # batches of 1, 3 and 2 seconds
    monkeypatch.setattr(pl.time, "perf_counter", lambda: next(ticks))
    calls = []
    assert time_per_query(lambda: calls.append(1), n_queries=4, repeats=3) == pytest.approx(0.5)
    assert len(calls) == 3


def test_time_per_query_bad_inputs():
    with pytest.raises(TypeError, match="time_per_query: search"):
        time_per_query(3, 2)
    with pytest.raises(ValueError, match="time_per_query: repeats"):
        time_per_query(lambda: None, 2, repeats=0)


# ------------------------------------------------------------------ generation and adaptation
@pytest.fixture(scope="module")
def trained():
    encoder = DualEncoder(TEXTS, dim=4, seed=0)
    encoder.fit(["postings list", "k1 saturation", "dot product vectors", "centroid index", "yeast", "rank fusion"],
                TEXTS, epochs=5, batch_size=3, lr=1e-2, temperature=0.1)
    return encoder, PassageNGramGenerator(TEXTS)


def test_answer_log_likelihood_against_the_sum(trained):
    _, generator = trained
    chunks = ["the postings list of a term", "yeast ferments sugar"]
    probs = [math.prod(generator.token_probabilities(c, "postings list")) for c in chunks]
    assert math.isclose(answer_log_likelihood(generator, chunks, "postings list"),
                        math.log(math.fsum(probs) / 2), rel_tol=1e-12)
    with pytest.raises(ValueError, match="answer_log_likelihood: chunk_texts"):
        answer_log_likelihood(generator, [], "x")


def test_lsr_finetuning_lowers_the_loss_and_checks_shapes(trained):
    encoder, generator = trained
    X = encoder.features(["postings", "fusion of ranks"]).toarray()
    D = encoder.encode_passages(TEXTS)
    cand = np.array([[0, 1, 5], [5, 2, 0]])
    ll = np.array([[math.log(p) for p in generator.token_probability_matrix([TEXTS[c] for c in row], y).prod(1)]
                   for row, y in zip(cand, ["postings list", "rank"])])
    A, history = lsr_finetune_query_matrix(encoder.A_q, X, D[cand], ll, temperature=0.1, steps=25, lr=1e-2)
    assert A.shape == encoder.A_q.shape and len(history) == 25
    assert history[-1] < history[0]
    with pytest.raises(ValueError, match="lsr_finetune_query_matrix: log_likelihoods"):
        lsr_finetune_query_matrix(encoder.A_q, X, D[cand], ll[:, :2])
    with pytest.raises(ValueError, match="lsr_finetune_query_matrix: shapes"):
        lsr_finetune_query_matrix(encoder.A_q, X[:, :-1], D[cand], ll)
    with pytest.raises(ValueError, match="lsr_finetune_query_matrix: lr"):
        lsr_finetune_query_matrix(encoder.A_q, X, D[cand], ll, lr=-1e-3)
    with pytest.raises(ValueError, match="lsr_finetune_query_matrix: log_likelihoods contains nan"):
        lsr_finetune_query_matrix(encoder.A_q, X, D[cand], np.where(ll < ll.max(), ll, np.nan))


# ------------------------------------------------------------------ the pipeline
def test_pipeline_scores_agree_with_the_pieces(trained):
    encoder, generator = trained
    ch = chunk_corpus(TEXTS, IDS, size=6, overlap=2)
    pipe = RAGPipeline(ch, encoder, generator)
    queries = ["rank fusion of lists", "yeast dough"]
    bm25 = BM25().fit([tokenize(t) for t in ch.texts])
    assert np.allclose(pipe.chunk_scores("bm25", queries), [bm25.scores(tokenize(q)) for q in queries])
    dense = encoder.encode_queries(queries) @ encoder.encode_passages(ch.texts).T
    assert np.allclose(pipe.chunk_scores("dense", queries), dense, rtol=1e-5, atol=1e-6)
    assert np.allclose(pipe.chunk_scores("hybrid", queries, alpha=0.3),
                       convex_fusion(pipe.chunk_scores("bm25", queries), pipe.chunk_scores("dense", queries), 0.3))
    tf = pipe.chunk_scores("tfidf", queries)
    assert tf.max() <= 1 + 1e-12 and tf.min() >= 0
    P = pipe.passage_scores("rrf", queries, n_passages=len(TEXTS))
    assert P.shape == (2, len(TEXTS))
    pipe.add_pq(7, 4, n_iter=3)
    assert pipe.chunk_scores("pq", queries).shape == (2, len(ch))
    pipe.add_lsh(8, 2, 4)
    lsh = pipe.chunk_scores("lsh", queries)
    top = pipe.retrieve(lsh[0], 5)
    assert np.isfinite(lsh[0, top]).all()
    assert math.isfinite(pipe.answer_log_likelihood(pipe.chunk_scores("dense", queries)[0], "rank fusion", k=2))


def test_pipeline_bad_inputs(trained):
    encoder, generator = trained
    with pytest.raises(TypeError, match="RAGPipeline: chunks"):
        RAGPipeline(TEXTS, encoder, generator)
    pipe = RAGPipeline(chunk_corpus(TEXTS, IDS, size=None), encoder, generator)
    with pytest.raises(ValueError, match="RAGPipeline.chunk_scores: method"):
        pipe.chunk_scores("splade", ["x"])
    with pytest.raises(NotFittedError, match="RAGPipeline.chunk_scores: method 'pq' .* call add_pq first"):
        pipe.chunk_scores("pq", ["x"])
    with pytest.raises(ValueError, match="call add_lsh first"):  # NotFittedError is a ValueError
        pipe.chunk_scores("lsh", ["x"])
    with pytest.raises(ValueError, match="RAGPipeline.retrieve: k"):
        pipe.retrieve(np.ones(len(TEXTS)), 0)
    with pytest.raises(ValueError, match="RAGPipeline.retrieve: chunk_scores_row contains nan or \\+inf"):
        pipe.retrieve([1.0, np.nan, 0.0], 2)


def test_retrieve_is_best_first_with_ties_by_the_lower_index_and_skips_unretrieved(trained):
    encoder, generator = trained
    pipe = RAGPipeline(chunk_corpus(TEXTS, IDS, size=None), encoder, generator)
    s = np.array([0.5, -np.inf, 2.0, 0.5, -np.inf, 2.0])
    assert pipe.retrieve(s, 3).tolist() == [2, 5, 0]
    assert pipe.retrieve(s, 10).tolist() == [2, 5, 0, 3]  # only the four chunks retrieved
    assert pipe.retrieve(np.full(6, -np.inf), 2).size == 0
    rng = np.random.default_rng(9)
    for _ in range(20):
        row = rng.integers(0, 4, size=30).astype(float)
        row[rng.random(30) < 0.2] = -np.inf
        expected = [i for i in sorted(range(30), key=lambda i: (-row[i], i)) if np.isfinite(row[i])][:7]
        assert pipe.retrieve(row, 7).tolist() == expected
