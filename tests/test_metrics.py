"""Tests of :mod:`ragmath.metrics` against its contract (``shared/API.md``).

Expected values come from hand-worked examples, from plain-Python references
written here straight from the formulas (:func:`ref_dcg`, :func:`ref_rr`), from
a line-by-line transcription of trec_eval's C code (:func:`trec_eval_reference`:
``comp_sim_docno`` of ``form_res_rels.c``, ``m_recip_rank.c`` and
``m_ndcg_cut.c``), from brute-force enumeration (all orders of a tie group, all
sign vectors, all bootstrap resamples of a tiny sample), and from
``scipy.stats`` for the t-test. The module's own helpers are never used to
compute an expected value.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections import Counter
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragmath.metrics import (
    GAINS,
    BootstrapResult,
    bootstrap_ci,
    bootstrap_means,
    dcg_at_k,
    evaluate,
    gain_values,
    grade_matrix,
    idcg_at_k,
    mean_reciprocal_rank,
    move_document,
    ndcg_at_k,
    paired_randomization_test,
    paired_t_test,
    rank_discounts,
    ranked_doc_ids,
    ranking_breakdown,
    reciprocal_rank,
    run_from_scores,
    score_matrix_metrics,
    sign_flip_means,
    significance_summary,
    tie_averaged_dcg_at_k,
    tie_averaged_reciprocal_rank,
)

pytestmark = pytest.mark.filterwarnings("error")


# ------------------------------------------------------------ independent references
def ref_gain(r, gain):
    if r <= 0:
        return 0.0
    return 2.0**r - 1.0 if gain == "exponential" else float(r)


def ref_dcg(grades, k, gain="exponential"):
    """Σ_{i ≤ k} g(r_i) / log2(i + 1), a plain loop, summed exactly rounded."""
    return math.fsum(ref_gain(r, gain) / math.log2(i + 1) for i, r in enumerate(grades[:k], start=1))


def ref_ndcg(grades, k, gain="exponential", ideal=None):
    ideal = list(grades) if ideal is None else list(ideal)
    best = ref_dcg(sorted(ideal, reverse=True), k, gain)
    return 0.0 if best == 0 else ref_dcg(list(grades), k, gain) / best


def ref_rr(grades):
    for i, r in enumerate(grades, start=1):
        if r > 0:
            return 1.0 / i
    return 0.0


def _comp_sim_docno(p1, p2):
    """trec_eval's form_res_rels.c: sim descending, then strcmp(p2->docno, p1->docno)."""
    (d1, s1), (d2, s2) = p1, p2
    if s1 > s2:
        return -1
    if s1 < s2:
        return 1
    b1, b2 = d1.encode(), d2.encode()  # strcmp compares bytes
    return (b2 > b1) - (b2 < b1)


def trec_eval_reference(judged: dict, doc_scores: dict, cutoff: int) -> tuple[float, float]:
    """(recip_rank, ndcg_cut_<cutoff>) of one query, transcribed from trec_eval 9's C code.

    Integer grades ≥ 0 only (as trec_eval reads them); relevance level 1.
    """
    ranked = sorted(doc_scores.items(), key=functools.cmp_to_key(_comp_sim_docno))
    results_rel_list = [judged.get(docno, -1) for docno, _ in ranked]  # -1: RELVALUE_NONPOOL
    num_ret = len(results_rel_list)
    # m_recip_rank.c
    recip = 0.0
    for i in range(num_ret):
        if results_rel_list[i] >= 1:
            recip = 1.0 / (i + 1)
            break
    # rel_levels: number of judged documents at each level (form_res_rels.c)
    max_rel = max(judged.values())
    rel_levels = [0] * (max_rel + 1)
    for rel in judged.values():
        rel_levels[rel] += 1
    num_rel_levels = max(i for i, c in enumerate(rel_levels) if c) + 1
    # m_ndcg_cut.c, one cutoff
    total = 0.0
    for i in range(min(num_ret, cutoff)):
        gain = results_rel_list[i]
        if gain > 0:
            total += gain / math.log2(i + 2)
    cur_lvl, lvl_count, ideal_dcg, i = num_rel_levels - 1, 0, 0.0, 0
    while True:
        lvl_count += 1
        while cur_lvl > 0 and lvl_count > rel_levels[cur_lvl]:
            cur_lvl -= 1
            lvl_count = 1
        if cur_lvl == 0 or i == cutoff:
            break
        ideal_dcg += cur_lvl / math.log2(i + 2)
        i += 1
    return recip, (total / ideal_dcg if ideal_dcg > 0 else 0.0)


# ------------------------------------------------------------------ strategies
int_grades = st.lists(st.integers(min_value=-1, max_value=4), min_size=0, max_size=25)
real_grades = st.lists(
    st.floats(min_value=-2.0, max_value=6.0, allow_nan=False, allow_infinity=False), min_size=0, max_size=25
)
cutoffs = st.integers(min_value=1, max_value=30)
gains = st.sampled_from(GAINS)


# --------------------------------------------------------------- reciprocal rank
@pytest.mark.parametrize(
    "grades, expected",
    [
        ([0, 0, 2, 1], 1 / 3),
        ([3], 1.0),
        ([0, 0, 0], 0.0),
        ([], 0.0),
        ([-1, 0, 0.5], 1 / 3),  # negative grades are not relevant; 0.5 is
        (np.array([0, 1, 1, 0]), 0.5),
    ],
)
def test_reciprocal_rank_worked_examples(grades, expected):
    assert reciprocal_rank(grades) == expected
    assert isinstance(reciprocal_rank(grades), float)


def test_reciprocal_rank_cutoff():
    assert reciprocal_rank([0, 0, 0, 3], k=4) == 0.25
    assert reciprocal_rank([0, 0, 0, 3], k=3) == 0.0
    assert reciprocal_rank([0, 0, 0, 3], k=100) == 0.25


@given(int_grades)
def test_reciprocal_rank_is_zero_or_one_over_a_rank(grades):
    rr = reciprocal_rank(grades)
    assert rr == ref_rr(grades)
    assert rr == 0.0 or any(rr == 1.0 / r for r in range(1, len(grades) + 1))


