"""Tests for pgtheory.bounding.objective (slide S9; Schulman et al. 2015, Appendix A).

References are independent of the library's matrix code: closed forms on the tightrope MDP
(worked out by hand in the comments), trajectory enumeration (tests/brute_force.py) for
finite horizons, and truncated power series for discounted values.
"""

import itertools
import re

import brute_force as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg

VALID = ("constant", "max_abs", "range", "quadratic")


# ------------------------------------------------------------------ the expectation lemma


def test_slide_form_fails_on_the_counterexample():
    # THEORY, slide S9: f = (0, -1), p = delta_1, p_new = delta_2; E_{p_new}[f] = -1.
    f, p, q = [0.0, -1.0], [1.0, 0.0], [0.0, 1.0]
    assert pg.expectation_lower_bound(p, q, f, form="slide") == 0.0  # 0 - 2 * 0 > -1
    assert pg.expectation_lower_bound(p, q, f, form="max_abs") == -2.0  # 0 - 2 * 1
    assert pg.expectation_lower_bound(p, q, f, form="range") == -1.0  # 0 - 1 * 1: attained


def test_expectation_forms_by_hand():
    # p = (1/2, 1/2, 0), q = (0, 1/2, 1/2): ||p - q||_1 = 1; f = (1, 3, -2): E_p f = 2.
    p, q, f = [0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [1.0, 3.0, -2.0]
    assert pg.expectation_lower_bound(p, q, f, form="slide") == pytest.approx(2 - 3, abs=1e-15)
    assert pg.expectation_lower_bound(p, q, f, form="max_abs") == pytest.approx(-1, abs=1e-15)
    assert pg.expectation_lower_bound(p, q, f, form="range") == pytest.approx(-0.5, abs=1e-15)
    # E_q f = 0.5: all three below it here.


@st.composite
def distributions_and_f(draw):
    n = draw(st.integers(2, 6))
    w = st.floats(0, 1)
    p = np.array(draw(st.lists(w, min_size=n, max_size=n)))
    q = np.array(draw(st.lists(w, min_size=n, max_size=n)))
    p = p / p.sum() if p.sum() > 0 else np.eye(n)[0]
    q = q / q.sum() if q.sum() > 0 else np.eye(n)[-1]
    f = np.array(draw(st.lists(st.floats(-10, 10), min_size=n, max_size=n)))
    return p, q, f


@given(distributions_and_f())
@settings(max_examples=300, deadline=None)
def test_corrected_forms_never_exceed_the_expectation(args):
    p, q, f = args
    exact = float(q @ f)
    rng_form = pg.expectation_lower_bound(p, q, f, form="range")
    abs_form = pg.expectation_lower_bound(p, q, f, form="max_abs")
    assert rng_form <= exact + 1e-12
    assert abs_form <= rng_form + 1e-12  # the range form is the sharper one


# ------------------------------------------------------------- the slide's constant C


def test_slide_constant_closed_forms():
    assert pg.slide_constant(pg.tightrope_mdp(gamma=0.9)) == pytest.approx(10.0, rel=1e-14)
    assert pg.slide_constant(pg.tightrope_mdp(gamma=1.0, horizon=7)) == 7.0
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(1), reward_range=(-1, 2), horizon=4)
    assert pg.slide_constant(mdp) == pytest.approx(4 * (mdp.r.max() - mdp.r.min()), rel=1e-14)


# ----------------------------------------------------- closed forms on the tightrope MDP


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("eps", [0.0, 0.01, 0.1, 0.7, 1.0])
def test_tightrope_discounted_closed_forms(gamma, eps):
    # pi stays in s0 (reward 0), pi_eps leaves for the absorbing s1 (reward 1) w.p. eps.
    # A(s0, leave) = gamma/(1-gamma), other advantages 0; f(s0) = eps gamma/(1-gamma),
    # f(s1) = 0; rho(s0) = 1/(1-gamma); so L = eps gamma/(1-gamma)^2, and
    # J(pi_eps) = gamma eps/((1-gamma)(1-gamma(1-eps))). TV = eps in both states.
    g, e = gamma, eps
    mdp = pg.tightrope_mdp(gamma=g)
    pi, pi_eps = pg.tightrope_policies(e)
    w = 2 * g * e / ((1 - g) * (1 - g + g * e))  # sum_t gamma^t 2(1 - (1-eps)^t)
    max_a = g / (1 - g)
    f_max = e * g / (1 - g)
    expected = {
        "slide": 2 * e * f_max * g / (1 - g) ** 2,  # sum_t 2 eps t gamma^t max f
        "constant": w / (1 - g),  # C = r_max/(1-gamma) = 1/(1-gamma)
        "max_abs": w * f_max,
        "range": w * f_max / 2,
        "quadratic": 4 * e**2 * g * max_a / ((1 - g) * (1 - g * (1 - e))),  # TRPO eq. 44
    }
    L = e * g / (1 - g) ** 2
    gap = g * e / ((1 - g) * (1 - g * (1 - e)))
    for form, penalty in expected.items():
        res = pg.improvement_lower_bound(mdp, pi, pi_eps, form=form)
        scale = 1 / (1 - g) ** 2
        assert res.surrogate == pytest.approx(L, abs=1e-12 * scale)
        assert res.gap == pytest.approx(gap, abs=1e-12 * scale)
        assert res.eps == pytest.approx(e, abs=1e-15)
        assert res.penalty == pytest.approx(penalty, abs=1e-12 * scale), form
        assert res.bound == pytest.approx(L - penalty, abs=1e-12 * scale)
    # THEORY: L - J = gamma^2 eps^2/((1-gamma)^2 (1-gamma+gamma eps)), 1/4 of eq. 44 and
    # exactly the range form's penalty: the range form is attained here.
    surplus = g**2 * e**2 / ((1 - g) ** 2 * (1 - g + g * e))
    tol = 1e-12 / (1 - g) ** 2
    range_form = pg.improvement_lower_bound(mdp, pi, pi_eps, form="range")
    assert range_form.penalty == pytest.approx(surplus, abs=tol)
    assert range_form.bound == pytest.approx(gap, abs=tol)  # attained
    quadratic = pg.improvement_lower_bound(mdp, pi, pi_eps, form="quadratic")
    assert quadratic.penalty == pytest.approx(4 * surplus, abs=tol)


