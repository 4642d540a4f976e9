"""Tests for pgtheory.beyond.natural_gradient (the step after slide S9; Kakade 2001;
TRPO App. C)."""

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_performance_difference import pdl_cases

import pgtheory as pg


def full(message: str) -> str:
    return f"^{re.escape(message)}$"


@st.composite
def theta_cases(draw):
    """A random MDP (S, A, T >= 2; dense, sparse or deterministic; discounted or finite
    horizon) and a logit table with moderate spread."""
    mdp, _, _ = draw(pdl_cases())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return mdp, rng.normal(scale=1.5, size=(mdp.n_states, mdp.n_actions))


def visitation_by_power_series(mdp, pi):
    """Normalized discounted visitation by propagating the marginals (no linear solve)."""
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    p = mdp.p0.copy()
    T = mdp.horizon if mdp.horizon is not None else 20_000
    total, norm, w = np.zeros(mdp.n_states), 0.0, 1.0
    for _ in range(T):
        total += w * p
        norm += w
        p = p @ P_pi
        w *= mdp.gamma
        if w < 1e-300:
            break
    return total / norm


def kl_rows(pi, pi_new):
    return np.sum(pi * (np.log(pi) - np.log(pi_new)), axis=1)


def softmax(theta):
    e = np.exp(theta - theta.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def average_kl_reference(mdp, theta, theta_new):
    pi = softmax(theta)
    d = visitation_by_power_series(mdp, pi)
    return float(d @ kl_rows(pi, softmax(theta_new)))


@given(theta_cases())
@settings(max_examples=40, deadline=None)
def test_fisher_is_the_hessian_of_the_average_kl(case):
    mdp, theta = case
    F = pg.fisher_matrix(mdp, theta)
    n = theta.size
    # Central second differences of theta' -> sum_s d(s) KL(pi_theta || pi_theta').
    h = 1e-4
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h

            def f(x):
                return average_kl_reference(mdp, theta, theta + x.reshape(theta.shape))

            H[i, j] = (f(ei + ej) - f(ei - ej) - f(ej - ei) + f(-ei - ej)) / (4 * h * h)
    np.testing.assert_allclose(F, H, atol=2e-6)
    np.testing.assert_allclose(F, F.T, atol=0)
    assert np.linalg.eigvalsh(F).min() >= -1e-12


def test_fisher_values_on_a_two_state_example():
    # One absorbing state visited forever, one never visited: d = (1, 0), so F is the
    # first state's block diag(pi) - pi pi^T with pi = (0.2, 0.8), and zeros elsewhere.
    P = np.zeros((2, 2, 2))
    P[:, :, 0] = 1.0
    mdp = pg.TabularMDP(P, np.zeros((2, 2)), np.array([1.0, 0.0]), gamma=0.5)
    theta = np.array([[0.0, np.log(4.0)], [0.3, -0.2]])
    expected = np.zeros((4, 4))
    expected[:2, :2] = [[0.16, -0.16], [-0.16, 0.16]]
    np.testing.assert_allclose(pg.fisher_matrix(mdp, theta), expected, atol=1e-15)


@given(theta_cases())
@settings(max_examples=100, deadline=None)
def test_natural_gradient_is_the_centred_advantage(case):
    """Kakade (2001), Theorem 1, tabular softmax: F^-1 g = A / (1 - gamma), up to a constant
    per state; the pseudo-inverse picks the constant that centres each row."""
    mdp, theta = case
    if mdp.horizon is not None:
        mdp = mdp.with_horizon(None, gamma=min(mdp.gamma, 0.95))
    pi = softmax(theta)
    # The Q-values by value iteration (no linear solve), then A = Q - V.
    Q = np.zeros_like(pi)
    for _ in range(2000):
        V = np.sum(pi * Q, axis=1)
        Q = mdp.r + mdp.gamma * mdp.P @ V
    A = Q - np.sum(pi * Q, axis=1, keepdims=True)
    expected = (A - A.mean(axis=1, keepdims=True)) / (1 - mdp.gamma)
    step = pg.natural_gradient_step(mdp, theta, 0.01)
    scale = 1 + np.abs(expected).max()
    np.testing.assert_allclose(step.direction, expected, atol=1e-7 * scale)


@given(theta_cases(), st.floats(1e-4, 0.5))
@settings(max_examples=100, deadline=None)
def test_step_has_quadratic_kl_delta_and_maximizes_the_linear_model(case, delta):
    mdp, theta = case
    step = pg.natural_gradient_step(mdp, theta, delta)
    g = pg.policy_gradient(mdp, theta).ravel()
    F = pg.fisher_matrix(mdp, theta)
    x = step.step.ravel()
    np.testing.assert_allclose(step.gradient.ravel(), g, atol=0)
    if step.step_size == 0:
        assert np.abs(g).max() < 1e-9
        return
    assert step.quadratic_kl == pytest.approx(delta, rel=1e-9)
    assert 0.5 * x @ F @ x == pytest.approx(delta, rel=1e-9)
    assert step.gFinv_g == pytest.approx(2 * delta / step.step_size**2, rel=1e-9)
    assert step.gF_g == pytest.approx(g @ F @ g, rel=1e-12, abs=1e-300)
    # No other direction in the trust region does better on the linear model.
    rng = np.random.default_rng(0)
    for _ in range(50):
        y = rng.normal(size=x.size)
        q = 0.5 * y @ F @ y
        if q <= 1e-14:
            continue
        y *= np.sqrt(delta / q)
        assert g @ y <= g @ x * (1 + 1e-9) + 1e-12


def test_small_step_moves_the_average_kl_by_delta():
    mdp = pg.random_mdp(4, 3, rng=np.random.default_rng(3), gamma=0.9)
    theta = np.random.default_rng(4).normal(size=(4, 3))
    pi = softmax(theta)
    for delta in (1e-3, 1e-5):
        step = pg.natural_gradient_step(mdp, theta, delta)
        kl = pg.average_kl(mdp, pi, softmax(theta + step.step))
        assert kl == pytest.approx(average_kl_reference(mdp, theta, theta + step.step), rel=1e-9)
        # Second-order model: the relative error shrinks like sqrt(delta).
        assert kl / delta == pytest.approx(1.0, abs=10 * np.sqrt(delta))
    # and the step improves J, as a first-order ascent step must for small delta
    assert pg.expected_return(mdp, softmax(theta + step.step)) > pg.expected_return(mdp, pi)


def test_dropping_the_inverse_misses_the_kl_radius():
    mdp = pg.random_mdp(4, 3, rng=np.random.default_rng(3), gamma=0.9)
    theta = np.random.default_rng(4).normal(size=(4, 3))
    delta = 0.01
    right = pg.natural_gradient_step(mdp, theta, delta)
    wrong = pg.natural_gradient_step(mdp, theta, delta, form="no_inverse")
    np.testing.assert_allclose(wrong.direction, right.direction, atol=0)
    assert wrong.step_size == pytest.approx(np.sqrt(2 * delta / right.gF_g), rel=1e-12)
    ratio = right.gFinv_g / right.gF_g
    assert wrong.quadratic_kl == pytest.approx(delta * ratio, rel=1e-9)
    assert abs(ratio - 1) > 0.5  # far from the radius on this MDP


def test_stationary_point_gives_a_zero_step():
    # Both actions do the same thing: every advantage is 0, so g = 0.
    P = np.zeros((2, 2, 2))
    P[0, :, 1] = P[1, :, 0] = 1.0
    mdp = pg.TabularMDP(P, np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([0.5, 0.5]), gamma=0.9)
    step = pg.natural_gradient_step(mdp, np.array([[0.0, 1.0], [2.0, -1.0]]), 0.1)
    assert step.step_size == 0.0
    assert not step.step.any()
    assert step.quadratic_kl == 0.0


def test_average_kl_values():
    P = np.zeros((2, 2, 2))
    P[:, :, 0] = 1.0
    mdp = pg.TabularMDP(P, np.zeros((2, 2)), np.array([1.0, 0.0]), gamma=0.5)
    pi = np.array([[0.5, 0.5], [1.0, 0.0]])
    pi_new = np.array([[0.25, 0.75], [0.0, 1.0]])  # state 1 is never visited: no inf
    expected = 0.5 * np.log(0.5 / 0.25) + 0.5 * np.log(0.5 / 0.75)
    assert pg.average_kl(mdp, pi, pi_new) == pytest.approx(expected, rel=1e-14)
    assert pg.average_kl(mdp, pi, pi) == 0.0
    # d = (1-gamma) sum_t gamma^t p_t with p0 = (1, 0) absorbing in state 0: d = (1, 0).
    pi_zero = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert pg.average_kl(mdp, pi, pi_zero) == np.inf


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"delta": 0.0}, "delta must be > 0, got 0.0"),
        ({"delta": -1.0}, "delta must be > 0, got -1.0"),
        ({"delta": float("nan")}, "delta must be finite, got nan"),
        ({"delta": True}, "delta must be a real number, got bool True"),
        ({"delta": 0.1, "form": "F"}, "form must be one of ('inverse', 'no_inverse'), got 'F'"),
    ],
)
def test_bad_arguments(kwargs, message):
    mdp = pg.random_mdp(2, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=full(message)):
        pg.natural_gradient_step(mdp, np.zeros((2, 2)), **kwargs)