def test_mean_reciprocal_rank():
    rankings = [[0, 1], [2, 0, 0], [0, 0, 0], [0, 0, 0, 1]]
    assert mean_reciprocal_rank(rankings) == pytest.approx((1 / 2 + 1 + 0 + 1 / 4) / 4, abs=1e-15)
    assert mean_reciprocal_rank(rankings, k=2) == pytest.approx((1 / 2 + 1) / 4, abs=1e-15)
    assert mean_reciprocal_rank(np.array([[0, 1], [1, 0]])) == 0.75


@given(st.lists(int_grades, min_size=1, max_size=10))
def test_mean_reciprocal_rank_is_the_mean(rankings):
    expected = Fraction(0)
    for ranking in rankings:
        rr = ref_rr(ranking)
        expected += Fraction(rr)
    assert mean_reciprocal_rank(rankings) == pytest.approx(float(expected / len(rankings)), abs=1e-15)


# ------------------------------------------------------------------------- DCG
def test_gain_values():
    np.testing.assert_array_equal(gain_values([3, 2, 1, 0, -1]), [7, 3, 1, 0, 0])
    np.testing.assert_array_equal(gain_values([3, 2, 1, 0, -1], "linear"), [3, 2, 1, 0, 0])
    assert gain_values([0.5])[0] == pytest.approx(math.sqrt(2) - 1)
    assert gain_values([]).shape == (0,)


def test_rank_discounts():
    np.testing.assert_allclose(rank_discounts(4), [1.0, math.log2(3), 2.0, math.log2(5)], rtol=1e-15)
    assert rank_discounts(0).shape == (0,)


def test_dcg_worked_example():
    # ranks 1..4 with grades 3, 2, 0, 1
    exp = 7 / 1 + 3 / math.log2(3) + 0 / 2 + 1 / math.log2(5)
    lin = 3 / 1 + 2 / math.log2(3) + 0 / 2 + 1 / math.log2(5)
    assert dcg_at_k([3, 2, 0, 1], 10) == pytest.approx(exp, rel=1e-15)
    assert dcg_at_k([3, 2, 0, 1], 10, gain="linear") == pytest.approx(lin, rel=1e-15)
    assert dcg_at_k([3, 2, 0, 1], 2) == pytest.approx(7 + 3 / math.log2(3), rel=1e-15)
    assert dcg_at_k([], 5) == 0.0
    # binary grades: both gains agree
    assert dcg_at_k([1, 0, 1], 3) == dcg_at_k([1, 0, 1], 3, gain="linear") == pytest.approx(1.5)


@settings(max_examples=200)
@given(real_grades, cutoffs, gains)
def test_dcg_matches_the_formula(grades, k, gain):
    assert dcg_at_k(grades, k, gain) == pytest.approx(ref_dcg(grades, k, gain), rel=1e-12, abs=1e-300)


def test_ndcg_worked_example():
    # judged: 3, 2, 2, 1 (and a 0); the run retrieves grades 2, 0, 3
    ideal = [3, 2, 2, 1, 0]
    dcg = 3 + 0 + 7 / 2
    idcg = 7 + 3 / math.log2(3) + 3 / 2
    assert ndcg_at_k([2, 0, 3], 3, ideal=ideal) == pytest.approx(dcg / idcg, rel=1e-14)
    assert idcg_at_k(ideal, 3) == pytest.approx(idcg, rel=1e-15)
    assert idcg_at_k([1, 3, 0, 2, 2], 3) == pytest.approx(idcg, rel=1e-15)  # any order


def test_ndcg_uses_all_judged_documents():
    """One mildly relevant document retrieved, nothing else: NDCG = 1 only with the wrong IDCG."""
    retrieved = [1, 0, 0, 0, 0]
    judged = [3, 3, 2, 1, 0]
    assert ndcg_at_k(retrieved, 5) == 1.0  # ideal defaults to the retrieved grades
    expected = 1.0 / ref_dcg([3, 3, 2, 1], 5)
    assert ndcg_at_k(retrieved, 5, ideal=judged) == pytest.approx(expected, rel=1e-14)


def test_ndcg_no_relevant_document_is_zero():
    assert ndcg_at_k([0, 0], 5) == 0.0
    assert ndcg_at_k([], 5) == 0.0
    assert ndcg_at_k([0, 0], 5, ideal=[0, -1]) == 0.0


def test_ndcg_rejects_an_ideal_that_misses_retrieved_relevant_documents():
    with pytest.raises(ValueError, match=r"ndcg_at_k: relevances .* ideal"):
        ndcg_at_k([3, 1], 5, ideal=[2, 1])  # a 3 the ideal does not have
    with pytest.raises(ValueError, match="ndcg_at_k: .*2 relevant documents, ideal only 1"):
        ndcg_at_k([1, 1], 5, ideal=[1, 0])


@settings(max_examples=300)
@given(int_grades, cutoffs, gains)
def test_ndcg_between_zero_and_one_and_one_for_the_ideal_order(grades, k, gain):
    value = ndcg_at_k(grades, k, gain)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(ref_ndcg(grades, k, gain), rel=1e-12, abs=1e-15)
    best = sorted(grades, reverse=True)
    has_relevant = any(r > 0 for r in grades)
    assert ndcg_at_k(best, k, gain) == (1.0 if has_relevant else 0.0)


@settings(max_examples=200)
@given(real_grades, cutoffs, gains, st.lists(st.floats(0.0, 6.0), max_size=5))
def test_ndcg_with_extra_judged_documents(grades, k, gain, unretrieved):
    ideal = list(grades) + list(unretrieved)
    value = ndcg_at_k(grades, k, gain, ideal=ideal)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(ref_ndcg(grades, k, gain, ideal), rel=1e-12, abs=1e-15)


def test_exponential_and_linear_gains_can_order_rankings_differently():
    two_highly_relevant, one_perfect = [2, 2], [3, 0]
    assert dcg_at_k(two_highly_relevant, 2, "linear") > dcg_at_k(one_perfect, 2, "linear")
    assert dcg_at_k(two_highly_relevant, 2, "exponential") < dcg_at_k(one_perfect, 2, "exponential")


