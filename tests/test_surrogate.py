"""Tests for pgtheory.pg_as_pi.surrogate (slide S6; Schulman et al. 2015, eqs. 3-4)."""

import re

import brute_force as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_performance_difference import pdl_cases

import pgtheory as pg

TOL = 1e-10


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


@st.composite
def theta_cases(draw):
    """A random MDP (as in pdl_cases) and two logit tables."""
    mdp, _, _ = draw(pdl_cases())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    S, A = mdp.n_states, mdp.n_actions
    return mdp, rng.normal(size=(S, A)), rng.normal(size=(S, A))


@given(theta_cases())
@settings(max_examples=200, deadline=None)
def test_gradient_at_theta_is_the_policy_gradient(case):
    mdp, theta, _ = case
    pi = pg.softmax_policy(theta)
    # Rounding grows with the size of the advantages summed (up to 1/(1-gamma) or T terms).
    scale = 1 + np.abs(pg.evaluate(mdp, pi).A).max() / (1 - min(mdp.gamma, 0.99))
    g = pg.surrogate_gradient(mdp, theta, theta)
    np.testing.assert_allclose(g, pg.policy_gradient(mdp, theta), rtol=0, atol=TOL * scale)
    assert abs(pg.surrogate_advantage(mdp, pi, pi)) <= 1e-12 * scale


@given(theta_cases())
@settings(max_examples=60, deadline=None)
def test_gradient_matches_finite_differences(case):
    mdp, theta, theta_new = case
    pi = pg.softmax_policy(theta)
    g = pg.surrogate_gradient(mdp, theta, theta_new)
    h = 1e-5
    fd = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        up = pg.surrogate_advantage(mdp, pi, pg.softmax_policy(theta_new + e))
        down = pg.surrogate_advantage(mdp, pi, pg.softmax_policy(theta_new - e))
        fd[idx] = (up - down) / (2 * h)
    scale = 1 + np.abs(pg.evaluate(mdp, pi).A).max() / (1 - min(mdp.gamma, 0.99))
    np.testing.assert_allclose(g, fd, rtol=0, atol=1e-7 * scale)


@pytest.mark.parametrize("gamma", [1.0, 0.6])
def test_surrogate_matches_enumeration_of_old_trajectories(gamma):
    # The slide's form: trajectories of pi, importance ratio pi_new/pi, time-indexed A.
    rng = np.random.default_rng(31)
    T = 4
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=gamma, horizon=T, branching=2)
    pi, pi_new = rng.dirichlet(np.ones(2), size=3), rng.dirichlet(np.ones(2), size=3)
    V, Q = bf.time_indexed_values(mdp.P, mdp.r, pi, T, gamma)
    A = Q - V[:, :, None]
    ref = bf.trajectory_expectation(
        mdp.P,
        mdp.p0,
        pi,
        T,
        lambda s, a: sum(
            pi_new[s[t], a[t]] / pi[s[t], a[t]] * gamma**t * A[t, s[t], a[t]] for t in range(T)
        ),
    )
    assert pg.surrogate_advantage(mdp, pi, pi_new) == pytest.approx(ref, abs=TOL)
    states, actions, probs = zip(*bf.trajectories(mdp.P, mdp.p0, pi, T), strict=True)
    states, actions = np.array(states), np.array(actions)
    tr = pg.Trajectories(states, actions, mdp.r[states, actions], np.zeros(states.shape))
    samples = pg.surrogate_advantage_samples(mdp, pi, pi_new, tr)
    assert np.dot(probs, samples) == pytest.approx(ref, abs=TOL)


@given(pdl_cases())
@settings(max_examples=150, deadline=None)
def test_surrogate_is_the_lemma_with_old_states(case):
    # A_bar uses pi's state distribution; with pi's own occupancy in the lemma's right side
    # it is the same formula, and A_bar(pi) = 0.
    mdp, pi, pi_new = case
    a_bar = pg.surrogate_advantage(mdp, pi, pi_new)
    A = pg.evaluate(mdp, pi).A
    if mdp.horizon is None:
        rho = pg.discounted_visitation(mdp, pi) / (1 - mdp.gamma)
        ref = np.einsum("s,sa,sa->", rho, pi_new, A)
    else:
        p = pg.state_marginals(mdp, pi)
        ref = np.einsum("t,ts,sa,tsa->", mdp.gamma ** np.arange(mdp.horizon), p, pi_new, A)
    assert a_bar == pytest.approx(ref, abs=TOL)
    assert isinstance(a_bar, float)


