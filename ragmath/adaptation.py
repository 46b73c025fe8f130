"""Chapter 9, "Adapting RAG to a domain": training the retriever from the generator.

One function per equation of the chapter; each summary line cites its label
(prefix ``ada-``). Natural logarithms throughout. The softmax, log-softmax and
top-k selection are the package's (:mod:`ragmath._core`), the KL divergence is
chapter 3's (:func:`ragmath.information.kl_divergence`).

- :func:`lsr_distribution` (``ada-lsr``) and :func:`lsr_distribution_from_log`
  (``ada-lsr-log``): the LM-supervised retrieval target of REPLUG;
- :func:`retriever_kl_loss` (``ada-kl-loss``) and its gradient in the
  retriever's scores, :func:`retriever_kl_grad` (``ada-kl-grad``);
- :func:`mixture_likelihood` (``ada-mixture``) and :func:`lm_loss`
  (``ada-lm-loss``): the two losses of dual training (RA-DIT, Atlas);
- :func:`gaussian_on_grid`, :func:`bimodal_target`, :func:`kl_curves` and
  :func:`fit_gaussian_kl`: the direction of the KL (``ada-kl-directions``);
- :func:`stale_index_simulation` and :func:`refresh_tradeoff`: asynchronous
  re-indexing (``ada-stale``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._core import NonFinite, log_softmax, select_top, softmax
from ._validation import (
    as_float_array,
    check_choice,
    check_interval,
    check_positive_float,
    check_positive_int,
    check_probability_vectors,
    check_random_state,
    first_bad_index,
)
from .information import kl_divergence

__all__ = [
    "GRID",
    "MEANS",
    "REFRESH_INTERVALS",
    "lsr_distribution",
    "lsr_distribution_from_log",
    "retriever_kl_loss",
    "retriever_kl_grad",
    "mixture_likelihood",
    "lm_loss",
    "gaussian_on_grid",
    "bimodal_target",
    "kl_curves",
    "fit_gaussian_kl",
    "stale_index_simulation",
    "refresh_tradeoff",
]

#: The grid on which the chapter's densities of ``ada-kl-directions`` live: 801 points on [−10, 10].
GRID = np.linspace(-10.0, 10.0, 801)
GRID.setflags(write=False)
#: The means of q swept by :func:`kl_curves`: −4 to 4 in steps of 0.1.
MEANS = np.round(np.linspace(-4.0, 4.0, 81), 10)
MEANS.setflags(write=False)
#: The refresh intervals T of :func:`refresh_tradeoff`, in training steps.
REFRESH_INTERVALS = (1, 2, 5, 10, 20, 50, 100, 200)


def _at(mask: np.ndarray) -> str:
    """Where the first True entry of ``mask`` is, as the package's messages say it."""
    index = first_bad_index(mask)
    if len(index) == 1:
        return f" (at index {index[0]})"
    return f" (at row {index[0]}, column {index[1]})"


def _likelihoods(x, name: str, func: str) -> np.ndarray:
    arr = as_float_array(x, name, func, ndim=(1, 2))
    if (arr < 0).any():
        raise ValueError(f"{func}: {name} has a negative likelihood{_at(arr < 0)}; "
                         "likelihoods are probabilities in [0, 1]")
    if (arr > 1).any():
        raise ValueError(f"{func}: {name} has a likelihood above 1{_at(arr > 1)}; "
                         "likelihoods are probabilities in [0, 1] (pass log-likelihoods to "
                         "lsr_distribution_from_log)")
    return arr


