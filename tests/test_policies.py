"""Tests for pgtheory.core.policies."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pgtheory as pg

logits = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
    elements=st.floats(-50, 50),
)


@given(logits)
@settings(max_examples=60, deadline=None)
def test_softmax_rows_are_distributions(theta):
    pi = pg.softmax_policy(theta)
    assert np.all(pi >= 0)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # Invariant to adding a per-state constant.
    np.testing.assert_allclose(pg.softmax_policy(theta + 3.0), pi, rtol=1e-12, atol=1e-15)


def test_softmax_closed_form_and_overflow():
    pi = pg.softmax_policy([[0.0, np.log(3.0)], [1000.0, 0.0]])
    np.testing.assert_allclose(pi, [[0.25, 0.75], [1.0, 0.0]], rtol=0, atol=1e-15)


def test_deterministic_and_uniform():
    pi = pg.deterministic_policy([2, 0], 3)
    np.testing.assert_array_equal(pi, [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(pg.uniform_policy(2, 4), np.full((2, 4), 0.25))


def test_mixture_and_distances_closed_form():
    pi = np.array([[1.0, 0.0], [0.5, 0.5]])
    other = np.array([[0.0, 1.0], [0.5, 0.5]])
    mix = pg.mixture(pi, other, 0.3)
    np.testing.assert_allclose(mix, [[0.7, 0.3], [0.5, 0.5]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(pg.tv_distance(pi, mix), [0.3, 0.0], rtol=0, atol=1e-15)
    # KL(pi || mix) in state 0: 1 * log(1 / 0.7).
    np.testing.assert_allclose(pg.kl_divergence(pi, mix), [np.log(1 / 0.7), 0.0], rtol=1e-14)
    # KL(mix || pi) is infinite in state 0 (pi puts no mass on action 1), never NaN.
    kl = pg.kl_divergence(mix, pi)
    assert kl[0] == np.inf and kl[1] == 0.0


@given(st.integers(1, 5), st.integers(2, 5), st.floats(0, 1), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_mixture_tv_is_alpha_times_tv(S, A, alpha, seed):
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.ones(A), size=S)
    other = rng.dirichlet(np.ones(A), size=S)
    np.testing.assert_allclose(
        pg.tv_distance(pi, pg.mixture(pi, other, alpha)),
        alpha * pg.tv_distance(pi, other),
        rtol=0,
        atol=1e-12,
    )
    # Pinsker: TV <= sqrt(KL / 2), per state.
    assert np.all(pg.tv_distance(pi, other) <= np.sqrt(pg.kl_divergence(pi, other) / 2) + 1e-12)


@pytest.mark.parametrize("state_dependent", [False, True])
def test_epsilon_close_policy_deviates_at_most_eps(state_dependent):
    rng = np.random.default_rng(3)
    actions = rng.integers(0, 4, size=10)
    pi2 = pg.epsilon_close_policy(actions, 4, 0.2, rng=rng, state_dependent=state_dependent)
    mistake = 1.0 - pi2[np.arange(10), actions]
    np.testing.assert_allclose(pi2.sum(1), 1.0, rtol=0, atol=1e-12)
    assert np.all(mistake <= 0.2 + 1e-12)
    if state_dependent:
        assert mistake.std() > 0.01
    else:
        np.testing.assert_allclose(mistake, 0.2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        pg.tv_distance(pg.deterministic_policy(actions, 4), pi2), mistake, rtol=0, atol=1e-12
    )
    assert np.array_equal(pg.epsilon_close_policy([0, 0], 1, 0.5, rng=rng), np.ones((2, 1)))


def test_epsilon_close_policy_default_is_state_independent():
    # Default state_dependent=False: the mistake probability is exactly eps in every state.
    actions = np.array([0, 2, 1, 1])
    pi2 = pg.epsilon_close_policy(actions, 3, 0.3, rng=np.random.default_rng(8))
    np.testing.assert_allclose(1 - pi2[np.arange(4), actions], 0.3, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: pg.softmax_policy(np.zeros(3)),
            "theta must have 2 dimension(s), got shape (3,) (1 dimension(s))",
        ),
        (
            lambda: pg.softmax_policy([[0.0, np.inf]]),
            "theta[0, 1] is inf, expected a finite number",
        ),
        (
            lambda: pg.softmax_policy([[0.0, np.nan], [1.0, -np.inf]]),
            "theta[0, 1] is nan, expected a finite number",
        ),
        (
            lambda: pg.softmax_policy(np.zeros((3, 0))),
            "theta must have shape (S, A) with S >= 1 and A >= 1, got (3, 0)",
        ),
        (
            lambda: pg.softmax_policy(np.zeros((0, 3))),
            "theta must have shape (S, A) with S >= 1 and A >= 1, got (0, 3)",
        ),
        (
            lambda: pg.mixture(np.zeros((0, 2)), np.zeros((0, 2)), 0.5),
            "pi must have shape (S, A) with S >= 1 and A >= 1, got (0, 2)",
        ),
        (
            lambda: pg.mixture(np.eye(2), np.zeros((2, 0)), 0.5),
            "pi_other must have shape (S, A) with S >= 1 and A >= 1, got (2, 0)",
        ),
        (
            lambda: pg.tv_distance(np.zeros((3, 0)), np.zeros((3, 0))),
            "pi must have shape (S, A) with S >= 1 and A >= 1, got (3, 0)",
        ),
        (
            lambda: pg.kl_divergence(np.eye(2), np.zeros((0, 2))),
            "pi2 must have shape (S, A) with S >= 1 and A >= 1, got (0, 2)",
        ),
        (
            lambda: pg.kl_divergence([[0.5, np.nan]], [[0.5, 0.5]]),
            "pi[0, 1] is nan, expected a finite number",
        ),
        (
            lambda: pg.deterministic_policy([0, 3], 3),
            "actions[1] is 3, expected an integer in [0, 3)",
        ),
        (
            lambda: pg.deterministic_policy([0.5], 3),
            "actions must hold integers, got dtype float64",
        ),
        (
            lambda: pg.deterministic_policy([], 3),
            "actions must be a non-empty 1-D array, got shape (0,)",
        ),
        (lambda: pg.deterministic_policy([0], 0), "n_actions must be an integer >= 1, got 0"),
        (lambda: pg.uniform_policy(0, 2), "n_states must be an integer >= 1, got 0"),
        (lambda: pg.uniform_policy(2, 0), "n_actions must be an integer >= 1, got 0"),
        (lambda: pg.mixture(np.eye(2), np.eye(2), 1.5), "alpha must lie in [0, 1], got 1.5"),
        (lambda: pg.mixture(np.eye(2), np.eye(2), -0.1), "alpha must lie in [0, 1], got -0.1"),
        (
            lambda: pg.mixture(np.eye(2), np.eye(3), 0.5),
            "pi_other must have shape (2, 2), got (3, 3)",
        ),
        (
            lambda: pg.mixture([[0.5, 0.6]], [[0.5, 0.5]], 0.1),
            "pi[0, :] sums to 1.1, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.mixture(np.eye(2), [[0.5, 0.6], [0.0, 1.0]], 0.1),
            "pi_other[0, :] sums to 1.1, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.tv_distance([[0.5, 0.6]], [[0.5, 0.5]]),
            "pi[0, :] sums to 1.1, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.tv_distance(np.ones(2) / 2, np.ones(2) / 2),
            "pi must have 2 dimension(s), got shape (2,) (1 dimension(s))",
        ),
        (
            lambda: pg.tv_distance(np.eye(2), [[1.2, -0.2], [0, 1]]),
            "pi2[0, 1] is -0.2, expected >= 0",
        ),
        (
            lambda: pg.kl_divergence(np.eye(2), np.eye(3)),
            "pi2 must have shape (2, 2), got (3, 3)",
        ),
        (
            lambda: pg.epsilon_close_policy([0], 2, 2.0, rng=np.random.default_rng()),
            "eps must lie in [0, 1], got 2.0",
        ),
        (
            lambda: pg.epsilon_close_policy([0], 2, 0.1, rng=1),
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int",
        ),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()


# ------------------------------------------ the shared formulas, over the last axis


def _tv_loop(p, q):
    out = np.empty(p.shape[:-1])
    for idx in np.ndindex(*p.shape[:-1]):
        out[idx] = 0.5 * sum(abs(p[idx][x] - q[idx][x]) for x in range(p.shape[-1]))
    return out


def _kl_loop(p, q):
    out = np.empty(p.shape[:-1])
    for idx in np.ndindex(*p.shape[:-1]):
        terms = [
            0.0 if p[idx][x] == 0 else p[idx][x] * np.log(p[idx][x] / q[idx][x])
            for x in range(p.shape[-1])
        ]
        out[idx] = sum(terms)
    return out


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 1, 3, 2)])
def test_distances_over_the_last_axis_match_loops(shape):
    rng = np.random.default_rng(len(shape))
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    q = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    tv, kl = pg.total_variation_rows(p, q), pg.kl_divergence_rows(p, q)
    assert tv.shape == kl.shape == shape[:-1]
    np.testing.assert_allclose(tv, _tv_loop(p, q), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(kl, _kl_loop(p, q), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(pg.total_variation_rows(q, p), tv, rtol=0, atol=0)
    np.testing.assert_array_equal(pg.total_variation_rows(p, p), 0.0)
    np.testing.assert_array_equal(pg.kl_divergence_rows(p, p), 0.0)


def test_distances_closed_forms_zeros_and_inf():
    # TV((1, 0), (0.25, 0.75)) = 0.75; KL((1, 0) || (0.25, 0.75)) = log 4; KL the other
    # way is inf (the second outcome has mass 0.75 under p = (0.25, 0.75), 0 under q).
    p, q = np.array([1.0, 0.0]), np.array([0.25, 0.75])
    assert pg.total_variation_rows(p, q) == pytest.approx(0.75, abs=1e-15)
    assert pg.kl_divergence_rows(p, q) == pytest.approx(np.log(4), rel=1e-15)
    assert pg.kl_divergence_rows(q, p) == np.inf
    # batched: the same pairs stacked, with a row of zeros-only differences
    P = np.array([[p, q], [q, q]])
    Q = np.array([[q, p], [q, q]])
    np.testing.assert_allclose(pg.total_variation_rows(P, Q), [[0.75, 0.75], [0, 0]], atol=1e-15)
    np.testing.assert_allclose(pg.kl_divergence_rows(P, Q), [[np.log(4), np.inf], [0, 0]])
    # agree with the per-state policy versions
    pi, pi2 = np.array([p, q, q]), np.array([q, p, q])
    np.testing.assert_array_equal(pg.tv_distance(pi, pi2), pg.total_variation_rows(pi, pi2))
    np.testing.assert_array_equal(pg.kl_divergence(pi, pi2), pg.kl_divergence_rows(pi, pi2))
    assert pg.total_variation(p, q) == pg.total_variation_rows(p, q)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 2, 3)])
def test_softmax_over_the_last_axis(shape):
    x = np.random.default_rng(3).normal(size=shape) * 10
    out = pg.softmax(x)
    expected = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    assert out.shape == shape
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    if len(shape) == 2:
        np.testing.assert_array_equal(pg.softmax_policy(x), out)
    # large logits: no overflow; softmax is invariant to a shift of each row
    np.testing.assert_allclose(pg.softmax(x + 1000.0), out, rtol=1e-12)
    np.testing.assert_allclose(
        pg.softmax(np.array([[1000.0, 0.0], [-1000.0, -999.0]])),
        [[1.0, 0.0], [1 / (1 + np.e), np.e / (1 + np.e)]],
        atol=1e-15,
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pg.softmax(1.0), "x must have shape (..., A) with A >= 1, got ()"),
        (
            lambda: pg.softmax(np.zeros((2, 0))),
            "x must have shape (..., A) with A >= 1, got (2, 0)",
        ),
        (lambda: pg.softmax([[0.0, np.inf]]), "x[0, 1] is inf, expected a finite number"),
        (
            lambda: pg.total_variation_rows(0.5, 0.5),
            "p must have shape (..., n) with n >= 1, got ()",
        ),
        (
            lambda: pg.kl_divergence_rows(np.zeros((3, 0)), np.zeros((3, 0))),
            "p must have shape (..., n) with n >= 1, got (3, 0)",
        ),
        (
            lambda: pg.total_variation_rows([0.5, 0.5], [[0.5, 0.5]]),
            "q must have the shape of p, (2,), got (1, 2)",
        ),
        (
            lambda: pg.kl_divergence_rows([[0.5, 0.5]], [[0.5, 0.6]]),
            "q[0, :] sums to 1.1, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.total_variation_rows([[1.5, -0.5]], [[0.5, 0.5]]),
            "p[0, 1] is -0.5, expected >= 0",
        ),
        (
            lambda: pg.kl_divergence_rows([np.nan, 1.0], [0.5, 0.5]),
            "p[0] is nan, expected a finite number",
        ),
        (
            lambda: pg.total_variation_rows([0.5, 0.5], [0.5, np.inf]),
            "q[1] is inf, expected a finite number",
        ),
    ],
)
def test_shared_formulas_bad_input(call, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()


def _kl_by_loops(d, p, q):
    """sum over states of positive weight of d(s) sum_a p log(p / q), written out."""
    total = 0.0
    for s in range(len(d)):
        if d[s] == 0:
            continue
        for a in range(p.shape[1]):
            if p[s, a] > 0:
                total += d[s] * (np.inf if q[s, a] == 0 else p[s, a] * np.log(p[s, a] / q[s, a]))
    return total


def test_average_kl_rows_against_loops_batched_and_with_zero_weights():
    rng = np.random.default_rng(2)
    p = pg.softmax_policy(rng.normal(size=(4, 3)))
    qs = np.stack([pg.softmax_policy(rng.normal(size=(4, 3))) for _ in range(3)])
    d = np.array([0.5, 0.0, 0.3, 0.2])
    got = pg.average_kl_rows(d, p, qs)  # p and d broadcast over the batch
    assert got.shape == (3,)
    for b in range(3):
        assert got[b] == pytest.approx(_kl_by_loops(d, p, qs[b]), rel=1e-12)
    assert got.min() > 1e-3
    # q without an action of p: infinite in a weighted state, ignored in state 1 (weight 0).
    q = qs[0].copy()
    q[1] = [1.0, 0.0, 0.0]
    assert pg.average_kl_rows(d, p, q) == pytest.approx(_kl_by_loops(d, p, q), rel=1e-12)
    q[2] = [1.0, 0.0, 0.0]
    assert pg.average_kl_rows(d, p, q) == np.inf
    assert pg.average_kl_rows(d, p, p) == 0.0


def test_average_kl_rows_rejects_bad_weights():
    p = pg.uniform_policy(3, 2)
    with pytest.raises(ValueError, match=r"^d must have shape \(3,\) .*got \(2,\)$"):
        pg.average_kl_rows(np.ones(2), p, p)
    with pytest.raises(ValueError, match=r"^d must be >= 0, got a minimum of -0\.5$"):
        pg.average_kl_rows([0.5, -0.5, 1.0], p, p)
    with pytest.raises(ValueError, match=r"^d\[1\] is inf, expected a finite number$"):
        pg.average_kl_rows([0.5, np.inf, 1.0], p, p)
