"""Tests for pgtheory.beyond.guarantees: CPI, TRPO and CPO bounds, the tightrope closed forms and
the tightness sweep (Kakade & Langford 2002; Schulman et al. 2015; Achiam et al. 2017)."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pgtheory as pg

TOL = 1e-10


def full(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return f"^{re.escape(message)}$"


@st.composite
def pairs(draw):
    """A random discounted MDP (S, A >= 2; dense, sparse or deterministic dynamics) and
    three policies pi, pi_prime, pi_new (dense, or with exact zeros), plus alpha."""
    S, A = draw(st.integers(2, 6)), draw(st.integers(2, 4))
    gamma = draw(st.floats(0.0, 0.99))
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
    conc = draw(st.sampled_from([0.2, 1.0, 5.0]))
    pis = [rng.dirichlet(np.full(A, conc), size=S) for _ in range(3)]
    if draw(st.booleans()):  # exact zeros
        for p in pis:
            p[p < 0.05] = 0.0
            p /= p.sum(axis=1, keepdims=True)
    # small steps too: pi_new close to pi, where the bound is tightest relative to its size
    t = draw(st.sampled_from([0.0, 1e-4, 0.01, 0.2, 1.0]))
    pi, pi_prime, other = pis
    pi_new = (1 - t) * pi + t * other
    return mdp, pi, pi_prime, pi_new, draw(st.floats(0.0, 1.0))


def scale(mdp):
    return 1.0 + np.abs(mdp.r).max() / (1.0 - mdp.gamma)


def true_gap(mdp, pi, pi_new):
    return pg.expected_return(mdp, pi_new) - pg.expected_return(mdp, pi)


def exact(P, r, p0, gamma, pi):
    """``(J, A, d)`` from the definitions, by two linear solves: ``V = (I - gamma P_pi)^-1
    r_pi``, ``J = p0 . V``, ``A = r + gamma P V - V`` and the normalized visitation
    ``d = (1 - gamma) (I - gamma P_pi^T)^-1 p0``."""
    P_pi = np.einsum("sat,sa->st", P, pi)
    r_pi = (r * pi).sum(axis=1)
    eye = np.eye(len(p0))
    V = np.linalg.solve(eye - gamma * P_pi, r_pi)
    d = (1 - gamma) * np.linalg.solve(eye - gamma * P_pi.T, p0)
    return float(p0 @ V), r + gamma * P @ V - V[:, None], d


def max_kl(pi, pi_new):
    """``max_s sum_a pi log(pi / pi_new)`` with ``0 log 0 = 0`` (``inf`` if pi_new misses)."""
    worst = 0.0
    for row, new in zip(pi, pi_new, strict=True):
        kl = sum(
            p * np.log(p / q) if q > 0 else np.inf for p, q in zip(row, new, strict=True) if p > 0
        )
        worst = max(worst, kl)
    return worst


def reference_bounds(P, r, p0, gamma, pi, pi_prime, alpha):
    """Every bound of the module on ``pi_new = (1 - alpha) pi + alpha pi'``, written from the
    papers with :func:`exact`: a dict name -> (improvement, surrogate, penalty)."""
    g = gamma
    pi_new = (1 - alpha) * pi + alpha * pi_prime
    J, A, d = exact(P, r, p0, g, pi)
    improvement = exact(P, r, p0, g, pi_new)[0] - J
    surrogate = float(d @ (pi_new * A).sum(axis=1)) / (1 - g)  # TRPO eq. 3
    eps = np.abs(A).max()
    tv = 0.5 * np.abs(pi_new - pi).sum(axis=1)
    C = 4 * eps * g / (1 - g) ** 2  # TRPO Theorem 1
    mean_new = (pi_new * A).sum(axis=1)
    mean_prime = (pi_prime * A).sum(axis=1)
    kl = max_kl(pi, pi_new)
    cpi_eps = np.abs(mean_prime).max()  # Kakade & Langford, Thm 4.1
    return {
        "cpi": (
            improvement,
            alpha * float(d @ mean_prime) / (1 - g),
            2 * alpha**2 * g * cpi_eps / ((1 - g) * (1 - g * (1 - alpha))),
        ),
        "trpo_theorem1": (improvement, surrogate, C * tv.max() ** 2),
        "trpo_eq44": (
            improvement,
            surrogate,
            4 * tv.max() ** 2 * g * eps / ((1 - g) * (1 - g * (1 - tv.max()))),
        ),
        "trpo_kl": (improvement, surrogate, 0.0 if C == 0 else C * kl),
        # Achiam et al. (2017), Cor. 1
        "cpo": (improvement, surrogate, 2 * g * np.abs(mean_new).max() * (d @ tv) / (1 - g) ** 2),
    }


@given(pairs())
@settings(max_examples=300, deadline=None)
def test_trpo_and_cpo_bounds_hold(case):
    mdp, pi, _, pi_new, _ = case
    atol = TOL * scale(mdp)
    _, A, d = exact(mdp.P, mdp.r, mdp.p0, mdp.gamma, pi)
    # alpha = 1 with pi' = pi_new: the reference of every bound on the pair (pi, pi_new)
    ref = reference_bounds(mdp.P, mdp.r, mdp.p0, mdp.gamma, pi, pi_new, 1.0)
    gap, surrogate, _ = ref["trpo_theorem1"]
    assert true_gap(mdp, pi, pi_new) == pytest.approx(gap, abs=atol)
    tv = pg.tv_distance(pi, pi_new)
    for form in pg.TRPO_FORMS:
        parts = pg.trpo_bound(mdp, pi, pi_new, form=form)
        assert gap >= parts.bound - atol, (form, parts)
        assert parts.improvement == pytest.approx(gap, abs=atol)
        assert parts.surrogate == pytest.approx(surrogate, abs=atol)
        penalty = ref[f"trpo_{form}"][2]
        if np.isinf(penalty):  # KL form with an action pi_new drops: no bound
            assert parts.penalty == np.inf and parts.bound == -np.inf
        else:
            assert parts.penalty == pytest.approx(penalty, rel=1e-9, abs=atol)
            assert parts.bound == pytest.approx(surrogate - penalty, rel=1e-9, abs=atol)
        assert parts.eps == pytest.approx(np.abs(A).max(), abs=atol)
        assert parts.penalty >= 0
    t1 = pg.trpo_bound(mdp, pi, pi_new, form="theorem1")
    eq44 = pg.trpo_bound(mdp, pi, pi_new, form="eq44")
    kl = pg.trpo_bound(mdp, pi, pi_new, form="kl")
    assert t1.distance == pytest.approx(tv.max(), abs=1e-12)
    assert eq44.distance == t1.distance
    assert kl.distance == pytest.approx(pg.kl_divergence(pi, pi_new).max(), rel=1e-12)
    # eq. 44 is the sharper form; KL >= 2 TV^2 (Pinsker) makes the KL form the loosest.
    assert eq44.penalty <= t1.penalty * (1 + 1e-12) + 1e-300
    assert kl.penalty >= t1.penalty * (1 - 1e-12)
    cpo = pg.cpo_bound(mdp, pi, pi_new)
    assert gap >= cpo.bound - atol, cpo
    assert cpo.surrogate == pytest.approx(surrogate, abs=atol)
    assert cpo.distance == pytest.approx(d @ tv, abs=1e-12)
    assert cpo.eps == pytest.approx(np.abs((pi_new * A).sum(axis=1)).max(), abs=atol)
    assert cpo.penalty == pytest.approx(ref["cpo"][2], rel=1e-9, abs=atol)
    assert cpo.bound == pytest.approx(surrogate - ref["cpo"][2], rel=1e-9, abs=atol)


@given(pairs())
@settings(max_examples=300, deadline=None)
def test_cpi_bound_holds(case):
    mdp, pi, pi_prime, _, alpha = case
    pi_new = pg.mixture(pi, pi_prime, alpha)
    atol = TOL * scale(mdp)
    ref = reference_bounds(mdp.P, mdp.r, mdp.p0, mdp.gamma, pi, pi_prime, alpha)
    gap, surrogate, penalty = ref["cpi"]
    parts = pg.cpi_bound(mdp, pi, pi_prime, alpha)
    assert gap >= parts.bound - atol, parts
    assert parts.improvement == pytest.approx(gap, abs=atol)
    # alpha AA / (1 - gamma) is TRPO's surrogate of the mixture
    assert parts.surrogate == pytest.approx(surrogate, abs=atol)
    assert surrogate == pytest.approx(ref["trpo_theorem1"][1], abs=atol)
    _, A, _ = exact(mdp.P, mdp.r, mdp.p0, mdp.gamma, pi)
    assert parts.eps == pytest.approx(np.abs((pi_prime * A).sum(axis=1)).max(), abs=atol)
    # the distance is the mixture weight: max TV to pi_new is alpha times that to pi'
    tv_prime = pg.tv_distance(pi, pi_prime).max()
    if tv_prime > 1e-3:
        assert parts.distance == pytest.approx(
            pg.tv_distance(pi, pi_new).max() / tv_prime, rel=1e-9
        )
    assert parts.penalty == pytest.approx(penalty, rel=1e-9, abs=atol)
    assert parts.bound == pytest.approx(surrogate - penalty, rel=1e-9, abs=atol)


def test_no_step_no_penalty():
    rng = np.random.default_rng(3)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.8)
    pi, pi_prime = rng.dirichlet(np.ones(3), size=(2, 4))
    for parts in (
        pg.cpi_bound(mdp, pi, pi_prime, 0.0),
        *(pg.trpo_bound(mdp, pi, pi, form=f) for f in pg.TRPO_FORMS),
        pg.cpo_bound(mdp, pi, pi),
    ):
        assert abs(parts.improvement) < 1e-12
        assert abs(parts.surrogate) < 1e-12
        assert parts.penalty == 0 and parts.distance == 0


@pytest.mark.parametrize("gamma", [0.3, 0.9, 0.99])
@pytest.mark.parametrize("eps", [1e-3, 0.1, 0.5, 1.0])
def test_tightrope_closed_forms(gamma, eps):
    # Worked by hand: J(pi) = 0, V^pi = (0, 1/(1-g)), A^pi(s0, leave) = g/(1-g), other A = 0,
    # rho^pi = delta_{s0}/(1-g); J(pi_eps) = eps g / ((1-g)(1-g+g eps)).
    mdp = pg.tightrope_mdp(gamma=gamma)
    pi, pi_eps = pg.tightrope_policies(eps)
    g = gamma
    J_eps = eps * g / ((1 - g) * (1 - g + g * eps))
    assert pg.expected_return(mdp, pi_eps) == pytest.approx(J_eps, rel=1e-12)
    L = pg.surrogate_advantage(mdp, pi, pi_eps)  # L_pi(pi_eps) - J(pi), J(pi) = 0
    gap = pg.tightrope_surrogate_gap(eps, gamma=gamma)
    assert gap == pytest.approx(J_eps - L, rel=1e-10)
    # by hand, L = rho(s0) f(s0) = 1/(1-g) * eps A(s0, leave) = eps g / (1-g)^2
    assert gap == pytest.approx(J_eps - eps * g / (1 - g) ** 2, rel=1e-10)
    t1 = pg.trpo_bound(mdp, pi, pi_eps, form="theorem1")
    eq44 = pg.trpo_bound(mdp, pi, pi_eps, form="eq44")
    kl = pg.trpo_bound(mdp, pi, pi_eps, form="kl")
    assert eq44.eps == pytest.approx(g / (1 - g), rel=1e-12) and eq44.distance == pytest.approx(
        eps, rel=1e-12
    )
    assert -gap / eq44.penalty == pytest.approx(0.25, rel=1e-9)  # eq. 44 is off by exactly 4
    assert t1.penalty == pytest.approx(4 * g**2 * eps**2 / (1 - g) ** 3, rel=1e-10)
    assert -gap / t1.penalty == pytest.approx((1 - g) / (4 * (1 - g + g * eps)), rel=1e-9)
    assert kl.distance == pytest.approx(-np.log1p(-eps) if eps < 1 else np.inf, rel=1e-12)
    cpi = pg.cpi_bound(mdp, pi, np.array([[0.0, 1.0], [0.0, 1.0]]), eps)  # mix in "leave"
    assert cpi.eps == pytest.approx(g / (1 - g), rel=1e-12)
    assert -gap / cpi.penalty == pytest.approx(0.5, rel=1e-9)  # CPI: off by exactly 2
    cpo = pg.cpo_bound(mdp, pi, pi_eps)
    assert cpo.eps == pytest.approx(eps * g / (1 - g), rel=1e-12) and cpo.distance == pytest.approx(
        eps, rel=1e-12
    )
    assert -gap / cpo.penalty == pytest.approx((1 - g) / (2 * (1 - g + g * eps)), rel=1e-9)


def test_kl_form_with_unsupported_action_is_infinite_not_nan():
    mdp = pg.tightrope_mdp(gamma=0.9)
    pi_leave = np.array([[0.0, 1.0], [0.0, 1.0]])
    pi_stay, _ = pg.tightrope_policies(0.0)
    parts = pg.trpo_bound(mdp, pi_leave, pi_stay, form="kl")
    assert parts.distance == np.inf and parts.bound == -np.inf
    # From "leave" nothing can be gained: A^pi = 0, so no penalty even at infinite KL.
    parts = pg.trpo_bound(mdp, pi_stay, pi_leave, form="kl")
    assert parts.distance == np.inf and parts.bound == -np.inf
    zero = pg.TabularMDP(mdp.P, np.zeros((2, 2)), mdp.p0, 0.9)
    parts = pg.trpo_bound(zero, pi_stay, pi_leave, form="kl")
    assert parts.penalty == 0 and parts.bound == 0 and parts.distance == np.inf


def test_sweep_has_no_violations_and_the_ratios_make_sense():
    sweep = pg.bound_tightness_sweep(10_000, rng=np.random.default_rng(0))
    assert sweep.names == pg.BOUNDS and sweep.n_mdps == 10_000
    np.testing.assert_array_equal(sweep.violations, 0)
    assert np.all(sweep.min_margin >= -1e-9)
    assert np.all(sweep.worst_ratio <= 1.0) and np.all(sweep.worst_ratio > 0.05)
    assert np.all(sweep.median_ratio < sweep.worst_ratio)
    assert sweep.max_tv.shape == sweep.gamma.shape == (10_000,)
    assert 0.5 <= sweep.gamma.min() and sweep.gamma.max() <= 0.95
    # a quarter of the pairs are generic (alpha = 1); many steps are small
    assert 0.1 < np.mean(sweep.max_tv < 0.01) < 0.6
    assert np.mean(sweep.max_tv > 0.3) > 0.2
    for name in sweep.names:
        assert sweep.ratios[name].shape == (10_000,)  # values: test_sweep_ratios_by_hand
    # eq. 44's penalty is below Theorem 1's: it uses more of it
    i1, i44 = sweep.names.index("trpo_theorem1"), sweep.names.index("trpo_eq44")
    assert sweep.worst_ratio[i44] > sweep.worst_ratio[i1]
    assert len(set(sweep.worst_ratio)) == len(sweep.names)  # each bound its own numbers


def test_sweep_ratios_by_hand(monkeypatch):
    # A small sweep whose MDPs and policies are recorded on their way in (a spy on the
    # batched evaluation and on CPI's bound; both still run): each pair's ratio
    # (surrogate - improvement) / penalty from the papers' formulas (reference_bounds),
    # then the worst and the median over the pairs with penalty > min_penalty.
    from pgtheory import guarantees

    seen = {}
    base, cpi = guarantees._base, guarantees._cpi

    def spy_base(batch, pi, pi_new):
        seen.setdefault("base", []).append((batch, pi, pi_new))
        return base(batch, pi, pi_new)

    def spy_cpi(b, pi_prime, alpha):
        seen.setdefault("cpi", []).append(pi_prime)
        return cpi(b, pi_prime, alpha)

    monkeypatch.setattr(guarantees, "_base", spy_base)
    monkeypatch.setattr(guarantees, "_cpi", spy_cpi)
    n = 15  # 3 MDPs of each of the 5 sizes
    sweep = pg.bound_tightness_sweep(n, rng=np.random.default_rng(6), min_penalty=1e-8)
    ratios = {name: [] for name in pg.BOUNDS}
    k = 0
    for (batch, pis, news), primes in zip(seen["base"], seen["cpi"], strict=True):
        for b in range(len(pis)):
            alpha = sweep.alpha[k]
            np.testing.assert_allclose(
                news[b], (1 - alpha) * pis[b] + alpha * primes[b], rtol=0, atol=1e-15
            )
            args = (batch.P[b], batch.r[b], batch.p0[b], float(batch.gamma[b]))
            ref = reference_bounds(*args, pis[b], primes[b], alpha)
            for name, (improvement, surrogate, penalty) in ref.items():
                ok = penalty > 1e-8
                ratios[name].append((surrogate - improvement) / penalty if ok else np.nan)
            k += 1
    assert k == n
    for i, name in enumerate(pg.BOUNDS):
        want = np.array(ratios[name])
        assert np.isnan(want).sum() < n  # some ratios are taken
        np.testing.assert_allclose(sweep.ratios[name], want, rtol=1e-6, atol=1e-9)
        assert sweep.worst_ratio[i] == pytest.approx(np.nanmax(want), rel=1e-6)
        assert sweep.median_ratio[i] == pytest.approx(np.nanmedian(want), rel=1e-6)


def test_sweep_detects_violations_with_a_negative_tolerance():
    # With atol < 0 a pair at exactly the bound (ratio 1) or a tie is a "violation": the
    # counter counts; with huge min_penalty no ratio is taken.
    sweep = pg.bound_tightness_sweep(7, rng=np.random.default_rng(1), atol=-1e6, min_penalty=1e12)
    np.testing.assert_array_equal(sweep.violations, 7)
    assert np.all(np.isnan(sweep.worst_ratio)) and np.all(np.isnan(sweep.median_ratio))
    assert all(np.isnan(r).all() for r in sweep.ratios.values())


@pytest.mark.parametrize("form", pg.TRPO_FORMS)
def test_batch_trpo_bound_is_trpo_bound_of_each_pair(form):
    rng = np.random.default_rng(11)
    mdps = [pg.random_mdp(4, 3, rng=rng, gamma=g, branching=2) for g in (0.3, 0.8, 0.95)]
    pi = rng.dirichlet(np.ones(3), size=(3, 4))
    pi_new = 0.7 * pi + 0.3 * rng.dirichlet(np.ones(3), size=(3, 4))
    parts = pg.batch_trpo_bound(pg.stack_mdps(mdps), pi, pi_new, form=form)
    for b, mdp in enumerate(mdps):
        one = pg.trpo_bound(mdp, pi[b], pi_new[b], form=form)
        for name, got, want in zip(one._fields, parts, one, strict=True):
            assert got.shape == (3,), name
            assert got[b] == pytest.approx(want, rel=1e-12, abs=1e-12 * scale(mdp)), name
    # One policy pair for all MDPs broadcasts; the default form is Theorem 1.
    shared = pg.batch_trpo_bound(pg.stack_mdps(mdps), pi[0], pi_new[0])
    for b, mdp in enumerate(mdps):
        one = pg.trpo_bound(mdp, pi[0], pi_new[0])
        assert shared.bound[b] == pytest.approx(one.bound, rel=1e-12, abs=1e-12 * scale(mdp))


def test_batch_trpo_bound_errors():
    batch = pg.random_mdp_batch(2, 2, 2, rng=np.random.default_rng(0))
    pi = np.full((2, 2), 0.5)
    with pytest.raises(
        ValueError, match=full("form must be one of ('theorem1', 'eq44', 'kl'), got 'tv'")
    ):
        pg.batch_trpo_bound(batch, pi, pi, form="tv")
    with pytest.raises(ValueError, match=full("batch must be a pgtheory.MDPBatch, got TabularMDP")):
        pg.batch_trpo_bound(pg.tightrope_mdp(), pi, pi)
    with pytest.raises(ValueError, match=full("pi must have shape (2, 2, 2), got (2, 3)")):
        pg.batch_trpo_bound(batch, np.full((2, 3), 1 / 3), pi)
    with pytest.raises(
        ValueError, match=full("pi_new[0, 1, :] sums to 0.5, expected 1 (atol=1e-08)")
    ):
        pg.batch_trpo_bound(batch, pi, [[0.5, 0.5], [0.25, 0.25]])


def test_trpo_eq44_penalty_closed_form_and_its_two_users():
    # 4 alpha^2 gamma eps / ((1 - gamma)(1 - gamma (1 - alpha))), TRPO's eq. (44).
    for alpha, gamma, eps in [(0.0, 0.9, 3.0), (0.1, 0.9, 2.0), (0.5, 0.0, 1.0), (1.0, 0.5, 0.7)]:
        expected = 4 * alpha**2 * gamma * eps / ((1 - gamma) * (1 - gamma * (1 - alpha)))
        got = pg.trpo_eq44_penalty(alpha, gamma, eps)
        assert got.shape == () and float(got) == pytest.approx(expected, rel=1e-14, abs=0)
    alphas = np.array([0.0, 0.2, 0.6])
    np.testing.assert_allclose(
        pg.trpo_eq44_penalty(alphas, 0.8, [1.0, 2.0, 3.0]),
        [
            4 * a**2 * 0.8 * e / (0.2 * (1 - 0.8 * (1 - a)))
            for a, e in zip(alphas, [1, 2, 3], strict=True)
        ],
        rtol=1e-14,
    )
    # trpo_bound's eq. 44 form, and slide S9's discounted "quadratic" penalty (also
    # spelled "eq44"), are this function of (max TV, gamma, max |A|).
    rng = np.random.default_rng(12)
    mdp = pg.random_mdp(4, 3, rng=rng, gamma=0.85, reward_range=(-1, 1))
    pi = rng.dirichlet(np.ones(3), size=4)
    pi_new = 0.8 * pi + 0.2 * rng.dirichlet(np.ones(3), size=4)
    alpha = pg.max_tv_distance(pi, pi_new)
    max_adv = np.abs(pg.evaluate(mdp, pi).A).max()
    penalty = float(pg.trpo_eq44_penalty(alpha, 0.85, max_adv))
    assert pg.trpo_bound(mdp, pi, pi_new, form="eq44").penalty == pytest.approx(penalty, rel=1e-12)
    for form in ("quadratic", "eq44"):
        s9 = pg.improvement_lower_bound(mdp, pi, pi_new, form=form)
        assert s9.penalty == penalty  # the same two factors: bit for bit


def test_trpo_eq44_penalty_checks_its_arguments():
    # A max TV of rows that sum to 1 up to PROB_ATOL may exceed 1 by rounding.
    assert float(pg.trpo_eq44_penalty(1 + 1e-9, 0.5, 1.0)) == pytest.approx(4.0, rel=1e-8)
    for args, message in [
        ((1.5, 0.9, 1.0), "alpha is 1.5, expected a number in [0, 1]"),
        ((0.5, 1.0, 1.0), "gamma is 1.0, expected a number in [0, 1)"),
        ((0.5, 0.9, -1.0), "eps is -1, expected >= 0"),
        ((0.5, 0.9, [1.0, np.inf]), "eps[1] is inf, expected a finite number"),
    ]:
        with pytest.raises(ValueError, match=full(message)):
            pg.trpo_eq44_penalty(*args)


def test_sweep_is_seeded():
    a = pg.bound_tightness_sweep(50, rng=np.random.default_rng(4))
    b = pg.bound_tightness_sweep(50, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(a.max_tv, b.max_tv)
    np.testing.assert_array_equal(a.worst_ratio, b.worst_ratio)


def test_errors():
    mdp = pg.tightrope_mdp(gamma=0.9)
    pi, pi_eps = pg.tightrope_policies(0.1)
    with pytest.raises(
        ValueError, match=full("form must be one of ('theorem1', 'eq44', 'kl'), got 'tv'")
    ):
        pg.trpo_bound(mdp, pi, pi_eps, form="tv")
    with pytest.raises(ValueError, match=full("alpha must lie in [0, 1], got 1.5")):
        pg.cpi_bound(mdp, pi, pi_eps, 1.5)
    with pytest.raises(ValueError, match=full("alpha must lie in [0, 1], got -0.1")):
        pg.cpi_bound(mdp, pi, pi_eps, -0.1)
    with pytest.raises(ValueError, match=full("pi_new must have shape (2, 2), got (2, 3)")):
        pg.trpo_bound(mdp, pi, np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=full("pi must have shape (2, 2), got (3, 2)")):
        pg.cpo_bound(mdp, np.full((3, 2), 0.5), pi)
    with pytest.raises(
        ValueError, match=full("pi_prime[1, :] sums to 0.5, expected 1 (atol=1e-08)")
    ):
        pg.cpi_bound(mdp, pi, np.array([[0.5, 0.5], [0.5, 0.0]]), 0.5)
    with pytest.raises(
        ValueError,
        match=full("mdp.horizon must be None (these bounds are for the discounted case), got 5"),
    ):
        pg.cpo_bound(mdp.with_horizon(5), pi, pi_eps)
    with pytest.raises(ValueError, match=full("gamma must lie in [0, 1), got 1.0")):
        pg.tightrope_surrogate_gap(0.1, gamma=1.0)
    with pytest.raises(ValueError, match=full("eps must lie in [0, 1], got 2.0")):
        pg.tightrope_surrogate_gap(2.0, gamma=0.5)
    with pytest.raises(ValueError, match=full("n_mdps must be an integer >= 1, got 0")):
        pg.bound_tightness_sweep(0, rng=np.random.default_rng(0))


def test_guarantee_path_equals_the_one_pair_bounds():
    rng = np.random.default_rng(12)
    mdp = pg.random_mdp(5, 3, rng=rng, gamma=0.8, branching=2)
    pi, pi_prime = rng.dirichlet(np.ones(3), size=(2, 5))
    alphas = np.array([0.0, 0.01, 0.2, 1.0])
    path = pg.guarantee_path(mdp, pi, pi_prime, alphas)
    assert list(path.bounds) == list(pg.BOUNDS)
    np.testing.assert_array_equal(path.alphas, alphas)
    for k, a in enumerate(alphas):
        new = pg.mixture(pi, pi_prime, a)
        atol = TOL * scale(mdp)
        assert path.improvement[k] == pytest.approx(true_gap(mdp, pi, new), abs=atol)
        assert path.surrogate[k] == pytest.approx(pg.surrogate_advantage(mdp, pi, new), abs=atol)
        assert path.max_tv[k] == pytest.approx(pg.tv_distance(pi, new).max(), abs=1e-12)
        assert path.bounds["cpi"][k] == pytest.approx(
            pg.cpi_bound(mdp, pi, pi_prime, a).bound, abs=atol
        )
        for form in pg.TRPO_FORMS:
            want = pg.trpo_bound(mdp, pi, new, form=form).bound
            assert path.bounds[f"trpo_{form}"][k] == pytest.approx(want, abs=atol)
        assert path.bounds["cpo"][k] == pytest.approx(pg.cpo_bound(mdp, pi, new).bound, abs=atol)
        assert all(path.improvement[k] >= b[k] - atol for b in path.bounds.values())
    with pytest.raises(ValueError, match=full("alphas[1] is 1.5, expected a number in [0, 1]")):
        pg.guarantee_path(mdp, pi, pi_prime, [0.5, 1.5])
    with pytest.raises(ValueError, match=full("alphas[0] is -0.1, expected a number in [0, 1]")):
        pg.guarantee_path(mdp, pi, pi_prime, [-0.1])
    with pytest.raises(
        ValueError, match=full("alphas must have 1 dimension(s), got shape () (0 dimension(s))")
    ):
        pg.guarantee_path(mdp, pi, pi_prime, 0.5)


def test_sweep_draws_and_argument_errors():
    # fewer MDPs than sizes: the empty size groups are skipped
    small = pg.bound_tightness_sweep(3, rng=np.random.default_rng(2))
    assert small.n_mdps == 3 and small.gamma.shape == (3,)
    sweep = pg.bound_tightness_sweep(2_000, rng=np.random.default_rng(3), gamma=(0.6, 0.7))
    assert 0.6 <= sweep.gamma.min() and sweep.gamma.max() <= 0.7
    assert np.mean(sweep.alpha == 1.0) == pytest.approx(0.25, abs=0.03)
    rest = sweep.alpha[sweep.alpha < 1]
    assert 1e-3 <= rest.min() and np.median(np.log(rest)) == pytest.approx(
        np.log(1e-3) / 2, abs=0.3
    )
    assert np.sum(sweep.sparse) == 1_000  # half of each size group of 400
    assert np.all(sweep.successors[sweep.sparse] <= 2)
    assert np.all(sweep.successors[~sweep.sparse] >= 2)
    assert np.mean(sweep.successors[~sweep.sparse] > 2) > 0.5
    default = pg.bound_tightness_sweep(rng=np.random.default_rng(4), n_mdps=10)
    explicit = pg.bound_tightness_sweep(
        10, rng=np.random.default_rng(4), gamma=(0.5, 0.95), atol=1e-9, min_penalty=1e-8
    )
    np.testing.assert_array_equal(default.max_tv, explicit.max_tv)
    np.testing.assert_array_equal(default.worst_ratio, explicit.worst_ratio)
    with pytest.raises(ValueError, match=full("atol must be a real number, got str 'x'")):
        pg.bound_tightness_sweep(5, rng=np.random.default_rng(0), atol="x")
    with pytest.raises(ValueError, match=full("min_penalty must be a real number, got str 'x'")):
        pg.bound_tightness_sweep(5, rng=np.random.default_rng(0), min_penalty="x")
    mdp = pg.tightrope_mdp(gamma=0.9)
    pi, _ = pg.tightrope_policies(0.1)
    with pytest.raises(ValueError, match=full("pi_new must have shape (2, 2), got (2, 3)")):
        pg.cpo_bound(mdp, pi, np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=full("gamma must be a real number, got str 'x'")):
        pg.tightrope_surrogate_gap(0.1, gamma="x")
    with pytest.raises(ValueError, match=full("pi_prime must have shape (2, 2), got (2, 3)")):
        pg.guarantee_path(mdp, pi, np.full((2, 3), 1 / 3), [0.5])
    assert pg.bound_tightness_sweep(rng=np.random.default_rng(5)).n_mdps == 10_000
    assert pg.tightrope_surrogate_gap(0.5, gamma=0.0) == 0.0
