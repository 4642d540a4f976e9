"""Tests for pgtheory.bounding.coupling (slide S8; Levin, Peres & Wilmer 2017, Prop. 4.7)."""

import re

import brute_force as bf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg

TOL = 1e-12


def _exactly(message):
    return f"^{re.escape(message)}$"


@st.composite
def distributions(draw, n=None, min_n=1, max_n=6):
    """A probability vector of length n, with exact zeros and point masses among them."""
    n = draw(st.integers(min_n, max_n)) if n is None else n
    w = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    zeros = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    w[zeros] = 0.0
    if w.sum() == 0.0:
        w[draw(st.integers(0, n - 1))] = 1.0
    return w / w.sum()


@st.composite
def distribution_pairs(draw):
    n = draw(st.integers(1, 6))
    p = draw(distributions(n=n))
    q = draw(st.one_of(st.just(p.copy()), distributions(n=n)))
    return p, q


def _northwest_corner(p, q):
    """A coupling of p and q by the north-west corner rule (a different, generally
    non-maximal coupling): fill the joint table greedily from the top left."""
    p, q = p.copy(), q.copy()
    joint = np.zeros((p.size, q.size))
    i = j = 0
    while i < p.size and j < q.size:
        m = min(p[i], q[j])
        joint[i, j] = m
        p[i] -= m
        q[j] -= m
        if p[i] <= q[j]:
            i += 1
        else:
            j += 1
    return joint


# ------------------------------------------------------------------------ closed forms


