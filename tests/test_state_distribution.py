"""Tests for pgtheory.bounding.state_distribution (slide S7; Ross, Gordon & Bagnell 2011,
Lemma 4.1)."""

import re

import brute_force as bf
import numpy as np
import pytest
from hypothesis import event, given, settings, target
from hypothesis import strategies as st

import pgtheory as pg

TOL = 1e-12


# --------------------------------------------------------------------------- closed forms


def test_s7_bound_closed_form():
    t = np.arange(5)
    np.testing.assert_allclose(
        pg.s7_bound(0.5, t), 2 * np.array([0, 0.5, 0.75, 0.875, 0.9375]), rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(pg.s7_linear_bound(0.5, t), t.astype(float), rtol=0, atol=0)
    # eps = 0: no change; eps = 1: the trivial bound from t = 1 on (0^0 = 1).
    np.testing.assert_array_equal(pg.s7_bound(0.0, t), np.zeros(5))
    np.testing.assert_array_equal(pg.s7_bound(1.0, t), [0.0, 2.0, 2.0, 2.0, 2.0])
    # Shape follows t (scalars and 2-D arrays).
    assert np.shape(pg.s7_bound(0.1, 3)) == ()
    assert pg.s7_bound(0.1, np.ones((2, 3), dtype=int)).shape == (2, 3)


def test_s7_bound_is_accurate_for_tiny_eps():
    # 2(1 - (1 - eps)^t) = 2 eps t - eps^2 t(t-1) + ...; the naive formula loses all
    # digits at eps = 1e-13, the expm1/log1p form keeps them.
    eps, t = 1e-13, np.array([1, 10, 1000])
    expected = 2 * eps * t - eps**2 * t * (t - 1)
    np.testing.assert_allclose(pg.s7_bound(eps, t), expected, rtol=1e-12, atol=0)


@given(st.floats(0, 1), st.integers(0, 10_000))
@settings(max_examples=200, deadline=None)
def test_bernoulli_chain_of_bounds(eps, t):
    # 0 <= 2(1-(1-eps)^t) <= min(2, 2 eps t): Bernoulli's inequality, slide S7.
    b = float(pg.s7_bound(eps, t))
    assert -TOL <= b <= 2.0 + TOL
    assert b <= float(pg.s7_linear_bound(eps, t)) + TOL


@pytest.mark.parametrize("eps", [0.0, 0.01, 0.1, 0.37, 0.9, 1.0])
def test_tightrope_attains_the_bound(eps):
    # THEORY "tightness": on the tightrope MDP ||p'_t - p_t||_1 = 2(1-(1-eps)^t) exactly.
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(eps)
    T = 60
    exact = pg.marginal_l1_distance(mdp, pi, pi_eps, horizon=T)
    naive = 2 * (1 - (1 - eps) ** np.arange(T))
    np.testing.assert_allclose(exact, naive, rtol=0, atol=TOL)
    np.testing.assert_allclose(exact, pg.s7_bound(eps, np.arange(T)), rtol=0, atol=TOL)
    chain = pg.no_mistake_chain(mdp, pi, pi_eps, horizon=T)
    np.testing.assert_allclose(chain.mass, (1 - eps) ** np.arange(T), rtol=0, atol=TOL)
    np.testing.assert_allclose(chain.mass, chain.q.sum(axis=1), rtol=0, atol=0)


def _half_tightrope(eps):
    """Tightrope started from (1/2, 1/2) where only state 0 can err (w.p. eps).

    Closed form: q_t = (1/2 (1-eps)^t, 1/2), P(no mistake) = (1 + (1-eps)^t)/2 which is
    > (1-eps)^t for t >= 1, eps > 0; p'_t = ((1-eps)^t / 2, 1 - (1-eps)^t / 2), p_t = (1/2,
    1/2), so ||p'_t - p_t||_1 = 1 - (1-eps)^t, half of the S7 bound.
    """
    base = pg.tightrope_mdp()
    mdp = pg.TabularMDP(base.P, base.r, [0.5, 0.5], gamma=0.9)
    actions = np.array([0, 0])
    pi2 = np.array([[1 - eps, eps], [1.0, 0.0]])
    return mdp, actions, pi2


def test_state_dependent_closed_form_and_mixture_failure():
    eps, T = 0.2, 25
    mdp, actions, pi2 = _half_tightrope(eps)
    w = (1 - eps) ** np.arange(T)
    chain = pg.no_mistake_chain(mdp, actions, pi2, horizon=T)
    np.testing.assert_allclose(chain.q, np.c_[w / 2, np.full(T, 0.5)], rtol=0, atol=TOL)
    np.testing.assert_allclose(chain.mass, (1 + w) / 2, rtol=0, atol=TOL)
    check = pg.mixture_check(mdp, actions, pi2, horizon=T)
    assert check.eps == pytest.approx(eps, abs=1e-15)
    # The slide's mixture weight is wrong: P(no mistake) > (1-eps)^t strictly for t >= 1 ...
    assert np.all(check.mass_gap[1:] > 0.01)
    np.testing.assert_allclose(check.mass_gap, (1 - w) / 2, rtol=0, atol=TOL)
    # ... and the law given no mistake is not p_t = (1/2, 1/2).
    cond = np.c_[w, np.ones(T)] / (1 + w)[:, None]
    np.testing.assert_allclose(
        check.conditional_l1, np.abs(cond - 0.5).sum(axis=1), rtol=0, atol=TOL
    )
    assert np.all(check.conditional_l1[1:] > 0.01)
    # The bound still holds (here with a factor 2 to spare).
    np.testing.assert_allclose(check.exact_l1, 1 - w, rtol=0, atol=TOL)
    assert np.all(check.exact_l1 <= check.bound + TOL)
    assert np.all(check.decomposition_min >= -TOL)


def test_max_mistake_probability_and_tv():
    actions = np.array([1, 0, 2])
    pi2 = np.array([[0.1, 0.85, 0.05], [0.7, 0.2, 0.1], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(
        pg.mistake_probabilities(actions, pi2), [0.15, 0.3, 0.0], rtol=0, atol=1e-15
    )
    assert pg.max_mistake_probability(actions, pi2) == pytest.approx(0.3, abs=1e-15)
    # One-hot input gives the same; for deterministic pi this is the per-state TV.
    onehot = pg.deterministic_policy(actions, 3)
    assert pg.max_mistake_probability(onehot, pi2) == pytest.approx(0.3, abs=1e-15)
    np.testing.assert_allclose(
        pg.mistake_probabilities(onehot, pi2), pg.tv_distance(onehot, pi2), rtol=0, atol=1e-15
    )


# ------------------------------------------------------------ loop vs vectorized, random MDPs


def test_no_mistake_chain_matches_loops():
    rng = np.random.default_rng(11)
    mdp = pg.random_mdp(4, 3, rng=rng)
    actions = rng.integers(3, size=4)
    pi2 = rng.dirichlet(np.ones(3), size=4)
    T = 6
    q = np.zeros((T, 4))
    q[0] = mdp.p0
    for t in range(T - 1):
        for s in range(4):
            for s2 in range(4):
                a = actions[s]
                q[t + 1, s2] += q[t, s] * pi2[s, a] * mdp.P[s, a, s2]
    chain = pg.no_mistake_chain(mdp, actions, pi2, horizon=T)
    np.testing.assert_allclose(chain.q, q, rtol=1e-12, atol=1e-15)


def test_marginal_l1_distance_matches_state_marginals():
    rng = np.random.default_rng(12)
    mdp = pg.random_mdp(5, 2, rng=rng, horizon=7)
    pi, pi2 = rng.dirichlet(np.ones(2), size=5), rng.dirichlet(np.ones(2), size=5)
    p, p2 = pg.state_marginals(mdp, pi), pg.state_marginals(mdp, pi2)
    expected = [sum(abs(p2[t, s] - p[t, s]) for s in range(5)) for t in range(7)]
    np.testing.assert_allclose(pg.marginal_l1_distance(mdp, pi, pi2), expected, rtol=0, atol=TOL)
    # L1 is twice the TV distance of the marginals.
    np.testing.assert_allclose(
        pg.marginal_l1_distance(mdp, pi, pi2), 2 * pg.tv_distance(p, p2), rtol=0, atol=TOL
    )


def _random_case(seed):
    rng = np.random.default_rng(seed)
    S, A = int(rng.integers(1, 8)), int(rng.integers(2, 5))
    mdp = pg.random_mdp(S, A, rng=rng, concentration=float(rng.choice([0.05, 0.3, 1.0])))
    actions = rng.integers(A, size=S)
    eps = float(rng.choice([0.0, 0.01, 0.1, 0.5, 1.0, rng.random()]))
    state_dependent = bool(rng.integers(2))
    pi2 = pg.epsilon_close_policy(actions, A, eps, rng=rng, state_dependent=state_dependent)
    return mdp, actions, pi2, eps, state_dependent


def test_zero_violations_over_seeded_random_mdps():
    T = 40
    t = np.arange(T)
    violations, gaps = 0, 0
    for seed in range(300):
        mdp, actions, pi2, eps, state_dependent = _random_case(seed)
        pi = pg.deterministic_policy(actions, mdp.n_actions)
        exact = pg.marginal_l1_distance(mdp, pi, pi2, horizon=T)
        violations += int(np.sum(exact > pg.s7_bound(eps, t) + TOL))
        violations += int(np.sum(pg.s7_bound(eps, t) > pg.s7_linear_bound(eps, t) + TOL))
        check = pg.mixture_check(mdp, actions, pi2, horizon=T, eps=eps)
        violations += int(np.sum(check.no_mistake < (1 - eps) ** t - TOL))
        violations += int(np.sum(check.decomposition_min < -TOL))
        if not state_dependent:
            # State-independent coin: the slide's mixture is exact.
            np.testing.assert_allclose(check.no_mistake, (1 - eps) ** t, rtol=0, atol=TOL)
            np.testing.assert_allclose(check.conditional_l1, 0.0, rtol=0, atol=1e-10)
        gaps += int(np.any(check.mass_gap > 1e-6))
    assert violations == 0
    assert gaps > 0  # the state-dependent cases do show a strict gap


@st.composite
def s7_cases(draw):
    """A deterministic pi and an eps-close pi2 on a random MDP with S, A, T >= 2.

    Dynamics are dense (Dirichlet over all successors), sparse (2 successors, low
    concentration: near-deterministic) or deterministic (1 successor); the start is a
    Dirichlet draw or a single state; mistakes are state-independent (exactly eps in every
    state) or state-dependent (eps * u_s). eps includes the end points 0 and 1.
    """
    S, A, T = draw(st.integers(2, 5)), draw(st.integers(2, 3)), draw(st.integers(2, 25))
    kind = draw(st.sampled_from(["dense", "sparse", "deterministic"]))
    eps = draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)))
    state_dependent = draw(st.booleans())
    point_start = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    branching, concentration = {
        "dense": (None, 1.0),
        "sparse": (2, 0.2),
        "deterministic": (1, 1.0),
    }[kind]
    mdp = pg.random_mdp(S, A, rng=rng, branching=branching, concentration=concentration)
    if point_start:
        mdp = pg.TabularMDP(mdp.P, mdp.r, np.eye(S)[rng.integers(S)], gamma=mdp.gamma)
    actions = rng.integers(A, size=S)
    pi2 = pg.epsilon_close_policy(actions, A, eps, rng=rng, state_dependent=state_dependent)
    return mdp, actions, pi2, eps, state_dependent, T, kind


