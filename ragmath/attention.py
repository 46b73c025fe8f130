"""Attention (chapter 2, "Attention").

Every function cites the label of the equation it implements in
``book/02-attention.md``; the chapter checks each one numerically.

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
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import as_float_array, broadcast_shape, check_positive_int, first_bad_index

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
]


# --------------------------------------------------------------------------- helpers
def _check_axis(axis, ndim: int, func: str) -> int:
    """An integer axis of an array with ``ndim`` dimensions, made non-negative."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{func}: axis must be an integer, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{func}: axis must be between {-ndim} and {ndim - 1} for an array of "
            f"{ndim} dimension{'s' if ndim > 1 else ''}, got {axis}"
        )
    return int(axis) % ndim


def _logits(x, func: str, name: str = "x") -> np.ndarray:
    arr = as_float_array(x, name, func)
    if arr.ndim == 0:
        raise ValueError(f"{func}: {name} must have at least one axis (a vector of logits), got a scalar")
    return arr


def _check_temperature(temperature, func: str) -> float:
    """A real number in [0, ∞]: 0 and ∞ mean the limits of the tempered softmax."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(
            f"{func}: temperature must be a real number, got {type(temperature).__name__} {temperature!r}"
        )
    t = float(temperature)
    if math.isnan(t) or t < 0:
        raise ValueError(f"{func}: temperature must be a non-negative number (0 and inf are the limits), got {t}")
    return t


def _shifted_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """softmax(z − max z) along ``axis`` (equation ``att-softmax-stable``), unvalidated.

    The largest exponent is e⁰ = 1, so the sum lies in [1, n]: no overflow,
    no division by zero. Entries of −∞ get weight exactly 0.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        shifted = z - z.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


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
    return _shifted_softmax(scaled, axis)


# ------------------------------------------------------------------------- softmax
def softmax(x, axis=-1):
    """softmax(x)_i = e^{x_i} / Σ_j e^{x_j} along ``axis`` (equation ``att-softmax``).

    Computed in the stable form softmax(x − max x) (equation ``att-softmax-stable``),
    which is the same function (``att-softmax-shift``) but never overflows:
    logits of ±1e4 (or ±1e300) give no nan or inf. float32 stays float32.

    Raises ValueError for nan or inf in ``x`` (mask with
    :func:`scaled_dot_product_attention`'s boolean ``mask`` instead of −∞) and
    for a scalar ``x``.
    """
    func = "softmax"
    arr = _logits(x, func)
    axis = _check_axis(axis, arr.ndim, func)
    return _shifted_softmax(arr, axis)


def softmax_with_temperature(x, temperature, axis=-1):
    """softmax(x / T) along ``axis`` (equation ``att-softmax-temperature``).

    T > 0 is the temperature. The limits are returned exactly at the ends
    (equation ``att-temperature-limits``): ``temperature=0`` gives the uniform
    distribution over the positions of the maximum (one-hot when the maximum
    is unique), ``temperature=math.inf`` the uniform distribution.
    Computed as softmax((x − max x) / T), so a tiny T does not overflow.
    The same q^(T) from logits in chapter 3 (equation ``info-temperature``).
    """
    func = "softmax_with_temperature"
    arr = _logits(x, func)
    t = _check_temperature(temperature, func)
    axis = _check_axis(axis, arr.ndim, func)
    return _tempered(arr, t, axis)


def softmax_entropy(x, temperature=1.0, axis=-1):
    """Entropy in nats of p = softmax(x / T), H = −Σ p_i log p_i (equation ``att-entropy``).

    Computed from the logits, H = log Σ_j e^{z_j} − Σ_i p_i z_i with
    z = (x − max x) / T, which never takes the logarithm of an underflowed
    probability. 0 ≤ H ≤ log n: 0 for a one-hot p, log n for the uniform one.
    ``temperature`` may be 0 (H = log of the number of maxima) or inf (log n).
    A 1-D ``x`` gives a float, otherwise an array without ``axis``.
    """
    func = "softmax_entropy"
    arr = _logits(x, func)
    t = _check_temperature(temperature, func)
    axis = _check_axis(axis, arr.ndim, func)
    n = arr.shape[axis]
    if t == 0.0:
        count = (arr == arr.max(axis=axis, keepdims=True)).sum(axis=axis)
        h = np.log(count).astype(arr.dtype)
    elif math.isinf(t):
        h = np.full(np.delete(arr.shape, axis), math.log(n), dtype=arr.dtype)
    else:
        with np.errstate(over="ignore", under="ignore"):
            z = (arr - arr.max(axis=axis, keepdims=True)) / arr.dtype.type(t)
            e = np.exp(z)
        total = e.sum(axis=axis, keepdims=True)
        p = e / total
        with np.errstate(invalid="ignore"):
            pz = np.where(p > 0, p * z, 0)  # 0 · (−∞) counts as 0
        h = np.log(np.squeeze(total, axis=axis)) - pz.sum(axis=axis)
        h = np.maximum(h, 0)  # rounding can give −1e-17 for a one-hot p
    return float(h) if arr.ndim == 1 else h


