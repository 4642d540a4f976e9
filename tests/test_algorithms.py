"""Tests for pgtheory.beyond.algorithms: CPI, NPG, TRPO, PPO-clip and the bound-maximizing update
(Kakade & Langford 2002; Kakade 2001; Schulman et al. 2015, 2017)."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg
from pgtheory import algorithms as alg
from pgtheory.beyond.natural_gradient import average_kl, fisher_matrix

TOL = 1e-10


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


@st.composite
def mdp_and_theta(draw):
    """A random discounted MDP (S, A >= 2; dense, sparse or deterministic dynamics) and
    initial logits (uniform policy or random)."""
    S, A = draw(st.integers(2, 6)), draw(st.integers(2, 4))
    gamma = draw(st.floats(0.0, 0.95))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    branching, concentration = draw(st.sampled_from([(None, 1.0), (2, 0.2), (1, 1.0)]))
    mdp = pg.random_mdp(
        S,
        A,
        rng=rng,
        gamma=gamma,
        branching=branching,
        concentration=concentration,
        reward_range=(-1.0, 2.0),
    )
    theta = rng.normal(size=(S, A)) * draw(st.sampled_from([0.0, 1.0, 3.0]))
    return mdp, theta


def scale(mdp):
    return 1.0 + np.abs(mdp.r).max() / (1.0 - mdp.gamma)


def exact(mdp, pi):
    """``(V, A, rho)`` of a discounted MDP from the definitions, by two linear solves:
    ``V = (I - gamma P_pi)^-1 r_pi``, ``A = r + gamma P V - V`` and the unnormalized
    visitation ``rho = sum_t gamma^t P(s_t = .) = (I - gamma P_pi^T)^-1 p0``."""
    P_pi = np.einsum("sat,sa->st", mdp.P, pi)
    r_pi = (mdp.r * pi).sum(axis=1)
    eye = np.eye(mdp.n_states)
    V = np.linalg.solve(eye - mdp.gamma * P_pi, r_pi)
    rho = np.linalg.solve(eye - mdp.gamma * P_pi.T, mdp.p0)
    return V, mdp.r + mdp.gamma * mdp.P @ V - V[:, None], rho


def check_run_fields(mdp, run, atol):
    """Every per-step field: J, the surrogate and TRPO's Theorem 1 bound from the
    definitions (:func:`exact`), the distances against the one-MDP library functions."""
    K = run.policies.shape[0] - 1
    g = mdp.gamma
    assert run.J.shape == (K + 1,)
    for k in range(K + 1):
        V, _, _ = exact(mdp, run.policies[k])
        assert run.J[k] == pytest.approx(float(mdp.p0 @ V), abs=atol)
    for k in range(K):
        pi, new = run.policies[k], run.policies[k + 1]
        assert run.max_tv[k] == pytest.approx(pg.tv_distance(pi, new).max(), abs=1e-12)
        assert run.max_kl[k] == pytest.approx(pg.kl_divergence(pi, new).max(), rel=1e-9, abs=1e-15)
        assert run.mean_kl[k] == pytest.approx(average_kl(mdp, pi, new), rel=1e-9, abs=1e-15)
        _, A, rho = exact(mdp, pi)
        surrogate = float(rho @ (new * A).sum(axis=1))  # L_pi(new) - J(pi), eq. 3 of TRPO
        assert run.surrogate[k] == pytest.approx(surrogate, abs=atol)
        # Theorem 1: L - 4 eps gamma alpha^2 / (1 - gamma)^2, eps = max|A|, alpha = max TV
        alpha = 0.5 * np.abs(new - pi).sum(axis=1).max()
        bound = surrogate - 4 * np.abs(A).max() * g * alpha**2 / (1 - g) ** 2
        assert run.trpo_bound[k] == pytest.approx(bound, abs=atol)


@given(mdp_and_theta())
@settings(max_examples=60, deadline=None)
def test_cpi_never_decreases_j(case):
    # Kakade & Langford (2002), Thm 4.1 with alpha = (1 - gamma) AA / (4 gamma eps).
    mdp, theta = case
    run = pg.conservative_policy_iteration(mdp, pg.softmax_policy(theta), 8)
    atol = TOL * scale(mdp)
    assert np.all(np.diff(run.J) >= -atol), run.J
    assert np.all((run.step_size >= 0) & (run.step_size <= 1))
    for k in range(8):
        pi, new = run.policies[k], run.policies[k + 1]
        A = pg.evaluate(mdp, pi).A
        greedy = np.eye(mdp.n_actions)[A.argmax(axis=1)]
        alpha = run.step_size[k]
        np.testing.assert_allclose(new, pg.mixture(pi, greedy, alpha), rtol=0, atol=1e-12)
        parts = pg.cpi_bound(mdp, pi, greedy, alpha)
        gain = run.J[k + 1] - run.J[k]
        assert gain >= parts.bound - atol
        # the theory's alpha makes the bound at least half the first-order gain
        assert parts.bound >= 0.5 * parts.surrogate - atol
    check_run_fields(mdp, run, atol)


def test_cpi_step_size_is_the_theorys():
    # Worked by hand on the tightrope from "stay": A(s0, leave) = g/(1-g) = eps, other A = 0,
    # d = delta_s0, so AA = eps and alpha = (1 - g) eps / (4 g eps) = (1 - g) / (4 g).
    for gamma, alpha in ((0.9, 0.1 / 3.6), (0.1, 1.0), (0.2, 1.0)):
        mdp = pg.tightrope_mdp(gamma=gamma)
        pi, _ = pg.tightrope_policies(0.0)
        run = pg.conservative_policy_iteration(mdp, pi, 1)
        assert run.step_size[0] == pytest.approx(alpha, rel=1e-12)
    # gamma = 0: the greedy step is exact, alpha = 1; at the optimum alpha = 0.
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(1), gamma=0.0)
    run = pg.conservative_policy_iteration(mdp, np.full((3, 2), 0.5), 2)
    np.testing.assert_array_equal(run.step_size, [1.0, 0.0])
    np.testing.assert_array_equal(run.policies[1], np.eye(2)[mdp.r.argmax(axis=1)])


@pytest.mark.parametrize("form", pg.TRPO_FORMS)
@given(case=mdp_and_theta())
@settings(max_examples=40, deadline=None)
def test_maximize_bound_never_decreases_j(form, case):
    mdp, theta = case
    run = pg.maximize_bound(mdp, theta, 5, form=form)
    atol = TOL * scale(mdp)
    assert np.all(np.diff(run.J) >= -atol), run.J
    for k in range(5):
        pi, new = run.policies[k], run.policies[k + 1]
        chosen = pg.trpo_bound(mdp, pi, new, form=form)
        assert chosen.bound >= -atol
        assert run.J[k + 1] - run.J[k] >= chosen.bound - atol
    if form == "theorem1":
        assert np.all(run.trpo_bound >= -atol)


def test_maximize_bound_takes_the_best_step_of_its_grid():
    rng = np.random.default_rng(7)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.6)
    theta = rng.normal(size=(4, 3))
    grid = np.array([0.01, 0.1, 0.3, 1.0, 3.0])
    run = pg.maximize_bound(mdp, theta, 1, steps=grid)
    pi = pg.softmax_policy(theta)
    A = pg.evaluate(mdp, pi).A
    u = A - (pi * A).sum(axis=1, keepdims=True)
    u /= np.abs(u).max()
    bounds = [pg.trpo_bound(mdp, pi, pg.softmax_policy(theta + s * u)).bound for s in [0.0, *grid]]
    assert run.step_size[0] == [0.0, *grid][int(np.argmax(bounds))]
    assert run.step_size[0] > 0
    np.testing.assert_allclose(
        run.policies[1], pg.softmax_policy(theta + run.step_size[0] * u), rtol=0, atol=1e-14
    )
    # default grid: from a uniform policy on a random MDP J increases strictly
    run = pg.maximize_bound(mdp, np.zeros((4, 3)), 3)
    assert np.all(np.diff(run.J) > 0)
    # at an optimum nothing has a positive bound: no step
    theta_opt = 40.0 * (pg.policy_iteration(mdp)[0] - 0.5)
    zero = pg.TabularMDP(mdp.P, np.zeros((4, 3)), mdp.p0, 0.6)
    run = pg.maximize_bound(zero, theta_opt, 2)
    np.testing.assert_array_equal(run.step_size, 0.0)
    np.testing.assert_array_equal(run.policies[2], run.policies[0])


def test_natural_policy_gradient_takes_the_natural_gradient_step():
    # Kakade (2001), Theorem 1: for the tabular softmax the natural gradient F^+ g is, in
    # each visited state, A^pi / (1 - gamma) up to a constant per state; the least-norm
    # solution removes the plain mean over actions. The step is alpha F^+ g with
    # alpha = sqrt(2 delta / g^T F^+ g), g = dJ/dtheta by central differences of J.
    rng = np.random.default_rng(3)
    mdp = pg.random_mdp(5, 3, rng=rng, gamma=0.8, branching=2)
    theta = rng.normal(size=(5, 3))
    delta, g, h = 1e-3, mdp.gamma, 1e-5

    def J(th):
        return float(mdp.p0 @ exact(mdp, pg.softmax_policy(th))[0])

    run = pg.natural_policy_gradient(mdp, theta, 4, delta=delta)
    th = theta.copy()
    for k in range(4):
        _, A, rho = exact(mdp, pg.softmax_policy(th))
        assert rho.min() > 1e-3  # every state visited: the closed form holds everywhere
        x = A / (1 - g)
        x = x - x.mean(axis=1, keepdims=True)
        grad = np.zeros_like(th)
        for idx in np.ndindex(th.shape):
            e = np.zeros_like(th)
            e[idx] = h
            grad[idx] = (J(th + e) - J(th - e)) / (2 * h)
        alpha = np.sqrt(2 * delta / np.sum(grad * x))
        assert run.step_size[k] == pytest.approx(alpha, rel=1e-7)
        th = th + alpha * x
        np.testing.assert_allclose(run.policies[k + 1], pg.softmax_policy(th), rtol=0, atol=1e-9)
    # for a small radius the true average KL is delta to second order
    np.testing.assert_allclose(run.mean_kl, 1e-3, rtol=0.1)
    assert np.all(np.diff(run.J) > 0)
    check_run_fields(mdp, run, TOL * scale(mdp))


def test_trpo_steps_respect_the_trust_region():
    rng = np.random.default_rng(4)
    mdp = pg.random_mdp(6, 3, rng=rng, gamma=0.9, branching=2)
    theta = rng.normal(size=(6, 3))
    delta = 0.02
    run = pg.trpo(mdp, theta, 12, delta=delta)
    assert np.all(run.mean_kl <= delta)
    moved = run.step_size > 0
    assert moved.sum() >= 6
    assert np.all(run.surrogate[moved] > 0)
    assert np.all(run.max_tv[~moved] == 0)
    check_run_fields(mdp, run, TOL * scale(mdp))
    # TRPO's practical steps mostly leave the region Theorem 1 guarantees
    assert np.mean(run.trpo_bound[moved] < 0) > 0.5


def test_trpo_step_is_the_natural_direction_scaled_to_the_radius():
    # Enough CG steps give x = F^-1 g (F from pg.fisher_matrix, g = policy gradient); the full
    # step beta x has quadratic KL 1/2 beta^2 x^T F x = delta, and the line search halves it
    # until the exact average KL is <= delta.
    rng = np.random.default_rng(5)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.7)
    theta = rng.normal(size=(4, 3))
    F = fisher_matrix(mdp, theta)
    g = pg.policy_gradient(mdp, theta).ravel()
    x_exact = np.linalg.pinv(F, rtol=1e-10, hermitian=True) @ g
    x_one = g * (g @ g) / (g @ F @ g)  # one CG step from 0: the gradient, line-searched
    for n_cg, x in ((40, x_exact), (1, x_one)):
        for delta in (1e-6, 1e-2):
            run = pg.trpo(mdp, theta, 1, delta=delta, cg_iterations=n_cg)
            beta = np.sqrt(2 * delta / (x @ F @ x))
            j = np.log2(beta / run.step_size[0])
            assert j == pytest.approx(round(j), abs=1e-6) and 0 <= round(j) <= 2, j
            expected = pg.softmax_policy(theta + run.step_size[0] * x.reshape(4, 3))
            np.testing.assert_allclose(run.policies[1], expected, rtol=0, atol=1e-9)
            assert run.mean_kl[0] <= delta
            assert run.mean_kl[0] >= delta / 4 ** (round(j) + 1)


def test_trpo_backtracks_and_can_refuse():
    rng = np.random.default_rng(6)
    mdp = pg.random_mdp(4, 2, rng=rng, gamma=0.9)
    theta = rng.normal(size=(4, 2))
    big = pg.trpo(mdp, theta, 1, delta=50.0, max_backtracks=20)
    F = fisher_matrix(mdp, theta)
    g = pg.policy_gradient(mdp, theta).ravel()
    x = np.linalg.pinv(F, rtol=1e-10, hermitian=True) @ g
    full_size = np.sqrt(2 * 50.0 / (x @ F @ x))
    ratio = big.step_size[0] / full_size
    assert ratio == pytest.approx(0.5 ** round(np.log2(1 / ratio)), rel=1e-6)
    assert big.mean_kl[0] <= 50.0
    # one backtrack of a huge radius with a tiny shrink: rejected only if the gain is not
    # positive or the KL too big; at a stationary point (zero rewards) nothing moves
    zero = pg.TabularMDP(mdp.P, np.zeros((4, 2)), mdp.p0, 0.9)
    run = pg.trpo(zero, theta, 2, delta=0.1)
    np.testing.assert_array_equal(run.step_size, 0.0)
    np.testing.assert_array_equal(run.J, 0.0)


def advantage(mdp, pi):
    """``A^pi = Q^pi - V^pi`` from the definitions (:func:`exact`)."""
    return exact(mdp, pi)[1]


def clipped_objective(mdp, pi, pi_new, states, actions, clip):
    """PPO's sampled clipped objective, one sample at a time (reference)."""
    A = advantage(mdp, pi)
    n, T = states.shape
    total = 0.0
    for i in range(n):
        for t in range(T):
            s, a = states[i, t], actions[i, t]
            r = pi_new[s, a] / pi[s, a]
            adv = A[s, a]
            total += mdp.gamma**t * min(r * adv, min(max(r, 1 - clip), 1 + clip) * adv)
    return total / n