def test_theta_and_policies_must_fit_the_mdp():
    mdp = pg.random_mdp(2, 2, rng=np.random.default_rng(0))
    message = "theta must have shape (2, 2) to fit the MDP, got {}"
    with pytest.raises(ValueError, match=full(message.format("(3, 2)"))):
        pg.fisher_matrix(mdp, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=full(message.format("(2, 3)"))):
        pg.natural_gradient_step(mdp, np.zeros((2, 3)), 0.1)
    with pytest.raises(ValueError, match=full("pi_new must have shape (2, 2), got (2, 3)")):
        pg.average_kl(mdp, np.full((2, 2), 0.5), np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="mdp"):
        pg.fisher_matrix("not an mdp", np.zeros((2, 2)))


def test_step_arrays_have_the_shape_of_theta():
    mdp = pg.random_mdp(3, 4, rng=np.random.default_rng(5), gamma=0.8)
    step = pg.natural_gradient_step(mdp, np.zeros((3, 4)), 0.1)
    for name in ("gradient", "direction", "step"):
        assert getattr(step, name).shape == (3, 4), name


def bandit_like(reward_gap, base, gamma, horizon):
    """Two states, both actions with the same transitions; action 1 earns ``reward_gap``
    more. The gradient is then linear in ``reward_gap``."""
    P = np.zeros((2, 2, 2))
    P[0, :, 1] = P[1, :, 0] = 1.0
    r = np.array([[base, base + reward_gap], [base, base + reward_gap]])
    return pg.TabularMDP(P, r, np.array([0.5, 0.5]), gamma=gamma, horizon=horizon)


