"""Tests for pgtheory.examples: the chapters' worked examples and the numbers they print.

The examples of slides S3, S4, S5, S6 and S9 share one draw (slide S3's MDP and policy);
the tests check that they do, and check each example's numbers against computations
written out here, from the trajectories or the exact marginals, not with the function the
example calls.
"""

import re

import numpy as np
import pytest

import pgtheory as pg


def _exactly(message):
    return f"^{re.escape(message)}$"


def _log_policy_step(pi, pi_new):
    """``log pi_new - log pi`` with each state's mean removed (softmax logits' freedom)."""
    step = np.log(pi_new) - np.log(pi)
    return step - step.mean(axis=1, keepdims=True)


@pytest.mark.parametrize("gamma", [0.5, 0.9])
def test_pdl_example_moves_the_logits_along_one_direction(gamma):
    mdp, pi, pi_one = pg.examples.pdl_example(1.0, gamma)
    _, pi_same, pi_half = pg.examples.pdl_example(0.5, gamma)
    assert (mdp.n_states, mdp.n_actions, mdp.gamma) == (6, 3, gamma)
    np.testing.assert_array_equal(pi, pi_same)
    # theta' = theta + distance * d: the logit step scales with the distance.
    step = _log_policy_step(pi, pi_one)
    np.testing.assert_allclose(_log_policy_step(pi, pi_half), step / 2, rtol=0, atol=1e-12)
    assert np.abs(step).max() > 0.1  # a real step, not the same policy
    # Another seed draws another MDP.
    other, _, _ = pg.examples.pdl_example(1.0, gamma, seed=1)
    assert not np.allclose(other.P, mdp.P)


def test_pdl_example_distance_zero_is_the_same_policy():
    mdp, pi, pi_new = pg.examples.pdl_example(0.0, 0.5)
    np.testing.assert_array_equal(pi, pi_new)
    assert mdp.gamma == 0.5 and mdp.n_states == 6 and mdp.n_actions == 3


def test_the_s6_and_s9_examples_are_the_s3_example():
    mdp, pi, _ = pg.examples.pdl_example(1.0, 0.9)
    mdp6, theta, d = pg.examples.mismatch_example(0)
    np.testing.assert_array_equal(mdp6.P, mdp.P)
    np.testing.assert_array_equal(mdp6.r, mdp.r)
    np.testing.assert_allclose(pg.softmax_policy(theta), pi, rtol=0, atol=1e-15)
    assert theta.shape == d.shape == (6, 3)
    # The direction depends on the seed, the MDP and theta do not.
    mdp6b, theta_b, d_b = pg.examples.mismatch_example(1)
    np.testing.assert_array_equal(mdp6b.P, mdp.P)
    np.testing.assert_array_equal(theta_b, theta)
    assert not np.allclose(d_b, d)
    for gamma in (0.5, 0.9):
        mdp9, pi9, target = pg.examples.bound_example(gamma)
        np.testing.assert_array_equal(mdp9.P, mdp.P)
        assert mdp9.gamma == gamma
        np.testing.assert_allclose(pi9, pi, rtol=0, atol=1e-15)
        # The target is greedy in pi's advantage: deterministic, on argmax_a A(s, a).
        A = pg.evaluate(mdp9, pi9).A
        np.testing.assert_array_equal(target, np.eye(3)[A.argmax(axis=1)])


def test_finite_horizon_numbers_are_the_returns_difference_and_its_two_sums():
    gamma, H = 0.9, 8
    T, lhs, time_indexed, stationary = pg.examples.finite_horizon_numbers(gamma, max_horizon=H)
    np.testing.assert_array_equal(T, np.arange(1, H + 1))
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, gamma)
    for h in (1, 5, H):
        finite = mdp.with_horizon(h)
        want = pg.expected_return(finite, pi_new) - pg.expected_return(finite, pi)
        assert lhs[h - 1] == pytest.approx(want, abs=1e-12)
    np.testing.assert_allclose(time_indexed, lhs, rtol=0, atol=1e-12)  # the lemma holds
    # The stationary sum, written out: sum_t gamma^t E_{s ~ p'_t} E_{a ~ pi'} A(s, a).
    A = pg.evaluate(mdp, pi).A
    p = mdp.p0.copy()
    terms = []
    for t in range(H):
        terms.append(gamma**t * p @ (pi_new * A).sum(axis=1))
        p = p @ np.einsum("sa,sat->st", pi_new, mdp.P)
    np.testing.assert_allclose(stationary, np.cumsum(terms), rtol=0, atol=1e-12)
    assert np.abs(stationary - lhs).max() > 1e-3  # the boundary term of the slide's erratum