def reference_ppo(mdp, theta, traj, *, clip, lr, epochs, h=1e-6):
    """One PPO iteration by gradient ascent on :func:`clipped_objective`, whose gradient is
    taken by central differences; returns the new logits and the ratio
    ``pi_new(a_t | s_t) / pi(a_t | s_t)`` of every sample at the start of every epoch,
    shape (epochs, n, T)."""
    pi = pg.softmax_policy(theta)
    th, ratios = theta.copy(), []
    for _ in range(epochs):
        new = pg.softmax_policy(th)
        ratios.append(new[traj.states, traj.actions] / pi[traj.states, traj.actions])
        grad = np.zeros_like(th)
        for idx in np.ndindex(th.shape):
            e = np.zeros_like(th)
            e[idx] = h
            f = [
                clipped_objective(
                    mdp, pi, pg.softmax_policy(th + sgn * e), traj.states, traj.actions, clip
                )
                for sgn in (1, -1)
            ]
            grad[idx] = (f[0] - f[1]) / (2 * h)
        th = th + lr * grad
    return th, np.array(ratios)


def away_from_the_edges(ratios, clip, margin=1e-4):
    """No ratio within ``margin`` of ``1 +- clip``: the central differences of the reference
    never straddle a kink of the clipped objective."""
    return bool(np.all(np.abs(np.abs(ratios - 1) - clip) > margin))


