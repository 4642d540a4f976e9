"""Tests for pgtheory.bounds (slide S7; Ross, Gordon & Bagnell 2011, Lemma 4.1)."""

import numpy as np
import pytest
from hypothesis import given, settings
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
def mdp_and_policies(draw):
    S = draw(st.integers(1, 4))
    A = draw(st.integers(1, 3))
    unit = st.floats(0.0, 1.0)
    raw_P = np.array(draw(st.lists(unit, min_size=S * A * S, max_size=S * A * S)))
    P = raw_P.reshape(S, A, S) + 1e-3
    P /= P.sum(axis=-1, keepdims=True)
    p0 = np.array(draw(st.lists(unit, min_size=S, max_size=S))) + 1e-3
    pi2 = np.array(draw(st.lists(unit, min_size=S * A, max_size=S * A))).reshape(S, A) + 1e-3
    pi2 /= pi2.sum(axis=1, keepdims=True)
    actions = np.array(draw(st.lists(st.integers(0, A - 1), min_size=S, max_size=S)))
    mdp = pg.TabularMDP(P, np.zeros((S, A)), p0 / p0.sum(), gamma=0.9)
    return mdp, actions, pi2


@given(mdp_and_policies(), st.integers(1, 30))
@settings(max_examples=150, deadline=None)
def test_bound_holds_on_generated_mdps(case, T):
    mdp, actions, pi2 = case
    eps = pg.max_mistake_probability(actions, pi2)
    t = np.arange(T)
    pi = pg.deterministic_policy(actions, mdp.n_actions)
    exact = pg.marginal_l1_distance(mdp, pi, pi2, horizon=T)
    assert np.all(exact <= pg.s7_bound(eps, t) + TOL)
    assert np.all(pg.s7_bound(eps, t) <= pg.s7_linear_bound(eps, t) + TOL)
    chain = pg.no_mistake_chain(mdp, actions, pi2, horizon=T)
    assert np.all(chain.mass >= (1 - eps) ** t - TOL)
    # q_t >= (1-eps)^t p_t elementwise: the step of the general proof.
    p = pg.state_marginals(mdp, pi, T)
    assert np.all(chain.q >= (1 - eps) ** t[:, None] * p - TOL)
    check = pg.mixture_check(mdp, actions, pi2, horizon=T)
    assert np.all(check.mass_gap >= -TOL)
    assert np.all(check.conditional_l1 >= 0) and np.all(check.conditional_l1 <= 2 + TOL)


def test_certain_mistake_has_zero_mass_and_no_nan():
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(1.0)
    check = pg.mixture_check(mdp, pi, pi_eps, horizon=5)
    np.testing.assert_array_equal(check.no_mistake, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(check.conditional_l1, np.zeros(5))
    assert np.all(np.isfinite(check.decomposition_min))


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
    np.testing.assert_allclose(freq, p2, rtol=0, atol=5 * np.sqrt(p2 * (1 - p2) / n).max() + 1e-12)
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


@pytest.mark.parametrize("fn", [pg.s7_bound, pg.s7_linear_bound])
@pytest.mark.parametrize(
    ("eps", "t", "match"),
    [
        (-0.1, 1, r"eps must lie in \[0, 1\], got -0.1"),
        (1.5, 1, r"eps must lie in \[0, 1\], got 1.5"),
        ("a", 1, "eps must be a real number, got str"),
        (float("nan"), 1, "eps must be finite, got nan"),
        (0.1, -1, "t is -1, expected an integer >= 0"),
        (0.1, [0, 3, -2], r"t\[2\] is -2, expected an integer >= 0"),
        (0.1, 1.5, "t must be a non-negative integer or integer array, got dtype float64"),
        (0.1, True, "t must be a non-negative integer or integer array, got bool"),
    ],
)
def test_bound_value_errors(fn, eps, t, match):
    with pytest.raises(ValueError, match=match):
        fn(eps, t)


def test_distance_and_chain_value_errors():
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(0.1)
    with pytest.raises(ValueError, match=r"mdp must be a pgtheory\.TabularMDP, got dict"):
        pg.marginal_l1_distance({}, pi, pi_eps, horizon=3)
    with pytest.raises(ValueError, match=r"pi2 must have shape \(2, 2\), got \(2, 3\)"):
        pg.marginal_l1_distance(mdp, pi, np.full((2, 3), 1 / 3), horizon=3)
    with pytest.raises(ValueError, match=r"pi2\[1, :\] sums to 0.5, expected 1"):
        pg.marginal_l1_distance(mdp, pi, [[1.0, 0.0], [0.25, 0.25]], horizon=3)
    with pytest.raises(ValueError, match="horizon must be an integer >= 1 for a discounted MDP"):
        pg.marginal_l1_distance(mdp, pi, pi_eps)
    with pytest.raises(ValueError, match="horizon must be an integer >= 1, got 0"):
        pg.no_mistake_chain(mdp, pi, pi_eps, horizon=0)
    with pytest.raises(ValueError, match=r"pi\[0, :\] is not deterministic \(one-hot\)"):
        pg.no_mistake_chain(mdp, pi_eps, pi_eps, horizon=3)
    with pytest.raises(ValueError, match=r"pi\[1\] is 2, expected an integer action in \[0, 2\)"):
        pg.no_mistake_chain(mdp, np.array([0, 2]), pi_eps, horizon=3)
    with pytest.raises(ValueError, match="must hold integer actions, got dtype float64"):
        pg.no_mistake_chain(mdp, np.array([0.0, 1.0]), pi_eps, horizon=3)
    with pytest.raises(ValueError, match=r"pi must have shape \(2,\), got \(3,\)"):
        pg.no_mistake_chain(mdp, np.array([0, 1, 0]), pi_eps, horizon=3)
    with pytest.raises(ValueError, match=r"or a one-hot policy of shape \(S, A\), got shape"):
        pg.no_mistake_chain(mdp, np.zeros((2, 2, 2)), pi_eps, horizon=3)
    with pytest.raises(ValueError, match=r"pi must be non-empty, got shape \(0,\)"):
        pg.max_mistake_probability(np.array([], dtype=int), pi_eps)
    with pytest.raises(ValueError, match=r"pi must have shape \(2, 2\), got \(2, 3\)"):
        pg.max_mistake_probability(np.eye(2, 3), pi_eps)
    with pytest.raises(ValueError, match=r"eps must be >= the maximal mistake probability of pi2"):
        pg.mixture_check(mdp, pi, pi_eps, horizon=3, eps=0.05)
    with pytest.raises(ValueError, match=r"eps must lie in \[0, 1\], got 2.0"):
        pg.mixture_check(mdp, pi, pi_eps, horizon=3, eps=2.0)
