"""Attention (chapter 2, "Attention").

Every public function cites the label of the equation it implements in
``book/02-attention.md`` in its summary line; the chapter checks each one
numerically. The softmax itself is the package's one stable softmax,
:func:`ragmath._core.softmax`.

Shapes (vectors are rows)::

    softmax(x, axis=-1)                       x (..., n)            -> same shape
    scaled_dot_product_attention(Q, K, V)     Q (..., n_q, d_k)
                                              K (..., n_k, d_k)
                                              V (..., n_k, d_v)     -> output (..., n_q, d_v),
                                                                       weights (..., n_q, n_k)
    multi_head_attention(X_q, X_k, X_v, W_q, W_k, W_v, W_o, num_heads)
                                              X_* (n, d_model), W_* (d_model, d_model)
                                                                    -> output (n_q, d_model),
                                                                       weights (num_heads, n_q, n_k)

Masks are boolean, True = "this query may attend to this key", and
broadcastable to the scores' shape (..., n_q, n_k). A masked score enters the
softmax as −∞, so its weight is exactly 0; a query row with nothing left to
attend to raises ValueError (the softmax of an empty set is undefined).

Attention at scale: :func:`attention_gradients` (the backward pass, whose query
and key gradients vanish when the rows saturate and whose value gradient does
not), :func:`online_softmax` and :func:`blockwise_attention` (the running
max-and-sum rescaling of FlashAttention, exact, without the score matrix),
:func:`kv_cache_bytes` and :func:`kv_cache_decode` (causal decoding with a
key-value cache), and :func:`entropy_by_scale` (entropy collapse as the logits
grow).

The chapter's two experiments are computed here too: random scores at growing
d_k (:func:`attention_scores`, :func:`score_scaling_summary`,
:func:`entropy_curve`) and a toy sentence with two hand-built heads
(:func:`toy_sentence`, :func:`toy_attention_weights`).
"""

from __future__ import annotations

import math

import numpy as np

from . import _core
from ._validation import (
    as_float_array,
    broadcast_shape,
    check_axis,
    check_interval,
    check_positive_float,
    check_positive_int,
    check_random_state,
    first_bad_index,
)

__all__ = [
    "softmax",
    "softmax_with_temperature",
    "softmax_entropy",
    "softmax_jacobian",
    "scaled_dot_product_attention",
    "causal_mask",
    "padding_mask",
    "split_heads",
    "merge_heads",
    "multi_head_attention",
    "attention_parameter_count",
    "soft_lookup",
    "hard_lookup",
    "attention_gradients",
    "online_softmax",
    "blockwise_attention",
    "kv_cache_bytes",
    "kv_cache_decode",
    "entropy_by_scale",
    "DK_CHOICES",
    "TOY_TOKENS",
    "attention_scores",
    "score_scaling_summary",
    "entropy_curve",
    "toy_sentence",
    "toy_attention_weights",
]


# --------------------------------------------------------------------------- helpers
def _logits(x, func: str, name: str = "x") -> np.ndarray:
    arr = as_float_array(x, name, func)
    if arr.ndim == 0:
        raise ValueError(f"{func}: {name} must have at least one axis (a vector of logits), got a scalar")
    return arr


def _check_temperature(temperature, func: str) -> float:
    """A real number in [0, ∞]: 0 and ∞ mean the limits of the tempered softmax."""
    return check_interval(temperature, "temperature", func, 0.0, math.inf)


def _tempered(arr: np.ndarray, t: float, axis: int) -> np.ndarray:
    """softmax(arr / t) for t in [0, ∞], its limits included (unvalidated)."""
    n = arr.shape[axis]
    if t == 0.0:  # the limit T → 0: uniform over the maxima (one-hot without ties)
        top = (arr == arr.max(axis=axis, keepdims=True)).astype(arr.dtype)
        return top / top.sum(axis=axis, keepdims=True)
    if math.isinf(t):  # the limit T → ∞: uniform
        return np.full(arr.shape, 1.0 / n, dtype=arr.dtype)
    with np.errstate(over="ignore", under="ignore"):
        scaled = (arr - arr.max(axis=axis, keepdims=True)) / arr.dtype.type(t)
    return _core.softmax(scaled, axis)


# ------------------------------------------------------------------------- softmax
def softmax(x, axis=-1):
    """Softmax e^{x_i} / Σ_j e^{x_j}, stably (``att-softmax``, ``att-softmax-shift``, ``att-softmax-stable``).

    Computed as softmax(x − max x), the same function (only differences of
    scores matter) that never overflows: logits of ±1e4 (or ±1e300) give no
    nan or inf. float32 stays float32.

    Parameters
    ----------
    x : array-like, (..., n)
        The scores (logits); at least one axis.
    axis : int, default -1
        The axis along which the weights sum to 1.

    Returns
    -------
    ndarray
        Weights of the shape of ``x``, non-negative, summing to 1 along ``axis``.

    Raises
    ------
    ValueError
        For nan or inf in ``x`` (mask with :func:`scaled_dot_product_attention`'s
        boolean ``mask`` instead of −∞), a scalar ``x`` or an axis out of range.
    TypeError
        For a non-numeric ``x`` or a non-integer ``axis``.

    Examples
    --------
    >>> print(softmax([1.0, 2.0, 3.0]).round(4))
    [0.09   0.2447 0.6652]
    >>> print(softmax([1e4, 1e4]))
    [0.5 0.5]
    """
    func = "softmax"
    arr = _logits(x, func)
    axis = check_axis(axis, arr.ndim, func)
    return _core.softmax(arr, axis)


def softmax_with_temperature(x, temperature, axis=-1):
    """softmax(x / T) and its limits T → 0, ∞ (``att-softmax-temperature``, ``att-temperature-limits``).

    Computed as softmax((x − max x) / T), so a tiny T does not overflow. The
    limits are returned exactly at the ends: ``temperature=0`` gives the
    uniform distribution over the positions of the maximum (one-hot when the
    maximum is unique), ``temperature=math.inf`` the uniform distribution.
    Chapter 3's q^(T) from logits is the same function (``info-temperature``).

    Parameters
    ----------
    x : array-like, (..., n)
        The logits.
    temperature : float in [0, inf]
        T; 1 is the plain softmax.
    axis : int, default -1

    Returns
    -------
    ndarray
        Weights of the shape of ``x``, summing to 1 along ``axis``.

    Raises
    ------
    ValueError
        For a negative or nan temperature, nan or inf in ``x``, a bad axis.
    TypeError
        For a temperature that is not a real number.

    Examples
    --------
    >>> print(softmax_with_temperature([1.0, 2.0], 0.5).round(4))
    [0.1192 0.8808]
    >>> print(softmax_with_temperature([1.0, 2.0, 2.0], 0))
    [0.  0.5 0.5]
    """
    func = "softmax_with_temperature"
    arr = _logits(x, func)
    t = _check_temperature(temperature, func)
    axis = check_axis(axis, arr.ndim, func)
    return _tempered(arr, t, axis)


