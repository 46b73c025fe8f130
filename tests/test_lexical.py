"""Tests of :mod:`ragmath.lexical` against its contract (``shared/API.md``).

Expected values come from hand-worked examples (exact rational arithmetic
with :class:`fractions.Fraction` for the term-frequency factors, one
logarithm at the end) or from independent references written here in plain
Python, straight from the formulas: :func:`naive_bm25` and :func:`naive_tfidf`
loop over documents and terms with dictionaries, and never use the module's
helpers, NumPy's sparse matrices or its vocabulary.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from ragmath.lexical import (
    BM25,
    NotFittedError,
    bm25_idf,
    bm25_length_norm,
    bm25_term_weight,
    bm25_tf,
    document_frequency,
    idf,
    query_breakdown,
    term_frequency,
    tfidf_matrix,
    tfidf_vectors,
    tokenize,
)

pytestmark = pytest.mark.filterwarnings("error")

VARIANTS = ("lucene", "robertson")


# ------------------------------------------------------------ independent references
def naive_idf(N: int, n: int, variant: str) -> float:
    """The two IDFs of the contract, from their formulas."""
    odds = (N - n + 0.5) / (n + 0.5)
    return math.log(1 + odds) if variant == "lucene" else math.log(odds)


def naive_bm25(corpus, query, k1=1.5, b=0.75, variant="lucene") -> list[float]:
    """BM25 score of every document: a loop over documents, then over the query's tokens."""
    N = len(corpus)
    avgdl = sum(len(doc) for doc in corpus) / N
    df: dict[str, int] = {}
    for doc in corpus:
        for term in set(doc):
            df[term] = df.get(term, 0) + 1
    scores = []
    for doc in corpus:
        tf: dict[str, int] = {}
        for token in doc:
            tf[token] = tf.get(token, 0) + 1
        total = 0.0
        for term in query:  # once per occurrence in the query
            f = tf.get(term, 0)
            if term not in df or f == 0:
                continue
            w = naive_idf(N, df[term], variant)
            total += w * f * (k1 + 1) / (f + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(total)
    return scores


def naive_tfidf(corpus) -> tuple[list[dict[str, float]], list[str]]:
    """Every document's TF-IDF coordinates as a dict term -> f/|D| · log(N/n)."""
    N = len(corpus)
    df: dict[str, int] = {}
    for doc in corpus:
        for term in set(doc):
            df[term] = df.get(term, 0) + 1
    rows = []
    for doc in corpus:
        row = {}
        for term in set(doc):
            row[term] = doc.count(term) / len(doc) * math.log(N / df[term])
        rows.append(row)
    return rows, sorted(df)


def names(func: str, arg: str) -> str:
    """Regex for an error message of the documented shape '<function>: <argument> ...'."""
    return rf"^{re.escape(func)}: {re.escape(arg)}\b"


# A small corpus worked by hand in the tests below:
#   N = 3 documents of lengths 6, 3 and 3, avgdl = 4.
HAND = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "sat"],
    ["cats", "and", "dogs"],
]


# ===================================================================== tokenization
class TestTokenize:
    def test_lowercases_and_drops_punctuation(self):
        assert tokenize("The Cat sat on the MAT.") == ["the", "cat", "sat", "on", "the", "mat"]

    def test_punctuation_and_symbols_split_words(self):
        assert tokenize("e-mail, don't; (x+y)=z!") == ["e", "mail", "don", "t", "x", "y", "z"]

    def test_underscore_is_a_separator(self):
        assert tokenize("snake_case_name") == ["snake", "case", "name"]

    def test_digits_are_kept_and_split_at_points(self):
        assert tokenize("GPT-4 has 1.76e12 parameters in 2023") == [
            "gpt", "4", "has", "1", "76e12", "parameters", "in", "2023"
        ]

    def test_accents_stay_inside_their_word(self):
        assert tokenize("Café Müller, naïve Ångström") == ["café", "müller", "naïve", "ångström"]

    def test_no_stemming(self):
        assert tokenize("cats cat Cats") == ["cats", "cat", "cats"]

    def test_empty_and_blank_texts(self):
        assert tokenize("") == []
        assert tokenize("  ... --- !!! ") == []

    def test_matches_the_contract_regex(self):
        text = "Hello, wörld_42! ½ ² x\u00b2 ﬁne Straße"
        assert tokenize(text) == re.findall(r"[^\W_]+", text.lower())

    @given(st.text(max_size=60))
    def test_tokens_are_lowercase_runs_and_retokenize_to_themselves(self, text):
        tokens = tokenize(text)
        assert tokens == re.findall(r"[^\W_]+", text.lower())
        for token in tokens:
            assert token and "_" not in token and all(ch.isalnum() for ch in token)

    @pytest.mark.parametrize("bad", [None, 3, b"bytes", ["a", "b"]])
    def test_rejects_non_strings(self, bad):
        with pytest.raises(TypeError, match=names("tokenize", "text")):
            tokenize(bad)