def test_surrogate_equals_improvement_when_the_state_distribution_cannot_move():
    # One state: p_theta(s_t) = p_theta'(s_t), so slide S6's approximation is exact.
    rng = np.random.default_rng(2)
    mdp = pg.TabularMDP(np.ones((1, 3, 1)), rng.normal(size=(1, 3)), [1.0], gamma=0.9)
    pi, pi_new = rng.dirichlet(np.ones(3), size=1), rng.dirichlet(np.ones(3), size=1)
    lhs, _ = pg.performance_difference(mdp, pi, pi_new)
    assert pg.surrogate_advantage(mdp, pi, pi_new) == pytest.approx(lhs, abs=1e-12)


def test_monte_carlo_within_clt_tolerance():
    rng = np.random.default_rng(40)
    mdp = pg.random_mdp(5, 3, rng=rng, gamma=0.9, horizon=10)
    pi = rng.dirichlet(np.ones(3) * 2, size=5)
    pi_new = rng.dirichlet(np.ones(3) * 2, size=5)
    tr = pg.sample_trajectories(mdp, pi, 20_000, rng=rng)
    x = pg.surrogate_advantage_samples(mdp, pi, pi_new, tr)
    assert x.shape == (20_000,)
    z = (x.mean() - pg.surrogate_advantage(mdp, pi, pi_new)) / (x.std(ddof=1) / np.sqrt(x.size))
    assert abs(z) < 4.0


def test_monte_carlo_discounted_truncated():
    rng = np.random.default_rng(41)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=0.7)
    pi, pi_new = rng.dirichlet(np.ones(2) * 3, size=3), rng.dirichlet(np.ones(2) * 3, size=3)
    tr = pg.sample_trajectories(mdp, pi, 10_000, rng=rng, horizon=150)
    x = pg.surrogate_advantage_samples(mdp, pi, pi_new, tr)
    z = (x.mean() - pg.surrogate_advantage(mdp, pi, pi_new)) / (x.std(ddof=1) / np.sqrt(x.size))
    assert abs(z) < 4.0


def test_samples_by_hand():
    mdp = pg.random_mdp(2, 2, rng=np.random.default_rng(3), gamma=0.5, horizon=2)
    pi = np.array([[0.5, 0.5], [0.25, 0.75]])
    pi_new = np.array([[0.9, 0.1], [0.5, 0.5]])
    A = pg.evaluate(mdp, pi).A
    states, actions = np.array([[0, 1]]), np.array([[0, 1]])
    tr = pg.Trajectories(states, actions, mdp.r[states, actions], np.zeros((1, 2)))
    expected = 1.8 * A[0, 0, 0] + 0.5 * (2 / 3) * A[1, 1, 1]
    np.testing.assert_allclose(
        pg.surrogate_advantage_samples(mdp, pi, pi_new, tr), [expected], rtol=1e-14
    )
    disc = mdp.with_horizon(None)
    A = pg.evaluate(disc, pi).A
    expected = 1.8 * A[0, 0] + 0.5 * (2 / 3) * A[1, 1]
    np.testing.assert_allclose(
        pg.surrogate_advantage_samples(disc, pi, pi_new, tr), [expected], rtol=1e-14
    )


@pytest.mark.parametrize("horizon", [None, 6])
def test_path_first_order_agreement_and_growing_gap(horizon):
    rng = np.random.default_rng(50)
    mdp = pg.random_mdp(5, 3, rng=rng, gamma=0.9, horizon=horizon)
    theta, d = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    steps = np.array([0.0, 1e-3, 1e-2, 1e-1, 1.0, 3.0])
    path = pg.surrogate_path(mdp, theta, d, steps)
    np.testing.assert_array_equal(path.steps, steps)
    assert path.improvement[0] == 0.0 and abs(path.surrogate[0]) < 1e-13 and path.max_tv[0] == 0
    pi = pg.softmax_policy(theta)
    for k, s in enumerate(steps):
        pi_new = pg.softmax_policy(theta + s * d)
        lhs, _ = pg.performance_difference(mdp, pi, pi_new)
        assert path.improvement[k] == pytest.approx(lhs, abs=1e-12)
        assert path.surrogate[k] == pytest.approx(
            pg.surrogate_advantage(mdp, pi, pi_new), abs=1e-12
        )
        assert path.max_tv[k] == pytest.approx(pg.tv_distance(pi, pi_new).max(), abs=1e-15)
    gap = np.abs(path.improvement - path.surrogate)
    # Same value and slope at s = 0: the gap is O(s^2), so gap / s -> 0.
    assert gap[1] / steps[1] < 0.1 * gap[3] / steps[3]
    assert np.all(np.diff(path.max_tv) > 0)
    slope = np.sum(pg.policy_gradient(mdp, theta) * d)
    assert path.surrogate[1] / steps[1] == pytest.approx(slope, rel=1e-2)