@pytest.mark.parametrize("epochs", [1, 3])
def test_ppo_ascends_the_clipped_objective(epochs):
    rng = np.random.default_rng(8)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=0.8)
    theta = rng.normal(size=(3, 2))
    lr, clip, n, T = 2.0, 0.1, 6, 5
    run = pg.ppo_clip(
        mdp,
        theta,
        1,
        rng=np.random.default_rng(9),
        clip=clip,
        n_trajectories=n,
        horizon=T,
        epochs=epochs,
        learning_rate=lr,
    )
    pi = pg.softmax_policy(theta)
    traj = pg.sample_trajectories(mdp, pi, n, rng=np.random.default_rng(9), horizon=T)
    th, ratios = reference_ppo(mdp, theta, traj, clip=clip, lr=lr, epochs=epochs)
    assert away_from_the_edges(ratios, clip)
    np.testing.assert_allclose(run.policies[1], pg.softmax_policy(th), rtol=0, atol=1e-7)
    np.testing.assert_array_equal(run.step_size, lr)


def test_ppo_clip_edges_are_active():
    # Both edges of the clip decide a step here. After the first epoch a sample with
    # positive advantage starts an epoch with its ratio in (1 + clip, 1 + 2 clip): it no
    # longer counts (an edge at 1 + 2 clip would still push it); a sample with negative
    # advantage starts one with its ratio in (1 - 2 clip, 1 - clip): likewise. Found by a
    # search over seeds (the first with both); the per-sample reference decides the step.
    rng = np.random.default_rng(0)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=0.8)
    theta = rng.normal(size=(3, 2))
    lr, clip, n, T, epochs = 2.0, 0.2, 6, 5, 4
    run = pg.ppo_clip(
        mdp,
        theta,
        1,
        rng=np.random.default_rng(100),
        clip=clip,
        n_trajectories=n,
        horizon=T,
        epochs=epochs,
        learning_rate=lr,
    )
    pi = pg.softmax_policy(theta)
    traj = pg.sample_trajectories(mdp, pi, n, rng=np.random.default_rng(100), horizon=T)
    adv = advantage(mdp, pi)[traj.states, traj.actions]
    th, ratios = reference_ppo(mdp, theta, traj, clip=clip, lr=lr, epochs=epochs)
    later = ratios[1:]
    assert np.any((adv > 0) & (later > 1 + clip) & (later < 1 + 2 * clip))  # upper edge
    assert np.any((adv < 0) & (later < 1 - clip) & (later > 1 - 2 * clip))  # lower edge
    assert away_from_the_edges(ratios, clip)
    np.testing.assert_allclose(run.policies[1], pg.softmax_policy(th), rtol=0, atol=1e-7)