def _kish(w):
    return w.sum(axis=0) ** 2 / (w**2).sum(axis=0)


def test_ess_numbers_from_the_trajectories():
    n, H = 400, 6
    per_step, prefix = pg.examples.ess_numbers(1.0, n=n, horizon=H, seed=3)
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.9)
    tr = pg.sample_trajectories(mdp.with_horizon(H), pi, n, rng=np.random.default_rng(3))
    ratio = pi_new[tr.states, tr.actions] / pi[tr.states, tr.actions]  # (n, H)
    np.testing.assert_allclose(per_step, _kish(ratio) / n, rtol=1e-12)
    np.testing.assert_allclose(prefix, _kish(np.cumprod(ratio, axis=1)) / n, rtol=1e-12)
    assert prefix[-1] < per_step[-1]  # products degenerate faster than single ratios
    same, same_prefix = pg.examples.ess_numbers(0.0, n=50, horizon=3)
    np.testing.assert_allclose(same, 1.0, rtol=1e-12)
    np.testing.assert_allclose(same_prefix, 1.0, rtol=1e-12)


def test_update_runs_are_the_three_updates_of_the_greedy_decrease_example():
    runs = pg.examples.update_runs(5)
    assert list(runs) == ["greedy", "quadratic", "range"]
    mdp, pi = pg.greedy_decrease_example()
    J0 = pg.expected_return(mdp, pi)
    for name, run in runs.items():
        assert len(run.J) == 6, name
        assert run.J[0] == pytest.approx(J0, abs=1e-12), name
    assert np.diff(runs["greedy"].J).min() < -0.1  # a greedy step lowers J (slide S9)
    for name in ("quadratic", "range"):  # steps that maximize a valid bound never do
        assert np.all(np.diff(runs[name].J) >= -1e-12), name
    np.testing.assert_array_equal(
        runs["range"].J, pg.conservative_update(mdp, pi, 5, form="range").J
    )


@pytest.mark.parametrize("eps", [0.0, 0.05, 0.3, 0.5, 0.6])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_coupling_example_has_max_tv_eps_and_a_stochastic_pi(eps, seed):
    mdp, pi, pi_new = pg.examples.coupling_example(eps, "random", seed)
    assert mdp.n_states == 5 and mdp.n_actions == 3 and mdp.gamma == 0.9
    tv = 0.5 * np.abs(pi_new - pi).sum(axis=1)
    assert tv.max() == pytest.approx(eps, abs=1e-12)
    assert np.all(pi > 0) and np.all(pi < 1)  # stochastic, not S7's deterministic case
    # pi_new moves towards pi's least likely action in every state.
    least = np.argmin(pi, axis=1)
    assert np.all(pi_new[np.arange(5), least] >= pi[np.arange(5), least] - 1e-15)
    # The seed fixes the MDP and pi; eps only moves pi_new.
    mdp2, pi2, _ = pg.examples.coupling_example(0.2, "random", seed)
    np.testing.assert_array_equal(mdp.P, mdp2.P)
    np.testing.assert_array_equal(pi, pi2)


def test_coupling_example_tightrope_and_errors():
    mdp, _pi, pi_new = pg.examples.coupling_example(0.25, "tightrope")
    np.testing.assert_array_equal(mdp.P, pg.tightrope_mdp().P)
    np.testing.assert_array_equal(pi_new, pg.tightrope_policies(0.25)[1])
    with pytest.raises(ValueError, match=_exactly("mdp must be 'tightrope' or 'random', got 'x'")):
        pg.examples.coupling_example(0.1, "x")
    with pytest.raises(ValueError, match=_exactly("eps must lie in [0, 1], got 1.5")):
        pg.examples.coupling_example(1.5)
    with pytest.raises(ValueError, match=r"^eps must be <= 0\.\d{4} for seed 0, got 0\.99$"):
        pg.examples.coupling_example(0.99, "random", 0)
    with pytest.raises(ValueError, match=_exactly("seed must be an integer >= 0, got -1")):
        pg.examples.coupling_example(0.1, "random", -1)
    with pytest.raises(ValueError, match=_exactly("seed must be an integer >= 0, got True")):
        pg.examples.coupling_example(0.1, "random", True)


def test_guarantee_example_changes_only_gamma():
    a, pi_a, pp_a = pg.examples.guarantee_example(0.9)
    b, pi_b, _ = pg.examples.guarantee_example(0.5)
    np.testing.assert_array_equal(a.P, b.P)
    np.testing.assert_array_equal(pi_a, pi_b)
    assert (a.gamma, b.gamma) == (0.9, 0.5) and a.horizon is None
    A = pg.evaluate(a, pi_a).A
    np.testing.assert_array_equal(pp_a, np.eye(3)[A.argmax(axis=1)])


