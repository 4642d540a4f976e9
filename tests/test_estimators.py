"""Tests for pgtheory.pg_as_pi.estimators: exact unbiasedness by enumeration, Monte Carlo,
errors."""

import re

import brute_force as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


ESTIMATORS = ("full_return", "reward_to_go", "value_baseline")


def _all_trajectories(mdp, pi, T):
    """Every trajectory of length T as a Trajectories batch, with its probability."""
    states, actions, probs = [], [], []
    for s, a, p in bf.trajectories(mdp.P, mdp.p0, pi, T):
        states.append(s)
        actions.append(a)
        probs.append(p)
    states, actions = np.array(states), np.array(actions)
    rewards = mdp.r[states, actions]
    log_probs = np.log(pi[states, actions])
    return pg.Trajectories(states, actions, rewards, log_probs), np.array(probs)


def _loop_estimate(mdp, theta, tr, estimator):
    """The slide's double sum, written as a plain loop (reference, no vectorization)."""
    pi = pg.softmax_policy(theta)
    n, T = tr.states.shape
    S, A = pi.shape
    V = pg.evaluate(mdp, pi).V
    out = np.zeros((n, S, A))
    for i in range(n):
        ret = sum(mdp.gamma**k * tr.rewards[i, k] for k in range(T))
        for t in range(T):
            s, a = tr.states[i, t], tr.actions[i, t]
            score = np.zeros((S, A))
            score[s] = -pi[s]
            score[s, a] += 1.0
            togo = sum(mdp.gamma ** (k - t) * tr.rewards[i, k] for k in range(t, T))
            if estimator == "full_return":
                w = ret
            else:
                w = mdp.gamma**t * togo
                if estimator == "value_baseline":
                    w -= mdp.gamma**t * (V[s] if mdp.horizon is None else V[t, s])
            out[i] += score * w
    return out


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize(("gamma", "T"), [(1.0, 3), (0.8, 3), (0.9, 2)])
def test_exact_mean_over_all_trajectories_is_the_policy_gradient(estimator, gamma, T):
    # E[g] = sum over every trajectory of p(tau) g(tau) (enumeration, no sampling), against
    # the policy-gradient theorem's matrix formula (Sutton et al. 2000).
    rng = np.random.default_rng(3)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=gamma, horizon=T)
    theta = rng.normal(size=(3, 2))
    tr, probs = _all_trajectories(mdp, pg.softmax_policy(theta), T)
    g = pg.reinforce_gradient_samples(mdp, theta, tr, estimator=estimator)
    np.testing.assert_allclose(
        np.einsum("i,isa->sa", probs, g), pg.policy_gradient(mdp, theta), atol=1e-12
    )


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_discounted_estimate_is_unbiased_for_the_truncated_objective(estimator):
    rng = np.random.default_rng(4)
    mdp = pg.random_mdp(2, 3, rng=rng, gamma=0.7)
    theta = rng.normal(size=(2, 3))
    T = 3
    tr, probs = _all_trajectories(mdp, pg.softmax_policy(theta), T)
    g = pg.reinforce_gradient_samples(mdp, theta, tr, estimator=estimator)
    np.testing.assert_allclose(
        np.einsum("i,isa->sa", probs, g),
        pg.policy_gradient(mdp.with_horizon(T), theta),
        atol=1e-12,
    )
    # and it is biased for the infinite-horizon gradient (the truncated tail)
    assert np.abs(np.einsum("i,isa->sa", probs, g) - pg.policy_gradient(mdp, theta)).max() > 1e-3


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    S=st.integers(2, 4),
    A=st.integers(2, 3),
    T=st.integers(2, 4),
    discounted=st.booleans(),
)
def test_vectorized_estimate_matches_the_loop(seed, S, A, T, discounted):
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(S, A, rng=rng, gamma=0.85, horizon=None if discounted else T)
    theta = rng.normal(size=(S, A))
    tr = pg.sample_trajectories(mdp, pg.softmax_policy(theta), 7, rng=rng, horizon=T)
    for est in ESTIMATORS:
        loop = _loop_estimate(mdp, theta, tr, est)
        samples = pg.reinforce_gradient_samples(mdp, theta, tr, estimator=est)
        np.testing.assert_allclose(samples, loop, rtol=0, atol=1e-12)
        # the batch estimate: slide S1's 1/N sum over trajectories of the loop's samples
        np.testing.assert_allclose(
            pg.reinforce_gradient(mdp, theta, tr, estimator=est),
            sum(loop) / len(loop),
            rtol=0,
            atol=1e-12,
        )


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_monte_carlo_mean_within_clt_tolerance(estimator):
    # Seeded: each entry of the batch mean is within 5 standard errors of the exact gradient.
    rng = np.random.default_rng(11)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.95, horizon=6)
    theta = rng.normal(size=(4, 3))
    n = 20_000
    tr = pg.sample_trajectories(mdp, pg.softmax_policy(theta), n, rng=rng)
    samples = pg.reinforce_gradient_samples(mdp, theta, tr, estimator=estimator)
    se = samples.std(axis=0, ddof=1) / np.sqrt(n)
    err = np.abs(samples.mean(axis=0) - pg.policy_gradient(mdp, theta))
    assert np.all(err <= 5 * se + 1e-12), (err / se).max()


