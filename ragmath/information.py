"""Cross-entropy, perplexity and KL divergence (chapter 3).

Every public function cites the label of the equation it implements in
``book/03-information.md`` in its summary line; the chapter checks each one
numerically. The log-sum-exp and log-softmax are the package's one shifted,
log1p-accurate implementation (:mod:`ragmath._core`).

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
from collections import Counter
from fractions import Fraction

import numpy as np

from . import _core
from ._validation import (
    as_float_array,
    broadcast_shape,
    check_axis,
    check_choice,
    check_interval,
    check_positive_float,
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
    "prediction_summary",
    "cross_entropy_curve",
    "bigram_surprisal",
    "perplexity_curve",
    "kraft_sum",
    "shannon_code_lengths",
    "huffman_code_lengths",
    "prefix_code",
    "expected_code_length",
    "conditional_entropy",
    "mutual_information",
    "bits_per_byte",
    "held_out_rate",
    "ngram_log_probs",
    "spelled_unigram_log_probs",
    "fit_temperature",
    "reliability_bins",
    "expected_calibration_error",
]

_REDUCTIONS = ("sum", "mean")


# --------------------------------------------------------------------------- helpers
def _as_output(x: np.ndarray):
    """A 0-d result becomes a Python float; anything else stays an array."""
    return float(x) if np.ndim(x) == 0 else x


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
    """log Σ_j exp(x_j), shifted by the maximum (``info-lse``, ``info-lse-shift``, ``info-lse-bounds``).

    Uses log Σ e^{x_j} = m + log Σ e^{x_j − m} with m = max_j x_j: the largest
    term of the shifted sum is e⁰ = 1, so the sum lies in [1, V] and neither
    overflows nor has a logarithm of 0; it is taken as log1p of the other
    terms, which keeps their digits when they are tiny. The result lies in
    [max x, max x + log V].

    Parameters
    ----------
    x : array-like, at least 1-D
    axis : int, default -1

    Returns
    -------
    float or ndarray
        A float for a 1-D input; otherwise an array with ``axis`` removed.

    Raises
    ------
    ValueError
        For nan or inf in ``x``, a scalar ``x`` or an axis out of range.
    TypeError
        For a non-integer axis.

    Examples
    --------
    >>> print(f"{log_sum_exp([1000.0, 1000.0]) - 1000:.6f}")  # log 2; the naive sum is inf
    0.693147
    >>> print(log_sum_exp([[0.0, 0.0], [1.0, -1e4]]).round(4))
    [0.6931 1.    ]
    """
    func = "log_sum_exp"
    z = as_float_array(x, "x", func)
    if z.ndim == 0:
        raise ValueError(f"{func}: x must have at least one dimension, got a scalar")
    ax = check_axis(axis, z.ndim, func)
    return _as_output(_core.log_sum_exp(z, ax))


def log_softmax(logits, axis=-1):
    """log softmax(z)_j = z_j − log Σ_k e^{z_k}, stably (equation ``info-log-softmax``).

    The log-sum-exp is computed with the maximum shifted out (``info-lse-shift``),
    so logits of ±1e4 give finite log-probabilities (−2e4, not −inf or nan)
    and the largest entry is ≤ 0.

    Parameters
    ----------
    logits : array-like, at least 1-D
    axis : int, default -1

    Returns
    -------
    ndarray
        Same shape and dtype as ``logits``.

    Raises
    ------
    ValueError
        For nan or inf, a scalar or an axis out of range.

    Examples
    --------
    >>> print(log_softmax([0.0, 0.0]).round(4))
    [-0.6931 -0.6931]
    >>> print(log_softmax([1e4, -1e4]))
    [     0. -20000.]
    """
    func = "log_softmax"
    z = as_float_array(logits, "logits", func)
    if z.ndim == 0:
        raise ValueError(f"{func}: logits must have at least one dimension, got a scalar")
    ax = check_axis(axis, z.ndim, func)
    return _core.log_softmax(z, ax)


def entropy(p):
    """Shannon entropy H(p) = −Σ_j p_j log p_j in nats (equation ``info-entropy``).

    0·log 0 counts as 0. The result is never negative: rounding
    (probabilities a hair above 1) is clipped at 0.

    Parameters
    ----------
    p : array-like, (..., V)
        Probability vectors along the last axis.

    Returns
    -------
    float or ndarray
        A float for one vector, an array of shape (...) for a batch.

    Raises
    ------
    ValueError
        When ``p`` is not made of probability vectors.

    Examples
    --------
    >>> print(f"{entropy([0.5, 0.5]):.4f}")
    0.6931
    >>> print(entropy([1.0, 0.0]))
    0.0
    """
    func = "entropy"
    p = check_probability_vectors(p, "p", func)
    with np.errstate(divide="ignore"):
        log_p = np.log(p)
    h = -np.sum(_xlogy_terms(p, log_p), axis=-1)
    return _as_output(np.maximum(h, 0))


def kl_divergence(p, q):
    """Kullback–Leibler divergence KL(p ‖ q) = Σ_j p_j log(p_j / q_j) ≥ 0 (``info-kl``, ``info-gibbs``).

    Terms with p_j = 0 count 0; a q_j = 0 where p_j > 0 gives ``inf`` (the
    model says impossible what happens). Each logarithm is log(p_j / q_j), or
    log1p((p_j − q_j)/q_j) when q_j/2 ≤ p_j ≤ 2q_j (then p_j − q_j is exact,
    so a nearly-zero term keeps its digits), or log p_j − log q_j where the
    ratio over- or underflows. By Gibbs' inequality the result is ≥ 0; sums
    that rounding makes a hair negative are clipped at 0, and KL(p ‖ p) is
    exactly 0.

    Parameters
    ----------
    p, q : array-like, (..., V)
        Probability vectors along the last axis; leading axes broadcast, so
        one ``p`` can be compared with a batch of ``q``.

    Returns
    -------
    float or ndarray

    Raises
    ------
    ValueError
        For inputs that are not probability vectors, of different V, or whose
        leading axes do not broadcast.

    Examples
    --------
    >>> print(f"{kl_divergence([0.5, 0.5], [0.9, 0.1]):.4f}")
    0.5108
    >>> print(kl_divergence([0.5, 0.5], [1.0, 0.0]))
    inf
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
    """Cross-entropy (``info-cross-entropy``, ``info-one-hot``, ``info-ce-batch``, ``info-reduction``).

    −Σ_i Σ_j y_ij log ŷ_ij, of predicted probability rows against targets. With
    integer labels, row i contributes −log ŷ_{i, y_i}. Terms with y_ij = 0
    count 0 whatever ŷ_ij; a ŷ_ij = 0 where y_ij > 0 gives ``inf``.

    Parameters
    ----------
    y_true : array-like
        (N, V) probability (or one-hot) rows, or (N,) integer labels; with a
        single row (V,) of predictions, a (V,) target or a single label.
    y_pred : array-like, (N, V) or (V,)
        Predicted probability rows, each summing to 1.
    reduction : {"sum", "mean"}, default "sum"
        "mean" divides the sum by N, the number of rows.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For rows that are not probability vectors, labels out of range,
        mismatched shapes or an unknown reduction.
    TypeError
        For targets with one dimension less than y_pred that are not integers.

    Examples
    --------
    >>> print(f"{cross_entropy([0, 1], [[0.5, 0.5], [0.25, 0.75]]):.4f}")  # log 2 − log 0.75
    0.9808
    >>> print(f"{cross_entropy([0, 1], [[0.5, 0.5], [0.25, 0.75]], reduction='mean'):.4f}")
    0.4904
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
    """Cross-entropy of softmax(logits), never forming it (equations ``info-ce-logits``, ``info-ce-grad``).

    Row i contributes log Σ_k e^{z_ik} − z_{i, y_i}, with the log-sum-exp
    computed stably (``info-lse-shift``), so a very wrong
    prediction costs a large finite loss instead of −log 0 = inf. Soft
    targets give −Σ_j y_ij log softmax(z_i)_j. The gradient with respect to
    z_i is softmax(z_i) − y_i.

    Parameters
    ----------
    logits : array-like, (N, V), or (V,) with a single label
    labels : array-like
        (N,) integer labels, or (N, V) probability rows.
    reduction : {"sum", "mean"}, default "mean"
        "mean" divides by N.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For labels out of range, rows that are not probability vectors,
        mismatched shapes, nan or inf logits, or an unknown reduction.

    Examples
    --------
    >>> print(f"{cross_entropy_from_logits([[0.0, 0.0]], [1]):.4f}")
    0.6931
    >>> print(f"{cross_entropy_from_logits([[1e4, -1e4]], [1]):.1f}")  # finite, not inf
    20000.0
    """
    func = "cross_entropy_from_logits"
    reduction = check_choice(reduction, "reduction", func, _REDUCTIONS)
    z = as_float_array(logits, "logits", func, ndim=(1, 2))
    per_row = _cross_entropy_rows(labels, _core.log_softmax(z, -1), ("labels", "logits"), func)
    return _reduce(np.atleast_1d(per_row), reduction)


def perplexity(log_probs):
    """Perplexity exp(−(1/N) Σ_i log p_i) of N tokens (equations ``info-perplexity``, ``info-ppl-geometric``).

    The geometric mean of the inverse probabilities, at least 1; for one
    sentence it is p(y)^(−1/n) (``info-ppl-sentence``). A token given
    probability 0 (log-probability −inf) makes it ``inf``, and so does a mean
    log-probability below about −709.78 (exp overflows).

    Parameters
    ----------
    log_probs : array-like, 1-D
        The natural-log probabilities log p(y_i | y_<i) the model gave the N
        tokens of a sequence. They must be ≤ 0; up to 1e-6 above 0 is
        accepted as the rounding of a probability of 1.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For nan, a log-probability above 1e-6, or an input that is not 1-D.

    Examples
    --------
    >>> import math
    >>> print(f"{perplexity([math.log(0.5), math.log(0.125)]):.4f}")  # (0.5 · 0.125)^(−1/2)
    4.0000
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

    Parameters
    ----------
    labels : array-like of int, 1-D
        Labels in 0 … n_classes − 1.
    n_classes : int ≥ 1

    Returns
    -------
    ndarray, (n_classes,)
        A float64 probability vector.

    Raises
    ------
    ValueError
        For an empty or multi-dimensional ``labels`` or a label out of range.
    TypeError
        For labels that are not integers.

    Examples
    --------
    >>> print(empirical_distribution([0, 2, 2, 1], 3))
    [0.25 0.25 0.5 ]
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
    """Convert nats to bits, x / ln 2 (equation ``info-bits``): log₂ x = ln x / ln 2.

    Elementwise. ±inf stay ±inf (an infinite cross-entropy is infinite in
    any unit).

    Parameters
    ----------
    nats : float or array-like

    Returns
    -------
    float or ndarray
        A float for a scalar.

    Raises
    ------
    ValueError
        For nan.

    Examples
    --------
    >>> import math
    >>> print(to_bits(math.log(8)))
    3.0
    """
    func = "to_bits"
    x = as_float_array(nats, "nats", func, finite=False)
    if np.isnan(x).any():
        raise ValueError(f"{func}: nats contains nan")
    return _as_output(x / np.log(2.0).astype(x.dtype))


