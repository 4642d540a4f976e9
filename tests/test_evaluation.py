"""Tests for pgtheory.core.evaluation: closed forms, loop references, properties."""

import brute_force as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg

# ---------------------------------------------------------------- closed forms


def test_two_state_discounted_closed_form():
    # Absorbing reward chain: from s0 move to s1 w.p. 1; s1 absorbing with reward 1.
    # V(s1) = 1 / (1 - gamma), V(s0) = gamma / (1 - gamma)   (geometric series).
    gamma = 0.8
    mdp = pg.tightrope_mdp(gamma=gamma)
    leave = pg.deterministic_policy([1, 0], 2)
    vf = pg.evaluate(mdp, leave)
    np.testing.assert_allclose(vf.V, [gamma / (1 - gamma), 1 / (1 - gamma)], rtol=1e-13)
    # Q(s0, stay) = 0 + gamma V(s0); A(s0, leave) = 0.
    np.testing.assert_allclose(vf.Q[0], [gamma * vf.V[0], vf.V[0]], rtol=1e-13)
    np.testing.assert_allclose(vf.A[0, 1], 0.0, atol=1e-13)
    assert pg.expected_return(mdp, leave) == pytest.approx(gamma / (1 - gamma), rel=1e-13)


def test_tightrope_finite_horizon_closed_form():
    # Leave w.p. eps from s0, T steps, gamma = 1: P(s_t = s1) = 1 - (1 - eps)^t, so
    # J = sum_{t<T} (1 - (1 - eps)^t) = T - (1 - (1 - eps)^T) / eps.
    eps, T = 0.1, 12
    mdp = pg.tightrope_mdp(gamma=1.0, horizon=T)
    _, pi_eps = pg.tightrope_policies(eps)
    assert pg.expected_return(mdp, pi_eps) == pytest.approx(
        T - (1 - (1 - eps) ** T) / eps, rel=1e-13
    )
    vf = pg.evaluate(mdp, pi_eps)
    assert vf.V.shape == (T, 2) and vf.Q.shape == (T, 2, 2) and vf.A.shape == (T, 2, 2)
    np.testing.assert_allclose(vf.V[:, 1], T - np.arange(T), rtol=1e-14)  # reward 1 per step left


def test_chain_discounted_visitation_closed_form():
    # Deterministic "right" on a 3-chain with no slip visits 0, 1, 2, 2, 2, ...:
    # d = (1 - g) * (1, g, g^2 / (1 - g)).
    g = 0.5
    mdp = pg.chain_mdp(3, slip=0.0, gamma=g)
    d = pg.discounted_visitation(mdp, pg.deterministic_policy([1, 1, 1], 2))
    np.testing.assert_allclose(d, (1 - g) * np.array([1, g, g**2 / (1 - g)]), rtol=1e-13)


def test_induced_chain():
    mdp = pg.chain_mdp(3, slip=0.0)
    P_pi, r_pi = pg.induced_chain(mdp, pg.uniform_policy(3, 2))
    np.testing.assert_allclose(P_pi[1], [0.5, 0.0, 0.5], atol=1e-15)
    np.testing.assert_allclose(r_pi, [0, 0, 1], atol=1e-15)


# ------------------------------------------------------ loops vs vectorized


def _loop_evaluate_finite(mdp, pi):
    T, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
    V = np.zeros((T + 1, S))
    Q = np.zeros((T, S, A))
    for t in reversed(range(T)):
        for s in range(S):
            for a in range(A):
                Q[t, s, a] = mdp.r[s, a] + mdp.gamma * sum(
                    mdp.P[s, a, s2] * V[t + 1, s2] for s2 in range(S)
                )
            V[t, s] = sum(pi[s, a] * Q[t, s, a] for a in range(A))
    return V[:T], Q


def _loop_marginals(mdp, pi, T):
    p = [mdp.p0.copy()]
    for _ in range(1, T):
        nxt = np.zeros(mdp.n_states)
        for s in range(mdp.n_states):
            for a in range(mdp.n_actions):
                nxt += p[-1][s] * pi[s, a] * mdp.P[s, a]
        p.append(nxt)
    return np.array(p)