def test_variance_falls_from_full_return_to_reward_to_go_to_baseline():
    # The exact variance by enumeration: the reward to go and the baseline lower it here
    # (they need not for every MDP; this one has rewards at every step).
    rng = np.random.default_rng(5)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=1.0, horizon=4)
    theta = rng.normal(size=(3, 2))
    tr, probs = _all_trajectories(mdp, pg.softmax_policy(theta), 4)
    var = {}
    for est in ESTIMATORS:
        g = pg.reinforce_gradient_samples(mdp, theta, tr, estimator=est)
        mean = np.einsum("i,isa->sa", probs, g)
        var[est] = float(np.einsum("i,isa->", probs, (g - mean) ** 2))
    assert var["full_return"] > var["reward_to_go"] > var["value_baseline"] > 0


def test_tightrope_single_trajectory_by_hand():
    # Tightrope, gamma = 1, T = 2, theta = 0 (pi = 1/2, 1/2). Trajectory: s=(0, 1), a=(1, 0):
    # leave at t=0 (reward 0), then in s1 (reward 1). Return 1; reward to go (1, 1).
    # score at t=0: row 0 = (-1/2, 1/2); at t=1: row 1 = (1/2, -1/2).
    mdp = pg.tightrope_mdp(gamma=1.0, horizon=2)
    theta = np.zeros((2, 2))
    tr = pg.Trajectories(
        np.array([[0, 1]]), np.array([[1, 0]]), np.array([[0.0, 1.0]]), np.zeros((1, 2))
    )
    expected = np.array([[-0.5, 0.5], [0.5, -0.5]])
    for est in ("full_return", "reward_to_go"):
        np.testing.assert_allclose(
            pg.reinforce_gradient(mdp, theta, tr, estimator=est), expected, atol=1e-15
        )
    # V_0(0) = 1/2 (leave w.p. 1/2, then reward 1), V_1(1) = 1: weights (1 - 1/2, 1 - 1) = (1/2, 0)
    np.testing.assert_allclose(
        pg.reinforce_gradient(mdp, theta, tr, estimator="value_baseline"),
        [[-0.25, 0.25], [0.0, 0.0]],
        atol=1e-15,
    )


# ---------------------------------------------------------------- errors


@pytest.fixture
def setup():
    rng = np.random.default_rng(0)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=0.9, horizon=4)
    theta = np.zeros((3, 2))
    tr = pg.sample_trajectories(mdp, pg.softmax_policy(theta), 5, rng=rng)
    return mdp, theta, tr