# ========================================================================== TF-IDF
class TestTfidf:
    def test_worked_example(self):
        matrix, vocabulary = tfidf_matrix(HAND)
        assert vocabulary == ["and", "cat", "cats", "dog", "dogs", "mat", "on", "sat", "the"]
        assert isinstance(matrix, sp.spmatrix | sp.sparray) and matrix.shape == (3, 9)
        dense = matrix.toarray()
        col = {t: j for j, t in enumerate(vocabulary)}
        # "the": 2 of 6 tokens of D0, n = 2 of N = 3 documents
        assert dense[0, col["the"]] == pytest.approx(2 / 6 * math.log(3 / 2), rel=1e-15)
        assert dense[1, col["the"]] == pytest.approx(1 / 3 * math.log(3 / 2), rel=1e-15)
        assert dense[0, col["cat"]] == pytest.approx(1 / 6 * math.log(3), rel=1e-15)
        assert dense[2, col["cats"]] == pytest.approx(1 / 3 * math.log(3), rel=1e-15)
        assert dense[2, col["the"]] == 0.0 and dense[1, col["cat"]] == 0.0

    def test_a_term_in_every_document_gets_zero(self):
        matrix, vocabulary = tfidf_matrix([["a", "b"], ["a"], ["a", "c", "a"]])
        assert vocabulary == ["a", "b", "c"]
        np.testing.assert_array_equal(matrix.toarray()[:, 0], [0, 0, 0])
        assert matrix.nnz == 2  # zeros are not stored

    def test_empty_document_gives_a_row_of_zeros(self):
        matrix, _ = tfidf_matrix([["a"], [], ["b"]])
        np.testing.assert_array_equal(matrix.toarray()[1], [0.0, 0.0])

    @given(st.lists(st.lists(st.sampled_from("abcdefg"), max_size=8), min_size=1, max_size=7))
    @settings(max_examples=80, deadline=None)
    def test_agrees_with_the_naive_reference(self, corpus):
        if not any(corpus):
            return
        matrix, vocabulary = tfidf_matrix(corpus)
        rows, ref_vocabulary = naive_tfidf(corpus)
        assert vocabulary == ref_vocabulary
        dense = matrix.toarray()
        for i, row in enumerate(rows):
            expected = [row.get(term, 0.0) for term in vocabulary]
            np.testing.assert_allclose(dense[i], expected, rtol=1e-14, atol=1e-15)

    def test_term_frequency(self):
        tf = term_frequency(HAND[0])
        assert list(tf) == ["the", "cat", "sat", "on", "mat"]
        assert tf["the"] == 2 / 6 and tf["mat"] == 1 / 6
        assert math.fsum(tf.values()) == pytest.approx(1.0, abs=1e-15)
        assert term_frequency([]) == {}
        assert term_frequency(("a", "a")) == {"a": 1.0}

    @pytest.mark.parametrize("bad", ["the cat", None, 3, ["a", 1]])
    def test_term_frequency_bad_input(self, bad):
        with pytest.raises(TypeError, match=r"^term_frequency: document"):
            term_frequency(bad)

    def test_document_frequency(self):
        df, vocabulary = document_frequency(HAND)
        ref = {"and": 1, "cat": 1, "cats": 1, "dog": 1, "dogs": 1, "mat": 1, "on": 1, "sat": 2, "the": 2}
        assert vocabulary == sorted(ref)
        np.testing.assert_array_equal(df, [ref[t] for t in vocabulary])

    def test_idf_is_log_n_over_df(self):
        assert idf(2, 3) == pytest.approx(math.log(1.5), rel=1e-15)
        assert idf(10, 10) == 0.0
        np.testing.assert_allclose(idf([1, 4, 8], 8), [math.log(8), math.log(2), 0.0], rtol=1e-15)
        assert type(idf(1, 5)) is float

    def test_idf_is_the_self_information_of_df_over_n(self):
        for N in (1, 7, 1000):
            for n in range(1, N + 1, max(1, N // 10)):
                assert idf(n, N) == pytest.approx(-math.log(n / N), abs=1e-15)

    @pytest.mark.parametrize("df", [0, 4, -1, 1.5, [1, 0]])
    def test_idf_rejects_impossible_document_frequencies(self, df):
        with pytest.raises(ValueError, match=names("idf", "df")):
            idf(df, 3)

    def test_tfidf_vectors_of_a_query(self):
        df, vocabulary = document_frequency(HAND)
        idf_values = idf(df, 3)
        q = tfidf_vectors([["the", "cat", "unicorn", "cat"]], vocabulary, idf_values)
        assert q.shape == (1, len(vocabulary))
        col = {t: j for j, t in enumerate(vocabulary)}
        dense = q.toarray()[0]
        # |q| = 4 tokens, the unknown "unicorn" included
        assert dense[col["cat"]] == pytest.approx(2 / 4 * math.log(3), rel=1e-15)
        assert dense[col["the"]] == pytest.approx(1 / 4 * math.log(1.5), rel=1e-15)
        assert np.count_nonzero(dense) == 2

    def test_tfidf_vectors_reproduce_the_matrix(self):
        matrix, vocabulary = tfidf_matrix(HAND)
        df, _ = document_frequency(HAND)
        again = tfidf_vectors(HAND, vocabulary, idf(df, len(HAND)))
        np.testing.assert_allclose(again.toarray(), matrix.toarray(), rtol=1e-15, atol=0)

    def test_tfidf_vectors_bad_input(self):
        df, vocabulary = document_frequency(HAND)
        with pytest.raises(ValueError, match=names("tfidf_vectors", "idf_values")):
            tfidf_vectors([["a"]], vocabulary, [1.0, 2.0])
        with pytest.raises(TypeError, match=names("tfidf_vectors", "documents")):
            tfidf_vectors(["the cat"], vocabulary, idf(df, 3))
        with pytest.raises(TypeError, match=names("tfidf_vectors", "vocabulary")):
            tfidf_vectors([["a"]], "abc", [1.0, 1.0, 1.0])
        with pytest.raises(TypeError, match=re.escape("tfidf_vectors: documents[0][1]")):
            tfidf_vectors([["the", 3]], vocabulary, idf(df, 3))


# ================================================================ BM25 by hand
class TestBM25WorkedExample:
    """HAND: N = 3, avgdl = 4; k1 = 1.5, b = 0.75 (the defaults)."""

    def test_idf_values(self):
        model = BM25().fit(HAND)
        # "the", "sat": n = 2 -> log(1 + 1.5/2.5) = log(1.6); the others n = 1 -> log(1 + 2.5/1.5) = log(8/3)
        assert model.idf_["the"] == pytest.approx(math.log(1.6), rel=1e-15)
        assert model.idf_["cat"] == pytest.approx(math.log(8 / 3), rel=1e-15)
        rsj = BM25(idf="robertson").fit(HAND)
        assert rsj.idf_["the"] == pytest.approx(math.log(0.6), rel=1e-15)  # negative: n > N/2
        assert rsj.idf_["cat"] == pytest.approx(math.log(5 / 3), rel=1e-15)
        assert set(model.idf_) == set(model.vocabulary_)

    def test_single_term_query(self):
        # D0: |D|/avgdl = 6/4, K = 1.5·(0.25 + 0.75·1.5) = 33/16, weight = 1·2.5/(1 + 33/16)
        factor = Fraction(5, 2) / (1 + Fraction(33, 16))
        assert factor == Fraction(40, 49)
        scores = BM25().fit(HAND).scores(["cat"])
        np.testing.assert_allclose(scores, [float(factor) * math.log(8 / 3), 0, 0], rtol=1e-15)

    def test_repeated_term_in_a_document(self):
        # "the": f = 2 in D0 (K = 33/16), f = 1 in D1 (|D|/avgdl = 3/4, K = 1.5·(0.25 + 0.5625) = 39/32)
        f0 = 2 * Fraction(5, 2) / (2 + Fraction(33, 16))
        f1 = Fraction(5, 2) / (1 + Fraction(39, 32))
        assert (f0, f1) == (Fraction(80, 65), Fraction(80, 71))
        scores = BM25().fit(HAND).scores(["the"])
        expected = [float(f0) * math.log(1.6), float(f1) * math.log(1.6), 0.0]
        np.testing.assert_allclose(scores, expected, rtol=1e-15)

    def test_two_term_query_adds_the_weights(self):
        model = BM25().fit(HAND)
        both = model.scores(["the", "cat"])
        np.testing.assert_allclose(both, model.scores(["the"]) + model.scores(["cat"]), rtol=1e-15)
        np.testing.assert_allclose(both, naive_bm25(HAND, ["the", "cat"]), rtol=1e-14)

    def test_query_term_repeated_counts_once_per_occurrence(self):
        model = BM25().fit(HAND)
        np.testing.assert_allclose(
            model.scores(["cat", "the", "cat"]), 2 * model.scores(["cat"]) + model.scores(["the"]),
            rtol=1e-15,
        )

    def test_unknown_terms_add_zero(self):
        model = BM25().fit(HAND)
        np.testing.assert_array_equal(model.scores(["unicorn"]), [0.0, 0.0, 0.0])
        np.testing.assert_array_equal(model.scores(["cat", "unicorn"]), model.scores(["cat"]))
        np.testing.assert_array_equal(model.scores([]), [0.0, 0.0, 0.0])

    def test_k1_zero_counts_presence_only(self):
        scores = BM25(k1=0.0).fit(HAND).scores(["the", "sat"])
        np.testing.assert_allclose(scores, [2 * math.log(1.6), 2 * math.log(1.6), 0.0], rtol=1e-15)

    def test_b_zero_ignores_length_and_b_one_divides_by_it(self):
        # b = 0: K = k1 = 1.5 for every document: "sat" (f = 1) weighs 1·2.5/2.5 = 1 in D0 and D1
        s0 = BM25(b=0.0).fit(HAND).scores(["sat"])
        np.testing.assert_allclose(s0, [math.log(1.6), math.log(1.6), 0.0], rtol=1e-15)
        # b = 1: K = 1.5·|D|/avgdl: 2.25 in D0 and 1.125 in D1
        s1 = BM25(b=1.0).fit(HAND).scores(["sat"])
        expected = [2.5 / 3.25 * math.log(1.6), 2.5 / 2.125 * math.log(1.6), 0.0]
        np.testing.assert_allclose(s1, expected, rtol=1e-15)

    def test_robertson_scores_can_be_negative(self):
        scores = BM25(idf="robertson").fit(HAND).scores(["the"])
        assert scores[0] < 0 and scores[1] < 0 and scores[2] == 0

    def test_search(self):
        model = BM25().fit(HAND)
        idx, scores = model.search(["the", "cat"], k=2)
        np.testing.assert_array_equal(idx, [0, 1])
        np.testing.assert_allclose(scores, naive_bm25(HAND, ["the", "cat"])[:2], rtol=1e-14)
        idx, scores = model.search(["dogs"], k=3)  # D2 first, then the tie at 0 by index
        np.testing.assert_array_equal(idx, [2, 0, 1])
        assert scores[1] == scores[2] == 0.0

    def test_explain(self):
        model = BM25().fit(HAND)
        table = model.explain(["cat", "the", "unicorn", "cat"], 0)
        assert isinstance(table, pd.DataFrame)
        assert list(table.columns) == [
            "term", "query_count", "tf", "df", "idf", "length_norm", "weight", "contribution"
        ]
        assert table["term"].tolist() == ["cat", "the", "unicorn"]
        assert table["query_count"].tolist() == [2, 1, 1]
        assert table["tf"].tolist() == [1, 2, 0]
        assert table["df"].tolist() == [1, 2, 0]
        assert table["idf"].tolist() == pytest.approx([math.log(8 / 3), math.log(1.6), math.log(1 + 3.5 / 0.5)])
        assert table["length_norm"].tolist() == pytest.approx([1.375] * 3)
        weights = [40 / 49 * math.log(8 / 3), 80 / 65 * math.log(1.6), 0.0]
        assert table["weight"].tolist() == pytest.approx(weights, rel=1e-15)
        assert table["contribution"].tolist() == pytest.approx([2 * weights[0], weights[1], 0.0], rel=1e-15)
        total = model.scores(["cat", "the", "unicorn", "cat"])[0]
        assert table["contribution"].sum() == pytest.approx(total, rel=1e-15)

    def test_matrix_is_the_weights_and_scores_are_a_product(self):
        model = BM25().fit(HAND)
        W = model.matrix_
        assert sp.issparse(W) and W.format == "csc" and W.shape == (3, 9)
        assert W.nnz == 11  # one entry per distinct (document, term) pair
        col = {t: j for j, t in enumerate(model.vocabulary_)}
        assert W[0, col["cat"]] == pytest.approx(40 / 49 * math.log(8 / 3), rel=1e-15)
        counts = np.zeros(9)
        counts[col["cat"]], counts[col["the"]] = 2, 1
        np.testing.assert_allclose(W @ counts, model.scores(["cat", "the", "cat"]), rtol=1e-15)

    def test_fitted_attributes(self):
        model = BM25().fit(HAND)
        assert model.n_docs_ == 3 and model.avgdl_ == 4.0
        np.testing.assert_array_equal(model.doc_lengths_, [6, 3, 3])
        assert model.vocabulary_ == sorted({t for doc in HAND for t in doc})
        assert dict(zip(model.vocabulary_, model.df_.tolist()))["sat"] == 2
        assert repr(BM25(k1=1.2, b=0.5, idf="robertson")) == "BM25(k1=1.2, b=0.5, idf='robertson')"

    def test_fit_returns_self_and_refits(self):
        model = BM25()
        assert model.fit(HAND) is model
        model.fit([["x", "y"], ["y"]])
        assert model.vocabulary_ == ["x", "y"] and model.n_docs_ == 2
        assert "cat" not in model.idf_

    def test_tuples_are_accepted(self):
        a = BM25().fit([tuple(doc) for doc in HAND]).scores(("the", "cat"))
        np.testing.assert_array_equal(a, BM25().fit(HAND).scores(["the", "cat"]))

    def test_empty_documents_are_allowed(self):
        corpus = [["a", "b"], [], ["b"]]
        np.testing.assert_allclose(
            BM25().fit(corpus).scores(["b", "a"]), naive_bm25(corpus, ["b", "a"]), rtol=1e-14
        )


# ============================================================= elementwise formulas
class TestElementwise:
    def test_bm25_idf_values(self):
        assert bm25_idf(1, 3) == pytest.approx(math.log(8 / 3), rel=1e-15)
        assert bm25_idf(2, 3, "robertson") == pytest.approx(math.log(0.6), rel=1e-15)
        # log(1 + (N − n + 0.5)/(n + 0.5)) = log((N + 1)/(n + 0.5))
        n = np.arange(0, 101)
        # (the reference loses a few digits where the ratio is near 1: log is ill-conditioned there)
        np.testing.assert_allclose(bm25_idf(n, 100), np.log(101 / (n + 0.5)), rtol=1e-13)

    @given(st.integers(1, 10_000), st.data())
    def test_rsj_idf_is_negative_iff_the_term_is_in_more_than_half(self, N, data):
        n = data.draw(st.integers(0, N))
        rsj = bm25_idf(n, N, "robertson")
        assert (rsj < 0) == (2 * n > N)
        assert (rsj == 0) == (2 * n == N)
        assert bm25_idf(n, N, "lucene") > 0
        assert bm25_idf(n, N, "lucene") > rsj

    def test_length_norm(self):
        assert bm25_length_norm(2.0, b=0.0) == 1.0
        assert bm25_length_norm(2.0, b=1.0) == 2.0
        np.testing.assert_allclose(bm25_length_norm([0.0, 1.0, 3.0], b=0.75), [0.25, 1.0, 2.5])

    def test_bm25_tf_saturates_at_k1_plus_one(self):
        f = np.array([0, 1, 2, 10, 1e6])
        values = bm25_tf(f, k1=1.2, b=0.75, length_ratio=1.0)
        np.testing.assert_allclose(values, f * 2.2 / (f + 1.2), rtol=1e-15)
        assert values[0] == 0.0 and np.all(np.diff(values) > 0) and values[-1] < 2.2
        assert 2.2 - values[-1] == pytest.approx(2.2 * 1.2 / (1e6 + 1.2), rel=1e-6)

    def test_bm25_tf_at_f_equals_k1_is_half_the_limit_for_an_average_document(self):
        for k1 in (0.5, 1.2, 2.0):
            assert bm25_tf(k1, k1=k1, b=0.75) == pytest.approx((k1 + 1) / 2, rel=1e-15)

    def test_bm25_tf_edge_cases_without_nan(self):
        assert bm25_tf(0.0, k1=0.0) == 0.0  # 0/0 read as 0: the term is absent
        assert bm25_tf(3.0, k1=0.0) == 1.0
        assert bm25_tf(0.0, k1=1.5, b=1.0, length_ratio=0.0) == 0.0
        assert bm25_tf(2.0, k1=1.5, b=1.0, length_ratio=0.0) == 2.5

    def test_bm25_tf_broadcasts(self):
        out = bm25_tf(np.arange(4.0)[:, None], length_ratio=[0.5, 1.0, 2.0])
        assert out.shape == (4, 3)
        expected = [[f * 2.5 / (f + 1.5 * (0.25 + 0.75 * r)) for r in (0.5, 1, 2)] for f in range(4)]
        np.testing.assert_allclose(out, expected, rtol=1e-15)

    def test_bm25_term_weight_is_idf_times_tf(self):
        assert bm25_term_weight(1, 2.0, k1=1.5, b=0.75, length_ratio=1.5) == pytest.approx(
            2.0 * 40 / 49, rel=1e-15
        )

    @given(
        st.floats(0, 1e4), st.floats(0, 1e4), st.floats(0.01, 10), st.floats(0, 1), st.floats(0, 10)
    )
    def test_bm25_tf_is_increasing_and_bounded(self, f1, f2, k1, b, r):
        lo, hi = sorted((f1, f2))
        t_lo = bm25_tf(lo, k1, b, r)
        t_hi = bm25_tf(hi, k1, b, r)
        assert 0 <= t_lo <= t_hi * (1 + 1e-15) and t_hi <= (k1 + 1) * (1 + 1e-15)

    @pytest.mark.parametrize(
        ("call", "arg", "error"),
        [
            (lambda: bm25_idf(4, 3), "df", ValueError),
            (lambda: bm25_idf(-1, 3), "df", ValueError),
            (lambda: bm25_idf(1, 3, "bm25"), "variant", ValueError),
            (lambda: bm25_idf(1, 0), "n_docs", ValueError),
            (lambda: bm25_idf(1, 2.5), "n_docs", TypeError),
            (lambda: bm25_tf(-1.0), "f", ValueError),
            (lambda: bm25_tf(1.0, length_ratio=-0.5), "length_ratio", ValueError),
            (lambda: bm25_tf(1.0, k1=-0.1), "k1", ValueError),
            (lambda: bm25_tf(1.0, b=1.5), "b", ValueError),
            (lambda: bm25_tf(float("nan")), "f", ValueError),
            (lambda: bm25_tf([1.0, 2.0], length_ratio=[1.0, 2.0, 3.0]), "f", ValueError),
            (lambda: bm25_length_norm(-1.0), "length_ratio", ValueError),
            (lambda: bm25_length_norm(1.0, b="0.5"), "b", TypeError),
            (lambda: bm25_term_weight(1.0, "x"), "idf_value", TypeError),
        ],
    )
    def test_bad_input(self, call, arg, error):
        with pytest.raises(error, match=rf"^\w+: {arg}\b"):
            call()


# ===================================================== BM25 against the naive reference
TERMS = st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"])
CORPORA = st.lists(st.lists(TERMS, max_size=12), min_size=1, max_size=10).filter(any)
QUERIES = st.lists(st.one_of(TERMS, st.just("zzz")), max_size=6)


@given(
    CORPORA,
    QUERIES,
    st.floats(0, 5),
    st.floats(0, 1),
    st.sampled_from(VARIANTS),
)
@settings(max_examples=200, deadline=None)
def test_bm25_agrees_with_the_naive_reference(corpus, query, k1, b, variant):
    model = BM25(k1=k1, b=b, idf=variant).fit(corpus)
    expected = naive_bm25(corpus, query, k1, b, variant)
    got = model.scores(query)
    assert got.shape == (len(corpus),) and got.dtype == np.float64
    scale = max([1.0] + [abs(x) for x in expected])
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13 * scale)
    for term, value in model.idf_.items():
        df = sum(term in doc for doc in corpus)
        assert value == pytest.approx(naive_idf(len(corpus), df, variant), rel=1e-14, abs=1e-15)


@given(CORPORA, QUERIES, st.data())
@settings(max_examples=150, deadline=None)
def test_search_is_the_best_first_stable_order(corpus, query, data):
    model = BM25().fit(corpus)
    k = data.draw(st.integers(1, len(corpus)))
    idx, scores = model.search(query, k)
    reference = np.array(naive_bm25(corpus, query))
    assert idx.shape == (k,) and scores.shape == (k,)
    assert len(set(idx.tolist())) == k
    np.testing.assert_allclose(scores, reference[idx], rtol=1e-13, atol=1e-13)
    assert np.all(np.diff(scores) <= 0)
    # every document left out scores at most the last one kept, and the k best
    # reference scores are those returned (ties within rounding may swap)
    left_out = np.setdiff1d(np.arange(len(corpus)), idx)
    assert np.all(reference[left_out] <= scores[-1] + 1e-12)
    np.testing.assert_allclose(np.sort(reference)[::-1][:k], scores, rtol=1e-13, atol=1e-13)
    # exact ties (equal computed scores) come lowest index first
    for i in range(k - 1):
        if scores[i] == scores[i + 1]:
            assert idx[i] < idx[i + 1]
    equal_to_last = np.flatnonzero(model.scores(query) == scores[-1])
    kept = set(idx.tolist())
    assert set(equal_to_last[: sum(i in kept for i in equal_to_last)].tolist()) <= kept


@given(CORPORA, QUERIES, st.randoms())
@settings(max_examples=100, deadline=None)
def test_scores_do_not_depend_on_the_order_of_the_query(corpus, query, random):
    model = BM25().fit(corpus)
    shuffled = list(query)
    random.shuffle(shuffled)
    np.testing.assert_allclose(model.scores(shuffled), model.scores(query), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(model.scores(query + query), 2 * model.scores(query), rtol=1e-14, atol=1e-14)


@given(CORPORA, QUERIES, st.floats(0.1, 5), st.floats(0, 1))
@settings(max_examples=100, deadline=None)
def test_dropping_k1_plus_one_keeps_the_ranking(corpus, query, k1, b):
    """Lucene's score is ours divided by k1 + 1, a positive constant: same order."""
    scores = BM25(k1=k1, b=b).fit(corpus).scores(query)
    lucene = np.array(naive_bm25(corpus, query, k1, b)) / (k1 + 1)
    np.testing.assert_allclose(scores / (k1 + 1), lucene, rtol=1e-13, atol=1e-13)


def test_identical_documents_tie_exactly_and_come_lowest_index_first():
    corpus = [["x", "y"], ["a", "b", "a"], ["x", "y"], ["a", "b", "a"], ["z"]]
    model = BM25().fit(corpus)
    s = model.scores(["a", "x"])
    assert s[1] == s[3] and s[0] == s[2]
    idx, _ = model.search(["a", "x"], 4)
    first = [1, 3] if s[1] > s[0] else [0, 2]
    assert idx[:2].tolist() == first


def test_many_zero_ties_are_broken_by_index():
    corpus = [["a"]] * 50 + [["b"]] + [["a"]] * 50
    idx, scores = BM25().fit(corpus).search(["b"], 5)
    assert idx.tolist() == [50, 0, 1, 2, 3]
    assert scores[0] > 0 and np.all(scores[1:] == 0)


def test_a_larger_corpus_against_the_naive_reference():
    rng = np.random.default_rng(0)
    vocabulary = [f"t{i}" for i in range(300)]
    p = 1 / np.arange(1, 301)
    p /= p.sum()
    corpus = [
        [vocabulary[j] for j in rng.choice(300, size=rng.integers(0, 40), p=p)] for _ in range(400)
    ]
    model = BM25(k1=1.2, b=0.75).fit(corpus)
    for _ in range(10):
        query = [vocabulary[j] for j in rng.choice(300, size=rng.integers(1, 6), p=p)] + ["nope"]
        np.testing.assert_allclose(
            model.scores(query), naive_bm25(corpus, query, 1.2, 0.75), rtol=1e-13, atol=1e-13
        )
        idx, _ = model.search(query, 10)
        reference = np.array(naive_bm25(corpus, query, 1.2, 0.75))
        np.testing.assert_allclose(np.sort(reference)[::-1][:10], reference[idx], rtol=1e-13)


# ====================================================================== bad input
class TestBM25BadInput:
    @pytest.mark.parametrize("k1", [-0.1, -1, float("nan"), float("inf")])
    def test_bad_k1(self, k1):
        with pytest.raises(ValueError, match=names("BM25", "k1")):
            BM25(k1=k1)

    @pytest.mark.parametrize("k1", ["1.2", None, True])
    def test_k1_of_the_wrong_type(self, k1):
        with pytest.raises(TypeError, match=names("BM25", "k1")):
            BM25(k1=k1)

    @pytest.mark.parametrize("b", [-0.01, 1.01, 2, float("nan"), float("inf")])
    def test_b_outside_the_unit_interval(self, b):
        with pytest.raises(ValueError, match=names("BM25", "b")):
            BM25(b=b)

    @pytest.mark.parametrize("b", ["0.5", None, False])
    def test_b_of_the_wrong_type(self, b):
        with pytest.raises(TypeError, match=names("BM25", "b")):
            BM25(b=b)

    @pytest.mark.parametrize("variant", ["bm25", "Lucene", "", None, "atire"])
    def test_unknown_idf(self, variant):
        with pytest.raises(ValueError, match=names("BM25", "idf")):
            BM25(idf=variant)

    @pytest.mark.parametrize("corpus", ["the cat sat", None, 42, {"a": ["b"]}, np.array([["a"]])])
    def test_corpus_that_is_not_a_list(self, corpus):
        with pytest.raises(TypeError, match=names("BM25.fit", "corpus")):
            BM25().fit(corpus)

    def test_corpus_of_strings_says_to_tokenize(self):
        with pytest.raises(TypeError, match=r"^BM25\.fit: corpus\[0\] is a str.*tokenize"):
            BM25().fit(["the cat sat", "the dog"])

    @pytest.mark.parametrize(
        ("corpus", "where"),
        [
            ([["a"], 3], r"corpus\[1\]"),
            ([["a"], None], r"corpus\[1\]"),
            ([["a"], {"b"}], r"corpus\[1\]"),
            ([["a", 1]], r"corpus\[0\]\[1\]"),
            ([["a"], ["b", None]], r"corpus\[1\]\[1\]"),
            ([["a"], ["b", ["c"]]], r"corpus\[1\]\[1\]"),
            ([["a", b"b"]], r"corpus\[0\]\[1\]"),
        ],
    )
    def test_documents_and_tokens_of_the_wrong_type(self, corpus, where):
        with pytest.raises(TypeError, match=r"^BM25\.fit: " + where):
            BM25().fit(corpus)

    def test_empty_corpus(self):
        with pytest.raises(ValueError, match=names("BM25.fit", "corpus") + ".*empty"):
            BM25().fit([])

    def test_corpus_of_empty_documents(self):
        with pytest.raises(ValueError, match=r"^BM25\.fit: every document of corpus is empty"):
            BM25().fit([[], []])

    @pytest.mark.parametrize("method", ["scores", "search", "explain"])
    def test_use_before_fit(self, method):
        model = BM25()
        args = {"scores": (["a"],), "search": (["a"], 1), "explain": (["a"], 0)}[method]
        with pytest.raises(NotFittedError, match=rf"^BM25\.{method}: .*not fitted.*fit"):
            getattr(model, method)(*args)
        with pytest.raises(ValueError):  # NotFittedError is a ValueError
            getattr(model, method)(*args)

    def test_attributes_before_fit(self):
        model = BM25()
        with pytest.raises(NotFittedError, match=r"^BM25\.idf_: .*not fitted"):
            _ = model.idf_
        assert not hasattr(model, "idf_") and not hasattr(model, "matrix_")

    @pytest.mark.parametrize("method", ["scores", "search", "explain"])
    def test_bad_queries(self, method):
        model = BM25().fit(HAND)
        extra = {"scores": (), "search": (1,), "explain": (0,)}[method]
        call = getattr(model, method)
        with pytest.raises(TypeError, match=rf"^BM25\.{method}: query must be a list.*tokenize"):
            call("the cat", *extra)
        for bad in (None, 3, {"the": 1}):
            with pytest.raises(TypeError, match=rf"^BM25\.{method}: query\b"):
                call(bad, *extra)
        with pytest.raises(TypeError, match=rf"^BM25\.{method}: query\[1\]"):
            call(["the", 7], *extra)

    def test_k_out_of_range(self):
        model = BM25().fit(HAND)
        with pytest.raises(ValueError, match=names("BM25.search", "k") + r".*number of documents \(3\)"):
            model.search(["cat"], 4)
        with pytest.raises(ValueError, match=names("BM25.search", "k")):
            model.search(["cat"], 0)
        for bad in (1.0, True, "2", None):
            with pytest.raises(TypeError, match=names("BM25.search", "k")):
                model.search(["cat"], bad)
        idx, _ = model.search(["cat"], 3)  # k = n_docs is fine
        assert sorted(idx.tolist()) == [0, 1, 2]

    def test_explain_bad_doc_index(self):
        model = BM25().fit(HAND)
        for bad in (-1, 3):
            with pytest.raises(ValueError, match=names("BM25.explain", "doc_index")):
                model.explain(["cat"], bad)
        for bad in (1.0, None, True):
            with pytest.raises(TypeError, match=names("BM25.explain", "doc_index")):
                model.explain(["cat"], bad)

    @pytest.mark.parametrize("func", [tfidf_matrix, document_frequency])
    def test_tfidf_bad_corpora(self, func):
        name = func.__name__
        with pytest.raises(ValueError, match=names(name, "corpus")):
            func([])
        with pytest.raises(TypeError, match=names(name, "corpus")):
            func("a b c")
        with pytest.raises(TypeError, match=re.escape(f"{name}: corpus[0] is a str")):
            func(["a b", "c"])
        with pytest.raises(TypeError, match=re.escape(f"{name}: corpus[1][0]")):
            func([["a"], [1.5]])
        with pytest.raises(ValueError, match=rf"^{name}: every document of corpus is empty"):
            func([[]])


# ================================================== the fast paths of scores and search
def test_search_on_a_corpus_of_sixty_thousand_documents():
    rng = np.random.default_rng(1)
    vocabulary = [f"t{i}" for i in range(3000)]
    corpus = [[vocabulary[j] for j in rng.integers(0, 3000, rng.integers(1, 6))] for _ in range(60_000)]
    model = BM25().fit(corpus)
    for query in (["t1", "t2"], ["t5"], ["t7", "t7", "t2999", "none"], ["t10", "t11", "t12", "t13"]):
        scores = model.scores(query)
        np.testing.assert_allclose(scores, naive_bm25(corpus, query), rtol=1e-13, atol=1e-13)
        for k in (1, 10, 100):
            idx, top = model.search(query, k)
            np.testing.assert_array_equal(idx, np.argsort(-scores, kind="stable")[:k])


def test_the_fallback_without_the_compiled_kernel_gives_the_same_scores(monkeypatch):
    import ragmath.lexical as lexical

    corpus = [["a", "b", "a"], ["b", "c"], ["a"], ["c", "c", "d"]]
    model = BM25().fit(corpus)
    fast = model.scores(["a", "c", "a", "zz"])
    monkeypatch.setattr(lexical, "_csc_matvec", None)
    slow = model.scores(["a", "c", "a", "zz"])
    np.testing.assert_allclose(slow, fast, rtol=1e-15)
    np.testing.assert_allclose(slow, naive_bm25(corpus, ["a", "c", "a", "zz"]), rtol=1e-14)


# ------------------------------------------------------------------ review additions
def test_bm25_term_weight_shape_mismatch_names_the_argument():
    with pytest.raises(ValueError, match=names("bm25_term_weight", "idf_value")):
        bm25_term_weight([1.0, 2.0, 3.0], [1.0, 2.0])
    out = bm25_term_weight([1.0, 2.0, 3.0], [[1.0], [2.0]])
    assert out.shape == (2, 3)
    assert out[1, 0] == pytest.approx(2.0 * 2.5 / 2.5, rel=1e-15)  # f = 1, average length


def test_float32_stays_float32_with_the_default_length_ratio():
    f = np.array([0.0, 1.0, 3.0], dtype=np.float32)
    out = bm25_tf(f)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [0.0, 1.0, 3 * 2.5 / 4.5], rtol=1e-6)
    assert bm25_idf(np.array([1.0, 2.0], dtype=np.float32), 3).dtype == np.float32


def test_huge_k1_gives_no_overflow_nan_or_warning():
    # exact value: f(k1 + 1)/(f + k1 B) with f = k1 = 1e308, B = 1 is about 1e308 / 2
    assert bm25_tf(1e308, k1=1e308) == pytest.approx(5e307, rel=1e-12)
    model = BM25(k1=1e308).fit([["a", "a"], ["b"]])
    scores = model.scores(["a"])
    assert np.all(np.isfinite(scores))
    # as k1 → ∞, the weight tends to IDF · f / B_D (f = 2, |D|/avgdl = 4/3, b = 0.75: B_D = 1.25)
    assert scores[0] == pytest.approx(math.log(2) * 2 / 1.25, rel=1e-12)


def test_bm25_term_weight_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"^bm25_term_weight: idf_value \(shape \(2,\)\) and f and length_ratio "
                                         r"\(shape \(3,\)\) cannot be broadcast together$"):
        bm25_term_weight([1, 2, 3], [1.0, 2.0])