def lsr_distribution(lm_likelihoods, tau):
    """The LM-supervised retrieval distribution of REPLUG (equation ``ada-lsr``).

    p_LSR(c | x, y) = exp(p_LM(y | c∘x) / τ) / Σ_c' exp(p_LM(y | c'∘x) / τ),
    a softmax over the candidates of their *likelihoods* divided by the
    temperature τ. Since the likelihoods lie in [0, 1], the ratio of two
    probabilities is at most e^{1/τ} (``ada-lsr-ratio``): for τ ≥ 1 no
    candidate gets more than e ≈ 2.7 times the probability of another.

    Parameters
    ----------
    lm_likelihoods : array-like, shape (n,) or (B, n)
        p_LM(y | c∘x) of every candidate (probabilities in [0, 1]), one row per query.
    tau : float
        The temperature, > 0.

    Returns
    -------
    numpy.ndarray
        The same shape; every row sums to 1.

    Raises
    ------
    TypeError
        If ``tau`` is not a real number.
    ValueError
        If a likelihood is outside [0, 1], nan or inf, the array is not 1-D or
        2-D, or ``tau`` is not positive.

    Examples
    --------
    >>> print(np.round(lsr_distribution([0.9, 0.5, 0.1], tau=0.5), 4))
    [0.6056 0.2721 0.1223]
    """
    func = "lsr_distribution"
    lik = _likelihoods(lm_likelihoods, "lm_likelihoods", func)
    tau = check_positive_float(tau, "tau", func)
    return softmax(lik / tau)


def lsr_distribution_from_log(log_likelihoods, tau):
    """The log-likelihood variant of the LSR target (equation ``ada-lsr-log``).

    q_τ(c | x, y) = exp(log p_LM(y | c∘x) / τ) / Σ_c' exp(log p_LM(y | c'∘x) / τ)
    = p_LM(y | c∘x)^{1/τ} / Σ_c' p_LM(y | c'∘x)^{1/τ}; for τ = 1 it is the
    posterior of the candidate given the answer under a uniform prior.
    Computed stably (the row maximum is subtracted first), so likelihoods far
    below the smallest float are fine.

    Parameters
    ----------
    log_likelihoods : array-like, shape (n,) or (B, n)
        Natural logs of the likelihoods (≤ 0, finite).
    tau : float
        The temperature, > 0.

    Returns
    -------
    numpy.ndarray
        The same shape; every row sums to 1.

    Raises
    ------
    TypeError
        If ``tau`` is not a real number.
    ValueError
        If a log-likelihood is positive, nan or inf, or ``tau`` is not positive.

    Examples
    --------
    >>> print(lsr_distribution_from_log(np.log([0.2, 0.1, 0.1]), tau=1.0))
    [0.5  0.25 0.25]
    """
    func = "lsr_distribution_from_log"
    log_lik = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=(1, 2))
    if (log_lik > 0).any():
        raise ValueError(f"{func}: log_likelihoods has a positive value{_at(log_lik > 0)}; "
                         "the log of a probability is at most 0")
    tau = check_positive_float(tau, "tau", func)
    return softmax(log_lik / tau)


def _two_distributions(p_r, p_lsr, func: str) -> tuple[np.ndarray, np.ndarray]:
    p = check_probability_vectors(p_r, "p_r", func)
    q = check_probability_vectors(p_lsr, "p_lsr", func)
    if p.ndim > 2 or q.ndim > 2:
        raise ValueError(f"{func}: p_r and p_lsr must be 1-D (n,) or 2-D (B, n), "
                         f"got shapes {p.shape} and {q.shape}")
    if p.shape != q.shape:
        raise ValueError(f"{func}: p_r has shape {p.shape} but p_lsr has shape {q.shape}; they must match")
    return p, q


def retriever_kl_loss(p_r, p_lsr) -> float:
    """The retriever's loss KL(p_R ‖ p_LSR) (equation ``ada-kl-loss``).

    KL(p_R ‖ p_LSR) = Σ_c p_R(c | x) log(p_R(c | x) / p_LSR(c | x, y)), in nats,
    computed by :func:`ragmath.information.kl_divergence` (``info-kl``): 0·log 0
    = 0, and +inf where p_R(c) > 0 = p_LSR(c).

    Parameters
    ----------
    p_r : array-like, shape (n,) or (B, n)
        The retriever's distribution over the candidates (probability rows).
    p_lsr : array-like, same shape
        The target distribution.

    Returns
    -------
    float
        The KL in nats; for (B, n) batches, the mean over the B rows.

    Raises
    ------
    ValueError
        If either argument is not a probability vector (rows), they differ in
        shape, or they have more than 2 dimensions.

    Examples
    --------
    >>> print(f"{retriever_kl_loss([0.7, 0.2, 0.1], [0.5, 0.3, 0.2]):.4f}")
    0.0851
    """
    p, q = _two_distributions(p_r, p_lsr, "retriever_kl_loss")
    return float(np.mean(kl_divergence(p.astype(np.float64), q.astype(np.float64))))


