"""One input-validation helper for every public function of :mod:`ragmath`.

Every public function turns its array-like arguments into NumPy arrays through
:func:`as_float_array` and checks its scalar arguments with the ``check_*``
helpers below.  They all raise errors of one shape::

    ValueError: <function>: <argument> <what is wrong>; <what was expected>

so a reader always learns *which* argument of *which* call was wrong, instead of
a broadcasting error from deep inside NumPy or a silent ``nan``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "as_float_array",
    "broadcast_shape",
    "check_choice",
    "check_positive_int",
    "check_positive_float",
    "check_same_dimension",
    "as_same_shape_arrays",
    "check_probability_vectors",
    "check_axis",
    "check_interval",
    "check_random_state",
    "check_is_fitted",
    "first_bad_index",
    "NotFittedError",
]


class NotFittedError(ValueError, AttributeError):
    """A model's method or fitted attribute was used before ``.fit``.

    A :class:`ValueError` (the package's one error for bad use) and an
    :class:`AttributeError` (so ``hasattr(model, "idf_")`` is False before
    fitting, as for scikit-learn's estimators).
    """


def _where(index: tuple[int, ...]) -> str:
    """Describe an array position the way a reader counts it: row, then column."""
    if len(index) == 0:
        return ""
    if len(index) == 1:
        return f" (at index {index[0]})"
    if len(index) == 2:
        return f" (at row {index[0]}, column {index[1]})"
    return f" (at index {tuple(int(i) for i in index)})"


def first_bad_index(mask: np.ndarray) -> tuple[int, ...]:
    """Position of the first True entry of ``mask`` (C order)."""
    flat = int(np.flatnonzero(mask.ravel())[0])
    return tuple(int(i) for i in np.unravel_index(flat, mask.shape))


def as_float_array(
    x,
    name: str,
    func: str,
    *,
    ndim: int | Sequence[int] | None = None,
    allow_empty: bool = False,
    finite: bool = True,
) -> np.ndarray:
    """Convert ``x`` to a floating-point NumPy array, or raise a clear error.

    float32 and float64 inputs keep their dtype; integers, booleans, float16 and
    extended precision become float64 (the BLAS matrix product, which every
    chapter relies on, exists only for float32 and float64).  Strings, ``None``,
    complex numbers, objects and ragged nested lists raise :class:`TypeError` or
    :class:`ValueError` naming ``name``.

    Parameters
    ----------
    x : array-like
        The user's argument.
    name, func : str
        The argument's name and the public function's name, used in messages.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    allow_empty : bool
        Whether an array with no elements is acceptable.
    finite : bool
        Whether to reject ``nan`` and ``inf``.
    """
    if x is None:
        raise TypeError(f"{func}: {name} must be an array-like of real numbers, got None")
    if isinstance(x, (str, bytes, dict, set)):
        raise TypeError(
            f"{func}: {name} must be an array-like of real numbers, got {type(x).__name__}"
        )
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists, odd objects
        raise ValueError(
            f"{func}: {name} could not be read as a rectangular array of numbers "
            f"(rows of different lengths?): {exc}"
        ) from None
    kind = arr.dtype.kind
    if kind in "biu":
        arr = arr.astype(np.float64)
    elif kind == "f":
        if arr.dtype == np.float16 or arr.dtype.itemsize > 8:
            arr = arr.astype(np.float64)
    elif kind == "c":
        raise TypeError(f"{func}: {name} must hold real numbers, got complex values")
    else:
        raise TypeError(
            f"{func}: {name} must be an array-like of real numbers, "
            f"got an array of dtype {arr.dtype}"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            expected = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{func}: {name} must be {expected}, got a {arr.ndim}-D array of shape {arr.shape}"
            )
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{func}: {name} is empty (shape {arr.shape}); it needs at least one value")
    if finite and arr.size and not np.isfinite(arr).all():
        bad = first_bad_index(~np.isfinite(arr))
        raise ValueError(f"{func}: {name} contains nan or inf{_where(bad)}")
    return arr


def check_same_dimension(a: np.ndarray, b: np.ndarray, names: tuple[str, str], func: str) -> int:
    """Both arrays hold vectors (last axis) of the same dimension; return it."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{func}: {names[0]} has vectors of dimension {a.shape[-1]} but {names[1]} "
            f"has vectors of dimension {b.shape[-1]}; they must match"
        )
    return int(a.shape[-1])


def as_same_shape_arrays(arrays: Mapping[str, object], func: str, *, ndim: int = 2, shape: str = "") -> list:
    """Every array of ``arrays`` (name -> array-like) as floats, ``ndim``-D and of one shape.

    The error names every argument and its shape; ``shape`` says what the
    common shape means, e.g. "(n_queries, n_passages)".
    """
    out = [as_float_array(x, name, func, ndim=ndim) for name, x in arrays.items()]
    if len({a.shape for a in out}) > 1:
        parts = [f"{name} {a.shape}" for name, a in zip(arrays, out)]
        listed = ", ".join(parts[:-1]) + " and " + parts[-1]
        meaning = f" {shape}" if shape else ""
        raise ValueError(f"{func}: {listed} must have the same shape{meaning}")
    return out


def broadcast_shape(
    shapes: Mapping[str, tuple[int, ...]], func: str, *, what: str = "shape"
) -> tuple[int, ...]:
    """The shape that arrays named in ``shapes`` (name -> shape) broadcast to.

    Raises a ValueError naming every argument and its shape instead of NumPy's
    anonymous "shape mismatch" when they do not broadcast together.
    """
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        parts = [f"{name} ({what} {tuple(shape)})" for name, shape in shapes.items()]
        listed = ", ".join(parts[:-1]) + " and " + parts[-1]
        raise ValueError(f"{func}: {listed} cannot be broadcast together") from None


def check_positive_int(value, name: str, func: str, *, minimum: int = 1) -> int:
    """An integer (not a bool, not a float) at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{func}: {name} must be at least {minimum}, got {value}")
    return int(value)


def check_positive_float(value, name: str, func: str, *, allow_zero: bool = False) -> float:
    """A finite real number > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{func}: {name} must be a finite {bound} number, got {value}")
    return value


def check_choice(value, name: str, func: str, choices: Iterable[str]) -> str:
    """One of a fixed set of strings."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{func}: {name} must be one of {listed}, got {value!r}")
    return value


def check_probability_vectors(p, name: str, func: str, *, atol: float = 1e-6) -> np.ndarray:
    """Non-negative entries that sum to 1 (within ``atol``) along the last axis."""
    arr = as_float_array(p, name, func)
    if arr.ndim == 0:
        raise ValueError(f"{func}: {name} must be a probability vector, got a scalar")
    if (arr < 0).any():
        bad = first_bad_index(arr < 0)
        raise ValueError(f"{func}: {name} has a negative probability{_where(bad)}")
    sums = arr.sum(axis=-1, dtype=np.float64)
    off = np.abs(sums - 1.0) > atol
    if np.any(off):
        where = first_bad_index(np.atleast_1d(off))
        total = float(np.atleast_1d(sums)[where])
        row = f" (row {where[0]})" if arr.ndim > 1 else ""
        raise ValueError(
            f"{func}: {name} must sum to 1 along its last axis, but sums to {total:.6g}{row}"
        )
    return arr


def check_axis(axis, ndim: int, func: str) -> int:
    """An integer axis of an array of ``ndim`` dimensions, returned non-negative."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{func}: axis must be an integer, got {type(axis).__name__} {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{func}: axis {axis} is out of range for an array of {ndim} dimension(s)")
    return int(axis) % ndim


