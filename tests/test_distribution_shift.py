"""Tests for pgtheory.bounding.distribution_shift: slide S7's numbers as a pure function."""

import numpy as np
import pytest

import pgtheory as pg
from pgtheory.bounding.distribution_shift import DISTRIBUTION_SHIFT_DEFAULTS

TOL = 1e-12


def test_defaults_are_documented_values():
    assert DISTRIBUTION_SHIFT_DEFAULTS == {
        "eps": 0.1,
        "horizon": 30,
        "mdp": "random",
        "seed": 0,
        "n_states": 5,
        "n_actions": 3,
    }


def test_numbers_tightrope_attains_bound():
    nums = pg.distribution_shift_numbers(eps=0.2, horizon=40, mdp="tightrope")
    np.testing.assert_array_equal(nums.t, np.arange(40))
    np.testing.assert_allclose(nums.exact, 2 * (1 - 0.8 ** np.arange(40)), rtol=0, atol=TOL)
    np.testing.assert_allclose(nums.bound, nums.exact, rtol=0, atol=TOL)
    np.testing.assert_allclose(nums.linear_bound, 0.4 * np.arange(40), rtol=0, atol=TOL)
    # Seed and sizes are ignored for the tightrope.
    other = pg.distribution_shift_numbers(eps=0.2, horizon=40, mdp="tightrope", seed=9)
    np.testing.assert_array_equal(other.exact, nums.exact)


@pytest.mark.parametrize("seed", range(5))
def test_numbers_random_respects_bound_and_is_state_independent(seed):
    nums = pg.distribution_shift_numbers(eps=0.15, horizon=50, mdp="random", seed=seed)
    assert np.all(nums.exact <= nums.bound + TOL)
    assert np.all(nums.bound <= nums.linear_bound + TOL)
    # Documented choice: state-independent mistakes, so P(no mistake) = (1-eps)^t exactly.
    np.testing.assert_allclose(nums.no_mistake, 0.85 ** np.arange(50), rtol=0, atol=TOL)


def test_numbers_random_match_an_independent_computation():
    """The documented recipe, redone by hand: the same draws, marginals by a Python loop."""
    eps, T, seed, S, A = 0.25, 12, 4, 4, 3
    nums = pg.distribution_shift_numbers(eps=eps, horizon=T, seed=seed, n_states=S, n_actions=A)
    rng = np.random.default_rng(seed)
    mdp = pg.random_mdp(S, A, rng=rng, concentration=pg.distribution_shift.RANDOM_MDP_CONCENTRATION)
    actions = rng.integers(A, size=S)
    pi2 = pg.epsilon_close_policy(actions, A, eps, rng=rng, state_dependent=False)
    p, p2 = mdp.p0.copy(), mdp.p0.copy()
    for t in range(T):
        assert abs(np.abs(p2 - p).sum() - nums.exact[t]) < 1e-12
        p_next, p2_next = np.zeros(S), np.zeros(S)
        for s in range(S):
            p_next += p[s] * mdp.P[s, actions[s]]
            for a in range(A):
                p2_next += p2[s] * pi2[s, a] * mdp.P[s, a]
        p, p2 = p_next, p2_next
    assert nums.eps == eps


def test_numbers_random_is_reproducible_and_eps_zero_means_no_shift():
    a = pg.distribution_shift_numbers(seed=3)
    b = pg.distribution_shift_numbers(seed=3)
    np.testing.assert_array_equal(a.exact, b.exact)
    assert not np.array_equal(a.exact, pg.distribution_shift_numbers(seed=4).exact)
    np.testing.assert_allclose(
        pg.distribution_shift_numbers(eps=0.0, seed=3).exact, 0.0, rtol=0, atol=TOL
    )
    # A shorter horizon gives a prefix of the same curve (the draws ignore the horizon).
    short = pg.distribution_shift_numbers(seed=3, horizon=10)
    np.testing.assert_allclose(short.exact, a.exact[:10], rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"eps": 1.2}, r"^eps must lie in \[0, 1\], got 1.2$"),
        ({"eps": "x"}, r"^eps must be a real number"),
        ({"horizon": 0}, r"^horizon must be an integer >= 1, got 0$"),
        ({"horizon": 2.5}, r"^horizon must be an integer >= 1, got float 2.5$"),
        ({"mdp": "grid"}, r"^mdp must be one of \('tightrope', 'random'\), got 'grid'$"),
        ({"seed": -1}, r"^seed must be an integer >= 0, got int -1$"),
        ({"seed": 1.0}, r"^seed must be an integer >= 0, got float 1.0$"),
        ({"n_states": 0}, r"^n_states must be an integer >= 1, got 0$"),
        (
            {"n_actions": 1},
            r"^n_actions must be >= 2 \(with one action pi' cannot deviate\), got 1$",
        ),
    ],
)
def test_value_errors(params, match):
    with pytest.raises(ValueError, match=match):
        pg.distribution_shift_numbers(**params)