def retriever_kl_grad(scores, p_lsr) -> np.ndarray:
    """Gradient of KL(softmax(s) ‖ p_LSR) in the retriever's scores s (equation ``ada-kl-grad``).

    With p_R = softmax(s), ∂/∂s_c KL(p_R ‖ q) = p_R(c) · (log(p_R(c) / q(c)) −
    KL(p_R ‖ q)). The components of each row sum to 0 (adding a constant to
    all scores does not change p_R).

    Parameters
    ----------
    scores : array-like, shape (n,) or (B, n)
        The retriever's scores s of the candidates, finite.
    p_lsr : array-like, same shape
        The target distribution, with no zero (the KL would be +inf).

    Returns
    -------
    numpy.ndarray
        The gradient, of the shape and float dtype of ``scores``; for a batch
        the loss is the mean over rows (as in :func:`retriever_kl_loss`), so
        every row is divided by B.

    Raises
    ------
    ValueError
        If the shapes differ, ``scores`` holds nan/inf, ``p_lsr`` is not a
        probability vector (rows) or holds a zero.

    Examples
    --------
    >>> g = retriever_kl_grad([1.0, 0.0, -1.0], [0.5, 0.3, 0.2])
    >>> print(np.round(g, 4), f"{g.sum():.1e}")
    [ 0.1445 -0.0665 -0.078 ] 0.0e+00
    """
    func = "retriever_kl_grad"
    s = as_float_array(scores, "scores", func, ndim=(1, 2))
    q = check_probability_vectors(p_lsr, "p_lsr", func)
    if q.shape != s.shape:
        raise ValueError(f"{func}: scores has shape {s.shape} but p_lsr has shape {q.shape}; they must match")
    if (q == 0).any():
        raise ValueError(f"{func}: p_lsr has a zero probability{_at(q == 0)}; "
                         "the KL is +inf there and has no gradient")
    log_p = log_softmax(s.astype(np.float64))
    p = np.exp(log_p)
    log_ratio = log_p - np.log(q.astype(np.float64))
    kl = (p * log_ratio).sum(axis=-1, keepdims=True)
    grad = p * (log_ratio - kl)
    if s.ndim == 2:
        grad = grad / s.shape[0]
    return grad.astype(s.dtype, copy=False)


def mixture_likelihood(lm_likelihoods, p_r):
    """The answer's likelihood marginalised over retrieved contexts (equation ``ada-mixture``).

    p_LM(y | x, C') = Σ_{c ∈ C'} p_LM(y | c∘x) p_R(c | x).

    Parameters
    ----------
    lm_likelihoods : array-like, shape (n,) or (B, n)
        p_LM(y | c∘x), probabilities in [0, 1].
    p_r : array-like, same shape
        The retriever's distribution (probability rows).

    Returns
    -------
    float or numpy.ndarray
        A float for (n,) inputs, a (B,) array for (B, n) inputs.

    Raises
    ------
    ValueError
        If a likelihood is outside [0, 1], ``p_r`` is not a probability
        vector (rows), or the shapes differ.

    Examples
    --------
    >>> print(f"{mixture_likelihood([0.9, 0.5, 0.1], [0.5, 0.3, 0.2]):.2f}")
    0.62
    """
    func = "mixture_likelihood"
    lik = _likelihoods(lm_likelihoods, "lm_likelihoods", func)
    p = check_probability_vectors(p_r, "p_r", func)
    if p.shape != lik.shape:
        raise ValueError(f"{func}: lm_likelihoods has shape {lik.shape} but p_r has shape {p.shape}; "
                         "they must match")
    out = (lik * p).sum(axis=-1)
    return float(out) if out.ndim == 0 else out