def test_ppo_improves_and_is_seeded():
    rng = np.random.default_rng(10)
    mdp = pg.random_mdp(6, 3, rng=rng, gamma=0.9, branching=2)
    theta = np.zeros((6, 3))
    a = pg.ppo_clip(mdp, theta, 15, rng=np.random.default_rng(11))
    b = pg.ppo_clip(mdp, theta, 15, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(a.J, b.J)
    assert a.J[-1] > a.J[0] + 0.5 * (pg.expected_return(mdp, pg.policy_iteration(mdp)[0]) - a.J[0])
    check_run_fields(mdp, a, TOL * scale(mdp))
    # a tighter clip moves the policy less in one iteration
    small = pg.ppo_clip(mdp, theta, 1, rng=np.random.default_rng(11), clip=0.02, epochs=30)
    large = pg.ppo_clip(mdp, theta, 1, rng=np.random.default_rng(11), clip=0.5, epochs=30)
    assert small.max_tv[0] < large.max_tv[0]


def test_errors():
    mdp = pg.tightrope_mdp(gamma=0.9)
    theta = np.zeros((2, 2))
    pi = np.full((2, 2), 0.5)
    rng = np.random.default_rng(0)
    msg = "mdp.horizon must be None (the algorithms use the discounted case), got 3"
    with pytest.raises(ValueError, match=full(msg)):
        pg.trpo(mdp.with_horizon(3), theta, 1, delta=0.1)
    with pytest.raises(ValueError, match=full("n_iterations must be an integer >= 1, got 0")):
        pg.conservative_policy_iteration(mdp, pi, 0)
    with pytest.raises(ValueError, match=full("pi must have shape (2, 2), got (2, 3)")):
        pg.conservative_policy_iteration(mdp, np.full((2, 3), 1 / 3), 1)
    with pytest.raises(ValueError, match=full("delta must be > 0, got 0.0")):
        pg.natural_policy_gradient(mdp, theta, 1, delta=0.0)
    with pytest.raises(ValueError, match=full("delta must be > 0, got -1.0")):
        pg.trpo(mdp, theta, 1, delta=-1.0)
    with pytest.raises(ValueError, match=full("backtrack must lie in (0, 1), got 1.0")):
        pg.trpo(mdp, theta, 1, delta=0.1, backtrack=1.0)
    with pytest.raises(ValueError, match=full("backtrack must lie in (0, 1), got 0.0")):
        pg.trpo(mdp, theta, 1, delta=0.1, backtrack=0.0)
    with pytest.raises(ValueError, match=full("cg_iterations must be an integer >= 1, got 0")):
        pg.trpo(mdp, theta, 1, delta=0.1, cg_iterations=0)
    with pytest.raises(ValueError, match=full("max_backtracks must be an integer >= 1, got 0")):
        pg.trpo(mdp, theta, 1, delta=0.1, max_backtracks=0)
    with pytest.raises(ValueError, match=full("clip must be > 0, got 0.0")):
        pg.ppo_clip(mdp, theta, 1, rng=rng, clip=0.0)
    with pytest.raises(ValueError, match=full("learning_rate must be > 0, got -0.1")):
        pg.ppo_clip(mdp, theta, 1, rng=rng, learning_rate=-0.1)
    for name in ("n_trajectories", "horizon", "epochs"):
        with pytest.raises(ValueError, match=full(f"{name} must be an integer >= 1, got 0")):
            pg.ppo_clip(mdp, theta, 1, rng=rng, **{name: 0})
    with pytest.raises(
        ValueError,
        match=full(
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int"
        ),
    ):
        pg.ppo_clip(mdp, theta, 1, rng=0)
    with pytest.raises(
        ValueError, match=full("form must be one of ('theorem1', 'eq44', 'kl'), got 'tv'")
    ):
        pg.maximize_bound(mdp, theta, 1, form="tv")
    msg = "steps must hold at least one step length, got an empty array"
    with pytest.raises(ValueError, match=full(msg)):
        pg.maximize_bound(mdp, theta, 1, steps=[])
    with pytest.raises(ValueError, match=full("steps[1] is 0.0, expected > 0")):
        pg.maximize_bound(mdp, theta, 1, steps=[0.1, 0.0])
    with pytest.raises(
        ValueError, match=full("theta must have shape (2, 2) to fit the MDP, got (3, 2)")
    ):
        pg.maximize_bound(mdp, np.zeros((3, 2)), 1)
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got str")):
        alg.natural_policy_gradient("mdp", theta, 1, delta=0.1)


def unreachable_mdp(rng, gamma=0.5):
    """A random MDP whose last state is never reached (from p0 or any transition)."""
    S, A = 4, 2
    P = rng.dirichlet(np.ones(S - 1), size=(S, A))
    P = np.concatenate([P, np.zeros((S, A, 1))], axis=-1)
    p0 = np.array([0.5, 0.5, 0.0, 0.0])
    return pg.TabularMDP(P, rng.uniform(size=(S, A)), p0, gamma)


def test_unvisited_states_count_nowhere():
    rng = np.random.default_rng(20)
    mdp = unreachable_mdp(rng, gamma=0.0)
    # An infinite KL in a state the old policy never visits counts nowhere (no NaN from
    # 0 * inf, no warning): the average KL sums over visited states only.
    d = pg.discounted_visitation(mdp, np.full((4, 2), 0.5))
    assert d[3] == 0 and d[0] > 0
    pi = np.full((1, 4, 2), 0.5)
    new = pi.copy()
    new[0, 3] = [1.0, 0.0]
    new[0, 0] = [0.7, 0.3]
    want = d[0] * pg.kl_divergence(pi[0], new[0])[0]
    np.testing.assert_allclose(pg.average_kl_rows(d[None], pi, new), [want], rtol=1e-14)
    # PPO never samples the unreachable state: its logits there are left alone
    ppo = pg.ppo_clip(pg.TabularMDP(mdp.P, mdp.r, mdp.p0, 0.5), np.zeros((4, 2)), 2, rng=rng)
    np.testing.assert_array_equal(ppo.policies[-1][3], [0.5, 0.5])


def test_defaults_are_the_documented_values():
    rng = np.random.default_rng(21)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.8)
    theta = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(
        pg.maximize_bound(mdp, theta, 2).J,
        pg.maximize_bound(mdp, theta, 2, steps=np.geomspace(1e-3, 10.0, 60)).J,
    )
    np.testing.assert_array_equal(
        pg.trpo(mdp, theta, 2, delta=0.05).J,
        pg.trpo(mdp, theta, 2, delta=0.05, cg_iterations=10, max_backtracks=10).J,
    )
    a = pg.ppo_clip(mdp, theta, 2, rng=np.random.default_rng(1))
    b = pg.ppo_clip(
        mdp,
        theta,
        2,
        rng=np.random.default_rng(1),
        clip=0.2,
        n_trajectories=32,
        horizon=50,
        epochs=10,
        learning_rate=1.0,
    )
    np.testing.assert_array_equal(a.J, b.J)


