"""Tests for pgtheory.pg_as_pi.improvement: a published table, brute force, properties, errors."""

import itertools
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


def sutton_barto_gridworld():
    """Sutton & Barto (2018), Example 3.5 (Figure 3.2): 5x5 grid, gamma = 0.9.

    Every action from A = (0, 1) gives +10 and moves to A' = (4, 1); from B = (0, 3), +5
    and B' = (2, 3); a move off the grid gives -1 and stays; other moves give 0.
    """
    S = 25
    P, r = np.zeros((S, 4, S)), np.zeros((S, 4))
    for s, (a, (di, dj)) in itertools.product(
        range(S), enumerate([(-1, 0), (0, 1), (1, 0), (0, -1)])
    ):
        i, j = divmod(s, 5)
        if s == 1:
            P[s, a, 21], r[s, a] = 1.0, 10.0
        elif s == 3:
            P[s, a, 13], r[s, a] = 1.0, 5.0
        elif 0 <= i + di < 5 and 0 <= j + dj < 5:
            P[s, a, (i + di) * 5 + j + dj] = 1.0
        else:
            P[s, a, s], r[s, a] = 1.0, -1.0
    return pg.TabularMDP(P, r, np.full(S, 1 / S), 0.9, None)


# Sutton & Barto (2018), Figure 3.5 (middle): v* of the gridworld, to one decimal.
SUTTON_BARTO_V_STAR = np.array(
    [
        [22.0, 24.4, 22.0, 19.4, 17.5],
        [19.8, 22.0, 19.8, 17.8, 16.0],
        [17.8, 19.8, 17.8, 16.0, 14.4],
        [16.0, 17.8, 16.0, 14.4, 13.0],
        [14.4, 16.0, 14.4, 13.0, 11.7],
    ]
)


def test_policy_iteration_reproduces_sutton_barto_figure_3_5():
    pi, V, n = policy_iteration_result = pg.policy_iteration(sutton_barto_gridworld())
    np.testing.assert_array_equal(np.round(V.reshape(5, 5), 1), SUTTON_BARTO_V_STAR)
    assert pi.shape == (25, 4) and set(np.unique(pi)) == {0.0, 1.0}
    np.testing.assert_array_equal(pi.sum(axis=1), np.ones(25))
    assert n >= 1 and len(policy_iteration_result) == 3
    # From A every action is optimal (all jump to A'); elsewhere the optimal moves head to A.
    assert pi[0, 1] == 1.0  # (0, 0): right, into A


def _brute_force_optimum(mdp, T):
    """max over every deterministic policy of the enumerated return of length T."""
    best = -np.inf
    S, A = mdp.n_states, mdp.n_actions
    for actions in itertools.product(range(A), repeat=S):
        pi = pg.deterministic_policy(list(actions), A)
        best = max(best, bf.expected_return(mdp.P, mdp.r, mdp.p0, pi, T, mdp.gamma))
    return best


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), S=st.integers(2, 3), A=st.integers(2, 3))
def test_policy_iteration_finds_the_best_deterministic_policy(seed, S, A):
    # Against enumeration of all A^S deterministic policies, each evaluated by enumerating
    # trajectories (gamma = 0.5, truncated at T = 14: the tail is < 2^-14 / (1 - 1/2) * max r).
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(S, A, rng=rng, gamma=0.5, branching=1)
    pi, V, _ = pg.policy_iteration(mdp)
    J = float(mdp.p0 @ V)
    assert J == pytest.approx(_brute_force_optimum(mdp, 14), abs=2**-12)
    np.testing.assert_allclose(V, pg.evaluate(mdp, pi).V, atol=1e-12)
    # Bellman optimality: V(s) = max_a Q(s, a)
    np.testing.assert_allclose(V, pg.evaluate(mdp, pi).Q.max(axis=1), atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), S=st.integers(2, 6), A=st.integers(2, 4))
