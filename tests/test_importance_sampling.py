"""Tests for pgtheory.pg_as_pi.importance_sampling (slide S5; Owen 2013, Ch. 9; Kish 1965)."""

import re

import brute_force as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_performance_difference import pdl_cases

import pgtheory as pg

TOL = 1e-10


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


# ------------------------------------------------------------------- closed forms


def test_weights_and_estimators_by_hand():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])
    x = np.array([0, 2, 1, 2])
    w = pg.importance_weights(p, q, x)
    np.testing.assert_array_equal(w, [2.0, 0.0, 2.0, 0.0])
    f = np.array([1.0, 5.0, 3.0, 7.0])
    assert pg.ordinary_importance_sampling(w, f) == pytest.approx(2.0, abs=1e-15)  # (2+6)/4
    assert pg.self_normalized_importance_sampling(w, f) == pytest.approx(2.0, abs=1e-15)
    assert pg.effective_sample_size(w) == pytest.approx(2.0, abs=1e-15)  # 16 / 8
    # 2-d input: one estimate per row.
    w2 = np.array([[1.0, 1.0, 1.0], [3.0, 0.0, 1.0]])
    f2 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 5.0]])
    np.testing.assert_allclose(
        pg.ordinary_importance_sampling(w2, f2), [2.0, 8 / 3], rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(
        pg.self_normalized_importance_sampling(w2, f2), [2.0, 2.0], rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(pg.effective_sample_size(w2), [3.0, 1.6], rtol=0, atol=1e-15)
    assert pg.importance_weights(p, q, np.array([[0, 1]])).shape == (1, 2)


@given(
    st.lists(st.one_of(st.just(0.0), st.floats(1e-100, 1e3)), min_size=1, max_size=50).filter(
        lambda w: sum(w) > 0
    ),
    st.floats(1e-3, 1e3),
)
@settings(max_examples=200, deadline=None)
def test_effective_sample_size_range_and_scale_invariance(w, c):
    w = np.array(w)
    ess = pg.effective_sample_size(w)
    assert 1.0 - 1e-12 <= ess <= w.size + 1e-9
    assert pg.effective_sample_size(c * w) == pytest.approx(ess, rel=1e-9)
    assert pg.effective_sample_size(np.ones(w.size)) == pytest.approx(w.size, rel=1e-15)


def test_effective_sample_size_rows_of_very_different_scales():
    # Each row is normalized by its own largest weight: no row underflows to all zeros.
    w = np.array([[1e-300, 1e-300, 0.0], [1e300, 1e300, 1e300]])
    np.testing.assert_allclose(pg.effective_sample_size(w), [2.0, 3.0], rtol=1e-15)


def test_self_normalized_is_exact_for_constants_and_stays_in_range():
    rng = np.random.default_rng(2)
    w = rng.exponential(size=(50, 7))
    np.testing.assert_allclose(
        pg.self_normalized_importance_sampling(w, np.full((50, 7), 3.0)), 3.0, rtol=0, atol=1e-14
    )
    f = rng.normal(size=(50, 7))
    est = pg.self_normalized_importance_sampling(w, f)
    assert np.all(est <= f.max(axis=1) + 1e-14) and np.all(est >= f.min(axis=1) - 1e-14)


def test_ordinary_unbiased_self_normalized_biased_by_enumeration():
    # n = 2 draws from q over 3 outcomes: exact expectations by enumerating all 9 samples.
    p, q = np.array([0.7, 0.2, 0.1]), np.array([0.2, 0.3, 0.5])
    f = np.array([1.0, -2.0, 4.0])
    target = p @ f
    mean_ord = mean_sn = 0.0
    for i in range(3):
        for j in range(3):
            x = np.array([i, j])
            w = pg.importance_weights(p, q, x)
            mean_ord += q[i] * q[j] * pg.ordinary_importance_sampling(w, f[x])
            mean_sn += q[i] * q[j] * pg.self_normalized_importance_sampling(w, f[x])
    assert mean_ord == pytest.approx(target, abs=1e-14)
    assert abs(mean_sn - target) > 0.05


def test_monte_carlo_ordinary_within_clt_and_self_normalized_lower_variance():
    rng = np.random.default_rng(4)
    p = np.array([0.05, 0.05, 0.1, 0.8])
    q = np.full(4, 0.25)
    f = np.array([1.0, 2.0, 3.0, 4.0])
    x = rng.choice(4, p=q, size=(4000, 20))
    w = pg.importance_weights(p, q, x)
    ordinary = pg.ordinary_importance_sampling(w, f[x])
    sn = pg.self_normalized_importance_sampling(w, f[x])
    z = (ordinary.mean() - p @ f) / (ordinary.std(ddof=1) / np.sqrt(ordinary.size))
    assert abs(z) < 4.0
    assert sn.var() < 0.5 * ordinary.var()


# --------------------------------------------------------------- policies and trajectories


@given(pdl_cases())
@settings(max_examples=200, deadline=None)
def test_per_step_rewrite_on_random_mdps(case):
    mdp, pi, pi_new = case
    pi = 0.5 * pi + 0.5 / pi.shape[1]  # full support, so the ratio is defined
    T = mdp.horizon or 600
    terms = pg.per_step_terms(mdp, pi, pi_new, horizon=None if mdp.horizon else T)
    assert terms.on_policy.shape == terms.importance_weighted.shape == (T,)
    np.testing.assert_allclose(terms.on_policy, terms.importance_weighted, rtol=0, atol=TOL)
    _, rhs = pg.performance_difference(mdp, pi, pi_new)
    tail = (mdp.gamma**T) * np.abs(pg.evaluate(mdp, pi).A).max() / (1 - mdp.gamma + 1e-300)
    assert abs(terms.on_policy.sum() - rhs) <= TOL + (tail if mdp.horizon is None else 0)


def test_per_step_terms_match_enumeration():
    rng = np.random.default_rng(9)
    T, gamma = 3, 0.8
    mdp = pg.random_mdp(3, 2, rng=rng, gamma=gamma, horizon=T)
    pi, pi_new = rng.dirichlet(np.ones(2), size=3), rng.dirichlet(np.ones(2), size=3)
    V, Q = bf.time_indexed_values(mdp.P, mdp.r, pi, T, gamma)
    A = Q - V[:, :, None]
    for t in range(T):
        ref = bf.trajectory_expectation(
            mdp.P, mdp.p0, pi_new, T, lambda s, a, t=t: gamma**t * A[t, s[t], a[t]]
        )
        terms = pg.per_step_terms(mdp, pi, pi_new)
        assert terms.on_policy[t] == pytest.approx(ref, abs=TOL)
        assert terms.importance_weighted[t] == pytest.approx(ref, abs=TOL)


def test_per_step_terms_with_zeros_where_pi_new_is_zero():
    # pi = 0 where pi_new = 0 is allowed: the ratio is never needed there.
    mdp = pg.random_mdp(2, 3, rng=np.random.default_rng(1), horizon=4)
    pi = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]])
    pi_new = np.array([[0.0, 0.9, 0.1], [0.6, 0.0, 0.4]])
    terms = pg.per_step_terms(mdp, pi, pi_new)
    np.testing.assert_allclose(terms.on_policy, terms.importance_weighted, rtol=0, atol=TOL)
    assert np.all(np.isfinite(terms.importance_weighted))