def _with_sink(mdp, actions):
    """Add an absorbing state S reached by every action other than ``actions[s]``.

    Any mistake then leaves the support of pi's marginals for good, so (with q_t <= p_t)
    ||p'_t - p_t||_1 = (1 - P(no mistake)) + (1 - P(no mistake)) = 2 (1 - P(no mistake)),
    and with mistakes of probability exactly eps this is 2 (1 - (1 - eps)^t): slide S7's bound
    is attained, as on THEORY's tightrope MDP (which is the case S = 1 of this construction).
    """
    S, A = mdp.n_states, mdp.n_actions
    P = np.zeros((S + 1, A, S + 1))
    P[:, :, S] = 1.0
    P[np.arange(S), actions, :] = 0.0
    P[np.arange(S), actions, :S] = mdp.P[np.arange(S), actions]
    return pg.TabularMDP(P, np.zeros((S + 1, A)), np.append(mdp.p0, 0.0), gamma=0.9)


@given(s7_cases())
@settings(max_examples=120, deadline=None, derandomize=True)
def test_s7_bound_values_on_generated_mdps(case):
    mdp, actions, pi2, eps, state_dependent, T, kind = case
    t = np.arange(T)
    pi = pg.deterministic_policy(actions, mdp.n_actions)
    check = pg.mixture_check(mdp, actions, pi2, horizon=T, eps=eps)
    bound = 2 * (1 - (1 - eps) ** t)
    np.testing.assert_allclose(check.bound, bound, rtol=0, atol=TOL)
    assert np.all(check.exact_l1 <= bound + TOL)
    ratio = float(np.max(check.exact_l1[1:] / np.maximum(bound[1:], 1e-300)))
    target(ratio, label="max_t exact/bound")
    event(f"{kind} dynamics, max_t exact/bound {'> 0.9' if ratio > 0.9 else '<= 0.9'}")
    # P(no mistake before t) is a product along pi's path when the dynamics and the start are
    # deterministic: prod_{k<t} (1 - m(s_k)) with m the per-state mistake probability.
    m = pg.mistake_probabilities(actions, pi2)
    if kind == "deterministic" and np.count_nonzero(mdp.p0) == 1:
        s, path_mass = int(np.argmax(mdp.p0)), [1.0]
        for _ in range(T - 1):
            path_mass.append(path_mass[-1] * (1 - m[s]))
            s = int(np.argmax(mdp.P[s, actions[s]]))
        np.testing.assert_allclose(check.no_mistake, path_mass, rtol=1e-12, atol=TOL)
    if not state_dependent:
        # State-independent coin: the slide's weights and conditional law are exact.
        np.testing.assert_allclose(check.no_mistake, (1 - eps) ** t, rtol=1e-12, atol=TOL)
        np.testing.assert_allclose(check.mass_gap, 0.0, rtol=0, atol=TOL)
        np.testing.assert_allclose(check.conditional_l1, 0.0, rtol=0, atol=1e-9)
    else:
        assert np.all(check.no_mistake >= (1 - eps) ** t - TOL)
    # The sink variant of the same case attains the value 2 (1 - P(no mistake)) exactly.
    sink = _with_sink(mdp, actions)
    pi2_sink = np.vstack([pi2, np.eye(mdp.n_actions)[0]])
    chain = pg.no_mistake_chain(sink, np.append(actions, 0), pi2_sink, horizon=T)
    exact = pg.marginal_l1_distance(sink, np.vstack([pi, pi2_sink[-1]]), pi2_sink, horizon=T)
    np.testing.assert_allclose(exact, 2 * (1 - chain.mass), rtol=0, atol=1e-12)
    np.testing.assert_allclose(chain.mass, check.no_mistake, rtol=0, atol=TOL)
    if not state_dependent:
        np.testing.assert_allclose(exact, bound, rtol=0, atol=1e-12)


