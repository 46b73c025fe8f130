"""Chapter 8's real bi-encoder section: the loss of cosines at a scale, its lower bound, word overlap, figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

import ragmath as rm
from ragmath.rag import (
    contrastive_loss_curve,
    in_batch_contrastive_loss,
    in_batch_loss_lower_bound,
    query_overlap,
)
from ragmath.viz.rag import plot_contrastive_scale, plot_ndcg_scatter


def unit_rows(X):
    X = np.asarray(X, dtype=float)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def loss_by_loop(Q, P, s):
    """rag-cosine-loss written out with math, one query at a time."""
    terms = []
    for i, q in enumerate(Q):
        c = [math.fsum(a * b for a, b in zip(q, p)) / math.sqrt(math.fsum(a * a for a in q))
             / math.sqrt(math.fsum(b * b for b in p)) for p in P]
        m = max(s * v for v in c)
        terms.append(m + math.log(math.fsum(math.exp(s * v - m) for v in c)) - s * c[i])
    return math.fsum(terms) / len(Q)


# ----------------------------------------------------------------- the lower bound
@pytest.mark.parametrize("B, s", [(1, 0.0), (2, 0.5), (16, 1.0), (1024, 1.0), (16, 20.0), (7, 3.3)])
def test_lower_bound_is_the_formula(B, s):
    expected = math.log1p((B - 1) * math.exp(-2 * s))
    assert math.isclose(in_batch_loss_lower_bound(B, s), expected, rel_tol=1e-13, abs_tol=1e-300)
    assert math.isclose(in_batch_loss_lower_bound(B, s), math.log(1 + (B - 1) * math.exp(-2 * s)),
                        rel_tol=1e-9, abs_tol=1e-15)


def test_lower_bound_limits_and_arrays():
    assert math.isclose(in_batch_loss_lower_bound(16, 0.0), math.log(16), rel_tol=1e-15)
    tiny = in_batch_loss_lower_bound(16, 20.0)
    assert 0 < tiny and math.isclose(tiny, 15 * math.exp(-40), rel_tol=1e-12)  # log1p keeps it
    curve = in_batch_loss_lower_bound(8, np.array([0.0, 1.0, 2.0]))
    assert curve.shape == (3,) and np.all(np.diff(curve) < 0)


def test_lower_bound_is_attained_for_two_antipodal_pairs():
    V = np.array([[0.6, 0.8], [-0.6, -0.8]])
    for s in [0.1, 1.0, 4.0]:
        assert math.isclose(contrastive_loss_curve(V, V, [s])[0], in_batch_loss_lower_bound(2, s),
                            rel_tol=1e-12)


def test_no_random_batch_of_unit_vectors_is_below_the_bound():
    rng = np.random.default_rng(0)
    for _ in range(200):
        B, d, s = int(rng.integers(2, 10)), int(rng.integers(1, 5)), float(rng.uniform(0.05, 8))
        Q, P = rng.standard_normal((2, B, d))
        assert contrastive_loss_curve(Q, P, [s])[0] >= in_batch_loss_lower_bound(B, s)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (2.0, TypeError), (True, TypeError)])
def test_lower_bound_rejects_bad_batch_size(bad, error):
    with pytest.raises(error, match="batch_size"):
        in_batch_loss_lower_bound(bad, 1.0)


@pytest.mark.parametrize("bad", [-1.0, [1.0, -0.5], float("nan"), float("inf")])
def test_lower_bound_rejects_bad_scale(bad):
    with pytest.raises(ValueError, match="scale"):
        in_batch_loss_lower_bound(4, bad)


# ------------------------------------------------------------ the loss of cosines
def test_curve_matches_a_loop_and_the_chapter_loss():
    rng = np.random.default_rng(1)
    Q, P = rng.standard_normal((6, 4)), rng.standard_normal((9, 4))  # 3 extra negatives
    scales = [0.2, 1.0, 20.0, 100.0]
    curve = contrastive_loss_curve(Q, P, scales)
    assert np.allclose(curve, [loss_by_loop(Q, P, s) for s in scales], rtol=1e-11)
    assert np.allclose(curve, [in_batch_contrastive_loss(unit_rows(Q), unit_rows(P), 1 / s)[0] for s in scales],
                       rtol=1e-11)


def test_curve_ignores_lengths_and_tends_to_log_n():
    rng = np.random.default_rng(2)
    Q, P = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    scaled = contrastive_loss_curve(Q * rng.uniform(0.1, 10, (5, 1)), P * 7.0, [3.0])
    assert math.isclose(scaled[0], contrastive_loss_curve(Q, P, [3.0])[0], rel_tol=1e-12)
    assert math.isclose(contrastive_loss_curve(Q, P, [1e-9])[0], math.log(5), rel_tol=1e-8)


def test_curve_is_finite_at_huge_scales():
    curve = contrastive_loss_curve([[1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]], [1e300])
    assert np.isfinite(curve).all() and math.isclose(curve[0], 1e300)


def test_curve_grows_linearly_with_a_mistake():
    """A query whose negative beats its positive pays about s × (c_neg − c_pos) at large s."""
    Q = np.array([[1.0, 0.0]])
    P = np.array([[0.0, 1.0], [1.0, 0.0]])  # cosines: positive 0, negative 1
    big = contrastive_loss_curve(Q, P, [50.0, 100.0])
    assert np.allclose(big, [50.0, 100.0], rtol=1e-12)


def test_curve_on_the_stored_embeddings_is_small_at_scale_20():
    """all-MiniLM-L6-v2 gives queries and their best passages high cosines: a low loss."""
    corpus = rm.data.load_corpus()
    passages, queries = rm.data.load_embeddings("passages"), rm.data.load_embeddings("queries")
    ids = corpus.passages["passage_id"].tolist()
    qrels = corpus.qrels_dict()
    rows, cols = [], []
    for i, q in enumerate(corpus.queries["query_id"]):
        best = min(p for p, g in qrels[q].items() if g == 3) if 3 in qrels[q].values() else None
        if best is not None and ids.index(best) not in cols:
            rows.append(i)
            cols.append(ids.index(best))
        if len(rows) == 16:
            break
    loss20 = contrastive_loss_curve(queries[rows], passages[cols], [20.0])[0]
    assert loss20 < 0.5 * math.log(16)


@pytest.mark.parametrize("kwargs, match", [
    (dict(Q=[[0.0, 0.0], [1.0, 0.0]], P=[[1.0, 0.0], [0.0, 1.0]], scales=[1.0]), "row 0 of Q is zero"),
    (dict(Q=[[1.0, 0.0]], P=[[1.0, 0.0], [0.0, 0.0]], scales=[1.0]), "row 1 of P is zero"),
    (dict(Q=[[1.0, 0.0], [0.0, 1.0]], P=[[1.0, 0.0]], scales=[1.0]), "P has 1 rows"),
    (dict(Q=[[1.0, 0.0]], P=[[1.0, 0.0, 0.0]], scales=[1.0]), "dimension"),
    (dict(Q=[[1.0, 0.0]], P=[[1.0, 0.0]], scales=[0.0]), "scales"),
    (dict(Q=[[1.0, 0.0]], P=[[1.0, 0.0]], scales=[1e308, 1e309]), "scales"),
    (dict(Q=[[1.0, 0.0]], P=[[1.0, 0.0]], scales=[[1.0]]), "scales must be 1-D"),
])
def test_curve_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        contrastive_loss_curve(**kwargs)


# ------------------------------------------------------------------ word overlap
def test_overlap_counts_distinct_words():
    assert query_overlap("cat cat dog", "a cat") == 0.5
    assert query_overlap("Cats, dogs!", ["dogs bark", "cats purr"]) == 1.0
    assert query_overlap("the kitten", "a young cat", ignore={"the", "a"}) == 0.0
    assert math.isclose(query_overlap("how do cats purr", "cats purr when content"), 0.5)


def test_overlap_on_the_corpus_by_hand():
    corpus = rm.data.load_corpus()
    text = dict(zip(corpus.passages["passage_id"], corpus.passages["text"]))
    query = dict(zip(corpus.queries["query_id"], corpus.queries["text"]))["q16"]  # "how is NDCG computed"
    words = set(rm.lexical.tokenize(query))
    found = words & set(rm.lexical.tokenize(text["p043"]))
    assert math.isclose(query_overlap(query, text["p043"]), len(found) / len(words))
    assert query_overlap(query, text["p045"], ignore={"is"}) == 0.0


def test_overlap_rejects_bad_input():
    with pytest.raises(TypeError, match="query"):
        query_overlap(3, "text")
    with pytest.raises(TypeError, match="passages"):
        query_overlap("text", [1, 2])
    with pytest.raises(ValueError, match="no word"):
        query_overlap("the a", "text", ignore={"the", "a"})
    with pytest.raises(ValueError, match="no word"):
        query_overlap("!!", "text")


# ---------------------------------------------------------------------- figures
def test_scale_figure_draws_means_bound_and_log_b():
    scales = np.geomspace(0.5, 50, 9)
    rng = np.random.default_rng(3)
    losses = {"a": rng.uniform(0, 2, (4, 9)), "b": rng.uniform(0, 2, 9)}
    fig = plot_contrastive_scale(scales, losses, batch_size=8, train_scale=20)
    assert isinstance(fig, Figure)
    lines = {line.get_label(): line for line in fig.axes[0].lines}
    assert np.allclose(lines["a"].get_ydata(), losses["a"].mean(axis=0))
    assert np.allclose(lines["b"].get_ydata(), losses["b"])
    assert np.allclose(lines["lower bound"].get_ydata(), in_batch_loss_lower_bound(8, scales))
    assert np.allclose(lines["log B"].get_ydata(), math.log(8))
    assert fig.axes[0].get_xscale() == "log"


@pytest.mark.parametrize("losses, error", [({}, TypeError), ([1, 2], TypeError),
                                           ({"a": [[1.0, 2.0, 3.0]]}, ValueError)])
def test_scale_figure_rejects_bad_losses(losses, error):
    with pytest.raises(error, match="losses"):
        plot_contrastive_scale([1.0, 2.0], losses, batch_size=4)


def test_ndcg_scatter_places_every_query_and_counts():
    x, y, o = [0.5, 1.0, 0.2, 0.3], [0.7, 1.0, 0.1, 0.9], [0.2, 0.9, 1.0, 0.0]
    fig = plot_ndcg_scatter(x, y, o, names=("BM25", "dense"))
    ax = fig.axes[0]
    assert np.allclose(ax.collections[0].get_offsets(), np.column_stack([x, y]))
    assert np.allclose(ax.collections[0].get_array(), o)
    assert ax.get_title() == "dense higher on 2, equal on 1, lower on 1 queries"
    assert ax.get_xlabel() == "NDCG@10, BM25"


@pytest.mark.parametrize("args, match", [(([0.5], [0.5, 0.2], [0.1]), "same shape"),
                                         (([1.5], [0.5], [0.1]), "ndcg_x"),
                                         (([0.5], [0.5], [-0.1]), "overlap")])
def test_ndcg_scatter_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        plot_ndcg_scatter(*args)