def test_literal_defaults_match_the_documented_defaults():
    import inspect

    from pgtheory.viz import distribution_shift_figure

    for func in (pg.distribution_shift_numbers, distribution_shift_figure):
        params = inspect.signature(func).parameters
        assert {k: params[k].default for k in DISTRIBUTION_SHIFT_DEFAULTS} == (
            DISTRIBUTION_SHIFT_DEFAULTS
        )
    params = inspect.signature(pg.distribution_shift_example).parameters
    assert {k: p.default for k, p in params.items()} == {
        k: v for k, v in DISTRIBUTION_SHIFT_DEFAULTS.items() if k != "horizon"
    }


def test_example_is_the_pair_behind_the_numbers():
    ex = pg.distribution_shift_example(eps=0.2, seed=2)
    nums = pg.distribution_shift_numbers(eps=0.2, seed=2, horizon=15)
    # One-hot pi on the stored actions; pi' errs with probability exactly eps.
    np.testing.assert_array_equal(ex.pi.argmax(axis=1), ex.actions)
    np.testing.assert_array_equal(ex.pi.sum(axis=1), 1.0)
    np.testing.assert_allclose(ex.pi_prime[np.arange(5), ex.actions], 0.8, rtol=0, atol=TOL)
    # The exact distance, recomputed from the example by a loop over time.
    p, p2 = ex.mdp.p0.copy(), ex.mdp.p0.copy()
    for t in range(15):
        assert abs(np.abs(p2 - p).sum() - nums.exact[t]) < 1e-12
        p = np.einsum("s,sa,sab->b", p, ex.pi, ex.mdp.P)
        p2 = np.einsum("s,sa,sab->b", p2, ex.pi_prime, ex.mdp.P)
    tight = pg.distribution_shift_example(eps=0.3, mdp="tightrope")
    assert tight.mdp.n_states == 2
    np.testing.assert_array_equal(tight.actions, [0, 0])
    np.testing.assert_allclose(tight.pi_prime[0], [0.7, 0.3], rtol=0, atol=TOL)
    with pytest.raises(ValueError, match=r"^eps must lie in \[0, 1\], got -0.1$"):
        pg.distribution_shift_example(eps=-0.1)


def test_sweep_values_and_layout():
    sweep = pg.distribution_shift_sweep(
        np.random.default_rng(3), n_mdps=8, n_states=4, n_actions=3, eps=0.2, horizon=12
    )
    np.testing.assert_array_equal(sweep.concentration, [1.0, 0.1] * 4)
    np.testing.assert_array_equal(
        sweep.state_dependent, [False, False, True, True, False, False, True, True]
    )
    # Same-probability mistakes: eps is exactly the requested one; state-dependent: below it.
    np.testing.assert_allclose(sweep.eps[~sweep.state_dependent], 0.2, rtol=0, atol=TOL)
    assert np.all(sweep.eps[sweep.state_dependent] <= 0.2 + TOL)
    assert np.all(sweep.max_gap <= TOL) and np.all(sweep.worst_ratio <= 1 + TOL)
    # Independent recomputation of MDP 0 and 3 from the documented draw order.
    rng = np.random.default_rng(3)
    for k in range(4):
        c = (1.0, 0.1)[k % 2]
        mdp = pg.random_mdp(4, 3, rng=rng, concentration=c)
        actions = rng.integers(3, size=4)
        pi2 = pg.epsilon_close_policy(actions, 3, 0.2, rng=rng, state_dependent=k >= 2)
        eps_k = 1 - pi2[np.arange(4), actions].max(initial=0) * 0 - pi2[np.arange(4), actions].min()
        assert abs(eps_k - sweep.eps[k]) < 1e-12
        exact = pg.marginal_l1_distance(mdp, pg.deterministic_policy(actions, 3), pi2, horizon=12)
        bound = 2 * (1 - (1 - eps_k) ** np.arange(1, 12))
        assert abs((exact[1:] / bound).max() - sweep.worst_ratio[k]) < 1e-12
        assert abs(exact.max() - sweep.max_exact[k]) < 1e-12
        assert abs((exact[1:] - bound).max() - sweep.max_gap[k]) < 1e-12


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rng": 3}, "rng must be a numpy.random.Generator, got int"),
        ({"n_mdps": 0}, "n_mdps must be an integer >= 1, got 0"),
        ({"n_actions": 1}, "n_actions must be >= 2 (with one action pi' cannot deviate), got 1"),
        ({"horizon": 1}, "horizon must be >= 2 (the bound is 0 at t = 0), got 1"),
        ({"eps": 0.0}, "eps must be > 0 (with eps = 0 the policies coincide), got 0.0"),
        (
            {"concentrations": (1.0, -1.0)},
            "concentrations must be a non-empty tuple of positive numbers, got (1.0, -1.0)",
        ),
    ],
)
def test_sweep_value_errors(kwargs, message):
    import re

    args = {
        "rng": np.random.default_rng(0),
        "n_mdps": 2,
        "n_states": 3,
        "n_actions": 2,
        "eps": 0.1,
        "horizon": 5,
    } | kwargs
    rng = args.pop("rng")
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        pg.distribution_shift_sweep(rng, **args)


