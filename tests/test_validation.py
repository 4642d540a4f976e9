"""Tests for pgtheory.core.validation: the boundary checks behind every ValueError message."""

import re

import numpy as np
import pytest

from pgtheory.core.validation import (
    as_float_array,
    check_distribution,
    check_policy,
    check_theta,
    check_unit_interval,
    index_label,
)


def _exactly(message):
    return f"^{re.escape(message)}$"


def test_check_distribution_tolerance_is_strict_inequality():
    # |sum - 1| > atol raises; an exact distribution passes even with atol = 0.
    check_distribution(np.array([0.25, 0.75]), "p", atol=0.0)
    check_distribution(np.array([[0.5, 0.5], [1.0, 0.0]]), "p", atol=0.0)
    with pytest.raises(ValueError, match=_exactly("p sums to 1.1, expected 1 (atol=0.01)")):
        check_distribution(np.array([0.5, 0.6]), "p", atol=0.01)


def test_check_policy_shape_check_needs_both_sizes():
    # With only one of n_states / n_actions given, no shape is imposed.
    np.testing.assert_array_equal(check_policy(np.eye(3), "pi", 3, None), np.eye(3))
    np.testing.assert_array_equal(check_policy(np.eye(3), "pi", None, 3), np.eye(3))
    with pytest.raises(ValueError, match=_exactly("pi must have shape (2, 3), got (3, 3)")):
        check_policy(np.eye(3), "pi", 2, 3)
    with pytest.raises(
        ValueError, match=_exactly("pi must have 2 dimension(s), got shape (3,) (1 dimension(s))")
    ):
        check_policy(np.ones(3) / 3, "pi", 1, 3)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ("abc", "x must be a numeric array, got str"),
        ([[1.0, np.nan]], "x[0, 1] is nan, expected a finite number"),
        (np.inf, "x is inf, expected a finite number"),
    ],
)
def test_as_float_array_messages(x, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        as_float_array(x, "x")


def test_index_label():
    assert index_label("P", (3, 1), True) == "P[3, 1, :]"
    assert index_label("x", (np.int64(0), 2), False) == "x[0, 2]"
    assert index_label("p", (), False) == "p"
    assert index_label("p", (), True) == "p[:]"


def test_check_theta():
    theta = check_theta([[0, 1], [2, 3]], "theta", 2, 2)
    assert theta.dtype == np.float64
    np.testing.assert_array_equal(theta, [[0.0, 1.0], [2.0, 3.0]])
    with pytest.raises(
        ValueError, match=_exactly("theta must have shape (2, 2) to fit the MDP, got (3, 2)")
    ):
        check_theta(np.zeros((3, 2)), "theta", 2, 2)
    with pytest.raises(
        ValueError, match=_exactly("direction must have shape (2, 3) to fit the MDP, got (2, 2)")
    ):
        check_theta(np.zeros((2, 2)), "direction", 2, 3)
    with pytest.raises(
        ValueError,
        match=_exactly("theta_new must have 2 dimension(s), got shape (2,) (1 dimension(s))"),
    ):
        check_theta(np.zeros(2), "theta_new", 1, 2)
    with pytest.raises(ValueError, match=_exactly("theta[1, 0] is nan, expected a finite number")):
        check_theta([[0.0, 1.0], [np.nan, 0.0]], "theta", 2, 2)


def test_check_unit_interval():
    np.testing.assert_array_equal(check_unit_interval([0.0, 0.5, 1.0], "eps"), [0.0, 0.5, 1.0])
    assert check_unit_interval(0.25, "gamma", open_right=True).shape == ()
    assert float(check_unit_interval(1.0 + 1e-9, "alpha", atol=1e-8)) == 1.0 + 1e-9
    for call, message in [
        (
            lambda: check_unit_interval(1.0, "gamma", open_right=True),
            "gamma is 1.0, expected a number in [0, 1)",
        ),
        (
            lambda: check_unit_interval([0.5, -0.5], "eps"),
            "eps[1] is -0.5, expected a number in [0, 1]",
        ),
        (
            lambda: check_unit_interval([[0.0], [1.5]], "a"),
            "a[1, 0] is 1.5, expected a number in [0, 1]",
        ),
        (
            lambda: check_unit_interval(1.0 + 1e-7, "a", atol=1e-8),
            "a is 1.0000001, expected a number in [0, 1]",
        ),
        (
            lambda: check_unit_interval(-1e-12, "a", atol=1e-8),
            "a is -1e-12, expected a number in [0, 1]",
        ),
        (lambda: check_unit_interval([np.nan], "a"), "a[0] is nan, expected a finite number"),
    ]:
        with pytest.raises(ValueError, match=_exactly(message)):
            call()