def softmax_jacobian(x):
    """The Jacobian ∂p_i/∂x_j = p_i(δ_ij − p_j) of p = softmax(x) (equation ``att-softmax-jacobian``).

    In matrix form J = diag(p) − p pᵀ: symmetric, positive semi-definite, with
    J·1 = 0. ``x`` is (..., n), over the last axis; the result is (..., n, n).
    """
    func = "softmax_jacobian"
    arr = _logits(x, func)
    p = _shifted_softmax(arr, arr.ndim - 1)
    n = arr.shape[-1]
    return p[..., :, None] * np.eye(n, dtype=p.dtype) - p[..., :, None] * p[..., None, :]


# -------------------------------------------------------------------------- masks
def causal_mask(n):
    """The (n, n) boolean causal mask, True where key j ≤ query i (equation ``att-causal-mask``).

    Token i may attend to itself and to the tokens before it, never to later ones.
    """
    n = check_positive_int(n, "n", "causal_mask")
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(lengths, n):
    """Boolean padding mask of shape (len(lengths), 1, n): True where key j < lengths[b].

    Sequence b of a batch holds ``lengths[b]`` real tokens followed by padding
    up to length n; no query may attend to a padding key (equation
    ``att-padding-mask``). The middle axis of size 1 broadcasts over the
    queries, so the mask fits scores of shape (batch, n_q, n). A length of 0
    is accepted here, but attention then raises, since its queries have
    nothing to attend to.
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
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(scores) | ~allowed
        scores = np.where(allowed, scores, -np.inf)
    else:
        finite = np.isfinite(scores)
    if not finite.all():
        raise ValueError(
            f"{func}: the scores {names[0]}{names[1]}ᵀ/√d_k overflow {Q.dtype}; rescale "
            f"{names[0]} and {names[1]} (or convert them to float64)"
        )
    weights = _shifted_softmax(scores, scores.ndim - 1)
    return weights @ V, weights


def _at_least_2d(x, name: str, func: str, what: str) -> np.ndarray:
    arr = as_float_array(x, name, func)
    if arr.ndim < 2:
        raise ValueError(
            f"{func}: {name} must have at least 2 dimensions {what}, got shape {arr.shape}; "
            f"for a single vector use {name}[None, :]"
        )
    return arr


# ---------------------------------------------------------------------- attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    """Scaled dot-product attention softmax(QKᵀ/√d_k)·V (equation ``att-sdpa``).

    Parameters
    ----------
    Q : array-like, (..., n_q, d_k)    the queries, one per row
    K : array-like, (..., n_k, d_k)    the keys
    V : array-like, (..., n_k, d_v)    the values, one per key
    mask : boolean array-like, broadcastable to (..., n_q, n_k), optional
        True = query i may attend to key j. A masked score enters the softmax
        as −∞ (equation ``att-mask``), so its weight is exactly 0.

    Returns
    -------
    (output, weights) : (..., n_q, d_v) and (..., n_q, n_k); each row of
    weights is a probability vector and output = weights @ V.

    The leading (batch) dimensions of Q, K and V broadcast against each other.
    The softmax is the stable one (``att-softmax-stable``): scores of ±1e4 give
    no nan. Raises ValueError when a query row has nothing to attend to (every
    key masked), when the scores overflow, and for mismatched shapes.
    """
    func = "scaled_dot_product_attention"
    Q = _at_least_2d(Q, "Q", func, "(n_q, d_k)")
    K = _at_least_2d(K, "K", func, "(n_k, d_k)")
    V = _at_least_2d(V, "V", func, "(n_k, d_v)")
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
    batch = broadcast_shape({"Q": Q.shape[:-2], "K": K.shape[:-2], "V": V.shape[:-2]}, func,
                            what="batch dimensions")
    dtype = np.result_type(Q.dtype, K.dtype, V.dtype)
    Q, K, V = (a.astype(dtype, copy=False) for a in (Q, K, V))
    allowed = _mask_array(mask, batch + (Q.shape[-2], K.shape[-2]), func)
    return _attend(Q, K, V, allowed, func)


def split_heads(X, num_heads):
    """Cut the last axis into heads: (..., n, d_model) → (..., num_heads, n, d_k) (equation ``att-split-heads``).

    Head h receives the columns h·d_k : (h+1)·d_k, with d_k = d_model / num_heads.
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
    """Concatenate the heads: (..., num_heads, n, d_k) → (..., n, num_heads·d_k) (equation ``att-concat``).

    The inverse of :func:`split_heads`: head h fills the columns h·d_k : (h+1)·d_k.
    """
    func = "merge_heads"
    H = as_float_array(H, "H", func)
    if H.ndim < 3:
        raise ValueError(f"{func}: H must have at least 3 dimensions (num_heads, n, d_k), got shape {H.shape}")
    num_heads, n, d_k = H.shape[-3:]
    return np.swapaxes(H, -3, -2).reshape(H.shape[:-3] + (n, num_heads * d_k))