def softmax_entropy(x, temperature=1.0, axis=-1):
    """Entropy in nats of p = softmax(x / T), H = −Σ p_i log p_i (equation ``att-entropy``).

    Computed from the logits, H = log Σ_j e^{z_j} − Σ_i p_i z_i with
    z = (x − max x) / T, which never takes the logarithm of an underflowed
    probability. The log-sum is the package's shifted one,
    m + log1p(Σ' e^{z_j − m}) (chapter 3's ``info-lse-shift``): for a
    confident row such as z = (0, −37) the sum 1 + e^{−37} rounds to 1, and
    log1p keeps the e^{−37} that log would lose. 0 ≤ H ≤ log n: 0 for a
    one-hot p, log n for the uniform one.

    Parameters
    ----------
    x : array-like, (..., n)
        The logits.
    temperature : float in [0, inf], default 1
        0 gives H = log of the number of maxima, inf gives log n.
    axis : int, default -1

    Returns
    -------
    float or ndarray
        A float for a 1-D ``x``, otherwise an array without ``axis``.

    Raises
    ------
    ValueError
        For nan or inf in ``x``, a negative temperature or a bad axis.

    Examples
    --------
    >>> print(f"{softmax_entropy([0.0, 0.0, 0.0, 0.0]):.4f}")  # log 4
    1.3863
    >>> print(f"{softmax_entropy([0.0, -37.0]):.6e}")
    3.242558e-15
    """
    func = "softmax_entropy"
    arr = _logits(x, func)
    t = _check_temperature(temperature, func)
    axis = check_axis(axis, arr.ndim, func)
    n = arr.shape[axis]
    if t == 0.0:
        count = (arr == arr.max(axis=axis, keepdims=True)).sum(axis=axis)
        h = np.log(count).astype(arr.dtype)
    elif math.isinf(t):
        h = np.full(np.delete(arr.shape, axis), math.log(n), dtype=arr.dtype)
    else:
        with np.errstate(over="ignore", under="ignore"):
            z = (arr - arr.max(axis=axis, keepdims=True)) / arr.dtype.type(t)
        m, log_sum = _core.shifted_log_sum(z, axis)  # m = 0 here: z is shifted
        with np.errstate(under="ignore"):
            p = np.exp((z - m) - log_sum)
        with np.errstate(invalid="ignore"):
            pz = np.where(p > 0, p * (z - m), 0)  # 0 · (−∞) counts as 0
        h = np.squeeze(log_sum, axis=axis) - pz.sum(axis=axis)
        h = np.maximum(h, 0)  # rounding can give −1e-17 for a one-hot p
    return float(h) if arr.ndim == 1 else h


def softmax_jacobian(x):
    """Jacobian ∂p_i/∂x_j = p_i(δ_ij − p_j) of p = softmax(x) (equation ``att-softmax-jacobian``).

    In matrix form J = diag(p) − p pᵀ: symmetric, positive semi-definite, with
    J·1 = 0.

    Parameters
    ----------
    x : array-like, (..., n)
        The logits, over the last axis.

    Returns
    -------
    ndarray, (..., n, n)

    Raises
    ------
    ValueError
        For nan or inf in ``x`` or a scalar ``x``.

    Examples
    --------
    >>> print(softmax_jacobian([0.0, 0.0]))
    [[ 0.25 -0.25]
     [-0.25  0.25]]
    """
    func = "softmax_jacobian"
    arr = _logits(x, func)
    p = _core.softmax(arr, arr.ndim - 1)
    n = arr.shape[-1]
    return p[..., :, None] * np.eye(n, dtype=p.dtype) - p[..., :, None] * p[..., None, :]


# -------------------------------------------------------------------------- masks
def causal_mask(n):
    """The (n, n) boolean causal mask, True where key j ≤ query i (equation ``att-causal-mask``).

    Token i may attend to itself and to the tokens before it, never to later ones.

    Parameters
    ----------
    n : int ≥ 1
        The length of the sequence.

    Returns
    -------
    ndarray of bool, (n, n)

    Raises
    ------
    ValueError, TypeError
        For n < 1 or a non-integer n.

    Examples
    --------
    >>> print(causal_mask(3).astype(int))
    [[1 0 0]
     [1 1 0]
     [1 1 1]]
    """
    n = check_positive_int(n, "n", "causal_mask")
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(lengths, n):
    """Boolean padding mask (batch, 1, n), True where key j < lengths[b] (equation ``att-padding-mask``).

    Sequence b of a batch holds ``lengths[b]`` real tokens followed by padding
    up to length n; no query may attend to a padding key. The middle axis of
    size 1 broadcasts over the queries, so the mask fits scores of shape
    (batch, n_q, n). A length of 0 is accepted here, but attention then
    raises, since its queries have nothing to attend to.

    Parameters
    ----------
    lengths : 1-D array-like of int
        The number of real tokens of each sequence, 0 … n.
    n : int ≥ 1
        The padded length.

    Returns
    -------
    ndarray of bool, (len(lengths), 1, n)

    Raises
    ------
    ValueError
        For a length outside 0 … n, or an empty or multi-dimensional ``lengths``.
    TypeError
        For lengths that are not integers.

    Examples
    --------
    >>> print(padding_mask([2, 3], 3).astype(int))
    [[[1 1 0]]
    <BLANKLINE>
     [[1 1 1]]]
    """
    func = "padding_mask"
    n = check_positive_int(n, "n", func)
    if isinstance(lengths, (str, bytes)) or lengths is None:
        raise TypeError(f"{func}: lengths must be a 1-D array-like of integers, got {type(lengths).__name__}")
    arr = np.asarray(lengths)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{func}: lengths must hold integers, got an array of dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{func}: lengths must be a non-empty 1-D array, got shape {arr.shape}")
    bad = (arr < 0) | (arr > n)
    if bad.any():
        b = first_bad_index(bad)[0]
        raise ValueError(f"{func}: lengths must lie between 0 and n = {n}, got {int(arr[b])} (at index {b})")
    return (np.arange(n)[None, :] < arr[:, None])[:, None, :]


def _mask_array(mask, shape: tuple, func: str) -> np.ndarray | None:
    """The boolean mask broadcast to the scores' ``shape``, or None."""
    if mask is None:
        return None
    if isinstance(mask, (str, bytes)):
        raise TypeError(f"{func}: mask must be a boolean array-like, got {type(mask).__name__}")
    try:
        m = np.asarray(mask)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{func}: mask could not be read as a rectangular array: {exc}") from None
    if m.dtype != np.bool_:
        raise TypeError(
            f"{func}: mask must be boolean (True = may attend), got an array of dtype {m.dtype}; "
            f"an additive mask of 0 and -inf converts with mask = (additive == 0)"
        )
    try:
        broadcast = np.broadcast_shapes(m.shape, shape)
    except ValueError:
        broadcast = None
    if broadcast != tuple(shape):
        raise ValueError(
            f"{func}: mask of shape {m.shape} cannot be broadcast to the shape of the "
            f"scores {tuple(shape)} (..., n_q, n_k)"
        )
    return np.broadcast_to(m, shape)


