"""Tests for pgtheory.core.mdp: construction, validation, and the named examples."""

import re

import numpy as np
import pytest

import pgtheory as pg


def _exactly(message):
    """A ``match=`` pattern that accepts this whole message and nothing else."""
    return f"^{re.escape(message)}$"


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
    ("mutate", "message"),
    [
        (
            lambda P, r, p0: (P[:, :, :2], r, p0),
            "P must have shape (S, A, S), got (3, 2, 2): 3 != 2",
        ),
        (
            lambda P, r, p0: (P[0], r, p0),
            "P must have 3 dimension(s), got shape (2, 3) (2 dimension(s))",
        ),
        (
            lambda P, r, p0: (P, r[:, 0], p0),
            "r must have 2 dimension(s), got shape (3,) (1 dimension(s))",
        ),
        (lambda P, r, p0: (P, r[:, :1], p0), "r must have shape (3, 2), got (3, 1)"),
        (lambda P, r, p0: (P, r, p0[:2]), "p0 must have shape (3,), got (2,)"),
        (
            lambda P, r, p0: (P, r, p0[:, None]),
            "p0 must have 1 dimension(s), got shape (3, 1) (2 dimension(s))",
        ),
        (
            lambda P, r, p0: (P * np.where(np.arange(3) == 0, 0.91, 1.0), r, p0),
            "P[0, 0, :] sums to 0.97, expected 1 (atol=1e-08)",
        ),
        (lambda P, r, p0: (P, r, np.array([0.5, 0.6, -0.1])), "p0[2] is -0.1, expected >= 0"),
        (
            lambda P, r, p0: (P, r, np.array([0.2, 0.2, 0.2])),
            "p0 sums to 0.6, expected 1 (atol=1e-08)",
        ),
        (lambda P, r, p0: (P, r, [np.nan, 0.5, 0.5]), "p0[0] is nan, expected a finite number"),
        (
            lambda P, r, p0: (P, np.where(np.eye(3, 2) > 0, np.nan, r), p0),
            "r[0, 0] is nan, expected a finite number",
        ),
        (
            lambda P, r, p0: (P, np.full((3, 2), np.inf), p0),
            "r[0, 0] is inf, expected a finite number",
        ),
        (lambda P, r, p0: ("abc", r, p0), "P must be a numeric array, got str"),
        (
            lambda P, r, p0: (np.zeros((0, 2, 0)), r, p0),
            "P must have at least one state and one action, got (0, 2, 0)",
        ),
    ],
)
def test_bad_arrays_raise(mutate, message):
    P, r, p0 = mutate(*_valid_parts())
    with pytest.raises(ValueError, match=_exactly(message)):
        pg.TabularMDP(P, r, p0, gamma=0.9)


def test_negative_transition_names_index():
    P, r, p0 = _valid_parts()
    P[1, 1] = [1.5, -0.5, 0.0]
    with pytest.raises(ValueError, match=_exactly("P[1, 1, 1] is -0.5, expected >= 0")):
        pg.TabularMDP(P, r, p0, gamma=0.9)


_DISCOUNTED = (
    "gamma must lie in [0, 1) when horizon is None (infinite-horizon discounted case), got {}; "
    "pass an integer horizon to use gamma = 1"
)