def test_calls_with_the_defaults_use_the_documented_values():
    import dataclasses

    ex = pg.distribution_shift_example()
    explicit = pg.distribution_shift_example(eps=0.1, mdp="random", seed=0, n_states=5, n_actions=3)
    for name in ("actions", "pi", "pi_prime"):
        np.testing.assert_array_equal(getattr(ex, name), getattr(explicit, name))
    for field in dataclasses.fields(ex.mdp):
        a, b = getattr(ex.mdp, field.name), getattr(explicit.mdp, field.name)
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
    nums = pg.distribution_shift_numbers()
    ref = pg.distribution_shift_numbers(
        eps=0.1, horizon=30, mdp="random", seed=0, n_states=5, n_actions=3
    )
    assert nums.eps == 0.1 and len(nums.t) == 30
    np.testing.assert_array_equal(nums.exact, ref.exact)


def test_smallest_valid_sizes_work():
    nums = pg.distribution_shift_numbers(eps=0.3, horizon=3, n_states=2, n_actions=2)
    assert nums.exact.shape == (3,) and np.all(nums.exact <= nums.bound + TOL)
    sweep = pg.distribution_shift_sweep(
        np.random.default_rng(1), n_mdps=2, n_states=2, n_actions=2, eps=0.3, horizon=2
    )
    assert sweep.worst_ratio.shape == (2,) and np.all(sweep.worst_ratio <= 1 + TOL)
    # At t = 1 a mistake moves p'_1 by at most the mistake probability, in both directions:
    # the L1 distance is at most 2 eps_k, and the ratio to 2 (1 - (1 - eps_k)) is at most 1.
    assert np.all(sweep.max_exact <= 2 * sweep.eps + TOL)


@pytest.mark.parametrize(
    ("func", "kwargs", "message"),
    [
        ("numbers", {"n_actions": 0}, "n_actions must be an integer >= 1, got 0"),
        ("sweep", {"n_states": 0}, "n_states must be an integer >= 1, got 0"),
        ("sweep", {"n_actions": 0}, "n_actions must be an integer >= 1, got 0"),
        ("sweep", {"horizon": 0}, "horizon must be an integer >= 1, got 0"),
        ("sweep", {"eps": 1.5}, "eps must lie in [0, 1], got 1.5"),
        (
            "sweep",
            {"concentrations": (0.0,)},
            "concentrations must be a non-empty tuple of positive numbers, got (0.0,)",
        ),
    ],
)
def test_more_value_errors(func, kwargs, message):
    import re

    if func == "numbers":
        call = lambda: pg.distribution_shift_numbers(**kwargs)  # noqa: E731
    else:
        args = {"n_mdps": 2, "n_states": 3, "n_actions": 2, "eps": 0.1, "horizon": 5} | kwargs
        call = lambda: pg.distribution_shift_sweep(np.random.default_rng(0), **args)  # noqa: E731
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        call()
