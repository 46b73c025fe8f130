"""Chapter 9, "Adapting RAG to a domain": training the retriever from the generator.

One function per equation of the chapter; each summary line cites its label
(prefix ``ada-``). Natural logarithms throughout. The softmax, log-softmax and
top-k selection are the package's (:mod:`ragmath._core`), the KL divergence is
chapter 3's (:func:`ragmath.information.kl_divergence`).

- :func:`lsr_distribution` (``ada-lsr``) and :func:`lsr_distribution_from_log`
  (``ada-lsr-log``): the LM-supervised retrieval target of REPLUG;
- :func:`retriever_kl_loss` (``ada-kl-loss``) and its gradient in the
  retriever's scores, :func:`retriever_kl_grad` (``ada-kl-grad``); the
  gradient of the other direction, :func:`retriever_forward_kl_grad`
  (``ada-kl-forward-grad``);
- :func:`mixture_likelihood` (``ada-mixture``) and :func:`lm_loss`
  (``ada-lm-loss``), RA-DIT's ensemble and generator loss, and the Jensen
  relation between them, :func:`mixture_nll_bound` (``ada-jensen``);
- :func:`gaussian_on_grid`, :func:`bimodal_target`, :func:`kl_curves` and
  :func:`fit_gaussian_kl`: the direction of the KL (``ada-kl-directions``);
- :func:`stale_index_simulation` and :func:`refresh_tradeoff`: asynchronous
  re-indexing (``ada-stale``); :func:`candidate_overlap` (``ada-candidate-overlap``):
  how stale a fixed set of candidates has become;
- :func:`adapter_scores` (``ada-adapter-score``), :func:`query_adapter_objective`
  (``ada-adapter-objective``, ``ada-adapter-grad``), :func:`fit_query_adapter`
  (``ada-adapter-span``) and :func:`query_adapter_experiment`: a linear query
  adapter on a frozen sentence encoder (all-MiniLM-L6-v2), trained with the LSR
  target while the passage index stays as it is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ._core import NonFinite, log_softmax, log_sum_exp, select_top, softmax
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
from .metrics import bootstrap_ci, paired_randomization_test

__all__ = [
    "GRID",
    "MEANS",
    "REFRESH_INTERVALS",
    "lsr_distribution",
    "lsr_distribution_from_log",
    "retriever_kl_loss",
    "retriever_kl_grad",
    "retriever_forward_kl_grad",
    "mixture_likelihood",
    "lm_loss",
    "mixture_nll_bound",
    "gaussian_on_grid",
    "bimodal_target",
    "kl_curves",
    "fit_gaussian_kl",
    "stale_index_simulation",
    "refresh_tradeoff",
    "candidate_overlap",
    "AdapterFit",
    "adapter_scores",
    "query_adapter_objective",
    "fit_query_adapter",
    "query_adapter_experiment",
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
    rows = s.astype(np.float64).reshape(-1, s.shape[-1])  # one row when s is 1-D (then B = 1)
    _, grad = _kl_and_score_grad(rows, np.log(q.astype(np.float64)).reshape(rows.shape))
    return grad.reshape(s.shape).astype(s.dtype, copy=False)


def retriever_forward_kl_grad(scores, target) -> np.ndarray:
    """Gradient of the forward KL(q ‖ softmax(s)) in the scores (equation ``ada-kl-forward-grad``).

    With p_R = softmax(s) and a fixed target q, ∂/∂s_c KL(q ‖ p_R) = p_R(c) − q(c):
    the gradient of a cross-entropy with soft labels q. It is the direction
    that REPLUG's released code and Atlas minimise, KL(target ‖ retriever);
    :func:`retriever_kl_grad` is the other one, KL(p_R ‖ q) (``ada-kl-grad``).
    Unlike that one, it exists when q has zeros, and it does not vanish
    when p_R(c) → 0 while q(c) > 0.

    Parameters
    ----------
    scores : array-like, shape (n,) or (B, n)
        The retriever's scores s of the candidates, finite.
    target : array-like, same shape
        The target distribution q (probability rows; zeros allowed).

    Returns
    -------
    numpy.ndarray
        The gradient, of the shape and float dtype of ``scores``; for a batch
        the loss is the mean over rows, so every row is divided by B.

    Raises
    ------
    ValueError
        If the shapes differ, ``scores`` holds nan/inf or ``target`` is not a
        probability vector (rows).

    Examples
    --------
    >>> print(np.round(retriever_forward_kl_grad([0.0, -10.0], [0.1, 0.9]), 4))
    [ 0.9 -0.9]
    """
    func = "retriever_forward_kl_grad"
    s = as_float_array(scores, "scores", func, ndim=(1, 2))
    q = check_probability_vectors(target, "target", func)
    if q.shape != s.shape:
        raise ValueError(f"{func}: scores has shape {s.shape} but target has shape {q.shape}; "
                         "they must match")
    rows = s.astype(np.float64).reshape(-1, s.shape[-1])
    grad = (softmax(rows) - q.astype(np.float64).reshape(rows.shape)) / rows.shape[0]
    return grad.reshape(s.shape).astype(s.dtype, copy=False)


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


def mixture_nll_bound(log_likelihoods, p_r) -> tuple:
    """The mixture's NLL and its Jensen bound, the p_R-average of the NLLs (equation ``ada-jensen``).

    −Σ_c p_R(c) log p_LM(y | c∘x) = −log Σ_c p_R(c) p_LM(y | c∘x) + KL(p_R ‖ π),
    where π(c) = p_R(c) p_LM(y | c∘x) / Σ_c' p_R(c') p_LM(y | c'∘x) is the
    posterior over the contexts given the answer. The KL is ≥ 0 (Jensen's
    inequality for the concave log), so the average NLL bounds the mixture's
    NLL (``ada-mixture``) from above; with uniform p_R the average is
    ``lm_loss / k`` per example (``ada-lm-loss``). Computed in log space.

    Parameters
    ----------
    log_likelihoods : array-like, shape (n,) or (B, n)
        log p_LM(y | c∘x) of every context, finite and ≤ 0.
    p_r : array-like, same shape
        The weights of the contexts (probability rows).

    Returns
    -------
    (float, float) or (numpy.ndarray, numpy.ndarray)
        (−log Σ_c p_R(c) p_LM(y | c∘x), −Σ_c p_R(c) log p_LM(y | c∘x)) in nats,
        floats for (n,) inputs and (B,) arrays for (B, n) inputs; the second
        is not below the first (up to rounding).

    Raises
    ------
    ValueError
        If a log-likelihood is positive, nan or inf, ``p_r`` is not a
        probability vector (rows), or the shapes differ.

    Examples
    --------
    >>> mix, avg = mixture_nll_bound(np.log([0.5, 0.125]), [0.5, 0.5])
    >>> print(f"{mix:.4f} {avg:.4f}")  # −log(0.3125) and (log 2 + log 8) / 2 = 2 log 2
    1.1632 1.3863
    """
    func = "mixture_nll_bound"
    log_lik = as_float_array(log_likelihoods, "log_likelihoods", func, ndim=(1, 2)).astype(np.float64)
    if (log_lik > 0).any():
        raise ValueError(f"{func}: log_likelihoods has a positive value{_at(log_lik > 0)}; "
                         "the log of a probability is at most 0")
    p = check_probability_vectors(p_r, "p_r", func).astype(np.float64)
    if p.shape != log_lik.shape:
        raise ValueError(f"{func}: log_likelihoods has shape {log_lik.shape} but p_r has shape {p.shape}; "
                         "they must match")
    with np.errstate(divide="ignore"):
        mixture = -log_sum_exp(log_lik + np.log(p), axis=-1)
    average = -(p * log_lik).sum(axis=-1)
    if np.ndim(mixture) == 0:
        return float(mixture), float(average)
    return np.asarray(mixture), np.asarray(average)


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
    """Both KL directions between a fit p = N(m, std²) and the two-peaked target q, for m in :data:`MEANS`.

    The chapter's notation: p is fitted, q is the fixed target. KL(p ‖ q)
    (mode-seeking, the direction of ``ada-kl-loss`` with p in the role of
    p_R) and KL(q ‖ p) (mass-covering), ``ada-kl-directions``, with q =
    :func:`bimodal_target` and p = :func:`gaussian_on_grid`; what the
    chapter's widget draws as the mean of p moves. Cached per ``std``
    (rounded to 10 decimals); the arrays are read-only.

    Parameters
    ----------
    std : float
        The width of p, > 0.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        KL(p ‖ q) and KL(q ‖ p), each of shape (81,), in nats.

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
    >>> print(f"{rev[i]:.4f} {fwd[i]:.2f}")  # p on one peak: KL(p || q) ≈ log 2; KL(q || p) is large
    0.6871 7.48
    """
    return _kl_curves(round(check_positive_float(std, "std", "kl_curves"), 10))


def fit_gaussian_kl(target, grid, direction: str, means, stds):
    """The Gaussian closest to ``target`` in one direction of the KL (equation ``ada-kl-directions``).

    Searches a grid of means × stds for the Gaussian p. Direction "reverse"
    minimises KL(p ‖ target) (mode-seeking, the direction of ``ada-kl-loss``
    with p in the role of p_R); "forward" minimises KL(target ‖ p)
    (mass-covering, the direction of REPLUG's code and Atlas). The
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
                           lr: float = 0.5, noise: float = 2.0, seed=0, lag: int = 0) -> dict:
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
    index is rebuilt: ``n_passages`` re-encodings. With ``lag`` = L > 0 the
    rebuild is asynchronous, as in REALM: the index installed at step t was
    computed from the encoder of step t − L (the job started L steps before it
    finished), so its age runs from L to L + T − 1 steps; L = 0 is a
    synchronous rebuild from the current encoder. At the end, held-out
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
    lag : int
        L, the steps a rebuild takes (0 ≤ L ≤ ``refresh_every``): the index
        installed at step t is that of the encoder at step t − L.

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
    lag = check_positive_int(lag, "lag", func, minimum=0)
    if lag > T:
        raise ValueError(f"{func}: lag must be at most refresh_every={T} (a rebuild starts when the "
                         f"previous one is installed), got {lag}")

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
    started = {}  # refresh step -> the encoder its rebuild started from (L steps before)
    for t in range(steps):
        if (t + lag) % T == 0 and 0 < t + lag < steps:
            started[t + lag] = W
        if t > 0 and t % T == 0:
            index = F @ started.pop(t)
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


def candidate_overlap(candidates, scores) -> np.ndarray:
    """The share of the current top-k that lies among fixed candidates (equation ``ada-candidate-overlap``).

    o(x) = |top_k(s(x)) ∩ C(x)| / k, where C(x) are the k candidates fixed for
    query x (e.g. its top k before training) and s(x) its current scores over
    the whole index; top-k as everywhere in the package (ties: the lower
    index). o = 1 while the fixed candidates are still the ones the current
    retriever would return; below 1 they have gone stale.

    Parameters
    ----------
    candidates : array-like of int, shape (B, k)
        The fixed candidates of every query (columns of ``scores``), distinct in a row.
    scores : array-like, shape (B, N)
        The current scores of every query over the N passages, finite.

    Returns
    -------
    numpy.ndarray, shape (B,)
        o(x) for every query, in [0, 1].

    Raises
    ------
    TypeError
        If ``candidates`` does not hold integers.
    ValueError
        If the shapes do not fit, a candidate is outside 0…N − 1 or repeated
        in its row, or ``scores`` holds nan/inf.

    Examples
    --------
    >>> S = np.array([[0.9, 0.1, 0.8, 0.7], [0.0, 0.5, 0.2, 0.9]])
    >>> print(candidate_overlap([[0, 2], [0, 1]], S))  # row 2's top 2 is {3, 1}
    [1.  0.5]
    """
    func = "candidate_overlap"
    C = np.asarray(candidates)
    if C.dtype.kind not in "iu":
        raise TypeError(f"{func}: candidates must hold integers (columns of scores), got dtype {C.dtype}")
    S = as_float_array(scores, "scores", func, ndim=2)
    if C.ndim != 2 or C.shape[0] != S.shape[0] or not 1 <= C.shape[1] <= S.shape[1]:
        raise ValueError(f"{func}: candidates must have shape ({S.shape[0]}, k) with 1 ≤ k ≤ {S.shape[1]} "
                         f"for scores of shape {S.shape}, got {C.shape}")
    if (C < 0).any() or (C >= S.shape[1]).any():
        raise ValueError(f"{func}: candidates holds a column outside 0…{S.shape[1] - 1}")
    k = C.shape[1]
    ordered = np.sort(C, axis=1)
    if (ordered[:, 1:] == ordered[:, :-1]).any():
        raise ValueError(f"{func}: candidates repeats a passage within a row")
    top, _ = select_top(S, k)
    hit = (top[:, :, None] == C[:, None, :]).any(axis=2)
    return hit.sum(axis=1) / k


# ------------------------------------------------------------------ a query adapter on a frozen encoder
def _matrix(x, name: str, func: str, ndim: int) -> np.ndarray:
    return as_float_array(x, name, func, ndim=ndim).astype(np.float64, copy=False)


def _square_adapter(adapter, dim: int, func: str) -> np.ndarray:
    A = _matrix(adapter, "adapter", func, 2)
    if A.shape != (dim, dim):
        raise ValueError(f"{func}: adapter must have shape ({dim}, {dim}) for {dim}-dimensional queries, "
                         f"got {A.shape}")
    return A


def _adapter_inputs(queries, candidates, p_lsr, func: str):
    """queries (B, d), candidates (B, k, d), p_lsr (B, k) with no zero: checked and in float64."""
    Q = _matrix(queries, "queries", func, 2)
    C = _matrix(candidates, "candidates", func, 3)
    B, d = Q.shape
    if C.shape[0] != B or C.shape[2] != d:
        raise ValueError(f"{func}: candidates must have shape ({B}, k, {d}) for queries of shape {Q.shape}, "
                         f"got {C.shape}")
    q = check_probability_vectors(p_lsr, "p_lsr", func).astype(np.float64, copy=False)
    if q.shape != C.shape[:2]:
        raise ValueError(f"{func}: p_lsr must have shape {C.shape[:2]} (one row per query, one column "
                         f"per candidate), got {q.shape}")
    if (q == 0).any():
        raise ValueError(f"{func}: p_lsr has a zero probability{_at(q == 0)}; "
                         "the KL is +inf there and has no gradient")
    return Q, C, q


def adapter_scores(queries, adapter, passages, tau: float = 0.05) -> np.ndarray:
    """The scores of a linear query adapter A on a frozen index (equation ``ada-adapter-score``).

    s_c = (q A) · d_c / τ_R: the query vector q (a row) is mapped to q A, the
    passage vectors d_c of the index are left as they are. With A = I these are
    the scores of the frozen encoder, q · d_c / τ_R.

    Parameters
    ----------
    queries : array-like, shape (B, d)
        The frozen encoder's query vectors, one row per query.
    adapter : array-like, shape (d, d)
        The adapter A (applied on the right: q ↦ q A).
    passages : array-like, shape (n, d) or (B, k, d)
        The whole index (every query scores every passage) or, per query, the
        vectors of its k candidates.
    tau : float
        The retriever's temperature τ_R, > 0.

    Returns
    -------
    numpy.ndarray, float64
        Shape (B, n) for an index, (B, k) for per-query candidates.

    Raises
    ------
    TypeError
        If ``tau`` is not a real number or an array holds non-numbers.
    ValueError
        If a shape does not fit (``adapter`` not (d, d), ``passages`` of
        another dimension or, for candidates, another number of queries), an
        array holds nan or inf, or ``tau`` is not positive.

    Examples
    --------
    >>> q, d = np.array([[1.0, 0.0]]), np.array([[0.6, 0.8], [0.0, 1.0]])
    >>> print(adapter_scores(q, np.eye(2), d, tau=0.5))
    [[1.2 0. ]]
    >>> print(adapter_scores(q, [[0.0, 1.0], [1.0, 0.0]], d, tau=0.5))  # q A = (0, 1)
    [[1.6 2. ]]
    """
    func = "adapter_scores"
    Q = _matrix(queries, "queries", func, 2)
    A = _square_adapter(adapter, Q.shape[1], func)
    D = as_float_array(passages, "passages", func, ndim=(2, 3)).astype(np.float64, copy=False)
    tau = check_positive_float(tau, "tau", func)
    if D.shape[-1] != Q.shape[1]:
        raise ValueError(f"{func}: passages have dimension {D.shape[-1]} but queries have {Q.shape[1]}")
    QA = Q @ A
    if D.ndim == 2:
        return QA @ D.T / tau
    if D.shape[0] != Q.shape[0]:
        raise ValueError(f"{func}: passages of shape {D.shape} give candidates for {D.shape[0]} queries, "
                         f"but there are {Q.shape[0]} queries")
    return np.matmul(D, QA[:, :, None])[:, :, 0] / tau


def query_adapter_objective(adapter, queries, candidates, p_lsr, tau: float = 0.05,
                            lam: float = 0.1) -> tuple[float, np.ndarray]:
    """The adapter's objective J(A) and its gradient in A (``ada-adapter-objective``, ``ada-adapter-grad``).

    J(A) = (1/B) Σ_x KL(softmax(s_x(A)) ‖ p_LSR(· | x, y)) + λ ‖A − I‖_F², with
    the scores s_x(A) of :func:`adapter_scores` (``ada-adapter-score``) over
    each query's candidates. The gradient follows by the chain rule from the
    gradient in the scores, :func:`retriever_kl_grad` (``ada-kl-grad``):
    ∂J/∂A = (1/τ_R) Σ_x q_xᵀ (Σ_c ∂L_R/∂s_xc d_xc) + 2λ (A − I).

    Parameters
    ----------
    adapter : array-like, shape (d, d)
        The adapter A.
    queries : array-like, shape (B, d)
        The query vectors q_x of the batch.
    candidates : array-like, shape (B, k, d)
        The vectors d_xc of each query's k candidates (the index's rows).
    p_lsr : array-like, shape (B, k)
        The target over each query's candidates (probability rows, no zero).
    tau : float
        The retriever's temperature τ_R, > 0.
    lam : float
        The weight λ ≥ 0 of the pull towards the identity.

    Returns
    -------
    (float, numpy.ndarray)
        J(A) in nats and ∂J/∂A, shape (d, d), float64.

    Raises
    ------
    TypeError
        If ``tau`` or ``lam`` is not a real number.
    ValueError
        If the shapes do not fit, an array holds nan or inf, ``p_lsr`` is not
        a probability row per query or holds a zero, ``tau`` is not positive
        or ``lam`` is negative.

    Examples
    --------
    >>> Q = np.array([[1.0, 0.0]])
    >>> C = np.array([[[1.0, 0.0], [0.0, 1.0]]])  # two candidates, orthogonal
    >>> J, G = query_adapter_objective(np.eye(2), Q, C, [[0.5, 0.5]], tau=1.0, lam=0.0)
    >>> print(f"{J:.4f}", np.round(G, 4).tolist())
    0.1109 [[0.1966, -0.1966], [0.0, 0.0]]
    """
    func = "query_adapter_objective"
    Q, C, q = _adapter_inputs(queries, candidates, p_lsr, func)
    A = _square_adapter(adapter, Q.shape[1], func)
    tau = check_positive_float(tau, "tau", func)
    lam = check_positive_float(lam, "lam", func, allow_zero=True)
    s = np.matmul(C, (Q @ A)[:, :, None])[:, :, 0] / tau  # ada-adapter-score
    G = retriever_kl_grad(s, q)  # ∂L_R/∂s, already divided by B
    off = A - np.eye(A.shape[0])
    value = retriever_kl_loss(softmax(s), q) + lam * float(np.sum(off * off))
    grad = Q.T @ np.einsum("bk,bkd->bd", G, C) / tau + 2.0 * lam * off
    return value, grad


class AdapterFit(NamedTuple):
    """The result of :func:`fit_query_adapter`: the adapter, its coordinates and the objective's history.

    The coordinates are those of ``ada-adapter-span``: A = I + Qᵀ M.

    Attributes
    ----------
    adapter : numpy.ndarray, shape (d, d)
        A_T = I + Qᵀ M_T after the last step.
    coefficients : numpy.ndarray, shape (B, d)
        M_T: the adapter's change, one row per training query.
    history : numpy.ndarray, shape (steps + 1,)
        J(A_t) for t = 0, …, steps (``ada-adapter-objective``).
    checkpoints : numpy.ndarray, shape (n, B, d)
        M_t at t = 0, r, 2r, … (every ``record_every`` steps, and the last
        step); empty (0, B, d) when nothing was recorded.
    """

    adapter: np.ndarray
    coefficients: np.ndarray
    history: np.ndarray
    checkpoints: np.ndarray


def fit_query_adapter(queries, candidates, p_lsr, *, tau: float = 0.05, lam: float = 0.1,
                      lr: float = 0.05, steps: int = 200, record_every: int = 0) -> AdapterFit:
    """Gradient descent on J(A) from A = I, in the coordinates of the queries (equation ``ada-adapter-span``).

    Plain gradient descent A_{t+1} = A_t − η ∂J/∂A(A_t) on the objective of
    :func:`query_adapter_objective` (``ada-adapter-objective``,
    ``ada-adapter-grad``), started at A_0 = I, keeps A_t = I + Qᵀ M_t with
    M_0 = 0 and M_{t+1} = (1 − 2ηλ) M_t − (η/τ_R) R_t, where row x of R_t is
    Σ_c ∂L_R/∂s_xc d_xc (``ada-kl-grad``). The iteration runs on the (B, d)
    matrix M_t instead of the (d, d) matrix A_t, using Q A_t = Q + (Q Qᵀ) M_t
    and ‖A_t − I‖_F² = Σ (M_t ∘ (Q Qᵀ) M_t); the iterates are those of
    gradient descent on A, up to rounding.

    Parameters
    ----------
    queries : array-like, shape (B, d)
        The training queries' vectors.
    candidates : array-like, shape (B, k, d)
        Each training query's candidate vectors (fixed: the index does not change).
    p_lsr : array-like, shape (B, k)
        The LSR target of each query (probability rows, no zero).
    tau : float
        The retriever's temperature τ_R, > 0.
    lam : float
        λ ≥ 0, the weight of ‖A − I‖_F².
    lr : float
        The step size η, > 0.
    steps : int
        The number of steps, ≥ 1.
    record_every : int
        Record M_t every this many steps (and at the last step); 0 records nothing.

    Returns
    -------
    AdapterFit
        (adapter, coefficients, history, checkpoints).

    Raises
    ------
    TypeError
        If a number has a wrong type.
    ValueError
        If an input of :func:`query_adapter_objective` is invalid, ``lr`` is
        not positive, ``steps`` < 1, ``record_every`` < 0, or the iteration
        diverges (``lr`` too large).

    Examples
    --------
    >>> Q = np.array([[1.0, 0.0]])
    >>> C = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    >>> fit = fit_query_adapter(Q, C, [[0.2, 0.8]], tau=1.0, lam=0.0, lr=1.0, steps=200)
    >>> print(np.round(fit.adapter, 3).tolist())  # s_1 − s_2 = log(0.2 / 0.8), s_1 + s_2 unchanged
    [[-0.193, 1.193], [0.0, 1.0]]
    >>> print(np.round(softmax(adapter_scores(Q, fit.adapter, C, tau=1.0)), 4))
    [[0.2 0.8]]
    """
    func = "fit_query_adapter"
    Q, C, q = _adapter_inputs(queries, candidates, p_lsr, func)
    tau = check_positive_float(tau, "tau", func)
    lam = check_positive_float(lam, "lam", func, allow_zero=True)
    lr = check_positive_float(lr, "lr", func)
    steps = check_positive_int(steps, "steps", func)
    record_every = check_positive_int(record_every, "record_every", func, minimum=0)
    B, d = Q.shape
    gram = Q @ Q.T  # (B, B)
    log_q = np.log(q)
    M = np.zeros((B, d))
    history = np.empty(steps + 1)
    checkpoints = []
    for t in range(steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging iteration is reported below
            GM = gram @ M
            s = np.matmul(C, (Q + GM)[:, :, None])[:, :, 0] / tau  # ada-adapter-score at A_t
            pull = float(np.sum(M * GM))
        if not (np.isfinite(s).all() and np.isfinite(pull)):
            raise ValueError(f"{func}: the iteration diverged (non-finite values at step {t}); "
                             f"use a smaller lr than {lr}")
        kl, G = _kl_and_score_grad(s, log_q)  # ada-kl-loss and ada-kl-grad (∂L_R/∂s, divided by B)
        history[t] = kl + lam * pull
        if record_every and (t % record_every == 0 or t == steps):
            checkpoints.append(M.copy())
        if t == steps:
            break
        R = np.matmul(G[:, None, :], C)[:, 0, :]  # row x: Σ_c ∂L_R/∂s_xc d_xc
        with np.errstate(over="ignore", invalid="ignore"):
            M = (1.0 - 2.0 * lr * lam) * M - (lr / tau) * R
    adapter = np.eye(d) + Q.T @ M
    stacked = np.array(checkpoints) if checkpoints else np.zeros((0, B, d))
    return AdapterFit(adapter, M, history, stacked)


def _kl_and_score_grad(s: np.ndarray, log_q: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean KL of ``ada-kl-loss`` and its gradient ``ada-kl-grad`` in the scores, for checked inputs.

    One log-softmax gives both. :func:`retriever_kl_grad` calls it after checking its
    arguments; :func:`fit_query_adapter` calls it directly, without re-checking the fixed
    target at every step (the tests hold it to :func:`retriever_kl_loss` as well).
    """
    log_p = log_softmax(s)
    p = np.exp(log_p)
    log_ratio = log_p - log_q
    kl = (p * log_ratio).sum(axis=1, keepdims=True)
    return float(np.mean(kl)), p * (log_ratio - kl) / s.shape[0]


def _gold_reciprocal_rank(S: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """1 / rank of column gold[i] in row i of S, ties ordered by decreasing column (``eval-rr``).

    The order of :func:`ragmath.metrics.score_matrix_metrics` (``eval-order``)
    for one relevant document per row, by counting instead of sorting.
    """
    g = S[np.arange(len(gold)), gold][:, None]
    cols = np.arange(S.shape[1])
    ahead = (S > g) | ((S == g) & (cols > gold[:, None]))
    return 1.0 / (1.0 + ahead.sum(axis=1))


def _answer_log_likelihood(log_lik: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """log Σ_c p_LM(y | c∘x) p_R(c | x) per row (``ada-mixture``), in log space."""
    return log_sum_exp(log_lik + log_softmax(scores), axis=1)


def query_adapter_experiment(question_vectors, passage_vectors, gold, candidates, log_likelihoods, *,
                             seeds=10, tau: float = 0.05, lam: float = 0.1, lr: float = 0.05,
                             steps: int = 200, record_every: int = 10, n_resamples: int = 10000) -> dict:
    """The query adapter trained and evaluated on random splits of the questions, one split per seed.

    For each seed s, ``numpy.random.default_rng(s).permutation`` of the n
    questions puts the first n // 3 in the held-out set and the rest in the
    training set (both sorted). The target of a question is the LSR
    distribution from its answer's log-likelihoods at τ = 1 (``ada-lsr-log``),
    over its fixed candidates; :func:`fit_query_adapter` (``ada-adapter-span``)
    trains A on the training questions. On the held-out questions, the
    reciprocal rank of the gold passage over the whole index (``eval-rr``,
    with the tie order of :func:`ragmath.metrics.score_matrix_metrics`; scores
    of ``ada-adapter-score``) and the answer's log-likelihood under the
    retriever's distribution over the candidates (``ada-mixture``) are
    measured with A = I (before) and with the trained A (after); per seed,
    :func:`ragmath.metrics.paired_randomization_test` (``eval-randomization``,
    seed s) tests the paired differences and
    :func:`ragmath.metrics.bootstrap_ci` (``eval-bootstrap-ci``, seed s) gives a
    95 % interval of the mean difference of reciprocal ranks.

    Parameters
    ----------
    question_vectors : array-like, shape (n, d)
        The frozen encoder's question vectors.
    passage_vectors : array-like, shape (N, d)
        The index.
    gold : array-like of int, shape (n,)
        The row of each question's gold passage in ``passage_vectors``.
    candidates : array-like of int, shape (n, k)
        Each question's candidate passages (rows of ``passage_vectors``).
    log_likelihoods : array-like, shape (n, k)
        log p_LM(y | c∘x) of each question's answer with each candidate (≤ 0).
    seeds : int or sequence of int
        The split seeds (an int m means 0, …, m − 1).
    tau, lam, lr, steps, record_every
        As in :func:`fit_query_adapter`; ``record_every`` ≥ 1 here.
    n_resamples : int
        Resamples of the test and the bootstrap.

    Returns
    -------
    dict
        "seeds" (S,), "train" (S, n − n//3) and "test" (S, n//3) indices;
        "rr_before", "rr_after", "ll_before", "ll_after" (S, n//3) per held-out
        question; "mrr_gain", "ll_gain", "p_value" (of the MRR), "ll_p_value",
        "train_mrr_before", "train_mrr_after", "adapter_change" (‖A − I‖_F of the
        trained adapter) (S,); "ci" (S, 2), the bootstrap
        interval of the MRR gain; "history" (S, steps + 1), the training
        objective; "curve_steps" (c,), "curve_train" and "curve_test" (S, c), the
        training and held-out MRR at the recorded steps.

    Raises
    ------
    TypeError
        If a number or a seed has a wrong type.
    ValueError
        If the shapes do not fit, an index is out of range, a log-likelihood
        is positive, nan or inf, there are fewer than 3 questions, or an input
        of :func:`fit_query_adapter` is invalid.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> P = rng.standard_normal((20, 8)); P /= np.linalg.norm(P, axis=1, keepdims=True)
    >>> X = P[:12] + 0.3 * rng.standard_normal((12, 8))
    >>> cand = np.argsort(-(X @ P.T), axis=1, kind="stable")[:, :4]
    >>> out = query_adapter_experiment(X, P, np.arange(12), cand, -rng.random((12, 4)), seeds=2,
    ...                                steps=20, n_resamples=100)
    >>> print(out["rr_after"].shape, out["history"].shape, out["curve_steps"].tolist())
    (2, 4) (2, 21) [0, 10, 20]
    """
    func = "query_adapter_experiment"
    X = _matrix(question_vectors, "question_vectors", func, 2)
    P = _matrix(passage_vectors, "passage_vectors", func, 2)
    n, d = X.shape
    if P.shape[1] != d:
        raise ValueError(f"{func}: passage_vectors have dimension {P.shape[1]} but question_vectors have {d}")
    if n < 3:
        raise ValueError(f"{func}: question_vectors must hold at least 3 questions, got {n}")
    g = np.asarray(gold)
    cand = np.asarray(candidates)
    k = cand.shape[-1] if cand.ndim else 0
    for name, arr, shape in (("gold", g, (n,)), ("candidates", cand, (n, k))):
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{func}: {name} must hold integers (rows of passage_vectors), "
                            f"got dtype {arr.dtype}")
        if arr.shape != shape or arr.size == 0:
            raise ValueError(f"{func}: {name} must have shape {shape}, got {arr.shape}")
        if (arr < 0).any() or (arr >= len(P)).any():
            raise ValueError(f"{func}: {name} holds a row outside 0…{len(P) - 1}")
    LL = _matrix(log_likelihoods, "log_likelihoods", func, 2)
    if LL.shape != cand.shape:
        raise ValueError(f"{func}: log_likelihoods must have the shape of candidates {cand.shape}, "
                         f"got {LL.shape}")
    if (LL > 0).any():
        raise ValueError(f"{func}: log_likelihoods has a positive value{_at(LL > 0)}; "
                         "the log of a probability is at most 0")
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = range(check_positive_int(seeds, "seeds", func))
    seeds = [check_positive_int(s, "seeds", func, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError(f"{func}: seeds is empty; give at least one seed")
    tau = check_positive_float(tau, "tau", func)
    record_every = check_positive_int(record_every, "record_every", func)
    n_resamples = check_positive_int(n_resamples, "n_resamples", func)

    p_lsr = lsr_distribution_from_log(LL, tau=1.0)
    C_all = P[cand]  # (n, k, d)
    n_test = n // 3
    keys = ("train", "test", "rr_before", "rr_after", "ll_before", "ll_after", "mrr_gain", "ll_gain",
            "p_value", "ll_p_value", "train_mrr_before", "train_mrr_after", "adapter_change", "ci", "history",
            "curve_train", "curve_test")
    out = {key: [] for key in keys}

    def rr(QA, rows):  # the reciprocal rank of score_matrix_metrics (eval-rr), by counting
        return _gold_reciprocal_rank(QA @ P.T, g[rows])

    for seed in seeds:
        perm = np.random.default_rng(seed).permutation(n)
        test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
        fit = fit_query_adapter(X[train], C_all[train], p_lsr[train], tau=tau, lam=lam, lr=lr,
                                steps=steps, record_every=record_every)
        cross = X[test] @ X[train].T  # q A_t = q + (q Q_trᵀ) M_t for the held-out q
        gram = X[train] @ X[train].T
        out["curve_train"].append([rr(X[train] + gram @ M, train).mean() for M in fit.checkpoints])
        out["curve_test"].append([rr(X[test] + cross @ M, test).mean() for M in fit.checkpoints])
        before, after = rr(X[test], test), rr(X[test] @ fit.adapter, test)
        ll = [_answer_log_likelihood(LL[test], adapter_scores(X[test], A, C_all[test], tau))
              for A in (np.eye(d), fit.adapter)]
        out["train"].append(train)
        out["test"].append(test)
        out["rr_before"].append(before)
        out["rr_after"].append(after)
        out["ll_before"].append(ll[0])
        out["ll_after"].append(ll[1])
        out["mrr_gain"].append(after.mean() - before.mean())
        out["ll_gain"].append(ll[1].mean() - ll[0].mean())
        out["p_value"].append(paired_randomization_test(after, before, n_resamples, seed=seed).p_value)
        out["ll_p_value"].append(paired_randomization_test(ll[1], ll[0], n_resamples, seed=seed).p_value)
        ci = bootstrap_ci(after - before, n_resamples, seed=seed)
        out["ci"].append((ci.low, ci.high))
        out["train_mrr_before"].append(rr(X[train], train).mean())
        out["train_mrr_after"].append(rr(X[train] @ fit.adapter, train).mean())
        out["history"].append(fit.history)
        out["adapter_change"].append(np.linalg.norm(fit.adapter - np.eye(d)))
    result = {key: np.array(value) for key, value in out.items()}
    result["seeds"] = np.array(seeds)
    result["curve_steps"] = np.array([t for t in range(steps + 1) if t % record_every == 0 or t == steps])
    return result