@pytest.mark.parametrize("seed", range(4))
def test_finite_horizon_matches_loop(seed):
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(5, 3, rng=rng, gamma=0.95, horizon=7)
    pi = pg.softmax_policy(rng.normal(size=(5, 3)))
    V, Q = _loop_evaluate_finite(mdp, pi)
    vf = pg.evaluate(mdp, pi)
    np.testing.assert_allclose(vf.V, V, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vf.Q, Q, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vf.A, Q - V[:, :, None], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pg.state_marginals(mdp, pi), _loop_marginals(mdp, pi, 7), atol=1e-13)


@pytest.mark.parametrize("seed", range(4))
def test_discounted_matches_value_iteration_loop(seed):
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(6, 2, rng=rng, gamma=0.7)
    pi = pg.softmax_policy(rng.normal(size=(6, 2)))
    V = np.zeros(6)
    for _ in range(200):  # 0.7^200 ~ 1e-31: converged far below the tolerance
        V = np.array(
            [
                sum(pi[s, a] * (mdp.r[s, a] + mdp.gamma * mdp.P[s, a] @ V) for a in range(2))
                for s in range(6)
            ]
        )
    np.testing.assert_allclose(pg.evaluate(mdp, pi).V, V, rtol=1e-11, atol=1e-12)
    # Discounted visitation = (1 - gamma) sum_t gamma^t p_t, truncated far out.
    p = _loop_marginals(mdp, pi, 200)
    d = (1 - mdp.gamma) * (mdp.gamma ** np.arange(200)) @ p
    np.testing.assert_allclose(pg.discounted_visitation(mdp, pi), d, rtol=1e-11, atol=1e-13)


# ------------------------------------------------------------- properties

mdp_params = st.tuples(
    st.integers(1, 6),  # S
    st.integers(1, 4),  # A
    st.integers(0, 2**32 - 1),  # seed
    st.one_of(st.none(), st.integers(1, 12)),  # horizon
    st.floats(0.0, 0.99),  # gamma
    st.one_of(st.none(), st.integers(1, 3)),  # branching
)


def _build(params):
    S, A, seed, horizon, gamma, branching = params
    rng = np.random.default_rng(seed)
    if horizon is not None:
        gamma = max(gamma, 0.01)
    branching = None if branching is None else min(branching, S)
    mdp = pg.random_mdp(S, A, rng=rng, gamma=gamma, horizon=horizon, branching=branching)
    theta = rng.normal(scale=2.0, size=(S, A))
    return mdp, theta


@given(mdp_params)
@settings(max_examples=80, deadline=None)
def test_marginals_and_visitation_are_distributions(params):
    mdp, theta = _build(params)
    pi = pg.softmax_policy(theta)
    p = pg.state_marginals(mdp, pi, horizon=9)
    assert p.shape == (9, mdp.n_states) and np.all(p >= -1e-15)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    d = pg.discounted_visitation(mdp, pi)
    assert np.all(d >= -1e-12)
    np.testing.assert_allclose(d.sum(), 1.0, rtol=0, atol=1e-10)


@given(mdp_params)
@settings(max_examples=80, deadline=None)
def test_advantage_averages_to_zero(params):
    mdp, theta = _build(params)
    pi = pg.softmax_policy(theta)
    vf = pg.evaluate(mdp, pi)
    # E_{a ~ pi}[A(s, a)] = 0 in every state (and at every time).
    np.testing.assert_allclose((pi * vf.A).sum(axis=-1), 0.0, rtol=0, atol=1e-9)


