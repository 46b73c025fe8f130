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
from collections import Counter

import numpy as np

from . import _core
from ._validation import (
    as_float_array,
    broadcast_shape,
    check_axis,
    check_choice,
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