# ----------------------------------------------------------------------------- errors


@pytest.fixture
def setup():
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(0), horizon=4)
    pi = np.array([[0.5, 0.5], [1.0, 0.0], [0.3, 0.7]])
    tr = pg.sample_trajectories(mdp, pi, 20, rng=np.random.default_rng(1))
    return mdp, pi, tr


def test_surrogate_advantage_errors(setup):
    mdp, pi, _ = setup
    with pytest.raises(ValueError, match=full("pi_new must have shape (3, 2), got (3, 3)")):
        pg.surrogate_advantage(mdp, pi, np.full((3, 3), 1 / 3))
    with pytest.raises(ValueError, match=full("pi must have shape (3, 2), got (3, 1)")):
        pg.surrogate_advantage(mdp, np.ones((3, 1)), pi)
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got list")):
        pg.surrogate_advantage([], pi, pi)


def test_surrogate_samples_errors(setup):
    mdp, pi, tr = setup
    with pytest.raises(
        ValueError,
        match=full(
            "pi_new[1, 1] is 0.5 where pi[1, 1] is 0; importance sampling needs pi > 0 "
            "wherever pi_new > 0"
        ),
    ):
        pg.surrogate_advantage_samples(mdp, pi, np.full((3, 2), 0.5), tr)
    with pytest.raises(ValueError, match=full("pi[2, :] sums to 0.9, expected 1 (atol=1e-08)")):
        pg.surrogate_advantage_samples(mdp, [[0.5, 0.5], [1, 0], [0.2, 0.7]], pi, tr)


def test_theta_errors(setup):
    mdp, _, _ = setup
    ok = np.zeros((3, 2))
    with pytest.raises(
        ValueError, match=full("theta must have shape (3, 2) to fit the MDP, got (2, 2)")
    ):
        pg.surrogate_gradient(mdp, np.zeros((2, 2)), ok)
    with pytest.raises(
        ValueError, match=full("theta_new must have shape (3, 2) to fit the MDP, got (3, 3)")
    ):
        pg.surrogate_gradient(mdp, ok, np.zeros((3, 3)))
    bad = ok.copy()
    bad[2, 1] = np.inf
    with pytest.raises(ValueError, match=full("theta_new[2, 1] is inf, expected a finite number")):
        pg.surrogate_gradient(mdp, ok, bad)
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got str")):
        pg.surrogate_gradient("x", ok, ok)
    with pytest.raises(
        ValueError,
        match=full("direction must have 2 dimension(s), got shape (3,) (1 dimension(s))"),
    ):
        pg.surrogate_path(mdp, ok, np.zeros(3), [0.1])
    with pytest.raises(
        ValueError, match=full("direction must have shape (3, 2) to fit the MDP, got (2, 2)")
    ):
        pg.surrogate_path(mdp, ok, np.zeros((2, 2)), [0.1])
    with pytest.raises(
        ValueError, match=full("steps must have 1 dimension(s), got shape () (0 dimension(s))")
    ):
        pg.surrogate_path(mdp, ok, ok, 0.1)
    with pytest.raises(ValueError, match=full("steps[1] is nan, expected a finite number")):
        pg.surrogate_path(mdp, ok, ok, [0.1, np.nan])
    with pytest.raises(
        ValueError, match=full("theta must have shape (3, 2) to fit the MDP, got (3, 1)")
    ):
        pg.surrogate_path(mdp, np.zeros((3, 1)), ok, [0.1])
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got int")):
        pg.surrogate_path(1, ok, ok, [0.1])