def test_ppo_clips_small_positive_advantages():
    # Rewards in [0, 1] and gamma = 0.5: |A| < 2, many positive advantages below 1. With a
    # big learning rate the ratio leaves [1 - clip, 1 + clip] after the first epoch (with
    # lr = 20 it only reached 1.094); the per-sample reference objective
    # (clipped_objective) decides which samples still count.
    rng = np.random.default_rng(22)
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=0.5)
    theta = rng.normal(size=(3, 2))
    lr, clip, n, T, epochs = 40.0, 0.1, 5, 4, 4
    run = pg.ppo_clip(
        mdp,
        theta,
        1,
        rng=np.random.default_rng(3),
        clip=clip,
        n_trajectories=n,
        horizon=T,
        epochs=epochs,
        learning_rate=lr,
    )
    pi = pg.softmax_policy(theta)
    traj = pg.sample_trajectories(mdp, pi, n, rng=np.random.default_rng(3), horizon=T)
    A = advantage(mdp, pi)
    assert np.any((A > 0) & (A < 1))
    th, ratios = reference_ppo(mdp, theta, traj, clip=clip, lr=lr, epochs=epochs)
    assert away_from_the_edges(ratios, clip)
    np.testing.assert_allclose(run.policies[1], pg.softmax_policy(th), rtol=0, atol=1e-6)
    # the clip was reached: a sample with a small positive advantage starts an epoch past
    # 1 + clip (within 1 + 2 clip), where it no longer counts
    adv = A[traj.states, traj.actions]
    small = (adv > 0) & (adv < 1)
    assert np.any(small & (ratios[1:] > 1 + clip) & (ratios[1:] < 1 + 2 * clip))


