"""Tests for pgtheory.core.batched: batched exact evaluation equals the one-MDP functions."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg

TOL = 1e-12


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


@st.composite
def batches(draw):
    """B random discounted MDPs of one size (S, A >= 2; dense, sparse or deterministic
    dynamics; gamma in [0, 0.99]) as TabularMDPs, and one policy each (some with zeros)."""
    B, S, A = draw(st.integers(1, 6)), draw(st.integers(2, 6)), draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from([(None, 1.0), (2, 0.2), (1, 1.0)]))
    mdps = [
        pg.random_mdp(
            S,
            A,
            rng=rng,
            gamma=float(rng.uniform(0.0, 0.99)),
            branching=kind[0],
            concentration=kind[1],
            reward_range=(-1.0, 2.0),
        )
        for _ in range(B)
    ]
    pis = rng.dirichlet(np.full(A, 0.4), size=(B, S))
    if draw(st.booleans()):
        pis[pis < 0.05] = 0.0
        pis[..., 0] += pis.sum(axis=-1) == 0
        pis /= pis.sum(axis=-1, keepdims=True)
    return mdps, pis


def scale(mdp):
    return 1.0 + np.abs(mdp.r).max() / (1.0 - mdp.gamma)


@given(batches())
@settings(max_examples=150, deadline=None)
def test_batched_equals_one_mdp_functions(case):
    mdps, pis = case
    batch = pg.stack_mdps(mdps)
    vf = pg.batch_evaluate(batch, pis)
    J = pg.batch_expected_return(batch, pis)
    d = pg.batch_visitation(batch, pis)
    for b, (mdp, pi) in enumerate(zip(mdps, pis, strict=True)):
        one = pg.evaluate(mdp, pi)
        tol = TOL * scale(mdp)
        np.testing.assert_allclose(vf.V[b], one.V, rtol=0, atol=tol)
        np.testing.assert_allclose(vf.Q[b], one.Q, rtol=0, atol=tol)
        np.testing.assert_allclose(vf.A[b], one.A, rtol=0, atol=tol)
        assert abs(J[b] - pg.expected_return(mdp, pi)) <= tol
        np.testing.assert_allclose(d[b], pg.discounted_visitation(mdp, pi), rtol=0, atol=TOL)


def test_value_iteration_reference():
    # An independent algorithm: V = r_pi + gamma P_pi V iterated to its fixed point.
    rng = np.random.default_rng(5)
    batch = pg.random_mdp_batch(4, 5, 3, rng=rng, gamma=(0.2, 0.8), branching=2)
    pi = rng.dirichlet(np.ones(3), size=(4, 5))
    V = np.zeros((4, 5))
    for _ in range(400):
        V = np.einsum("bsa,bsa->bs", pi, batch.r) + batch.gamma[:, None] * np.einsum(
            "bsa,bsat,bt->bs", pi, batch.P, V
        )
    np.testing.assert_allclose(pg.batch_evaluate(batch, pi).V, V, rtol=0, atol=1e-12)
    # Visitation: (1 - gamma) sum_t gamma^t p_t, summed forward.
    p, d = batch.p0.copy(), np.zeros((4, 5))
    for t in range(400):
        d += batch.gamma[:, None] ** t * p
        p = np.einsum("bs,bsa,bsat->bt", p, pi, batch.P)
    np.testing.assert_allclose(
        pg.batch_visitation(batch, pi), (1 - batch.gamma)[:, None] * d, rtol=0, atol=1e-12
    )


def test_batch_occupancy_is_the_discounted_sum_of_marginals():
    # rho[b] = sum_t gamma[b]^t p_t, summed forward; rows sum to 1 / (1 - gamma[b]).
    rng = np.random.default_rng(6)
    batch = pg.random_mdp_batch(3, 4, 2, rng=rng, gamma=(0.1, 0.7), branching=2)
    pi = rng.dirichlet(np.ones(2), size=(3, 4))
    p, rho = batch.p0.copy(), np.zeros((3, 4))
    for t in range(200):
        rho += batch.gamma[:, None] ** t * p
        p = np.einsum("bs,bsa,bsat->bt", p, pi, batch.P)
    np.testing.assert_allclose(pg.batch_occupancy(batch, pi), rho, rtol=0, atol=1e-13)
    np.testing.assert_allclose(
        pg.batch_occupancy(batch, pi).sum(axis=1), 1 / (1 - batch.gamma), rtol=1e-13
    )
    with pytest.raises(ValueError, match=full("batch must be a pgtheory.MDPBatch, got str")):
        pg.batch_occupancy("batch", pi)


def test_check_batch_policy():
    batch = pg.random_mdp_batch(2, 3, 2, rng=np.random.default_rng(4))
    assert pg.batched.check_batch(batch) is batch
    pis = np.full((2, 3, 2), 0.5)
    assert pg.batched.check_batch_policy(batch, pis) is pis  # a valid float64 batch: no copy
    one = pg.batched.check_batch_policy(batch, [[1, 0], [0, 1], [0.5, 0.5]])
    assert one.shape == (2, 3, 2) and one.dtype == np.float64
    np.testing.assert_array_equal(one[1], [[1, 0], [0, 1], [0.5, 0.5]])
    with pytest.raises(ValueError, match=full("pi_new must have shape (2, 3, 2), got (3, 3)")):
        pg.batched.check_batch_policy(batch, np.full((3, 3), 1 / 3), "pi_new")
    with pytest.raises(ValueError, match=full("batch must be a pgtheory.MDPBatch, got dict")):
        pg.batched.check_batch({})


def test_one_policy_broadcasts_to_the_batch():
    rng = np.random.default_rng(1)
    batch = pg.random_mdp_batch(3, 4, 2, rng=rng)
    pi = rng.dirichlet(np.ones(2), size=4)
    np.testing.assert_array_equal(
        pg.batch_expected_return(batch, pi),
        pg.batch_expected_return(batch, np.broadcast_to(pi, (3, 4, 2)).copy()),
    )


def test_random_mdp_batch_draws():
    rng = np.random.default_rng(2)
    batch = pg.random_mdp_batch(50, 6, 3, rng=rng, gamma=(0.3, 0.7), branching=2)
    assert batch.P.shape == (50, 6, 3, 6) and (batch.n_mdps, batch.n_states) == (50, 6)
    assert batch.n_actions == 3
    assert np.all((batch.P > 0).sum(axis=-1) <= 2)
    assert np.all((batch.P > 0).sum(axis=-1) >= 1)
    np.testing.assert_allclose(batch.P.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert 0.3 <= batch.gamma.min() < batch.gamma.max() <= 0.7
    assert 0 <= batch.r.min() and batch.r.max() <= 1
    dense = pg.random_mdp_batch(20, 4, 2, rng=rng, gamma=0.5)
    assert np.all(dense.gamma == 0.5) and np.all(dense.P > 0)
    one = pg.unstack_mdp(dense, 3)
    np.testing.assert_array_equal(one.P, dense.P[3])
    np.testing.assert_array_equal(one.r, dense.r[3])
    np.testing.assert_array_equal(one.p0, dense.p0[3])
    assert one.gamma == 0.5 and one.horizon is None
    sharp = pg.random_mdp_batch(200, 3, 2, rng=rng, concentration=0.05)
    assert sharp.P.max(axis=-1).mean() > 0.9  # small concentration: near-deterministic rows


def test_errors():
    rng = np.random.default_rng(0)
    mdp = pg.random_mdp(3, 2, rng=rng)
    with pytest.raises(
        ValueError, match=full("mdps must hold at least one TabularMDP, got an empty sequence")
    ):
        pg.stack_mdps([])
    with pytest.raises(ValueError, match=full("mdps[1] must be a pgtheory.TabularMDP, got str")):
        pg.stack_mdps([mdp, "x"])
    with pytest.raises(ValueError, match=full("mdps[1].horizon must be None (discounted), got 4")):
        pg.stack_mdps([mdp, mdp.with_horizon(4)])
    other = pg.random_mdp(3, 3, rng=rng)
    with pytest.raises(
        ValueError, match=full("mdps[1] has (S, A) = (3, 3), expected (3, 2) like mdps[0]")
    ):
        pg.stack_mdps([mdp, other])
    batch = pg.stack_mdps([mdp, mdp])
    with pytest.raises(ValueError, match=full("batch must be a pgtheory.MDPBatch, got TabularMDP")):
        pg.batch_evaluate(mdp, np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match=full("pi must have shape (2, 3, 2), got (3, 3)")):
        pg.batch_evaluate(batch, np.full((3, 3), 1 / 3))
    with pytest.raises(ValueError, match=full("pi[1, 2, :] sums to 1.2, expected 1 (atol=1e-08)")):
        pi = np.full((2, 3, 2), 0.5)
        pi[1, 2, 0] = 0.7
        pg.batch_visitation(batch, pi)
    with pytest.raises(ValueError, match=full("b must be an integer in [0, 2), got 2")):
        pg.unstack_mdp(batch, 2)
    with pytest.raises(ValueError, match=full("b must be an integer in [0, 2), got True")):
        pg.unstack_mdp(batch, True)
    with pytest.raises(
        ValueError, match=full("gamma must satisfy 0 <= low <= high < 1, got (0.5, 1.0)")
    ):
        pg.random_mdp_batch(2, 2, 2, rng=rng, gamma=(0.5, 1.0))
    with pytest.raises(ValueError, match=full("gamma must lie in [0, 1), got 1.0")):
        pg.random_mdp_batch(2, 2, 2, rng=rng, gamma=1.0)
    with pytest.raises(ValueError, match=full("branching must be <= n_states = 2, got 3")):
        pg.random_mdp_batch(2, 2, 2, rng=rng, branching=3)
    with pytest.raises(ValueError, match=full("concentration must be > 0, got 0.0")):
        pg.random_mdp_batch(2, 2, 2, rng=rng, concentration=0.0)
    with pytest.raises(ValueError, match=full("n_mdps must be an integer >= 1, got 0")):
        pg.random_mdp_batch(0, 2, 2, rng=rng)


def test_more_errors_and_edges():
    rng = np.random.default_rng(3)
    for kwargs, msg in (
        ({"n_states": 0}, "n_states must be an integer >= 1, got 0"),
        ({"n_actions": 0}, "n_actions must be an integer >= 1, got 0"),
        ({"concentration": "x"}, "concentration must be a real number, got str 'x'"),
        ({"gamma": ("x", 0.5)}, "gamma must be a real number, got str 'x'"),
        ({"gamma": "x"}, "gamma must be a real number, got str 'x'"),
        ({"branching": 0}, "branching must be an integer >= 1, got 0"),
    ):
        args = {"n_mdps": 2, "n_states": 3, "n_actions": 2} | kwargs
        with pytest.raises(ValueError, match=full(msg)):
            pg.random_mdp_batch(
                args.pop("n_mdps"), args.pop("n_states"), args.pop("n_actions"), rng=rng, **args
            )
    # the ends of the ranges are allowed
    assert np.all(pg.random_mdp_batch(3, 2, 2, rng=rng, gamma=(0.0, 0.5)).gamma >= 0)
    np.testing.assert_array_equal(
        pg.random_mdp_batch(3, 2, 2, rng=rng, gamma=(0.5, 0.5)).gamma, 0.5
    )
    np.testing.assert_array_equal(pg.random_mdp_batch(3, 2, 2, rng=rng, gamma=0.0).gamma, 0.0)
    # the default concentration is 1 (a flat Dirichlet)
    a = pg.random_mdp_batch(4, 3, 2, rng=np.random.default_rng(9))
    b = pg.random_mdp_batch(4, 3, 2, rng=np.random.default_rng(9), concentration=1.0)
    np.testing.assert_array_equal(a.P, b.P)
    batch = pg.random_mdp_batch(2, 3, 2, rng=rng)
    np.testing.assert_array_equal(pg.unstack_mdp(batch, 0).P, batch.P[0])
    # a full-size policy batch whose columns, not rows, sum to 1 is refused (fast path too)
    sq = pg.random_mdp_batch(2, 2, 2, rng=rng)
    swapped = np.array([[[1.0, 1.0], [0.0, 0.0]]] * 2)
    with pytest.raises(ValueError, match=full("pi[0, 0, :] sums to 2, expected 1 (atol=1e-08)")):
        pg.batch_visitation(sq, swapped)
    with pytest.raises(ValueError, match=full("pi[0, 0, 1] is nan, expected a finite number")):
        pg.batch_evaluate(sq, [[[1.0, float("nan")], [0.5, 0.5]]] * 2)


def _valid_arrays():
    """The four arrays of a valid batch of 3 MDPs with S = 4, A = 2, as fresh copies."""
    P, r, p0, gamma = pg.random_mdp_batch(3, 4, 2, rng=np.random.default_rng(7))
    return {"P": P.copy(), "r": r.copy(), "p0": p0.copy(), "gamma": gamma.copy()}


def _set(name, index, value):
    def edit(arrays):
        arrays[name][index] = value
        return arrays

    return edit


def _put(name, value):
    def edit(arrays):
        arrays[name] = value
        return arrays

    return edit


def _move_mass(arrays):
    # P[1, 2, 1, :] gets 0.03 more mass on one successor: it sums to 1.03
    arrays["P"][1, 2, 1, 0] += 0.03
    return arrays


def _negative_row(arrays):
    arrays["P"][0, 3, 0, :] = [1.5, -0.5, 0.0, 0.0]  # sums to 1, one entry negative
    return arrays


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set("gamma", 1, 1.0), "gamma[1] is 1.0, expected a number in [0, 1) (discounted MDPs)"),
        (_set("gamma", 2, -0.1), "gamma[2] is -0.1, expected a number in [0, 1) (discounted MDPs)"),
        (_set("gamma", 0, np.nan), "gamma[0] is nan, expected a finite number"),
        (_set("P", (1, 2, 0, 3), np.nan), "P[1, 2, 0, 3] is nan, expected a finite number"),
        (_set("P", (2, 0, 1, 1), np.inf), "P[2, 0, 1, 1] is inf, expected a finite number"),
        (_move_mass, "P[1, 2, 1, :] sums to 1.03, expected 1 (atol=1e-08)"),
        (_negative_row, "P[0, 3, 0, 1] is -0.5, expected >= 0"),
        (_set("p0", 2, [0.5, 0.5, 0.5, 0.0]), "p0[2, :] sums to 1.5, expected 1 (atol=1e-08)"),
        (_set("r", (0, 1, 1), -np.inf), "r[0, 1, 1] is -inf, expected a finite number"),
        (
            _put("P", np.zeros((3, 4, 2, 5))),
            "P must have shape (B, S, A, S) with B, S, A >= 1, got (3, 4, 2, 5)",
        ),
        (
            _put("P", np.zeros((3, 0, 2, 0))),
            "P must have shape (B, S, A, S) with B, S, A >= 1, got (3, 0, 2, 0)",
        ),
        (
            _put("P", np.zeros((4, 2, 4))),
            "P must have 4 dimension(s), got shape (4, 2, 4) (3 dimension(s))",
        ),
        (_put("r", np.zeros((3, 4, 3))), "r must have shape (3, 4, 2), got (3, 4, 3)"),
        (_put("p0", np.full((2, 4), 0.25)), "p0 must have shape (3, 4), got (2, 4)"),
        (_put("gamma", np.full(2, 0.5)), "gamma must have shape (3,), got (2,)"),
        (_put("gamma", 0.5), "gamma must have 1 dimension(s), got shape () (0 dimension(s))"),
        (_put("r", "x"), "r must be a numeric array, got str"),
    ],
)
def test_mdp_batch_built_directly_is_validated(edit, message):
    arrays = edit(_valid_arrays())
    with pytest.raises(ValueError, match=full(message)):
        pg.MDPBatch(**arrays)
    with pytest.raises(ValueError, match=full(message)):  # _replace builds a new batch too
        pg.MDPBatch(**_valid_arrays())._replace(**arrays)


def test_mdp_batch_built_directly_from_valid_arrays():
    arrays = _valid_arrays()
    batch = pg.MDPBatch(*(x.tolist() for x in arrays.values()))  # lists become arrays
    for name, x in arrays.items():
        np.testing.assert_array_equal(getattr(batch, name), x)
        assert getattr(batch, name).dtype == np.float64
    # the ends of the ranges are allowed: gamma = 0, deterministic rows
    arrays["gamma"][0] = 0.0
    arrays["P"][1] = np.eye(4)[[1, 2, 3, 0]][:, None, :]
    batch = pg.MDPBatch(**arrays)
    assert batch.gamma[0] == 0.0
    # a batch behaves like the tuple of its arrays: unpacking and zip still work
    P, _, _, gamma = batch
    assert P is batch.P and gamma is batch.gamma
    # one MDP repeated by a broadcast view (as guarantees and algorithms build them)
    one = pg.stack_mdps([pg.unstack_mdp(batch, 1)])
    repeated = pg.MDPBatch(*(np.broadcast_to(x, (5, *x.shape[1:])) for x in one))
    assert repeated.n_mdps == 5
    np.testing.assert_array_equal(
        pg.batch_expected_return(repeated, np.full((4, 2), 0.5)),
        np.full(5, pg.expected_return(pg.unstack_mdp(batch, 1), np.full((4, 2), 0.5))),
    )
    bad = one.P.copy()
    bad[0, 2, 1] = [0.5, 0.5, 0.5, -0.5]
    with pytest.raises(ValueError, match=full("P[0, 2, 1, 3] is -0.5, expected >= 0")):
        pg.MDPBatch(np.broadcast_to(bad, (5, 4, 2, 4)), *repeated[1:])


def test_gamma_one_and_nan_no_longer_reach_the_solver():
    # Before the constructor validated, gamma = 1 gave V of order -1e15 (a singular system
    # solved in floating point) and a NaN in P gave NaN values without an error.
    arrays = _valid_arrays()
    arrays["gamma"][:] = 1.0
    with pytest.raises(ValueError, match=r"^gamma\[0\] is 1\.0, expected"):
        pg.batch_evaluate(pg.MDPBatch(**arrays), np.full((4, 2), 0.5))


def test_mdp_batch_converts_other_dtypes_to_float64():
    # integer arrays of the right dimensions are converted, not passed through
    P = np.zeros((2, 2, 1, 2), dtype=np.int64)
    P[:, :, 0, 0] = 1
    batch = pg.MDPBatch(
        P, np.zeros((2, 2, 1), dtype=np.int64), np.array([[1, 0], [0, 1]]), np.array([0, 0])
    )
    for x in batch:
        assert x.dtype == np.float64
    np.testing.assert_array_equal(batch.P, P)


@pytest.mark.parametrize(
    ("P", "r", "p0", "message"),
    [
        # two MDPs: P and p0 each sum to 1 in total, but the second MDP's rows sum to 0
        (
            np.array([1.0, 0.0]).reshape(2, 1, 1, 1),
            np.zeros((2, 1, 1)),
            [[1.0], [0.0]],
            "P[1, 0, 0, :] sums to 0, expected 1 (atol=1e-08)",
        ),
        # the columns over s (not the rows over s') of P sum to 1
        (
            np.array([[1.0, 1.0], [0.0, 0.0]]).reshape(1, 2, 1, 2),
            np.zeros((1, 2, 1)),
            [[0.5, 0.5]],
            "P[0, 0, 0, :] sums to 2, expected 1 (atol=1e-08)",
        ),
        # the sums over the actions (not over s') of P are 1
        (
            np.array([1.0, 0.0]).reshape(1, 1, 2, 1),
            np.zeros((1, 1, 2)),
            [[1.0]],
            "P[0, 0, 1, :] sums to 0, expected 1 (atol=1e-08)",
        ),
        # every row sums to 2
        (
            np.full((1, 1, 1, 1), 2.0),
            np.zeros((1, 1, 1)),
            [[2.0]],
            "P[0, 0, 0, :] sums to 2, expected 1 (atol=1e-08)",
        ),
    ],
)
def test_mdp_batch_rows_of_p_must_each_sum_to_one(P, r, p0, message):
    gamma = np.full(len(P), 0.5)
    with pytest.raises(ValueError, match=full(message)):
        pg.MDPBatch(P, r, p0, gamma)


def test_mdp_batch_checks_every_mdp_of_a_strided_view():
    # A float64 view whose batch stride is 1 byte (not a broadcast): MDP 0 reads the bytes of
    # 1.0, MDP 1 the same bytes shifted by one, which is not a distribution.
    buf = np.zeros(9, dtype=np.uint8)
    buf[:8] = np.frombuffer(np.float64(1.0).tobytes(), dtype=np.uint8)
    buf[8] = 0x3F
    P = np.ndarray((2, 1, 1, 1), dtype=np.float64, buffer=buf, strides=(1, 8, 8, 8))
    second = float(np.frombuffer(buf[1:9].tobytes(), dtype=np.float64)[0])
    assert P[0, 0, 0, 0] == 1.0 and second == P[1, 0, 0, 0] and 0 < second < 0.5
    with pytest.raises(
        ValueError, match=full(f"P[1, 0, 0, :] sums to {second:.6g}, expected 1 (atol=1e-08)")
    ):
        pg.MDPBatch(P, np.zeros((2, 1, 1)), np.ones((2, 1)), np.full(2, 0.5))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _put("r", np.zeros((3, 4))),
            "r must have 3 dimension(s), got shape (3, 4) (2 dimension(s))",
        ),
        (
            _put("p0", np.full(4, 0.25)),
            "p0 must have 2 dimension(s), got shape (4,) (1 dimension(s))",
        ),
        (_put("p0", "x"), "p0 must be a numeric array, got str"),
        # gamma = 0 is allowed; the first gamma outside [0, 1) is named
        (
            _put("gamma", np.array([0.0, 1.0, 0.5])),
            "gamma[1] is 1.0, expected a number in [0, 1) (discounted MDPs)",
        ),
        (
            lambda a: {
                "P": np.zeros((0, 4, 2, 4)),
                "r": np.zeros((0, 4, 2)),
                "p0": np.zeros((0, 4)),
                "gamma": np.zeros(0),
            },
            "P must have shape (B, S, A, S) with B, S, A >= 1, got (0, 4, 2, 4)",
        ),
        (
            lambda a: {
                "P": np.zeros((3, 4, 0, 4)),
                "r": np.zeros((3, 4, 0)),
                "p0": a["p0"],
                "gamma": a["gamma"],
            },
            "P must have shape (B, S, A, S) with B, S, A >= 1, got (3, 4, 0, 4)",
        ),
    ],
)
def test_mdp_batch_more_messages(edit, message):
    with pytest.raises(ValueError, match=full(message)):
        pg.MDPBatch(**edit(_valid_arrays()))
