"""Chapter 1's real-embedding tools: anisotropy, centring, explained variance, contrast.

Each function is checked against an independent computation (brute force over
pairs, the covariance's eigenvalues, the distances themselves) or a worked
example with a known answer, on random data and on the stored all-MiniLM-L6-v2
passage embeddings; plus the error behaviour of the API's conventions.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from matplotlib.figure import Figure

from ragmath.data import load_embeddings
from ragmath.similarity import (
    center_embeddings,
    cosine_similarity,
    euclidean_distance,
    explained_variance_ratio,
    mean_pairwise_cosine,
    n_components,
    pairwise_cosines,
    random_unit_vectors,
    relative_contrasts,
)
from ragmath.viz.similarity import plot_cosine_histograms, plot_explained_variance


@pytest.fixture(scope="module")
def passages() -> np.ndarray:
    return load_embeddings("passages")


# ------------------------------------------------------------------ pairwise cosines
def test_pairwise_cosines_match_the_cosine_matrix():
    X = np.random.default_rng(0).standard_normal((7, 5)) * np.arange(1, 8)[:, None]
    full = cosine_similarity(X, X)
    i, j = np.triu_indices(7, 1)
    assert np.allclose(pairwise_cosines(X), full[i, j], rtol=0, atol=1e-15)
    assert pairwise_cosines(X).dtype == np.float64 and pairwise_cosines(X).shape == (21,)


def test_pairwise_cosines_order_is_row_major():
    X = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    c = pairwise_cosines(X)
    assert c[0] == 0.0  # pair (0, 1)
    assert math.isclose(c[1], 1 / math.sqrt(2)) and math.isclose(c[2], 1 / math.sqrt(2))


@pytest.mark.parametrize("bad, error", [
    ([[1.0, 0.0]], ValueError),            # one row: no pairs
    ([[1.0, 0.0], [0.0, 0.0]], ValueError),  # a zero row
    ([1.0, 0.0], ValueError),              # 1-D
    ([[1.0, np.nan], [0.0, 1.0]], ValueError),
    ("vectors", TypeError),
])
def test_pairwise_cosines_rejects_bad_input(bad, error):
    with pytest.raises(error, match="pairwise_cosines: X"):
        pairwise_cosines(bad)


# -------------------------------------------------------------- mean pairwise cosine
def test_mean_pairwise_cosine_exact_small_case():
    # e1, e2, -e1: cosines 0, -1, 0; mu = (0, 1/3), (3/9 - 1)/2 = -1/3, in exact arithmetic too
    mu2 = Fraction(1, 9)
    assert (3 * mu2 - 1) / 2 == Fraction(-1, 3)
    assert math.isclose(mean_pairwise_cosine([[1, 0], [0, 1], [-1, 0]]), -1 / 3, rel_tol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mean_pairwise_cosine_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 12)) + rng.standard_normal(12)  # a common shift: mean cosine > 0
    scaled = X * rng.uniform(0.1, 10, (40, 1))  # lengths do not matter: rows are normalised
    brute = pairwise_cosines(X).mean()
    assert math.isclose(mean_pairwise_cosine(X), brute, rel_tol=1e-12)
    assert math.isclose(mean_pairwise_cosine(scaled), brute, rel_tol=1e-12)


def test_mean_pairwise_cosine_on_the_stored_passages(passages):
    brute = pairwise_cosines(passages).mean()
    value = mean_pairwise_cosine(passages)
    assert math.isclose(value, brute, rel_tol=1e-10)
    assert 0.05 < value < 0.15  # anisotropic: far from 0, the isotropic mean


def test_mean_pairwise_cosine_lower_bound_is_the_simplex():
    for n in (2, 5, 40):
        simplex = np.eye(n) - 1 / n
        assert math.isclose(mean_pairwise_cosine(simplex), -1 / (n - 1), rel_tol=1e-9)
    X = np.random.default_rng(3).standard_normal((30, 4))
    assert mean_pairwise_cosine(X) > -1 / 29


def test_mean_pairwise_cosine_rejects_bad_input():
    with pytest.raises(ValueError, match="mean_pairwise_cosine: X needs at least 2 rows"):
        mean_pairwise_cosine([[1.0, 2.0]])
    with pytest.raises(ValueError, match="mean_pairwise_cosine: X has a zero-norm row"):
        mean_pairwise_cosine([[1.0, 2.0], [0.0, 0.0]])
    with pytest.raises(TypeError, match="mean_pairwise_cosine: X"):
        mean_pairwise_cosine(None)


# ------------------------------------------------------------ isotropic unit vectors
def test_random_unit_vectors_are_unit_and_reproducible():
    U = random_unit_vectors(100, 384, seed=5)
    assert U.shape == (100, 384) and U.dtype == np.float64
    assert np.allclose(np.linalg.norm(U, axis=1), 1, atol=1e-14)
    assert np.array_equal(U, random_unit_vectors(100, 384, seed=5))
    assert not np.array_equal(U, random_unit_vectors(100, 384, seed=6))
    rng = np.random.default_rng(5)
    assert np.array_equal(random_unit_vectors(100, 384, seed=rng), U)  # a Generator: the same stream


def test_random_unit_vectors_have_the_isotropic_moments():
    """sim-isotropic-cosine: mean 0 and variance 1/d; E[x x^T] = I/d."""
    d = 64
    U = random_unit_vectors(2000, d, seed=0)
    c = pairwise_cosines(U[:400])
    m = c.size
    assert abs(c.mean()) < 4 / math.sqrt(d * m)  # the cosines are uncorrelated: exact standard error
    assert abs(d * np.mean(c**2) - 1) < 0.05
    second_moment = U.T @ U / len(U)
    assert np.allclose(second_moment, np.eye(d) / d, atol=5 * math.sqrt(2 / len(U)) / d)


@pytest.mark.parametrize("args, error", [
    ((0, 3), ValueError), ((3, 0), ValueError), ((2.5, 3), TypeError), ((3, 3, -1), ValueError),
    ((3, 3, "0"), TypeError),
])
def test_random_unit_vectors_rejects_bad_arguments(args, error):
    with pytest.raises(error, match="random_unit_vectors"):
        random_unit_vectors(*args)


# ------------------------------------------------------------------------- centring
def test_center_embeddings_matches_the_formula():
    X = np.random.default_rng(1).standard_normal((20, 6))
    mu = X.mean(axis=0)
    expected = (X - mu) / np.linalg.norm(X - mu, axis=1, keepdims=True)
    assert np.allclose(center_embeddings(X), expected, rtol=0, atol=1e-15)
    q = np.random.default_rng(2).standard_normal(6)
    assert np.allclose(center_embeddings(q, mean=mu), (q - mu) / np.linalg.norm(q - mu), atol=1e-15)


def test_center_embeddings_keeps_float32_and_unit_rows(passages):
    C = center_embeddings(passages)
    assert C.dtype == np.float32 and C.shape == passages.shape
    assert np.allclose(np.linalg.norm(C.astype(np.float64), axis=1), 1, atol=1e-6)
    # centred vectors sum to 0 before rescaling, so the mean cosine lands near -1/(n - 1)
    assert abs(mean_pairwise_cosine(C) + 1 / (len(C) - 1)) < 0.001


def test_centred_cosines_follow_the_expansion(passages):
    """sim-centred-score: the centred cosine from q·p, μ·p, q·μ and ‖μ‖²."""
    P = passages.astype(np.float64)
    mu = P.mean(axis=0)
    q = P[0] * 0.6 + P[1] * 0.8
    q /= np.linalg.norm(q)
    centred = center_embeddings(P, mean=mu) @ center_embeddings(q, mean=mu)
    mp = P @ mu
    expected = (P @ q - mp - q @ mu + mu @ mu) / (np.linalg.norm(q - mu) * np.sqrt(1 - 2 * mp + mu @ mu))
    assert np.allclose(centred, expected, atol=1e-6)


def test_center_embeddings_rejects_bad_input():
    with pytest.raises(ValueError, match="center_embeddings: row 1 of X equals the mean"):
        center_embeddings([[1.0, 2.0], [0.0, 0.0]], mean=[0.0, 0.0])
    with pytest.raises(ValueError, match="center_embeddings: a single vector"):
        center_embeddings([1.0, 2.0])
    with pytest.raises(ValueError, match="center_embeddings: mean must be 1-D"):
        center_embeddings([[1.0, 2.0], [0.0, 1.0]], mean=[[0.0, 0.0]])
    with pytest.raises(ValueError, match="center_embeddings"):
        center_embeddings([[1.0, 2.0], [0.0, 1.0]], mean=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="center_embeddings: row 0 of X equals the mean"):
        center_embeddings([[1.0, 2.0], [1.0, 2.0]])


# --------------------------------------------------------------- explained variance
def test_explained_variance_ratio_equals_the_covariance_eigenvalues():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((50, 8)) @ rng.standard_normal((8, 8))
    centred = X - X.mean(axis=0)
    eig = np.sort(np.linalg.eigvalsh(centred.T @ centred / 50))[::-1]
    ratios = explained_variance_ratio(X)
    assert np.allclose(ratios, eig / eig.sum(), atol=1e-12)
    assert math.isclose(ratios.sum(), 1.0, rel_tol=1e-12) and (np.diff(ratios) <= 1e-15).all()


def test_explained_variance_ratio_worked_example_and_short_samples():
    X = [[-2.0, -1.0], [2.0, 1.0], [-2.0, 1.0], [2.0, -1.0]]  # variances 4 and 1
    assert np.allclose(explained_variance_ratio(X), [0.8, 0.2], atol=1e-15)
    few = np.random.default_rng(0).standard_normal((5, 20))  # 5 points span 4 dimensions
    ratios = explained_variance_ratio(few)
    assert ratios.shape == (20,) and (ratios[4:] < 1e-15).all() and (ratios[:4] > 1e-3).all()


def test_explained_variance_trace_identity(passages):
    """Σ λ = 1 − ‖μ‖² for unit rows: the total variance is another face of the mean vector."""
    P = passages.astype(np.float64)
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    mu = P.mean(axis=0)
    centred = P - mu
    total = np.trace(centred.T @ centred) / len(P)
    assert math.isclose(total, 1 - mu @ mu, rel_tol=1e-12)
    assert n_components(explained_variance_ratio(P), 0.9) < n_components(
        explained_variance_ratio(random_unit_vectors(len(P), P.shape[1], seed=0)), 0.9)


def test_explained_variance_ratio_rejects_bad_input():
    with pytest.raises(ValueError, match="explained_variance_ratio: all rows of X are equal"):
        explained_variance_ratio([[1.0, 2.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="explained_variance_ratio: X needs at least 2 rows"):
        explained_variance_ratio([[1.0, 2.0]])


def test_n_components_is_the_smallest_k():
    ratios = explained_variance_ratio(np.random.default_rng(7).standard_normal((60, 10)))
    cumulative = np.cumsum(ratios)
    for f in (0.1, 0.5, 0.9, 0.99):
        k = n_components(ratios, f)
        assert cumulative[k - 1] >= f and (k == 1 or cumulative[k - 2] < f)
    assert n_components(ratios, 1.0) <= ratios.size
    assert n_components([0.25, 0.25, 0.25, 0.25], 0.5) == 2  # exactly reached counts


@pytest.mark.parametrize("ratios, fraction, error, match", [
    ([0.5, 0.5], 0.0, ValueError, "fraction"),
    ([0.5, 0.5], 1.5, ValueError, "fraction"),
    ([0.3, 0.7], 0.5, ValueError, "non-increasing"),
    ([0.5, 0.4], 0.5, ValueError, "sum to 1"),
    ([1.2, -0.2], 0.5, ValueError, "non-negative"),
    ([0.5, 0.5], "0.5", TypeError, "fraction"),
])
def test_n_components_rejects_bad_input(ratios, fraction, error, match):
    with pytest.raises(error, match=f"n_components: .*{match}"):
        n_components(ratios, fraction)


# ------------------------------------------------------------------ relative contrast
def test_relative_contrasts_match_the_distances():
    rng = np.random.default_rng(8)
    Qs, C = rng.standard_normal((5, 9)), rng.standard_normal((30, 9))
    D = euclidean_distance(Qs, C)
    assert np.allclose(relative_contrasts(Qs, C), (D.max(axis=1) - D.min(axis=1)) / D.min(axis=1),
                       rtol=1e-14)
    assert isinstance(relative_contrasts(Qs[0], C), float)


def test_relative_contrasts_worked_example_and_infinity():
    out = relative_contrasts([[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [3.0, 0.0]])
    assert out[0] == 2.0 and out[1] == np.inf  # a query on a corpus row: D_min = 0


def test_relative_contrasts_shrink_with_dimension_for_isotropic_vectors():
    means = []
    for dim in (8, 64, 512):
        V = random_unit_vectors(250, dim, seed=0)
        means.append(relative_contrasts(V[:50], V[50:]).mean())
    assert means[0] > means[1] > means[2]


def test_relative_contrasts_rejects_bad_input():
    with pytest.raises(ValueError, match="relative_contrasts: every corpus row equals query 0"):
        relative_contrasts([[1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="relative_contrasts: corpus needs at least 2 rows"):
        relative_contrasts([1.0, 1.0], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="relative_contrasts"):
        relative_contrasts([1.0, 1.0, 1.0], [[1.0, 1.0], [0.0, 1.0]])


# -------------------------------------------------------------------------- figures
def test_plot_cosine_histograms_draws_each_set_and_its_mean(passages):
    iso = random_unit_vectors(60, 384, seed=0)
    fig = plot_cosine_histograms({"real": passages[:60], "isotropic": iso})
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    means = {line.get_label(): line.get_xdata()[0] for line in ax.lines if line.get_label().startswith("mean")}
    assert math.isclose(means["mean of real"], pairwise_cosines(passages[:60]).mean(), rel_tol=1e-12)
    assert math.isclose(means["mean of isotropic"], pairwise_cosines(iso).mean(), rel_tol=1e-12)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(labels) == 2 and labels[0].startswith("real: mean")
    assert len(ax.patches) == 2  # one step histogram per set


def test_plot_explained_variance_marks_the_count():
    X = random_unit_vectors(40, 20, seed=1)
    fig = plot_explained_variance({"iso": X}, fraction=0.8)
    ax_cum = fig.axes[1]
    curve, mark = ax_cum.lines[0], ax_cum.lines[1]
    assert np.allclose(curve.get_ydata(), np.cumsum(explained_variance_ratio(X)))
    k = n_components(explained_variance_ratio(X), 0.8)
    assert mark.get_xdata()[0] == k and f"{k} axes" in mark.get_label()


@pytest.mark.parametrize("func", [plot_cosine_histograms, plot_explained_variance])
def test_plots_reject_bad_input(func):
    with pytest.raises(TypeError, match=func.__name__):
        func([np.eye(3)])
    with pytest.raises(TypeError, match=func.__name__):
        func({})
    with pytest.raises(ValueError, match=func.__name__):
        func({str(i): np.eye(3) for i in range(6)})


def test_pairwise_cosines_memory_is_quadratic_in_n_not_in_n_squared_times_d():
    """Regression: the rows of every pair were gathered first, two (n(n − 1)/2, d) arrays (490 MB here)."""
    import tracemalloc

    X = np.random.default_rng(0).standard_normal((400, 384))
    tracemalloc.start()
    try:
        c = pairwise_cosines(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert c.shape == (400 * 399 // 2,)
    assert peak < 8 * (X.size + 6 * 400 * 400)  # a few (n, n) float64 arrays and one copy of X, in bytes