def test_bm25_tf_shapes_that_do_not_broadcast_name_both_arguments():
    with pytest.raises(ValueError, match=r"^bm25_tf: f \(shape \(2,\)\) and length_ratio \(shape \(3,\)\) "
                                         r"cannot be broadcast together$"):
        bm25_tf([1.0, 2.0], length_ratio=[1.0, 2.0, 3.0])


def test_not_fitted_is_the_shared_error_and_names_the_method():
    from ragmath._validation import NotFittedError as shared

    assert NotFittedError is shared and issubclass(NotFittedError, AttributeError)
    with pytest.raises(NotFittedError, match=r"^BM25\.scores: this BM25 is not fitted yet; call \.fit\(corpus\) first$"):
        BM25().scores(["a"])


# ------------------------------------------------------------ query_breakdown
BREAKDOWN_TEXTS = [
    "The cat sat on the mat.",
    "Dogs and cats are pets; a dog is not a cat.",
    "Stock prices fell on Monday.",
    "A cat, a cat, a cat: the cat of cats.",
    "Markets rallied as stock prices rose.",
    "The mat was red.",
]
BREAKDOWN_DOCS = [tokenize(t) for t in BREAKDOWN_TEXTS]


def test_query_breakdown_matches_the_naive_reference():
    model = BM25().fit(BREAKDOWN_DOCS)
    result = query_breakdown("cat on the mat, the CAT", model, k=3)
    assert result["tokens"] == ["cat", "on", "the", "mat", "the", "cat"]
    assert result["terms"] == ["cat", "on", "the", "mat"]
    counts = {"cat": 2, "on": 1, "the": 2, "mat": 1}
    for row, doc in enumerate(result["indices"]):
        # one term's contribution: the naive score of a query repeating it count times
        expected = [naive_bm25(BREAKDOWN_DOCS, [t] * counts[t])[doc] for t in result["terms"]]
        np.testing.assert_allclose(result["contributions"][row], expected, rtol=1e-13)
    naive = naive_bm25(BREAKDOWN_DOCS, result["tokens"])
    np.testing.assert_allclose(result["scores"], [naive[d] for d in result["indices"]], rtol=1e-13)
    np.testing.assert_allclose(result["contributions"].sum(axis=1), result["scores"], rtol=1e-13)
    assert list(result["indices"]) == sorted(range(len(BREAKDOWN_DOCS)), key=lambda d: -naive[d])[:3]