def test_maximal_coupling_closed_form():
    # p = (0.5, 0.3, 0.2, 0), q = (0.1, 0.3, 0.3, 0.3): TV = (0.4 + 0.1 + 0.3) / 2 = 0.4;
    # the residual 0.4 of x = 0 goes to y = 2 (0.1) and y = 3 (0.3), in proportion.
    p, q = [0.5, 0.3, 0.2, 0.0], [0.1, 0.3, 0.3, 0.3]
    expected = np.array(
        [
            [0.1, 0.0, 0.1, 0.3],
            [0.0, 0.3, 0.0, 0.0],
            [0.0, 0.0, 0.2, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ]
    )
    np.testing.assert_allclose(pg.maximal_coupling(p, q), expected, rtol=0, atol=1e-15)
    assert pg.total_variation(p, q) == pytest.approx(0.4, abs=1e-15)


def test_identical_and_disjoint_distributions():
    p = np.array([0.25, 0.75])
    np.testing.assert_array_equal(pg.maximal_coupling(p, p), np.diag(p))
    assert pg.total_variation(p, p) == 0.0
    # Disjoint supports: TV = 1, the coupling is the product and never agrees.
    joint = pg.maximal_coupling([1.0, 0.0, 0.0], [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(joint, [[0.0, 0.5, 0.5], [0.0] * 3, [0.0] * 3])
    assert pg.total_variation([1.0, 0.0, 0.0], [0.0, 0.5, 0.5]) == 1.0
    # One outcome: the only distribution, coupled with itself.
    np.testing.assert_array_equal(pg.maximal_coupling([1.0], [1.0]), [[1.0]])


def test_slides_l1_convention_halves_the_disagreement():
    # Errata item 5: with the slide's L1 sum |p - q| = eps, P(X != Y) = eps / 2.
    p, q = np.array([0.7, 0.2, 0.1]), np.array([0.4, 0.2, 0.4])
    l1 = np.abs(p - q).sum()
    disagree = 1 - np.trace(pg.maximal_coupling(p, q))
    assert disagree == pytest.approx(l1 / 2, abs=TOL)
    assert disagree == pytest.approx(0.3, abs=TOL)


# --------------------------------------------------------------------------- properties


@given(distribution_pairs())
@settings(max_examples=300, deadline=None)
def test_maximal_coupling_is_a_maximal_coupling(pq):
    p, q = pq
    joint = pg.maximal_coupling(p, q)
    tv = 0.5 * sum(abs(a - b) for a, b in zip(p, q, strict=True))  # by hand
    assert joint.shape == (p.size, p.size)
    assert np.all(joint >= 0)
    np.testing.assert_allclose(joint.sum(axis=1), p, rtol=0, atol=TOL)
    np.testing.assert_allclose(joint.sum(axis=0), q, rtol=0, atol=TOL)
    np.testing.assert_allclose(np.diag(joint), np.minimum(p, q), rtol=0, atol=TOL)
    assert np.trace(joint) == pytest.approx(1 - tv, abs=TOL)
    assert pg.total_variation(p, q) == pytest.approx(tv, abs=TOL)
    assert pg.total_variation(q, p) == pytest.approx(tv, abs=TOL)
    # Any other coupling disagrees at least as often: here the north-west corner coupling
    # and the independent one (P(X = Y) = sum_x p(x) q(x)).
    other = _northwest_corner(p, q)
    np.testing.assert_allclose(other.sum(axis=1), p, rtol=0, atol=TOL)
    np.testing.assert_allclose(other.sum(axis=0), q, rtol=0, atol=TOL)
    assert 1 - np.trace(other) >= tv - TOL
    assert 1 - float(p @ q) >= tv - TOL
    # The swapped coupling is the transpose (the construction is symmetric).
    np.testing.assert_allclose(pg.maximal_coupling(q, p), joint.T, rtol=0, atol=TOL)


@given(distributions(n=2), distributions(n=2))
@settings(max_examples=200, deadline=None)
def test_no_coupling_of_two_outcomes_does_better(p, q):
    # Every coupling of two-point laws is joint[0, 0] = a with
    # max(0, p0 + q0 - 1) <= a <= min(p0, q0); P(X = Y) = a + (1 - p0 - q0 + a). Enumerate a
    # on a fine grid (end points included): the best is 1 - TV, as the maximal coupling.
    lo, hi = max(0.0, p[0] + q[0] - 1.0), min(p[0], q[0])
    a = np.linspace(lo, hi, 1001)
    agree = a + (1.0 - p[0] - q[0] + a)
    best = agree.max()
    assert best == pytest.approx(np.trace(pg.maximal_coupling(p, q)), abs=1e-12)
    assert best == pytest.approx(1 - 0.5 * np.abs(p - q).sum(), abs=1e-12)


# --------------------------------------------------------------------------- sampling


def test_sample_coupling_rate_and_marginals():
    rng = np.random.default_rng(8)
    p, q = np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.1, 0.3, 0.3, 0.3])
    n = 200_000
    x, y = pg.sample_coupling(p, q, n, rng=rng)
    assert x.dtype == np.int64 and y.shape == (n,)
    tv = 0.4
    assert abs((x != y).mean() - tv) <= 5 * np.sqrt(tv * (1 - tv) / n)
    for draws, law in ((x, p), (y, q)):
        freq = np.bincount(draws, minlength=4) / n
        assert np.all(np.abs(freq - law) <= 5 * np.sqrt(law * (1 - law) / n) + 1e-12)
    # A zero-probability outcome is never drawn; agreement only where both have mass.
    assert not np.any(x == 3)
    assert not np.any((x == y) & (x == 3))
    # One uniform per pair, in order: the same seed gives the same pairs.
    x2, y2 = pg.sample_coupling(p, q, n, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    # The maximal coupling by hand (Levin, Peres & Wilmer, Prop. 4.7): min(p, q) =
    # (0.1, 0.3, 0.2, 0) on the diagonal; the excess of p, 0.4 at 0, goes to the excess of
    # q, (0.1, 0.3) at (2, 3), in proportion: joint[0, 2] = 0.1, joint[0, 3] = 0.3.
    joint = np.zeros((4, 4))
    joint[[0, 1, 2], [0, 1, 2]] = [0.1, 0.3, 0.2]
    joint[0, 2], joint[0, 3] = 0.1, 0.3
    freq = np.bincount(x * 4 + y, minlength=16).reshape(4, 4) / n
    assert np.all(np.abs(freq - joint) <= 5 * np.sqrt(joint * (1 - joint) / n))
    # The documented draw: pair k (row-major) for the uniform u when cdf[k-1] <= u < cdf[k].
    u = np.random.default_rng(8).random(n)
    k = np.searchsorted(np.cumsum(joint.ravel()), u, side="right")
    np.testing.assert_array_equal(x * 4 + y, k)


# --------------------------------------------------------------- coupled trajectories


def _stochastic_case(seed, S=4, A=3, kind="dense"):
    rng = np.random.default_rng(seed)
    branching, concentration = {"dense": (None, 1.0), "sparse": (2, 0.3), "det": (1, 1.0)}[kind]
    mdp = pg.random_mdp(S, A, rng=rng, branching=branching, concentration=concentration)
    pi = pg.softmax_policy(rng.normal(size=(S, A)))
    pi_new = pg.softmax_policy(np.log(pi) + 0.7 * rng.normal(size=(S, A)))
    return mdp, pi, pi_new


def _loop_chain(P, p0, pi, pi_new, T):
    """P(a_k = a'_k for k < t, s_t = s) by enumerating joint state-action paths (loops)."""
    S, A = len(p0), len(pi[0])
    q = np.zeros((T, S))

    def walk(t, s, prob):
        q[t, s] += prob
        if t + 1 == T:
            return
        for a in range(A):
            agree = prob * min(pi[s][a], pi_new[s][a])
            for s2 in range(S):
                if agree * P[s][a][s2] > 0:
                    walk(t + 1, s2, agree * P[s][a][s2])

    for s0 in range(S):
        if p0[s0] > 0:
            walk(0, s0, p0[s0])
    return q


@pytest.mark.parametrize("kind", ["dense", "sparse", "det"])
def test_no_disagreement_chain_matches_loops_and_bound(kind):
    mdp, pi, pi_new = _stochastic_case(3, kind=kind)
    T = 6
    chain = pg.no_disagreement_chain(mdp, pi, pi_new, horizon=T)
    q = _loop_chain(mdp.P, mdp.p0, pi, pi_new, T)
    np.testing.assert_allclose(chain.q, q, rtol=0, atol=TOL)
    np.testing.assert_allclose(chain.mass, q.sum(axis=1), rtol=0, atol=TOL)
    assert chain.mass[0] == pytest.approx(1.0, abs=TOL)
    eps = pg.max_tv_distance(pi, pi_new)
    assert np.all(chain.mass >= (1 - eps) ** np.arange(T) - TOL)
    # Both marginals dominate q_t, so ||p'_t - p_t||_1 <= 2 (1 - mass_t).
    p = pg.state_marginals(mdp, pi, T)
    p2 = pg.state_marginals(mdp, pi_new, T)
    assert np.all(p >= chain.q - TOL) and np.all(p2 >= chain.q - TOL)
    assert np.all(np.abs(p2 - p).sum(axis=1) <= 2 * (1 - chain.mass) + TOL)
    # The default horizon is the MDP's.
    fin = mdp.with_horizon(T)
    np.testing.assert_array_equal(pg.no_disagreement_chain(fin, pi, pi_new).q, chain.q)


def test_no_disagreement_chain_is_no_mistake_chain_for_deterministic_pi():
    rng = np.random.default_rng(5)
    mdp = pg.random_mdp(4, 3, rng=rng, concentration=0.4)
    actions = rng.integers(3, size=4)
    pi2 = pg.epsilon_close_policy(actions, 3, 0.3, rng=rng, state_dependent=True)
    pi = pg.deterministic_policy(actions, 3)
    T = 5
    chain = pg.no_disagreement_chain(mdp, pi, pi2, horizon=T)
    mass, q = bf.no_mistake(mdp.P, mdp.p0, pi2, actions, T)  # brute-force enumeration
    np.testing.assert_allclose(chain.q, q, rtol=0, atol=TOL)
    np.testing.assert_allclose(chain.mass, mass, rtol=0, atol=TOL)


def test_tightrope_no_disagreement_is_exactly_one_minus_eps_to_the_t():
    eps, T = 0.2, 12
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(eps)
    chain = pg.no_disagreement_chain(mdp, pi, pi_eps, horizon=T)
    np.testing.assert_allclose(chain.mass, (1 - eps) ** np.arange(T), rtol=0, atol=TOL)
    exact = pg.marginal_l1_distance(mdp, pi, pi_eps, horizon=T)
    np.testing.assert_allclose(exact, 2 * (1 - chain.mass), rtol=0, atol=TOL)


@pytest.mark.parametrize("kind", ["dense", "sparse", "det"])
def test_coupled_trajectories_marginals_and_split_time(kind):
    mdp, pi, pi_new = _stochastic_case(11, kind=kind)
    n, T = 40_000, 7
    rng = np.random.default_rng(12)
    tr = pg.coupled_trajectories(mdp, pi, pi_new, n, rng=rng, horizon=T)
    for arr in tr[:4]:
        assert arr.shape == (n, T) and arr.dtype == np.int64
    assert tr.split.shape == (n,) and tr.split.min() >= 0 and tr.split.max() <= T
    # Each trajectory alone has the law of its policy: states and actions.
    for states, acts, pol in ((tr.states, tr.actions, pi), (tr.states_new, tr.actions_new, pi_new)):
        exact = np.clip(pg.state_marginals(mdp, pol, T), 0.0, 1.0)
        freq = pg.empirical_marginals(states, mdp.n_states)
        assert np.all(np.abs(freq - exact) <= 5 * np.sqrt(exact * (1 - exact) / n) + 1e-12)
        sa = np.zeros((mdp.n_states, mdp.n_actions))
        np.add.at(sa, (states[:, 3], acts[:, 3]), 1.0 / n)
        law = np.clip(exact[3][:, None] * pol, 0.0, 1.0)
        assert np.all(np.abs(sa - law) <= 5 * np.sqrt(law * (1 - law) / n) + 1e-12)
    # Before the split the pair is identical; at the split the actions differ.
    t = np.arange(T)
    before = t[None, :] <= tr.split[:, None]
    assert np.all((tr.states == tr.states_new)[before & (t[None, :] < T)])
    earlier = t[None, :] < tr.split[:, None]
    assert np.all((tr.actions == tr.actions_new)[earlier])
    at = tr.split < T
    rows = np.flatnonzero(at)
    assert np.all(tr.actions[rows, tr.split[rows]] != tr.actions_new[rows, tr.split[rows]])
    # P(split >= t) against the exact no-disagreement mass, within 5 standard errors.
    mass = np.clip(pg.no_disagreement_chain(mdp, pi, pi_new, horizon=T).mass, 0.0, 1.0)
    freq = (tr.split[:, None] >= t[None, :]).mean(axis=0)
    assert np.all(np.abs(freq - mass) <= 5 * np.sqrt(mass * (1 - mass) / n) + 1e-12)
    eps = pg.max_tv_distance(pi, pi_new)
    assert np.all(mass >= (1 - eps) ** t - TOL)


def test_coupled_trajectories_after_the_split_run_independently():
    # On the tightrope with pi = stay and pi_new = leave w.p. eps, after the split pi stays in
    # state 0 and pi_new sits in the absorbing state 1 forever; the split time is geometric.
    eps, n, T = 0.3, 20_000, 10
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(eps)
    tr = pg.coupled_trajectories(mdp, pi, pi_eps, n, rng=np.random.default_rng(4), horizon=T)
    assert np.all(tr.states == 0) and np.all(tr.actions == 0)
    t = np.arange(T)
    np.testing.assert_array_equal(tr.states_new == 1, t[None, :] > tr.split[:, None])
    freq = (tr.split[:, None] >= t[None, :]).mean(axis=0)
    mass = (1 - eps) ** t
    assert np.all(np.abs(freq - mass) <= 5 * np.sqrt(mass * (1 - mass) / n) + 1e-12)
    # Identical policies never split.
    same = pg.coupled_trajectories(
        mdp, pi_eps, pi_eps, 500, rng=np.random.default_rng(1), horizon=T
    )
    assert np.all(same.split == T)
    np.testing.assert_array_equal(same.states, same.states_new)
    np.testing.assert_array_equal(same.actions, same.actions_new)


def test_coupled_trajectories_seeded_and_default_horizon():
    mdp, pi, pi_new = _stochastic_case(2)
    fin = mdp.with_horizon(5)
    a = pg.coupled_trajectories(fin, pi, pi_new, 50, rng=np.random.default_rng(0))
    b = pg.coupled_trajectories(mdp, pi, pi_new, 50, rng=np.random.default_rng(0), horizon=5)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.states.shape == (50, 5)
    # Horizon 1: only s_0 and a_0, no transition.
    one = pg.coupled_trajectories(mdp, pi, pi_new, 10, rng=np.random.default_rng(0), horizon=1)
    assert one.states.shape == (10, 1)


# ---------------------------------------------------------------------------- ValueErrors


@pytest.mark.parametrize("fn", [pg.maximal_coupling, pg.total_variation])
@pytest.mark.parametrize(
    ("p", "q", "message"),
    [
        ([0.5, 0.5], [1.0, 0.0, 0.0], "q must have the shape of p, (2,), got (3,)"),
        ([[0.5, 0.5]], [0.5, 0.5], "p must have 1 dimension(s), got shape (1, 2) (2 dimension(s))"),
        ([0.5, 0.5], 1.0, "q must have 1 dimension(s), got shape () (0 dimension(s))"),
        ([], [], "p must hold at least one probability, got shape (0,)"),
        ([0.5, 0.6], [0.5, 0.5], "p sums to 1.1, expected 1 (atol=1e-08)"),
        ([0.5, 0.5], [1.2, -0.2], "q[1] is -0.2, expected >= 0"),
        ([0.5, np.nan], [0.5, 0.5], "p[1] is nan, expected a finite number"),
        (["a", "b"], [0.5, 0.5], "p must be a numeric array, got list"),
    ],
)
def test_distribution_value_errors(fn, p, q, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        fn(p, q)


_MDP = pg.tightrope_mdp()
_PI, _PI_EPS = pg.tightrope_policies(0.1)
_RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: pg.sample_coupling([0.5, 0.5], [1.0, 0.0], 0, rng=_RNG),
            "n must be an integer >= 1, got 0",
        ),
        (
            lambda: pg.sample_coupling([0.5, 0.5], [1.0, 0.0], 10, rng=0),
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got int",
        ),
        (
            lambda: pg.sample_coupling([0.5, 0.5], [1.0], 10, rng=_RNG),
            "q must have the shape of p, (2,), got (1,)",
        ),
        (
            lambda: pg.no_disagreement_chain({}, _PI, _PI_EPS, horizon=3),
            "mdp must be a pgtheory.TabularMDP, got dict",
        ),
        (
            lambda: pg.no_disagreement_chain(_MDP, np.ones((2, 3)) / 3, _PI_EPS, horizon=3),
            "pi must have shape (2, 2), got (2, 3)",
        ),
        (
            lambda: pg.no_disagreement_chain(_MDP, _PI, [[0.5, 0.6], [0.5, 0.5]], horizon=3),
            "pi_new[0, :] sums to 1.1, expected 1 (atol=1e-08)",
        ),
        (
            lambda: pg.no_disagreement_chain(_MDP, _PI, _PI_EPS),
            "horizon must be an integer >= 1 for a discounted MDP (mdp.horizon is None), got None",
        ),
        (
            lambda: pg.no_disagreement_chain(_MDP, _PI, _PI_EPS, horizon=0),
            "horizon must be an integer >= 1, got 0",
        ),
        (
            lambda: pg.coupled_trajectories(_MDP, _PI, _PI_EPS, 10, rng=_RNG),
            "horizon must be an integer >= 1 to sample a discounted MDP (trajectories are "
            "truncated there), got None",
        ),
        (
            lambda: pg.coupled_trajectories(_MDP, _PI, _PI_EPS, 0, rng=_RNG, horizon=3),
            "n must be an integer >= 1, got 0",
        ),
        (
            lambda: pg.coupled_trajectories(_MDP, _PI, _PI_EPS, 5, rng=None, horizon=3),
            "rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got NoneType",
        ),
        (
            lambda: pg.coupled_trajectories(_MDP, _PI, np.ones((3, 2)) / 2, 5, rng=_RNG, horizon=3),
            "pi_new must have shape (2, 2), got (3, 2)",
        ),
        (
            lambda: pg.coupled_trajectories("mdp", _PI, _PI_EPS, 5, rng=_RNG, horizon=3),
            "mdp must be a pgtheory.TabularMDP, got str",
        ),
    ],
)
def test_trajectory_value_errors(call, message):
    with pytest.raises(ValueError, match=_exactly(message)):
        call()