# ------------------------------------------------------- a prediction against a target
def prediction_summary(logits, temperature, target):
    """A tempered prediction q = softmax(z / T) against a target p (equation ``info-temperature``).

    q is computed as the exponential of :func:`log_softmax` of z / T, and
    compared with p by the quantities of the chapter: H(p, q) = H(p) + KL(p ‖ q)
    (``info-cross-entropy``, ``info-entropy``, ``info-kl``), the cross-entropy
    taken from the logits (``info-ce-logits``), and the perplexities
    e^{H(p, q)} and e^{H(p)} (``info-perplexity``).

    Parameters
    ----------
    logits : array-like, (V,)
        The model's logits z.
    temperature : float > 0
    target : array-like, (V,)
        The target distribution p.

    Returns
    -------
    dict
        "p", "q" (V,) and the floats "entropy" H(p), "kl" KL(p ‖ q),
        "cross_entropy" H(p, q), "perplexity" e^{H(p, q)} and
        "min_perplexity" e^{H(p)}, the perplexity of q = p.

    Raises
    ------
    ValueError
        For a temperature that is not a finite positive number, a target that
        is not a probability vector, or a target and logits of different sizes.

    Examples
    --------
    >>> s = prediction_summary([1.0, 1.0], 1.0, [0.5, 0.5])
    >>> print(f"{s['cross_entropy']:.4f} {s['kl']:.1f} {s['perplexity']:.4f}")
    0.6931 0.0 2.0000
    """
    func = "prediction_summary"
    z = as_float_array(logits, "logits", func, ndim=1).astype(np.float64)
    temperature = check_positive_float(temperature, "temperature", func)
    p = check_probability_vectors(target, "target", func).astype(np.float64)
    if p.shape != z.shape:
        raise ValueError(f"{func}: target has {p.size} entries but logits has {z.size}; they must match")
    scaled = z / temperature
    q = np.exp(log_softmax(scaled))
    ce = cross_entropy_from_logits(scaled, p)
    h = entropy(p)
    return {
        "p": p,
        "q": q,
        "entropy": h,
        "kl": kl_divergence(p, q),
        "cross_entropy": ce,
        "perplexity": math.exp(ce) if ce < 709 else math.inf,
        "min_perplexity": math.exp(h),
    }