def _all_finite(a: np.ndarray) -> bool:
    """Whether no entry is ±inf or nan: max and min propagate nan and show ±inf."""
    return bool(np.isfinite(a.max()) and np.isfinite(a.min())) if a.size else True


def _attend(Q, K, V, allowed, func: str, names=("Q", "K")):
    """softmax(QKᵀ/√d_k, masked)·V on validated arrays of one dtype (``att-sdpa``, ``att-mask``)."""
    d_k = Q.shape[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        scores = (Q @ np.swapaxes(K, -1, -2)) * Q.dtype.type(1 / math.sqrt(d_k))
    batch = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    shape = batch + scores.shape[-2:]
    scores = np.broadcast_to(scores, shape)
    if allowed is not None:
        empty = ~allowed.any(axis=-1)
        if empty.any():
            where = first_bad_index(empty)
            row = f"query row {where[-1]}"
            if len(where) > 1:
                row += f" of batch element {where[:-1]}"
            raise ValueError(
                f"{func}: mask leaves {row} with nothing to attend to (every key is masked); "
                f"the softmax over an empty set of keys is undefined"
            )
        if _all_finite(scores):  # the common case, two reductions instead of two passes and a copy
            finite = True
        else:
            with np.errstate(invalid="ignore"):
                finite = (np.isfinite(scores) | ~allowed).all()
        scores = np.where(allowed, scores, -np.inf)
    else:
        finite = _all_finite(scores)
    if not finite:
        raise ValueError(
            f"{func}: the scores {names[0]}{names[1]}ᵀ/√d_k overflow {Q.dtype}; rescale "
            f"{names[0]} and {names[1]} (or convert them to float64)"
        )
    weights = _core.softmax(scores, scores.ndim - 1)
    return weights @ V, weights


def _at_least_2d(x, name: str, func: str, what: str) -> np.ndarray:
    arr = as_float_array(x, name, func)
    if arr.ndim < 2:
        raise ValueError(
            f"{func}: {name} must have at least 2 dimensions {what}, got shape {arr.shape}; "
            f"for a single vector use {name}[None, :]"
        )
    return arr


def _check_qkv_shapes(Q: np.ndarray, K: np.ndarray, V: np.ndarray, func: str) -> None:
    """Q (..., n_q, d_k), K (..., n_k, d_k), V (..., n_k, d_v): one d_k, one value per key."""
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(
            f"{func}: Q has vectors of dimension d_k = {Q.shape[-1]} but K has vectors of "
            f"dimension {K.shape[-1]}; they must match"
        )
    if K.shape[-2] != V.shape[-2]:
        raise ValueError(
            f"{func}: K has n_k = {K.shape[-2]} keys but V has {V.shape[-2]} values (rows); "
            f"they must match, one value per key"
        )


def _projection_matrices(matrices: dict, d_model: int, func: str) -> dict:
    """The projections {name: array-like} as arrays, each checked to be d_model × d_model."""
    W = {}
    for name, value in matrices.items():
        W[name] = as_float_array(value, name, func, ndim=2)
        if W[name].shape != (d_model, d_model):
            raise ValueError(
                f"{func}: {name} must have shape ({d_model}, {d_model}) (d_model × d_model), "
                f"got {W[name].shape}"
            )
    return W


# ---------------------------------------------------------------------- attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    """Scaled dot-product attention softmax(QKᵀ/√d_k)·V, masked (equations ``att-sdpa``, ``att-mask``).

    The leading (batch) dimensions of Q, K and V broadcast against each other.
    The softmax is the stable one (``att-softmax-stable``): scores of ±1e4
    give no nan. A masked score enters the softmax as −∞, so its weight is
    exactly 0.

    Parameters
    ----------
    Q : array-like, (..., n_q, d_k)
        The queries, one per row.
    K : array-like, (..., n_k, d_k)
        The keys.
    V : array-like, (..., n_k, d_v)
        The values, one per key.
    mask : boolean array-like, broadcastable to (..., n_q, n_k), optional
        True = query i may attend to key j.

    Returns
    -------
    output : ndarray, (..., n_q, d_v)
        weights @ V.
    weights : ndarray, (..., n_q, n_k)
        Each row a probability vector.

    Raises
    ------
    ValueError
        When a query row has nothing to attend to (every key masked), when
        the scores overflow, and for mismatched shapes.
    TypeError
        For a mask that is not boolean.

    Examples
    --------
    >>> out, w = scaled_dot_product_attention([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [3.0]])
    >>> print(w.round(4), out.round(3))
    [[0.6698 0.3302]] [[1.66]]
    """
    func = "scaled_dot_product_attention"
    Q = _at_least_2d(Q, "Q", func, "(n_q, d_k)")
    K = _at_least_2d(K, "K", func, "(n_k, d_k)")
    V = _at_least_2d(V, "V", func, "(n_k, d_v)")
    _check_qkv_shapes(Q, K, V, func)
    batch = broadcast_shape({"Q": Q.shape[:-2], "K": K.shape[:-2], "V": V.shape[:-2]}, func,
                            what="batch dimensions")
    dtype = np.result_type(Q.dtype, K.dtype, V.dtype)
    Q, K, V = (a.astype(dtype, copy=False) for a in (Q, K, V))
    allowed = _mask_array(mask, batch + (Q.shape[-2], K.shape[-2]), func)
    return _attend(Q, K, V, allowed, func)


def split_heads(X, num_heads):
    """Cut the last axis into heads: (..., n, d_model) → (..., h, n, d_k) (equation ``att-split-heads``).

    Head h receives the columns h·d_k : (h+1)·d_k, with d_k = d_model / num_heads.

    Parameters
    ----------
    X : array-like, (..., n, d_model)
    num_heads : int ≥ 1
        Must divide d_model.

    Returns
    -------
    ndarray, (..., num_heads, n, d_model / num_heads)

    Raises
    ------
    ValueError
        When num_heads does not divide d_model, or X has fewer than 2 dimensions.

    Examples
    --------
    >>> print(split_heads(np.arange(4.0).reshape(1, 4), 2))
    [[[0. 1.]]
    <BLANKLINE>
     [[2. 3.]]]
    """
    func = "split_heads"
    X = _at_least_2d(X, "X", func, "(n, d_model)")
    num_heads = check_positive_int(num_heads, "num_heads", func)
    n, d_model = X.shape[-2:]
    if d_model % num_heads:
        raise ValueError(
            f"{func}: num_heads = {num_heads} does not divide d_model = {d_model}; "
            f"every head needs d_model / num_heads columns"
        )
    d_k = d_model // num_heads
    return np.swapaxes(X.reshape(X.shape[:-1] + (num_heads, d_k)), -3, -2)


def merge_heads(H):
    """Concatenate the heads, (..., num_heads, n, d_k) → (..., n, num_heads·d_k) (equation ``att-concat``).

    The inverse of :func:`split_heads`: head h fills the columns h·d_k : (h+1)·d_k.

    Parameters
    ----------
    H : array-like, (..., num_heads, n, d_k)

    Returns
    -------
    ndarray, (..., n, num_heads·d_k)

    Raises
    ------
    ValueError
        For H with fewer than 3 dimensions.

    Examples
    --------
    >>> X = np.arange(8.0).reshape(2, 4)
    >>> print(np.array_equal(merge_heads(split_heads(X, 2)), X))
    True
    """
    func = "merge_heads"
    H = as_float_array(H, "H", func)
    if H.ndim < 3:
        raise ValueError(
            f"{func}: H must have at least 3 dimensions (num_heads, n, d_k), got shape {H.shape}"
        )
    num_heads, n, d_k = H.shape[-3:]
    return np.swapaxes(H, -3, -2).reshape(H.shape[:-3] + (n, num_heads * d_k))


def multi_head_attention(X_q, X_k, X_v, W_q, W_k, W_v, W_o, num_heads, mask=None, *,
                         b_q=None, b_k=None, b_v=None, b_o=None):
    """Multi-head attention concat(head_1, …, head_h)·W_o (equations ``att-mha-head``, ``att-mha``).

    Head h uses the columns h·d_k : (h+1)·d_k of each projection
    (d_k = d_model / num_heads) and computes head_h = softmax(Q_h K_hᵀ / √d_k) V_h;
    the heads are concatenated and multiplied by W_o. The four projections
    hold 4·d_model² parameters whatever num_heads is (``att-param-count``).

    Parameters
    ----------
    X_q : array-like, (n_q, d_model)
    X_k, X_v : array-like, (n_k, d_model)
    W_q, W_k, W_v, W_o : array-like, (d_model, d_model)
        Applied as X @ W.
    num_heads : int ≥ 1
        Must divide d_model.
    mask : boolean array-like, optional
        True = may attend; broadcast to (num_heads, n_q, n_k), so an
        (n_q, n_k) mask applies to every head.
    b_q, b_k, b_v, b_o : array-like, (d_model,), optional
        Biases added after each projection (X W + b), as BERT's layers have
        (chapter 2, "A real transformer"); none by default.

    Returns
    -------
    output : ndarray, (n_q, d_model)
    weights : ndarray, (num_heads, n_q, n_k)

    Raises
    ------
    ValueError
        For mismatched shapes, num_heads not dividing d_model, overflowing
        projections or a query row with nothing to attend to.

    Examples
    --------
    >>> X, I = np.eye(2), np.eye(2)
    >>> out, w = multi_head_attention(X, X, X, I, I, I, I, num_heads=1)
    >>> print(w.round(4))
    [[[0.6698 0.3302]
      [0.3302 0.6698]]]
    """
    func = "multi_head_attention"
    X = {}
    for name, value in (("X_q", X_q), ("X_k", X_k), ("X_v", X_v)):
        X[name] = as_float_array(value, name, func, ndim=2)
    d_model = X["X_q"].shape[1]
    for name in ("X_k", "X_v"):
        if X[name].shape[1] != d_model:
            raise ValueError(
                f"{func}: {name} has vectors of dimension {X[name].shape[1]} but X_q has "
                f"dimension d_model = {d_model}; they must match"
            )
    if X["X_k"].shape[0] != X["X_v"].shape[0]:
        raise ValueError(
            f"{func}: X_k has {X['X_k'].shape[0]} rows (keys) but X_v has {X['X_v'].shape[0]} "
            f"(values); they must match"
        )
    W = _projection_matrices({"W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": W_o}, d_model, func)
    b = {}
    for name, value in (("b_q", b_q), ("b_k", b_k), ("b_v", b_v), ("b_o", b_o)):
        if value is not None:
            b[name] = as_float_array(value, name, func, ndim=1)
            if b[name].shape != (d_model,):
                raise ValueError(f"{func}: {name} must have shape ({d_model},), got {b[name].shape}")
    num_heads = check_positive_int(num_heads, "num_heads", func)
    if d_model % num_heads:
        raise ValueError(
            f"{func}: num_heads = {num_heads} does not divide d_model = {d_model}; "
            f"every head needs d_model / num_heads columns"
        )
    dtype = np.result_type(*X.values(), *W.values(), *b.values())
    b = {k: v.astype(dtype, copy=False) for k, v in b.items()}
    X = {k: v.astype(dtype, copy=False) for k, v in X.items()}
    W = {k: v.astype(dtype, copy=False) for k, v in W.items()}
    n_q, n_k = X["X_q"].shape[0], X["X_k"].shape[0]
    allowed = _mask_array(mask, (num_heads, n_q, n_k), func)
    with np.errstate(over="ignore", invalid="ignore"):
        projected = [X[x] @ W[w] for x, w in (("X_q", "W_q"), ("X_k", "W_k"), ("X_v", "W_v"))]
        for array, bias in zip(projected, ("b_q", "b_k", "b_v")):
            if bias in b:
                array += b[bias]
    for array, name in zip(projected, ("X_q @ W_q", "X_k @ W_k", "X_v @ W_v")):
        if not np.isfinite(array).all():
            raise ValueError(f"{func}: the projection {name} overflows {dtype}; rescale the inputs")
    Qh, Kh, Vh = (split_heads(p, num_heads) for p in projected)
    heads, weights = _attend(Qh, Kh, Vh, allowed, func, names=("Q_h", "K_h"))
    output = merge_heads(heads) @ W["W_o"]
    if "b_o" in b:
        output += b["b_o"]
    return output, weights


def attention_parameter_count(d_model, num_heads, bias=False):
    """Parameters of multi-head attention: 4·d_model², + 4·d_model with biases (equation ``att-param-count``).

    W_q, W_k, W_v and W_o are d_model × d_model each, whatever the number of
    heads: h heads of d_k = d_model / h columns share one d_model × d_model
    matrix. With ``bias=True`` each of the four projections adds a bias of
    d_model numbers.

    Parameters
    ----------
    d_model : int ≥ 1
    num_heads : int ≥ 1
        Must divide d_model.
    bias : bool, default False

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When num_heads does not divide d_model.
    TypeError
        For a non-integer size or a non-bool ``bias``.

    Examples
    --------
    >>> attention_parameter_count(512, 8)
    1048576
    >>> attention_parameter_count(512, 8, bias=True)
    1050624
    """
    func = "attention_parameter_count"
    d_model = check_positive_int(d_model, "d_model", func)
    num_heads = check_positive_int(num_heads, "num_heads", func)
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"{func}: bias must be True or False, got {type(bias).__name__} {bias!r}")
    if d_model % num_heads:
        raise ValueError(f"{func}: num_heads = {num_heads} does not divide d_model = {d_model}")
    return 4 * d_model * d_model + (4 * d_model if bias else 0)


# ------------------------------------------------------------- dictionary look-up
def _lookup_arguments(query, keys, values, func: str):
    q = as_float_array(query, "query", func, ndim=1)
    K = as_float_array(keys, "keys", func, ndim=2)
    V = as_float_array(values, "values", func, ndim=(1, 2))
    if K.shape[1] != q.shape[0]:
        raise ValueError(
            f"{func}: query has dimension {q.shape[0]} but keys have dimension {K.shape[1]}; they must match"
        )
    if V.shape[0] != K.shape[0]:
        raise ValueError(
            f"{func}: keys has {K.shape[0]} rows but values has {V.shape[0]}; one value per key"
        )
    dtype = np.result_type(q.dtype, K.dtype, V.dtype)
    q, K, V = (a.astype(dtype, copy=False) for a in (q, K, V))
    with np.errstate(over="ignore", invalid="ignore"):
        scores = K @ q
    if not np.isfinite(scores).all():
        raise ValueError(f"{func}: the scores keys @ query overflow {dtype}; rescale them")
    return scores, V


def soft_lookup(query, keys, values, temperature=1.0):
    """Soft dictionary look-up Σ_j softmax(K q / T)_j v_j (equation ``att-soft-lookup``).

    With T = √d this is one row of :func:`scaled_dot_product_attention`;
    ``temperature=0`` is the limit T → 0: the average of the values of the
    best-scoring keys, the value of the best key when it is unique
    (:func:`hard_lookup`, ``att-hard-lookup``).

    Parameters
    ----------
    query : array-like, (d,)
    keys : array-like, (n, d)
    values : array-like, (n,) or (n, d_v)
    temperature : float in [0, inf], default 1

    Returns
    -------
    output : float or ndarray (d_v,)
        The weighted average of the values.
    weights : ndarray, (n,)

    Raises
    ------
    ValueError
        For mismatched shapes, overflowing scores or a negative temperature.

    Examples
    --------
    >>> out, w = soft_lookup([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], [10.0, 20.0])
    >>> print(f"{out:.4f}", w.round(4))
    12.6894 [0.7311 0.2689]
    """
    func = "soft_lookup"
    scores, V = _lookup_arguments(query, keys, values, func)
    t = _check_temperature(temperature, func)
    weights = _tempered(scores, t, 0)
    output = weights @ V
    return (float(output) if V.ndim == 1 else output), weights


def hard_lookup(query, keys, values):
    """Hard look-up: the value v_{j*} of the best key, j* = argmax_j q·k_j (equation ``att-hard-lookup``).

    Ties go to the lower index, as in :func:`ragmath.top_k` with
    ``metric="dot"`` and k = 1.

    Parameters
    ----------
    query : array-like, (d,)
    keys : array-like, (n, d)
    values : array-like, (n,) or (n, d_v)

    Returns
    -------
    value : float or ndarray (d_v,)
    index : int

    Raises
    ------
    ValueError
        For mismatched shapes or overflowing scores.

    Examples
    --------
    >>> hard_lookup([1.0, 0.0], [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [10.0, 20.0, 30.0])
    (10.0, 0)
    """
    func = "hard_lookup"
    scores, V = _lookup_arguments(query, keys, values, func)
    j = int(np.argmax(scores))  # the first maximum
    value = V[j]
    return (float(value) if V.ndim == 1 else value), j


# --------------------------------------------------------- the chapter's experiments
#: The key dimensions of the score-scaling experiment, powers of two from 1 to 1024.
DK_CHOICES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def attention_scores(d_k, n_keys=16, n_draws=200, seed=0, scaled=False):
    """Scores of random rows of attention, q_r·k_{r,j} or q_r·k_{r,j}/√d_k.

    Row r holds the scores of a query q_r against n_keys keys k_{r,j}, all with
    independent standard normal components in dimension d_k: the assumptions
    under which the scores have mean 0 and variance d_k (``att-score-mean``,
    ``att-score-variance``), and variance 1 after the factor 1/√d_k.

    Parameters
    ----------
    d_k : int ≥ 1
        The dimension of queries and keys.
    n_keys : int ≥ 2, default 16
    n_draws : int ≥ 1, default 200
        The number of rows (queries).
    seed : int ≥ 0 or numpy.random.Generator, default 0
        The queries are drawn first (n_draws × d_k), then the keys
        (n_draws × n_keys × d_k), from ``numpy.random.default_rng(seed)``.
    scaled : bool, default False
        Divide the scores by √d_k.

    Returns
    -------
    ndarray, (n_draws, n_keys)

    Raises
    ------
    ValueError, TypeError
        For a bad size or seed.

    Examples
    --------
    >>> S = attention_scores(256, n_draws=500)
    >>> print(S.shape, round(S.var() / 256, 1))
    (500, 16) 1.0
    >>> print(round(attention_scores(256, n_draws=500, scaled=True).var(), 1))
    1.0
    """
    func = "attention_scores"
    d_k = check_positive_int(d_k, "d_k", func)
    n_keys = check_positive_int(n_keys, "n_keys", func, minimum=2)
    n_draws = check_positive_int(n_draws, "n_draws", func)
    rng = check_random_state(seed, func)
    q = rng.standard_normal((n_draws, d_k))
    K = rng.standard_normal((n_draws, n_keys, d_k))
    scores = np.einsum("rd,rjd->rj", q, K)
    return scores / math.sqrt(d_k) if scaled else scores


def score_scaling_summary(d_k, scaled=False, n_keys=16, n_draws=200, seed=0):
    """The statistics of :func:`attention_scores` at one d_k, and the softmax of their rows.

    The entropies are those of ``att-entropy``, computed by :func:`softmax_entropy`.

    Parameters
    ----------
    d_k, n_keys, n_draws, seed : see :func:`attention_scores`
    scaled : bool, default False

    Returns
    -------
    dict
        "scores" (n_draws, n_keys); their sample "mean" and "variance" (theory:
        0, and d_k unscaled or 1 scaled); the softmax "entropy" of every row in
        nats (``att-entropy``) and its "mean_entropy"; "example", the softmax
        weights of the first row (``att-softmax``).

    Raises
    ------
    ValueError, TypeError
        As :func:`attention_scores`.

    Examples
    --------
    >>> s = score_scaling_summary(1024)
    >>> print(round(s["mean_entropy"], 2), round(score_scaling_summary(1024, scaled=True)["mean_entropy"], 2))
    0.09 2.38
    """
    scores = attention_scores(d_k, n_keys, n_draws, seed, scaled)
    entropy = softmax_entropy(scores)
    return {
        "scores": scores,
        "mean": float(scores.mean()),
        "variance": float(scores.var()),
        "entropy": entropy,
        "mean_entropy": float(entropy.mean()),
        "example": softmax(scores[0]),
    }


def entropy_curve(dims=DK_CHOICES, scaled=False, n_keys=16, n_draws=200, seed=0):
    """The mean softmax entropy of a row of random scores at every d_k of ``dims``.

    Uses ``att-entropy`` (:func:`softmax_entropy`) on :func:`attention_scores`.

    Parameters
    ----------
    dims : sequence of int ≥ 1, default :data:`DK_CHOICES`
    scaled, n_keys, n_draws, seed : see :func:`attention_scores`

    Returns
    -------
    ndarray, (len(dims),)
        ``score_scaling_summary(d, ...)["mean_entropy"]`` for each d.

    Raises
    ------
    ValueError, TypeError
        For a dimension that is not a positive integer.

    Examples
    --------
    >>> print(entropy_curve((1, 64, 1024)).round(2))
    [2.46 0.34 0.09]
    """
    dims = [check_positive_int(d, "dims", "entropy_curve") for d in dims]
    return np.array([score_scaling_summary(d, scaled, n_keys, n_draws, seed)["mean_entropy"] for d in dims])


#: The toy sentence of the multi-head experiment.
TOY_TOKENS = ("the", "cat", "saw", "the", "dog", "on", "the", "mat")
_WORD_KIND = {"the": 0, "cat": 1, "dog": 1, "mat": 1, "saw": 2, "on": 3}
_FREQUENCIES = (1.0, 0.5)
_HEAD_NAMES = ("word kind", "previous token")


def toy_sentence(seed=0):
    """Eight tokens, their embeddings and the projections of two hand-built heads.

    The inputs of multi-head attention (``att-mha``) for the chapter's toy sentence.

    Every token x_i ∈ ℝ⁸ is [meaning (4) | position (4)]. The meaning part is a
    unit vector near the basis vector of the word's kind (determiner, noun,
    verb, preposition), with seeded noise; the position part is
    (cos i, sin i, cos i/2, sin i/2). With d_model = 8 and two heads (d_k = 4),
    head 0 (columns 0:4) reads only the meaning coordinates, W_q = W_k = c·I
    there, so a token attends to the tokens of its own kind; head 1 (columns
    4:8) reads only the position coordinates and W_q rotates them back by one
    position, q_i·k_j = c²(cos(i−1−j) + cos((i−1−j)/2)), largest at j = i − 1,
    so a token attends to the previous one. c² = 8; W_v and W_o are seeded
    random matrices.

    Parameters
    ----------
    seed : int ≥ 0 or numpy.random.Generator, default 0

    Returns
    -------
    dict
        "tokens", "X" (8, 8), "W_q", "W_k", "W_v", "W_o" (8, 8), "num_heads" (2)
        and "head_names".

    Raises
    ------
    ValueError, TypeError
        For a bad seed.

    Examples
    --------
    >>> toy = toy_sentence()
    >>> print(toy["tokens"][:3], toy["X"].shape, toy["num_heads"])
    ['the', 'cat', 'saw'] (8, 8) 2
    """
    rng = check_random_state(seed, "toy_sentence")
    basis, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    meaning = {}
    for word in ("the", "cat", "saw", "dog", "on", "mat"):
        v = basis[_WORD_KIND[word]] + 0.2 * rng.standard_normal(4)
        meaning[word] = v / np.linalg.norm(v)
    n = len(TOY_TOKENS)
    position = np.array([[f(w * i) for w in _FREQUENCIES for f in (np.cos, np.sin)] for i in range(n)])
    X = np.hstack([np.array([meaning[t] for t in TOY_TOKENS]), position])
    c = math.sqrt(8.0)
    W_q = np.zeros((8, 8))
    W_k = np.zeros((8, 8))
    W_q[:4, :4] = c * np.eye(4)
    W_k[:4, :4] = c * np.eye(4)
    for b, w in enumerate(_FREQUENCIES):
        rotation = np.array([[math.cos(w), -math.sin(w)], [math.sin(w), math.cos(w)]])
        block = slice(4 + 2 * b, 6 + 2 * b)
        W_q[block, block] = c * rotation
        W_k[block, block] = c * np.eye(2)
    W_v = rng.standard_normal((8, 8)) / math.sqrt(8)
    W_o = rng.standard_normal((8, 8)) / math.sqrt(8)
    return {
        "tokens": list(TOY_TOKENS),
        "X": X,
        "W_q": W_q,
        "W_k": W_k,
        "W_v": W_v,
        "W_o": W_o,
        "num_heads": 2,
        "head_names": list(_HEAD_NAMES),
    }


def toy_attention_weights(temperature=1.0, seed=0):
    """The weights (2, 8, 8) of the toy sentence's self-attention at a temperature.

    :func:`multi_head_attention` (``att-mha``) on the inputs of :func:`toy_sentence`.

    The temperature T divides the scores: it is applied as W_q / T, so head h
    computes softmax(Q_h K_hᵀ / (T √d_k)) (``att-softmax-temperature``).

    Parameters
    ----------
    temperature : float > 0, default 1
    seed : int ≥ 0 or numpy.random.Generator, default 0
        Passed to :func:`toy_sentence`.

    Returns
    -------
    ndarray, (2, 8, 8)
        weights[h, i, j]: how much token i attends to token j in head h.

    Raises
    ------
    ValueError, TypeError
        For a temperature that is not a finite positive number.

    Examples
    --------
    >>> w = toy_attention_weights()
    >>> print(w[1].argmax(axis=1)[1:])  # head 1: the previous token
    [0 1 2 3 4 5 6]
    """
    t = check_positive_float(temperature, "temperature", "toy_attention_weights")
    toy = toy_sentence(seed)
    X = toy["X"]
    _, weights = multi_head_attention(
        X, X, X, toy["W_q"] / t, toy["W_k"], toy["W_v"], toy["W_o"], toy["num_heads"]
    )
    return weights


# ------------------------------------------------ gradients, streaming, decoding
def _qkv_2d(Q, K, V, func: str):
    """Q (n_q, d_k), K (n_k, d_k), V (n_k, d_v) as arrays of one dtype, shapes checked."""
    Q = as_float_array(Q, "Q", func, ndim=2)
    K = as_float_array(K, "K", func, ndim=2)
    V = as_float_array(V, "V", func, ndim=2)
    _check_qkv_shapes(Q, K, V, func)
    dtype = np.result_type(Q.dtype, K.dtype, V.dtype)
    return tuple(a.astype(dtype, copy=False) for a in (Q, K, V))


def attention_gradients(Q, K, V, grad_output):
    """Gradients of ⟨G, softmax(QKᵀ/√d_k)V⟩ with respect to Q, K and V (equation ``att-sdpa-grad``).

    With A = softmax(QKᵀ/√d_k) and G = ∂L/∂O for the output O = AV:
    ∂L/∂V = AᵀG, ∂L/∂A = GVᵀ, ∂L/∂S = A ⊙ (∂L/∂A − rowsum(A ⊙ ∂L/∂A)) (the
    softmax Jacobian ``att-softmax-jacobian``, row by row), ∂L/∂Q = (∂L/∂S) K / √d_k
    and ∂L/∂K = (∂L/∂S)ᵀ Q / √d_k. The query and key gradients pass through
    the Jacobian and vanish when the rows saturate; the value gradient AᵀG
    does not.

    Parameters
    ----------
    Q : array-like, (..., n_q, d_k)
    K : array-like, (..., n_k, d_k)
    V : array-like, (..., n_k, d_v)
    grad_output : array-like, (..., n_q, d_v)
        G, the gradient of a scalar loss with respect to the output. The
        leading (batch) dimensions of all four must be the same: one
        independent attention per batch element.

    Returns
    -------
    dQ : ndarray, (..., n_q, d_k)
    dK : ndarray, (..., n_k, d_k)
    dV : ndarray, (..., n_k, d_v)

    Raises
    ------
    ValueError
        For mismatched shapes, nan or inf in the inputs.

    Examples
    --------
    >>> dQ, dK, dV = attention_gradients([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]],
    ...                                  [[1.0], [3.0]], [[1.0]])
    >>> print(dV.ravel().round(4), dQ.round(4))  # dV = the weights, 0.6698 and 0.3302
    [0.6698 0.3302] [[-0.3128  0.3128]]
    """
    func = "attention_gradients"
    Q = _at_least_2d(Q, "Q", func, "(n_q, d_k)")
    K = _at_least_2d(K, "K", func, "(n_k, d_k)")
    V = _at_least_2d(V, "V", func, "(n_k, d_v)")
    G = _at_least_2d(grad_output, "grad_output", func, "(n_q, d_v)")
    _check_qkv_shapes(Q, K, V, func)
    if not Q.shape[:-2] == K.shape[:-2] == V.shape[:-2] == G.shape[:-2]:
        raise ValueError(
            f"{func}: Q, K, V and grad_output must have the same batch dimensions, got "
            f"{Q.shape[:-2]}, {K.shape[:-2]}, {V.shape[:-2]} and {G.shape[:-2]}"
        )
    if G.shape[-2:] != (Q.shape[-2], V.shape[-1]):
        raise ValueError(
            f"{func}: grad_output must have the shape of the output (n_q, d_v) = "
            f"{(Q.shape[-2], V.shape[-1])}, got {G.shape[-2:]}"
        )
    dtype = np.result_type(Q.dtype, K.dtype, V.dtype, G.dtype)
    Q, K, V, G = (a.astype(dtype, copy=False) for a in (Q, K, V, G))
    _, A = _attend(Q, K, V, None, func)
    T = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731
    dV = T(A) @ G
    dA = G @ T(V)
    dS = A * (dA - (A * dA).sum(axis=-1, keepdims=True))
    scale = 1 / math.sqrt(Q.shape[-1])
    return dS @ K * scale, T(dS) @ Q * scale, dV


def online_softmax(x, block_size=1):
    """Softmax in one streaming pass over blocks: a running max and sum (equation ``att-online-softmax``).

    Reads the scores block by block and keeps only m (the largest score seen)
    and ℓ = Σ_seen e^{x_j − m}: for a new block B, m' = max(m, max_B x) and
    ℓ' = ℓ·e^{m − m'} + Σ_B e^{x_j − m'} (Milakov & Gimelshein 2018). After the
    last block, softmax(x)_i = e^{x_i − m}/ℓ.

    Parameters
    ----------
    x : array-like, (n,)
        The scores, finite.
    block_size : int ≥ 1, default 1
        Scores read per step (1: one at a time).

    Returns
    -------
    weights : ndarray, (n,)
    running_max, running_sum : ndarray, (number of blocks,)
        m and ℓ after each block.

    Raises
    ------
    ValueError
        For an empty, multi-dimensional or non-finite x, or block_size < 1.

    Examples
    --------
    >>> w, m, l = online_softmax([0.0, 2.0, 1.0])
    >>> print(w.round(4), m, l.round(4))
    [0.09   0.6652 0.2447] [0. 2. 2.] [1.     1.1353 1.5032]
    """
    func = "online_softmax"
    x = as_float_array(x, "x", func, ndim=1)
    b = check_positive_int(block_size, "block_size", func)
    m, total = -math.inf, 0.0
    maxima, sums = [], []
    for start in range(0, x.size, b):
        block = x[start : start + b]
        m_new = max(m, float(block.max()))
        total = total * math.exp(m - m_new) + float(np.exp(block - m_new).sum())
        m = m_new
        maxima.append(m)
        sums.append(total)
    return np.exp(x - m) / total, np.array(maxima), np.array(sums)


def blockwise_attention(Q, K, V, block_q=64, block_k=64, mask=None):
    """Attention tile by tile with online-softmax rescaling, never forming QKᵀ (equation ``att-flash-tile``).

    For each block of queries, the keys and values are read in blocks; the
    state (m, ℓ, o) of every query row is updated with
    m' = max(m, rowmax S_B), ℓ' = e^{m − m'}ℓ + rowsum e^{S_B − m'},
    o' = e^{m − m'}o + e^{S_B − m'} V_B, and the output is o/ℓ: the
    computation of FlashAttention's forward pass (Dao et al. 2022),
    in NumPy. Memory beyond the inputs and the output: one (block_q, block_k)
    tile of scores and two numbers per query row, instead of the (n_q, n_k)
    score matrix.

    Parameters
    ----------
    Q : array-like, (n_q, d_k)
    K : array-like, (n_k, d_k)
    V : array-like, (n_k, d_v)
    block_q, block_k : int ≥ 1, default 64
        Tile sizes (rows of Q, rows of K and V).
    mask : boolean array-like, (n_q, n_k), optional
        True = may attend, as in :func:`scaled_dot_product_attention`.

    Returns
    -------
    output : ndarray, (n_q, d_v)
        softmax(QKᵀ/√d_k, masked)·V.
    log_sum_exp : ndarray, (n_q,)
        m + log ℓ of every row: log Σ_j e^{s_ij} over its allowed keys (what
        FlashAttention keeps for its backward pass).

    Raises
    ------
    ValueError
        For mismatched shapes, a bad tile size, a mask of the wrong shape, or
        a query row with nothing to attend to.
    TypeError
        For a mask that is not boolean.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Q, K, V = rng.standard_normal((5, 4)), rng.standard_normal((7, 4)), rng.standard_normal((7, 2))
    >>> out, lse = blockwise_attention(Q, K, V, block_q=2, block_k=3)
    >>> bool(np.allclose(out, scaled_dot_product_attention(Q, K, V)[0], rtol=1e-12))
    True
    """
    func = "blockwise_attention"
    Q, K, V = _qkv_2d(Q, K, V, func)
    bq = check_positive_int(block_q, "block_q", func)
    bk = check_positive_int(block_k, "block_k", func)
    n_q, n_k = Q.shape[0], K.shape[0]
    allowed = _mask_array(mask, (n_q, n_k), func)
    if allowed is not None and not allowed.any(axis=1).all():
        row = int(np.flatnonzero(~allowed.any(axis=1))[0])
        raise ValueError(
            f"{func}: mask leaves query row {row} with nothing to attend to (every key is masked); "
            f"the softmax over an empty set of keys is undefined"
        )
    scale = Q.dtype.type(1 / math.sqrt(Q.shape[1]))
    out = np.empty((n_q, V.shape[1]), dtype=Q.dtype)
    lse = np.empty(n_q, dtype=Q.dtype)
    for r0 in range(0, n_q, bq):
        rows = slice(r0, r0 + bq)
        Qb = Q[rows]
        m = np.full(Qb.shape[0], -np.inf, dtype=Q.dtype)
        ell = np.zeros(Qb.shape[0], dtype=Q.dtype)
        acc = np.zeros((Qb.shape[0], V.shape[1]), dtype=Q.dtype)
        for c0 in range(0, n_k, bk):
            cols = slice(c0, c0 + bk)
            S = (Qb @ K[cols].T) * scale  # one tile of scores
            if allowed is not None:
                tile = allowed[rows, cols]
                if not tile.any():
                    continue  # a fully masked tile: FlashAttention skips it
                S = np.where(tile, S, -np.inf)
            m_new = np.maximum(m, S.max(axis=1))
            live = np.isfinite(m_new)  # rows that have seen an allowed key
            shift = np.where(live, m_new, 0.0)
            with np.errstate(invalid="ignore"):
                rescale = np.where(live, np.exp(m - shift), 0.0)  # e^{m − m'}, 0 at the start
            P = np.exp(S - shift[:, None])  # e^{−∞} = 0 for masked keys
            ell = rescale * ell + P.sum(axis=1)
            acc = rescale[:, None] * acc + P @ V[cols]
            m = m_new
        out[rows] = acc / ell[:, None]
        lse[rows] = m + np.log(ell)
    return out, lse


def kv_cache_bytes(num_layers, d_model, n_tokens, bytes_per_number=2, batch_size=1):
    """Size of a key-value cache, 2·L·n·d_model·b·batch bytes (equation ``att-kv-cache-size``).

    Every layer keeps one key and one value vector of d_model numbers (all
    heads together) for every token already read.

    Parameters
    ----------
    num_layers : int ≥ 1
    d_model : int ≥ 1
        The width of the keys (and values) of all heads of a layer together.
    n_tokens : int ≥ 1
        Tokens in the cache (prompt and generated so far).
    bytes_per_number : int ≥ 1, default 2
        2 for float16 or bfloat16, 4 for float32.
    batch_size : int ≥ 1, default 1

    Returns
    -------
    int

    Raises
    ------
    ValueError, TypeError
        For a size that is not a positive integer.

    Examples
    --------
    >>> kv_cache_bytes(12, 768, 1024)  # GPT-2 small's shape, a full context, float16
    37748736
    """
    func = "kv_cache_bytes"
    sizes = [check_positive_int(v, name, func) for v, name in (
        (num_layers, "num_layers"), (d_model, "d_model"), (n_tokens, "n_tokens"),
        (bytes_per_number, "bytes_per_number"), (batch_size, "batch_size"))]
    L, d, n, b, B = sizes
    return 2 * L * n * d * b * B


def kv_cache_decode(X, W_q, W_k, W_v, W_o, num_heads):
    """Causal multi-head self-attention token by token, with a key-value cache (equation ``att-kv-decode``).

    At step t only the new token is projected: q_t, k_t, v_t = x_t W_q, x_t W_k,
    x_t W_v; k_t and v_t are appended to the cache, and the token's output is
    the attention of q_t over the cached keys and values 0 … t, through W_o.
    The result equals :func:`multi_head_attention` with :func:`causal_mask`.

    Parameters
    ----------
    X : array-like, (n, d_model)
        The tokens, in order.
    W_q, W_k, W_v, W_o : array-like, (d_model, d_model)
    num_heads : int ≥ 1
        Must divide d_model.

    Returns
    -------
    output : ndarray, (n, d_model)
    keys, values : ndarray, (num_heads, n, d_model / num_heads)
        The cache after the last token.

    Raises
    ------
    ValueError
        For mismatched shapes or num_heads not dividing d_model.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, (Wq, Wk, Wv, Wo) = rng.standard_normal((4, 6)), rng.standard_normal((4, 6, 6))
    >>> out, keys, values = kv_cache_decode(X, Wq, Wk, Wv, Wo, num_heads=2)
    >>> full, _ = multi_head_attention(X, X, X, Wq, Wk, Wv, Wo, 2, mask=causal_mask(4))
    >>> bool(np.allclose(out, full, rtol=1e-12, atol=1e-12)), keys.shape
    (True, (2, 4, 3))
    """
    func = "kv_cache_decode"
    X = as_float_array(X, "X", func, ndim=2)
    n, d_model = X.shape
    W = _projection_matrices({"W_q": W_q, "W_k": W_k, "W_v": W_v, "W_o": W_o}, d_model, func)
    h = check_positive_int(num_heads, "num_heads", func)
    if d_model % h:
        raise ValueError(f"{func}: num_heads = {h} does not divide d_model = {d_model}")
    d_k = d_model // h
    dtype = np.result_type(X, *W.values())
    keys = np.empty((h, n, d_k), dtype=dtype)
    values = np.empty((h, n, d_k), dtype=dtype)
    output = np.empty((n, d_model), dtype=dtype)
    scale = 1 / math.sqrt(d_k)
    for t in range(n):
        x = X[t]
        q = (x @ W["W_q"]).reshape(h, d_k)  # only the new token is projected
        keys[:, t] = (x @ W["W_k"]).reshape(h, d_k)
        values[:, t] = (x @ W["W_v"]).reshape(h, d_k)
        scores = np.einsum("hd,htd->ht", q, keys[:, : t + 1]) * scale
        weights = _core.softmax(scores, 1)
        heads = np.einsum("ht,htd->hd", weights, values[:, : t + 1])
        output[t] = heads.reshape(d_model) @ W["W_o"]
    return output, keys, values


def entropy_by_scale(scores, scales):
    """Mean attention entropy of rows of scores multiplied by each logit scale λ.

    The entropy (uses ``att-entropy``, through :func:`softmax_entropy`) of
    softmax(λ s) for every row s of ``scores``, averaged over the rows, for
    each λ: the curve along which attention entropy collapses as
    the scale of the logits grows (it never increases with λ, by
    ``ex-att-entropy-temperature``).

    Parameters
    ----------
    scores : array-like, (..., n)
        Rows of attention logits (e.g. a head's QKᵀ/√d_k), finite.
    scales : 1-D array-like of float > 0
        The logit scales λ.

    Returns
    -------
    ndarray, (len(scales),)
        Mean row entropy in nats at each scale.

    Raises
    ------
    ValueError
        For non-finite scores or a scale that is not positive.

    Examples
    --------
    >>> print(entropy_by_scale([[0.0, 1.0, 2.0]], [0.5, 1.0, 8.0]).round(4))
    [1.0202 0.8324 0.003 ]
    """
    func = "entropy_by_scale"
    S = _logits(scores, func, "scores")
    lam = as_float_array(scales, "scales", func, ndim=1)
    if (lam <= 0).any():
        raise ValueError(f"{func}: scales must be positive, got {lam[lam <= 0][0]}")
    return np.array([float(np.mean(softmax_entropy(S * value))) for value in lam])