def test_action_and_trajectory_ratios_by_hand():
    mdp = pg.random_mdp(2, 2, rng=np.random.default_rng(0), horizon=3)
    pi = np.array([[0.5, 0.5], [0.25, 0.75]])
    pi_new = np.array([[0.9, 0.1], [0.5, 0.5]])
    states = np.array([[0, 1, 1], [1, 0, 0]])
    actions = np.array([[0, 0, 1], [1, 1, 0]])
    tr = pg.Trajectories(states, actions, mdp.r[states, actions], np.zeros((2, 3)))
    expected = np.array([[1.8, 2.0, 2 / 3], [2 / 3, 0.2, 1.8]])
    np.testing.assert_allclose(pg.action_ratios(mdp, pi, pi_new, tr), expected, rtol=1e-15)
    np.testing.assert_allclose(
        pg.trajectory_ratios(mdp, pi, pi_new, tr), np.cumprod(expected, axis=1), rtol=1e-15
    )


def test_trajectory_ratios_are_likelihood_ratios():
    # Whole-trajectory weight = p_{pi_new}(tau) / p_pi(tau) (dynamics cancel): enumeration.
    rng = np.random.default_rng(21)
    T = 3
    mdp = pg.random_mdp(2, 2, rng=rng, horizon=T)
    pi, pi_new = rng.dirichlet(np.ones(2), size=2), rng.dirichlet(np.ones(2), size=2)
    probs = {(s, a): p for s, a, p in bf.trajectories(mdp.P, mdp.p0, pi, T)}
    probs_new = {(s, a): p for s, a, p in bf.trajectories(mdp.P, mdp.p0, pi_new, T)}
    keys = list(probs)
    states, actions = np.array([k[0] for k in keys]), np.array([k[1] for k in keys])
    tr = pg.Trajectories(states, actions, mdp.r[states, actions], np.zeros(states.shape))
    w = pg.trajectory_ratios(mdp, pi, pi_new, tr)[:, -1]
    np.testing.assert_allclose(w, [probs_new[k] / probs[k] for k in keys], rtol=1e-12)
    assert np.dot([probs[k] for k in keys], w) == pytest.approx(1.0, abs=1e-12)