@pytest.mark.parametrize("T", [1, 2, 5, 12])
@pytest.mark.parametrize("eps", [0.0, 0.05, 0.4, 1.0])
def test_tightrope_finite_horizon_closed_forms(T, eps):
    # gamma = 1: V_t(s1) = T - t, A_t(s0, leave) = T - t - 1, f_t(s0) = eps (T - t - 1);
    # p_t = delta_{s0}; P_{pi_eps}(s_t = s1) = 1 - (1-eps)^t.
    mdp = pg.tightrope_mdp(gamma=1.0, horizon=T)
    pi, pi_eps = pg.tightrope_policies(eps)
    t = np.arange(T)
    miss = 1 - (1 - eps) ** t
    adv = (T - t - 1).astype(float)
    expected = {
        "slide": float(np.sum(2 * eps * t * eps * adv)),
        "constant": float(np.sum(2 * miss * T)),
        "max_abs": float(np.sum(2 * miss * eps * adv)),
        "range": float(np.sum(miss * eps * adv)),
        "quadratic": float(np.sum(2 * miss * 2 * eps * adv)),
    }
    L = eps * T * (T - 1) / 2
    gap = float(miss.sum())
    for form, penalty in expected.items():
        res = pg.improvement_lower_bound(mdp, pi, pi_eps, form=form)
        assert res.surrogate == pytest.approx(L, abs=1e-12)
        assert res.gap == pytest.approx(gap, abs=1e-12)
        assert res.penalty == pytest.approx(penalty, abs=1e-12), form
    # The range form is attained: its bound is the gap sum_t (1 - (1 - eps)^t).
    range_form = pg.improvement_lower_bound(mdp, pi, pi_eps, form="range")
    assert range_form.bound == pytest.approx(gap, abs=1e-12)


def test_slide_form_overshoots_the_true_gap():
    # Swap the tightrope's roles: pi leaves w.p. 1/2, pi_new always stays. Then
    # f(s0) = A^pi(s0, stay) < 0 and f(s1) = 0, so the slide's max f = 0 and its bound is
    # L = rho^pi(s0) f(s0), while J(pi_new) - J(pi) = f(s0) / (1 - gamma) < L.
    g = 0.9
    mdp = pg.tightrope_mdp(gamma=g)
    stay, half = pg.tightrope_policies(0.5)
    res = pg.improvement_lower_bound(mdp, half, stay, form="slide")
    # V^pi(s1) - V^pi(s0) = 1/(1 - g/2), so A^pi(s0, stay) = -(1/2) g / (1 - g/2).
    f0 = -0.5 * g / (1 - g * 0.5)
    assert res.penalty == 0.0
    assert res.bound == pytest.approx(f0 / (1 - g * 0.5), abs=1e-12)
    assert res.gap == pytest.approx(f0 / (1 - g), abs=1e-12)
    assert res.bound > res.gap + 1.0  # not a lower bound
    for form in VALID:
        assert pg.improvement_lower_bound(mdp, half, stay, form=form).bound <= res.gap + 1e-12


# ---------------------------------------------------- validity over random MDPs


@st.composite
def mdp_and_policies(draw, finite):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    S, A = draw(st.integers(2, 3 if finite else 5)), draw(st.integers(2, 3))
    kind = draw(st.sampled_from(["dense", "sparse", "deterministic"]))
    branching = {"dense": None, "sparse": min(2, S), "deterministic": 1}[kind]
    reward_range = draw(st.sampled_from([(0.0, 1.0), (-1.0, 1.0)]))
    if finite:
        mdp = pg.random_mdp(
            S,
            A,
            rng=rng,
            gamma=draw(st.sampled_from([0.7, 1.0])),
            horizon=draw(st.integers(2, 4)),
            branching=branching,
            reward_range=reward_range,
        )
    else:
        mdp = pg.random_mdp(
            S,
            A,
            rng=rng,
            gamma=draw(st.sampled_from([0.0, 0.5, 0.9])),
            branching=branching,
            reward_range=reward_range,
        )
    pi = rng.dirichlet(np.ones(A), size=S)
    other = rng.dirichlet(np.full(A, 0.3), size=S)
    a = draw(st.sampled_from([0.0, 1e-6, 1e-3, 0.05, 0.3, 1.0]))
    return mdp, pi, (1 - a) * pi + a * other


def _bf_gap(mdp, pi, pi_new):
    args = (mdp.P, mdp.r, mdp.p0)
    T, g = mdp.horizon, mdp.gamma
    return bf.expected_return(*args, pi_new, T, g) - bf.expected_return(*args, pi, T, g)


def _series_return(mdp, pi, n=3000):
    """sum_{t < n} gamma^t p_t . r_pi by repeated vector-matrix products (no solve)."""
    P_pi = np.einsum("sat,sa->st", mdp.P, pi)
    r_pi = (mdp.r * pi).sum(axis=1)
    p, total = mdp.p0.copy(), 0.0
    for t in range(n):
        total += mdp.gamma**t * (p @ r_pi)
        p = p @ P_pi
    return total