def _raises(msg, mdp, theta, tr, estimator="reward_to_go"):
    with pytest.raises(ValueError, match=full(msg)):
        pg.reinforce_gradient(mdp, theta, tr, estimator=estimator)


def test_unknown_estimator(setup):
    _raises(
        "estimator must be one of ('full_return', 'reward_to_go', 'value_baseline'), "
        "got 'baseline'",
        *setup,
        estimator="baseline",
    )


def test_mdp_must_be_a_tabular_mdp(setup):
    _, theta, tr = setup
    _raises("mdp must be a pgtheory.TabularMDP, got dict", {}, theta, tr)


def test_theta_shape_and_values(setup):
    mdp, theta, tr = setup
    _raises("theta must have shape (3, 2) to fit the MDP, got (2, 2)", mdp, np.zeros((2, 2)), tr)
    _raises("theta must have 2 dimension(s), got shape (6,) (1 dimension(s))", mdp, np.zeros(6), tr)
    bad = theta.copy()
    bad[1, 0] = np.nan
    _raises("theta[1, 0] is nan, expected a finite number", mdp, bad, tr)


def test_trajectories_type(setup):
    mdp, theta, tr = setup
    _raises(
        "trajectories must be a pgtheory.Trajectories (from sample_trajectories), got tuple",
        mdp,
        theta,
        tuple(tr),
    )


def test_trajectories_shapes(setup):
    mdp, theta, tr = setup
    _raises(
        "trajectories.states must have shape (n, T) with n, T >= 1, got (5,)",
        mdp,
        theta,
        tr._replace(states=tr.states[:, 0]),
    )
    _raises(
        "trajectories.states must have shape (n, T) with n, T >= 1, got (0, 4)",
        mdp,
        theta,
        tr._replace(states=tr.states[:0]),
    )
    _raises(
        "trajectories.states must have shape (n, T) with n, T >= 1, got (5, 0)",
        mdp,
        theta,
        tr._replace(states=tr.states[:, :0]),
    )
    _raises(
        "trajectories.actions must have shape (5, 4) like trajectories.states, got (5, 3)",
        mdp,
        theta,
        tr._replace(actions=tr.actions[:, :3]),
    )
    _raises(
        "trajectories.rewards must have shape (5, 4) like trajectories.states, got (4, 4)",
        mdp,
        theta,
        tr._replace(rewards=tr.rewards[:4]),
    )


def test_trajectories_that_do_not_fit_the_mdp(setup):
    mdp, theta, tr = setup
    states = tr.states.copy()
    states[2, 1] = 3
    _raises(
        "trajectories.states[2, 1] is 3, expected an integer in [0, 3)",
        mdp,
        theta,
        tr._replace(states=states),
    )
    actions = tr.actions.copy()
    actions[0, 3] = -1
    _raises(
        "trajectories.actions[0, 3] is -1, expected an integer in [0, 2)",
        mdp,
        theta,
        tr._replace(actions=actions),
    )
    _raises(
        "trajectories.states must hold integers, got dtype float64",
        mdp,
        theta,
        tr._replace(states=tr.states.astype(float)),
    )
    short = pg.Trajectories(*(x[:, :3] for x in tr))
    _raises("trajectories have 3 time steps, expected the MDP's horizon 4", mdp, theta, short)


def test_non_finite_rewards(setup):
    mdp, theta, tr = setup
    rewards = tr.rewards.copy()
    rewards[4, 2] = np.inf
    _raises(
        "trajectories.rewards[4, 2] is inf, expected a finite number",
        mdp,
        theta,
        tr._replace(rewards=rewards),
    )


def test_samples_function_validates_too(setup):
    mdp, theta, tr = setup
    with pytest.raises(
        ValueError,
        match=full(
            "estimator must be one of ('full_return', 'reward_to_go', 'value_baseline'), got None"
        ),
    ):
        pg.reinforce_gradient_samples(mdp, theta, tr, estimator=None)