def test_whole_trajectory_weights_collapse_the_effective_sample_size():
    rng = np.random.default_rng(30)
    mdp = pg.random_mdp(4, 3, rng=rng, horizon=20)
    pi = pg.uniform_policy(4, 3)
    pi_new = np.tile([0.8, 0.1, 0.1], (4, 1))
    tr = pg.sample_trajectories(mdp, pi, 2000, rng=rng)
    w = pg.trajectory_ratios(mdp, pi, pi_new, tr)
    ess = pg.effective_sample_size(w.T)  # per time step, over trajectories
    assert ess.shape == (20,)
    assert ess[0] > 0.5 * 2000 and ess[-1] < 0.05 * 2000
    assert np.all(np.diff(ess[:5]) < 0)


# ----------------------------------------------------------------------------- errors


def test_importance_weights_errors():
    p, q = np.array([0.5, 0.5]), np.array([1.0, 0.0])
    with pytest.raises(
        ValueError, match=full("samples[1] is 1 where q is 0; samples must be drawn from q")
    ):
        pg.importance_weights(p, q, [0, 1])
    with pytest.raises(
        ValueError, match=full("p and q must have the same shape, got (2,) and (3,)")
    ):
        pg.importance_weights(p, [0.2, 0.3, 0.5], [0])
    with pytest.raises(ValueError, match=full("q sums to 0.9, expected 1 (atol=1e-08)")):
        pg.importance_weights(p, [0.5, 0.4], [0])
    with pytest.raises(ValueError, match=full("p sums to 1.1, expected 1 (atol=1e-08)")):
        pg.importance_weights([0.5, 0.6], q, [0])
    with pytest.raises(
        ValueError, match=full("p must have 1 dimension(s), got shape (1, 2) (2 dimension(s))")
    ):
        pg.importance_weights([p], q, [0])
    with pytest.raises(ValueError, match=full("samples[0, 1] is 2, expected an integer in [0, 2)")):
        pg.importance_weights(p, q, [[0, 2]])
    with pytest.raises(ValueError, match=full("samples must hold integers, got dtype float64")):
        pg.importance_weights(p, q, [0.0])
    with pytest.raises(ValueError, match=full("q[1] is -0.5, expected >= 0")):
        pg.importance_weights(p, [1.5, -0.5], [0])
    with pytest.raises(ValueError, match=full("q[1] is nan, expected a finite number")):
        pg.importance_weights(p, [1.0, np.nan], [0])
    with pytest.raises(
        ValueError, match=full("q must have 1 dimension(s), got shape (1, 2) (2 dimension(s))")
    ):
        pg.importance_weights(p, [q], [0])


@pytest.mark.parametrize(
    "fn",
    [
        pg.effective_sample_size,
        lambda w: pg.ordinary_importance_sampling(w, np.ones(np.shape(w))),
        lambda w: pg.self_normalized_importance_sampling(w, np.ones(np.shape(w))),
    ],
)
def test_weight_errors(fn):
    with pytest.raises(ValueError, match=full("weights[1] is -1, expected >= 0")):
        fn([1.0, -1.0])
    with pytest.raises(ValueError, match=full("weights[0] is inf, expected a finite number")):
        fn([np.inf, 1.0])
    with pytest.raises(
        ValueError,
        match=full("weights must have at least one sample on its last axis, got shape (0,)"),
    ):
        fn(np.zeros(0))
    with pytest.raises(
        ValueError,
        match=full("weights must have at least one sample on its last axis, got shape ()"),
    ):
        fn(1.0)