@pytest.mark.parametrize(
    ("gamma", "horizon", "message"),
    [
        (1.0, None, _DISCOUNTED.format("1.0")),
        (-0.1, None, _DISCOUNTED.format("-0.1")),
        (0.0, 5, "gamma must lie in (0, 1] for a finite horizon, got 0.0"),
        (1.5, 5, "gamma must lie in (0, 1] for a finite horizon, got 1.5"),
        (0.9, 0, "horizon must be None or an integer >= 1, got 0"),
        (0.9, -3, "horizon must be None or an integer >= 1, got -3"),
        (0.9, 2.5, "horizon must be None or an integer >= 1, got float 2.5"),
        (0.9, True, "horizon must be None or an integer >= 1, got bool True"),
        (np.nan, None, "gamma must be finite, got nan"),
        ("0.9", None, "gamma must be a real number, got str '0.9'"),
    ],
)
def test_bad_gamma_horizon_raise(gamma, horizon, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        pg.TabularMDP(*_valid_parts(), gamma=gamma, horizon=horizon)


def test_stored_fields_are_float_arrays_and_python_scalars():
    # Lists in, read-only float64 copies out; gamma a float and horizon an int, whatever the
    # caller's numeric types (numpy scalars, int gamma).
    mdp = pg.TabularMDP(
        np.full((2, 1, 2), 0.5).tolist(), [[1], [2]], [1, 0], gamma=1, horizon=np.int64(4)
    )
    for arr in (mdp.P, mdp.r, mdp.p0):
        assert isinstance(arr, np.ndarray) and arr.dtype == np.float64
        assert not arr.flags.writeable
    assert type(mdp.gamma) is float and mdp.gamma == 1.0
    assert type(mdp.horizon) is int and mdp.horizon == 4


def test_with_horizon_keeps_or_replaces_gamma():
    mdp = pg.TabularMDP(*_valid_parts(), gamma=0.8)
    finite = mdp.with_horizon(7)
    assert (finite.horizon, finite.gamma) == (7, 0.8)
    assert mdp.with_horizon(3, gamma=1.0).gamma == 1.0
    np.testing.assert_array_equal(finite.P, mdp.P)


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
    ("kwargs", "message"),
    [
        ({"n_states": 0}, "n_states must be an integer >= 1, got 0"),
        ({"n_actions": 2.0}, "n_actions must be an integer >= 1, got float 2.0"),
        (
            {"rng": 0},
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int",
        ),
        (
            {"rng": np.random.RandomState(0)},
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), "
            "got RandomState",
        ),
        ({"branching": 9}, "branching must be <= n_states = 5, got 9"),
        ({"branching": 0}, "branching must be an integer >= 1, got 0"),
        ({"concentration": 0.0}, "concentration must be > 0, got 0.0"),
        ({"concentration": "x"}, "concentration must be a real number, got str 'x'"),
        ({"reward_range": ("a", 1.0)}, "reward_range must be a real number, got str 'a'"),
        ({"reward_range": (1.0, 0.0)}, "reward_range must satisfy low <= high, got (1.0, 0.0)"),
        ({"gamma": 1.0}, _DISCOUNTED.format("1.0")),
    ],
)
def test_random_mdp_bad_input(kwargs, message):
    args = {"n_states": 5, "n_actions": 2, "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(ValueError, match=_exactly(message)):
        pg.random_mdp(args.pop("n_states"), args.pop("n_actions"), **args)


def test_random_mdp_defaults_and_reward_range():
    # Default concentration 1 (flat Dirichlet): the same draws as passing it explicitly.
    a = pg.random_mdp(4, 2, rng=np.random.default_rng(3))
    b = pg.random_mdp(4, 2, rng=np.random.default_rng(3), concentration=1.0)
    np.testing.assert_array_equal(a.P, b.P)
    # Rewards follow the range, also a negative one and a degenerate low == high one.
    neg = pg.random_mdp(6, 3, rng=np.random.default_rng(4), reward_range=(-2.0, -1.0))
    assert neg.r.min() >= -2.0 and neg.r.max() < -1.0
    flat = pg.random_mdp(3, 2, rng=np.random.default_rng(5), reward_range=(0.5, 0.5))
    np.testing.assert_array_equal(flat.r, np.full((3, 2), 0.5))
    # Sparse rows draw their own weights (not one weight vector shared by every (s, a)).
    sparse = pg.random_mdp(6, 3, rng=np.random.default_rng(6), branching=3)
    weights = {tuple(np.sort(row[row > 0]).round(12)) for row in sparse.P.reshape(-1, 6)}
    assert len(weights) == 18


def test_chain_mdp_dynamics():
    mdp = pg.chain_mdp(5, slip=0.25)
    # right from state 1: state 2 w.p. 0.75, stay w.p. 0.25; left from the wall stays.
    np.testing.assert_allclose(mdp.P[1, 1], [0, 0.25, 0.75, 0, 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(mdp.P[3, 0], [0, 0, 0.75, 0.25, 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(mdp.P[0, 0], [1, 0, 0, 0, 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(mdp.P[4, 1], [0, 0, 0, 0, 1], rtol=0, atol=1e-15)
    assert mdp.r[4].tolist() == [1.0, 1.0] and mdp.r[:4].sum() == 0.0
    assert mdp.p0.tolist() == [1, 0, 0, 0, 0] and mdp.horizon is None
    # Defaults: 6 states, slip 0.1, gamma 0.9.
    default = pg.chain_mdp()
    assert (default.n_states, default.gamma) == (6, 0.9)
    np.testing.assert_allclose(default.P[2, 1], [0, 0, 0.1, 0.9, 0, 0], rtol=0, atol=1e-15)
    assert pg.chain_mdp(3, horizon=4).horizon == 4


def _gridworld_by_loops(n_rows, n_cols, slip):
    """The gridworld written out move by move (the docstring's rules, no vectorization)."""
    S = n_rows * n_cols
    moves = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}  # up, right, down, left
    P = np.zeros((S, 4, S))
    for s in range(S):
        row, col = divmod(s, n_cols)
        for a in range(4):
            for m, (dr, dc) in moves.items():
                prob = slip / 4 + (1 - slip if m == a else 0.0)
                nr, nc = row + dr, col + dc
                if not (0 <= nr < n_rows and 0 <= nc < n_cols):
                    nr, nc = row, col  # a move into the border keeps the agent in place
                P[s, a, nr * n_cols + nc] += prob
    P[S - 1] = 0.0
    P[S - 1, :, 0] = 1.0  # acting in the goal returns to the start
    r = np.zeros((S, 4))
    r[S - 1] = 1.0
    return P, r


def test_gridworld_mdp_dynamics():
    mdp = pg.gridworld_mdp(3, 3, slip=0.2)
    # From the corner 0, "right" (1) reaches 1 w.p. 0.8 + 0.2/4; up and left stay (0.2/4 each),
    # down reaches 3 w.p. 0.2/4.
    np.testing.assert_allclose(mdp.P[0, 1, [0, 1, 3]], [0.1, 0.85, 0.05], rtol=0, atol=1e-12)
    np.testing.assert_allclose(mdp.P[8, :, 0], 1.0, rtol=0, atol=0)  # goal resets to the start
    assert mdp.n_states == 9 and mdp.n_actions == 4
    # A non-square grid against the loop reference, and the defaults (4 x 4, slip 0.1).
    for (n_rows, n_cols, slip), grid in [
        ((3, 4, 0.3), pg.gridworld_mdp(3, 4, slip=0.3, horizon=5)),
        ((4, 4, 0.1), pg.gridworld_mdp()),
    ]:
        P, r = _gridworld_by_loops(n_rows, n_cols, slip)
        np.testing.assert_allclose(grid.P, P, rtol=0, atol=1e-15)
        np.testing.assert_array_equal(grid.r, r)
        np.testing.assert_array_equal(grid.p0, np.eye(n_rows * n_cols)[0])
    assert pg.gridworld_mdp(3, 4, horizon=5).horizon == 5


@pytest.mark.parametrize("eps", [0.0, 0.05, 0.3, 1.0])
def test_tightrope_attains_s7_bound(eps):
    # THEORY.md, "Tightness": ||p'_t - p_t||_1 = 2 (1 - (1 - eps)^t) exactly.
    mdp = pg.tightrope_mdp(horizon=30)
    pi, pi_eps = pg.tightrope_policies(eps)
    diff = np.abs(pg.state_marginals(mdp, pi_eps) - pg.state_marginals(mdp, pi)).sum(axis=1)
    t = np.arange(30)
    np.testing.assert_allclose(diff, 2 * (1 - (1 - eps) ** t), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("eps", "message"),
    [
        (-0.1, "eps must lie in [0, 1], got -0.1"),
        (1.5, "eps must lie in [0, 1], got 1.5"),
        (np.nan, "eps must be finite, got nan"),
    ],
)
def test_tightrope_policies_bad_eps(eps, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        pg.tightrope_policies(eps)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pg.chain_mdp(0), "n_states must be an integer >= 1, got 0"),
        (lambda: pg.chain_mdp(4, slip=2.0), "slip must lie in [0, 1], got 2.0"),
        (lambda: pg.gridworld_mdp(0, 3), "n_rows must be an integer >= 1, got 0"),
        (lambda: pg.gridworld_mdp(3, 0), "n_cols must be an integer >= 1, got 0"),
        (lambda: pg.gridworld_mdp(3, 3, slip=-0.5), "slip must lie in [0, 1], got -0.5"),
        (
            lambda: pg.evaluate({}, np.ones((2, 2)) / 2),
            "mdp must be a pgtheory.TabularMDP, got dict",
        ),
    ],
)
def test_named_examples_bad_input(call, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        call()


def test_check_mdp_and_its_policies():
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(0.25)
    assert pg.mdp.check_mdp(mdp) is mdp
    got, p = pg.mdp.check_mdp_policy(mdp, [[1, 0], [1, 0]])
    assert got is mdp and p.dtype == np.float64
    np.testing.assert_array_equal(p, pi)
    got, p, p_new = pg.mdp.check_mdp_policies(mdp, pi, pi_eps)
    assert got is mdp
    np.testing.assert_array_equal(p, pi)
    np.testing.assert_array_equal(p_new, pi_eps)
    for call, message in [
        (lambda: pg.mdp.check_mdp({}), "mdp must be a pgtheory.TabularMDP, got dict"),
        (
            lambda: pg.mdp.check_mdp(None, "mdps[2]"),
            "mdps[2] must be a pgtheory.TabularMDP, got NoneType",
        ),
        (lambda: pg.mdp.check_mdp_policy("m", pi), "mdp must be a pgtheory.TabularMDP, got str"),
        (
            lambda: pg.mdp.check_mdp_policy(mdp, np.ones((2, 3)) / 3),
            "pi must have shape (2, 2), got (2, 3)",
        ),
        (
            lambda: pg.mdp.check_mdp_policy(mdp, [[1, 0], [0.5, 0]], "pi2"),
            "pi2[1, :] sums to 0.5, expected 1 (atol=1e-08)",
        ),
        # The MDP first, then the old policy, then the new one.
        (
            lambda: pg.mdp.check_mdp_policies(1, [[2]], [[3]]),
            "mdp must be a pgtheory.TabularMDP, got int",
        ),
        (
            lambda: pg.mdp.check_mdp_policies(mdp, [[2]], [[3]]),
            "pi must have shape (2, 2), got (1, 1)",
        ),
        (
            lambda: pg.mdp.check_mdp_policies(mdp, pi, [[3]]),
            "pi_new must have shape (2, 2), got (1, 1)",
        ),
        (
            lambda: pg.mdp.check_mdp_policies(mdp, pi, [[3]], "pi2"),
            "pi2 must have shape (2, 2), got (1, 1)",
        ),
    ]:
        with pytest.raises(ValueError, match=_exactly(message)):
            call()


def _legacy_draws(rng, S, A, B, branching, concentration, weights_first):
    """The two samplers the library had before they became random_mdp_arrays, verbatim:
    random_mdp's (successors first) and random_mdp_batch's (weights first)."""
    if not weights_first:
        if branching is None:
            P = rng.dirichlet(np.full(S, concentration), size=(S, A))
        else:
            succ = np.argsort(rng.random((S, A, S)), axis=-1)[..., :branching]
            weights = rng.dirichlet(np.full(branching, concentration), size=(S, A))
            P = np.zeros((S, A, S))
            np.put_along_axis(P, succ, weights, axis=-1)
        return P, rng.uniform(0.0, 1.0, size=(S, A)), rng.dirichlet(np.ones(S))
    k = S if branching is None else branching
    weights = rng.dirichlet(np.full(k, concentration), size=(B, S, A))
    if k == S:
        P = weights
    else:
        succ = np.argsort(rng.random((B, S, A, S)), axis=-1)[..., :k]
        P = np.zeros((B, S, A, S))
        np.put_along_axis(P, succ, weights, axis=-1)
    return P, rng.uniform(0.0, 1.0, size=(B, S, A)), rng.dirichlet(np.ones(S), size=B)


@pytest.mark.parametrize("branching", [None, 1, 2, 4])
@pytest.mark.parametrize("weights_first", [False, True])
def test_random_mdp_arrays_keeps_both_draw_orders(branching, weights_first):
    # The book's seeded MDPs (and its stored numbers) depend on these exact draws.
    S, A, B = 4, 3, None if not weights_first else 5
    got = pg.mdp.random_mdp_arrays(
        S,
        A,
        rng=np.random.default_rng(7),
        n_mdps=B,
        branching=branching,
        concentration=0.5,
        weights_first=weights_first,
    )
    want = _legacy_draws(np.random.default_rng(7), S, A, B, branching, 0.5, weights_first)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    lead = () if B is None else (B,)
    assert [x.shape for x in got] == [(*lead, S, A, S), (*lead, S, A), (*lead, S)]
    if not weights_first:  # random_mdp draws in this order
        mdp = pg.random_mdp(
            S, A, rng=np.random.default_rng(7), branching=branching, concentration=0.5
        )
        for g, w in zip((mdp.P, mdp.r, mdp.p0), want, strict=True):
            np.testing.assert_array_equal(g, w)
    else:  # random_mdp_batch in this one (a fixed gamma draws nothing before)
        batch = pg.random_mdp_batch(
            B, S, A, rng=np.random.default_rng(7), branching=branching, concentration=0.5
        )
        for g, w in zip(batch[:3], want, strict=True):
            np.testing.assert_array_equal(g, w)
    # The default concentration is 1 (flat Dirichlet rows).
    default = pg.mdp.random_mdp_arrays(
        S, A, rng=np.random.default_rng(7), n_mdps=B, weights_first=weights_first
    )
    flat = _legacy_draws(np.random.default_rng(7), S, A, B, None, 1.0, weights_first)
    for g, w in zip(default, flat, strict=True):
        np.testing.assert_array_equal(g, w)


def test_random_mdp_arrays_orders_differ_only_in_the_draws():
    # branching = S: successors first draws a permutation of every row, weights first does
    # not (nothing to choose); B MDPs of one order with n_mdps, the other without.
    one = pg.mdp.random_mdp_arrays(3, 2, rng=np.random.default_rng(1), branching=3)
    stacked = pg.mdp.random_mdp_arrays(
        3, 2, rng=np.random.default_rng(1), n_mdps=1, branching=3, weights_first=True
    )
    assert one[0].shape == (3, 2, 3) and stacked[0].shape == (1, 3, 2, 3)
    assert not np.array_equal(one[0], stacked[0][0])
    for P in (one[0], stacked[0]):
        np.testing.assert_allclose(P.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    low_high = pg.mdp.random_mdp_arrays(
        3, 2, rng=np.random.default_rng(1), n_mdps=4, reward_range=(-2.0, -1.0)
    )
    assert -2.0 <= low_high[1].min() and low_high[1].max() <= -1.0
    with pytest.raises(ValueError, match=_exactly("n_mdps must be an integer >= 1, got 0")):
        pg.mdp.random_mdp_arrays(3, 2, rng=np.random.default_rng(1), n_mdps=0)