@pytest.mark.parametrize(("gamma", "horizon"), [(0.9, None), (0.5, None), (0.9, 5), (1.0, 4)])
@pytest.mark.parametrize("base", [0.0, 0.2, 50.0])
def test_the_stationary_cut_off_is_as_documented(gamma, horizon, base):
    """Documented: no step when max|g| <= 1e-12 (1 + max|r| sum_t gamma^t)."""
    sum_gamma = 1 / (1 - gamma) if horizon is None else sum(gamma**t for t in range(horizon))
    theta = np.zeros((2, 2))
    probe = bandit_like(1.0, base, gamma, horizon)
    g_per_gap = np.abs(pg.policy_gradient(probe, theta)).max()  # gradient per unit gap
    for factor, moves in ((0.8, False), (1.25, True)):
        # the gap that puts max|g| at `factor` times the cut-off (max|r| includes the gap)
        gap = factor * 1e-12 * (1 + abs(base) * sum_gamma) / g_per_gap
        mdp = bandit_like(gap, base, gamma, horizon)
        cutoff = 1e-12 * (1 + np.abs(mdp.r).max() * sum_gamma)
        g = np.abs(pg.policy_gradient(mdp, theta)).max()
        assert (g > cutoff) == moves, (g / cutoff, factor)
        step = pg.natural_gradient_step(mdp, theta, 0.01)
        assert (step.step_size > 0) == moves, (factor, step.step_size)


def test_states_visited_below_the_pinv_cut_off_get_no_step():
    """A state whose visitation is below 1e-10 of the largest block (``PINV_RTOL``) is
    treated as unvisited: its rows of the step are 0 (the smallest-norm solution)."""
    P = np.zeros((2, 2, 2))
    P[:, :, 0] = 1.0  # everything returns to state 0
    r = np.array([[0.0, 1.0], [0.0, 1.0]])
    tiny = 1e-13
    mdp = pg.TabularMDP(P, r, np.array([1 - tiny, tiny]), gamma=0.5)
    step = pg.natural_gradient_step(mdp, np.zeros((2, 2)), 0.01)
    assert np.all(step.direction[1] == 0.0)
    # state 0 gets the centred advantage / (1 - gamma): A = (-0.5, 0.5) at the uniform policy
    np.testing.assert_allclose(step.direction[0], [-1.0, 1.0], rtol=1e-9)