# ------------------------------------------------------------------- ties, runs
def test_ranked_doc_ids_breaks_ties_by_decreasing_doc_id():
    scores = {"d1": 0.5, "d3": 0.9, "d2": 0.5, "d10": 0.5}
    assert ranked_doc_ids(scores) == ["d3", "d2", "d10", "d1"]  # string order: "d2" > "d10" > "d1"
    reordered = dict(reversed(list(scores.items())))
    assert ranked_doc_ids(reordered) == ranked_doc_ids(scores)


@settings(max_examples=100)
@given(st.dictionaries(st.text(min_size=1, max_size=4), st.sampled_from([0.0, 0.5, 1.0, -2.0]), max_size=12))
def test_ranked_doc_ids_is_trec_evals_comparator(doc_scores):
    expected = [d for d, _ in sorted(doc_scores.items(), key=functools.cmp_to_key(_comp_sim_docno))]
    assert ranked_doc_ids(doc_scores) == expected


def test_evaluate_hand_example_and_tie_order():
    qrels = {"q1": {"a": 3, "b": 1, "c": 0, "d": 2}}
    run = {"q1": {"a": 0.5, "b": 0.5, "c": 0.9, "e": 0.5}}
    # order: c (0.9), then the tie e > b > a: grades 0, 0 (unjudged), 1, 3
    linear = evaluate(qrels, run, gain="linear")
    assert linear.loc["q1", "rr"] == 1 / 3
    dcg = 1 / math.log2(4) + 3 / math.log2(5)
    idcg = 3 + 2 / math.log2(3) + 1 / 2
    assert linear.loc["q1", "ndcg@10"] == pytest.approx(dcg / idcg, rel=1e-14)
    exponential = evaluate(qrels, run)
    dcg_exp = 1 / math.log2(4) + 7 / math.log2(5)
    idcg_exp = 7 + 3 / math.log2(3) + 1 / 2
    assert exponential.loc["q1", "ndcg@10"] == pytest.approx(dcg_exp / idcg_exp, rel=1e-14)
    # with the opposite tie order (a first), RR would be 1/2: the convention matters
    assert ref_rr([0, 3, 1, 0]) == 0.5


def test_evaluate_frame_shape():
    qrels = {"q2": {"x": 1}, "q1": {"y": 2}, "q3": {"z": 0}}
    run = {"q1": {"y": 1.0}, "q9": {"x": 3.0}}
    result = evaluate(qrels, run, k=5)
    assert isinstance(result, pd.DataFrame)
    assert list(result.index) == ["q2", "q1", "q3"] and result.index.name == "query_id"
    assert list(result.columns) == ["rr", "ndcg@5"]
    assert result.dtypes.tolist() == [np.float64, np.float64]
    assert result.loc["q2"].tolist() == [0.0, 0.0]  # missing from the run
    assert result.loc["q1"].tolist() == [1.0, 1.0]
    assert result.loc["q3"].tolist() == [0.0, 0.0]  # nothing relevant: 0 by convention


