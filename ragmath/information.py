"""Cross-entropy, perplexity and KL divergence (chapter 3).

Every function cites the label of the equation it implements in
``book/03-information.md``; the chapter checks each one numerically.

Conventions (``shared/API.md``):

- natural logarithms everywhere (information in nats); :func:`to_bits` converts;
- probability vectors lie along the last axis, are non-negative and sum to 1
  within 1e-6, or a ValueError names the argument;
- 0·log 0 counts as 0, and where the mathematics gives +∞ (a zero predicted
  probability where the target has mass) the result is ``inf``, as scipy's;
- integer class labels index the last axis: ``y_true``/``labels`` of shape (N,)
  go with predictions of shape (N, V), a single label with a single row (V,).

Shapes of the losses::

    y_true (N,) int labels   or (N, V) probability rows,  y_pred (N, V)  -> float
    y_true ()   int label    or (V,)   probability vector, y_pred (V,)   -> float
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import (
    as_float_array,
    broadcast_shape,
    check_choice,
    check_positive_int,
    check_probability_vectors,
    check_same_dimension,
    first_bad_index,
)

__all__ = [
    "log_sum_exp",
    "log_softmax",
    "entropy",
    "cross_entropy",
    "cross_entropy_from_logits",
    "kl_divergence",
    "perplexity",
    "empirical_distribution",
    "to_bits",
]

_REDUCTIONS = ("sum", "mean")


# --------------------------------------------------------------------------- helpers
def _as_output(x: np.ndarray):
    """A 0-d result becomes a Python float; anything else stays an array."""
    return float(x) if np.ndim(x) == 0 else x


def _axis(axis, ndim: int, func: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{func}: axis must be an integer, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{func}: axis {axis} is out of range for an array of {ndim} dimension(s)")
    return int(axis) % ndim


def _shifted_log_sum(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """(m, log Σ_j e^{z_j − m}) along ``axis`` with m = max z, both keepdims (``info-lse-shift``).

    The shifted sum is 1 + r, where r sums the terms other than one maximal
    entry (that one is e⁰ = 1 exactly); log1p(r) keeps its digits when r is
    tiny, as for a confident prediction, where log(1 + r) would round r away.
    """
    arg = np.expand_dims(np.argmax(z, axis=axis), axis)
    m = np.take_along_axis(z, arg, axis=axis)
    # z − m overflowing to −inf (logits of ±1e308) and e^(z − m) underflowing to 0 are
    # harmless: such a term is below u next to the maximal term e⁰ = 1
    with np.errstate(over="ignore", under="ignore"):
        terms = np.exp(z - m)
    np.put_along_axis(terms, arg, 0.0, axis=axis)
    return m, np.log1p(np.sum(terms, axis=axis, keepdims=True))


def _lse(z: np.ndarray, axis: int) -> np.ndarray:
    """log Σ exp(z) along ``axis``, shifted by the maximum (``info-lse-shift``), keepdims."""
    m, log_sum = _shifted_log_sum(z, axis)
    return m + log_sum


def _labels(y, name: str, func: str, n_classes: int, shape: tuple[int, ...]) -> np.ndarray:
    """Integer class labels in 0 … n_classes − 1, of the given shape."""
    if y is None or isinstance(y, (str, bytes, dict, set)):
        raise TypeError(f"{func}: {name} must be integer labels or probability rows, got {type(y).__name__}")
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{func}: {name} could not be read as an array of labels: {exc}") from None
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{func}: {name} with one dimension less than the predictions must hold integer "
            f"class labels (0 to {n_classes - 1}), got dtype {arr.dtype}; for targets given as "
            f"probabilities, pass rows of the predictions' shape"
        )
    if arr.shape != shape:
        raise ValueError(
            f"{func}: {name} has shape {arr.shape}, but the predictions need one label per row, "
            f"shape {shape}"
        )
    bad = (arr < 0) | (arr >= n_classes)
    if bad.any():
        where = first_bad_index(np.atleast_1d(bad))
        value = int(np.atleast_1d(arr)[where])
        at = f" (at index {where[0]})" if arr.ndim else ""
        raise ValueError(
            f"{func}: {name} holds the label {value}{at}, out of range: labels must be 0 to "
            f"{n_classes - 1} (one per column of the predictions)"
        )
    return arr.astype(np.intp)


def _is_label_array(y, ndim_pred: int) -> bool:
    """Whether ``y`` has one dimension fewer than the predictions (then it holds labels)."""
    try:
        return np.ndim(y) == ndim_pred - 1
    except (ValueError, TypeError):  # ragged: let the probability validation explain
        return False


def _reduce(per_row: np.ndarray, reduction: str) -> float:
    total = float(np.sum(per_row, dtype=np.float64))
    return total if reduction == "sum" else total / per_row.size


def _xlogy_terms(p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """p · log q with 0 · log q = 0 (even where log q = −∞)."""
    with np.errstate(invalid="ignore"):
        return np.where(p > 0, p * log_q, 0.0).astype(np.result_type(p, log_q), copy=False)


# ------------------------------------------------------------------- public functions
def log_sum_exp(x, axis=-1):
    """log Σ_j exp(x_j) along ``axis``, computed stably (equations ``info-lse``, ``info-lse-shift``).

    Uses log Σ e^{x_j} = m + log Σ e^{x_j − m} with m = max_j x_j: the largest
    term of the shifted sum is e⁰ = 1, so the sum lies in [1, V] and neither
    overflows nor has a logarithm of 0. ``log_sum_exp([1000, 1000])`` is
    1000 + log 2, where the naive formula gives ``inf``. The result lies in
    [max x, max x + log V] (``info-lse-bounds``).

    A 1-D input gives a float; otherwise an array with ``axis`` removed.
    """
    func = "log_sum_exp"
    z = as_float_array(x, "x", func)
    if z.ndim == 0:
        raise ValueError(f"{func}: x must have at least one dimension, got a scalar")
    ax = _axis(axis, z.ndim, func)
    return _as_output(np.squeeze(_lse(z, ax), axis=ax))


def log_softmax(logits, axis=-1):
    """log softmax(z)_j = z_j − log Σ_k e^{z_k} (equation ``info-log-softmax``), stably.

    The log-sum-exp is computed with the maximum shifted out (``info-lse-shift``),
    so logits of ±1e4 give finite log-probabilities (−2e4, not −inf or nan)
    and the largest entry is ≤ 0. Same shape and dtype as ``logits``.
    """
    func = "log_softmax"
    z = as_float_array(logits, "logits", func)
    if z.ndim == 0:
        raise ValueError(f"{func}: logits must have at least one dimension, got a scalar")
    ax = _axis(axis, z.ndim, func)
    m, log_sum = _shifted_log_sum(z, ax)
    with np.errstate(over="ignore"):  # z − m < −1.8e308 rounds to −inf, its correct rounding
        return (z - m) - log_sum  # z − m ≤ 0, with a 0 in every slice


def entropy(p):
    """Shannon entropy H(p) = −Σ_j p_j log p_j in nats (equation ``info-entropy``).

    ``p`` holds probability vectors along its last axis (0·log 0 = 0). A single
    vector gives a float, a batch (..., V) an array of shape (...). The result
    is never negative: rounding (probabilities a hair above 1) is clipped at 0.
    """
    func = "entropy"
    p = check_probability_vectors(p, "p", func)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    h = -np.sum(_xlogy_terms(p, log_p), axis=-1)
    return _as_output(np.maximum(h, 0))


def kl_divergence(p, q):
    """Kullback–Leibler divergence KL(p ‖ q) = Σ_j p_j log(p_j / q_j) (equation ``info-kl``).

    Probability vectors along the last axis; leading axes broadcast, so one
    ``p`` can be compared with a batch of ``q``. Terms with p_j = 0 count 0;
    a q_j = 0 where p_j > 0 gives ``inf`` (the model says impossible what
    happens). Each logarithm is log(p_j / q_j), or log1p((p_j − q_j)/q_j) when
    q_j/2 ≤ p_j ≤ 2q_j (then p_j − q_j is exact, so a nearly-zero term keeps its
    digits), or log p_j − log q_j where the ratio over- or underflows.
    Gibbs' inequality (``info-gibbs``) says the
    result is ≥ 0; sums that rounding makes a hair negative are clipped at 0,
    and KL(p ‖ p) is exactly 0.
    """
    func = "kl_divergence"
    p = check_probability_vectors(p, "p", func)
    q = check_probability_vectors(q, "q", func)
    check_same_dimension(p, q, ("p", "q"), func)
    shape = broadcast_shape({"p": p.shape, "q": q.shape}, func)
    dtype = np.result_type(p.dtype, q.dtype)
    p = np.broadcast_to(p, shape).astype(dtype, copy=False)
    q = np.broadcast_to(q, shape).astype(dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        ratio = p / q
        log_ratio = np.where(
            (ratio >= 0.5) & (ratio <= 2.0),
            np.log1p((p - q) / q),  # q/2 ≤ p ≤ 2q: p − q is exact (Sterbenz)
            np.log(ratio),  # the rounding of p/q costs at most u in the logarithm
        )
        # the ratio over- or underflowed (or lost digits below the normal range)
        redo = (p > 0) & (q > 0) & ((ratio < np.finfo(dtype).tiny) | ~np.isfinite(ratio))
        if redo.any():
            log_ratio[redo] = np.log(p[redo]) - np.log(q[redo])
    kl = np.sum(_xlogy_terms(p, log_ratio), axis=-1)
    return _as_output(np.maximum(kl, 0))


def cross_entropy(y_true, y_pred, reduction="sum"):
    """Cross-entropy −Σ_i Σ_j y_ij log ŷ_ij (equations ``info-cross-entropy``, ``info-ce-batch``).

    Parameters
    ----------
    y_true : (N, V) probability (or one-hot) rows, or (N,) integer labels.
        With labels, row i contributes −log ŷ_{i, y_i} (``info-one-hot``).
    y_pred : (N, V) predicted probability rows, each summing to 1.
        A single row (V,) goes with a (V,) target or a single integer label.
    reduction : {"sum", "mean"}
        "mean" divides the sum by N, the number of rows (``info-reduction``).

    Returns a float: ``inf`` if some ŷ_ij = 0 where y_ij > 0; terms with
    y_ij = 0 count 0 whatever ŷ_ij.
    """
    func = "cross_entropy"
    reduction = check_choice(reduction, "reduction", func, _REDUCTIONS)
    q = check_probability_vectors(y_pred, "y_pred", func)
    if q.ndim > 2:
        raise ValueError(f"{func}: y_pred must be 1-D or 2-D, got a {q.ndim}-D array of shape {q.shape}")
    with np.errstate(divide="ignore"):
        log_q = np.log(q)
    per_row = _cross_entropy_rows(y_true, log_q, ("y_true", "y_pred"), func)
    return _reduce(np.atleast_1d(per_row), reduction)


def _cross_entropy_rows(targets, log_q: np.ndarray, names: tuple[str, str], func: str) -> np.ndarray:
    """−Σ_j y_ij log q_ij for every row: targets are integer labels (one per row) or probability rows.

    Shared by :func:`cross_entropy` (log q from probabilities) and
    :func:`cross_entropy_from_logits` (log q from log_softmax).
    """
    target_name, pred_name = names
    if _is_label_array(targets, log_q.ndim):
        labels = _labels(targets, target_name, func, log_q.shape[-1], log_q.shape[:-1])
        return -np.take_along_axis(np.atleast_2d(log_q), labels.reshape(-1, 1), axis=1)[:, 0]
    p = check_probability_vectors(targets, target_name, func)
    if p.shape != log_q.shape:
        raise ValueError(
            f"{func}: {target_name} has shape {p.shape} but {pred_name} has shape {log_q.shape}; "
            f"give one integer label per row, or probability rows of the same shape"
        )
    return -np.sum(_xlogy_terms(p, log_q), axis=-1)


def cross_entropy_from_logits(logits, labels, reduction="mean"):
    """Cross-entropy of softmax(logits) against ``labels``, never forming the softmax.

    Row i contributes log Σ_k e^{z_ik} − z_{i, y_i} (equation ``info-ce-logits``),
    with the log-sum-exp computed stably (``info-lse-shift``), so a very wrong
    prediction costs a large finite loss instead of −log 0 = inf. ``labels``
    are (N,) integer labels, or (N, V) probability rows (soft targets, giving
    −Σ_j y_ij log softmax(z_i)_j). ``logits`` is (N, V), or (V,) with a single
    label. ``reduction`` ∈ {"sum", "mean"}; mean divides by N. Returns a float.
    The gradient with respect to z_i is softmax(z_i) − y_i (``info-ce-grad``).
    """
    func = "cross_entropy_from_logits"
    reduction = check_choice(reduction, "reduction", func, _REDUCTIONS)
    z = as_float_array(logits, "logits", func, ndim=(1, 2))
    per_row = _cross_entropy_rows(labels, log_softmax(z), ("labels", "logits"), func)
    return _reduce(np.atleast_1d(per_row), reduction)


def perplexity(log_probs):
    """Perplexity exp(−(1/N) Σ_i log p_i) of N tokens (equation ``info-perplexity``).

    ``log_probs`` (1-D) are the natural-log probabilities the model gave the
    N tokens of a sequence, log p(y_i | y_<i). The result is the geometric
    mean of the inverse probabilities (``info-ppl-geometric``), at least 1.
    For one sentence it is p(y)^(−1/n) (equation ``info-ppl-sentence``).
    A token given probability 0 (log-probability −inf) makes it ``inf``, and
    so does a mean log-probability below about −709.78 (exp overflows).
    Log-probabilities must be ≤ 0; up to 1e-6 above 0 is accepted as the
    rounding of a probability of 1 (the tolerance of probability vectors).
    """
    func = "perplexity"
    lp = as_float_array(log_probs, "log_probs", func, ndim=1, finite=False)
    if np.isnan(lp).any():
        raise ValueError(f"{func}: log_probs contains nan (at index {first_bad_index(np.isnan(lp))[0]})")
    positive = lp > 1e-6
    if positive.any():
        i = first_bad_index(positive)[0]
        raise ValueError(
            f"{func}: log_probs must be log-probabilities (≤ 0), got {float(lp[i]):g} at index "
            f"{i}: a probability above 1"
        )
    if np.isneginf(lp).any():
        return math.inf
    # fsum of the terms x/N, not fsum(x)/N: Σ x can overflow (log-probabilities of −1e308),
    # while every partial sum of the x/N stays between the mean and 0
    n = lp.size
    mean = math.fsum(x / n for x in lp.astype(np.float64).tolist())
    try:
        return math.exp(-mean)
    except OverflowError:
        return math.inf


def empirical_distribution(labels, n_classes):
    """Relative frequencies p̂(v) = #{i : y_i = v} / N of N labels (equation ``info-empirical``).

    ``labels``: 1-D integer labels in 0 … n_classes − 1. Returns a (n_classes,)
    float64 probability vector.
    """
    func = "empirical_distribution"
    n_classes = check_positive_int(n_classes, "n_classes", func)
    if np.ndim(labels) != 1:
        raise ValueError(f"{func}: labels must be 1-D, got {np.ndim(labels)}-D")
    if np.size(labels) == 0:
        raise ValueError(f"{func}: labels is empty; the empirical distribution needs at least one label")
    y = _labels(labels, "labels", func, n_classes, (np.size(labels),))
    return np.bincount(y, minlength=n_classes) / y.size


def to_bits(nats):
    """Convert nats to bits: x / ln 2 (equation ``info-bits``); log₂ x = ln x / ln 2.

    Elementwise; a scalar gives a float. ±inf stay ±inf (an infinite
    cross-entropy is infinite in any unit); nan raises ValueError.
    """
    func = "to_bits"
    x = as_float_array(nats, "nats", func, finite=False)
    if np.isnan(x).any():
        raise ValueError(f"{func}: nats contains nan")
    return _as_output(x / np.log(2.0).astype(x.dtype))