@given(mdp_params)
@settings(max_examples=60, deadline=None)
def test_policy_gradient_matches_central_differences(params):
    mdp, theta = _build(params)
    grad = pg.policy_gradient(mdp, theta)
    h = 1e-6
    fd = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        fd[idx] = (
            pg.expected_return(mdp, pg.softmax_policy(theta + e))
            - pg.expected_return(mdp, pg.softmax_policy(theta - e))
        ) / (2 * h)
    scale = 1.0 + np.abs(grad).max()
    np.testing.assert_allclose(grad, fd, rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize(("seed", "branching", "gamma"), [(0, None, 1.0), (1, 2, 0.9), (2, 1, 0.5)])
def test_finite_horizon_against_trajectory_enumeration(seed, branching, gamma):
    # Independent reference: sum over every trajectory (tests/brute_force.py) of its probability
    # times its discounted return; V[0, s] from a start in s; marginals by counting.
    rng = np.random.default_rng(seed)
    S, A, T = 3, 2, 5
    mdp = pg.random_mdp(S, A, rng=rng, gamma=gamma, horizon=T, branching=branching)
    pi = pg.softmax_policy(rng.normal(size=(S, A)))
    J = bf.expected_return(mdp.P, mdp.r, mdp.p0, pi, T, gamma)
    assert pg.expected_return(mdp, pi) == pytest.approx(J, rel=1e-12, abs=1e-12)
    V0 = [bf.expected_return(mdp.P, mdp.r, np.eye(S)[s], pi, T, gamma) for s in range(S)]
    np.testing.assert_allclose(pg.evaluate(mdp, pi).V[0], V0, rtol=1e-12, atol=1e-12)
    p = bf.state_marginals(mdp.P, mdp.p0, pi, T)
    np.testing.assert_allclose(pg.state_marginals(mdp, pi), p, rtol=0, atol=1e-12)
    w = gamma ** np.arange(T)
    np.testing.assert_allclose(
        pg.discounted_visitation(mdp, pi), w @ p / w.sum(), rtol=0, atol=1e-12
    )


def test_discounted_return_against_truncated_enumeration():
    # Discounted J(pi) vs the enumeration truncated at T = 12: the tail is at most
    # gamma^T max|r| / (1 - gamma) = 0.3^12 / 0.7 ~ 8e-7.
    rng = np.random.default_rng(4)
    mdp = pg.random_mdp(2, 2, rng=rng, gamma=0.3, branching=1)
    pi = pg.softmax_policy(rng.normal(size=(2, 2)))
    J = bf.expected_return(mdp.P, mdp.r, mdp.p0, pi, 12, 0.3)
    assert abs(pg.expected_return(mdp, pi) - J) <= 0.3**12 / 0.7


def test_finite_horizon_visitation_is_weighted_marginals():
    mdp = pg.random_mdp(4, 2, rng=np.random.default_rng(5), gamma=0.9, horizon=6)
    pi = pg.uniform_policy(4, 2)
    w = 0.9 ** np.arange(6)
    np.testing.assert_allclose(
        pg.discounted_visitation(mdp, pi), w @ pg.state_marginals(mdp, pi) / w.sum(), atol=1e-14
    )


def test_occupancy_is_discounted_marginals_by_time():
    # Finite horizon: rho[t] = gamma^t p_t, with p_t from the loop reference.
    rng = np.random.default_rng(8)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.8, horizon=6)
    pi = pg.softmax_policy(rng.normal(size=(4, 3)))
    rho = pg.occupancy(mdp, pi)
    assert rho.shape == (6, 4)
    np.testing.assert_allclose(
        rho, 0.8 ** np.arange(6)[:, None] * _loop_marginals(mdp, pi, 6), rtol=0, atol=1e-14
    )
    # Discounted: one row, sum_t gamma^t p_t, summed forward until gamma^t < 1e-17.
    disc = mdp.with_horizon(None)
    T = int(np.ceil(np.log(1e-17) / np.log(0.8)))
    series = (0.8 ** np.arange(T))[:, None] * _loop_marginals(disc, pi, T)
    rho = pg.occupancy(disc, pi)
    assert rho.shape == (1, 4)
    np.testing.assert_allclose(rho[0], series.sum(axis=0), rtol=0, atol=1e-13)
    np.testing.assert_allclose(rho.sum(), 1 / (1 - 0.8), rtol=1e-13)