def lm_loss(log_likelihoods) -> float:
    """The generator's loss of dual training (equation ``ada-lm-loss``).

    L = − Σ_i Σ_j log p_LM(y_i | c_ij ∘ x_i). A log-likelihood of −inf (an
    impossible answer) gives +inf.

    Parameters
    ----------
    log_likelihoods : array-like, shape (n_examples, n_contexts) or (n_contexts,)
        Natural-log likelihoods, each ≤ 0 (a 1-D array is one example).

    Returns
    -------
    float
        The loss, ≥ 0.

    Raises
    ------
    ValueError
        If a value is positive, nan or +inf, or the array is empty or not 1-D/2-D.

    Examples
    --------
    >>> print(f"{lm_loss(np.log([[0.5, 0.25], [1.0, 0.5]])):.4f}")  # 4 log 2
    2.7726
    """
    func = "lm_loss"
    arr = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=(1, 2), finite=False)
    if np.isnan(arr).any():
        raise ValueError(f"{func}: log_likelihoods contains nan{_at(np.isnan(arr))}")
    if (arr > 0).any():
        raise ValueError(f"{func}: log_likelihoods has a positive value{_at(arr > 0)}; "
                         "the log of a probability is at most 0")
    if np.isneginf(arr).any():
        return float("inf")
    return float(-np.sum(arr, dtype=np.float64))


# ------------------------------------------------------------------ the direction of the KL
def _gaussian(x: np.ndarray, mean, std) -> np.ndarray:
    """exp(−(x − mean)² / (2 std²)), unnormalised, broadcasting."""
    return np.exp(-0.5 * ((x - mean) / std) ** 2)


def gaussian_on_grid(grid, mean, std) -> np.ndarray:
    """A Gaussian density N(mean, std²) evaluated on ``grid`` and normalised to sum to 1.

    The discrete stand-in for a density in equation ``ada-kl-directions``.

    Parameters
    ----------
    grid : array-like, shape (m,)
        Increasing points.
    mean : float
        The centre.
    std : float
        The width, > 0.

    Returns
    -------
    numpy.ndarray, shape (m,)
        Non-negative weights summing to 1.

    Raises
    ------
    ValueError
        If ``std`` is not positive, or the Gaussian has no mass on the grid
        (it underflows to 0 at every point).

    Examples
    --------
    >>> print(np.round(gaussian_on_grid(np.linspace(-1, 1, 5), 0.0, 1.0), 4))
    [0.1525 0.2218 0.2514 0.2218 0.1525]
    """
    func = "gaussian_on_grid"
    x = as_float_array(grid, "grid", func, ndim=1)
    mean = float(as_float_array(mean, "mean", func, ndim=0))
    std = check_positive_float(std, "std", func)
    w = _gaussian(x, mean, std)
    total = w.sum()
    if total == 0:
        raise ValueError(f"{func}: the Gaussian N({mean}, {std}²) has no mass on the grid")
    return w / total


def bimodal_target(separation: float = 4.0, std: float = 0.7) -> np.ndarray:
    """The chapter's two-peaked target p: an equal mixture of two Gaussians on :data:`GRID`.

    0.5·N(−separation/2, std²) + 0.5·N(separation/2, std²), each normalised on
    the grid by :func:`gaussian_on_grid`: the density that the two directions
    of ``ada-kl-directions`` fit differently.

    Parameters
    ----------
    separation : float
        The distance between the peaks (finite).
    std : float
        The width of each peak, > 0.

    Returns
    -------
    numpy.ndarray, shape (801,)
        A probability vector on :data:`GRID`.

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If ``separation`` is not finite or ``std`` is not positive.

    Examples
    --------
    >>> p = bimodal_target()
    >>> print(f"{p.sum():.6f} {GRID[np.argmax(p)]:.1f} {abs(p @ GRID) < 1e-12}")  # symmetric: mean 0
    1.000000 -2.0 True
    """
    func = "bimodal_target"
    separation = check_interval(separation, "separation", func)
    std = check_positive_float(std, "std", func)
    half = separation / 2
    return 0.5 * gaussian_on_grid(GRID, -half, std) + 0.5 * gaussian_on_grid(GRID, half, std)