def test_policy_iteration_path_never_lowers_j_and_ends_greedy(seed, S, A):
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(S, A, rng=rng, gamma=0.9)
    path = pg.policy_iteration_path(mdp)
    assert path.policies.shape == (len(path.J), S, A)
    np.testing.assert_allclose(path.policies[0], np.full((S, A), 1 / A))
    assert np.all(np.diff(path.J) >= -1e-12)
    for pi, J in zip(path.policies, path.J, strict=True):
        assert J == pytest.approx(pg.expected_return(mdp, pi), abs=1e-12)
    last = path.policies[-1]
    Q = pg.evaluate(mdp, last).Q
    assert np.all(Q[last.astype(bool)] >= Q.max(axis=1) - 1e-9)
    pi, _, n = pg.policy_iteration(mdp)
    np.testing.assert_array_equal(pi, last)
    assert n == len(path.J) - 1


def test_greedy_policy_ties():
    Q = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0 - 1e-12], [0.0, 0.0, -1.0]])
    np.testing.assert_array_equal(pg.greedy_policy(Q), [[0, 1, 0], [1, 0, 0], [1, 0, 0]])
    current = pg.deterministic_policy([2, 2, 1], 3)
    np.testing.assert_array_equal(pg.greedy_policy(Q, current), [[0, 0, 1], [0, 0, 1], [0, 1, 0]])
    # the current action is kept only when it is among the maximizers
    np.testing.assert_array_equal(
        pg.greedy_policy(Q, pg.deterministic_policy([0, 1, 2], 3)),
        [[0, 1, 0], [1, 0, 0], [1, 0, 0]],
    )
    np.testing.assert_array_equal(pg.greedy_policy(np.array([[0.0, 1e-9]])), [[0, 1]])


@pytest.mark.parametrize(
    ("Q", "current", "message"),
    [
        # a NaN loses every comparison: without the check, state 0 would pick action 0
        ([[1.0, np.nan], [0.0, 1.0]], None, "Q[0, 1] is nan, expected a finite number"),
        ([[0.0, 1.0], [-np.inf, 1.0]], None, "Q[1, 0] is -inf, expected a finite number"),
        ([1.0, 2.0], None, "Q must have 2 dimension(s), got shape (2,) (1 dimension(s))"),
        (np.zeros((0, 3)), None, "Q must have shape (S, A) with S >= 1 and A >= 1, got (0, 3)"),
        (np.zeros((3, 0)), None, "Q must have shape (S, A) with S >= 1 and A >= 1, got (3, 0)"),
        (np.eye(2), np.eye(3), "current must have shape (2, 2), got (3, 3)"),
        (np.eye(2), [[1.0, 0.0], [0.5, 0.6]], "current[1, :] sums to 1.1, expected 1 (atol=1e-08)"),
    ],
)
def test_greedy_policy_bad_input(Q, current, message):
    with pytest.raises(ValueError, match=full(message)):
        pg.greedy_policy(Q, current)


def test_policy_iteration_stops_on_ties():
    # Two identical actions everywhere: every policy is optimal; it must stop at once.
    P = np.zeros((2, 2, 2))
    P[:, :, 0] = 1.0
    mdp = pg.TabularMDP(P, np.ones((2, 2)), np.array([1.0, 0.0]), 0.9, None)
    pi, V, n = pg.policy_iteration(mdp)
    assert n == 1  # uniform -> greedy (lowest index), then stable
    np.testing.assert_array_equal(pi, [[1, 0], [1, 0]])
    np.testing.assert_allclose(V, [10.0, 10.0], rtol=1e-12)


def test_policy_iteration_max_iterations():
    mdp = sutton_barto_gridworld()
    with pytest.raises(
        ValueError, match=full("policy iteration did not converge within max_iterations=1")
    ):
        pg.policy_iteration(mdp, max_iterations=1)
    _, _, n = pg.policy_iteration(mdp)
    pg.policy_iteration(mdp, max_iterations=n + 1)  # n improvements and one check suffice


def test_policy_iteration_errors():
    with pytest.raises(
        ValueError,
        match=full("policy iteration needs a discounted MDP (horizon None), got horizon 3"),
    ):
        pg.policy_iteration(pg.tightrope_mdp(horizon=3))
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got str")):
        pg.policy_iteration("grid")
    with pytest.raises(ValueError, match=full("max_iterations must be an integer >= 1, got 0")):
        pg.policy_iteration(pg.tightrope_mdp(), max_iterations=0)