def _series_values(mdp, pi, n=3000):
    """``(V, A, rho)`` by truncated series from every state (no solve): ``V = sum_t gamma^t
    P_pi^t r_pi``, ``A = r + gamma P V - V``, ``rho = sum_t gamma^t p_t``."""
    P_pi = np.einsum("sat,sa->st", mdp.P, pi)
    r_pi = (mdp.r * pi).sum(axis=1)
    V, term, p, rho = np.zeros(mdp.n_states), r_pi.copy(), mdp.p0.copy(), 0.0
    for t in range(n):
        V = V + term
        rho = rho + mdp.gamma**t * p
        term = mdp.gamma * P_pi @ term
        p = p @ P_pi
    return V, mdp.r + mdp.gamma * mdp.P @ V - V[:, None], rho


@given(mdp_and_policies(finite=True))
@settings(max_examples=60, deadline=None)
def test_no_valid_bound_is_violated_finite_horizon(args):
    mdp, pi, pi_new = args
    gap = _bf_gap(mdp, pi, pi_new)
    # The surrogate by enumeration: sum_t gamma^t E_{p_t}[sum_a pi_new A_t].
    T, g = mdp.horizon, mdp.gamma
    V, Q = bf.time_indexed_values(mdp.P, mdp.r, pi, T, g)
    p = bf.state_marginals(mdp.P, mdp.p0, pi, T)
    f = np.einsum("sa,tsa->ts", pi_new, Q - V[:, :, None])
    L = float(sum(g**t * p[t] @ f[t] for t in range(T)))
    penalties = {}
    for form in VALID:
        res = pg.improvement_lower_bound(mdp, pi, pi_new, form=form)
        assert res.gap == pytest.approx(gap, abs=1e-10)
        assert res.surrogate == pytest.approx(L, abs=1e-10)
        assert res.bound <= gap + 1e-10, form
        assert res.penalty >= 0.0
        penalties[form] = res.penalty
    # Each penalty from its definition, with the enumerated f_t and A_t.
    eps = max(
        0.5 * sum(abs(pi_new[s][a] - pi[s][a]) for a in range(mdp.n_actions))
        for s in range(mdp.n_states)
    )
    w = [g**t * 2 * (1 - (1 - eps) ** t) for t in range(T)]
    A_bf = Q - V[:, :, None]
    C = T * (mdp.r.max() - mdp.r.min())
    expected = {
        "constant": sum(w[t] * C for t in range(T)),
        "max_abs": sum(w[t] * np.abs(f[t]).max() for t in range(T)),
        "range": sum(w[t] * (f[t].max() - f[t].min()) / 2 for t in range(T)),
        "quadratic": sum(w[t] * 2 * eps * np.abs(A_bf[t]).max() for t in range(T)),
    }
    for form, value in expected.items():
        assert penalties[form] == pytest.approx(value, abs=1e-10), form
    slide = pg.improvement_lower_bound(mdp, pi, pi_new, form="slide")
    slide_expected = sum(2 * eps * t * g**t * f[t].max() for t in range(T))
    assert slide.penalty == pytest.approx(slide_expected, abs=1e-10)
    assert penalties["range"] <= penalties["max_abs"] + 1e-12
    assert penalties["max_abs"] <= penalties["quadratic"] + 1e-12


@given(mdp_and_policies(finite=False))
@settings(max_examples=60, deadline=None)
def test_no_valid_bound_is_violated_discounted(args):
    mdp, pi, pi_new = args
    gap = _series_return(mdp, pi_new) - _series_return(mdp, pi)
    scale = 1.0 / (1.0 - mdp.gamma)
    penalties = {}
    for form in VALID:
        res = pg.improvement_lower_bound(mdp, pi, pi_new, form=form)
        assert res.gap == pytest.approx(gap, abs=1e-9 * scale)
        assert res.bound <= gap + 1e-9 * scale, form
        penalties[form] = res.penalty
    assert penalties["range"] <= penalties["max_abs"] + 1e-12 * scale
    assert penalties["max_abs"] <= penalties["quadratic"] + 1e-12 * scale
    # TRPO eq. 44, written out with the advantage evaluated by the series above.
    eps = float(0.5 * np.abs(pi_new - pi).sum(axis=1).max())
    g = mdp.gamma
    _, A, _ = _series_values(mdp, pi)
    eq44 = 4 * eps**2 * g * np.abs(A).max() / ((1 - g) * (1 - g * (1 - eps)))
    assert penalties["quadratic"] == pytest.approx(eq44, abs=1e-12 * scale**2)


@given(mdp_and_policies(finite=False))
@settings(max_examples=40, deadline=None)
def test_slide_constant_bounds_every_advantage(args):
    mdp, pi, _ = args
    assert np.abs(pg.evaluate(mdp, pi).A).max() <= pg.slide_constant(mdp) + 1e-10
    T = 5
    fin = pg.TabularMDP(mdp.P, mdp.r, mdp.p0, 1.0, T)
    assert np.abs(pg.evaluate(fin, pi).A).max() <= pg.slide_constant(fin) + 1e-10


def test_penalty_orders_in_eps():
    # Along pi_a = (1 - a) pi + a target: the constant penalty is O(a), the others O(a^2).
    mdp, pi = pg.greedy_decrease_example()
    target = pg.surrogate_greedy_policy(mdp, pi)
    path = pg.bound_path(mdp, pi, target, [1e-4, 2e-4])
    for form, order in [("constant", 1), ("max_abs", 2), ("range", 2), ("quadratic", 2)]:
        ratio = path.penalty[form][1] / path.penalty[form][0]
        assert ratio == pytest.approx(2**order, rel=1e-3), form
    assert path.surrogate[1] / path.surrogate[0] == pytest.approx(2, rel=1e-9)