@lru_cache(maxsize=64)
def _kl_curves(std: float) -> tuple[np.ndarray, np.ndarray]:
    p = bimodal_target()
    Q = _gaussian(GRID[None, :], MEANS[:, None], std)
    total = Q.sum(axis=1, keepdims=True)
    if (total == 0).any():
        m = MEANS[int(np.flatnonzero(total[:, 0] == 0)[0])]
        raise ValueError(f"kl_curves: the Gaussian N({m}, {std}²) has no mass on the grid")
    Q = Q / total
    rev, fwd = kl_divergence(Q, p), kl_divergence(p, Q)
    rev.setflags(write=False)  # cached: no caller may change them
    fwd.setflags(write=False)
    return rev, fwd


def kl_curves(std: float) -> tuple[np.ndarray, np.ndarray]:
    """Both KL directions between q = N(m, std²) and the two-peaked p, for every mean m of :data:`MEANS`.

    KL(q ‖ p) (mode-seeking, the direction of ``ada-kl-loss`` with q in the
    role of p_R) and KL(p ‖ q) (mass-covering), ``ada-kl-directions``, with p
    = :func:`bimodal_target` and q = :func:`gaussian_on_grid`; what the
    chapter's widget draws as the mean of q moves. Cached per ``std``
    (rounded to 10 decimals); the arrays are read-only.

    Parameters
    ----------
    std : float
        The width of q, > 0.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        KL(q ‖ p) and KL(p ‖ q), each of shape (81,), in nats.

    Raises
    ------
    TypeError
        If ``std`` is not a real number.
    ValueError
        If ``std`` is not positive, or some q has no mass on the grid.

    Examples
    --------
    >>> rev, fwd = kl_curves(0.7)
    >>> i = int(np.flatnonzero(MEANS == 2.0)[0])
    >>> print(f"{rev[i]:.4f} {fwd[i]:.2f}")  # q on one peak: KL(q || p) ≈ log 2; KL(p || q) is large
    0.6871 7.48
    """
    return _kl_curves(round(check_positive_float(std, "std", "kl_curves"), 10))


def fit_gaussian_kl(target, grid, direction: str, means, stds):
    """The Gaussian closest to ``target`` in one direction of the KL (equation ``ada-kl-directions``).

    Searches a grid of means × stds. Direction "reverse" minimises
    KL(q ‖ target) (mode-seeking, the direction of ``ada-kl-loss`` with q in
    the role of p_R); "forward" minimises KL(target ‖ q) (mass-covering). The
    KL is :func:`ragmath.information.kl_divergence`. Ties go to the first pair
    in the order means × stds.

    Parameters
    ----------
    target : array-like, shape (m,)
        A probability vector on ``grid``.
    grid : array-like, shape (m,)
        The points.
    direction : {"reverse", "forward"}
        Which KL to minimise.
    means, stds : array-like, 1-D
        The candidate means and (positive) standard deviations.

    Returns
    -------
    (float, float, float)
        The best (mean, std) and its KL in nats.

    Raises
    ------
    ValueError
        If ``target`` is not a probability vector, the shapes differ,
        ``direction`` is unknown, a std is not positive, or a candidate
        Gaussian has no mass on the grid (it is not a distribution there).

    Examples
    --------
    >>> x = np.linspace(-5, 5, 201)
    >>> p = 0.5 * gaussian_on_grid(x, -2, 0.7) + 0.5 * gaussian_on_grid(x, 2, 0.7)
    >>> mean, std, kl = fit_gaussian_kl(p, x, "reverse", np.linspace(-3, 3, 13), [0.5, 0.7, 1.0])
    >>> print(f"{mean:.1f} {std:.1f} {kl:.4f}")  # one peak: KL a little below log 2 = 0.6931
    -2.0 0.7 0.6871
    >>> mean, std, kl = fit_gaussian_kl(p, x, "forward", np.linspace(-3, 3, 13), [0.5, 1.0, 2.0, 3.0])
    >>> print(f"{mean:.1f} {std:.1f} {kl:.4f}")  # between the peaks, wide
    0.0 2.0 0.4120
    """
    func = "fit_gaussian_kl"
    p = check_probability_vectors(target, "target", func)
    x = as_float_array(grid, "grid", func, ndim=1)
    if p.shape != x.shape:
        raise ValueError(f"{func}: target has shape {p.shape} but grid has shape {x.shape}; they must match")
    direction = check_choice(direction, "direction", func, ("reverse", "forward"))
    mu = as_float_array(means, "means", func, ndim=1)
    sd = as_float_array(stds, "stds", func, ndim=1)
    if (sd <= 0).any():
        raise ValueError(f"{func}: stds must be positive{_at(sd <= 0)}")
    Q = _gaussian(x[None, None, :], mu[:, None, None], sd[None, :, None])
    total = Q.sum(axis=-1, keepdims=True)
    if (total == 0).any():
        i, j = np.argwhere(total[..., 0] == 0)[0]
        raise ValueError(f"{func}: the Gaussian N({mu[i]}, {sd[j]}²) of means[{i}] and stds[{j}] "
                         "has no mass on the grid")
    Q = Q / total
    p64 = p.astype(np.float64)
    kl = kl_divergence(Q, p64) if direction == "reverse" else kl_divergence(p64, Q)
    i, j = np.unravel_index(int(np.argmin(kl)), kl.shape)
    return float(mu[i]), float(sd[j]), float(kl[i, j])