def random_collection(seed, n_queries=8, n_docs=30, tie_values=4):
    """qrels and a run with many tied scores, integer grades 0..3 (trec_eval's kind)."""
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(n_docs)]
    qrels, run = {}, {}
    for q in range(n_queries):
        judged = rng.sample(docs, rng.randint(1, 12))
        qrels[f"q{q}"] = {d: rng.randint(0, 3) for d in judged}
        retrieved = rng.sample(docs, rng.randint(0, n_docs))
        run[f"q{q}"] = {d: rng.randint(0, tie_values) / 2 for d in retrieved}
    return qrels, run


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("k", [1, 3, 10])
def test_evaluate_linear_matches_the_trec_eval_transcription(seed, k):
    qrels, run = random_collection(seed)
    result = evaluate(qrels, run, k=k, gain="linear")
    for qid, judged in qrels.items():
        rr, ndcg = trec_eval_reference(judged, run.get(qid, {}), k)
        assert result.loc[qid, "rr"] == rr
        assert result.loc[qid, f"ndcg@{k}"] == pytest.approx(ndcg, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("seed", range(20))
def test_exponential_gain_is_trec_eval_on_transformed_grades(seed):
    """ndcg_cut with every grade r replaced by 2^r − 1 is the exponential-gain NDCG."""
    qrels, run = random_collection(seed)
    result = evaluate(qrels, run, k=10)
    for qid, judged in qrels.items():
        transformed = {d: 2**g - 1 for d, g in judged.items()}
        rr, ndcg = trec_eval_reference(transformed, run.get(qid, {}), 10)
        assert result.loc[qid, "rr"] == rr
        assert result.loc[qid, "ndcg@10"] == pytest.approx(ndcg, rel=1e-13, abs=1e-15)


@settings(max_examples=100)
@given(st.integers(0, 10_000), st.integers(1, 12), gains)
def test_evaluate_agrees_with_the_per_query_functions(seed, k, gain):
    qrels, run = random_collection(seed, n_queries=4)
    result = evaluate(qrels, run, k=k, gain=gain)
    for qid, judged in qrels.items():
        order = sorted(run[qid], key=lambda d: (run[qid][d], d), reverse=True)
        grades = [judged.get(d, 0) for d in order]
        assert result.loc[qid, "rr"] == reciprocal_rank(grades)
        assert result.loc[qid, f"ndcg@{k}"] == ndcg_at_k(grades, k, gain, ideal=list(judged.values()))


def test_evaluate_does_not_depend_on_the_order_of_the_run_dict():
    qrels, run = random_collection(3)
    shuffled = {q: dict(sorted(d.items(), key=lambda item: random.Random(q).random())) for q, d in run.items()}
    pd.testing.assert_frame_equal(evaluate(qrels, run), evaluate(qrels, shuffled))


def test_run_from_scores():
    scores = np.array([[0.1, 0.9, 0.5], [0.0, 0.0, 1.0]])
    run = run_from_scores(scores, ["a", "b", "c"], ["q1", "q2"])
    assert run == {"q1": {"a": 0.1, "b": 0.9, "c": 0.5}, "q2": {"a": 0.0, "b": 0.0, "c": 1.0}}
    assert all(type(v) is float for d in run.values() for v in d.values())
    top2 = run_from_scores(scores, ["a", "b", "c"], ["q1", "q2"], k=2)
    assert top2 == {"q1": {"b": 0.9, "c": 0.5}, "q2": {"c": 1.0, "b": 0.0}}  # tie a/b: "b" > "a"
    assert run_from_scores([3.0, 1.0], ["x", "y"]) == {"x": 3.0, "y": 1.0}
    assert list(run_from_scores(scores, ["a", "b", "c"])) == ["0", "1"]


# ------------------------------------------------------------- tie-averaged metrics
def brute_force_tie_average(scores, grades, metric):
    """Average of metric(grades in ranked order) over every order of every tie group."""
    groups = {}
    for s, r in zip(scores, grades):
        groups.setdefault(s, []).append(r)
    keys = sorted(groups, reverse=True)
    values = []
    for orders in itertools.product(*(itertools.permutations(groups[s]) for s in keys)):
        values.append(metric([r for order in orders for r in order]))
    return math.fsum(values) / len(values)


def test_tie_averaged_reciprocal_rank_by_hand():
    # three documents tied at the top, one relevant: E[1/J] = (1 + 1/2 + 1/3)/3
    assert tie_averaged_reciprocal_rank([1, 1, 1, 0.5], [0, 0, 1, 1]) == pytest.approx(11 / 18, rel=1e-15)
    # nothing relevant
    assert tie_averaged_reciprocal_rank([1, 1], [0, 0]) == 0.0
    # no ties: the ordinary RR
    assert tie_averaged_reciprocal_rank([0.3, 0.2, 0.9], [1, 0, 0]) == 1 / 2  # order: 0.9, 0.3, 0.2


@pytest.mark.parametrize("seed", range(30))
def test_tie_averages_match_brute_force(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 7)
    scores = [rng.choice([0.0, 0.5, 1.0]) for _ in range(n)]
    grades = [rng.choice([0, 0, 1, 2, 3]) for _ in range(n)]
    k = rng.randint(1, 6)
    assert tie_averaged_reciprocal_rank(scores, grades) == pytest.approx(
        brute_force_tie_average(scores, grades, ref_rr), rel=1e-12, abs=1e-15
    )
    for gain in GAINS:
        assert tie_averaged_dcg_at_k(scores, grades, k, gain) == pytest.approx(
            brute_force_tie_average(scores, grades, lambda g, gain=gain: ref_dcg(g, k, gain)), rel=1e-12, abs=1e-15
        )


def test_tie_averaged_rr_is_not_one_over_the_average_rank():
    # two tied documents, one relevant: E[1/J] = 3/4, while 1/E[J] = 2/3
    assert tie_averaged_reciprocal_rank([1, 1], [1, 0]) == 0.75


# ---------------------------------------------------------------- the bootstrap
def exact_bootstrap_distribution(values):
    """All n^n equally likely resamples (with replacement) of a tiny sample: their means."""
    n = len(values)
    return sorted(math.fsum(values[i] for i in idx) / n for idx in itertools.product(range(n), repeat=n))


def test_bootstrap_means_follow_the_exact_distribution():
    values = [0.0, 1.0, 0.5, 0.25]
    exact = exact_bootstrap_distribution(values)
    means = bootstrap_means(values, n_resamples=200_000, seed=1)
    # every resampled mean is one of the exact values, with about the right frequency
    counts = Counter(exact)
    observed = Counter(np.round(means, 12))
    assert set(observed) <= {round(v, 12) for v in counts}
    for value, count in counts.items():
        p = count / len(exact)
        sd = math.sqrt(p * (1 - p) / len(means))
        assert abs(observed[round(value, 12)] / len(means) - p) <= 5 * sd + 1e-12
    assert np.mean(means) == pytest.approx(np.mean(values), abs=5 * np.std(exact) / math.sqrt(len(means)))


def test_bootstrap_ci_quantiles_of_the_exact_distribution():
    values = [0.0, 1.0, 0.5, 0.25, 1.0]
    exact = np.array(exact_bootstrap_distribution(values))
    low, high = np.quantile(exact, [0.05, 0.95])
    result = bootstrap_ci(values, n_resamples=100_000, confidence=0.9, seed=3)
    assert isinstance(result, BootstrapResult)
    assert result.mean == pytest.approx(0.55)
    assert result.low == pytest.approx(low, abs=0.02) and result.high == pytest.approx(high, abs=0.02)


def test_bootstrap_ci_properties():
    assert bootstrap_ci([0.5] * 7) == (0.5, 0.5, 0.5)
    x = np.random.default_rng(0).random(60)
    a, b = bootstrap_ci(x, seed=4), bootstrap_ci(x, seed=4)
    assert a == b  # seeded
    assert a.low < a.mean < a.high
    narrow = bootstrap_ci(x, confidence=0.5, seed=4)
    assert a.low < narrow.low < narrow.high < a.high
    # about the normal approximation: mean ± 1.96 s/√n
    half = 1.96 * np.std(x, ddof=1) / math.sqrt(len(x))
    assert a.high - a.low == pytest.approx(2 * half, rel=0.1)
    gen = np.random.default_rng(9)
    assert bootstrap_ci(x, seed=gen) != bootstrap_ci(x, seed=gen)  # a Generator advances


# ---------------------------------------------------------- the randomization test
def brute_force_p_value(a, b):
    """Exact p-value: every sign vector, exact rational arithmetic (a, b: Fractions or floats)."""
    d = [Fraction(x) - Fraction(y) for x, y in zip(a, b)]
    observed = abs(sum(d))
    hits = sum(
        abs(sum(s * x for s, x in zip(signs, d))) >= observed
        for signs in itertools.product((1, -1), repeat=len(d))
    )
    return Fraction(hits, 2 ** len(d))


@pytest.mark.parametrize("seed", range(15))
def test_randomization_test_exact_matches_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 11))
    # reciprocal-rank-like values 0, 1, 1/2, 1/3, ...: the exact rationals are the truth;
    # sums that tie in exact arithmetic (1/3 + 2/3 = 1) must count as ties in floats too
    a = [Fraction(int(x), int(y)) for x, y in zip(rng.integers(0, 4, n), rng.integers(1, 4, n))]
    b = [Fraction(int(x), int(y)) for x, y in zip(rng.integers(0, 4, n), rng.integers(1, 4, n))]
    result = paired_randomization_test([float(x) for x in a], [float(y) for y in b])
    assert result.exact and result.n_resamples == 2**n
    assert result.p_value == brute_force_p_value(a, b)
    assert result.mean_difference == pytest.approx(float(sum(a) - sum(b)) / n, abs=1e-15)