def test_bound_path_against_the_definitions():
    # Each mixture (1 - a) pi + a target, by series (_series_values, _series_return):
    # L = sum_s rho(s) f(s), f = sum_a pi_a A^pi; eps = max TV; the range penalty
    # w (max f - min f) / 2 and the quadratic one w 2 eps max|A| with
    # w = 2 gamma eps / ((1 - gamma)(1 - gamma (1 - eps))); the slide's 2 eps gamma /
    # (1 - gamma)^2 max f.
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(5), gamma=0.8)
    g = mdp.gamma
    pi = np.full((3, 2), 0.5)
    target = np.eye(2)[[0, 1, 1]]
    steps = [0.0, 0.5, 1.0]
    path = pg.bound_path(mdp, pi, target, steps, forms=("range", "slide"))
    assert set(path.penalty) == {"range", "slide"}
    np.testing.assert_array_equal(path.steps, steps)
    single = pg.bound_path(mdp, pi, target, [0.5], forms=("quadratic",))
    assert set(single.penalty) == {"quadratic"}
    _, A, rho = _series_values(mdp, pi)
    J = _series_return(mdp, pi)
    for i, a in enumerate(steps):
        pi_a = (1 - a) * pi + a * target
        f = (pi_a * A).sum(axis=1)
        eps = 0.5 * a  # TV(uniform, one-hot) = 1/2 in every state
        w = 2 * g * eps / ((1 - g) * (1 - g * (1 - eps)))
        assert path.eps[i] == pytest.approx(eps, abs=1e-15)
        assert path.gap[i] == pytest.approx(_series_return(mdp, pi_a) - J, abs=1e-10)
        assert path.surrogate[i] == pytest.approx(rho @ f, abs=1e-10)
        assert path.penalty["range"][i] == pytest.approx(w * (f.max() - f.min()) / 2, abs=1e-10)
        slide = 2 * eps * g / (1 - g) ** 2 * f.max()
        assert path.penalty["slide"][i] == pytest.approx(slide, abs=1e-10)
        if a == 0.5:
            assert single.gap[0] == pytest.approx(path.gap[i], abs=1e-10)
            quadratic = w * 2 * eps * np.abs(A).max()
            assert single.penalty["quadratic"][0] == pytest.approx(quadratic, abs=1e-10)
    assert path.eps[0] == 0.0 and path.gap[0] == 0.0 and path.penalty["range"][0] == 0.0


# ----------------------------------------------------- the surrogate's maximizer, updates


@pytest.mark.parametrize("horizon", [None, 3])
def test_surrogate_greedy_policy_beats_every_deterministic_policy(horizon):
    rng = np.random.default_rng(11)
    mdp = pg.random_mdp(3, 3, rng=rng, gamma=0.9 if horizon is None else 1.0, horizon=horizon)
    pi = rng.dirichlet(np.ones(3), size=3)
    best = pg.surrogate_advantage(mdp, pi, pg.surrogate_greedy_policy(mdp, pi))
    for acts in itertools.product(range(3), repeat=3):
        other = pg.surrogate_advantage(mdp, pi, pg.deterministic_policy(acts, 3))
        assert other <= best + 1e-12


def test_greedy_step_lowers_J_on_the_example_and_conservative_does_not():
    mdp, pi = pg.greedy_decrease_example()
    assert (mdp.n_states, mdp.n_actions, mdp.horizon) == (4, 3, 9)
    greedy = pg.greedy_update(mdp, pi, 6)
    np.testing.assert_array_equal(greedy.steps, np.ones(6))
    assert np.diff(greedy.J).min() < -0.4  # 7.585 -> 7.174 and back, by enumeration below
    # The documented example (GREEDY_DECREASE_SEED's docstring and chapter 9).
    np.testing.assert_allclose(greedy.J[:4], [6.328, 7.174, 7.585, 7.174], atol=5e-4)
    cons = pg.conservative_update(mdp, pi, 8)
    assert np.all(np.diff(cons.J) >= -1e-12)
    assert np.all(cons.bounds >= 0) and np.all(cons.bounds <= np.diff(cons.J) + 1e-10)
    for run in (greedy, cons):
        for k in (0, 3, len(run.J) - 1):
            ref = bf.expected_return(mdp.P, mdp.r, mdp.p0, run.policies[k], 9, 1.0)
            assert run.J[k] == pytest.approx(ref, abs=1e-10)


def test_greedy_update_in_the_discounted_case_is_policy_iteration():
    mdp = pg.random_mdp(4, 3, rng=np.random.default_rng(2), gamma=0.9)
    run = pg.greedy_update(mdp, pg.uniform_policy(4, 3), 5)
    assert np.all(np.diff(run.J) >= -1e-12)
    path = pg.policy_iteration_path(mdp)
    np.testing.assert_allclose(run.J[-1], path.J[-1], atol=1e-10)


def _pi_step(mdp, pi):
    """Policy iteration's step written from the definitions: Q^pi by one linear solve.

    ``V = (I - gamma P_pi)^-1 r_pi``, ``Q[s, a] = r[s, a] + gamma sum_s' P[s, a, s'] V[s']``;
    returns ``(Q, greedy actions, V)``.
    """
    S = mdp.n_states
    P_pi = np.einsum("sat,sa->st", mdp.P, pi)
    r_pi = (mdp.r * pi).sum(axis=1)
    V = np.linalg.solve(np.eye(S) - mdp.gamma * P_pi, r_pi)
    Q = mdp.r + mdp.gamma * mdp.P @ V
    return Q, Q.argmax(axis=1), V