def test_query_breakdown_edge_cases():
    model = BM25().fit(BREAKDOWN_DOCS)
    everything = query_breakdown("cat", model, k=50)  # more than the corpus: all documents
    assert len(everything["indices"]) == len(BREAKDOWN_DOCS)
    empty = query_breakdown("", model, k=2)
    assert empty["terms"] == [] and empty["contributions"].shape == (2, 0)
    np.testing.assert_array_equal(empty["scores"], 0.0)
    unknown = query_breakdown("unicorn cat", model, k=2)
    np.testing.assert_array_equal(unknown["contributions"][:, 0], 0.0)


def test_query_breakdown_bad_input():
    model = BM25().fit(BREAKDOWN_DOCS)
    with pytest.raises(TypeError, match="^query_breakdown: query must be a str"):
        query_breakdown(["cat"], model)
    with pytest.raises(TypeError, match="^query_breakdown: model must be a fitted"):
        query_breakdown("cat", object())
    with pytest.raises(NotFittedError, match=r"^query_breakdown: this BM25 is not fitted yet"):
        query_breakdown("cat", BM25())
    with pytest.raises(ValueError, match="^query_breakdown: k must be at least 1"):
        query_breakdown("cat", model, k=0)


# ------------------------------------------ k3, BM25+, BM25L, pivoted, BM25F, QL, WAND
from collections import Counter as _Counter  # noqa: E402