def test_randomization_test_monte_carlo_is_close_to_exact():
    rng = np.random.default_rng(5)
    a, b = rng.random(14), rng.random(14) * 0.8
    exact = brute_force_p_value(a, b)
    result = paired_randomization_test(a, b, n_resamples=4000, seed=0)
    assert not result.exact and result.n_resamples == 4000
    sd = math.sqrt(exact * (1 - exact) / 4000)
    assert abs(result.p_value - exact) <= 5 * sd + 1 / 4000


def test_randomization_test_edge_cases():
    same = [0.5, 1.0, 0.25]
    assert paired_randomization_test(same, same).p_value == 1.0
    tiny = paired_randomization_test([1] * 5, [0] * 5)
    assert tiny.p_value == 2 / 32  # the smallest p-value with five queries
    big = paired_randomization_test(np.ones(40), np.zeros(40), n_resamples=1000)
    assert big.p_value == 1 / 1001  # never 0
    equal_sums = paired_randomization_test([0.1, 0.2, 0.3], [0.0, 0.0, 0.0])
    assert equal_sums.p_value == 2 / 8  # 0.1 + 0.2 = 0.3 exactly in the maths, not in floats


def test_sign_flip_means():
    a, b = [1.0, 0.5, 0.0, 1.0], [0.5, 0.5, 1.0, 0.0]
    means = sign_flip_means(a, b, n_resamples=5000, seed=2)
    d = np.array(a) - np.array(b)
    possible = {round(sum(s * x for s, x in zip(signs, d)) / 4, 12) for signs in itertools.product((1, -1), repeat=4)}
    assert set(np.round(means, 12)) <= possible
    assert abs(np.mean(means)) < 0.03  # symmetric around 0


# ------------------------------------------------------------------- the t-test
def test_paired_t_test_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    a = rng.random(30)
    b = a - 0.05 + 0.2 * rng.standard_normal(30)
    ours = paired_t_test(a, b)
    theirs = stats.ttest_rel(a, b)
    assert ours.t == pytest.approx(theirs.statistic, rel=1e-12)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-10)
    assert ours.df == 29


def test_paired_t_test_table_value():
    # t = 2.262 with 9 degrees of freedom is the two-sided 5 % point of Student's t tables
    d = np.array([-1.0, 1.0] * 5)
    d = d / np.std(d, ddof=1) * math.sqrt(10)  # s_d = √10, so s_d/√n = 1
    shifted = d + 2.262157  # mean 2.262157, s/√n = 1
    result = paired_t_test(shifted, np.zeros(10))
    assert result.t == pytest.approx(2.262157, rel=1e-12)
    assert result.p_value == pytest.approx(0.05, abs=1e-6)


def test_paired_t_test_constant_differences():
    assert paired_t_test([1, 2, 3], [1, 2, 3]) == (0.0, 2, 1.0)
    assert paired_t_test([1, 2, 3], [0, 1, 2]) == (math.inf, 2, 0.0)


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("k", [0, -3])
def test_k_must_be_positive(k):
    with pytest.raises(ValueError, match="dcg_at_k: k must be at least 1"):
        dcg_at_k([1, 0], k)
    with pytest.raises(ValueError, match="ndcg_at_k: k"):
        ndcg_at_k([1, 0], k)
    with pytest.raises(ValueError, match="evaluate: k"):
        evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, k=k)
    with pytest.raises(ValueError, match="reciprocal_rank: k"):
        reciprocal_rank([1], k=k)


def test_k_must_be_an_integer():
    with pytest.raises(TypeError, match="dcg_at_k: k must be an integer"):
        dcg_at_k([1, 0], 2.5)
    with pytest.raises(TypeError, match="ndcg_at_k: k must be an integer"):
        ndcg_at_k([1, 0], True)


@pytest.mark.parametrize("bad", [["a", "b"], [[1, 2], [3]], "3210", {"d": 1}, None])
def test_grades_must_be_numbers(bad):
    with pytest.raises((TypeError, ValueError), match="relevances"):
        dcg_at_k(bad, 3)
    with pytest.raises((TypeError, ValueError), match="reciprocal_rank: relevances"):
        reciprocal_rank(bad)


def test_grades_must_be_finite_and_1d():
    with pytest.raises(ValueError, match="ndcg_at_k: relevances contains nan"):
        ndcg_at_k([1, float("nan")], 2)
    with pytest.raises(ValueError, match="dcg_at_k: relevances must be 1-D"):
        dcg_at_k([[1, 2], [3, 4]], 2)
    with pytest.raises(ValueError, match="ndcg_at_k: ideal contains nan"):
        ndcg_at_k([1], 2, ideal=[float("inf")])
    with pytest.raises(ValueError, match="overflows"):
        dcg_at_k([2000], 1)
    assert dcg_at_k([2000], 1, gain="linear") == 2000.0


def test_unknown_gain():
    for call in (
        lambda: dcg_at_k([1], 1, gain="log"),
        lambda: ndcg_at_k([1], 1, gain="Exponential"),
        lambda: gain_values([1], "quadratic"),
        lambda: evaluate({"q": {"d": 1}}, {"q": {"d": 1.0}}, gain="binary"),
    ):
        with pytest.raises(ValueError, match="gain must be one of 'exponential', 'linear'"):
            call()


@pytest.mark.parametrize(
    "qrels, run, error, message",
    [
        ([("q", "d", 1)], {}, TypeError, "evaluate: qrels must be a dict of dicts"),
        ({"q": {"d": 1}}, [("q", "d", 0.5)], TypeError, "evaluate: run must be a dict of dicts"),
        ({"q": [("d", 1)]}, {}, TypeError, r"evaluate: qrels\['q'\] must be a dict"),
        ({"q": {"d": 1}}, {"q": 0.5}, TypeError, r"evaluate: run\['q'\] must be a dict"),
        ({"q": {"d": "1"}}, {}, TypeError, r"evaluate: qrels\['q'\]\['d'\] must be a real number"),
        ({"q": {"d": 1}}, {"q": {"d": None}}, TypeError, r"evaluate: run\['q'\]\['d'\] must be a real number"),
        ({"q": {"d": 1}}, {"q": {"d": float("nan")}}, ValueError, r"evaluate: run\['q'\]\['d'\] is nan"),
        ({"q": {3: 1}}, {}, TypeError, "evaluate: qrels.* document id 3 of type int"),
        ({1: {"d": 1}}, {}, TypeError, "evaluate: qrels has a query id 1 of type int"),
        ({}, {}, ValueError, "evaluate: qrels is empty"),
    ],
)
def test_evaluate_bad_input(qrels, run, error, message):
    with pytest.raises(error, match=message):
        evaluate(qrels, run)