@st.composite
def rarely_visited_cases(draw):
    """A random MDP (discounted or finite horizon) in which some states are never entered:
    the initial law puts 0 (never visited) or a tiny mass 10^-k, k in [2, 15] (rarely
    visited, some below the pinv cut-off) on them. Logits of small to large spread (large:
    near-deterministic policies, whose Fisher blocks have small eigenvalues)."""
    mdp, _, _ = draw(pdl_cases())
    S, A = mdp.n_states, mdp.n_actions
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_cut = draw(st.integers(1, S - 1))
    cut = rng.permutation(S)[:n_cut]
    P = mdp.P.copy()
    P[:, :, cut] = 0.0
    dead = P.sum(axis=-1) == 0
    P[dead, rng.choice(np.setdiff1d(np.arange(S), cut))] = 1.0
    P /= P.sum(axis=-1, keepdims=True)
    p0 = mdp.p0.copy()
    p0[cut] = np.where(rng.random(n_cut) < 0.5, 0.0, 10.0 ** -rng.uniform(2, 15, n_cut))
    p0[np.setdiff1d(np.arange(S), cut)] += 0.1
    p0 /= p0.sum()
    mdp = pg.TabularMDP(P, mdp.r, p0, mdp.gamma, mdp.horizon)
    spread = draw(st.sampled_from([0.3, 1.5, 6.0]))
    return mdp, rng.normal(scale=spread, size=(S, A))


def dense_fisher_by_definition(pi, d):
    """``F = sum_s d(s) sum_a pi(a|s) psi psi^T`` with the score ``psi = grad log pi(a|s)``
    over all S*A parameters: ``psi[s', b] = 1{s' = s} (1{a = b} - pi(b|s))``."""
    S, A = pi.shape
    F = np.zeros((S * A, S * A))
    for s in range(S):
        for a in range(A):
            psi = np.zeros((S, A))
            psi[s] = -pi[s]
            psi[s, a] += 1.0
            psi = psi.ravel()
            F += d[s] * pi[s, a] * np.outer(psi, psi)
    return F


def dense_fisher(pi, d):
    """The dense Fisher matrix from its closed-form blocks ``d(s) (diag(pi_s) - pi_s pi_s^T)``
    placed on the diagonal one state at a time."""
    S, A = pi.shape
    F = np.zeros((S * A, S * A))
    for s in range(S):
        F[s * A : (s + 1) * A, s * A : (s + 1) * A] = d[s] * (
            np.diag(pi[s]) - np.outer(pi[s], pi[s])
        )
    return F


def dense_step(mdp, theta, delta, form):
    """The step by the dense (S*A) x (S*A) Fisher matrix and its pseudo-inverse, as the
    library computed it before the block form: pinv with rtol 1e-10 (``PINV_RTOL``)."""
    pi = softmax(theta)
    F = dense_fisher(pi, pg.discounted_visitation(mdp, pi))
    g = pg.policy_gradient(mdp, theta).ravel()
    direction = np.linalg.pinv(F, rtol=1e-10, hermitian=True) @ g
    gFinv_g, gF_g = g @ direction, g @ F @ g
    alpha = np.sqrt(2 * delta / (gFinv_g if form == "inverse" else gF_g))
    return F, g, direction, alpha, gFinv_g, gF_g