def test_how_often_generated_cases_come_close_to_the_bound():
    # A seeded sweep with the strategy's mix of cases (S, A, T >= 2): how many have
    # max_t ||p'_t - p_t||_1 / 2(1-(1-eps)^t) > 0.9? Without the sink (plain random MDPs)
    # the bound is seldom approached; with it, every state-independent case attains it.
    rng = np.random.default_rng(7)
    close, close_sink, n = 0, 0, 200
    for _ in range(n):
        S, A, T = int(rng.integers(2, 6)), int(rng.integers(2, 4)), int(rng.integers(2, 26))
        branching = [None, 2, 1][int(rng.integers(3))]
        mdp = pg.random_mdp(S, A, rng=rng, branching=branching, concentration=0.2)
        actions = rng.integers(A, size=S)
        eps = float(rng.uniform(0.01, 1.0))
        pi2 = pg.epsilon_close_policy(actions, A, eps, rng=rng)
        bound = pg.s7_bound(eps, np.arange(1, T))
        exact = pg.mixture_check(mdp, actions, pi2, horizon=T).exact_l1[1:]
        close += bool(np.max(exact / bound) > 0.9)
        sink = _with_sink(mdp, actions)
        pi2_sink = np.vstack([pi2, np.full(A, 1 / A)])
        exact_sink = pg.marginal_l1_distance(
            sink, pg.deterministic_policy(np.append(actions, 0), A), pi2_sink, horizon=T
        )[1:]
        close_sink += bool(np.max(exact_sink / bound) > 0.9)
    print(f"ratio > 0.9: {close}/{n} random MDPs, {close_sink}/{n} with the sink")
    assert close_sink == n
    assert 0 < close < n