# The examples are their draws: each chapter's text depends on exactly these MDPs and
# policies. The draws are written out here from the chapters' description (seed, sizes,
# order of the draws), with the library's public samplers.


def test_pdl_example_is_the_seeded_draw_of_slide_s3():
    rng = np.random.default_rng(0)
    mdp = pg.random_mdp(6, 3, rng=rng, gamma=0.9)
    theta, d = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    got, pi, pi_new = pg.examples.pdl_example()  # distance 1, gamma 0.9, seed 0
    np.testing.assert_array_equal(got.P, mdp.P)
    np.testing.assert_array_equal(got.r, mdp.r)
    assert got.gamma == 0.9
    np.testing.assert_allclose(pi, pg.softmax_policy(theta), rtol=0, atol=1e-15)
    np.testing.assert_allclose(pi_new, pg.softmax_policy(theta + d), rtol=0, atol=1e-15)
    _, _, far = pg.examples.pdl_example(2.5, 0.9)
    np.testing.assert_allclose(far, pg.softmax_policy(theta + 2.5 * d), rtol=0, atol=1e-15)


def test_mismatch_example_direction_is_drawn_with_seed_100_plus_seed():
    for seed in (0, 3):
        _, _, d = pg.examples.mismatch_example(seed)
        want = np.random.default_rng(100 + seed).normal(size=(6, 3))
        np.testing.assert_array_equal(d, want)
    np.testing.assert_array_equal(
        pg.examples.mismatch_example()[2], pg.examples.mismatch_example(0)[2]
    )


def test_finite_horizon_numbers_defaults_and_discount():
    T, lhs, _, _ = pg.examples.finite_horizon_numbers(0.9)
    np.testing.assert_array_equal(T, np.arange(1, 31))  # horizons 1..30 by default
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.5)
    finite = mdp.with_horizon(3)
    _, lhs_half, _, _ = pg.examples.finite_horizon_numbers(0.5, max_horizon=3)
    want = pg.expected_return(finite, pi_new) - pg.expected_return(finite, pi)
    assert lhs_half[-1] == pytest.approx(want, abs=1e-12)  # the discount is passed on
    _, lhs_seed, _, _ = pg.examples.finite_horizon_numbers(0.9, max_horizon=3, seed=1)
    assert not np.allclose(lhs_seed, lhs[:3])  # and the seed


def test_ess_numbers_defaults():
    per_step, prefix = pg.examples.ess_numbers(1.0)
    assert per_step.shape == prefix.shape == (20,)  # horizon 20
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.9)
    tr = pg.sample_trajectories(mdp.with_horizon(20), pi, 2000, rng=np.random.default_rng(0))
    ratio = pi_new[tr.states, tr.actions] / pi[tr.states, tr.actions]
    np.testing.assert_allclose(per_step, _kish(ratio) / 2000, rtol=1e-12)


def test_coupling_example_defaults_are_the_random_mdp_with_seed_0():
    model, pi, pi_new = pg.examples.coupling_example()
    rng = np.random.default_rng(0)
    want = pg.random_mdp(5, 3, rng=rng, concentration=0.1)
    np.testing.assert_array_equal(model.P, want.P)
    np.testing.assert_array_equal(pi, pg.softmax_policy(rng.normal(size=(5, 3))))
    assert pg.max_tv_distance(pi, pi_new) == pytest.approx(0.1, abs=1e-12)
    # eps up to the largest reachable TV is allowed, exactly at it too.
    target = pg.deterministic_policy(np.argmin(pi, axis=1), 3)
    reach = pg.max_tv_distance(pi, target)
    _, _, at_reach = pg.examples.coupling_example(reach, "random", 0)
    np.testing.assert_allclose(at_reach, target, rtol=0, atol=1e-12)


def test_guarantee_example_is_the_sparse_seeded_draw():
    mdp, pi, _ = pg.examples.guarantee_example()
    rng = np.random.default_rng(13)
    want = pg.random_mdp(6, 3, rng=rng, gamma=0.9, branching=2)
    np.testing.assert_array_equal(mdp.P, want.P)
    assert mdp.gamma == 0.9
    assert np.all((mdp.P > 0).sum(axis=2) == 2)  # two successors per state and action
    np.testing.assert_array_equal(pi, pg.softmax_policy(rng.normal(size=(6, 3))))


def test_bound_example_and_update_runs_defaults():
    mdp, _, _ = pg.examples.bound_example()
    assert mdp.gamma == 0.9
    runs = pg.examples.update_runs()
    assert all(len(run.J) == 21 for run in runs.values())  # 20 iterations by default