@given(rarely_visited_cases(), st.sampled_from(["inverse", "no_inverse"]))
@settings(max_examples=150, deadline=None)
def test_block_step_equals_the_dense_pseudo_inverse(case, form):
    mdp, theta = case
    delta = 0.01
    F, g, direction, alpha, gFinv_g, gF_g = dense_step(mdp, theta, delta, form)
    # Near the cut-off, rounding may decide an eigenvalue either way: not a case to compare.
    w = np.abs(np.linalg.eigvalsh(F))
    cutoff = 1e-10 * w.max()
    assume(np.all(np.abs(w - cutoff) > 1e-3 * cutoff))
    # the closed-form blocks are the definition (up to the rounding of pi - pi^2 near pi = 1)
    np.testing.assert_allclose(pg.fisher_matrix(mdp, theta), F, rtol=0, atol=0)
    F_def = dense_fisher_by_definition(
        softmax(theta), pg.discounted_visitation(mdp, softmax(theta))
    )
    np.testing.assert_allclose(F, F_def, rtol=0, atol=1e-15)
    step = pg.natural_gradient_step(mdp, theta, delta, form=form)
    # 1e-10 unless a block is ill-conditioned: in a state whose policy is nearly deterministic
    # (pi(a|s) ~ 1e-9) a kept eigenvalue is ~1e-9 of the block's largest, and both pseudo-
    # inverses are then only accurate to about eps times that ratio (when the block is the
    # largest, even its null eigenvalue, rounding of pi - pi^2 near pi = 1, can pass the
    # cut-off: both then add noise along theta[s, :] + c, which does not move the policy).
    # A rarely visited state scales its whole block: the dense eigendecomposition keeps the
    # block structure, and the two agree to rounding there.
    S, A = theta.shape
    kappa = 1.0
    for s in range(S):
        ws = np.abs(np.linalg.eigvalsh(F[s * A : (s + 1) * A, s * A : (s + 1) * A]))
        if (ws > cutoff).any():
            kappa = max(kappa, ws.max() / ws[ws > cutoff].min())
    tol = max(1e-10, 100 * np.finfo(float).eps * kappa)
    scale = 1 + np.abs(direction).max()
    np.testing.assert_allclose(step.direction.ravel(), direction, rtol=0, atol=tol * scale)
    assert step.gFinv_g == pytest.approx(gFinv_g, rel=tol, abs=1e-300)
    assert step.gF_g == pytest.approx(gF_g, rel=1e-10, abs=1e-300)
    if step.step_size == 0:  # the documented stationary cut-off, tested above
        assert np.abs(g).max() <= 1e-12 * (1 + np.abs(mdp.r).max() * 1e3)
        return
    assert step.step_size == pytest.approx(alpha, rel=tol)
    x = alpha * direction
    np.testing.assert_allclose(step.step.ravel(), x, rtol=0, atol=tol * alpha * scale)
    assert step.quadratic_kl == pytest.approx(0.5 * x @ F @ x, rel=tol)


def test_block_step_on_states_never_and_rarely_visited():
    """Three absorbing-ish states entered only at t = 0 with masses 0, 1e-13 and 1e-6 (below,
    below and above the pinv cut-off of 1e-10 of the largest block); the block step gives the
    first two no step and the third its centred advantage, like the dense pseudo-inverse."""
    S, A = 5, 3
    rng = np.random.default_rng(11)
    P = np.zeros((S, A, S))
    P[:, :, :2] = rng.dirichlet(np.ones(2), size=(S, A))  # everything goes to states 0 and 1
    r = rng.uniform(-1, 1, size=(S, A))
    p0 = np.array([0.5, 0.5 - 1e-13 - 1e-6, 0.0, 1e-13, 1e-6])
    theta = rng.normal(size=(S, A))
    for mdp in (pg.TabularMDP(P, r, p0, 0.9), pg.TabularMDP(P, r, p0, 1.0, horizon=6)):
        step = pg.natural_gradient_step(mdp, theta, 0.01)
        _, _, direction, _, _, _ = dense_step(mdp, theta, 0.01, "inverse")
        direction = direction.reshape(S, A)
        assert np.all(step.direction[2:4] == 0.0) and np.all(direction[2:4] == 0.0)
        assert np.abs(step.direction[4]).max() > 0.01  # kept: above the cut-off
        np.testing.assert_allclose(step.direction, direction, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    ("n_actions", "theta_row"), [(1, [0.0]), (2, [0.0, -1000.0])], ids=["one action", "underflow"]
)
def test_zero_fisher_matrix_gives_a_zero_step_not_nan(n_actions, theta_row):
    """One action, or logits so far apart that pi is exactly one-hot: F = 0 and g ~ 0. The
    pseudo-inverse of 0 is 0 (no eigenvalue passes the cut-off 1e-10 * 0): no NaN."""
    mdp = pg.random_mdp(3, n_actions, rng=np.random.default_rng(2), gamma=0.9)
    theta = np.tile(theta_row, (3, 1))
    assert not pg.fisher_matrix(mdp, theta).any()
    step = pg.natural_gradient_step(mdp, theta, 0.1)
    assert np.abs(step.gradient).max() < 1e-12  # the advantage, 0 up to rounding
    for name in ("direction", "step"):
        assert not getattr(step, name).any(), name
    assert (step.step_size, step.quadratic_kl, step.gFinv_g, step.gF_g) == (0.0, 0.0, 0.0, 0.0)