def cross_entropy_curve(temperatures, logits, target):
    """H(p, softmax(z / T)) at every temperature T of ``temperatures``.

    The cross-entropy of :func:`prediction_summary`, for the tempered
    predictions of ``info-temperature``.

    Parameters
    ----------
    temperatures : sequence of float > 0
    logits, target : array-like, (V,)
        As in :func:`prediction_summary`.

    Returns
    -------
    ndarray, (len(temperatures),)
        The cross-entropies in nats (``info-ce-logits``).

    Raises
    ------
    ValueError
        As :func:`prediction_summary`.

    Examples
    --------
    >>> print(cross_entropy_curve([0.5, 1.0, 100.0], [2.0, 0.0], [0.5, 0.5]).round(4))
    [2.0181 1.1269 0.6932]
    """
    return np.array(
        [prediction_summary(logits, t, target)["cross_entropy"] for t in temperatures]
    )


# ---------------------------------------------------------------- a bigram model
def _sentences(training, func: str) -> tuple[str, ...]:
    if isinstance(training, str) or not all(isinstance(s, str) for s in training):
        raise TypeError(f"{func}: training must be a list of sentences (strings)")
    training = tuple(training)
    if not training:
        raise ValueError(f"{func}: training is empty; it needs at least one sentence")
    return training


def _words(sentence, func: str) -> list[str]:
    """The tokens of a sentence (chapter 4's ``lex-tokenize``: lowercased runs of letters and digits)."""
    if not isinstance(sentence, str):
        raise TypeError(f"{func}: sentence must be a string, got {type(sentence).__name__}")
    return _core.word_tokens(sentence)


def _bigram_counts(training: tuple[str, ...]):
    """(bigram counts, context counts, vocabulary) of sentences framed by <s> … </s>."""
    pairs: Counter = Counter()
    for sentence in training:
        words = ["<s>", *_core.word_tokens(sentence), "</s>"]
        pairs.update(zip(words[:-1], words[1:]))
    contexts: Counter = Counter()
    for (v, _), c in pairs.items():
        contexts[v] += c
    vocabulary = tuple(sorted({w for _, w in pairs}))  # every word, and </s>
    return pairs, contexts, vocabulary


def _framed(counts, sentence: str, func: str) -> list[str]:
    _, contexts, _ = counts
    words = _words(sentence, func)
    unknown = [w for w in words if w not in contexts]
    if unknown:
        raise ValueError(
            f"{func}: sentence has the word {unknown[0]!r}, which is not in the training "
            f"vocabulary; the model gives it no probability"
        )
    return ["<s>", *words, "</s>"]


def _add_alpha_log_probs(counts, framed: list[str], alpha: float) -> np.ndarray:
    """log p_α(w | v) = log((c(v, w) + α) / (c(v) + α|V|)) of every bigram of ``framed``."""
    pairs, contexts, vocabulary = counts
    size = len(vocabulary)
    return np.array(
        [math.log((pairs[(v, w)] + alpha) / (contexts[v] + alpha * size))
         if pairs[(v, w)] + alpha > 0 else -math.inf
         for v, w in zip(framed[:-1], framed[1:])]
    )


def bigram_surprisal(training, sentence, alpha=1.0):
    """Surprisal of each token of a sentence, add-α bigram model (``info-add-alpha``, ``info-ppl-sentence``).

    The model frames every sentence as <s> w_1 … w_n </s> and predicts each
    token from the one before it, p(w | v) = (c(v, w) + α) / (c(v) + α|V|),
    where c counts the bigrams of the training sentences, c(v) = Σ_w c(v, w),
    and V is the vocabulary of predicted tokens (the training words and
    </s>). α = 1 is add-one (Laplace) smoothing, α = 0 the unsmoothed
    maximum-likelihood estimate. Sentences are tokenized as in chapter 4
    (lowercased runs of letters and digits). The sentence's log-likelihood is
    the sum of the log-probabilities (``info-seq-loglik``) and its perplexity
    p(y)^(−1/n) (``info-ppl-sentence``).

    Parameters
    ----------
    training : list of str
        The training sentences.
    sentence : str
        Every word of it must occur in ``training``.
    alpha : float ≥ 0, default 1

    Returns
    -------
    dict
        "contexts" and "tokens" (the n + 1 predicted tokens, </s> last),
        "log_probs", "surprisal" (−log p), "seen" (whether each bigram occurs
        in training), "running_perplexity" (the perplexity of the first i
        tokens), "log_likelihood" (their sum), "perplexity" and
        "vocabulary_size" |V|.

    Raises
    ------
    ValueError
        For an empty training set, a negative α, or a word the training
        sentences do not contain.
    TypeError
        For training that is not a list of strings, or a sentence that is not
        a string.

    Examples
    --------
    >>> r = bigram_surprisal(["the cat sat", "the dog sat"], "the cat sat", alpha=0)
    >>> print(r["tokens"], np.exp(r["log_probs"]), f"{r['perplexity']:.4f}")
    ['the', 'cat', 'sat', '</s>'] [1.  0.5 1.  1. ] 1.1892
    """
    func = "bigram_surprisal"
    counts = _bigram_counts(_sentences(training, func))
    alpha = check_positive_float(alpha, "alpha", func, allow_zero=True)
    framed = _framed(counts, sentence, func)
    log_probs = _add_alpha_log_probs(counts, framed, alpha)
    pairs = counts[0]
    ctx, toks = framed[:-1], framed[1:]
    running = np.array([perplexity(log_probs[: i + 1]) for i in range(len(log_probs))])
    return {
        "contexts": ctx,
        "tokens": toks,
        "log_probs": log_probs,
        "surprisal": -log_probs,
        "seen": np.array([pairs[(v, w)] > 0 for v, w in zip(ctx, toks)]),
        "running_perplexity": running,
        "log_likelihood": float(log_probs.sum()),
        "perplexity": perplexity(log_probs),
        "vocabulary_size": len(counts[2]),
    }