def check_interval(
    value,
    name: str,
    func: str,
    low: float | None = None,
    high: float | None = None,
    *,
    closed: str = "both",
) -> float:
    """A real number (not a bool, not nan) in the interval from ``low`` to ``high``.

    ``closed`` says which ends belong to it: "both", "left", "right" or
    "neither". A missing end is unbounded (and then ±inf is accepted only
    there). Returns the value as a float.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    left = closed in ("both", "left")
    right = closed in ("both", "right")
    ok = not np.isnan(v)
    if ok and low is not None:
        ok = v >= low if left else v > low
    elif ok:
        ok = v > -np.inf
    if ok and high is not None:
        ok = v <= high if right else v < high
    elif ok:
        ok = v < np.inf
    if not ok:
        lo = "(-inf" if low is None else ("[" if left else "(") + f"{low:g}"
        hi = "inf)" if high is None else f"{high:g}" + ("]" if right else ")")
        raise ValueError(f"{func}: {name} must lie in {lo}, {hi}, got {v}")
    return v


def check_random_state(seed, func: str, name: str = "seed") -> np.random.Generator:
    """A generator from an int seed (≥ 0) or a ``numpy.random.Generator`` (used as it is).

    The one seed rule of the package: no global random state, and the same
    seed always gives the same stream, ``numpy.random.default_rng(seed)``.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{func}: {name} must be an int or a numpy.random.Generator, "
            f"got {type(seed).__name__} {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"{func}: {name} must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))


def check_is_fitted(model, attribute: str, func: str, *, fit: str = "fit(X)") -> None:
    """Raise :class:`NotFittedError` unless ``model`` has its fitted ``attribute`` (not None)."""
    if getattr(model, attribute, None) is None:
        name = type(model).__name__
        raise NotFittedError(f"{func}: this {name} is not fitted yet; call .{fit} first")
