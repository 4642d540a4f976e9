"""Tests for pgtheory.mdp: construction, validation, and the named examples."""

import numpy as np
import pytest

import pgtheory as pg


def _valid_parts(S=3, A=2):
    P = np.full((S, A, S), 1.0 / S)
    r = np.zeros((S, A))
    p0 = np.full(S, 1.0 / S)
    return P, r, p0


def test_valid_mdp_is_frozen_and_read_only():
    P, r, p0 = _valid_parts()
    mdp = pg.TabularMDP(P, r, p0, gamma=0.9)
    assert (mdp.n_states, mdp.n_actions, mdp.horizon, mdp.discounted) == (3, 2, None, True)
    with pytest.raises(AttributeError):
        mdp.gamma = 0.5
    with pytest.raises(ValueError, match="read-only"):
        mdp.P[0, 0, 0] = 1.0
    P[0, 0, 0] = 7.0  # the MDP holds a copy
    assert mdp.P[0, 0, 0] == pytest.approx(1.0 / 3, abs=1e-15)


def test_finite_horizon_allows_gamma_one():
    P, r, p0 = _valid_parts()
    mdp = pg.TabularMDP(P, r, p0, gamma=1.0, horizon=5)
    assert mdp.horizon == 5 and not mdp.discounted
    assert mdp.with_horizon(None, gamma=0.5).horizon is None
    assert "n_states=3" in repr(mdp)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda P, r, p0: (P[:, :, :2], r, p0), r"P must have shape \(S, A, S\)"),
        (lambda P, r, p0: (P[0], r, p0), r"P must have 3 dimension\(s\)"),
        (lambda P, r, p0: (P, r[:, :1], p0), r"r must have shape \(3, 2\), got \(3, 1\)"),
        (lambda P, r, p0: (P, r, p0[:2]), r"p0 must have shape \(3,\), got \(2,\)"),
        (
            lambda P, r, p0: (P * np.where(np.arange(3) == 0, 0.91, 1.0), r, p0),
            r"P\[0, 0, :\] sums to 0.97, expected 1",
        ),
        (lambda P, r, p0: (P, r, np.array([0.5, 0.6, -0.1])), r"p0\[2\] is -0.1, expected >= 0"),
        (lambda P, r, p0: (P, r, np.array([0.2, 0.2, 0.2])), r"p0 sums to 0.6, expected 1"),
        (
            lambda P, r, p0: (P, np.where(np.eye(3, 2) > 0, np.nan, r), p0),
            r"r\[0, 0\] is nan, expected a finite number",
        ),
        (lambda P, r, p0: (P, np.full((3, 2), np.inf), p0), r"r\[0, 0\] is inf"),
        (lambda P, r, p0: ("abc", r, p0), "P must be a numeric array"),
        (lambda P, r, p0: (np.zeros((0, 2, 0)), r, p0), "at least one state"),
    ],
)
def test_bad_arrays_raise(mutate, match):
    P, r, p0 = mutate(*_valid_parts())
    with pytest.raises(ValueError, match=match):
        pg.TabularMDP(P, r, p0, gamma=0.9)


def test_negative_transition_names_index():
    P, r, p0 = _valid_parts()
    P[1, 1] = [1.5, -0.5, 0.0]
    with pytest.raises(ValueError, match=r"P\[1, 1, 1\] is -0.5, expected >= 0"):
        pg.TabularMDP(P, r, p0, gamma=0.9)


@pytest.mark.parametrize(
    ("gamma", "horizon", "match"),
    [
        (1.0, None, r"gamma must lie in \[0, 1\) when horizon is None"),
        (-0.1, None, r"gamma must lie in \[0, 1\)"),
        (0.0, 5, r"gamma must lie in \(0, 1\] for a finite horizon, got 0.0"),
        (1.5, 5, r"gamma must lie in \(0, 1\]"),
        (0.9, 0, "horizon must be None or an integer >= 1, got 0"),
        (0.9, -3, "horizon must be None or an integer >= 1, got -3"),
        (0.9, 2.5, "horizon must be None or an integer >= 1, got float 2.5"),
        (0.9, True, "horizon must be None or an integer >= 1, got bool"),
        (np.nan, None, "gamma must be finite, got nan"),
        ("0.9", None, "gamma must be a real number, got str"),
    ],
)
def test_bad_gamma_horizon_raise(gamma, horizon, match):
    with pytest.raises(ValueError, match=match):
        pg.TabularMDP(*_valid_parts(), gamma=gamma, horizon=horizon)