def perplexity_curve(training, sentence, alphas):
    """The perplexity of a sentence under the add-α bigram model, for every α of ``alphas``.

    The bigrams of ``training`` are counted once for all the α; each value
    is ``bigram_surprisal(training, sentence, alpha)["perplexity"]``, the
    sentence's perplexity (``info-ppl-sentence``) under the model of
    ``info-add-alpha``.

    Parameters
    ----------
    training : list of str
    sentence : str
    alphas : sequence of float ≥ 0

    Returns
    -------
    ndarray, (len(alphas),)

    Raises
    ------
    ValueError, TypeError
        As :func:`bigram_surprisal`.

    Examples
    --------
    >>> print(perplexity_curve(["the cat sat", "the dog sat"], "the cat sat", [0, 1, 1e9]).round(4))
    [1.1892 2.7497 5.    ]
    """
    func = "perplexity_curve"
    counts = _bigram_counts(_sentences(training, func))
    framed = _framed(counts, sentence, func)
    alphas = [check_positive_float(a, "alphas", func, allow_zero=True) for a in alphas]
    return np.array([perplexity(_add_alpha_log_probs(counts, framed, a)) for a in alphas])


# ------------------------------------------------------------------ codes and code lengths
def _lengths(lengths, func: str, *, allow_inf: bool = False) -> np.ndarray:
    """Codeword lengths: a 1-D array of non-negative integers (inf allowed where asked)."""
    arr = as_float_array(lengths, "lengths", func, ndim=1, finite=False)
    if np.isnan(arr).any():
        raise ValueError(f"{func}: lengths contains nan (at index {first_bad_index(np.isnan(arr))[0]})")
    finite = np.isfinite(arr)
    if not allow_inf and not finite.all():
        raise ValueError(f"{func}: lengths contains inf (at index {first_bad_index(~finite)[0]})")
    bad = (arr < 0) | (finite & (arr != np.round(arr))) | (arr == -np.inf)
    if bad.any():
        i = first_bad_index(bad)[0]
        raise ValueError(
            f"{func}: lengths must be non-negative whole numbers of bits, got {float(arr[i]):g} at index {i}"
        )
    return arr


def kraft_sum(lengths):
    """Kraft's sum Σ_v 2^(−ℓ_v) of codeword lengths: a prefix code exists iff it is ≤ 1 (``info-kraft``).

    Parameters
    ----------
    lengths : array-like, 1-D
        Non-negative whole numbers (the lengths ℓ_v in bits); ``inf`` (a
        symbol with no codeword) contributes 0.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For negative, fractional or nan lengths, or an input that is not 1-D.

    Examples
    --------
    >>> print(kraft_sum([1, 2, 3, 3]))  # a complete code: 0, 10, 110, 111
    1.0
    >>> print(kraft_sum([1, 1, 2]))  # no prefix code has these lengths
    1.25
    """
    func = "kraft_sum"
    ell = _lengths(lengths, func, allow_inf=True)
    return math.fsum(2.0 ** -x for x in ell.tolist())


def shannon_code_lengths(q):
    """Shannon's codeword lengths ℓ_v = ⌈−log₂ q(v)⌉ for a code built for q (``info-shannon-code``).

    The lengths satisfy Kraft's inequality (``info-kraft``), so a prefix code
    with them exists (:func:`prefix_code`); a symbol with q(v) = 0 gets no
    codeword (length ``inf``). Probabilities that are exact powers of 2 get
    exactly −log₂ q(v) bits.

    Parameters
    ----------
    q : array-like, (V,)
        A probability vector.

    Returns
    -------
    ndarray, (V,)
        float64 lengths (whole numbers, or inf).

    Raises
    ------
    ValueError
        When ``q`` is not a 1-D probability vector.

    Examples
    --------
    >>> print(shannon_code_lengths([0.5, 0.25, 0.125, 0.125]))
    [1. 2. 3. 3.]
    >>> print(shannon_code_lengths([0.4, 0.6, 0.0]))  # ⌈1.32⌉, ⌈0.74⌉
    [ 2.  1. inf]
    """
    func = "shannon_code_lengths"
    q = check_probability_vectors(q, "q", func).astype(np.float64)
    if q.ndim != 1:
        raise ValueError(f"{func}: q must be 1-D, got shape {q.shape}")
    out = np.full(q.shape, np.inf)
    pos = q > 0
    # frexp gives q = m·2^e with m in [0.5, 1), so −log₂ q = −e − log₂ m with −log₂ m in (0, 1]:
    # the ceiling is 1 − e exactly, with no rounding of a logarithm near a whole number
    _, e = np.frexp(q[pos])
    out[pos] = (1 - e).astype(np.float64)
    return out


