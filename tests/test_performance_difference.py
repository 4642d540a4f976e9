"""Tests for pgtheory.pg_as_pi.performance_difference (slides S3-S4; Kakade & Langford 2002,
Lemma 6.1)."""

import re

import brute_force as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg

TOL = 1e-10


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


@st.composite
def pdl_cases(draw):
    """A random MDP (S, A, T >= 2; dense, sparse or deterministic dynamics; discounted or
    finite horizon) and two policies (dense Dirichlet, or with zero entries)."""
    S, A, T = draw(st.integers(2, 6)), draw(st.integers(2, 4)), draw(st.integers(2, 12))
    kind = draw(st.sampled_from(["dense", "sparse", "deterministic"]))
    discounted = draw(st.booleans())
    gamma = draw(st.floats(0.0, 0.99)) if discounted else draw(st.floats(0.05, 1.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    branching, concentration = {
        "dense": (None, 1.0),
        "sparse": (2, 0.2),
        "deterministic": (1, 1.0),
    }[kind]
    mdp = pg.random_mdp(
        S,
        A,
        rng=rng,
        gamma=gamma,
        horizon=None if discounted else T,
        branching=branching,
        concentration=concentration,
        reward_range=(-1.0, 2.0),
    )
    sparse_policies = draw(st.booleans())
    alpha = 0.3 if sparse_policies else 1.0
    pi, pi_new = (rng.dirichlet(np.full(A, alpha), size=S) for _ in range(2))
    if sparse_policies:  # exact zeros
        pi[pi < 0.05] = 0.0
        pi_new[pi_new < 0.05] = 0.0
        pi /= pi.sum(axis=1, keepdims=True)
        pi_new /= pi_new.sum(axis=1, keepdims=True)
    return mdp, pi, pi_new


@given(pdl_cases())
@settings(max_examples=300, deadline=None)
def test_lemma_holds_on_random_mdps(case):
    mdp, pi, pi_new = case
    lhs, rhs = pg.performance_difference(mdp, pi, pi_new)
    assert abs(lhs - rhs) <= TOL
    lhs_ref = pg.expected_return(mdp, pi_new) - pg.expected_return(mdp, pi)
    assert abs(lhs - lhs_ref) <= TOL


@given(pdl_cases())
@settings(max_examples=200, deadline=None)
def test_every_proof_line_is_the_same_number(case):
    mdp, pi, pi_new = case
    lines = pg.pdl_proof_lines(mdp, pi, pi_new)
    assert lines.shape == (len(pg.PDL_PROOF_STEPS),) == (8,)
    lhs, rhs = pg.performance_difference(mdp, pi, pi_new)
    np.testing.assert_allclose(lines, np.full(8, lhs), rtol=0, atol=TOL)
    assert lines[-1] == pytest.approx(rhs, abs=TOL)


def test_same_policy_gives_zero():
    rng = np.random.default_rng(3)
    for horizon in (None, 5):
        mdp = pg.random_mdp(4, 3, rng=rng, horizon=horizon)
        pi = rng.dirichlet(np.ones(3), size=4)
        lhs, rhs = pg.performance_difference(mdp, pi, pi)
        assert lhs == 0.0
        assert abs(rhs) <= 1e-13  # sum_a pi A^pi = 0 in every state
        np.testing.assert_allclose(pg.pdl_proof_lines(mdp, pi, pi), 0.0, rtol=0, atol=1e-13)


@pytest.mark.parametrize("gamma", [1.0, 0.7])
@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_right_side_matches_enumeration(gamma, kind):
    # Independent reference: every trajectory of pi_new enumerated, and A_t = Q_t - V_t
    # from enumerated returns (no backward induction, no P_pi).
    rng = np.random.default_rng(5 if kind == "dense" else 6)
    T = 4
    mdp = pg.random_mdp(
        3, 2, rng=rng, gamma=gamma, horizon=T, branching=None if kind == "dense" else 2
    )
    pi, pi_new = rng.dirichlet(np.ones(2), size=3), rng.dirichlet(np.ones(2), size=3)
    V, Q = bf.time_indexed_values(mdp.P, mdp.r, pi, T, gamma)
    A = Q - V[:, :, None]
    rhs_ref = bf.trajectory_expectation(
        mdp.P,
        mdp.p0,
        pi_new,
        T,
        lambda s, a: sum(gamma**t * A[t, s[t], a[t]] for t in range(T)),
    )
    lhs_ref = bf.expected_return(mdp.P, mdp.r, mdp.p0, pi_new, T, gamma) - bf.expected_return(
        mdp.P, mdp.r, mdp.p0, pi, T, gamma
    )
    lhs, rhs = pg.performance_difference(mdp, pi, pi_new)
    assert lhs == pytest.approx(lhs_ref, abs=TOL)
    assert rhs == pytest.approx(rhs_ref, abs=TOL)
    # The per-trajectory sums, weighted by the trajectory probabilities, are the same.
    states, actions, probs = zip(*bf.trajectories(mdp.P, mdp.p0, pi_new, T), strict=True)
    states, actions = np.array(states), np.array(actions)
    tr = pg.Trajectories(states, actions, mdp.r[states, actions], np.zeros(states.shape))
    assert np.dot(probs, pg.advantage_sums(mdp, pi, tr)) == pytest.approx(rhs_ref, abs=TOL)


def test_discounted_closed_form_two_state():
    # One state, two actions with rewards 1 and 0, gamma = 0.5: J(pi) = pi_0 / (1 - gamma).
    P = np.ones((1, 2, 1))
    mdp = pg.TabularMDP(P, [[1.0, 0.0]], [1.0], gamma=0.5)
    pi, pi_new = np.array([[0.25, 0.75]]), np.array([[0.75, 0.25]])
    lhs, rhs = pg.performance_difference(mdp, pi, pi_new)
    assert lhs == pytest.approx(1.0, abs=1e-14)  # (0.75 - 0.25) / (1 - 0.5)
    assert rhs == pytest.approx(1.0, abs=1e-14)
    assert isinstance(lhs, float) and isinstance(rhs, float)


def test_stationary_advantage_fails_with_a_finite_horizon():
    # Slide errata 5: with a finite horizon the advantage must be time-indexed. The
    # stationary advantage of the discounted MDP with the same gamma does not telescope.
    rng = np.random.default_rng(8)
    mdp = pg.random_mdp(4, 2, rng=rng, gamma=0.9, horizon=5)
    pi, pi_new = rng.dirichlet(np.ones(2), size=4), rng.dirichlet(np.ones(2), size=4)
    lhs, rhs = pg.performance_difference(mdp, pi, pi_new)
    A_stationary = pg.evaluate(mdp.with_horizon(None), pi).A
    wrong = np.einsum(
        "t,ts,sa,sa->",
        0.9 ** np.arange(5),
        pg.state_marginals(mdp, pi_new),
        pi_new,
        A_stationary,
    )
    assert abs(lhs - rhs) <= TOL
    assert abs(wrong - lhs) > 1e-3


def test_monte_carlo_within_clt_tolerance():
    rng = np.random.default_rng(12)
    mdp = pg.random_mdp(5, 3, rng=rng, gamma=0.95, horizon=8)
    pi, pi_new = rng.dirichlet(np.ones(3), size=5), rng.dirichlet(np.ones(3), size=5)
    _, rhs = pg.performance_difference(mdp, pi, pi_new)
    tr = pg.sample_trajectories(mdp, pi_new, 20_000, rng=rng)
    x = pg.advantage_sums(mdp, pi, tr)
    assert x.shape == (20_000,)
    z = (x.mean() - rhs) / (x.std(ddof=1) / np.sqrt(x.size))
    assert abs(z) < 4.0


def test_monte_carlo_discounted_truncated():
    # Truncated at T = 200 with gamma = 0.8 the bias is below 0.8^200 max|A| / 0.2 ~ 1e-18.
    rng = np.random.default_rng(13)
    mdp = pg.random_mdp(4, 2, rng=rng, gamma=0.8)
    pi, pi_new = rng.dirichlet(np.ones(2), size=4), rng.dirichlet(np.ones(2), size=4)
    _, rhs = pg.performance_difference(mdp, pi, pi_new)
    tr = pg.sample_trajectories(mdp, pi_new, 10_000, rng=rng, horizon=200)
    x = pg.advantage_sums(mdp, pi, tr)
    z = (x.mean() - rhs) / (x.std(ddof=1) / np.sqrt(x.size))
    assert abs(z) < 4.0


def test_advantage_sums_by_hand():
    # Tightrope (gamma = 0.9): pi always stays (reward 0 forever), so V^pi = 0 and
    # A^pi(s0, leave) = r(s0, leave) + gamma V(s1)... computed from the exact evaluation.
    mdp = pg.tightrope_mdp(gamma=0.9, horizon=3)
    pi, _ = pg.tightrope_policies(0.0)
    A = pg.evaluate(mdp, pi).A
    states = np.array([[0, 0, 1], [0, 1, 1]])
    actions = np.array([[0, 1, 0], [1, 0, 0]])
    tr = pg.Trajectories(states, actions, mdp.r[states, actions], np.zeros((2, 3)))
    expected = [
        A[0, 0, 0] + 0.9 * A[1, 0, 1] + 0.81 * A[2, 1, 0],
        A[0, 0, 1] + 0.9 * A[1, 1, 0] + 0.81 * A[2, 1, 0],
    ]
    np.testing.assert_allclose(pg.advantage_sums(mdp, pi, tr), expected, rtol=0, atol=1e-15)
    disc = mdp.with_horizon(None)
    A = pg.evaluate(disc, pi).A
    expected = [A[0, 0] + 0.9 * A[0, 1] + 0.81 * A[1, 0], A[0, 1] + 0.9 * A[1, 0] + 0.81 * A[1, 0]]
    np.testing.assert_allclose(pg.advantage_sums(disc, pi, tr), expected, rtol=0, atol=1e-15)


def test_proof_steps_are_tex():
    assert len(pg.PDL_PROOF_STEPS) == 8
    assert pg.PDL_PROOF_STEPS[0] == r"J(\theta') - J(\theta)"
    assert all(step.count("(") == step.count(")") for step in pg.PDL_PROOF_STEPS)
    assert pg.PDL_PROOF_STEPS[-1].endswith(r"A^{\pi_\theta}(s_t, a_t)\Big]")


# ----------------------------------------------------------------------------- errors


@pytest.fixture
def setup():
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(0), horizon=4)
    pi = pg.uniform_policy(3, 2)
    tr = pg.sample_trajectories(mdp, pi, 5, rng=np.random.default_rng(1))
    return mdp, pi, tr


@given(pdl_cases())
@settings(max_examples=200, deadline=None)
def test_by_state_terms_sum_to_the_difference(case):
    mdp, pi, pi_new = case
    split = pg.performance_difference_by_state(mdp, pi, pi_new)
    assert split.by_start.shape == split.by_visit.shape == (mdp.n_states,)
    lhs, rhs = pg.performance_difference(mdp, pi, pi_new)
    assert split.by_start.sum() == pytest.approx(lhs, abs=TOL)
    assert split.by_visit.sum() == pytest.approx(rhs, abs=TOL)
    # Only start states carry the left side's terms.
    assert np.all(split.by_start[mdp.p0 == 0] == 0)


def test_by_state_terms_by_hand():
    # Two states, one action in state 1 (absorbing, reward 0); in state 0 "stay" (reward 1)
    # or "leave" (reward 0, to state 1). Start in state 0, gamma = 1/2. pi stays, pi_new
    # leaves: V^pi(0) = 2, V^pi(1) = 0; J(pi_new) = 0, so J(pi_new) - J(pi) = -2, all of it
    # at the start state. By visit: pi_new is in state 0 at t = 0 only, where
    # A^pi(0, leave) = 0 + gamma V^pi(1) - V^pi(0) = -2; state 1 gets sum_a pi_new A^pi = 0.
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    r = np.array([[1.0, 0.0], [0.0, 0.0]])
    mdp = pg.TabularMDP(P, r, np.array([1.0, 0.0]), gamma=0.5)
    stay, leave = np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    split = pg.performance_difference_by_state(mdp, stay, leave)
    np.testing.assert_allclose(split.by_start, [-2.0, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(split.by_visit, [-2.0, 0.0], rtol=0, atol=1e-12)
    # The other way round, the credit moves: pi = leave, pi_new = stay. V^pi = 0 everywhere,
    # J(pi_new) = 2 from state 0; by visit, state 0 is visited with weight
    # sum_t gamma^t = 2 and A^pi(0, stay) = 1 + gamma * 0 - 0 = 1.
    split = pg.performance_difference_by_state(mdp, leave, stay)
    np.testing.assert_allclose(split.by_start, [2.0, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(split.by_visit, [2.0, 0.0], rtol=0, atol=1e-12)


def test_by_state_terms_differ_on_the_running_example():
    """Figure 4.1's point: the two sides split by state differ (not identical bars)."""
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.9)
    for m in (mdp, mdp.with_horizon(10)):
        split = pg.performance_difference_by_state(m, pi, pi_new)
        assert np.ptp(split.by_visit) > 0.1
        assert np.abs(split.by_start - split.by_visit).max() > 0.1
        assert split.by_start.sum() == pytest.approx(split.by_visit.sum(), abs=1e-12)


@pytest.mark.parametrize(
    "fn", [pg.performance_difference, pg.pdl_proof_lines, pg.performance_difference_by_state]
)
def test_policy_errors(setup, fn):
    mdp, pi, _ = setup
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got str")):
        fn("mdp", pi, pi)
    with pytest.raises(ValueError, match=full("pi must have shape (3, 2), got (2, 3)")):
        fn(mdp, np.full((2, 3), 0.5), pi)
    with pytest.raises(ValueError, match=full("pi_new must have shape (3, 2), got (3, 3)")):
        fn(mdp, pi, np.full((3, 3), 1 / 3))
    bad = pi.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=full("pi_new[1, 0] is nan, expected a finite number")):
        fn(mdp, pi, bad)
    bad = np.array([[0.5, 0.5], [1.2, -0.2], [0.5, 0.5]])
    with pytest.raises(ValueError, match=full("pi[1, 1] is -0.2, expected >= 0")):
        fn(mdp, bad, pi)
    bad = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.6]])
    with pytest.raises(ValueError, match=full("pi_new[2, :] sums to 1.1, expected 1 (atol=1e-08)")):
        fn(mdp, pi, bad)


def test_advantage_sums_errors(setup):
    mdp, pi, tr = setup
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got int")):
        pg.advantage_sums(3, pi, tr)
    with pytest.raises(ValueError, match=full("pi must have shape (3, 2), got (3, 3)")):
        pg.advantage_sums(mdp, np.full((3, 3), 1 / 3), tr)
    with pytest.raises(
        ValueError,
        match=full(
            "trajectories must be a pgtheory.Trajectories (from sample_trajectories), got tuple"
        ),
    ):
        pg.advantage_sums(mdp, pi, tuple(tr))
    with pytest.raises(
        ValueError, match=full("trajectories have 3 time steps, expected the MDP's horizon 4")
    ):
        pg.advantage_sums(mdp, pi, pg.Trajectories(*(x[:, :3] for x in tr)))
    bad = tr.states.copy()
    bad[0, 1] = 3
    with pytest.raises(
        ValueError, match=full("trajectories.states[0, 1] is 3, expected an integer in [0, 3)")
    ):
        pg.advantage_sums(mdp, pi, tr._replace(states=bad))
