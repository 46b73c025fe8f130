"""Tests of :mod:`ragmath.rag` against its contract (``shared/API.md``).

Expected values come from hand-worked examples or from independent
computations written here: loops with :func:`math.fsum` and :func:`math.exp`,
exact :class:`fractions.Fraction` arithmetic, explicit enumeration of every
assignment of documents to tokens for RAG-Token, and central finite
differences for every gradient.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragmath.lexical import document_frequency, tfidf_vectors, tokenize
from ragmath.rag import (
    DualEncoder,
    PassageNGramGenerator,
    document_distribution,
    in_batch_contrastive_loss,
    rag_marginals,
    rag_sequence_likelihood,
    rag_sequence_log_likelihood,
    rag_token_likelihood,
    rag_token_log_likelihood,
    retrieval_distribution,
    sequence_log_likelihood,
    truncated_mass,
)

pytestmark = pytest.mark.filterwarnings("error")


# ------------------------------------------------------------------ references
def ref_softmax(values):
    m = max(values)
    e = [math.exp(v - m) for v in values]
    s = math.fsum(e)
    return [x / s for x in e]


def ref_loss(Q, P, tau):
    """The in-batch loss by loops."""
    B = len(Q)
    total = []
    for i in range(B):
        s = [math.fsum(a * b for a, b in zip(Q[i], P[j])) / tau for j in range(len(P))]
        m = max(s)
        total.append(m + math.log(math.fsum(math.exp(v - m) for v in s)) - s[i])
    return math.fsum(total) / B


# ------------------------------------------------------------------ retriever
def test_retrieval_distribution_worked_example():
    query = [1.0, 0.0]
    docs = [[0.0, 1.0], [2.0, 0.0], [1.0, 5.0], [-1.0, 0.0]]  # scores 0, 2, 1, -1
    idx, p = retrieval_distribution(query, docs)
    assert idx.tolist() == [1, 2, 0, 3]
    np.testing.assert_allclose(p, ref_softmax([2, 1, 0, -1]), rtol=1e-14)
    idx, p = retrieval_distribution(query, docs, k=2, temperature=0.5)
    assert idx.tolist() == [1, 2]
    e = math.exp(2.0)  # scores/τ = 4, 2: ratio e²
    np.testing.assert_allclose(p, [e / (e + 1), 1 / (e + 1)], rtol=1e-14)


def test_retrieval_ties_lower_index_first_and_stability():
    idx, p = retrieval_distribution([1.0], [[3.0], [5.0], [5.0], [3.0]], k=3)
    assert idx.tolist() == [1, 2, 0]
    idx, p = retrieval_distribution([1.0], [[1e4], [1e4 - 1]], temperature=0.01)
    assert np.isfinite(p).all() and p[0] == pytest.approx(1.0) and p[1] >= 0


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 8), st.floats(0.05, 5.0))
def test_truncation_is_conditioning(seed, k, tau):
    """p_k(z) = p_all(z) / (1 − δ_k) on the top-k (rag-renormalise)."""
    rng = np.random.default_rng(seed)
    docs, q = rng.standard_normal((8, 3)), rng.standard_normal(3)
    order, full = retrieval_distribution(q, docs, temperature=tau)
    idx, p = retrieval_distribution(q, docs, k=k, temperature=tau)
    delta = truncated_mass(q, docs, k, temperature=tau)
    assert idx.tolist() == order[:k].tolist()
    assert delta == pytest.approx(math.fsum(full[k:]), abs=1e-12)
    np.testing.assert_allclose(p * (1 - delta), full[:k], rtol=1e-9, atol=1e-15)
    assert math.fsum(p) == pytest.approx(1.0, abs=1e-12)


def test_temperature_limits():
    q, docs = [1.0], [[1.0], [2.0], [0.5]]
    _, cold = retrieval_distribution(q, docs, temperature=1e-3)
    _, hot = retrieval_distribution(q, docs, temperature=1e6)
    assert cold[0] == pytest.approx(1.0) and hot == pytest.approx([1 / 3] * 3, abs=1e-5)
    assert truncated_mass(q, docs, 3) == 0.0


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(query=[1.0, 2.0], docs=[[1.0, 2.0, 3.0]]), ValueError, "retrieval_distribution: query has vectors of dimension 2"),
        (dict(query=[1.0], docs=[[1.0], [2.0]], k=3), ValueError, "retrieval_distribution: k = 3 is larger"),
        (dict(query=[1.0], docs=[[1.0]], k=0), ValueError, "retrieval_distribution: k must be at least 1"),
        (dict(query=[1.0], docs=[[1.0]], k=1.5), TypeError, "retrieval_distribution: k must be an integer"),
        (dict(query=[1.0], docs=[[1.0]], temperature=0.0), ValueError, "retrieval_distribution: temperature"),
        (dict(query=[np.nan], docs=[[1.0]]), ValueError, "retrieval_distribution: query contains nan"),
        (dict(query=[1.0], docs=[1.0]), ValueError, "retrieval_distribution: docs must be 2-D"),
        (dict(query="abc", docs=[[1.0]]), TypeError, "retrieval_distribution: query"),
    ],
)
def test_retrieval_distribution_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        retrieval_distribution(**kwargs)


def test_retrieval_overflow_is_an_error():
    with pytest.raises(ValueError, match="overflow"):
        retrieval_distribution([1e300], [[1e300]], temperature=1e-10)


def test_document_distribution_against_loops():
    rng = np.random.default_rng(0)
    docs, query = rng.standard_normal((30, 4)), rng.standard_normal(4)
    scores = (docs @ query).tolist()
    order = sorted(range(30), key=lambda i: -scores[i])
    d = document_distribution(query, docs, k=4, temperature=0.5)
    full = ref_softmax([scores[i] / 0.5 for i in order])
    top = ref_softmax([scores[i] / 0.5 for i in order[:4]])
    assert d["order"].tolist() == order
    np.testing.assert_allclose(d["full"], full, rtol=1e-12)
    np.testing.assert_allclose(d["truncated"][:4], top, rtol=1e-12)
    assert not d["truncated"][4:].any()
    assert d["dropped"] == pytest.approx(math.fsum(full[4:]))


def test_document_distribution_is_the_three_functions():
    rng = np.random.default_rng(1)
    docs, query = rng.standard_normal((12, 3)), rng.standard_normal(3)
    d = document_distribution(query, docs, k=5, temperature=0.3)
    order, full = retrieval_distribution(query, docs, temperature=0.3)
    idx, p = retrieval_distribution(query, docs, k=5, temperature=0.3)
    assert np.array_equal(d["order"], order) and np.array_equal(d["full"], full)
    assert np.array_equal(d["truncated"][:5], p) and d["dropped"] == truncated_mass(query, docs, 5, 0.3)
    assert np.array_equal(document_distribution(query, docs, temperature=0.3)["truncated"], full)
    d = document_distribution([1.0], [[2.0], [2.0], [1.0]], k=1)  # a tie: the lower index first
    assert d["order"].tolist() == [0, 1, 2] and d["truncated"].tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="document_distribution: k = 4 is larger"):
        document_distribution([1.0], [[2.0], [2.0], [1.0]], k=4)
    with pytest.raises(ValueError, match="document_distribution: query has vectors of dimension 2"):
        document_distribution([1.0, 0.0], [[2.0]])


# ------------------------------------------------------------------ likelihoods
def test_sequence_log_likelihood():
    assert sequence_log_likelihood([0.5, 0.25]) == pytest.approx(math.log(0.125))
    np.testing.assert_allclose(sequence_log_likelihood([[0.5, 0.5], [1.0, 0.1]]), [math.log(0.25), math.log(0.1)])
    assert sequence_log_likelihood([0.5, 0.0]) == -math.inf
    # 2000 tokens of probability 0.1: the product underflows, the sum does not
    assert sequence_log_likelihood([0.1] * 2000) == pytest.approx(2000 * math.log(0.1))
    with pytest.raises(ValueError, match="sequence_log_likelihood: token_probs must lie in \\[0, 1\\]"):
        sequence_log_likelihood([0.5, 1.5])


def exact_sequence(p, P):
    return sum(Fraction(pz) * math.prod((Fraction(x) for x in row), start=Fraction(1)) for pz, row in zip(p, P))


def enumerate_token(p, P):
    """RAG-Token by its definition: a document z_i drawn for every token, all assignments summed."""
    n_docs, n_tokens = len(P), len(P[0])
    total = Fraction(0)
    for zs in itertools.product(range(n_docs), repeat=n_tokens):
        term = Fraction(1)
        for i, z in enumerate(zs):
            term *= Fraction(p[z]) * Fraction(P[z][i])
        total += term
    return total


def test_two_document_counterexample():
    p = [0.5, 0.5]
    same = [[0.9, 0.9], [0.1, 0.1]]
    crossed = [[0.9, 0.1], [0.1, 0.9]]
    assert rag_sequence_likelihood(p, same) == pytest.approx(0.41)
    assert rag_token_likelihood(p, same) == pytest.approx(0.25)
    assert rag_sequence_likelihood(p, crossed) == pytest.approx(0.09)
    assert rag_token_likelihood(p, crossed) == pytest.approx(0.25)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 4))
def test_marginals_against_exact_references(seed, n_docs, n_tokens):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(n_docs))
    P = rng.random((n_docs, n_tokens))
    assert rag_sequence_likelihood(p, P) == pytest.approx(float(exact_sequence(p, P)), rel=1e-12)
    assert rag_token_likelihood(p, P) == pytest.approx(float(enumerate_token(p, P)), rel=1e-12)
    if n_tokens == 1:  # one token: the two marginals coincide
        assert rag_sequence_likelihood(p, P) == pytest.approx(rag_token_likelihood(p, P), rel=1e-12)


def test_log_likelihoods_do_not_underflow():
    p = [0.3, 0.7]
    P = np.full((2, 500), 0.01)
    P[1] = 0.02
    # log(0.3·0.01^500 + 0.7·0.02^500) = 500 log 0.02 + log(0.7 + 0.3·0.5^500)
    expected_seq = 500 * math.log(0.02) + math.log(0.7 + 0.3 * 0.5**500)
    assert rag_sequence_log_likelihood(p, P) == pytest.approx(expected_seq, rel=1e-12)
    assert rag_token_log_likelihood(p, P) == pytest.approx(500 * math.log(0.3 * 0.01 + 0.7 * 0.02), rel=1e-12)
    assert rag_sequence_likelihood(p, P) == 0.0  # the value itself underflows; its log did not


def test_rag_marginals_by_hand():
    scores, tokens = np.array([2.0, 1.0, 0.0]), np.array([[0.9, 0.8], [0.2, 0.3], [0.05, 0.6]])
    m = rag_marginals(scores, tokens, temperature=1.0)
    p = ref_softmax(scores.tolist())
    np.testing.assert_allclose(m["doc_probs"], p, rtol=1e-14)
    np.testing.assert_allclose(m["token_mixture"], [math.fsum(pz * row[i] for pz, row in zip(p, tokens))
                                                    for i in range(2)], rtol=1e-14)
    seq = math.fsum(pz * a * b for pz, (a, b) in zip(p, tokens))
    tok = math.fsum(pz * a for pz, (a, _) in zip(p, tokens)) * math.fsum(pz * b for pz, (_, b) in zip(p, tokens))
    assert m["log_sequence"] == pytest.approx(math.log(seq), rel=1e-13)
    assert m["log_token"] == pytest.approx(math.log(tok), rel=1e-13)
    cold = rag_marginals(scores, tokens, temperature=1e-3)  # τ → 0: the best document alone
    assert cold["doc_probs"][0] == pytest.approx(1.0) and cold["log_sequence"] == pytest.approx(math.log(0.72))


def test_rag_marginals_errors():
    with pytest.raises(ValueError, match="rag_marginals: token_probs has 2 rows but doc_scores has 3"):
        rag_marginals([1.0, 2.0, 3.0], [[0.5], [0.5]])
    with pytest.raises(ValueError, match="rag_marginals: temperature"):
        rag_marginals([1.0], [[0.5]], temperature=0.0)
    with pytest.raises(ValueError, match="rag_marginals: the scores divided by temperature overflow"):
        rag_marginals([1e300, 0.0], [[0.5], [0.5]], temperature=1e-300)


@pytest.mark.parametrize("func", [rag_sequence_likelihood, rag_token_likelihood])
def test_marginal_errors(func):
    name = func.__name__
    with pytest.raises(ValueError, match=f"{name}: doc_probs must sum to 1"):
        func([0.5, 0.4], [[1.0], [1.0]])
    with pytest.raises(ValueError, match=f"{name}: doc_probs has a negative probability"):
        func([1.5, -0.5], [[1.0], [1.0]])
    with pytest.raises(ValueError, match=f"{name}: token_probs has 1 rows but doc_probs has 2"):
        func([0.5, 0.5], [[1.0, 1.0]])
    with pytest.raises(ValueError, match=f"{name}: token_probs must be 2-D"):
        func([0.5, 0.5], [1.0, 1.0])
    with pytest.raises(ValueError, match=f"{name}: token_probs must lie in \\[0, 1\\] \\(at row 1, column 0\\)"):
        func([0.5, 0.5], [[1.0], [-0.1]])
    with pytest.raises(ValueError, match=f"{name}: doc_probs must be 1-D"):
        func([[0.5, 0.5]], [[1.0], [1.0]])


# ------------------------------------------------------------------ contrastive loss
def numerical_gradient(f, X, h=1e-6):
    G = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        old = X[idx]
        X[idx] = old + h
        up = f()
        X[idx] = old - h
        down = f()
        X[idx] = old
        G[idx] = (up - down) / (2 * h)
    return G


@pytest.mark.parametrize("B, extra, d, tau", [(1, 0, 3, 1.0), (4, 0, 5, 1.0), (3, 2, 4, 0.3), (5, 0, 2, 2.0)])
def test_contrastive_loss_and_gradients(B, extra, d, tau):
    rng = np.random.default_rng(B * 10 + extra)
    Q, P = rng.standard_normal((B, d)), rng.standard_normal((B + extra, d))
    loss, gQ, gP = in_batch_contrastive_loss(Q, P, tau)
    assert loss == pytest.approx(ref_loss(Q.tolist(), P.tolist(), tau), rel=1e-12)
    assert gQ.shape == Q.shape and gP.shape == P.shape
    nQ = numerical_gradient(lambda: ref_loss(Q.tolist(), P.tolist(), tau), Q)
    nP = numerical_gradient(lambda: ref_loss(Q.tolist(), P.tolist(), tau), P)
    np.testing.assert_allclose(gQ, nQ, atol=1e-7)
    np.testing.assert_allclose(gP, nP, atol=1e-7)


def test_contrastive_loss_special_values():
    Q = np.zeros((4, 3))
    loss, gQ, gP = in_batch_contrastive_loss(Q, np.ones((4, 3)))
    assert loss == pytest.approx(math.log(4))  # all scores equal: log B
    big = 50 * np.eye(3)
    loss, gQ, gP = in_batch_contrastive_loss(big, big)
    assert 0 <= loss < 1e-12 and np.abs(gQ).max() < 1e-12  # perfect separation
    loss, _, _ = in_batch_contrastive_loss([[1e4, 0.0]], [[1.0, 0.0]], temperature=1e-3)
    assert loss == 0.0


def test_contrastive_loss_small_values_keep_relative_accuracy():
    # margin 20 against 3 negatives: L = log(1 + 3e^-20) ≈ 6.18e-9, which a plain
    # log(Σ exp) gets only to about 1e-8 relative accuracy (log of a number near 1)
    loss, _, _ = in_batch_contrastive_loss(20 * np.eye(4), np.eye(4))
    assert loss == pytest.approx(math.log1p(3 * math.exp(-20)), rel=1e-13)
    _, p = retrieval_distribution([1.0], [[0.0], [-30.0]])
    assert p[1] == pytest.approx(math.exp(-30) / (1 + math.exp(-30)), rel=1e-13)


def test_contrastive_loss_float32_keeps_dtype():
    rng = np.random.default_rng(1)
    loss, gQ, gP = in_batch_contrastive_loss(rng.standard_normal((3, 2)).astype(np.float32),
                                             rng.standard_normal((3, 2)).astype(np.float32))
    assert gQ.dtype == np.float32 and gP.dtype == np.float32 and isinstance(loss, float)


@pytest.mark.parametrize(
    "Q, P, kwargs, match",
    [
        ([[1.0, 2.0]], [[1.0]], {}, "in_batch_contrastive_loss: Q has vectors of dimension 2"),
        ([[1.0], [2.0]], [[1.0]], {}, "in_batch_contrastive_loss: P has 1 rows but Q has 2"),
        ([1.0], [[1.0]], {}, "in_batch_contrastive_loss: Q must be 2-D"),
        ([[1.0]], [[np.inf]], {}, "in_batch_contrastive_loss: P contains nan or inf"),
        ([[1.0]], [[1.0]], {"temperature": -1.0}, "in_batch_contrastive_loss: temperature"),
        ([[1e200]], [[1e200]], {}, "overflow"),
    ],
)
def test_contrastive_loss_errors(Q, P, kwargs, match):
    with pytest.raises(ValueError, match=match):
        in_batch_contrastive_loss(Q, P, **kwargs)


# ------------------------------------------------------------------ dual encoder
TEXTS = [
    "cats purr when they are content",
    "dogs bark at the postman",
    "the stock market fell on monday",
    "bread rises because yeast makes gas",
    "a kitten is a young cat",
    "rivers flow into the sea",
]


def test_dual_encoder_features_and_start():
    enc = DualEncoder(TEXTS, dim=8, seed=0)
    X = enc.features(["cats purr", "unknown words only"]).toarray()
    assert np.linalg.norm(X[0]) == pytest.approx(1.0) and not X[1].any()
    j_cats, j_purr = enc.vocabulary.index("cats"), enc.vocabulary.index("purr")
    assert X[0, j_cats] == pytest.approx(X[0, j_purr]) == pytest.approx(1 / math.sqrt(2))
    Qe, Pe = enc.encode_queries(TEXTS), enc.encode_passages(TEXTS)
    F = enc.features(TEXTS).toarray()
    assert Qe.shape == Pe.shape == (6, len(enc.vocabulary) + 8)
    np.testing.assert_allclose(Qe[:, : len(enc.vocabulary)], F)  # the fixed TF-IDF block
    np.testing.assert_allclose(Pe[:, : len(enc.vocabulary)], F)


def test_dual_encoder_features_are_the_normalised_tfidf_of_chapter_4():
    """φ is lexical's TF-IDF (lex-tfidf) in the passages' vocabulary, divided by its norm."""
    enc = DualEncoder(TEXTS, dim=2, seed=0)
    docs = [tokenize(t) for t in TEXTS]
    df, vocabulary = document_frequency(docs)
    assert enc.vocabulary == vocabulary
    np.testing.assert_array_equal(enc.idf, [math.log(len(TEXTS) / n) for n in df])
    texts = ["Cats and a young cat", "the sea, the sea", "nothing known here"]
    V = tfidf_vectors([tokenize(t) for t in texts], vocabulary, enc.idf).toarray()
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    expected = np.divide(V, norms, out=np.zeros_like(V), where=norms > 0)
    np.testing.assert_allclose(enc.features(texts).toarray(), expected, rtol=1e-15, atol=0)
    assert enc.features([]).shape == (0, len(vocabulary))


def test_dual_encoder_seeds():
    a, b = DualEncoder(TEXTS, dim=3, seed=5), DualEncoder(TEXTS, dim=3, seed=5)
    assert np.array_equal(a.A_q, b.A_q) and not np.array_equal(a.A_q, DualEncoder(TEXTS, dim=3, seed=6).A_q)
    g = DualEncoder(TEXTS, dim=3, seed=np.random.default_rng(5))  # a Generator is used as it is
    assert np.array_equal(g.A_q, a.A_q)
    with pytest.raises(TypeError, match="DualEncoder: seed must be an int or a numpy.random.Generator"):
        DualEncoder(TEXTS, seed=1.5)
    with pytest.raises(ValueError, match="DualEncoder: seed must be non-negative"):
        DualEncoder(TEXTS, seed=-1)


def test_dual_encoder_gradients_by_finite_differences():
    enc = DualEncoder(TEXTS, dim=3, seed=1, init_scale=1.0)
    X = enc.features(TEXTS[:4])
    Y = enc.features(TEXTS[2:6])
    loss, gA_q, gA_p = enc.loss_and_gradients(X, Y, temperature=0.5)

    def f():
        return enc.loss_and_gradients(X, Y, temperature=0.5)[0]

    rows = sorted(set(X.indices))[:3]
    num_q = numerical_gradient(f, enc.A_q)
    num_p = numerical_gradient(f, enc.A_p)
    np.testing.assert_allclose(gA_q, num_q, atol=1e-7)
    np.testing.assert_allclose(gA_p, num_p, atol=1e-7)
    assert np.abs(gA_q[rows]).max() > 0


def test_dual_encoder_training_lowers_the_loss():
    queries = ["why do cats purr", "what makes bread rise", "where do rivers go", "young cat name"]
    positives = [TEXTS[0], TEXTS[3], TEXTS[5], TEXTS[4]]
    enc = DualEncoder(TEXTS, dim=4, seed=0, keep_tfidf=False)
    before = enc.loss_and_gradients(enc.features(queries), enc.features(positives), 0.1)[0]
    enc.fit(queries, positives, epochs=60, batch_size=4, lr=0.05, temperature=0.1)
    after = enc.loss_and_gradients(enc.features(queries), enc.features(positives), 0.1)[0]
    assert after < 0.1 * before and len(enc.loss_history_) == 60


def test_dual_encoder_random_projection_start_is_unbiased():
    enc = DualEncoder(TEXTS, dim=4000, seed=3, keep_tfidf=False)
    F = enc.features(TEXTS).toarray()
    np.testing.assert_allclose(enc.encode_queries(TEXTS) @ enc.encode_passages(TEXTS).T, F @ F.T, atol=0.1)


def test_dual_encoder_errors():
    with pytest.raises(TypeError, match="DualEncoder: passages"):
        DualEncoder("one text")
    with pytest.raises(ValueError, match="DualEncoder: dim must be at least 1"):
        DualEncoder(TEXTS, dim=0)
    enc = DualEncoder(TEXTS, dim=2)
    with pytest.raises(ValueError, match="DualEncoder.fit: queries and positives"):
        enc.fit(["a"], ["b", "c"])
    with pytest.raises(TypeError, match="DualEncoder.features: texts must be a list"):
        enc.features("one text")
    with pytest.raises(TypeError, match="DualEncoder.features: texts\\[1\\] must be a str, got int"):
        enc.features(["a", 3])
    with pytest.raises(TypeError, match="DualEncoder: passages\\[1\\] must be a str"):
        DualEncoder(["a", None])
    with pytest.raises(ValueError, match="DualEncoder: passages have no tokens"):
        DualEncoder(["!!", "..."])


# ------------------------------------------------------------------ generator
def test_generator_by_hand():
    passage = "the cat sat on the mat"  # 6 tokens; "the" is followed by cat and mat
    other = "dogs run"
    gen = PassageNGramGenerator([passage, other], lambdas=(0.5, 0.3, 0.2))
    V = len(gen.vocabulary)  # the, cat, sat, on, mat, dogs, run, <unk>
    assert V == 8
    N = 8  # corpus tokens
    bg = {w: Fraction(c + 1, N + V) for w, c in [("the", 2), ("cat", 1), ("mat", 1), ("sat", 1), ("zebra", 0)]}
    probs = gen.token_probabilities(passage, "the mat zebra")
    expected = [
        Fraction(1, 2) * Fraction(2, 6) + Fraction(3, 10) * Fraction(2, 6) + Fraction(1, 5) * bg["the"],
        Fraction(1, 2) * Fraction(1, 2) + Fraction(3, 10) * Fraction(1, 6) + Fraction(1, 5) * bg["mat"],
        Fraction(1, 5) * bg["zebra"],  # "mat" ends the passage: bigram falls back to the unigram, 0
    ]
    np.testing.assert_allclose(probs, [float(e) for e in expected], rtol=1e-14)


def test_generator_distributions_sum_to_one():
    gen = PassageNGramGenerator(TEXTS)
    for previous in [None, "cats", "the", "zebra"]:
        dist = gen.next_token_distribution(TEXTS[0], previous)
        assert math.fsum(dist) == pytest.approx(1.0, abs=1e-12) and (dist > 0).all()
    y = "cats purr when the dogs bark"
    probs = gen.token_probabilities(TEXTS[0], y)
    tokens = y.split()
    for i, token in enumerate(tokens):
        dist = gen.next_token_distribution(TEXTS[0], tokens[i - 1] if i else None)
        assert probs[i] == pytest.approx(dist[gen.vocabulary.index(token)], rel=1e-12)
    M = gen.token_probability_matrix(TEXTS[:3], y)
    assert M.shape == (3, 6)


def test_generator_errors():
    with pytest.raises(ValueError, match="PassageNGramGenerator: lambdas must sum to 1"):
        PassageNGramGenerator(TEXTS, lambdas=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="PassageNGramGenerator: lambdas must hold 3"):
        PassageNGramGenerator(TEXTS, lambdas=(0.5, 0.5))
    gen = PassageNGramGenerator(TEXTS)
    with pytest.raises(ValueError, match="answer has no tokens"):
        gen.token_probabilities(TEXTS[0], "!!")
    with pytest.raises(TypeError, match="PassageNGramGenerator.next_token_distribution: passage must be a str"):
        gen.next_token_distribution(3)
    with pytest.raises(TypeError, match="PassageNGramGenerator: passages\\[0\\] must be a str"):
        PassageNGramGenerator([b"bytes"])


# ------------------------------------------------------------------ issue 15: training, decoding, FiD
from ragmath.optim import Adam  # noqa: E402
from ragmath.rag import (  # noqa: E402
    _InPlaceAdam,
    fid_cross_attention,
    in_batch_false_negatives,
    masked_in_batch_contrastive_loss,
    rag_marginal_nll,
    rag_sequence_decode,
    rag_token_decode,
)


def _softmax(s):
    e = [math.exp(v - max(s)) for v in s]
    return [x / math.fsum(e) for x in e]


def _nll_by_loop(scores, P, tau, model):
    prior = _softmax([s / tau for s in scores])
    if model == "sequence":
        return -math.log(math.fsum(pz * math.prod(row) for pz, row in zip(prior, P)))
    return -math.fsum(math.log(math.fsum(pz * row[i] for pz, row in zip(prior, P))) for i in range(len(P[0])))


@pytest.mark.parametrize("model", ["sequence", "token"])
@pytest.mark.parametrize("tau", [0.3, 1.0, 2.5])
def test_rag_marginal_nll_loss_and_gradient(model, tau):
    rng = np.random.default_rng(3)
    scores, P = rng.standard_normal(5), rng.uniform(0.05, 1.0, (5, 3))
    loss, g, g_tok = rag_marginal_nll(scores, P, temperature=tau, model=model)
    assert math.isclose(loss, _nll_by_loop(scores, P, tau, model), rel_tol=1e-12)
    h = 1e-6
    numeric = [(_nll_by_loop(scores + h * e, P, tau, model) - _nll_by_loop(scores - h * e, P, tau, model)) / (2 * h)
               for e in np.eye(5)]
    assert np.allclose(g, numeric, atol=1e-7)
    logP = np.log(P)
    numeric_tok = np.zeros_like(P)
    for idx in np.ndindex(P.shape):
        up, down = logP.copy(), logP.copy()
        up[idx] += h
        down[idx] -= h
        numeric_tok[idx] = (_nll_by_loop(scores, np.exp(up), tau, model)
                            - _nll_by_loop(scores, np.exp(down), tau, model)) / (2 * h)
    assert np.allclose(g_tok, numeric_tok, atol=1e-7)


def test_rag_marginal_nll_prior_minus_posterior():
    prior = np.array(_softmax([0.0, 1.0, -1.0]))
    P = np.array([[0.9, 0.8], [0.01, 0.02], [0.3, 0.3]])
    joint = prior * P.prod(axis=1)
    _, g, g_tok = rag_marginal_nll([0.0, 1.0, -1.0], P)
    assert np.allclose(g, prior - joint / joint.sum(), rtol=1e-12)
    assert np.allclose(-g_tok[:, 1], joint / joint.sum(), rtol=1e-12)


def test_rag_marginal_nll_underflow_and_errors():
    P = np.full((2, 400), 1e-3)  # every product underflows to 0
    loss, g, _ = rag_marginal_nll([0.0, 0.0], P)
    assert math.isclose(loss, -400 * math.log(1e-3), rel_tol=1e-12) and np.allclose(g, 0)
    with pytest.raises(ValueError, match="token_probs"):
        rag_marginal_nll([0.0, 0.0], [[0.5, 0.0], [0.5, 0.5]])
    with pytest.raises(ValueError, match="model"):
        rag_marginal_nll([0.0], [[0.5]], model="both")
    with pytest.raises(ValueError, match="doc_scores"):
        rag_marginal_nll([0.0, 1.0, 2.0], [[0.5], [0.5]])
    with pytest.raises(ValueError, match="temperature"):
        rag_marginal_nll([0.0], [[0.5]], temperature=0)


# a 3-word vocabulary and 2 documents, with a bigram dependence on the previous token
_TABLES = {0: {None: [0.5, 0.3, 0.2], 0: [0.1, 0.8, 0.1], 1: [0.6, 0.2, 0.2], 2: [0.3, 0.3, 0.4]},
           1: {None: [0.2, 0.2, 0.6], 0: [0.4, 0.4, 0.2], 1: [0.1, 0.1, 0.8], 2: [0.7, 0.2, 0.1]}}


def _next(z, prefix):
    return np.array(_TABLES[z][prefix[-1] if prefix else None])


def _seq_prob(z, y):
    return math.prod(_TABLES[z][y[i - 1] if i else None][w] for i, w in enumerate(y))


@pytest.mark.parametrize("p", [[0.5, 0.5], [0.8, 0.2], [0.3, 0.7]])
def test_decoders_match_exhaustive_search(p):
    every = list(itertools.product(range(3), repeat=3))
    seq = {y: math.fsum(pz * _seq_prob(z, y) for z, pz in enumerate(p)) for y in every}
    tok = {y: math.prod(math.fsum(pz * _TABLES[z][y[i - 1] if i else None][w] for z, pz in enumerate(p))
                        for i, w in enumerate(y)) for y in every}
    wide = 27  # a beam wide enough to hold every sequence: the search is exact
    best_tok = rag_token_decode(p, _next, 3, beam_size=wide)
    assert best_tok[0][0] == max(every, key=lambda y: (tok[y], [-t for t in y]))
    assert math.isclose(best_tok[0][1], math.log(tok[best_tok[0][0]]), rel_tol=1e-12)
    thorough = rag_sequence_decode(p, _next, 3, beam_size=wide)
    assert thorough[0][0] == max(every, key=lambda y: seq[y])
    assert all(math.isclose(v, seq[y], rel_tol=1e-12) for y, v in thorough)


def test_fast_decoding_underestimates_and_can_change_the_winner():
    p = [0.5, 0.5]
    thorough = dict(rag_sequence_decode(p, _next, 2, beam_size=1))
    fast = dict(rag_sequence_decode(p, _next, 2, beam_size=1, method="fast"))
    assert thorough.keys() == fast.keys()
    assert all(fast[y] <= thorough[y] + 1e-15 for y in thorough)
    for y in thorough:  # thorough is the exact RAG-Sequence probability
        assert math.isclose(thorough[y], 0.5 * _seq_prob(0, y) + 0.5 * _seq_prob(1, y), rel_tol=1e-12)


def test_decoders_reject_bad_input():
    with pytest.raises(TypeError, match="next_token_probs"):
        rag_token_decode([1.0], "not callable", 2)
    with pytest.raises(ValueError, match="n_tokens"):
        rag_token_decode([1.0], _next, 0)
    with pytest.raises(ValueError, match="beam_size"):
        rag_sequence_decode([1.0], _next, 2, beam_size=0)
    with pytest.raises(ValueError, match="method"):
        rag_sequence_decode([1.0], _next, 2, method="greedy")
    with pytest.raises(ValueError, match="doc_probs"):
        rag_token_decode([0.5, 0.6], _next, 2)
    with pytest.raises(ValueError, match="distribution"):
        rag_token_decode([1.0], lambda z, prefix: np.array([0.5, 0.6]), 1)


def test_false_negative_mask():
    M = in_batch_false_negatives(["p1", "p2", "p1", "p3"], ["a", "b", "c", "b"])
    expected = np.zeros((4, 4), dtype=bool)
    expected[0, 2] = expected[2, 0] = True  # same positive
    expected[1, 3] = expected[3, 1] = True  # same query
    assert np.array_equal(M, expected)
    # query "a" has positives p1 and p2; query "b" also has p2. Passage p2 of pair 2 is thus a
    # positive of query "a" (through pair 1): entry (0, 2) is a false negative although pairs 0
    # and 2 share neither their passage nor their query (a bug of an earlier version).
    M = in_batch_false_negatives(["p1", "p2", "p2", "p3"], ["a", "a", "b", "b"])
    by_definition = np.array([[i != j and any(q == ["a", "a", "b", "b"][i] and p == ["p1", "p2", "p2", "p3"][j]
                                              for q, p in zip(["a", "a", "b", "b"], ["p1", "p2", "p2", "p3"]))
                               for j in range(4)] for i in range(4)])
    assert np.array_equal(M, by_definition)
    assert M[0, 2] and M[3, 1] and not M[0, 3] and not M[3, 0]
    with pytest.raises(ValueError, match="query_ids"):
        in_batch_false_negatives(["p1", "p2"], ["a"])
    with pytest.raises(ValueError, match="positive_ids"):
        in_batch_false_negatives([])


def _masked_loop(Q, P, tau, M):
    terms = []
    for i in range(len(Q)):
        s = {j: math.fsum(a * b for a, b in zip(Q[i], P[j])) / tau for j in range(len(P)) if not M[i][j]}
        m = max(s.values())
        terms.append(m + math.log(math.fsum(math.exp(v - m) for v in s.values())) - s[i])
    return math.fsum(terms) / len(Q)


def test_masked_loss_against_loop_and_finite_differences():
    rng = np.random.default_rng(5)
    Q, P = rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    M = np.zeros((4, 6), dtype=bool)
    M[0, 2] = M[2, 0] = M[1, 5] = True
    loss, gQ, gP = masked_in_batch_contrastive_loss(Q, P, M, temperature=0.7)
    assert math.isclose(loss, _masked_loop(Q, P, 0.7, M), rel_tol=1e-12)
    h = 1e-6
    for X, G in ((Q, gQ), (P, gP)):
        for idx in np.ndindex(X.shape):
            old = X[idx]
            X[idx] = old + h
            up = _masked_loop(Q, P, 0.7, M)
            X[idx] = old - h
            down = _masked_loop(Q, P, 0.7, M)
            X[idx] = old
            assert abs((up - down) / (2 * h) - G[idx]) < 1e-7
    plain = in_batch_contrastive_loss(Q, P, 0.7)
    unmasked = masked_in_batch_contrastive_loss(Q, P, np.zeros((4, 6), dtype=bool), 0.7)
    assert math.isclose(plain[0], unmasked[0], rel_tol=1e-13) and np.allclose(plain[1], unmasked[1])


def test_masked_loss_rejects_bad_masks():
    Q = np.eye(2)
    with pytest.raises(ValueError, match="mask"):
        masked_in_batch_contrastive_loss(Q, Q, np.eye(2, dtype=bool))  # masks the positives
    with pytest.raises(ValueError, match="mask"):
        masked_in_batch_contrastive_loss(Q, Q, np.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="mask"):
        masked_in_batch_contrastive_loss(Q, Q, np.zeros((2, 2)))  # not boolean


def test_fid_cross_attention_against_flat_softmax():
    rng = np.random.default_rng(8)
    K, V, u = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 4, 2)), rng.standard_normal(5)
    logits = [math.fsum(a * b for a, b in zip(u, K[z, j])) / math.sqrt(5) for z in range(3) for j in range(4)]
    alpha = np.array(_softmax(logits)).reshape(3, 4)
    context, a, w = fid_cross_attention(u, K, V)
    assert np.allclose(a, alpha, rtol=1e-12)
    assert np.allclose(w, alpha.sum(axis=1), rtol=1e-12)
    assert np.allclose(context, (alpha[:, :, None] * V).sum(axis=(0, 1)), rtol=1e-12)
    with pytest.raises(ValueError, match="keys"):
        fid_cross_attention(u[:4], K, V)
    with pytest.raises(ValueError, match="values"):
        fid_cross_attention(u, K, V[:, :3])


_PASSAGES = ["cats purr when content", "dogs bark at the postman", "bread rises with yeast",
             "kittens are young cats", "a postman delivers letters"]
_QUERIES = ["why do cats purr", "what barks", "yeast bread", "young cat", "letters"]


def test_fit_features_is_fit_and_sparse_scores_agree():
    a = DualEncoder(_PASSAGES, dim=4, seed=1).fit(_QUERIES, _PASSAGES, epochs=5, batch_size=3, lr=0.05,
                                                  temperature=0.1)
    b = DualEncoder(_PASSAGES, dim=4, seed=1)
    b.fit_features(b.features(_QUERIES), b.features(_PASSAGES), np.arange(5), epochs=5, batch_size=3, lr=0.05,
                   temperature=0.1)
    assert np.array_equal(a.A_q, b.A_q) and np.array_equal(a.A_p, b.A_p)  # bit for bit
    seen = []
    c = DualEncoder(_PASSAGES, dim=4, seed=1)
    c.fit_features(c.features(_QUERIES), c.features(_PASSAGES), np.arange(5), epochs=5, batch_size=3, lr=0.05,
                   temperature=0.1, sparse_scores=True, callback=lambda epoch, enc: seen.append(epoch))
    assert seen == [1, 2, 3, 4, 5]
    assert c.A_q.dtype == np.float64
    assert np.allclose(c.A_q, a.A_q, rtol=1e-3, atol=1e-5) and np.allclose(c.loss_history_, a.loss_history_, rtol=1e-4)


def test_fit_features_rejects_bad_input():
    enc = DualEncoder(_PASSAGES, dim=4)
    X = enc.features(_PASSAGES)
    with pytest.raises(ValueError, match="positive_ids"):
        enc.fit_features(X, X, np.arange(4))
    with pytest.raises(ValueError, match="sparse"):
        enc.fit_features(X.toarray(), X, np.arange(5))
    with pytest.raises(ValueError, match="columns"):
        enc.fit_features(X[:, :3], X[:, :3], np.arange(5))


def test_in_place_adam_is_adam():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 3))
    y = x.copy()
    a, b = Adam(lr=3e-3), _InPlaceAdam(3e-3)
    for _ in range(30):
        g = rng.standard_normal((6, 3))
        x, y = a.step(x, g), b.step(y, g)
    assert np.array_equal(x, y)