def huffman_code_lengths(p):
    """Codeword lengths of a Huffman code for p, an optimal prefix code.

    Its lengths satisfy Kraft's inequality with equality (uses ``info-kraft``).
    Huffman's algorithm repeatedly merges the two least probable subtrees
    (ties: the lower index, then the earlier merge, first); a symbol's
    length is its depth in the final tree. Its expected length Σ p ℓ
    (``info-expected-length``) is the smallest of all prefix codes, and lies
    in [H₂(p), H₂(p) + 1). Symbols of probability 0 take part with weight 0.

    Parameters
    ----------
    p : array-like, (V,)
        A probability vector.

    Returns
    -------
    ndarray of int64, (V,)
        The lengths; a single symbol gets length 0 (nothing needs to be sent).

    Raises
    ------
    ValueError
        When ``p`` is not a 1-D probability vector.

    Examples
    --------
    >>> print(huffman_code_lengths([0.5, 0.25, 0.125, 0.125]))
    [1 2 3 3]
    >>> print(huffman_code_lengths([0.4, 0.3, 0.3]))
    [1 2 2]
    """
    import heapq

    func = "huffman_code_lengths"
    p = check_probability_vectors(p, "p", func).astype(np.float64)
    if p.ndim != 1:
        raise ValueError(f"{func}: p must be 1-D, got shape {p.shape}")
    size = p.size
    lengths = np.zeros(size, dtype=np.int64)
    if size == 1:
        return lengths
    heap = [(float(w), i, (i,)) for i, w in enumerate(p)]
    heapq.heapify(heap)
    order = size
    while len(heap) > 1:
        w1, _, s1 = heapq.heappop(heap)
        w2, _, s2 = heapq.heappop(heap)
        members = s1 + s2
        lengths[list(members)] += 1  # every symbol below the new node is one bit deeper
        heapq.heappush(heap, (w1 + w2, order, members))
        order += 1
    return lengths


def prefix_code(lengths):
    """Binary codewords with the given lengths, none of them a prefix of another.

    The construction behind Kraft's inequality (uses ``info-kraft``).
    The canonical construction: sort the symbols by length (ties: lower
    index first) and give each the next binary number of its length, read
    as the interval [c·2^(−ℓ), (c + 1)·2^(−ℓ)) of [0, 1). The intervals are
    disjoint, so the code is prefix-free, and they fit in [0, 1) exactly when
    Kraft's sum Σ 2^(−ℓ_v) is ≤ 1.

    Parameters
    ----------
    lengths : array-like, 1-D
        Whole numbers ≥ 0 (``inf`` for a symbol without a codeword; 0 only
        for a lone symbol, whose codeword is empty).

    Returns
    -------
    list of str
        The codewords, as strings of "0" and "1" ("" for a symbol of length inf).

    Raises
    ------
    ValueError
        For lengths whose Kraft sum exceeds 1 (no prefix code exists; this
        includes a length 0 next to other codewords), or lengths that are not
        whole numbers.

    Examples
    --------
    >>> prefix_code([1, 2, 3, 3])
    ['0', '10', '110', '111']
    >>> prefix_code([2, 1, 2])
    ['10', '0', '11']
    """
    func = "prefix_code"
    ell = _lengths(lengths, func, allow_inf=True)
    total = sum((Fraction(1, 2 ** int(x)) for x in ell.tolist() if math.isfinite(x)), Fraction(0))
    if total > 1:
        raise ValueError(
            f"{func}: lengths have Kraft sum {float(total):g} > 1 (Σ 2^-ℓ over the symbols); "
            f"no prefix code has these lengths"
        )
    finite = [i for i in range(ell.size) if math.isfinite(ell[i])]  # (a 0 next to others: sum > 1)
    codes = [""] * ell.size
    code, previous = 0, None
    for i in sorted(finite, key=lambda j: (ell[j], j)):
        length = int(ell[i])
        if previous is not None:
            code = (code + 1) << (length - previous)
        codes[i] = format(code, f"0{length}b") if length else ""
        previous = length
    return codes


def expected_code_length(p, lengths):
    """Expected codeword length L = Σ_v p(v) ℓ_v in bits, of symbols drawn from p (``info-expected-length``).

    Symbols with p(v) = 0 count 0 whatever their length; a symbol with
    p(v) > 0 and no codeword (length inf) makes L infinite.

    Parameters
    ----------
    p : array-like, (V,)
        The distribution of the symbols.
    lengths : array-like, (V,)
        Codeword lengths (whole numbers ≥ 0, or inf).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For a p that is not a probability vector, bad lengths, or sizes that differ.

    Examples
    --------
    >>> print(expected_code_length([0.5, 0.25, 0.125, 0.125], [1, 2, 3, 3]))
    1.75
    """
    func = "expected_code_length"
    p = check_probability_vectors(p, "p", func).astype(np.float64)
    ell = _lengths(lengths, func, allow_inf=True)
    if p.ndim != 1 or p.shape != ell.shape:
        raise ValueError(f"{func}: p has shape {p.shape} but lengths has shape {ell.shape}; they must match")
    if np.any((p > 0) & ~np.isfinite(ell)):
        return math.inf
    return math.fsum((p[p > 0] * ell[p > 0]).tolist())


# ------------------------------------------------------------- two variables: H(Y|X), I(X;Y)
def _joint(joint, func: str) -> np.ndarray:
    arr = as_float_array(joint, "joint", func, ndim=2).astype(np.float64)
    if (arr < 0).any():
        bad = first_bad_index(arr < 0)
        raise ValueError(f"{func}: joint has a negative probability (at row {bad[0]}, column {bad[1]})")
    total = float(arr.sum())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{func}: joint must sum to 1 over all its entries, got {total:.6g}")
    return arr


def conditional_entropy(joint):
    """H(Y | X) = −Σ_{x,y} p(x, y) log p(y | x), rows x and columns y of the joint (``info-cond-entropy``).

    The expected entropy of Y once X is known, Σ_x p(x) H(Y | X = x). Rows
    with p(x) = 0 count 0. For H(X | Y) pass ``joint.T``.

    Parameters
    ----------
    joint : array-like, (n_x, n_y)
        The joint distribution p(x, y): non-negative, summing to 1 in all.

    Returns
    -------
    float
        In nats, ≥ 0.

    Raises
    ------
    ValueError
        For a joint that is not 2-D, has a negative entry or does not sum to 1.

    Examples
    --------
    >>> print(f"{conditional_entropy([[0.25, 0.25], [0.5, 0.0]]):.4f}")  # ½ · log 2
    0.3466
    """
    func = "conditional_entropy"
    pxy = _joint(joint, func)
    px = pxy.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_cond = np.log(pxy / px)
    return max(0.0, -math.fsum(_xlogy_terms(pxy, log_cond).ravel().tolist()))