def test_mean_reciprocal_rank_bad_input():
    with pytest.raises(TypeError, match=r"mean_reciprocal_rank: rankings\[0\] must be a list of grades"):
        mean_reciprocal_rank([0, 1, 0])  # one ranking passed where a list of rankings is expected
    with pytest.raises(ValueError, match="mean_reciprocal_rank: rankings is empty"):
        mean_reciprocal_rank([])
    with pytest.raises(TypeError, match="mean_reciprocal_rank: rankings must be a list"):
        mean_reciprocal_rank({"q1": [1]})
    with pytest.raises(TypeError, match=r"rankings\[1\]"):
        mean_reciprocal_rank([[1], ["x"]])


def test_ranked_doc_ids_and_run_from_scores_bad_input():
    with pytest.raises(TypeError, match="ranked_doc_ids: doc_scores must be a dict"):
        ranked_doc_ids([0.5, 0.2])
    with pytest.raises(ValueError, match="run_from_scores: scores has 3 columns but doc_ids has 2"):
        run_from_scores(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="run_from_scores: doc_ids has duplicates"):
        run_from_scores(np.zeros((1, 2)), ["a", "a"])
    with pytest.raises(TypeError, match="run_from_scores: doc_ids has a document id 1"):
        run_from_scores(np.zeros((1, 2)), [1, 2])
    with pytest.raises(ValueError, match="run_from_scores: scores contains nan"):
        run_from_scores([[np.nan, 1.0]], ["a", "b"])


def test_uncertainty_bad_input():
    with pytest.raises(ValueError, match="paired_randomization_test: a has 3 values and b has 2"):
        paired_randomization_test([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="paired_t_test: a needs at least 2 values"):
        paired_t_test([1], [0])
    with pytest.raises(ValueError, match=r"bootstrap_ci: confidence must lie in \(0, 1\), got 1.0"):
        bootstrap_ci([1, 2], confidence=1.0)
    with pytest.raises(TypeError, match="bootstrap_ci: confidence must be a real number"):
        bootstrap_ci([1, 2], confidence="95%")
    with pytest.raises(ValueError, match="bootstrap_means: n_resamples must be at least 1"):
        bootstrap_means([1, 2], n_resamples=0)
    with pytest.raises(TypeError, match="bootstrap_means: seed must be an int"):
        bootstrap_means([1, 2], seed=1.5)
    with pytest.raises(ValueError, match="bootstrap_ci: values is empty"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="sign_flip_means: a contains nan"):
        sign_flip_means([np.nan], [0.0])
    with pytest.raises(ValueError, match="tie_averaged_reciprocal_rank: scores has 2 values but grades has 1"):
        tie_averaged_reciprocal_rank([1, 2], [1])
    with pytest.raises(ValueError, match="bootstrap_ci: confidence must lie in"):
        bootstrap_ci([1, 2], confidence=float("nan"))
    with pytest.raises(ValueError, match="paired_randomization_test: seed must be non-negative"):
        paired_randomization_test([1, 2], [0, 1], seed=-1)


def test_a_generator_is_used_as_it_is():
    rng, same = np.random.default_rng(4), np.random.default_rng(4)
    assert np.array_equal(bootstrap_means([0.1, 0.5, 0.9], 50, seed=rng), bootstrap_means([0.1, 0.5, 0.9], 50, seed=same))
    assert np.array_equal(bootstrap_means([0.1, 0.5, 0.9], 50, seed=4),
                          bootstrap_means([0.1, 0.5, 0.9], 50, seed=np.random.default_rng(4)))


# ------------------------------------------------------------ score matrices (chapter 10's fast path)
def test_score_matrix_metrics_equal_evaluate_with_ties_and_unranked():
    rng = np.random.default_rng(5)
    docs = [f"p{i:03d}" for i in range(40)]
    queries = [f"q{i}" for i in range(12)]
    S = rng.integers(0, 5, size=(12, 40)).astype(float)  # many ties
    S[S == 0] = -np.inf  # not retrieved
    qrels = {q: {docs[j]: int(rng.integers(0, 4)) for j in rng.choice(40, 6, replace=False)} for q in queries}
    run = {q: {d: float(s) for d, s in zip(docs, row) if np.isfinite(s)} for q, row in zip(queries, S)}
    for gain in GAINS:
        slow = evaluate(qrels, run, k=10, gain=gain)
        fast = score_matrix_metrics(S, grade_matrix(qrels, queries, docs), k=10, gain=gain)
        assert np.allclose(fast["rr"], slow["rr"], rtol=0, atol=1e-15)
        assert np.allclose(fast["ndcg"], slow["ndcg@10"], rtol=0, atol=1e-12)
    # the check can fail: breaking ties by the lower index instead gives other numbers
    fast = score_matrix_metrics(S, grade_matrix(qrels, queries, docs), k=10)
    wrong_order = np.lexsort((np.arange(40)[None, :].repeat(12, 0), -S), axis=1)
    G = grade_matrix(qrels, queries, docs)
    wrong_rr = [1 / (np.flatnonzero(np.take_along_axis(G, wrong_order, 1)[q] > 0)[0] + 1) for q in range(12)
                if (G[q] > 0).any()]
    right_rr = [r for q, r in enumerate(fast["rr"]) if (G[q] > 0).any()]
    assert not np.allclose(wrong_rr, right_rr)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.sampled_from(GAINS))
