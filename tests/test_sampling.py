"""Tests for pgtheory.core.sampling: loop reference, Monte Carlo vs exact, returns."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg
from pgtheory.core.sampling import CategoricalSampler

# z for the CLT tolerances below: a two-sided 5-sigma band (p ~ 6e-7 per check).
Z = 5.0


def _loop_sample(mdp, pi, n, rng, T):
    """One trajectory at a time, consuming the same uniforms as the vectorized sampler."""
    u0 = rng.random(n)
    us = []
    for t in range(T):
        ua = rng.random(n)
        us_next = rng.random(n) if t + 1 < T else None
        us.append((ua, us_next))
    states = np.zeros((n, T), dtype=np.int64)
    actions = np.zeros((n, T), dtype=np.int64)
    for i in range(n):
        s = int(np.searchsorted(np.cumsum(mdp.p0), u0[i], side="right"))
        for t in range(T):
            a = int(np.searchsorted(np.cumsum(pi[s]), us[t][0][i], side="right"))
            states[i, t], actions[i, t] = s, a
            if t + 1 < T:
                s = int(np.searchsorted(np.cumsum(mdp.P[s, a]), us[t][1][i], side="right"))
    return states, actions


@pytest.mark.parametrize("seed", range(3))
def test_vectorized_matches_one_at_a_time_loop(seed):
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(6, 3, rng=rng, horizon=9, branching=4)
    pi = pg.softmax_policy(rng.normal(size=(6, 3)))
    tr = pg.sample_trajectories(mdp, pi, 50, rng=np.random.default_rng(100 + seed))
    states, actions = _loop_sample(mdp, pi, 50, np.random.default_rng(100 + seed), 9)
    np.testing.assert_array_equal(tr.states, states)
    np.testing.assert_array_equal(tr.actions, actions)
    np.testing.assert_array_equal(tr.rewards, mdp.r[states, actions])
    np.testing.assert_allclose(tr.log_probs, np.log(pi[states, actions]), rtol=1e-15)


def test_categorical_sampler_never_returns_zero_probability_outcomes():
    rows = np.array([[0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    sampler = CategoricalSampler(rows)
    k = np.repeat(np.arange(3), 5)
    # Uniforms at the edges, including the largest double below 1.
    u = np.tile([0.0, 0.25, 0.5, 0.999, np.nextafter(1.0, 0.0)], 3)
    out = sampler.sample(k, u)
    assert np.all(rows[k, out] > 0)
    np.testing.assert_array_equal(out[:5], [1, 1, 2, 2, 2])


def test_deterministic_dynamics_are_reproduced():
    mdp = pg.chain_mdp(5, slip=0.0, horizon=6)
    tr = pg.sample_trajectories(
        mdp, pg.deterministic_policy([1] * 5, 2), 4, rng=np.random.default_rng(0)
    )
    np.testing.assert_array_equal(tr.states, np.tile([0, 1, 2, 3, 4, 4], (4, 1)))
    np.testing.assert_array_equal(tr.rewards, np.tile([0, 0, 0, 0, 1, 1.0], (4, 1)))
    np.testing.assert_array_equal(tr.log_probs, 0.0)


def test_rng_draws_are_the_documented_ones():
    # Docstring: rng.random(n) for s_0, then per step rng.random(n) for the actions and, except
    # after the last step, rng.random(n) for the next states: (2 T) n uniforms in all. A
    # chapter that reuses its generator after sampling depends on this count.
    mdp = pg.random_mdp(4, 2, rng=np.random.default_rng(0), horizon=5)
    rng, ref = np.random.default_rng(9), np.random.default_rng(9)
    pg.sample_trajectories(mdp, pg.uniform_policy(4, 2), 7, rng=rng)
    ref.random(2 * 5 * 7)
    assert rng.random() == ref.random()


def test_guide_table_at_bucket_edges():
    # A cdf value just above a bucket boundary (0.5 + 1e-8 with G = 2 buckets) and u exactly
    # on the boundary: the inverse CDF is outcome 0 (cdf[0] > u), the guide must not skip it.
    zeros = np.zeros(3, dtype=np.int64)
    two = CategoricalSampler(np.array([[0.5 + 1e-8, 0.5 - 1e-8]]), n_buckets=2)
    np.testing.assert_array_equal(two.sample(zeros, np.array([0.5, 0.5 + 2e-8, 0.0])), [0, 1, 0])
    # cdf = (0.25, 0.5 + 1e-9, 1) with 4 buckets: u = 0.5 is still outcome 1.
    four = CategoricalSampler(np.array([[0.25, 0.25 + 1e-9, 0.5 - 1e-9]]), n_buckets=4)
    np.testing.assert_array_equal(four.sample(zeros, np.array([0.25, 0.5, 0.75])), [1, 1, 2])


def test_reward_to_go_on_batches_of_any_rank():
    # Shape (..., T): a (2, 3, 4) batch gives, per trajectory, the same as the 1-D call.
    rewards = np.arange(24, dtype=float).reshape(2, 3, 4)
    out = pg.reward_to_go(rewards, 0.5)
    for i in range(2):
        for j in range(3):
            r = rewards[i, j]
            expected = [sum(0.5 ** (k - t) * r[k] for k in range(t, 4)) for t in range(4)]
            np.testing.assert_allclose(out[i, j], expected, rtol=1e-15, atol=0)


# ----------------------------------------------------------- Monte Carlo vs exact


@pytest.mark.parametrize("horizon", [None, 15])
def test_sampled_returns_converge_to_exact(horizon):
    rng = np.random.default_rng(11)
    mdp = pg.random_mdp(8, 3, rng=rng, gamma=0.8, horizon=horizon)
    pi = pg.softmax_policy(rng.normal(size=(8, 3)))
    T = 80 if horizon is None else horizon  # truncation: 0.8^80 / 0.2 ~ 9e-8
    G = pg.discounted_returns(
        pg.sample_trajectories(mdp, pi, 40_000, rng=rng, horizon=T).rewards, mdp.gamma
    )
    bias = 0.0 if horizon else mdp.gamma**T * np.abs(mdp.r).max() / (1 - mdp.gamma)
    se = G.std(ddof=1) / np.sqrt(G.size)
    assert abs(G.mean() - pg.expected_return(mdp, pi)) <= Z * se + bias


@pytest.mark.parametrize("horizon", [None, 12])
def test_sampled_marginals_and_visitation_converge_to_exact(horizon):
    rng = np.random.default_rng(12)
    mdp = pg.random_mdp(5, 2, rng=rng, gamma=0.7, horizon=horizon)
    pi = pg.softmax_policy(rng.normal(size=(5, 2)))
    T = 60 if horizon is None else horizon  # 0.7^60 ~ 5e-10
    n = 30_000
    tr = pg.sample_trajectories(mdp, pi, n, rng=rng, horizon=T)
    onehot = tr.states[:, :, None] == np.arange(5)  # (n, T, S)
    # Marginals: binomial standard error per (t, s).
    p = pg.state_marginals(mdp, pi, horizon=T)
    se = np.sqrt(p * (1 - p) / n) + 1e-12
    assert np.all(np.abs(onehot.mean(axis=0) - p) <= Z * se + 1e-12)
    # Visitation: per-trajectory normalized discounted counts, then CLT on their mean.
    w = mdp.gamma ** np.arange(T)
    per_traj = np.einsum("t,nts->ns", w / w.sum(), onehot)
    d = pg.discounted_visitation(mdp, pi)
    bias = 0.0 if horizon else 2 * mdp.gamma**T  # normalizing the truncated weights
    se_d = per_traj.std(axis=0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(per_traj.mean(axis=0) - d) <= Z * se_d + bias + 1e-12)


# ------------------------------------------------------------ returns


def test_reward_to_go_and_returns_closed_form():
    rewards = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(pg.reward_to_go(rewards), [[6, 5, 3], [1, 1, 1]], atol=0)
    np.testing.assert_allclose(
        pg.reward_to_go(rewards, 0.5), [[1 + 1 + 0.75, 2 + 1.5, 3], [0.25, 0.5, 1]], atol=1e-15
    )
    np.testing.assert_allclose(pg.discounted_returns(rewards, 0.5), [2.75, 0.25], atol=1e-15)
    assert pg.discounted_returns([1.0, 1.0], 1.0) == 2.0  # 1-D input: one trajectory


@given(
    st.lists(st.floats(-10, 10), min_size=1, max_size=20),
    st.floats(0, 1),
)
@settings(max_examples=80, deadline=None)
def test_reward_to_go_at_zero_is_the_return(rewards, gamma):
    rtg = pg.reward_to_go(rewards, gamma)
    assert rtg[0] == pytest.approx(pg.discounted_returns(rewards, gamma), rel=1e-12, abs=1e-10)
    # Recursion Q_t = r_t + gamma Q_{t+1}.
    np.testing.assert_allclose(rtg[:-1], np.asarray(rewards[:-1]) + gamma * rtg[1:], atol=1e-10)


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, "n must be an integer >= 1, got 0"),
        ({"n": 2.5}, r"n must be an integer >= 1, got float 2\.5$"),
        (
            {"rng": np.random.RandomState(0)},
            r"rng must be a numpy\.random\.Generator \(e\.g\. numpy\.random\.default_rng\(0\)\), "
            r"got RandomState$",
        ),
        (
            {"rng": None},
            r"rng must be a numpy\.random\.Generator \(e\.g\. numpy\.random\.default_rng\(0\)\), "
            r"got NoneType$",
        ),
        (
            {"horizon": None},
            r"horizon must be an integer >= 1 to sample a discounted MDP \(trajectories are "
            r"truncated there\), got None$",
        ),
        ({"horizon": -1}, "horizon must be an integer >= 1, got -1"),
        ({"pi": np.ones((3, 2))}, r"pi\[0, :\] sums to 2, expected 1"),
        ({"pi": np.ones((4, 2)) / 2}, r"pi must have shape \(3, 2\), got \(4, 2\)"),
        ({"mdp": None}, "mdp must be a pgtheory.TabularMDP, got NoneType"),
    ],
)
def test_sample_trajectories_bad_input(kwargs, match):
    args = {
        "mdp": pg.random_mdp(3, 2, rng=np.random.default_rng(0)),
        "pi": np.full((3, 2), 0.5),
        "n": 5,
        "rng": np.random.default_rng(0),
        "horizon": 4,
    } | kwargs
    with pytest.raises(ValueError, match=match):
        pg.sample_trajectories(args.pop("mdp"), args.pop("pi"), args.pop("n"), **args)


@pytest.mark.parametrize("fn", [pg.reward_to_go, pg.discounted_returns])
@pytest.mark.parametrize(
    ("rewards", "gamma", "match"),
    [
        ([1.0, np.nan], 0.9, r"rewards\[1\] is nan, expected a finite number"),
        (
            np.zeros((2, 0)),
            0.9,
            r"rewards must have at least one time step on its last axis, got shape \(2, 0\)$",
        ),
        (
            3.0,
            0.9,
            r"rewards must have at least one time step on its last axis, got shape \(\)$",
        ),
        ([1.0], 1.5, r"gamma must lie in \[0, 1\], got 1.5"),
        ([1.0], -0.5, r"gamma must lie in \[0, 1\], got -0\.5$"),
        ([1.0], "x", r"gamma must be a real number, got str 'x'$"),
    ],
)
def test_returns_bad_input(fn, rewards, gamma, match):
    with pytest.raises(ValueError, match=match):
        fn(rewards, gamma)


@given(
    st.integers(1, 6),
    st.integers(1, 12),
    st.integers(1, 20),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=80, deadline=None)
def test_guide_table_sampler_is_the_inverse_cdf(K, m, n_buckets, seed):
    rng = np.random.default_rng(seed)
    rows = rng.dirichlet(np.ones(m), size=K) * (rng.random((K, m)) < 0.6)
    rows[np.arange(K), rng.integers(0, m, K)] += 0.1  # every row keeps some mass
    rows /= rows.sum(axis=1, keepdims=True)
    k = rng.integers(0, K, 500)
    u = np.concatenate([rng.random(496), [0.0, 0.5, 1 - 1e-12, np.nextafter(1.0, 0.0)]])
    out = CategoricalSampler(rows, n_buckets=n_buckets).sample(k, u)
    cdf = np.cumsum(rows, axis=1)
    expected = np.array(
        [np.searchsorted(cdf[ki], ui, side="right") for ki, ui in zip(k, u, strict=True)]
    )
    last = np.array([np.flatnonzero(rows[ki])[-1] for ki in k])
    np.testing.assert_array_equal(out, np.minimum(expected, last))
    assert np.all(rows[k, out] > 0)


def test_empirical_marginals_closed_form_and_convergence():
    states = np.array([[0, 1, 2], [0, 2, 2]])
    np.testing.assert_array_equal(
        pg.empirical_marginals(states, 3), [[1, 0, 0], [0, 0.5, 0.5], [0, 0, 1]]
    )
    rng = np.random.default_rng(21)
    mdp = pg.random_mdp(4, 2, rng=rng, horizon=8)
    pi = pg.uniform_policy(4, 2)
    n = 20_000
    p_hat = pg.empirical_marginals(pg.sample_trajectories(mdp, pi, n, rng=rng).states, 4)
    p = pg.state_marginals(mdp, pi)
    np.testing.assert_allclose(p_hat.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(np.abs(p_hat - p) <= Z * np.sqrt(p * (1 - p) / n) + 1e-12)


@pytest.mark.parametrize(
    ("states", "n_states", "match"),
    [
        (
            np.zeros(3, dtype=int),
            2,
            r"states must have shape \(n, T\) with n >= 1, got shape \(3,\)",
        ),
        (
            np.zeros((0, 3), dtype=int),
            2,
            r"states must have shape \(n, T\) with n >= 1, got shape \(0, 3\)$",
        ),
        (np.zeros((2, 2)), 2, "states must hold integers, got dtype float64"),
        (np.array([[0, 1], [2, 0]]), 2, r"states\[1, 0\] is 2, expected an integer in \[0, 2\)"),
        (np.array([[0, -1]]), 2, r"states\[0, 1\] is -1, expected an integer in \[0, 2\)$"),
        (np.zeros((1, 1), dtype=int), 0, "n_states must be an integer >= 1, got 0"),
    ],
)
def test_empirical_marginals_bad_input(states, n_states, match):
    with pytest.raises(ValueError, match=match):
        pg.empirical_marginals(states, n_states)


def test_check_trajectories_returns_checked_arrays_and_names_the_first_problem():
    # The full list of messages is in test_estimators (every estimator checks its input
    # with this function); here: what it returns, and one message per kind of check.
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(0), horizon=4)
    tr = pg.sample_trajectories(mdp, np.full((3, 2), 0.5), 5, rng=np.random.default_rng(1))
    states, actions, rewards = pg.sampling.check_trajectories(mdp, tr)
    assert (states.dtype, actions.dtype, rewards.dtype) == (np.int64, np.int64, np.float64)
    np.testing.assert_array_equal(states, tr.states)
    np.testing.assert_array_equal(actions, tr.actions)
    np.testing.assert_array_equal(rewards, tr.rewards)
    bad_action = tr._replace(actions=np.where(tr.actions == 0, 2, tr.actions))
    i, t = np.argwhere(tr.actions == 0)[0]
    cases = [
        (
            (1, 2),
            "trajectories must be a pgtheory.Trajectories (from sample_trajectories), got tuple",
        ),
        (
            tr._replace(rewards=tr.rewards[:, :3]),
            "trajectories.rewards must have shape (5, 4) like trajectories.states, got (5, 3)",
        ),
        (bad_action, f"trajectories.actions[{i}, {t}] is 2, expected an integer in [0, 2)"),
    ]
    for trajectories, message in cases:
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            pg.sampling.check_trajectories(mdp, trajectories)
    with pytest.raises(
        ValueError, match=re.escape("trajectories have 4 time steps, expected the MDP's horizon 5")
    ):
        pg.sampling.check_trajectories(mdp.with_horizon(5), tr)
    # A discounted MDP accepts any length (the trajectories are truncated there).
    assert pg.sampling.check_trajectories(mdp.with_horizon(None), tr)[0].shape == (5, 4)