def mutual_information(joint):
    """I(X; Y) = KL(p(x, y) ‖ p(x) p(y)) = Σ p(x, y) log(p(x, y) / (p(x) p(y))) (``info-mutual-information``).

    How far the joint is from the product of its marginals, ≥ 0 and 0 only
    for independent X and Y (Gibbs, ``info-gibbs``); equal to
    H(X) − H(X | Y) = H(Y) − H(Y | X).

    Parameters
    ----------
    joint : array-like, (n_x, n_y)
        The joint distribution p(x, y).

    Returns
    -------
    float
        In nats.

    Raises
    ------
    ValueError
        As :func:`conditional_entropy`.

    Examples
    --------
    >>> print(f"{mutual_information([[0.5, 0.0], [0.0, 0.5]]):.4f}")  # Y = X: I = H(X) = log 2
    0.6931
    >>> print(mutual_information([[0.12, 0.28], [0.18, 0.42]]) < 1e-15)  # independent
    True
    """
    func = "mutual_information"
    pxy = _joint(joint, func)
    product = np.outer(pxy.sum(axis=1), pxy.sum(axis=0))
    return kl_divergence(pxy.ravel() / pxy.sum(), product.ravel() / product.sum())


# ------------------------------------------------------------ rates: bits per byte, held-out
def bits_per_byte(total_nats, n_bytes):
    """Bits per byte, total negative log-likelihood / (number of bytes · ln 2) (``info-bits-per-byte``).

    A unit that does not depend on the tokenizer: the same text scored by
    models with different tokens has one number of bytes.

    Parameters
    ----------
    total_nats : float ≥ 0
        −Σ_i log q_i over all the tokens of the text, in nats.
    n_bytes : int ≥ 1
        The length of the text in bytes (UTF-8).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For a negative or nan total, or n_bytes < 1.
    TypeError
        For an n_bytes that is not an integer.

    Examples
    --------
    >>> import math
    >>> print(bits_per_byte(8 * math.log(2), 4))  # 8 bits over 4 bytes
    2.0
    """
    func = "bits_per_byte"
    if isinstance(total_nats, numbers.Real) and total_nats == math.inf:
        total = math.inf  # a token of probability 0: infinitely many bits
    else:
        total = check_interval(total_nats, "total_nats", func, 0.0, None)
    n_bytes = check_positive_int(n_bytes, "n_bytes", func)
    return total / (n_bytes * math.log(2))


def held_out_rate(losses, sizes):
    """Held-out rate Σ_j s_j / Σ_j n_j and its standard error (``info-held-out``, ``info-held-out-se``).

    The units j (sentences, passages, documents) are the independent draws:
    s_j is the loss of unit j (its total nats) and n_j its size (tokens, or
    bytes). R̂ estimates the cross-entropy rate of the model on the source
    of the text; its standard error is that of a ratio estimator
    (linearisation), √(m/(m − 1) Σ_j (s_j − R̂ n_j)²) / Σ_j n_j.

    Parameters
    ----------
    losses : array-like, (m,)
        Non-negative totals s_j, one per unit (m ≥ 2).
    sizes : array-like, (m,)
        Positive sizes n_j.

    Returns
    -------
    tuple of float
        (rate, standard_error), in the units of losses per unit of size.

    Raises
    ------
    ValueError
        For fewer than 2 units, lengths that differ, negative losses,
        non-positive sizes, nan or inf.

    Examples
    --------
    >>> rate, se = held_out_rate([2.0, 4.0, 6.0], [1, 2, 3])
    >>> print(rate, se)  # every unit has exactly 2 nats per token
    2.0 0.0
    """
    func = "held_out_rate"
    s = as_float_array(losses, "losses", func, ndim=1).astype(np.float64)
    n = as_float_array(sizes, "sizes", func, ndim=1).astype(np.float64)
    if s.shape != n.shape:
        raise ValueError(f"{func}: losses has {s.size} units but sizes has {n.size}; they must match")
    if s.size < 2:
        raise ValueError(f"{func}: losses needs at least 2 units for a standard error, got {s.size}")
    if (s < 0).any():
        raise ValueError(f"{func}: losses must be non-negative (nats), got {s[s < 0][0]:g}")
    if (n <= 0).any():
        raise ValueError(f"{func}: sizes must be positive, got {n[n <= 0][0]:g}")
    total = math.fsum(n.tolist())
    rate = math.fsum(s.tolist()) / total
    residual = s - rate * n
    m = s.size
    se = math.sqrt(m / (m - 1) * math.fsum((residual * residual).tolist())) / total
    return rate, se


# ------------------------------------------------------------------------ n-gram models
def _sequences(x, name: str, func: str) -> list[list]:
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{func}: {name} must be a list of token sequences (lists or strings)")
    out = [list(s) for s in x]
    if not out:
        raise ValueError(f"{func}: {name} is empty; it needs at least one sequence")
    return out