def test_trpo_takes_the_first_acceptable_candidate():
    # Near-deterministic logits and a large radius: the quadratic model of the KL is poor and
    # the line search halves the step twice (found by a search over seeds).
    rng = np.random.default_rng(2)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.9)
    theta = rng.normal(size=(4, 3)) * 3
    delta = 1.0
    deep = pg.trpo(mdp, theta, 1, delta=delta, max_backtracks=30)
    F = fisher_matrix(mdp, theta)
    g = pg.policy_gradient(mdp, theta).ravel()
    x = np.linalg.pinv(F, rtol=1e-10, hermitian=True) @ g
    beta = np.sqrt(2 * delta / (x @ F @ x))
    j = round(np.log2(beta / deep.step_size[0]))
    assert j >= 2, j
    pi = pg.softmax_policy(theta)
    for i in range(j):  # every larger candidate fails: KL too big or no gain
        cand = pg.softmax_policy(theta + beta * 0.5**i * x.reshape(4, 3))
        fails = average_kl(mdp, pi, cand) > delta or pg.surrogate_advantage(mdp, pi, cand) <= 0
        assert fails, i
    # with exactly j backtracks the step is found; with j - 1 there is none
    assert pg.trpo(mdp, theta, 1, delta=delta, max_backtracks=j).step_size[0] == pytest.approx(
        deep.step_size[0], rel=1e-12
    )
    np.testing.assert_array_equal(
        pg.trpo(mdp, theta, 1, delta=delta, max_backtracks=j - 1).step_size, 0.0
    )
    small = pg.trpo(mdp, theta, 1, delta=1e-8, max_backtracks=1)
    assert small.step_size[0] > 0