# ---------------------------------------------------------------- soft steps


def _finite_difference_gradient(mdp, theta, h=1e-6):
    g = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        g[idx] = (
            bf.expected_return(
                mdp.P, mdp.r, mdp.p0, pg.softmax_policy(theta + e), mdp.horizon, mdp.gamma
            )
            - bf.expected_return(
                mdp.P, mdp.r, mdp.p0, pg.softmax_policy(theta - e), mdp.horizon, mdp.gamma
            )
        ) / (2 * h)
    return g


def test_soft_improvement_step_follows_the_enumerated_gradient():
    rng = np.random.default_rng(2)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=0.9, horizon=3)
    theta = rng.normal(size=(3, 2))
    new = pg.soft_improvement_step(mdp, theta, 0.7)
    np.testing.assert_allclose(
        (new - theta) / 0.7, _finite_difference_gradient(mdp, theta), atol=1e-7
    )
    np.testing.assert_array_equal(pg.soft_improvement_step(mdp, theta, 0.0), theta)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), S=st.integers(2, 5), A=st.integers(2, 4))
def test_exact_soft_step_never_lowers_j_in_the_discounted_case(seed, S, A):
    # pi'[s] ~ pi[s] exp(alpha rho(s) pi A): actions with A > 0 gain weight, so
    # E_{pi'}[A(s, .)] >= 0 in every state and J(pi') >= J(pi) (performance difference).
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(S, A, rng=rng, gamma=0.9)
    theta = 2 * rng.normal(size=(S, A))
    gains = pg.step_size_scan(
        mdp, theta, pg.policy_gradient(mdp, theta), np.geomspace(0.1, 1e4, 12)
    )
    assert np.all(gains >= -1e-10)


def test_step_size_scan_matches_direct_evaluation():
    rng = np.random.default_rng(8)
    mdp = pg.random_mdp(3, 3, rng=rng, gamma=1.0, horizon=3)
    theta, d = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    alphas = [0.0, 0.5, 2.0]
    J0 = bf.expected_return(mdp.P, mdp.r, mdp.p0, pg.softmax_policy(theta), 3, 1.0)
    expected = [
        bf.expected_return(mdp.P, mdp.r, mdp.p0, pg.softmax_policy(theta + a * d), 3, 1.0) - J0
        for a in alphas
    ]
    np.testing.assert_allclose(pg.step_size_scan(mdp, theta, d, alphas), expected, atol=1e-12)
    assert pg.step_size_scan(mdp, theta, d, 1.5).shape == (1,)


def test_step_size_errors():
    mdp = pg.tightrope_mdp()
    theta = np.zeros((2, 2))
    with pytest.raises(ValueError, match=full("step_size must be >= 0, got -0.1")):
        pg.soft_improvement_step(mdp, theta, -0.1)
    with pytest.raises(ValueError, match=full("step_size must be >= 0, got -1.0")):
        pg.step_size_scan(mdp, theta, theta, [1.0, -1.0])
    with pytest.raises(ValueError, match=full("step_size must be finite, got nan")):
        pg.gradient_ascent(mdp, theta, step_size=np.nan, n_iterations=2)
    with pytest.raises(
        ValueError, match=full("theta must have shape (2, 2) to fit the MDP, got (2, 3)")
    ):
        pg.step_size_scan(mdp, theta, np.zeros((2, 3)), [1.0])
    with pytest.raises(
        ValueError, match=full("theta must have shape (2, 2) to fit the MDP, got (3, 2)")
    ):
        pg.soft_improvement_step(mdp, np.zeros((3, 2)), 1.0)


# ---------------------------------------------------------------- training loops