def ngram_log_probs(train, test, order, alpha, vocabulary):
    """Add-α n-gram log-probabilities log p(w | h) = log((c(h, w) + α) / (c(h) + α|V|)) (``info-ngram``).

    The context h is the n − 1 tokens before w, padded with "<s>" at the
    start, and every sequence ends with the predicted token "</s>" (added
    to the vocabulary V). Order 2 is the bigram model of ``info-add-alpha``;
    order 1 ignores the context.

    Parameters
    ----------
    train, test : list of sequences
        Token sequences (lists of tokens, or strings read as characters).
    order : int ≥ 1
    alpha : float > 0
    vocabulary : iterable
        The tokens the model can predict; every test token must be in it.

    Returns
    -------
    list of ndarray
        One array per test sequence: the len(sequence) + 1 log-probabilities
        of its tokens and of "</s>".

    Raises
    ------
    ValueError
        For an empty train or test, order < 1, α ≤ 0, or a test token
        outside the vocabulary.
    TypeError
        For train or test that are not lists of sequences.

    Examples
    --------
    >>> lp = ngram_log_probs(["ab", "ab"], ["ab"], order=2, alpha=1.0, vocabulary="ab")
    >>> print(np.exp(lp[0]).round(4))  # a after <s>, b after a, </s> after b: (2+1)/(2+3)
    [0.6 0.6 0.6]
    """
    func = "ngram_log_probs"
    train = _sequences(train, "train", func)
    test = _sequences(test, "test", func)
    order = check_positive_int(order, "order", func)
    alpha = check_positive_float(alpha, "alpha", func)
    vocab = set(vocabulary) | {"</s>"}
    size = len(vocab)
    for j, seq in enumerate(test):
        unknown = [t for t in seq if t not in vocab]
        if unknown:
            raise ValueError(f"{func}: test sequence {j} has the token {unknown[0]!r}, not in the vocabulary")
    # every n-gram becomes one integer, its tokens' ids as digits in base |ids| (the last token
    # least significant, so that code // base is the code of its context), counted with np.unique
    ids = {"<s>": 0, "</s>": 1}
    for t in vocab:
        ids.setdefault(t, len(ids))
    for seq in train:
        for t in seq:
            ids.setdefault(t, len(ids))
    base = len(ids)
    if base ** order >= 2**62:
        raise ValueError(f"{func}: order {order} with {base} distinct tokens is too large to count")

    def codes(sequences):
        """The n-gram codes of each sequence (padded with <s>, ended by </s>), concatenated."""
        arrays = [np.array([0] * (order - 1) + [ids[t] for t in seq] + [1], dtype=np.int64)
                  for seq in sequences]
        grams = []
        for a in arrays:
            n = a.size - order + 1
            code = np.zeros(n, dtype=np.int64)
            for k in range(order):
                code = code * base + a[k : k + n]
            grams.append(code)
        return grams

    def lookup(keys, values, counts):
        at = np.clip(np.searchsorted(keys, values), 0, max(keys.size - 1, 0))
        return np.where(keys[at] == values, counts[at], 0) if keys.size else np.zeros(values.size)

    train_codes = np.concatenate(codes(train))
    gram_keys, gram_counts = np.unique(train_codes, return_counts=True)
    context_keys, context_counts = np.unique(train_codes // base, return_counts=True)
    out = []
    for grams in codes(test):
        c_hw = lookup(gram_keys, grams, gram_counts)
        c_h = lookup(context_keys, grams // base, context_counts)
        out.append(np.log((c_hw + alpha) / (c_h + alpha * size)))
    return out


def spelled_unigram_log_probs(train, test, alpha=0.1, char_alpha=0.5):
    """Open-vocabulary word unigram: unknown words spelled by characters (``info-spelled-unigram``).

    A known word w costs log p(w), a new one log p(<unk>) + log p_char(spelling).
    The words seen at least twice in ``train`` are known; the words seen
    once are counted as "<unk>" (they stand for the words a new text will
    bring). p(w) is the add-α unigram estimate over the known words,
    "<unk>" and "</s>" (``info-ngram`` with order 1). A word not known is
    spelled by an add-``char_alpha`` character unigram model, trained on the
    characters of the training words, each word followed by an end-of-word
    mark: log p_char = Σ_c log p(c) + log p(end); its alphabet is the
    characters of the training words and of the test texts, so a character
    never seen in training gets the smoothing's share. Every string of words
    therefore gets a probability (the sum over all strings is at most 1: a
    known word can also be spelled, which wastes a little mass).

    Parameters
    ----------
    train, test : list of str
        Texts; their words are the runs of letters and digits (as
        :func:`ragmath.lexical.tokenize`).
    alpha, char_alpha : float > 0

    Returns
    -------
    list of ndarray
        One array per test text: the log-probability of each word and of
        "</s>" (a spelled word's entry includes its spelling).

    Raises
    ------
    ValueError
        For an empty train or test, or α ≤ 0.
    TypeError
        For train or test that are not lists of strings.

    Examples
    --------
    >>> lp = spelled_unigram_log_probs(["a a b"], ["a c"], alpha=1.0, char_alpha=1.0)
    >>> print(np.exp(lp[0]).round(4))  # a: (2+1)/(4+3); c: p(<unk>) p_char(c) p_char(end) = 2/7 · 0.1 · 0.4
    [0.4286 0.0114 0.2857]
    """
    func = "spelled_unigram_log_probs"
    for name, x in (("train", train), ("test", test)):
        if isinstance(x, str) or not all(isinstance(t, str) for t in x):
            raise TypeError(f"{func}: {name} must be a list of texts (strings)")
        if not x:
            raise ValueError(f"{func}: {name} is empty; it needs at least one text")
    alpha = check_positive_float(alpha, "alpha", func)
    char_alpha = check_positive_float(char_alpha, "char_alpha", func)
    train_words = [_core.word_tokens(t) for t in train]
    word_counts = Counter(w for ws in train_words for w in ws)
    counts = {w: c for w, c in word_counts.items() if c > 1}
    counts["<unk>"] = sum(1 for c in word_counts.values() if c == 1)
    counts["</s>"] = len(train)
    total, size = sum(counts.values()), len(counts)
    test_words = [_core.word_tokens(t) for t in test]
    end = "\x00"  # the end-of-word mark
    chars = Counter(ch for ws in train_words for w in ws for ch in w + end)
    alphabet = set(chars) | {ch for ws in test_words for w in ws for ch in w}
    n_chars, n_alphabet = sum(chars.values()), len(alphabet)

    def log_char(ch):
        return math.log((chars[ch] + char_alpha) / (n_chars + char_alpha * n_alphabet))

    log_unk = math.log((counts["<unk>"] + alpha) / (total + alpha * size))
    out = []
    for ws in test_words:
        lp = []
        for w in ws:
            if w in counts and w not in ("<unk>", "</s>"):
                lp.append(math.log((counts[w] + alpha) / (total + alpha * size)))
            else:
                lp.append(log_unk + math.fsum(log_char(ch) for ch in w + end))
        lp.append(math.log((counts["</s>"] + alpha) / (total + alpha * size)))
        out.append(np.array(lp))
    return out


# ---------------------------------------------------------------------------- calibration
def _logits_and_labels(logits, labels, func: str):
    z = as_float_array(logits, "logits", func, ndim=2).astype(np.float64)
    y = _labels(labels, "labels", func, z.shape[1], (z.shape[0],))
    return z, y


def _temperature_slope(z: np.ndarray, y: np.ndarray, beta: float) -> float:
    """d/dβ of the mean NLL of softmax(β z): mean over rows of E_q[z] − z_y."""
    q = np.exp(_core.log_softmax(beta * z, -1))
    return float(np.mean(np.sum(q * z, axis=1) - z[np.arange(z.shape[0]), y]))


def fit_temperature(logits, labels):
    """The temperature T* minimising the mean NLL of softmax(z / T) (``info-temperature-fit``).

    Temperature scaling (Guo et al., 2017). With β = 1/T the mean NLL
    (1/n) Σ_i (LSE(β z_i) − β z_{i, y_i}) is convex in β (its second
    derivative is the mean variance of z under q_β), so its minimiser is the
    root of the slope (1/n) Σ_i (E_{q_β}[z_i] − z_{i, y_i})
    (``info-temperature-slope``), found by bisection on log β to full
    precision. The predicted class (the largest logit) never changes.

    Parameters
    ----------
    logits : array-like, (n, K)
    labels : array-like of int, (n,)

    Returns
    -------
    float
        T* > 0.

    Raises
    ------
    ValueError
        For bad shapes or labels, nan or inf, or data whose NLL keeps falling
        as T → 0 or T → ∞ within 1e-4 ≤ T ≤ 1e4 (e.g. every example already
        classified correctly with a margin), where no finite T is best.

    Examples
    --------
    >>> z = np.array([[4.0, 0.0], [4.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    >>> t = fit_temperature(z, [0, 0, 1, 1])  # 3 of 4 right: softmax(z / T) should give 0.75
    >>> print(f"{t:.4f} {np.exp(log_softmax(z[0] / t))[0]:.4f}")
    3.6410 0.7500
    """
    func = "fit_temperature"
    z, y = _logits_and_labels(logits, labels, func)
    lo, hi = math.log(1e-4), math.log(1e4)  # log β
    if _temperature_slope(z, y, math.exp(lo)) >= 0:
        raise ValueError(f"{func}: the NLL keeps falling as T grows beyond 1e4 (the logits carry no signal)")
    if _temperature_slope(z, y, math.exp(hi)) <= 0:
        raise ValueError(f"{func}: the NLL keeps falling as T → 0 (below 1e-4): no finite T is best")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if _temperature_slope(z, y, math.exp(mid)) < 0:
            lo = mid
        else:
            hi = mid
    return math.exp(-0.5 * (lo + hi))


def _probs_and_labels(probs, labels, func: str):
    p = check_probability_vectors(probs, "probs", func).astype(np.float64)
    if p.ndim != 2:
        raise ValueError(f"{func}: probs must be 2-D (n, K), got shape {p.shape}")
    y = _labels(labels, "labels", func, p.shape[1], (p.shape[0],))
    return p, y


def _reliability(probs, labels, n_bins, func: str) -> dict:
    p, y = _probs_and_labels(probs, labels, func)
    n_bins = check_positive_int(n_bins, "n_bins", func)
    conf = p.max(axis=1)
    correct = (np.argmax(p, axis=1) == y).astype(np.float64)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(which, weights=conf, minlength=n_bins) / count
        accuracy = np.bincount(which, weights=correct, minlength=n_bins) / count
    return {"edges": edges, "confidence": confidence, "accuracy": accuracy, "count": count}


def reliability_bins(probs, labels, n_bins=15):
    """Confidence, accuracy and count of each of n_bins equal-width confidence bins.

    The bins of the expected calibration error (uses ``info-ece``) and of a
    reliability diagram.
    The confidence of a prediction is its largest probability, and it is
    correct when that class (lowest index among ties) is the label. Bin b
    holds the confidences in ((b − 1)/M, b/M] (the first also 0).

    Parameters
    ----------
    probs : array-like, (n, K)
        Predicted probability rows.
    labels : array-like of int, (n,)
    n_bins : int ≥ 1, default 15

    Returns
    -------
    dict
        "edges" (n_bins + 1,), "confidence", "accuracy" (nan for an empty
        bin) and "count" (n_bins,).

    Raises
    ------
    ValueError
        For bad probabilities, shapes or labels, or n_bins < 1.

    Examples
    --------
    >>> b = reliability_bins([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], [0, 1, 1], n_bins=2)
    >>> print(b["count"], b["accuracy"], b["confidence"].round(2))
    [0 3] [       nan 0.66666667] [nan 0.8]
    """
    return _reliability(probs, labels, n_bins, "reliability_bins")


def expected_calibration_error(probs, labels, n_bins=15):
    """ECE = Σ_b (|B_b| / n) |acc(B_b) − conf(B_b)| over equal-width confidence bins (``info-ece``).

    The bins are those of :func:`reliability_bins` (Guo et al. use 15).
    0 for a perfectly calibrated predictor on infinitely many examples; on n
    examples even a calibrated predictor has an ECE of order √(n_bins / n).

    Parameters
    ----------
    probs : array-like, (n, K)
    labels : array-like of int, (n,)
    n_bins : int ≥ 1, default 15

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ValueError
        As :func:`reliability_bins`.

    Examples
    --------
    >>> ece = expected_calibration_error([[0.9, 0.1], [0.8, 0.2]], [0, 1], n_bins=10)
    >>> print(f"{ece:.2f}")  # (|1 − 0.9| + |0 − 0.8|) / 2
    0.45
    """
    b = _reliability(probs, labels, n_bins, "expected_calibration_error")
    n = int(b["count"].sum())
    full = b["count"] > 0
    gaps = np.abs(b["accuracy"][full] - b["confidence"][full]) * b["count"][full] / n
    return math.fsum(gaps.tolist())