from ragmath.lexical import (  # noqa: E402
    BM25F,
    QueryLikelihood,
    bm25_plus_tf,
    bm25_query_tf,
    bm25l_tf,
    dirichlet_smoothed,
    pivoted_norm,
    wand_pivot,
    wand_search,
)

SMALL = [["a", "b", "a"], ["b", "c"], ["c", "c", "c", "d"], ["a", "d", "e", "e", "b"], ["e"]]


def test_bm25_query_tf_matches_the_formula_and_its_limits():
    c = np.arange(0, 12, dtype=float)
    for k3 in [0.5, 7.0, 1000.0]:
        expected = [0.0 if x == 0 else (k3 + 1) * x / (k3 + x) for x in c]
        assert np.allclose(bm25_query_tf(c, k3), expected, rtol=1e-14)
    assert bm25_query_tf(3, 0.0) == 1.0 and bm25_query_tf(0, 0.0) == 0.0
    assert np.array_equal(bm25_query_tf(c, math.inf), c)
    with pytest.raises(ValueError, match="k3"):
        bm25_query_tf(1, -1.0)
    with pytest.raises(ValueError, match="count"):
        bm25_query_tf(-1, 2.0)
    with pytest.raises(TypeError, match="k3"):
        bm25_query_tf(1, "8")