def test_gradient_ascent_records_exact_j_and_climbs():
    mdp = pg.gridworld_mdp()
    theta0 = np.zeros((16, 4))
    curve = pg.gradient_ascent(mdp, theta0, step_size=1.0, n_iterations=30)
    assert curve.J.shape == (31,)
    assert curve.J[0] == pytest.approx(
        pg.expected_return(mdp, pg.softmax_policy(theta0)), abs=1e-14
    )
    assert curve.J[-1] == pytest.approx(
        pg.expected_return(mdp, pg.softmax_policy(curve.theta)), abs=1e-14
    )
    assert np.all(np.diff(curve.J) >= -1e-12)  # discounted exact steps never lower J
    # the iterates are repeated soft steps
    theta = theta0
    for _ in range(30):
        theta = pg.soft_improvement_step(mdp, theta, 1.0)
    np.testing.assert_allclose(curve.theta, theta, atol=1e-12)
    J_star = float(mdp.p0 @ pg.policy_iteration(mdp)[1])
    assert curve.J[0] < curve.J[-1] <= J_star + 1e-12


def test_reinforce_is_the_sampled_loop():
    mdp = pg.gridworld_mdp(3, 3, horizon=12, gamma=1.0)
    theta0 = np.zeros((9, 4))
    curve = pg.reinforce(
        mdp,
        theta0,
        rng=np.random.default_rng(1),
        step_size=0.5,
        n_iterations=3,
        batch_size=10,
        estimator="value_baseline",
    )
    rng = np.random.default_rng(1)
    theta, J = theta0, []
    for _ in range(3):
        pi = pg.softmax_policy(theta)
        J.append(pg.expected_return(mdp, pi))
        tr = pg.sample_trajectories(mdp, pi, 10, rng=rng)
        theta = theta + 0.5 * pg.reinforce_gradient(mdp, theta, tr, estimator="value_baseline")
    J.append(pg.expected_return(mdp, pg.softmax_policy(theta)))
    np.testing.assert_allclose(curve.theta, theta, atol=1e-12)
    np.testing.assert_allclose(curve.J, J, atol=1e-12)


def test_reinforce_learns_on_a_discounted_gridworld():
    mdp = pg.gridworld_mdp()
    curve = pg.reinforce(
        mdp,
        np.zeros((16, 4)),
        rng=np.random.default_rng(0),
        step_size=1.0,
        n_iterations=40,
        batch_size=50,
        horizon=40,
    )
    assert curve.J.shape == (41,)
    assert curve.J[-1] > curve.J[0] + 0.2


def test_reinforce_errors():
    mdp = pg.tightrope_mdp(horizon=3)
    theta = np.zeros((2, 2))
    rng = np.random.default_rng(0)
    kw = dict(rng=rng, step_size=1.0, n_iterations=1, batch_size=2)
    with pytest.raises(ValueError, match=full("horizon must be the MDP's horizon 3, got 4")):
        pg.reinforce(mdp, theta, **kw, horizon=4)
    pg.reinforce(mdp, theta, **kw, horizon=3)
    with pytest.raises(ValueError, match=full("batch_size must be an integer >= 1, got 0")):
        pg.reinforce(mdp, theta, **{**kw, "batch_size": 0})
    with pytest.raises(ValueError, match=full("n_iterations must be an integer >= 1, got 0")):
        pg.reinforce(mdp, theta, **{**kw, "n_iterations": 0})
    with pytest.raises(
        ValueError, match=full("n_iterations must be an integer >= 1, got float 2.0")
    ):
        pg.gradient_ascent(mdp, theta, step_size=1.0, n_iterations=2.0)
    with pytest.raises(
        ValueError,
        match=full(
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int"
        ),
    ):
        pg.reinforce(mdp, theta, **{**kw, "rng": 0})
    with pytest.raises(ValueError, match=full("step_size must be >= 0, got -1.0")):
        pg.reinforce(mdp, theta, **{**kw, "step_size": -1.0})
    with pytest.raises(
        ValueError,
        match=full(
            "estimator must be one of ('full_return', 'reward_to_go', 'value_baseline'), got 'x'"
        ),
    ):
        pg.reinforce(mdp, theta, **kw, estimator="x")
    with pytest.raises(
        ValueError,
        match=full(
            "horizon must be an integer >= 1 to sample a discounted MDP "
            "(trajectories are truncated there), got None"
        ),
    ):
        pg.reinforce(pg.tightrope_mdp(), theta, **kw)