def test_score_matrix_metrics_are_reciprocal_rank_and_ndcg_row_by_row(seed, k, gain):
    """Each row is reciprocal_rank and ndcg_at_k of the row's grades in trec_eval's order."""
    rng = np.random.default_rng(seed)
    n_q, n_d = int(rng.integers(1, 5)), int(rng.integers(1, 15))
    S = rng.integers(0, 4, size=(n_q, n_d)).astype(float)
    S[rng.random((n_q, n_d)) < 0.2] = -np.inf
    G = rng.integers(-1, 4, size=(n_q, n_d)).astype(float)
    out = score_matrix_metrics(S, G, k=k, gain=gain)
    for q in range(n_q):
        order = sorted(range(n_d), key=lambda j: (S[q, j], j), reverse=True)  # equal scores: higher column first
        ranked = [0.0 if S[q, j] == -np.inf else G[q, j] for j in order]
        assert out["rr"][q] == reciprocal_rank(ranked)
        assert out["ndcg"][q] == pytest.approx(ndcg_at_k(ranked, k, gain, ideal=G[q]), rel=1e-13, abs=1e-15)


def test_score_matrix_metrics_equal_evaluate_on_the_book_corpus():
    import ragmath as rm
    from ragmath.lexical import BM25, tokenize

    corpus = rm.data.load_corpus()
    ids = corpus.passages["passage_id"].tolist()
    bm25 = BM25().fit([tokenize(t) for t in corpus.passages["text"]])
    qids = corpus.queries["query_id"].tolist()[:20]
    S = np.vstack([bm25.scores(tokenize(t)) for t in corpus.queries["text"][:20]])
    qrels = {q: corpus.qrels_dict()[q] for q in qids}
    slow = evaluate(qrels, run_from_scores(S, ids, qids), k=10)
    fast = score_matrix_metrics(S, grade_matrix(qrels, qids, ids), k=10)
    assert np.allclose(fast["ndcg"], slow["ndcg@10"], atol=1e-12) and np.allclose(fast["rr"], slow["rr"])


def test_grade_matrix():
    G = grade_matrix({"q1": {"b": 2, "z": 1}, "q2": {"a": 1}}, ["q2", "q1"], ["a", "b"])
    assert G.dtype == np.float64 and G.tolist() == [[1.0, 0.0], [0.0, 2.0]]


def test_score_matrix_bad_inputs():
    with pytest.raises(ValueError, match="score_matrix_metrics: scores has shape"):
        score_matrix_metrics(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="score_matrix_metrics: k"):
        score_matrix_metrics(np.ones((2, 3)), np.ones((2, 3)), k=0)
    with pytest.raises(ValueError, match=r"score_matrix_metrics: scores contains nan or \+inf"):
        score_matrix_metrics([[np.inf, 0.0]], [[1, 0]])
    with pytest.raises(ValueError, match="score_matrix_metrics: grades contains nan"):
        score_matrix_metrics([[1.0, 0.0]], [[np.nan, 0]])
    with pytest.raises(ValueError, match="score_matrix_metrics: gain must be one of"):
        score_matrix_metrics([[1.0, 0.0]], [[1, 0]], gain="log")
    with pytest.raises(ValueError, match="grade_matrix: query 'q9'"):
        grade_matrix({"q1": {"a": 1}}, ["q9"], ["a"])
    with pytest.raises(TypeError, match="grade_matrix: qrels"):
        grade_matrix([("q1", "a", 1)], ["q1"], ["a"])
    with pytest.raises(ValueError, match="grade_matrix: query_ids and doc_ids must be non-empty"):
        grade_matrix({"q1": {"a": 1}}, ["q1"], [])
    with pytest.raises(ValueError, match="grade_matrix: query_ids and doc_ids must be non-empty"):
        grade_matrix({"q1": {"a": 1}}, [], ["a"])


# ------------------------------------------------------------ the ranked list of the figures
GRADES = {"A": 3, "B": 2, "C": 2, "D": 1, "E": 1, "F": 0, "G": 0, "H": 0}
RANKING = ("D", "A", "F", "B", "G", "E", "C", "H")


def test_move_document():
    assert move_document("ABCD", "C", 1) == ("C", "A", "B", "D")
    assert move_document("ABCD", "A", 4) == ("B", "C", "D", "A")
    assert move_document("ABCD", "B", 2) == tuple("ABCD")
    with pytest.raises(ValueError, match="move_document: doc 'Z'"):
        move_document("ABCD", "Z", 1)
    with pytest.raises(ValueError, match="move_document: position must be at most 4"):
        move_document("ABCD", "A", 5)
    with pytest.raises(ValueError, match="move_document: position must be at least 1"):
        move_document("ABCD", "A", 0)


@pytest.mark.parametrize("gain", ["exponential", "linear"])
@pytest.mark.parametrize("k", [1, 3, 5, 8])
def test_ranking_breakdown_against_the_formulas(gain, k):
    values = ranking_breakdown(RANKING, GRADES, k, gain)
    r = [GRADES[d] for d in RANKING]
    idcg = ref_dcg(sorted(GRADES.values(), reverse=True), k, gain)
    expected = {"rr": next(1.0 / i for i, g in enumerate(r, start=1) if g > 0), "dcg": ref_dcg(r, k, gain),
                "idcg": idcg, "ndcg": ref_dcg(r, k, gain) / idcg}
    for key in ("rr", "dcg", "idcg", "ndcg"):
        assert values[key] == pytest.approx(expected[key], rel=1e-13)
    assert values["contributions"].sum() == pytest.approx(expected["dcg"], rel=1e-13)
    assert values["ideal_contributions"].sum() == pytest.approx(expected["idcg"], rel=1e-13)
    assert np.all(values["contributions"][k:] == 0)


def test_ranking_breakdown_uses_every_judged_document():
    # only D (grade 1) is ranked, but A..E are judged: NDCG is far from 1
    values = ranking_breakdown(["D"], GRADES, 5, "exponential")
    assert values["rr"] == 1.0
    assert values["ndcg"] == pytest.approx(1 / ref_dcg([3, 2, 2, 1, 1], 5, "exponential"), rel=1e-13)


def test_ranking_breakdown_bad_input():
    with pytest.raises(ValueError, match="ranking_breakdown: ranking has documents without a grade"):
        ranking_breakdown(["A", "Z"], GRADES, 3)
    with pytest.raises(ValueError, match="ranking_breakdown: gain must be one of"):
        ranking_breakdown(["A"], GRADES, 3, "log")
    with pytest.raises(ValueError, match="ranking_breakdown: ranking lists a document twice"):
        ranking_breakdown(["A", "A"], GRADES, 3)
    with pytest.raises(TypeError, match="ranking_breakdown: grades must be a dict"):
        ranking_breakdown(["A"], [3], 3)