def test_bm25_plus_and_bm25l_against_plain_formulas():
    for k1, b, r, delta in [(1.2, 0.75, 3.0, 1.0), (0.5, 0.3, 0.4, 0.25), (2.0, 1.0, 10.0, 0.5)]:
        B = 1 - b + b * r
        for f in [0, 1, 2, 7]:
            plus = 0.0 if f == 0 else f * (k1 + 1) / (f + k1 * B) + delta
            cc = f / B
            ell = 0.0 if f == 0 else (k1 + 1) * (cc + delta) / (k1 + cc + delta)
            assert math.isclose(bm25_plus_tf(f, k1, b, r, delta), plus, rel_tol=1e-13, abs_tol=0)
            assert math.isclose(bm25l_tf(f, k1, b, r, delta), ell, rel_tol=1e-13, abs_tol=0)
    # delta = 0: BM25+ is BM25; lower bounds hold for huge lengths
    f = np.arange(0, 10.0)
    assert np.allclose(bm25_plus_tf(f, delta=0.0, length_ratio=2.0), bm25_tf(f, length_ratio=2.0), rtol=1e-14)
    assert bm25_plus_tf(1, length_ratio=1e6) > 1.0 > bm25_tf(1, length_ratio=1e6) * 1e3
    assert bm25l_tf(1, length_ratio=1e6) > 2.5 * 0.5 / 2.0
    with pytest.raises(ValueError, match="delta"):
        bm25l_tf(1, delta=-0.1)


