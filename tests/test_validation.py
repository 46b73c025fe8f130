"""Tests of :mod:`ragmath._validation`, the input checks shared by every public function.

Every error must have the documented shape ``<function>: <argument> <what is wrong>``.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

from ragmath._validation import (
    as_float_array,
    check_choice,
    check_positive_float,
    check_positive_int,
    check_probability_vectors,
    check_same_dimension,
    first_bad_index,
)

FUNC = "some_function"


def names(arg: str) -> str:
    """Regex for a message that starts '<function>: <argument>'."""
    return rf"^{FUNC}: {re.escape(arg)}\b"


# ======================================================================== as_float_array
class TestAsFloatArrayConversion:
    def test_float64_is_kept(self):
        x = np.array([1.5, 2.5])
        out = as_float_array(x, "x", FUNC)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, x)

    def test_float32_is_kept(self):
        out = as_float_array(np.array([[1.5, 2.5]], dtype=np.float32), "x", FUNC)
        assert out.dtype == np.float32 and out.shape == (1, 2)

    @pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
    def test_integers_and_booleans_become_float64(self, dtype):
        out = as_float_array(np.array([1, 0, 1], dtype=dtype), "x", FUNC)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, [1.0, 0.0, 1.0])

    def test_nested_lists_and_tuples(self):
        out = as_float_array([(1, 2), [3, 4.5]], "x", FUNC)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, [[1, 2], [3, 4.5]])

    def test_python_scalar_gives_a_0d_array(self):
        out = as_float_array(3, "x", FUNC)
        assert out.shape == () and out.dtype == np.float64 and float(out) == 3.0

    def test_large_integers_are_converted_to_the_nearest_float(self):
        out = as_float_array([2**53 + 1], "x", FUNC)
        assert out[0] == float(Fraction(2**53 + 1))


class TestAsFloatArrayRejections:
    @pytest.mark.parametrize("bad", [None, "1.0", b"1.0", {"a": 1}, {1.0, 2.0}])
    def test_wrong_python_types(self, bad):
        with pytest.raises(TypeError, match=names("x")):
            as_float_array(bad, "x", FUNC)

    @pytest.mark.parametrize("bad", [1j, [1 + 2j, 3], np.array([1.0], dtype=np.complex64)])
    def test_complex_values(self, bad):
        with pytest.raises(TypeError, match=names("x") + ".*complex"):
            as_float_array(bad, "x", FUNC)

    @pytest.mark.parametrize("bad", [["1", "2"], [1.0, None], [object()], np.array(["a"])])
    def test_arrays_of_non_numbers(self, bad):
        with pytest.raises(TypeError, match=names("x")):
            as_float_array(bad, "x", FUNC)

    @pytest.mark.parametrize("bad", [[[1.0, 2.0], [3.0]], [[1.0], 2.0], [[[1.0]], [1.0, 2.0]]])
    def test_ragged_lists(self, bad):
        with pytest.raises(ValueError, match=names("x")):
            as_float_array(bad, "x", FUNC)

    @pytest.mark.parametrize(("value", "ndim"), [(np.ones((2, 2)), 1), (np.ones(3), 2),
                                                 (np.ones((1, 1, 1)), (1, 2)), (1.0, (1, 2))])
    def test_wrong_number_of_dimensions(self, value, ndim):
        with pytest.raises(ValueError, match=names("x") + r".*\d-D"):
            as_float_array(value, "x", FUNC, ndim=ndim)

    @pytest.mark.parametrize("value", [np.ones(3), np.ones((2, 3))])
    def test_allowed_number_of_dimensions(self, value):
        assert as_float_array(value, "x", FUNC, ndim=(1, 2)).shape == value.shape

    @pytest.mark.parametrize("empty", [[], np.empty((0, 3)), np.empty((3, 0)), [[]]])
    def test_empty_is_rejected_by_default(self, empty):
        with pytest.raises(ValueError, match=names("x") + ".*empty"):
            as_float_array(empty, "x", FUNC)

    def test_empty_is_accepted_on_request(self):
        out = as_float_array(np.empty((0, 3)), "x", FUNC, allow_empty=True)
        assert out.shape == (0, 3) and out.dtype == np.float64

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_nan_and_inf_are_rejected_with_their_position(self, bad):
        X = np.zeros((3, 4))
        X[2, 1] = bad
        with pytest.raises(ValueError, match=names("x") + r".*\brow 2, column 1\b"):
            as_float_array(X, "x", FUNC)
        with pytest.raises(ValueError, match=names("x") + r".*\bindex 3\b"):
            as_float_array([0.0, 1.0, 2.0, bad], "x", FUNC)
        with pytest.raises(ValueError, match=names("x") + r".*\b(nan|inf)\b"):
            as_float_array(bad, "x", FUNC)

    def test_nan_in_float32(self):
        with pytest.raises(ValueError, match=names("x")):
            as_float_array(np.array([1.0, np.nan], dtype=np.float32), "x", FUNC)

    def test_nan_and_inf_are_kept_on_request(self):
        out = as_float_array([np.nan, np.inf, 1.0], "x", FUNC, finite=False)
        assert np.isnan(out[0]) and np.isinf(out[1]) and out[2] == 1.0


# ===================================================================== scalar checks
class TestCheckSameDimension:
    def test_returns_the_common_dimension(self):
        assert check_same_dimension(np.ones(4), np.ones((7, 4)), ("a", "b"), FUNC) == 4

    def test_mismatch_names_both_arguments(self):
        with pytest.raises(ValueError, match=names("left") + r".*\b3\b.*\bright\b.*\b5\b"):
            check_same_dimension(np.ones((2, 3)), np.ones((2, 5)), ("left", "right"), FUNC)


class TestCheckPositiveInt:
    @pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(1)])
    def test_accepts_integers_and_returns_a_python_int(self, value):
        out = check_positive_int(value, "k", FUNC)
        assert type(out) is int and out == int(value)

    @pytest.mark.parametrize("value", [True, False, 2.0, np.float64(2.0), "2", None, 2 + 0j])
    def test_rejects_non_integers(self, value):
        with pytest.raises(TypeError, match=names("k")):
            check_positive_int(value, "k", FUNC)

    @pytest.mark.parametrize("value", [0, -3])
    def test_rejects_values_below_one(self, value):
        with pytest.raises(ValueError, match=names("k") + r".*\b1\b"):
            check_positive_int(value, "k", FUNC)

    def test_custom_minimum(self):
        assert check_positive_int(0, "n", FUNC, minimum=0) == 0
        with pytest.raises(ValueError, match=names("n") + r".*\b2\b"):
            check_positive_int(1, "n", FUNC, minimum=2)


class TestCheckPositiveFloat:
    @pytest.mark.parametrize("value", [0.5, 3, np.float32(0.25), Fraction(1, 4)])
    def test_accepts_positive_reals_and_returns_a_float(self, value):
        out = check_positive_float(value, "t", FUNC)
        assert type(out) is float and out == float(value)

    @pytest.mark.parametrize("value", [True, "1.0", None, 1j, [1.0]])
    def test_rejects_non_reals(self, value):
        with pytest.raises(TypeError, match=names("t")):
            check_positive_float(value, "t", FUNC)

    @pytest.mark.parametrize("value", [0.0, -1.0, float("nan"), float("inf"), -float("inf")])
    def test_rejects_non_positive_and_non_finite_values(self, value):
        with pytest.raises(ValueError, match=names("t")):
            check_positive_float(value, "t", FUNC)

    def test_zero_on_request(self):
        assert check_positive_float(0, "t", FUNC, allow_zero=True) == 0.0
        with pytest.raises(ValueError, match=names("t")):
            check_positive_float(-0.1, "t", FUNC, allow_zero=True)


class TestCheckChoice:
    def test_accepts_a_listed_string(self):
        assert check_choice("dot", "metric", FUNC, ("cosine", "dot")) == "dot"

    @pytest.mark.parametrize("value", ["Dot", "", "manhattan", None, 1])
    def test_rejects_anything_else_and_lists_the_choices(self, value):
        with pytest.raises(ValueError, match=names("metric") + r".*'cosine', 'dot'"):
            check_choice(value, "metric", FUNC, ["cosine", "dot"])


# ========================================================= probability vectors
class TestCheckProbabilityVectors:
    def test_accepts_rows_that_sum_to_one(self):
        P = [[0.25, 0.75, 0.0], [1 / 3, 1 / 3, 1 / 3]]
        out = check_probability_vectors(P, "p", FUNC)
        assert out.shape == (2, 3) and out.dtype == np.float64

    def test_accepts_a_sum_within_the_tolerance(self):
        check_probability_vectors([0.5, 0.5 + 5e-7], "p", FUNC)

    def test_rejects_a_sum_outside_the_tolerance(self):
        with pytest.raises(ValueError, match=names("p") + r".*\bsum"):
            check_probability_vectors([0.5, 0.5 + 2e-6], "p", FUNC)

    def test_names_the_row_that_does_not_sum_to_one(self):
        with pytest.raises(ValueError, match=names("p") + r".*\brow 1\b"):
            check_probability_vectors([[0.5, 0.5], [0.5, 0.6]], "p", FUNC)

    def test_negative_entry_is_rejected_with_its_position(self):
        with pytest.raises(ValueError, match=names("p") + r".*negative.*\brow 0, column 1\b"):
            check_probability_vectors([[1.5, -0.5], [0.5, 0.5]], "p", FUNC)

    def test_scalar_is_rejected(self):
        with pytest.raises(ValueError, match=names("p")):
            check_probability_vectors(1.0, "p", FUNC)

    def test_nan_is_rejected(self):
        with pytest.raises(ValueError, match=names("p")):
            check_probability_vectors([np.nan, 1.0], "p", FUNC)

    def test_float32_rows_that_sum_to_one_are_accepted_and_kept(self):
        p = np.full(1000, 1e-3, dtype=np.float32)  # exact sum 1.0000000475
        assert check_probability_vectors(p, "p", FUNC).dtype == np.float32


# ================================================================ first_bad_index
class TestFirstBadIndex:
    def test_1d(self):
        assert first_bad_index(np.array([False, False, True, True])) == (2,)

    def test_2d_is_row_major(self):
        mask = np.zeros((3, 4), dtype=bool)
        mask[2, 0] = mask[1, 3] = True
        assert first_bad_index(mask) == (1, 3)

    def test_3d_returns_python_ints(self):
        mask = np.zeros((2, 2, 2), dtype=bool)
        mask[1, 0, 1] = True
        out = first_bad_index(mask)
        assert out == (1, 0, 1) and all(type(i) is int for i in out)


def test_broadcast_shape_names_every_argument():
    from ragmath._validation import broadcast_shape

    assert broadcast_shape({"a": (3, 1), "b": (4,)}, "f") == (3, 4)
    with pytest.raises(ValueError, match=r"^f: a \(shape \(2, 2\)\), b \(shape \(3, 2\)\) and c \(shape \(\)\) "
                                         r"cannot be broadcast together$"):
        broadcast_shape({"a": (2, 2), "b": (3, 2), "c": ()}, "f")