# ------------------------------------------------------------------ asynchronous re-indexing
def stale_index_simulation(refresh_every: int, *, steps: int = 200, n_passages: int = 400,
                           n_features: int = 24, dim: int = 12, k: int = 10, batch_size: int = 16,
                           lr: float = 0.5, noise: float = 2.0, seed=0) -> dict:
    """Train a passage encoder while a stale index picks the candidates (equation ``ada-stale``).

    A synthetic retrieval task: passage c has features f_c (rows of F, Gaussian),
    the passage encoder is d(c) = f_c W, and a query about passage g has the
    fixed embedding q = f_g W* + noise for a hidden W*. W starts as W* plus
    Gaussian noise of scale ``noise`` (a pre-trained but imperfect encoder).
    Each step draws ``batch_size`` training queries; for each, the **index**
    (the embeddings F W_stale computed at the last refresh) chooses the top-k
    candidates (ties: the lower passage index), the **current** encoder scores
    them, s_c = q·(f_c W), and the loss is −log softmax(s)[g] when the gold g
    is among the candidates (the query gives no signal when the stale index
    missed it). One SGD step on W follows. Every ``refresh_every`` steps the
    index is rebuilt: ``n_passages`` re-encodings. At the end, held-out
    queries (other noise draws) are ranked with a fresh index.

    Parameters
    ----------
    refresh_every : int
        T, the refresh interval in steps (≥ 1).
    steps, n_passages, n_features, dim, k, batch_size : int
        Training steps, passages (≥ 2), feature and embedding dimensions,
        candidates per query (≤ n_passages) and queries per step.
    lr : float
        The SGD step size, > 0.
    noise : float
        The scale of the initial error of W, ≥ 0.
    seed : int or numpy.random.Generator
        The random stream (data, initial W and batches).

    Returns
    -------
    dict
        "mrr" (held-out mean reciprocal rank at the end), "recall" (held-out
        recall@k at the end), "mrr_start" (the same before training),
        "reencodings" (passage encodings after the initial index),
        "refreshes", "hit_rate" (fraction of training queries whose gold was
        among the stale candidates) and "curve" (held-out MRR with a fresh
        index after every 20 steps).

    Raises
    ------
    TypeError
        If an integer argument is not an integer or ``seed`` has a wrong type.
    ValueError
        If an argument is out of range (e.g. ``k`` > ``n_passages``), or the
        training diverges (``lr`` too large).

    Examples
    --------
    >>> out = stale_index_simulation(10, steps=40)
    >>> print(out["refreshes"], out["reencodings"], len(out["curve"]))
    3 1200 2
    >>> print(f"{out['mrr_start']:.3f} -> {out['mrr']:.3f}")
    0.157 -> 0.215
    """
    func = "stale_index_simulation"
    T = check_positive_int(refresh_every, "refresh_every", func)
    steps = check_positive_int(steps, "steps", func)
    n = check_positive_int(n_passages, "n_passages", func, minimum=2)
    f = check_positive_int(n_features, "n_features", func)
    dim = check_positive_int(dim, "dim", func)
    k = check_positive_int(k, "k", func)
    if k > n:
        raise ValueError(f"{func}: k must be at most n_passages={n}, got {k}")
    B = check_positive_int(batch_size, "batch_size", func)
    lr = check_positive_float(lr, "lr", func)
    noise = check_positive_float(noise, "noise", func, allow_zero=True)
    rng = check_random_state(seed, func)

    F = rng.standard_normal((n, f)) / np.sqrt(f)
    W_true = rng.standard_normal((f, dim))
    W = W_true + noise * rng.standard_normal((f, dim))
    train_gold = rng.integers(n, size=2000)
    train_q = F[train_gold] @ W_true + 0.3 * rng.standard_normal((2000, dim))
    test_gold = rng.integers(n, size=300)
    test_q = F[test_gold] @ W_true + 0.3 * rng.standard_normal((300, dim))

    def held_out(W_now):
        S = test_q @ (F @ W_now).T
        gold_score = S[np.arange(len(test_gold)), test_gold]
        rank = 1 + (S > gold_score[:, None]).sum(axis=1)
        return float(np.mean(1.0 / rank)), float(np.mean(rank <= k))

    mrr_start, _ = held_out(W)
    index = F @ W
    refreshes, hits, seen = 0, 0, 0
    curve = []
    for t in range(steps):
        if t > 0 and t % T == 0:
            index = F @ W
            refreshes += 1
        batch = rng.integers(len(train_gold), size=B)
        q, g = train_q[batch], train_gold[batch]
        try:
            cand, _ = select_top(q @ index.T, k)
        except NonFinite:
            raise ValueError(f"{func}: the training diverged (non-finite scores at step {t}); "
                             f"use a smaller lr than {lr}") from None
        is_gold = cand == g[:, None]  # (B, k)
        hit = is_gold.any(axis=1)
        hits += int(hit.sum())
        seen += B
        Fc = F[cand[hit]]  # (h, k, f)
        p = softmax(((Fc @ W) * q[hit][:, None, :]).sum(axis=-1))
        p = p - is_gold[hit]
        grad = (p[:, :, None] * Fc).sum(axis=1).T @ q[hit]
        W = W - lr * grad / B
        if (t + 1) % 20 == 0:
            curve.append(held_out(W)[0])
    mrr, recall = held_out(W)
    return {"mrr": mrr, "recall": recall, "mrr_start": mrr_start, "reencodings": refreshes * n,
            "refreshes": refreshes, "hit_rate": hits / seen, "curve": np.array(curve)}