def test_bm25_variants_in_the_model_match_the_factor_functions():
    for variant, fn in [("bm25+", bm25_plus_tf), ("bm25l", bm25l_tf)]:
        model = BM25(k1=1.2, b=0.6, variant=variant).fit(SMALL)
        assert repr(model).endswith(f"variant={variant!r}, delta={model.delta:g})")
        lengths = np.array([len(d) for d in SMALL])
        ratio = lengths / lengths.mean()
        for term in ["a", "c", "e"]:
            f = np.array([d.count(term) for d in SMALL], dtype=float)
            expected = model.idf_[term] * fn(f, 1.2, 0.6, ratio)
            assert np.allclose(model.scores([term]), expected, rtol=1e-13, atol=0)
    assert repr(BM25()) == "BM25(k1=1.5, b=0.75, idf='lucene')"
    with pytest.raises(ValueError, match="variant"):
        BM25(variant="bm26")


def test_the_bm25s_variants_compute_the_same_factors():
    scoring = pytest.importorskip("bm25s.scoring")
    f, ld, lavg = np.array([1.0, 2.0, 5.0]), np.array([30.0, 80.0, 200.0]), 80.0
    assert np.allclose(scoring._score_tfc_bm25plus(f, ld, lavg, 1.2, 0.75, 1.0),
                       bm25_plus_tf(f, 1.2, 0.75, ld / lavg, 1.0), rtol=1e-12)
    assert np.allclose(scoring._score_tfc_bm25l(f, ld, lavg, 1.2, 0.75, 0.5),
                       bm25l_tf(f, 1.2, 0.75, ld / lavg, 0.5), rtol=1e-12)
    # bm25s's "robertson" term factor has no (k1 + 1)
    assert np.allclose(scoring._score_tfc_robertson(f, ld, lavg, 1.2, 0.75) * 2.2,
                       bm25_tf(f, 1.2, 0.75, ld / lavg), rtol=1e-12)