def test_random_mdp_is_valid_and_seeded():
    m1 = pg.random_mdp(7, 3, rng=np.random.default_rng(1))
    m2 = pg.random_mdp(7, 3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(m1.P, m2.P)
    np.testing.assert_allclose(m1.P.sum(-1), 1.0, rtol=0, atol=1e-12)
    assert m1.r.min() >= 0.0 and m1.r.max() < 1.0


def test_random_mdp_sparse_branching():
    mdp = pg.random_mdp(20, 4, rng=np.random.default_rng(2), branching=3, horizon=10)
    support = (mdp.P > 0).sum(axis=-1)
    assert support.max() <= 3 and support.min() >= 1
    np.testing.assert_allclose(mdp.P.sum(-1), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_states": 0}, "n_states must be an integer >= 1, got 0"),
        ({"n_actions": 2.0}, "n_actions must be an integer >= 1, got float"),
        ({"rng": 0}, "rng must be a numpy.random.Generator"),
        ({"rng": np.random.RandomState(0)}, "got RandomState"),
        ({"branching": 9}, "branching must be <= n_states = 5, got 9"),
        ({"branching": 0}, "branching must be an integer >= 1, got 0"),
        ({"concentration": 0.0}, "concentration must be > 0, got 0.0"),
        ({"reward_range": (1.0, 0.0)}, r"reward_range must satisfy low <= high"),
        ({"gamma": 1.0}, r"gamma must lie in \[0, 1\)"),
    ],
)
def test_random_mdp_bad_input(kwargs, match):
    args = {"n_states": 5, "n_actions": 2, "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(ValueError, match=match):
        pg.random_mdp(args.pop("n_states"), args.pop("n_actions"), **args)


def test_chain_mdp_dynamics():
    mdp = pg.chain_mdp(4, slip=0.25)
    # right from state 1: state 2 w.p. 0.75, stay w.p. 0.25; left from the wall stays.
    np.testing.assert_allclose(mdp.P[1, 1], [0, 0.25, 0.75, 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(mdp.P[0, 0], [1, 0, 0, 0], rtol=0, atol=1e-15)
    assert mdp.r[3].tolist() == [1.0, 1.0] and mdp.r[:3].sum() == 0.0


def test_gridworld_mdp_dynamics():
    mdp = pg.gridworld_mdp(3, 3, slip=0.2)
    # From the corner 0, "right" (1) reaches 1 w.p. 0.8 + 0.2/4; up and left stay (0.2/4 each),
    # down reaches 3 w.p. 0.2/4.
    np.testing.assert_allclose(mdp.P[0, 1, [0, 1, 3]], [0.1, 0.85, 0.05], rtol=0, atol=1e-12)
    np.testing.assert_allclose(mdp.P[8, :, 0], 1.0, rtol=0, atol=0)  # goal resets to the start
    assert mdp.n_states == 9 and mdp.n_actions == 4


@pytest.mark.parametrize("eps", [0.0, 0.05, 0.3, 1.0])
def test_tightrope_attains_s7_bound(eps):
    # THEORY.md, "Tightness": ||p'_t - p_t||_1 = 2 (1 - (1 - eps)^t) exactly.
    mdp = pg.tightrope_mdp(horizon=30)
    pi, pi_eps = pg.tightrope_policies(eps)
    diff = np.abs(pg.state_marginals(mdp, pi_eps) - pg.state_marginals(mdp, pi)).sum(axis=1)
    t = np.arange(30)
    np.testing.assert_allclose(diff, 2 * (1 - (1 - eps) ** t), rtol=0, atol=1e-12)


@pytest.mark.parametrize("eps", [-0.1, 1.5, np.nan])
def test_tightrope_policies_bad_eps(eps):
    with pytest.raises(ValueError, match="eps"):
        pg.tightrope_policies(eps)


def test_named_examples_bad_input():
    with pytest.raises(ValueError, match=r"slip must lie in \[0, 1\], got 2.0"):
        pg.chain_mdp(4, slip=2.0)
    with pytest.raises(ValueError, match="n_rows must be an integer >= 1, got 0"):
        pg.gridworld_mdp(0, 3)
    with pytest.raises(ValueError, match=r"mdp must be a pgtheory\.TabularMDP, got dict"):
        pg.evaluate({}, np.ones((2, 2)) / 2)