# ---------------------------------------------------------------- mutation-testing additions


def test_greedy_policy_tie_tolerance_is_inclusive():
    # values exactly TIE_ATOL = 1e-10 apart tie (lowest action); 2e-10 apart do not
    np.testing.assert_array_equal(pg.greedy_policy([[0.0, 1e-10]]), [[1, 0]])
    np.testing.assert_array_equal(pg.greedy_policy([[0.0, 2e-10]]), [[0, 1]])


def _tie_at_the_optimum():
    # s0: action 0 (reward 0) -> s1, action 1 (reward 0) -> s2. s1: action 0 pays 1, action 1
    # pays 0, both stay. s2: absorbing, reward 1. Under the uniform policy V(s1) = 5, so
    # Q(s0, .) = (4.5, 9): the first step takes action 1 in s0. Then V(s1) = V(s2) = 10 and
    # Q(s0, .) = (9, 9) ties: the current action 1 is kept and the run stops.
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = P[1, :, 1] = P[2, :, 2] = 1.0
    r = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    return pg.TabularMDP(P, r, [1.0, 0.0, 0.0], 0.9, None)


def test_policy_iteration_path_keeps_the_current_action_on_a_tie():
    mdp = _tie_at_the_optimum()
    path = pg.policy_iteration_path(mdp)
    np.testing.assert_array_equal(path.policies, [np.full((3, 2), 0.5), np.eye(2)[[1, 0, 0]]])
    np.testing.assert_allclose(path.J, [0.9 * 7.5, 9.0], rtol=1e-12)
    pi, V, n = pg.policy_iteration(mdp)
    assert n == 1
    np.testing.assert_array_equal(pi, np.eye(2)[[1, 0, 0]])
    np.testing.assert_allclose(V, [9.0, 10.0, 10.0], rtol=1e-12)


def test_policy_iteration_default_max_iterations_is_1000(monkeypatch):
    # a greedy step that never settles (alternates two policies) exhausts the default budget
    calls = []

    def alternating(Q, current=None):
        calls.append(current)
        return np.eye(2)[[len(calls) % 2] * 2]

    monkeypatch.setattr(pg.pg_as_pi.improvement, "greedy_policy", alternating)
    mdp = pg.tightrope_mdp()
    message = "policy iteration did not converge within max_iterations=1000"
    with pytest.raises(ValueError, match=full(message)):
        pg.policy_iteration_path(mdp)
    assert len(calls) == 1000
    with pytest.raises(ValueError, match=full(message)):
        pg.policy_iteration(mdp)


def test_step_size_scan_converts_step_sizes_like_floats():
    from decimal import Decimal

    mdp = pg.tightrope_mdp()
    theta = np.array([[0.3, -0.2], [0.1, 0.4]])
    d = pg.policy_gradient(mdp, theta)
    want = [
        pg.expected_return(mdp, pg.softmax_policy(theta + a * d))
        - pg.expected_return(mdp, pg.softmax_policy(theta))
        for a in (0.5, 2.0)
    ]
    np.testing.assert_allclose(pg.step_size_scan(mdp, theta, d, [Decimal("0.5"), "2"]), want)


def test_theta_shape_messages_of_the_loops():
    mdp = pg.tightrope_mdp()
    bad, good = np.zeros((3, 2)), np.zeros((2, 2))
    message = full("theta must have shape (2, 2) to fit the MDP, got (3, 2)")
    with pytest.raises(ValueError, match=message):
        pg.step_size_scan(mdp, bad, good, [1.0])
    with pytest.raises(ValueError, match=message):
        pg.gradient_ascent(mdp, bad, step_size=1.0, n_iterations=1)
    with pytest.raises(ValueError, match=message):
        pg.reinforce(
            mdp,
            bad,
            rng=np.random.default_rng(0),
            step_size=1.0,
            n_iterations=1,
            batch_size=1,
            horizon=3,
        )