def test_greedy_step_in_a_state_pi_never_visits():
    # The audit's reproducer. pi loops in s0 (action 0, reward 0), never sees s1. From s1,
    # action 0 pays -10 and ends in the absorbing s2 (reward 0), action 1 pays 1 and stays
    # in s1: V^pi(s1) = 1 / (1 - 0.9) = 10, Q^pi(s1, .) = (-10, 10). Q^pi(s0, .) = (0, 10).
    # Policy iteration takes (1, 1, 0): J = 1 + 0.9 * 10 = 10. Greedy in G alone took
    # action 0 in s1 (G = 0 there, a tie) and got J = 1 - 0.9 * 10 = -8.
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = P[0, 1, 1] = P[1, 0, 2] = P[1, 1, 1] = 1.0
    P[2, :, 2] = 1.0
    r = np.array([[0.0, 1.0], [-10.0, 1.0], [0.0, 0.0]])
    mdp = pg.TabularMDP(P, r, [1.0, 0.0, 0.0], 0.9)
    pi = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    Q, actions, _ = _pi_step(mdp, pi)
    np.testing.assert_allclose(Q[:2], [[0.0, 10.0], [-10.0, 10.0]], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(actions, [1, 1, 0])
    run = pg.greedy_update(mdp, pi, 1)
    np.testing.assert_array_equal(run.policies[1], np.eye(2)[[1, 1, 0]])
    np.testing.assert_allclose(run.J, [0.0, 10.0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(pg.surrogate_greedy_policy(mdp, pi), np.eye(2)[[1, 1, 0]])


@st.composite
def discounted_with_unvisited_states(draw):
    """A discounted MDP with p0 on s0, sparse or deterministic dynamics, a deterministic pi.

    With ``trap`` pi's action in s0 loops back to s0, so pi visits s0 only and every other
    state is one pi never sees; otherwise pi follows its own (short) path.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    S, A = draw(st.integers(2, 5)), draw(st.integers(2, 3))
    gamma = draw(st.sampled_from([0.5, 0.9, 0.99]))
    branching = draw(st.sampled_from([1, 2]))
    reward_range = draw(st.sampled_from([(0.0, 1.0), (-10.0, 1.0)]))
    base = pg.random_mdp(S, A, rng=rng, gamma=gamma, branching=branching, reward_range=reward_range)
    actions = rng.integers(A, size=S)
    P = base.P.copy()
    if draw(st.booleans()):  # trap: pi stays in s0 forever
        P[0, actions[0]] = np.eye(S)[0]
    p0 = np.eye(S)[0]
    return pg.TabularMDP(P, base.r, p0, gamma), np.eye(A)[actions]


@given(discounted_with_unvisited_states())
@settings(max_examples=200, deadline=None)
def test_greedy_update_is_policy_iteration_in_every_state(args):
    mdp, pi = args
    Q, actions, V = _pi_step(mdp, pi)
    new_pi = np.eye(mdp.n_actions)[actions]
    _, _, V_new = _pi_step(mdp, new_pi)
    scale = (1.0 + np.abs(mdp.r).max()) / (1.0 - mdp.gamma)
    run = pg.greedy_update(mdp, pi, 1)
    chosen = run.policies[1].argmax(axis=1)
    # Greedy in Q^pi in every state: the chosen action's value is the best one (a near-tie
    # may go either way) and, without near-ties, it is policy iteration's action.
    np.testing.assert_allclose(
        Q[np.arange(mdp.n_states), chosen], Q.max(axis=1), atol=1e-9 * scale, rtol=0
    )
    gaps = np.sort(Q, axis=1)
    if np.all(gaps[:, -1] - gaps[:, -2] > 1e-6 * scale):
        np.testing.assert_array_equal(run.policies[1], new_pi)
        assert run.J[1] == pytest.approx(mdp.p0 @ V_new, abs=1e-9 * scale)
    assert run.J[0] == pytest.approx(mdp.p0 @ V, abs=1e-9 * scale)
    assert run.J[1] >= run.J[0] - 1e-9 * scale  # the policy improvement theorem


def test_finite_horizon_tie_break_in_never_visited_states():
    # Finite horizon, gamma = 0.5, T = 3: pi loops in s0, so s1, s2, s3 are never visited and
    # G = 0 there. The documented tie-break: argmax_a sum_t gamma^t A^pi_t[s, a], with the
    # time-indexed advantages enumerated (tests/brute_force.py). Visited s0: argmax of G.
    # Seed 151: the first of a search in which every other plausible rule picks differently.
    rng = np.random.default_rng(151)
    S, A, T, g = 4, 3, 3, 0.5
    base = pg.random_mdp(S, A, rng=rng, gamma=g, horizon=T, branching=2, reward_range=(-1, 1))
    P = base.P.copy()
    P[0, 0] = np.eye(S)[0]
    mdp = pg.TabularMDP(P, base.r, np.eye(S)[0], g, T)
    pi = np.eye(A)[[0, 2, 1, 0]]
    V, Q = bf.time_indexed_values(mdp.P, mdp.r, pi, T, g)
    adv = Q - V[:, :, None]
    p = bf.state_marginals(mdp.P, mdp.p0, pi, T)
    np.testing.assert_array_equal(p[:, 1:], 0.0)
    G = sum(g**t * p[t][:, None] * adv[t] for t in range(T))
    K = sum(g**t * adv[t] for t in range(T))
    want = np.concatenate([[np.argmax(G[0])], K[1:].argmax(axis=1)])
    # A_0 alone, A_{T-1} alone, the undiscounted sum, the lowest action: each differs.
    for other in (adv[0], adv[-1], adv.sum(axis=0), np.zeros((S, A))):
        assert np.any(other[1:].argmax(axis=1) != want[1:])
    np.testing.assert_array_equal(pg.surrogate_greedy_policy(mdp, pi), np.eye(A)[want])


@given(mdp_and_policies(finite=True))
@settings(max_examples=60, deadline=None)
def test_surrogate_greedy_policy_maximizes_the_enumerated_surrogate(args):
    # Finite horizon: in every state the chosen action maximizes
    # G[s, a] = sum_t gamma^t P_pi(s_t = s) A^pi_t[s, a], with p_t and A_t enumerated; in
    # a state pi never visits (G = 0) it maximizes K[s, a] = sum_t gamma^t A^pi_t[s, a].
    mdp, pi, _ = args
    T, g = mdp.horizon, mdp.gamma
    V, Q = bf.time_indexed_values(mdp.P, mdp.r, pi, T, g)
    adv = Q - V[:, :, None]
    p = bf.state_marginals(mdp.P, mdp.p0, pi, T)
    G = sum(g**t * p[t][:, None] * adv[t] for t in range(T))
    K = sum(g**t * adv[t] for t in range(T))
    chosen = pg.surrogate_greedy_policy(mdp, pi).argmax(axis=1)
    rows = np.arange(mdp.n_states)
    np.testing.assert_allclose(G[rows, chosen], G.max(axis=1), rtol=0, atol=1e-9)
    unvisited = p.sum(axis=0) == 0
    np.testing.assert_allclose(
        K[rows, chosen][unvisited], K.max(axis=1)[unvisited], rtol=0, atol=1e-9
    )


def test_visited_states_follow_the_surrogate_not_the_tie_break():
    # T = 2, gamma = 1, start in s0; pi = (2, 0, 0). s0: action 0 pays 5, action 1 pays -20,
    # action 2 pays 0; 1 leads to s1, 0 and 2 to the absorbing s2 (rewards 0). s1 pays 30
    # under action 0. By hand: V_1 = (0, 30, 0), V_0(s0) = 0, A_0(s0, .) = (5, -20 + 30, 0)
    # = (5, 10, 0), A_1(s0, .) = (5, -20, 0). pi visits s0 at t = 0 only, so
    # G(s0, .) = A_0(s0, .): action 1 maximizes L, though K(s0, .) = (10, -10, 0) prefers 0.
    # s1 is never visited: K(s1, .) = 2 (r(s1, .) - 30) = (0, -60, -60), action 0.
    # s2 is visited at t = 1, where every action ties (G = 0, K = 0): action 0.
    P = np.zeros((3, 3, 3))
    P[0, 1, 1] = P[0, 0, 2] = P[0, 2, 2] = 1.0
    P[1, :, 2] = P[2, :, 2] = 1.0
    r = np.array([[5.0, -20.0, 0.0], [30.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    mdp = pg.TabularMDP(P, r, [1.0, 0.0, 0.0], 1.0, 2)
    pi = np.eye(3)[[2, 0, 0]]
    np.testing.assert_array_equal(pg.surrogate_greedy_policy(mdp, pi), np.eye(3)[[1, 0, 0]])
    # and the gain by enumeration: J(pi') - J(pi) = (-20 + 30) - 0 = 10 = L(pi')
    J = [bf.expected_return(mdp.P, mdp.r, mdp.p0, q, 2, 1.0) for q in (pi, np.eye(3)[[1, 0, 0]])]
    np.testing.assert_allclose(pg.greedy_update(mdp, pi, 1).J, J, rtol=0, atol=1e-12)
    np.testing.assert_allclose(J, [0.0, 10.0], rtol=0, atol=1e-12)


def test_finite_horizon_one_step_is_exact_and_never_lowers_J():
    # T = 1: the surrogate is the exact gain, so its maximizer cannot lower J; by hand,
    # J(pi') = sum_s p0(s) max_a r[s, a] for the greedy pi'.
    rng = np.random.default_rng(32)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=1.0, horizon=1, reward_range=(-1.0, 1.0))
    pi = rng.dirichlet(np.ones(3), size=4)
    run = pg.greedy_update(mdp, pi, 2)
    expected = float(mdp.p0 @ mdp.r.max(axis=1))
    np.testing.assert_allclose(run.J[1:], [expected, expected], rtol=0, atol=1e-12)
    assert run.J[0] == pytest.approx(float(mdp.p0 @ (mdp.r * pi).sum(axis=1)), abs=1e-12)


@given(mdp_and_policies(finite=True), st.sampled_from(["quadratic", "range", "max_abs"]))
@settings(max_examples=25, deadline=None)
def test_conservative_update_never_decreases_J(args, form):
    mdp, pi, _ = args
    run = pg.conservative_update(mdp, pi, 3, steps=np.linspace(0, 1, 11), form=form)
    assert run.policies.shape == (4, mdp.n_states, mdp.n_actions)
    assert np.all(np.diff(run.J) >= run.bounds - 1e-10)
    assert np.all(run.bounds >= -1e-12)  # a = 0 (no step) has bound 0 up to rounding
    for k in range(4):
        assert run.J[k] == pytest.approx(pg.expected_return(mdp, run.policies[k]), abs=1e-10)


def _finite_reference(mdp, pi):
    """``(A, p)`` of a finite-horizon MDP, written from the definitions: backward induction
    ``V_T = 0``, ``Q_t = r + gamma P V_{t+1}``, ``V_t = sum_a pi Q_t``, ``A_t = Q_t - V_t``;
    forward ``p_0 = p0``, ``p_{t+1} = p_t P_pi``. Shapes (T, S, A) and (T, S)."""
    T, g = mdp.horizon, mdp.gamma
    P_pi = np.einsum("sat,sa->st", mdp.P, pi)
    V, A = np.zeros(mdp.n_states), [None] * T
    for t in reversed(range(T)):
        Q = mdp.r + g * mdp.P @ V
        V = (pi * Q).sum(axis=1)
        A[t] = Q - V[:, None]
    p = [mdp.p0]
    for _ in range(T - 1):
        p.append(p[-1] @ P_pi)
    return np.array(A), np.array(p)


def _reference_step_bounds(mdp, pi, steps, form):
    """The surrogate's greedy policy (argmax_a sum_t gamma^t p_t(s) A_t(s, a)) and the
    bound of ``form`` ("range" or "quadratic") for each mixture toward it, from the
    definitions: L - sum_t gamma^t 2 (1 - (1 - eps)^t) C_t."""
    A, p = _finite_reference(mdp, pi)
    T, g = mdp.horizon, mdp.gamma
    disc = g ** np.arange(T)
    G = np.einsum("t,ts,tsa->sa", disc, p, A)
    top = np.sort(G, axis=1)
    assert np.all(top[:, -1] - top[:, -2] > 1e-9)  # no ties: the maximizer is unique
    target = np.eye(mdp.n_actions)[G.argmax(axis=1)]
    bounds = []
    for a in steps:
        pi_a = (1 - a) * pi + a * target
        f = np.einsum("sa,tsa->ts", pi_a, A)
        eps = 0.5 * np.abs(pi_a - pi).sum(axis=1).max()
        if form == "range":
            C = (f.max(axis=1) - f.min(axis=1)) / 2
        else:
            C = 2 * eps * np.abs(A).max(axis=(1, 2))
        w = disc * 2 * (1 - (1 - eps) ** np.arange(T))
        bounds.append(float(np.sum(disc * (p * f).sum(axis=1)) - w @ C))
    return target, np.array(bounds)


def test_conservative_update_uses_the_form_it_is_given():
    mdp, pi = pg.greedy_decrease_example()
    steps = np.linspace(0, 1, 11)
    target, bounds = _reference_step_bounds(mdp, pi, steps, "range")
    assert np.sort(bounds)[-1] - np.sort(bounds)[-2] > 1e-6  # a clear best step
    run = pg.conservative_update(mdp, pi, 1, steps=steps, form="range")
    assert run.steps[0] == steps[int(np.argmax(bounds))] > 0.2  # longer than quadratic's
    assert run.bounds[0] == pytest.approx(bounds.max(), abs=1e-12)
    expected = (1 - run.steps[0]) * pi + run.steps[0] * target
    np.testing.assert_allclose(run.policies[1], expected, rtol=0, atol=1e-15)


def test_conservative_update_picks_the_best_step():
    mdp, pi = pg.greedy_decrease_example()
    steps = [0.0, 0.1, 0.2, 0.5]
    target, bounds = _reference_step_bounds(mdp, pi, steps, "quadratic")
    assert np.sort(bounds)[-1] - np.sort(bounds)[-2] > 1e-6  # a clear best step
    run = pg.conservative_update(mdp, pi, 1, steps=steps)
    assert run.steps[0] == steps[int(np.argmax(bounds))] > 0
    assert run.bounds[0] == pytest.approx(bounds.max(), abs=1e-12)
    expected = (1 - run.steps[0]) * pi + run.steps[0] * target
    np.testing.assert_allclose(run.policies[1], expected, rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------- errors


def test_expectation_errors():
    def check(msg, *args, form="range"):
        with pytest.raises(ValueError, match=re.escape(msg) + "$"):
            pg.expectation_lower_bound(*args, form=form)

    check("p_new must have shape (2,) like p, got (3,)", [1, 0], [1, 0, 0], [0, 1])
    check("p sums to 0.5, expected 1 (atol=1e-08)", [0.5, 0], [1, 0], [0, 1])
    check("p_new[1] is -0.5, expected >= 0", [1, 0], [1.5, -0.5], [0, 1])
    check("f must have shape (2,) like p, got (3,)", [1, 0], [1, 0], [0, 1, 2])
    check("f[1] is nan, expected a finite number", [1, 0], [1, 0], [0, np.nan])
    check("p_new[0] is nan, expected a finite number", [1, 0], [np.nan, 1], [0, 1])
    check(
        "p_new must have 1 dimension(s), got shape (1, 2) (2 dimension(s))",
        [1, 0],
        [[1, 0]],
        [0, 1],
    )
    check("f must have 1 dimension(s), got shape (1, 2) (2 dimension(s))", [1, 0], [1, 0], [[0, 1]])
    check("p must have 1 dimension(s), got shape (1, 2) (2 dimension(s))", [[1, 0]], [1, 0], [0, 1])
    check(
        "form must be one of 'slide', 'max_abs', 'range', got 'abs'",
        [1, 0],
        [1, 0],
        [0, 1],
        form="abs",
    )


def test_improvement_errors():
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(0.1)

    def check(msg, call):
        with pytest.raises(ValueError, match=re.escape(msg) + "$"):
            call()

    check(
        "form must be one of 'slide', 'constant', 'max_abs', 'range', 'quadratic', got None",
        lambda: pg.improvement_lower_bound(mdp, pi, pi_eps, form=None),
    )
    check(
        "pi_new must have shape (2, 2), got (2, 3)",
        lambda: pg.improvement_lower_bound(mdp, pi, np.ones((2, 3)) / 3, form="range"),
    )
    check(
        "pi[1, :] sums to 0.5, expected 1 (atol=1e-08)",
        lambda: pg.improvement_lower_bound(mdp, [[1, 0], [0.5, 0]], pi_eps, form="range"),
    )
    check(
        "mdp must be a pgtheory.TabularMDP, got dict",
        lambda: pg.improvement_lower_bound({}, pi, pi_eps, form="range"),
    )
    check("mdp must be a pgtheory.TabularMDP, got str", lambda: pg.slide_constant("mdp"))
    check(
        "target must have shape (2, 2), got (3, 2)",
        lambda: pg.bound_path(mdp, pi, np.ones((3, 2)) / 2, [0.5]),
    )
    check(
        "form must be one of 'slide', 'constant', 'max_abs', 'range', 'quadratic', got 'x'",
        lambda: pg.bound_path(mdp, pi, pi_eps, [0.5], forms=("range", "x")),
    )


def test_update_errors():
    mdp, pi = pg.greedy_decrease_example()

    def check(msg, call):
        with pytest.raises(ValueError, match=re.escape(msg) + "$"):
            call()

    check(
        "steps[1] is 1.5, expected a step size in [0, 1]",
        lambda: pg.conservative_update(mdp, pi, 1, steps=[0.5, 1.5]),
    )
    check(
        "steps[0] is -0.1, expected a step size in [0, 1]",
        lambda: pg.conservative_update(mdp, pi, 1, steps=[-0.1]),
    )
    check(
        "steps must have 1 dimension(s), got shape (1, 1) (2 dimension(s))",
        lambda: pg.conservative_update(mdp, pi, 1, steps=[[0.5]]),
    )
    check(
        "steps[1] is nan, expected a finite number",
        lambda: pg.conservative_update(mdp, pi, 1, steps=[0.5, np.nan]),
    )
    check(
        "steps must be non-empty, got shape (0,)",
        lambda: pg.conservative_update(mdp, pi, 1, steps=[]),
    )
    check("n_iterations must be an integer >= 1, got 0", lambda: pg.conservative_update(mdp, pi, 0))
    check(
        "n_iterations must be an integer >= 1, got float 2.0",
        lambda: pg.greedy_update(mdp, pi, 2.0),
    )
    check(
        "pi must have shape (4, 3), got (4, 2)",
        lambda: pg.greedy_update(mdp, np.ones((4, 2)) / 2, 1),
    )
    check(
        "form must be one of 'slide', 'constant', 'max_abs', 'range', 'quadratic', got 'tv'",
        lambda: pg.conservative_update(mdp, pi, 1, form="tv"),
    )
    check(
        "pi must have shape (4, 3), got (2, 3)",
        lambda: pg.surrogate_greedy_policy(mdp, np.ones((2, 3)) / 3),
    )


def test_eq44_is_another_name_of_the_quadratic_form():
    # "eq44" is what pgtheory.trpo_bound calls TRPO's eq. (44) penalty; slide S9's
    # "quadratic" form is that penalty when discounted. Both names give the same bound.
    assert pg.IMPROVEMENT_FORM_ALIASES == {"eq44": "quadratic"}
    assert "eq44" not in pg.IMPROVEMENT_FORMS  # the listed forms are unchanged
    rng = np.random.default_rng(21)
    for horizon in (None, 5):
        mdp = pg.random_mdp(4, 2, rng=rng, gamma=0.9, horizon=horizon)
        pi = rng.dirichlet(np.ones(2), size=4)
        target = pg.surrogate_greedy_policy(mdp, pi)
        pi_new = pg.mixture(pi, target, 0.3)
        assert pg.improvement_lower_bound(
            mdp, pi, pi_new, form="eq44"
        ) == pg.improvement_lower_bound(mdp, pi, pi_new, form="quadratic")
        path = pg.bound_path(mdp, pi, target, [0.0, 0.5], forms=("eq44", "quadratic"))
        assert set(path.penalty) == {"eq44", "quadratic"}  # keyed by the name given
        np.testing.assert_array_equal(path.penalty["eq44"], path.penalty["quadratic"])
        a, b = (pg.conservative_update(mdp, pi, 2, form=f) for f in ("eq44", "quadratic"))
        np.testing.assert_array_equal(a.policies, b.policies)
        np.testing.assert_array_equal(a.bounds, b.bounds)


def test_surrogate_greedy_tie_tolerance_is_inclusive():
    # T = 1, one state, pi takes action 0: G = A^pi = (0, 1e-10), exactly TIE_ATOL apart, so
    # both actions maximize L; K = A^pi ties too (within greedy_policy's 1e-10): action 0.
    P = np.ones((1, 2, 1))
    mdp = pg.TabularMDP(P, [[0.0, 1e-10]], [1.0], 1.0, 1)
    np.testing.assert_array_equal(pg.surrogate_greedy_policy(mdp, [[1.0, 0.0]]), [[1, 0]])
    mdp = pg.TabularMDP(P, [[0.0, 2e-10]], [1.0], 1.0, 1)
    np.testing.assert_array_equal(pg.surrogate_greedy_policy(mdp, [[1.0, 0.0]]), [[0, 1]])


def test_surrogate_greedy_key_does_not_overflow_across_states():
    # T = 1, two absorbing states, pi takes action 0: K = A^pi = r - r[:, :1]. Per state the
    # key of the losing action stays finite (-1.2e308 and -1.5e308); mixing the extremes of
    # the two states (-0.6e308 and 1.5e308) would overflow to -inf.
    P = np.zeros((2, 2, 2))
    P[0, :, 0] = P[1, :, 1] = 1.0
    r = np.array([[0.0, -0.6e308], [0.0, 1.5e308]])
    mdp = pg.TabularMDP(P, r, [0.5, 0.5], 1.0, 1)
    pi = np.array([[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(pg.surrogate_greedy_policy(mdp, pi), [[1, 0], [0, 1]])