def test_conjugate_gradient_solves_to_its_tolerance():
    rng = np.random.default_rng(24)
    mdp = pg.random_mdp(5, 3, rng=rng, gamma=0.8)
    theta = rng.normal(size=(5, 3))
    pi = pg.softmax_policy(theta)
    d = pg.discounted_visitation(mdp, pi)
    g = pg.policy_gradient(mdp, theta)
    x = alg._conjugate_gradient(d, pi, g, 100)
    F = fisher_matrix(mdp, theta)
    residual = np.abs(F @ x.ravel() - g.ravel()).max()
    assert residual <= 1e-9 * np.abs(g).max()
    assert (
        np.abs(x.ravel() - np.linalg.pinv(F, rtol=1e-10, hermitian=True) @ g.ravel()).max() < 1e-8
    )


def test_maximize_bound_stays_when_every_step_is_too_long():
    rng = np.random.default_rng(25)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.9)
    theta = rng.normal(size=(4, 3))
    run = pg.maximize_bound(mdp, theta, 2, steps=[30.0, 50.0])
    np.testing.assert_array_equal(run.step_size, 0.0)
    np.testing.assert_array_equal(run.policies[2], run.policies[0])


def test_softmax_of_large_logits():
    from pgtheory.core.policies import softmax

    out = softmax(np.array([[1000.0, 0.0], [-1000.0, -999.0]]))
    np.testing.assert_allclose(out, [[1.0, 0.0], [1 / (1 + np.e), np.e / (1 + np.e)]], atol=1e-15)


def test_more_argument_errors():
    mdp = pg.tightrope_mdp(gamma=0.9)
    theta = np.zeros((2, 2))
    with pytest.raises(ValueError, match=full("delta must be a real number, got str 'x'")):
        pg.trpo(mdp, theta, 1, delta="x")
    with pytest.raises(ValueError, match=full("backtrack must be a real number, got str 'x'")):
        pg.trpo(mdp, theta, 1, delta=0.1, backtrack="x")
    with pytest.raises(ValueError, match=full("steps[0] is nan, expected a finite number")):
        pg.maximize_bound(mdp, theta, 1, steps=[float("nan")])
    msg = "steps must have 1 dimension(s), got shape (1, 1) (2 dimension(s))"
    with pytest.raises(ValueError, match=full(msg)):
        pg.maximize_bound(mdp, theta, 1, steps=[[0.1]])