def multi_head_attention(X_q, X_k, X_v, W_q, W_k, W_v, W_o, num_heads, mask=None):
    """Multi-head attention concat(head_1, …, head_h)·W_o (equations ``att-mha-head``, ``att-mha``).

    X_q (n_q, d_model), X_k and X_v (n_k, d_model); every W is (d_model, d_model)
    and is applied as X @ W. Head h uses the columns h·d_k : (h+1)·d_k of each
    projection (d_k = d_model / num_heads) and computes
    head_h = softmax(Q_h K_hᵀ / √d_k) V_h; the heads are concatenated and
    multiplied by W_o. ``mask`` (boolean, True = may attend) is broadcast to
    (num_heads, n_q, n_k), so an (n_q, n_k) mask applies to every head.

    Returns (output (n_q, d_model), weights (num_heads, n_q, n_k)).
    The four projections hold 4·d_model² parameters whatever num_heads is
    (``att-param-count``, :func:`attention_parameter_count`).
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
    W = {}
    for name, value in (("W_q", W_q), ("W_k", W_k), ("W_v", W_v), ("W_o", W_o)):
        W[name] = as_float_array(value, name, func, ndim=2)
        if W[name].shape != (d_model, d_model):
            raise ValueError(
                f"{func}: {name} must have shape ({d_model}, {d_model}) (d_model × d_model), "
                f"got {W[name].shape}"
            )
    num_heads = check_positive_int(num_heads, "num_heads", func)
    if d_model % num_heads:
        raise ValueError(
            f"{func}: num_heads = {num_heads} does not divide d_model = {d_model}; "
            f"every head needs d_model / num_heads columns"
        )
    dtype = np.result_type(*X.values(), *W.values())
    X = {k: v.astype(dtype, copy=False) for k, v in X.items()}
    W = {k: v.astype(dtype, copy=False) for k, v in W.items()}
    n_q, n_k = X["X_q"].shape[0], X["X_k"].shape[0]
    allowed = _mask_array(mask, (num_heads, n_q, n_k), func)
    with np.errstate(over="ignore", invalid="ignore"):
        projected = [X[x] @ W[w] for x, w in (("X_q", "W_q"), ("X_k", "W_k"), ("X_v", "W_v"))]
    for array, name in zip(projected, ("X_q @ W_q", "X_k @ W_k", "X_v @ W_v")):
        if not np.isfinite(array).all():
            raise ValueError(f"{func}: the projection {name} overflows {dtype}; rescale the inputs")
    Qh, Kh, Vh = (split_heads(p, num_heads) for p in projected)
    heads, weights = _attend(Qh, Kh, Vh, allowed, func, names=("Q_h", "K_h"))
    return merge_heads(heads) @ W["W_o"], weights


def attention_parameter_count(d_model, num_heads, bias=False):
    """Number of parameters of multi-head attention: 4·d_model² (+ 4·d_model with biases) (``att-param-count``).

    W_q, W_k, W_v and W_o are d_model × d_model each, whatever the number of
    heads: h heads of d_k = d_model / h columns share one d_model × d_model
    matrix. With ``bias=True`` each of the four projections adds a bias of
    d_model numbers. ``num_heads`` must divide ``d_model``.
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

    query (d,), keys (n, d), values (n,) or (n, d_v). Returns
    (output, weights): the weighted average of the values and the weights
    (n,). With T = √d this is one row of :func:`scaled_dot_product_attention`;
    ``temperature=0`` is the limit T → 0: the average of the values of the
    best-scoring keys, the value of the best key when it is unique
    (:func:`hard_lookup`, equation ``att-hard-lookup``).
    """
    func = "soft_lookup"
    scores, V = _lookup_arguments(query, keys, values, func)
    t = _check_temperature(temperature, func)
    weights = _tempered(scores, t, 0)
    output = weights @ V
    return (float(output) if V.ndim == 1 else output), weights


def hard_lookup(query, keys, values):
    """Hard look-up: the value of the best key, v_{j*} with j* = argmax_j q·k_j (equation ``att-hard-lookup``).

    Returns (value, index); ties go to the lower index, as in
    :func:`ragmath.top_k` with ``metric="dot"`` and k = 1.
    """
    func = "hard_lookup"
    scores, V = _lookup_arguments(query, keys, values, func)
    j = int(np.argmax(scores))  # the first maximum
    value = V[j]
    return (float(value) if V.ndim == 1 else value), j