def test_tightrope_values_for_every_eps_and_horizon():
    # THEORY "tightness", as a property over a grid of eps and T: equality, not only <=.
    for eps in np.linspace(0, 1, 11):
        for T in (2, 7, 40):
            t = np.arange(T)
            check = pg.mixture_check(
                pg.tightrope_mdp(horizon=T), [0, 0], pg.tightrope_policies(eps)[1]
            )
            np.testing.assert_allclose(check.exact_l1, 2 * (1 - (1 - eps) ** t), rtol=0, atol=TOL)
            np.testing.assert_allclose(check.bound, check.exact_l1, rtol=0, atol=TOL)
            np.testing.assert_allclose(check.no_mistake, (1 - eps) ** t, rtol=0, atol=TOL)


def test_certain_mistake_has_zero_mass_and_no_nan():
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(1.0)
    check = pg.mixture_check(mdp, pi, pi_eps, horizon=5)
    np.testing.assert_array_equal(check.no_mistake, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(check.conditional_l1, np.zeros(5))
    assert np.all(np.isfinite(check.decomposition_min))


# ------------------------------------------------------- every MixtureCheck field, by value


def test_mixture_check_fields_closed_form_half_tightrope():
    # _half_tightrope's closed form (docstring): p_t = (1/2, 1/2), p'_t = (w/2, 1 - w/2) with
    # w = (1-eps)^t, so p'_t - w p_t = (0, 1 - w): decomposition_min = 0; the S7 bound is
    # 2(1 - w), not the linear 2 eps t; the slide's weight is w.
    eps, T = 0.2, 12
    mdp, actions, pi2 = _half_tightrope(eps)
    w = (1 - eps) ** np.arange(T)
    check = pg.mixture_check(mdp, actions, pi2, horizon=T)
    np.testing.assert_allclose(check.bound, 2 * (1 - w), rtol=0, atol=TOL)
    np.testing.assert_allclose(check.slide_weight, w, rtol=0, atol=TOL)
    np.testing.assert_allclose(check.decomposition_min, np.zeros(T), rtol=0, atol=TOL)
    np.testing.assert_allclose(check.no_mistake, (1 + w) / 2, rtol=0, atol=TOL)


def test_mixture_check_uses_the_callers_eps():
    # A caller's eps above the true 0.2 changes the slide's weight, the bound and the
    # decomposition: (1 - 0.5)^t, 2(1 - 0.5^t), min(w/2 - 0.5^t/2, 1 - w/2 - 0.5^t/2).
    eps_true, eps, T = 0.2, 0.5, 10
    mdp, actions, pi2 = _half_tightrope(eps_true)
    t = np.arange(T)
    w, v = (1 - eps_true) ** t, (1 - eps) ** t
    check = pg.mixture_check(mdp, actions, pi2, horizon=T, eps=eps)
    assert check.eps == eps
    np.testing.assert_allclose(check.slide_weight, v, rtol=0, atol=TOL)
    np.testing.assert_allclose(check.bound, 2 * (1 - v), rtol=0, atol=TOL)
    np.testing.assert_allclose(check.mass_gap, (1 + w) / 2 - v, rtol=0, atol=TOL)
    np.testing.assert_allclose(
        check.decomposition_min, np.minimum(w / 2 - v / 2, 1 - w / 2 - v / 2), rtol=0, atol=TOL
    )
    # eps within PROB_ATOL below the true value is accepted (rounding), and then used.
    assert (
        pg.mixture_check(mdp, actions, pi2, horizon=T, eps=eps_true - 1e-8).eps == eps_true - 1e-8
    )
    # Exactly PROB_ATOL below the computed maximal mistake probability is still accepted.
    eps_max = pg.max_mistake_probability(actions, pi2)
    edge = eps_max - 1e-8
    assert pg.mixture_check(mdp, actions, pi2, horizon=T, eps=edge).eps == edge


def test_mixture_check_against_brute_force_enumeration():
    # Every field from an enumeration of all trajectories (tests/brute_force.py), on a sparse
    # MDP with state-dependent mistakes, horizon taken from the MDP.
    rng = np.random.default_rng(31)
    S, A, T = 3, 2, 6
    mdp = pg.random_mdp(S, A, rng=rng, branching=2, horizon=T)
    actions = np.array([1, 0, 1])
    pi2 = pg.epsilon_close_policy(actions, A, 0.4, rng=rng, state_dependent=True)
    eps = 1 - pi2[np.arange(S), actions].min()
    pi = np.eye(A)[actions]
    p = bf.state_marginals(mdp.P, mdp.p0, pi, T)
    p2 = bf.state_marginals(mdp.P, mdp.p0, pi2, T)
    mass, q = bf.no_mistake(mdp.P, mdp.p0, pi2, actions, T)
    w = np.array([(1 - eps) ** k for k in range(T)])
    check = pg.mixture_check(mdp, actions, pi2)
    assert check.eps == pytest.approx(eps, abs=1e-15)
    np.testing.assert_allclose(check.no_mistake, mass, rtol=0, atol=1e-12)
    np.testing.assert_allclose(check.slide_weight, w, rtol=0, atol=1e-12)
    np.testing.assert_allclose(check.mass_gap, mass - w, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        check.conditional_l1, np.abs(q / mass[:, None] - p).sum(axis=1), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        check.decomposition_min, (p2 - w[:, None] * p).min(axis=1), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(check.exact_l1, np.abs(p2 - p).sum(axis=1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(check.bound, 2 * (1 - w), rtol=0, atol=1e-12)
    assert check.mass_gap[1:].min() > 1e-3  # state-dependent: the slide's weight is off
    chain = pg.no_mistake_chain(mdp, pg.deterministic_policy(actions, A), pi2)
    np.testing.assert_allclose(chain.q, q, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        pg.marginal_l1_distance(mdp, pi, pi2), np.abs(p2 - p).sum(axis=1), rtol=0, atol=1e-12
    )


def test_one_hot_pi_with_more_states_than_actions():
    actions = np.array([1, 0, 1, 1])
    pi2 = np.array([[0.1, 0.9], [0.8, 0.2], [0.0, 1.0], [0.3, 0.7]])
    onehot = pg.deterministic_policy(actions, 2)
    np.testing.assert_allclose(
        pg.mistake_probabilities(onehot, pi2), [0.1, 0.2, 0.0, 0.3], rtol=0, atol=1e-15
    )


def test_bound_dtypes_and_shapes():
    # Float results for integer t, scalar and 2-D (s7_bound, s7_linear_bound, eps = 1 branch).
    for fn in (pg.s7_bound, pg.s7_linear_bound):
        for eps in (0.3, 1.0):
            out = fn(eps, np.array([[0, 1], [2, 3]]))
            assert out.dtype == np.float64 and out.shape == (2, 2)


# ---------------------------------------------------------------------------- Monte Carlo


def test_monte_carlo_marginal_and_no_mistake_mass():
    rng = np.random.default_rng(2024)
    mdp = pg.random_mdp(5, 3, rng=rng, concentration=0.3)
    actions = rng.integers(3, size=5)
    pi2 = pg.epsilon_close_policy(actions, 3, 0.2, rng=rng, state_dependent=True)
    n, T, t = 40_000, 8, 6
    traj = pg.sample_trajectories(mdp, pi2, n, rng=rng, horizon=T)
    # Marginal of s_t under pi2: each frequency within 5 CLT standard errors.
    p2 = pg.state_marginals(mdp, pi2, T)[t]
    freq = np.bincount(traj.states[:, t], minlength=5) / n
    # Each state's own binomial standard error sqrt(p (1 - p) / n), not the largest one.
    assert np.all(np.abs(freq - p2) <= 5 * np.sqrt(p2 * (1 - p2) / n) + 1e-12)
    # P(no mistake before t): agreement of a_0..a_{t-1} with pi.
    agree = traj.actions[:, :t] == actions[traj.states[:, :t]]
    mass = pg.no_mistake_chain(mdp, actions, pi2, horizon=T).mass[t]
    se = np.sqrt(mass * (1 - mass) / n)
    assert abs(agree.all(axis=1).mean() - mass) <= 5 * se
    # The sampled L1 distance to p_t is near the exact one (L1 error <= sum of errors).
    p = pg.state_marginals(mdp, pg.deterministic_policy(actions, 3), T)[t]
    exact = pg.marginal_l1_distance(mdp, pg.deterministic_policy(actions, 3), pi2, horizon=T)[t]
    sampled = np.abs(freq - p).sum()
    assert abs(sampled - exact) <= 5 * np.sqrt(p2 * (1 - p2) / n).sum()


# ---------------------------------------------------------------------------- ValueErrors


def _exactly(message):
    """A ``match=`` pattern that accepts this whole message and nothing else."""
    return f"^{re.escape(message)}$"


@pytest.mark.parametrize("fn", [pg.s7_bound, pg.s7_linear_bound])
@pytest.mark.parametrize(
    ("eps", "t", "message"),
    [
        (-0.1, 1, "eps must lie in [0, 1], got -0.1"),
        (1.5, 1, "eps must lie in [0, 1], got 1.5"),
        ("a", 1, "eps must be a real number, got str 'a'"),
        (float("nan"), 1, "eps must be finite, got nan"),
        (0.1, -1, "t is -1, expected an integer >= 0"),
        (0.1, [0, 3, -2], "t[2] is -2, expected an integer >= 0"),
        (0.1, [[0, 1], [2, -3]], "t[1, 1] is -3, expected an integer >= 0"),
        (0.1, 1.5, "t must be a non-negative integer or integer array, got dtype float64"),
        (0.1, True, "t must be a non-negative integer or integer array, got bool True"),
    ],
)
def test_bound_value_errors(fn, eps, t, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        fn(eps, t)


_MDP = pg.tightrope_mdp()
_PI, _PI_EPS = pg.tightrope_policies(0.1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: pg.marginal_l1_distance({}, _PI, _PI_EPS, horizon=3),
            "mdp must be a pgtheory.TabularMDP, got dict",
        ),
        (
            lambda: pg.marginal_l1_distance(_MDP, _PI, np.full((2, 3), 1 / 3), horizon=3),
            "pi2 must have shape (2, 2), got (2, 3)",
        ),
        (
            lambda: pg.marginal_l1_distance(_MDP, np.full((2, 3), 1 / 3), _PI_EPS, horizon=3),
            "pi must have shape (2, 2), got (2, 3)",
        ),
        (
            lambda: pg.marginal_l1_distance(_MDP, [[1.0, 0.0], [0.25, 0.25]], _PI_EPS, horizon=3),
            "pi[1, :] sums to 0.5, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.marginal_l1_distance(_MDP, _PI, [[1.0, 0.0], [0.25, 0.25]], horizon=3),
            "pi2[1, :] sums to 0.5, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.marginal_l1_distance(_MDP, _PI, _PI_EPS),
            "horizon must be an integer >= 1 for a discounted MDP (mdp.horizon is None), got None",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, _PI, _PI_EPS, horizon=0),
            "horizon must be an integer >= 1, got 0",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, _PI_EPS, _PI_EPS, horizon=3),
            "pi[0, :] is not deterministic (one-hot): its largest probability is 0.9, expected 1 "
            "(atol=1e-08); slide S7 needs a deterministic pi",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, [[1.0, 0.0], [0.5, 0.5]], _PI_EPS, horizon=3),
            "pi[1, :] is not deterministic (one-hot): its largest probability is 0.5, expected 1 "
            "(atol=1e-08); slide S7 needs a deterministic pi",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, np.array([0, 2]), _PI_EPS, horizon=3),
            "pi[1] is 2, expected an integer action in [0, 2)",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, np.array([0.0, 1.0]), _PI_EPS, horizon=3),
            "pi must hold integer actions, got dtype float64",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, np.array([0, 1, 0]), _PI_EPS, horizon=3),
            "pi must have shape (2,), got (3,)",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, np.zeros((2, 2, 2)), _PI_EPS, horizon=3),
            "pi must be integer actions of shape (S,) or a one-hot policy of shape (S, A), "
            "got shape (2, 2, 2)",
        ),
        (
            lambda: pg.no_mistake_chain(_MDP, [0, 0], np.full((3, 2), 0.5), horizon=3),
            "pi2 must have shape (2, 2), got (3, 2)",
        ),
        (
            lambda: pg.max_mistake_probability(np.array([], dtype=int), _PI_EPS),
            "pi must be non-empty, got shape (0,)",
        ),
        (
            lambda: pg.max_mistake_probability(np.eye(2, 3), _PI_EPS),
            "pi must have shape (2, 2), got (2, 3)",
        ),
        (
            lambda: pg.mistake_probabilities([0], [0.5, 0.5]),
            "pi2 must have 2 dimension(s), got shape (2,) (1 dimension(s))",
        ),
        (
            lambda: pg.mistake_probabilities([0, 1], [[0.5, 0.6], [0.0, 1.0]]),
            "pi2[0, :] sums to 1.1, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.mistake_probabilities([0, 1], [[0.5, np.nan], [0.0, 1.0]]),
            "pi2[0, 1] is nan, expected a finite number",
        ),
        (
            lambda: pg.mixture_check(_MDP, _PI, _PI_EPS, horizon=3, eps=0.05),
            "eps must be >= the maximal mistake probability of pi2, 0.1, got 0.05",
        ),
        (
            lambda: pg.mixture_check(_MDP, _PI, _PI_EPS, horizon=3, eps=2.0),
            "eps must lie in [0, 1], got 2.0",
        ),
        (
            lambda: pg.mixture_check(_MDP, [0, 0], np.full((2, 3), 1 / 3), horizon=3),
            "pi2 must have shape (2, 2), got (2, 3)",
        ),
        (
            lambda: pg.mixture_check(_MDP, [0, 0], np.full((3, 2), 0.5), horizon=3),
            "pi2 must have shape (2, 2), got (3, 2)",
        ),
        (
            lambda: pg.mixture_check(_MDP, [0, 0], _PI_EPS),
            "horizon must be an integer >= 1 for a discounted MDP (mdp.horizon is None), got None",
        ),
    ],
)
def test_distance_and_chain_value_errors(call, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        call()


# ------------------------------------------------------------ slide S8: the general case


def test_max_tv_distance_by_hand_and_for_deterministic_pi():
    pi = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    pi_new = np.array([[0.1, 0.6, 0.3], [0.2, 0.3, 0.5]])
    # State 0: (0.4 + 0.1 + 0.3) / 2 = 0.4; state 1: 0.
    assert pg.max_tv_distance(pi, pi_new) == pytest.approx(0.4, abs=1e-15)
    assert pg.max_tv_distance(pi_new, pi) == pytest.approx(0.4, abs=1e-15)
    assert pg.max_tv_distance(pi, pi) == 0.0
    rng = np.random.default_rng(3)
    actions = rng.integers(3, size=6)
    pi2 = pg.epsilon_close_policy(actions, 3, 0.35, rng=rng, state_dependent=True)
    assert pg.max_tv_distance(pg.deterministic_policy(actions, 3), pi2) == pytest.approx(
        pg.max_mistake_probability(actions, pi2), abs=1e-15
    )


@given(st.floats(0, 1), st.integers(0, 500))
@settings(max_examples=100, deadline=None)
def test_state_distribution_bound_is_the_general_form_of_s7(eps, t):
    b = pg.state_distribution_bound(eps, t)
    assert float(b) == pytest.approx(2 * (1 - (1 - eps) ** t), abs=1e-12)
    assert float(b) <= min(2.0, 2 * eps * t) + TOL


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("eps", [0.0, 1e-9, 0.05, 0.3, 1.0])
def test_visitation_bound_closed_form_equals_the_discounted_sum(eps, gamma):
    # (1 - gamma) sum_t gamma^t 2 (1 - (1 - eps)^t), summed term by term up to 20,000 steps.
    t = np.arange(20_000)
    series = (1 - gamma) * np.sum(gamma**t * 2 * (1 - (1 - eps) ** t))
    bound = pg.visitation_distribution_bound(eps, gamma)
    assert bound == pytest.approx(series, rel=1e-9, abs=1e-12)
    assert bound <= 2 * gamma * eps / (1 - gamma) + TOL  # CPO's form with max TV
    assert 0.0 <= bound < 2.0


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("eps", [0.0, 1e-9, 0.05, 0.3, 1.0])
def test_discounted_s7_bound_sum_is_the_series(eps, gamma):
    # sum_t gamma^t 2 (1 - (1 - eps)^t), summed term by term up to 20,000 steps
    # (gamma^20000 < 1e-87 at gamma = 0.99).
    t = np.arange(20_000)
    series = np.sum(gamma**t * 2 * (1 - (1 - eps) ** t))
    total = pg.discounted_s7_bound_sum(eps, gamma)
    assert total.shape == ()
    assert float(total) == pytest.approx(series, rel=1e-9, abs=1e-12)
    assert float(total) <= 2 * gamma * eps / (1 - gamma) ** 2 + TOL  # (1 - eps)^t >= 1 - eps t


def test_discounted_s7_bound_sum_broadcasts_and_checks_its_arguments():
    eps = np.array([[0.0, 0.1, 1.0]])
    gamma = np.array([[0.5], [0.9]])
    total = pg.discounted_s7_bound_sum(eps, gamma)
    assert total.shape == (2, 3)
    for i, g in enumerate(gamma[:, 0]):
        for j, e in enumerate(eps[0]):
            expected = 2 / (1 - g) - 2 / (1 - g * (1 - e))  # two geometric series
            assert total[i, j] == pytest.approx(expected, rel=1e-13, abs=1e-15)
    # A TV of rows that sum to 1 only up to PROB_ATOL may exceed 1 by that much.
    assert pg.discounted_s7_bound_sum(1 + 1e-9, 0.5) == pytest.approx(2.0, rel=1e-8)
    for args, message in [
        ((-0.1, 0.5), "eps is -0.1, expected a number in [0, 1]"),
        ((1.1, 0.5), "eps is 1.1, expected a number in [0, 1]"),
        (([0.1, 2.0], 0.5), "eps[1] is 2.0, expected a number in [0, 1]"),
        ((0.1, 1.0), "gamma is 1.0, expected a number in [0, 1)"),
        ((0.1, [[0.5], [-0.5]]), "gamma[1, 0] is -0.5, expected a number in [0, 1)"),
        ((np.nan, 0.5), "eps is nan, expected a finite number"),
        ((0.1, "x"), "gamma must be a numeric array, got str"),
    ]:
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            pg.discounted_s7_bound_sum(*args)
    message = "eps and gamma must broadcast together, got shapes (2,) and (3,)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        pg.discounted_s7_bound_sum([0.1, 0.2], [0.5, 0.6, 0.7])


def test_visitation_bound_finite_horizon_is_a_weighted_mean():
    eps, gamma, T = 0.2, 0.8, 5
    w = [gamma**k for k in range(T)]
    expected = sum(wk * 2 * (1 - (1 - eps) ** k) for k, wk in enumerate(w)) / sum(w)
    assert pg.visitation_distribution_bound(eps, gamma, T) == pytest.approx(expected, abs=1e-15)
    # gamma = 1 with a finite horizon: the plain mean over t < T.
    plain = np.mean([2 * (1 - (1 - eps) ** k) for k in range(T)])
    assert pg.visitation_distribution_bound(eps, 1.0, T) == pytest.approx(plain, abs=1e-15)


@pytest.mark.parametrize("eps", [0.0, 0.01, 0.2, 0.7, 1.0])
def test_tightrope_attains_the_general_bounds(eps):
    mdp = pg.tightrope_mdp(gamma=0.9)
    pi, pi_eps = pg.tightrope_policies(eps)
    assert pg.max_tv_distance(pi, pi_eps) == pytest.approx(eps, abs=1e-15)
    T = 40
    exact = pg.marginal_l1_distance(mdp, pi, pi_eps, horizon=T)
    np.testing.assert_allclose(
        exact, pg.state_distribution_bound(eps, np.arange(T)), rtol=0, atol=TOL
    )
    d_l1 = np.abs(pg.discounted_visitation(mdp, pi_eps) - pg.discounted_visitation(mdp, pi)).sum()
    assert d_l1 == pytest.approx(pg.visitation_distribution_bound(eps, 0.9), abs=TOL)
    # CPO: d^pi is the point mass on state 0, where TV = eps.
    assert pg.cpo_visitation_bound(mdp, pi, pi_eps) == pytest.approx(2 * 0.9 * eps / 0.1, abs=TOL)


@st.composite
def s8_cases(draw):
    """Two stochastic policies on a random MDP (S, A >= 2), dense, sparse or deterministic
    dynamics; pi_new is pi moved in logit space by a scale that includes 0 (eps = 0)."""
    S, A, T = draw(st.integers(2, 5)), draw(st.integers(2, 3)), draw(st.integers(2, 25))
    kind = draw(st.sampled_from(["dense", "sparse", "deterministic"]))
    scale = draw(st.one_of(st.just(0.0), st.floats(1e-6, 3.0)))
    gamma = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    branching, concentration = {
        "dense": (None, 1.0),
        "sparse": (2, 0.2),
        "deterministic": (1, 1.0),
    }[kind]
    mdp = pg.random_mdp(
        S, A, rng=rng, gamma=gamma, branching=branching, concentration=concentration
    )
    theta = rng.normal(size=(S, A)) * draw(st.sampled_from([0.5, 3.0]))
    pi = pg.softmax_policy(theta)
    pi_new = pg.softmax_policy(theta + scale * rng.normal(size=(S, A)))
    return mdp, pi, pi_new, T


@given(s8_cases())
@settings(max_examples=150, deadline=None)
def test_s8_bounds_never_violated_on_generated_mdps(case):
    mdp, pi, pi_new, T = case
    eps = pg.max_tv_distance(pi, pi_new)
    t = np.arange(T)
    exact = pg.marginal_l1_distance(mdp, pi, pi_new, horizon=T)
    assert np.all(exact <= pg.state_distribution_bound(eps, t) + TOL)
    # The coupling's own bound 2 (1 - P(no disagreement)) is tighter and also holds.
    mass = pg.no_disagreement_chain(mdp, pi, pi_new, horizon=T).mass
    assert np.all(exact <= 2 * (1 - mass) + TOL)
    assert np.all(mass >= (1 - eps) ** t - TOL)
    # Discounted visitations (normalized): our bound and CPO's Lemma 3.
    d_l1 = np.abs(pg.discounted_visitation(mdp, pi_new) - pg.discounted_visitation(mdp, pi)).sum()
    assert d_l1 <= pg.visitation_distribution_bound(eps, mdp.gamma) + TOL
    assert d_l1 <= pg.cpo_visitation_bound(mdp, pi, pi_new) + TOL
    # Finite horizon T (gamma > 0): the weighted-mean form.
    if mdp.gamma > 0:
        fin = mdp.with_horizon(T)
        d_fin = np.abs(
            pg.discounted_visitation(fin, pi_new) - pg.discounted_visitation(fin, pi)
        ).sum()
        assert d_fin <= pg.visitation_distribution_bound(eps, mdp.gamma, T) + TOL


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: pg.max_tv_distance([[0.5, 0.5]], [[0.5, 0.5], [1.0, 0.0]]),
            "pi_new must have shape (1, 2), got (2, 2)",
        ),
        (
            lambda: pg.max_tv_distance([[0.5, 0.6]], [[0.5, 0.5]]),
            "pi[0, :] sums to 1.1, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.max_tv_distance([0.5, 0.5], [0.5, 0.5]),
            "pi must have 2 dimension(s), got shape (2,) (1 dimension(s))",
        ),
        (
            lambda: pg.state_distribution_bound(1.5, 2),
            "eps must lie in [0, 1], got 1.5",
        ),
        (
            lambda: pg.visitation_distribution_bound(-0.1, 0.9),
            "eps must lie in [0, 1], got -0.1",
        ),
        (
            lambda: pg.visitation_distribution_bound(0.1, 1.0),
            "gamma must lie in [0, 1) when horizon is None (infinite-horizon discounted case), "
            "got 1.0",
        ),
        (
            lambda: pg.visitation_distribution_bound(0.1, -0.5),
            "gamma must lie in [0, 1) when horizon is None (infinite-horizon discounted case), "
            "got -0.5",
        ),
        (
            lambda: pg.visitation_distribution_bound(0.1, 0.0, 5),
            "gamma must lie in (0, 1] for a finite horizon, got 0.0",
        ),
        (
            lambda: pg.visitation_distribution_bound(0.1, 1.5, 5),
            "gamma must lie in (0, 1] for a finite horizon, got 1.5",
        ),
        (
            lambda: pg.visitation_distribution_bound(0.1, "a"),
            "gamma must be a real number, got str 'a'",
        ),
        (
            lambda: pg.visitation_distribution_bound(0.1, 0.9, 0),
            "horizon must be an integer >= 1, got 0",
        ),
        (
            lambda: pg.cpo_visitation_bound(_MDP.with_horizon(5), _PI, _PI_EPS),
            "mdp must be infinite-horizon discounted (horizon None) for CPO's bound, got horizon 5",
        ),
        (
            lambda: pg.cpo_visitation_bound(_MDP, np.ones((2, 3)) / 3, _PI_EPS),
            "pi must have shape (2, 2), got (2, 3)",
        ),
        (
            lambda: pg.cpo_visitation_bound(_MDP, _PI, np.ones((3, 2)) / 2),
            "pi_new must have shape (2, 2), got (3, 2)",
        ),
        (
            lambda: pg.cpo_visitation_bound(None, _PI, _PI_EPS),
            "mdp must be a pgtheory.TabularMDP, got NoneType",
        ),
    ],
)
def test_s8_value_errors(call, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        call()