def test_pivoted_norm_is_bm25s_length_factor():
    lengths = np.array([10.0, 40.0, 55.0, 200.0])
    avg = lengths.mean()
    for s in [0.0, 0.3, 0.75, 1.0]:
        assert np.allclose(pivoted_norm(lengths, avg, s) / avg, bm25_length_norm(lengths / avg, s), rtol=1e-14)
    assert math.isclose(pivoted_norm(7.0, 7.0, 0.2), 7.0, rel_tol=1e-15)
    with pytest.raises(ValueError, match="pivot"):
        pivoted_norm(1.0, 0.0, 0.5)
    with pytest.raises(ValueError, match="slope"):
        pivoted_norm(1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="old_norm"):
        pivoted_norm(-1.0, 1.0, 0.5)


def naive_bm25f(fields, weights, bs, query, k1):
    n_docs = len(next(iter(fields.values())))
    avg = {name: sum(map(len, docs)) / n_docs for name, docs in fields.items()}
    df = _Counter(t for i in range(n_docs) for t in {t for docs in fields.values() for t in docs[i]})
    out = []
    for i in range(n_docs):
        total = 0.0
        for t in query:
            tt = sum(weights[n] * docs[i].count(t) / (1 - bs[n] + bs[n] * len(docs[i]) / avg[n])
                     for n, docs in fields.items())
            if tt > 0:
                total += math.log((n_docs + 1) / (df[t] + 0.5)) * tt * (k1 + 1) / (tt + k1)
        out.append(total)
    return np.array(out)


def test_bm25f_against_a_plain_loop_and_its_special_cases():
    title = [["a"], ["b", "c"], [], ["e"], ["a", "e"]]
    fields = {"title": title, "text": SMALL}
    model = BM25F(k1=1.3, b={"title": 0.5, "text": 0.8}, weights={"title": 3.0, "text": 1.0}).fit(fields)
    for q in [["a"], ["a", "e", "e"], ["c", "zebra"]]:
        expected = naive_bm25f(fields, {"title": 3.0, "text": 1.0}, {"title": 0.5, "text": 0.8}, q, 1.3)
        assert np.allclose(model.scores(q), expected, rtol=1e-12, atol=0)
    # one field is BM25; b = 0 and unit weights is BM25(b = 0) on the concatenation
    one = BM25F(k1=1.2, b=0.6).fit({"text": SMALL})
    assert np.allclose(one.scores(["a", "c"]), BM25(k1=1.2, b=0.6).fit(SMALL).scores(["a", "c"]), rtol=1e-12)
    both = BM25F(k1=1.2, b=0.0).fit(fields)
    concat = BM25(k1=1.2, b=0.0).fit([t + d for t, d in zip(title, SMALL)])
    assert np.allclose(both.scores(["a", "e"]), concat.scores(["a", "e"]), rtol=1e-12)
    idx, _ = model.search(["a"], k=2)
    assert idx.tolist() == np.argsort(-model.scores(["a"]), kind="stable")[:2].tolist()


def test_bm25f_rejects_bad_input():
    with pytest.raises(ValueError, match="documents"):
        BM25F().fit({"title": [["a"]], "text": [["a"], ["b"]]})
    with pytest.raises(ValueError, match="weights"):
        BM25F(weights={"body": 2.0}).fit({"text": SMALL})
    with pytest.raises(ValueError, match="weights"):
        BM25F(weights={"text": 0.0})
    with pytest.raises(ValueError, match="b"):
        BM25F(b=1.5)
    with pytest.raises(TypeError, match="fields"):
        BM25F().fit([["a"]])
    with pytest.raises(NotFittedError):
        BM25F().scores(["a"])
    with pytest.raises(TypeError, match="query"):
        BM25F().fit({"text": SMALL}).scores("a")


def test_query_likelihood_is_the_log_likelihood_of_the_query():
    mu = 3.0
    model = QueryLikelihood(mu=mu).fit(SMALL)
    total = sum(map(len, SMALL))
    cf = _Counter(t for d in SMALL for t in d)
    for q in [["a"], ["a", "c", "c"], ["e", "zebra", "b"]]:
        expected = [sum(math.log((d.count(t) + mu * cf[t] / total) / (len(d) + mu)) for t in q if t in cf)
                    for d in SMALL]
        assert np.allclose(model.scores(q), expected, rtol=1e-12, atol=1e-14)
    assert np.array_equal(model.scores(["zebra"]), np.zeros(len(SMALL)))
    assert math.isclose(dirichlet_smoothed(1, 4, 0.25, mu=4.0), 2 / 8)
    with pytest.raises(ValueError, match="mu"):
        QueryLikelihood(mu=0.0)
    with pytest.raises(ValueError, match="p_collection"):
        dirichlet_smoothed(1, 4, 1.5)
    with pytest.raises(ValueError, match="doc_length"):
        dirichlet_smoothed(5, 4, 0.5)
    with pytest.raises(NotFittedError):
        QueryLikelihood().scores(["a"])


def test_wand_pivot_and_wand_search_are_exact():
    assert wand_pivot([1.0, 1.0, 1.0], 1.5) == 1 and wand_pivot([1.0, 1.0, 1.0], -np.inf) == 0
    assert wand_pivot([1.0, 1.0], 2.0) is None and wand_pivot([], 0.0) is None
    with pytest.raises(ValueError, match="upper_bounds"):
        wand_pivot([-1.0], 0.0)
    with pytest.raises(ValueError, match="threshold"):
        wand_pivot([1.0], float("nan"))
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(30)]
    p = 1 / np.arange(1, 31)
    corpus = [list(rng.choice(vocab, size=rng.integers(3, 40), p=p / p.sum())) for _ in range(300)]
    model = BM25(k1=1.2, b=0.75).fit(corpus)
    skipped = 0
    for _ in range(40):
        query = list(rng.choice(vocab, size=rng.integers(1, 6)))
        matched = int((model.scores(query) > 0).sum())
        for k in [1, 5, 50, 300]:
            idx, sc, n_scored = wand_search(model, query, k)
            ref_idx, ref_sc = model.search(query, k)
            assert np.array_equal(idx, ref_idx) and np.array_equal(sc, ref_sc)
            assert n_scored <= matched
            skipped += matched - n_scored
    assert skipped > 0
    with pytest.raises(ValueError, match="negative"):
        wand_search(BM25(idf="robertson").fit(corpus), ["w0"], 3)
    with pytest.raises(ValueError, match="k"):
        wand_search(model, ["w0"], 301)
    with pytest.raises(TypeError, match="model"):
        wand_search("bm25", ["w0"], 1)
    # errors about the query or the fitting name wand_search, not a method of BM25
    with pytest.raises(TypeError, match=r"wand_search: query"):
        wand_search(model, "w0", 1)
    with pytest.raises(NotFittedError, match="wand_search"):
        wand_search(BM25(), ["w0"], 1)