def test_time_indexed_adds_a_time_axis_to_stationary_values_only():
    mdp = pg.tightrope_mdp(gamma=0.9)
    A = np.arange(4.0).reshape(2, 2)
    assert pg.time_indexed(mdp, A).shape == (1, 2, 2)
    np.testing.assert_array_equal(pg.time_indexed(mdp, A)[0], A)
    A_t = np.arange(12.0).reshape(3, 2, 2)
    assert pg.time_indexed(mdp.with_horizon(3), A_t) is A_t
    # The surrogate's sum over time and states, one expression for both cases:
    pi, pi_eps = pg.tightrope_policies(0.3)
    for m in (mdp, mdp.with_horizon(5)):
        total = np.einsum(
            "ts,sa,tsa->",
            pg.occupancy(m, pi),
            pi_eps,
            pg.time_indexed(m, pg.evaluate(m, pi).A),
        )
        assert total == pytest.approx(pg.surrogate_advantage(m, pi, pi_eps), rel=1e-14)
    with pytest.raises(ValueError, match=r"^mdp must be a pgtheory\.TabularMDP, got list$"):
        pg.time_indexed([], A)


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m: pg.evaluate(m, np.ones((3, 2))), r"pi\[0, :\] sums to 2, expected 1"),
        (
            lambda m: pg.evaluate(m, np.ones((2, 2)) / 2),
            r"pi must have shape \(3, 2\), got \(2, 2\)",
        ),
        (lambda m: pg.expected_return(m, np.full((3, 2), np.nan)), r"pi\[0, 0\] is nan"),
        (
            lambda m: pg.state_marginals(m, np.ones((3, 2)) / 2),
            "horizon must be an integer >= 1 for a discounted MDP",
        ),
        (
            lambda m: pg.state_marginals(m, np.ones((3, 2)) / 2, horizon=0),
            "horizon must be an integer >= 1, got 0",
        ),
        (
            lambda m: pg.discounted_visitation(m, -np.ones((3, 2))),
            r"pi\[0, 0\] is -1, expected >= 0",
        ),
        (
            lambda m: pg.policy_gradient(m, np.zeros((3, 3))),
            r"theta must have shape \(3, 2\), got \(3, 3\)",
        ),
        (lambda m: pg.policy_gradient(m, np.zeros(3)), r"theta must have 2 dimension\(s\)"),
        (lambda m: pg.induced_chain(m, np.eye(2)), r"pi must have shape \(3, 2\)"),
        (lambda m: pg.occupancy(m, np.eye(2)), r"pi must have shape \(3, 2\), got \(2, 2\)$"),
        (lambda m: pg.occupancy(None, np.eye(2)), "mdp must be a pgtheory.TabularMDP, got None"),
        (
            lambda m: pg.evaluate("mdp", np.ones((3, 2)) / 2),
            "mdp must be a pgtheory.TabularMDP, got str",
        ),
    ],
)
def test_bad_input_raises(call, match):
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        call(mdp)


@pytest.mark.parametrize("horizon", [None, 2, 4])
def test_return_from_values_is_the_expected_return_by_enumeration(horizon):
    """``J = p0 . V`` (``V[0]`` finite): against the return summed over every trajectory
    (finite horizon) or over the state marginals truncated where gamma^t is negligible."""
    rng = np.random.default_rng(5)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=0.7, branching=2).with_horizon(horizon)
    pi = pg.softmax_policy(rng.normal(size=(3, 2)))
    J = pg.return_from_values(mdp, pg.evaluate(mdp, pi).V)
    if horizon is None:
        p, want = mdp.p0.copy(), 0.0
        P_pi = np.einsum("sa,sat->st", pi, mdp.P)
        for t in range(200):  # 0.7^200 < 1e-30
            want += 0.7**t * p @ (pi * mdp.r).sum(axis=1)
            p = p @ P_pi
    else:
        want = bf.expected_return(mdp.P, mdp.r, mdp.p0, pi, horizon, 0.7)
    assert J == pytest.approx(want, abs=1e-12)
    assert J == pg.expected_return(mdp, pi)


def test_return_from_values_rejects_values_of_another_shape():
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=r"^V must have shape \(3,\) \(the MDP's values\), got \(4,\)$"
    ):
        pg.return_from_values(mdp, np.zeros(4))
    finite = mdp.with_horizon(5)
    with pytest.raises(ValueError, match=r"^V must have shape \(5, 3\) .*got \(3,\)$"):
        pg.return_from_values(finite, np.zeros(3))
    with pytest.raises(ValueError, match=r"^V\[1\] is nan, expected a finite number$"):
        pg.return_from_values(mdp, [0.0, np.nan, 1.0])