@pytest.mark.parametrize(
    "fn",
    [
        pg.effective_sample_size,
        lambda w: pg.self_normalized_importance_sampling(w, np.ones(np.shape(w))),
    ],
)
def test_all_zero_weights(fn):
    with pytest.raises(
        ValueError, match=full("weights are all 0, expected at least one positive weight")
    ):
        fn([0.0, 0.0])
    with pytest.raises(
        ValueError, match=full("weights[1, :] are all 0, expected at least one positive weight")
    ):
        fn([[1.0, 0.0], [0.0, 0.0]])
    # The ordinary estimator is defined (0) for all-zero weights.
    assert pg.ordinary_importance_sampling([0.0, 0.0], [1.0, 2.0]) == 0.0


def test_values_errors():
    with pytest.raises(
        ValueError, match=full("values must have the same shape as weights (2,), got (3,)")
    ):
        pg.ordinary_importance_sampling([1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=full("values[1] is nan, expected a finite number")):
        pg.self_normalized_importance_sampling([1.0, 1.0], [1.0, np.nan])


@pytest.fixture
def setup():
    mdp = pg.random_mdp(3, 2, rng=np.random.default_rng(0), horizon=4)
    pi = np.array([[0.5, 0.5], [1.0, 0.0], [0.3, 0.7]])
    tr = pg.sample_trajectories(mdp, pi, 50, rng=np.random.default_rng(1))
    return mdp, pi, tr


@pytest.mark.parametrize("fn", [pg.action_ratios, pg.trajectory_ratios])
def test_ratio_errors(setup, fn):
    mdp, pi, tr = setup
    with pytest.raises(
        ValueError,
        match=full(
            "pi_new[1, 1] is 0.5 where pi[1, 1] is 0; importance sampling needs pi > 0 "
            "wherever pi_new > 0"
        ),
    ):
        fn(mdp, pi, np.full((3, 2), 0.5), tr)
    actions = tr.actions.copy()
    i, t = np.argwhere(tr.states == 1)[0]
    actions[i, t] = 1
    with pytest.raises(
        ValueError,
        match=full(
            f"trajectories.actions[{i}, {t}] is 1, which pi never takes in state 1; "
            "the trajectories must be sampled from pi"
        ),
    ):
        fn(mdp, pi, pi, tr._replace(actions=actions))
    with pytest.raises(ValueError, match=full("pi_new must have shape (3, 2), got (2, 2)")):
        fn(mdp, pi, np.full((2, 2), 0.5), tr)
    with pytest.raises(ValueError, match=full("mdp must be a pgtheory.TabularMDP, got NoneType")):
        fn(None, pi, pi, tr)
    with pytest.raises(
        ValueError, match=full("trajectories have 2 time steps, expected the MDP's horizon 4")
    ):
        fn(mdp, pi, pi, pg.Trajectories(*(x[:, :2] for x in tr)))


def test_per_step_terms_errors(setup):
    mdp, pi, _ = setup
    with pytest.raises(
        ValueError,
        match=full(
            "pi_new[1, 1] is 0.5 where pi[1, 1] is 0; importance sampling needs pi > 0 "
            "wherever pi_new > 0"
        ),
    ):
        pg.per_step_terms(mdp, pi, np.full((3, 2), 0.5))
    with pytest.raises(
        ValueError,
        match=full("horizon must be None or the MDP's horizon 4 for a finite-horizon MDP, got 5"),
    ):
        pg.per_step_terms(mdp, pi, pi, horizon=5)
    with pytest.raises(
        ValueError,
        match=full(
            "horizon must be an integer >= 1 for a discounted MDP (mdp.horizon is None), got None"
        ),
    ):
        pg.per_step_terms(mdp.with_horizon(None), pi, pi)
    with pytest.raises(ValueError, match=full("horizon must be an integer >= 1, got 0")):
        pg.per_step_terms(mdp.with_horizon(None), pi, pi, horizon=0)
    with pytest.raises(ValueError, match=full("pi[0, :] sums to 2, expected 1 (atol=1e-08)")):
        pg.per_step_terms(mdp, np.ones((3, 2)), pi)
    # The MDP's own horizon passed explicitly is fine.
    terms = pg.per_step_terms(mdp, pi, pi, horizon=4)
    np.testing.assert_allclose(terms.on_policy, 0.0, rtol=0, atol=1e-14)