# ------------------------------------------------------------ significance on subsets of queries
def test_significance_summary_subsets_are_nested_and_consistent():
    rng = np.random.default_rng(0)
    a, b = rng.random(50), rng.random(50)
    small = significance_summary(a, b, 10, n_resamples=500)
    large = significance_summary(a, b, 30, n_resamples=500)
    keep = np.random.default_rng(0).permutation(50)
    assert small["means"]["a"][0] == pytest.approx(np.mean(a[keep[:10]]), rel=1e-13)
    assert large["means"]["b"][0] == pytest.approx(np.mean(b[keep[:30]]), rel=1e-13)
    assert small["diff"] == pytest.approx(np.mean(a[keep[:10]] - b[keep[:10]]), abs=1e-14)
    mean, low, high = large["means"]["a"]
    assert low < mean < high
    assert len(small["null"]) == 500 and 0 < small["p_value"] <= 1
    # the draws are those of the public functions with seeds 1..4 on the subset
    sub_a, sub_b = a[keep[:10]], b[keep[:10]]
    assert np.array_equal(small["boot_a"], bootstrap_means(sub_a, 500, seed=1))
    assert np.array_equal(small["boot_b"], bootstrap_means(sub_b, 500, seed=2))
    assert small["p_value"] == paired_randomization_test(sub_a, sub_b, 500, seed=3).p_value
    assert np.array_equal(small["null"], sign_flip_means(sub_a, sub_b, 500, seed=4))
    everything = significance_summary(a, b, None, n_resamples=500)
    assert everything["n"] == 50
    with pytest.raises(ValueError, match="significance_summary: n_queries must be at most 50"):
        significance_summary(a, b, 51)
    with pytest.raises(ValueError, match="significance_summary: a has 50 values and b has 49"):
        significance_summary(a, b[:49])
    with_rng = significance_summary(a, b, 10, n_resamples=100, seed=np.random.default_rng(0))
    assert with_rng["n"] == 10 and len(with_rng["null"]) == 100


def test_significance_of_identical_systems():
    x = np.linspace(0, 1, 20)
    summary = significance_summary(x, x, n_resamples=300)
    assert summary["p_value"] == 1.0 and summary["diff"] == 0.0
    assert np.all(summary["null"] == 0.0)


# ------------------------------------ precision, recall, AP, Holm, exact sign flips
import itertools as _itertools  # noqa: E402

from ragmath.metrics import (  # noqa: E402
    average_precision,
    exact_sign_flip_means,
    holm_adjust,
    precision_recall_at_k,
)


def _ap_by_loop(grades, R):
    """trec_eval's m_map.c: add rel_so_far/(i+1) at each relevant rank, divide by num_rel."""
    found, total = 0, 0.0
    for i, g in enumerate(grades):
        if g > 0:
            found += 1
            total += found / (i + 1)
    return total / R if R else 0.0


def test_average_precision_against_the_trec_eval_loop():
    rng = np.random.default_rng(11)
    for _ in range(300):
        grades = rng.choice([0, 0, 0, 1, 2, 3, -1], size=int(rng.integers(0, 15))).tolist()
        R = sum(g > 0 for g in grades) + int(rng.integers(0, 4))
        assert math.isclose(average_precision(grades, R), _ap_by_loop(grades, R),
                            rel_tol=1e-13, abs_tol=1e-15)
        k = int(rng.integers(1, 16))
        assert math.isclose(average_precision(grades, R, k=k), _ap_by_loop(grades[:k], R),
                            rel_tol=1e-13, abs_tol=1e-15)
    assert average_precision([0, 0]) == 0.0 and average_precision([], 0) == 0.0
    assert average_precision([2]) == 1.0 and average_precision([2], 4) == 0.25


def test_precision_recall_by_hand_and_bad_input():
    p, r = precision_recall_at_k([0, 3, 0, 1], n_relevant=3)
    assert p.tolist() == [0.0, 0.5, 1 / 3, 0.5]
    assert r.tolist() == [0.0, 1 / 3, 1 / 3, 2 / 3]
    assert precision_recall_at_k([0, 0], 0)[1].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="precision_recall_at_k: n_relevant"):
        precision_recall_at_k([1, 1, 0], n_relevant=1)
    with pytest.raises(TypeError, match="average_precision: n_relevant"):
        average_precision([1], n_relevant=1.5)
    with pytest.raises(ValueError, match="average_precision: relevances"):
        average_precision([1, float("nan")])
    with pytest.raises(ValueError, match="average_precision: k"):
        average_precision([1], k=0)


def test_holm_by_its_definition():
    rng = np.random.default_rng(5)
    for _ in range(200):
        p = rng.uniform(0, 1, size=int(rng.integers(1, 9)))
        m = len(p)
        order = sorted(range(m), key=lambda i: p[i])
        expected = [0.0] * m
        running = 0.0
        for j, i in enumerate(order):  # max over i <= j of min(1, (m - i + 1) p_(i))
            running = max(running, min(1.0, (m - j) * p[i]))
            expected[i] = running
        assert np.allclose(holm_adjust(p), expected, rtol=1e-15, atol=0)
    assert holm_adjust([0.2]).tolist() == [0.2]
    for bad in [[], [0.5, 1.5], [-0.1], [float("nan")]]:
        with pytest.raises(ValueError, match="holm_adjust: p_values"):
            holm_adjust(bad)


def test_exact_sign_flip_means_lists_every_pattern():
    a, b = [1.0, 0.5, 0.25], [0.0, 1.0, 0.0]
    d = np.subtract(a, b)
    expected = sorted(np.dot(s, d) / 3 for s in _itertools.product((1, -1), repeat=3))
    got = exact_sign_flip_means(a, b)
    assert np.allclose(sorted(got), expected) and got[0] == d.mean()
    with pytest.raises(ValueError, match="exact_sign_flip_means: a"):
        exact_sign_flip_means(np.zeros(21), np.zeros(21))
    with pytest.raises(ValueError, match="exact_sign_flip_means: a"):
        exact_sign_flip_means([1.0], [1.0, 2.0])