@lru_cache(maxsize=8)
def _refresh_tradeoff(intervals: tuple[int, ...], steps: int, seed: int) -> dict:
    return {T: stale_index_simulation(T, steps=steps, seed=seed) for T in intervals}


def refresh_tradeoff(intervals=REFRESH_INTERVALS, steps: int = 200, seed: int = 0) -> dict:
    """Quality and cost of asynchronous re-indexing for several refresh intervals T.

    Runs :func:`stale_index_simulation` (``ada-stale``) once per T, every run
    with the same seed, so the runs differ only by T. Cached: the chapter and
    its widget share one computation (do not modify the returned dict).

    Parameters
    ----------
    intervals : sequence of int
        The refresh intervals T, each ≥ 1.
    steps : int
        Training steps of every run.
    seed : int
        The seed of every run, ≥ 0.

    Returns
    -------
    dict
        {T: the result dict of :func:`stale_index_simulation`}.

    Raises
    ------
    TypeError
        If an interval, ``steps`` or ``seed`` is not an integer.
    ValueError
        If one of them is out of range.

    Examples
    --------
    >>> runs = refresh_tradeoff((10, 40), steps=40)
    >>> print({T: r["reencodings"] for T, r in runs.items()})
    {10: 1200, 40: 0}
    """
    func = "refresh_tradeoff"
    intervals = tuple(check_positive_int(T, "intervals", func) for T in intervals)
    steps = check_positive_int(steps, "steps", func)
    seed = check_positive_int(seed, "seed", func, minimum=0)
    return _refresh_tradeoff(intervals, steps, seed)
