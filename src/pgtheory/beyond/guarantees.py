"""Lower bounds on ``J(pi_new) - J(pi)`` beyond the slides: CPI, TRPO and CPO.

Every bound here has the form ``bound = surrogate - penalty``, where the *surrogate* is the
first-order term ``L_pi(pi_new) - J(pi) = sum_s rho^pi(s) sum_a pi_new(a|s) A^pi(s, a)``
(slide S6's ``A_bar``; Schulman et al. 2015, eq. 3) and the *penalty* pays for the change of
state distribution (slides S7-S9). Each function returns the exact improvement as well, so a
table can show how much of the penalty the true gap uses.

Normalization. The library's return is the unnormalized ``J(pi) = E[sum_t gamma^t r_t]``,
``rho^pi(s) = sum_t gamma^t P(s_t = s)`` and ``d^pi = (1 - gamma) rho^pi`` (normalized).
TRPO (Schulman et al. 2015) and CPO (Achiam et al. 2017) state their bounds for this same
unnormalized return; Kakade & Langford (2002) use normalized values ``(1 - gamma) J`` and
normalized advantages, and their Theorem 4.1 is homogeneous of degree one in the rewards,
so the same formula holds with unnormalized ``J`` and ``A`` (both sides scale by
``1 / (1 - gamma)``). Distances: ``TV = 1/2 L1`` per state; ``KL(pi || pi_new)`` per state.
Only the infinite-horizon discounted case (``0 <= gamma < 1``) is covered.
"""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.bounding.state_distribution import discounted_s7_bound_sum
from pgtheory.core.batched import (
    MDPBatch,
    batch_evaluate,
    batch_visitation,
    check_batch,
    check_batch_policy,
    random_mdp_batch,
)
from pgtheory.core.mdp import TabularMDP, check_mdp_policy
from pgtheory.core.policies import kl_divergence_rows, softmax, total_variation_rows
from pgtheory.core.validation import (
    PROB_ATOL,
    as_float_array,
    check_nonnegative,
    check_policy,
    check_positive_int,
    check_probability,
    check_real,
    check_rng,
    check_unit_interval,
)

__all__ = [
    "BOUNDS",
    "TRPO_FORMS",
    "BoundParts",
    "GuaranteePath",
    "TightnessSweep",
    "batch_trpo_bound",
    "bound_tightness_sweep",
    "cpi_bound",
    "cpo_bound",
    "guarantee_path",
    "tightrope_surrogate_gap",
    "trpo_bound",
    "trpo_eq44_penalty",
]

#: The ``form`` values of :func:`trpo_bound`.
TRPO_FORMS = ("theorem1", "eq44", "kl")
#: The bounds of :func:`bound_tightness_sweep`, in table order.
BOUNDS = ("cpi", "trpo_theorem1", "trpo_eq44", "trpo_kl", "cpo")


#: A field of :class:`BoundParts`: a float for one pair, an array of shape (B,) for B pairs.
_Value = TypeVar("_Value", float, NDArray[np.float64])


class BoundParts(NamedTuple, Generic[_Value]):
    """One bound on one policy pair (floats; arrays of shape (B,) in a sweep).

    ``improvement``: the exact ``J(pi_new) - J(pi)``. ``surrogate``: the first-order term
    ``L_pi(pi_new) - J(pi)``. ``penalty``: what the bound subtracts. ``bound``:
    ``surrogate - penalty``, a lower bound on ``improvement``. ``distance``: the policy
    distance in the penalty (``alpha`` of the bound). ``eps``: the advantage scale in it.
    """

    improvement: _Value
    surrogate: _Value
    penalty: _Value
    bound: _Value
    distance: _Value
    eps: _Value


def trpo_eq44_penalty(alpha: ArrayLike, gamma: ArrayLike, eps: ArrayLike) -> NDArray[np.float64]:
    """TRPO's eq. (44) penalty ``4 alpha^2 gamma eps / ((1 - gamma) (1 - gamma (1 - alpha)))``.

    The bound on ``|J(pi_new) - L_pi(pi_new)|`` in the line before the last of TRPO's proof
    of Theorem 1, with ``alpha = max_s TV(pi, pi_new)[s]`` and ``eps = max_{s,a}
    |A^pi(s, a)|``. It is slide S9's discounted penalty ``sum_t gamma^t 2 (1 - (1 -
    alpha)^t) C`` with ``C = 2 alpha eps`` (``|E_{a ~ pi_new} A^pi(s, a)| <= 2 alpha eps``,
    TRPO's eq. 28)::

        penalty = 2 alpha eps * discounted_s7_bound_sum(alpha, gamma).

    It is the penalty of ``trpo_bound(form="eq44")``. On a discounted MDP, slide S9's
    :func:`pgtheory.improvement_lower_bound` with ``form="quadratic"`` (which also accepts
    the name ``"eq44"``) sums ``w_t C_t`` to the same number.

    Parameters
    ----------
    alpha : float or array_like
        ``max_s TV(pi, pi_new)[s]``, in [0, 1] (up to ``PROB_ATOL`` above 1).
    gamma : float or array_like
        Discount factor(s) in [0, 1).
    eps : float or array_like
        ``max_{s, a} |A^pi(s, a)|``, ``>= 0``. The three broadcast together.

    Returns
    -------
    ndarray
        Of the broadcast shape (0-d for scalars), ``>= 0``.

    Raises
    ------
    ValueError
        If an argument is not finite or lies outside its range (naming the first offending
        entry), or the shapes do not broadcast.

    References
    ----------
    Schulman, Levine, Moritz, Jordan & Abbeel (2015), Appendix A, eqs. (28) and (44).
    """
    alpha = check_unit_interval(alpha, "alpha", atol=PROB_ATOL)  # (gamma: checked by the sum)
    eps = as_float_array(eps, "eps")
    check_nonnegative(eps, "eps")
    return 2.0 * alpha * eps * discounted_s7_bound_sum(alpha, gamma)


# --------------------------------------------------------------------------------------
# Batched cores: arrays with a leading MDP axis b.
# --------------------------------------------------------------------------------------


class _Base(NamedTuple):
    A: NDArray  # A^pi[b, s, a]
    d: NDArray  # normalized d^pi[b, s]
    improvement: NDArray  # J(pi_new) - J(pi), (B,)
    gamma: NDArray  # (B,)


def _base(batch: MDPBatch, pi: NDArray, pi_new: NDArray) -> _Base:
    vf = batch_evaluate(batch, pi)
    V_new = batch_evaluate(batch, pi_new).V
    improvement = np.einsum("bs,bs->b", batch.p0, V_new - vf.V)
    d = batch_visitation(batch, pi)
    return _Base(vf.A, d, improvement, batch.gamma)


def _mean_advantage(pi: NDArray, A: NDArray) -> NDArray:
    """``sum_a pi[b, s, a] A[b, s, a]``, shape (B, S)."""
    return np.einsum("bsa,bsa->bs", pi, A)


def _surrogate(base: _Base, pi_new: NDArray) -> NDArray:
    """``L_pi(pi_new) - J(pi) = 1/(1 - gamma) sum_s d(s) sum_a pi_new A``, shape (B,)."""
    return np.einsum("bs,bs->b", base.d, _mean_advantage(pi_new, base.A)) / (1.0 - base.gamma)


def _max_tv(pi: NDArray, pi_new: NDArray) -> NDArray:
    """``max_s TV(pi, pi_new)[b, s]``, shape (B,)."""
    return total_variation_rows(pi_new, pi).max(axis=-1)


def _max_kl(pi: NDArray, pi_new: NDArray) -> NDArray:
    """``max_s KL(pi || pi_new)[b, s]``, shape (B,) (``inf`` where pi_new misses an action pi
    takes)."""
    return kl_divergence_rows(pi, pi_new).max(axis=-1)


def _parts(
    base: _Base, surrogate: NDArray, penalty: NDArray, distance: NDArray, eps: NDArray
) -> BoundParts[NDArray[np.float64]]:
    return BoundParts(base.improvement, surrogate, penalty, surrogate - penalty, distance, eps)


def _trpo(base: _Base, pi: NDArray, pi_new: NDArray, form: str) -> BoundParts[NDArray[np.float64]]:
    gamma = base.gamma
    eps = np.abs(base.A).max(axis=(1, 2))
    C = 4.0 * eps * gamma / (1.0 - gamma) ** 2
    if form == "kl":
        distance = _max_kl(pi, pi_new)
        with np.errstate(invalid="ignore"):  # 0 * inf: no advantage, so no penalty
            penalty = np.where(C == 0.0, 0.0, C * distance)
    else:
        distance = _max_tv(pi, pi_new)
        if form == "theorem1":
            penalty = C * distance**2
        else:  # eq44
            penalty = trpo_eq44_penalty(distance, gamma, eps)
    return _parts(base, _surrogate(base, pi_new), penalty, distance, eps)


def _cpo(base: _Base, pi: NDArray, pi_new: NDArray) -> BoundParts[NDArray[np.float64]]:
    gamma = base.gamma
    eps = np.abs(_mean_advantage(pi_new, base.A)).max(axis=-1)
    tv = total_variation_rows(pi_new, pi)
    distance = np.einsum("bs,bs->b", base.d, tv)  # E_{s ~ d^pi} TV[s]
    penalty = 2.0 * gamma * eps * distance / (1.0 - gamma) ** 2
    return _parts(base, _surrogate(base, pi_new), penalty, distance, eps)


def _cpi(base: _Base, pi_prime: NDArray, alpha: NDArray) -> BoundParts[NDArray[np.float64]]:
    gamma = base.gamma
    mean_adv = _mean_advantage(pi_prime, base.A)  # E_{a ~ pi'} A^pi(s, a)
    policy_advantage = np.einsum("bs,bs->b", base.d, mean_adv)  # Kakade & Langford's A
    eps = np.abs(mean_adv).max(axis=-1)
    surrogate = alpha * policy_advantage / (1.0 - gamma)
    penalty = alpha * eps * discounted_s7_bound_sum(alpha, gamma)
    return _parts(base, surrogate, penalty, alpha, eps)


# --------------------------------------------------------------------------------------
# One MDP.
# --------------------------------------------------------------------------------------


def _one(
    mdp: TabularMDP, pi: ArrayLike, other: ArrayLike, other_name: str
) -> tuple[MDPBatch, NDArray[np.float64], NDArray[np.float64]]:
    mdp, pi = check_mdp_policy(mdp, pi)
    if mdp.horizon is not None:
        raise ValueError(
            f"mdp.horizon must be None (these bounds are for the discounted case), "
            f"got {mdp.horizon!r}"
        )
    other = check_policy(other, other_name, mdp.n_states, mdp.n_actions)
    batch = MDPBatch(mdp.P[None], mdp.r[None], mdp.p0[None], np.array([mdp.gamma]))
    return batch, pi[None], other[None]


def _scalars(parts: BoundParts[NDArray[np.float64]]) -> BoundParts[float]:
    return BoundParts(*(float(x[0]) for x in parts))


def trpo_bound(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike, *, form: str = "theorem1"
) -> BoundParts[float]:
    """TRPO's lower bound on ``J(pi_new) - J(pi)`` (Schulman et al. 2015).

    With ``eps = max_{s,a} |A^pi(s, a)|``, ``alpha = max_s TV(pi, pi_new)[s]`` and
    ``surrogate = L_pi(pi_new) - J(pi) = sum_s rho^pi(s) sum_a pi_new(a|s) A^pi(s, a)``,
    the bound is ``surrogate - penalty`` with

    * ``form="theorem1"`` (Theorem 1): ``penalty = 4 eps gamma alpha^2 / (1 - gamma)^2``;
    * ``form="eq44"`` (Appendix A, the line before the last of the proof, eq. 44):
      ``penalty = 4 alpha^2 gamma eps / ((1 - gamma) (1 - gamma (1 - alpha)))``, sharper
      since ``1 - gamma (1 - alpha) >= 1 - gamma``; it bounds ``|J(pi_new) - L_pi(pi_new)|``;
    * ``form="kl"`` (the corollary after Theorem 1, ``alpha^2 <= max_s KL``):
      ``penalty = C max_s KL(pi || pi_new)[s]`` with ``C = 4 eps gamma / (1 - gamma)^2``
      (``distance`` is then the max KL, possibly ``inf``).

    TRPO's ``eta`` is the unnormalized return, like the library's ``J``: no conversion.

    Parameters
    ----------
    mdp : TabularMDP
        Discounted (``horizon=None``).
    pi, pi_new : array_like, shape (S, A)
        The old and the new policy.
    form : {"theorem1", "eq44", "kl"}
        Keyword-only.

    Returns
    -------
    BoundParts
        ``distance`` is ``alpha`` (max TV) or the max KL; ``eps`` is ``max |A^pi|``.

    Raises
    ------
    ValueError
        If ``form`` is not one of :data:`TRPO_FORMS`, the MDP has a finite horizon, or a
        policy does not fit the MDP.

    References
    ----------
    Schulman, Levine, Moritz, Jordan & Abbeel (2015), Trust Region Policy Optimization,
    Theorem 1 and Appendix A (eq. 44).
    """
    if form not in TRPO_FORMS:
        raise ValueError(f"form must be one of {TRPO_FORMS}, got {form!r}")
    batch, pi, pi_new = _one(mdp, pi, pi_new, "pi_new")
    return _scalars(_trpo(_base(batch, pi, pi_new), pi, pi_new, form))


def batch_trpo_bound(
    batch: MDPBatch, pi: ArrayLike, pi_new: ArrayLike, *, form: str = "theorem1"
) -> BoundParts[NDArray[np.float64]]:
    """:func:`trpo_bound` for ``B`` policy pairs at once, pair ``b`` on MDP ``b`` of ``batch``.

    The same formulas, computed with the batched evaluation of :mod:`pgtheory.core.batched`: every
    field of the result is an array of shape (B,), entry ``b`` equal to
    ``trpo_bound(unstack_mdp(batch, b), pi[b], pi_new[b], form=form)`` (up to rounding).

    Parameters
    ----------
    batch : MDPBatch
    pi, pi_new : array_like, shape (B, S, A) or (S, A)
        The old and the new policies (one pair per MDP, or one policy for all).
    form : {"theorem1", "eq44", "kl"}
        Keyword-only.

    Returns
    -------
    BoundParts
        Arrays of shape (B,).

    Raises
    ------
    ValueError
        If ``form`` is not one of :data:`TRPO_FORMS`, ``batch`` is not an
        :class:`pgtheory.MDPBatch`, or a policy does not fit it.

    References
    ----------
    Schulman et al. (2015), Theorem 1 and Appendix A (eq. 44).
    """
    if form not in TRPO_FORMS:
        raise ValueError(f"form must be one of {TRPO_FORMS}, got {form!r}")
    batch = check_batch(batch)
    pi = check_batch_policy(batch, pi)
    pi_new = check_batch_policy(batch, pi_new, "pi_new")
    return _trpo(_base(batch, pi, pi_new), pi, pi_new, form)


def cpo_bound(mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike) -> BoundParts[float]:
    """CPO's lower bound on ``J(pi_new) - J(pi)`` (Achiam et al. 2017, Corollary 1).

    ``J(pi') - J(pi) >= 1/(1 - gamma) E_{s ~ d^pi, a ~ pi'}[A^pi(s, a)
    - 2 gamma eps' / (1 - gamma) TV(pi', pi)[s]]`` with
    ``eps' = max_s |E_{a ~ pi'} A^pi(s, a)|`` and ``d^pi`` normalized. So
    ``surrogate = L_pi(pi') - J(pi)`` and
    ``penalty = 2 gamma eps' E_{s ~ d^pi}[TV[s]] / (1 - gamma)^2``: an *average* TV where
    TRPO has a maximum, and linear in it. CPO's ``J`` is unnormalized like the library's.

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    pi, pi_new : array_like, shape (S, A)

    Returns
    -------
    BoundParts
        ``distance = E_{s ~ d^pi} TV[s]``, ``eps = eps'``.

    Raises
    ------
    ValueError
        If the MDP has a finite horizon or a policy does not fit it.

    References
    ----------
    Achiam, Held, Tamar & Abbeel (2017), Constrained Policy Optimization, Corollary 1.
    """
    batch, pi, pi_new = _one(mdp, pi, pi_new, "pi_new")
    return _scalars(_cpo(_base(batch, pi, pi_new), pi, pi_new))


def cpi_bound(
    mdp: TabularMDP, pi: ArrayLike, pi_prime: ArrayLike, alpha: float
) -> BoundParts[float]:
    """Conservative policy iteration's bound for ``pi_new = (1 - alpha) pi + alpha pi'``.

    Kakade & Langford (2002), Theorem 4.1:
    ``J(pi_new) - J(pi) >= alpha / (1 - gamma) (AA - 2 alpha gamma eps
    / (1 - gamma (1 - alpha)))`` with the policy advantage
    ``AA = E_{s ~ d^pi, a ~ pi'}[A^pi(s, a)]`` (``d^pi`` normalized) and
    ``eps = max_s |E_{a ~ pi'} A^pi(s, a)|``. The paper's values are normalized by
    ``1 - gamma``; the inequality is homogeneous of degree one in the rewards, so it holds
    unchanged for the library's unnormalized ``J`` and ``A``.
    ``surrogate = alpha AA / (1 - gamma)`` equals ``L_pi(pi_new) - J(pi)``.

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    pi, pi_prime : array_like, shape (S, A)
        The current policy and the policy mixed in.
    alpha : float
        Mixture weight in [0, 1].

    Returns
    -------
    BoundParts
        ``distance = alpha``, ``eps`` as above.

    Raises
    ------
    ValueError
        If ``alpha`` is outside [0, 1], the MDP has a finite horizon, or a policy does not
        fit it.

    References
    ----------
    Kakade & Langford (2002), Approximately Optimal Approximate Reinforcement Learning,
    Theorem 4.1.
    """
    alpha = check_probability(alpha, "alpha")
    batch, pi, pi_prime = _one(mdp, pi, pi_prime, "pi_prime")
    pi_new = (1.0 - alpha) * pi + alpha * pi_prime
    return _scalars(_cpi(_base(batch, pi, pi_new), pi_prime, np.array([alpha])))


def tightrope_surrogate_gap(eps: float, *, gamma: float) -> float:
    """``J(pi_eps) - L_pi(pi_eps)`` on :func:`pgtheory.tightrope_mdp`, in closed form.

    With ``pi`` = always stay and ``pi_eps`` = leave with probability ``eps``
    (:func:`pgtheory.tightrope_policies`): ``J(pi) = 0``,
    ``J(pi_eps) = eps gamma / ((1 - gamma) (1 - gamma + gamma eps))`` and
    ``L_pi(pi_eps) = eps gamma / (1 - gamma)^2``, so

    ``J - L = -gamma^2 eps^2 / ((1 - gamma)^2 (1 - gamma + gamma eps))``,

    exactly a quarter of TRPO's eq. (44) penalty (``alpha = eps``,
    ``max |A^pi| = gamma / (1 - gamma)``): the ``alpha^2 / (1 - gamma)^2`` scaling is tight
    up to the constant 4.
    """
    eps = check_probability(eps, "eps")
    gamma = check_real(gamma, "gamma")
    if not 0.0 <= gamma < 1.0:
        raise ValueError(f"gamma must lie in [0, 1), got {gamma!r}")
    return -(gamma**2) * eps**2 / ((1.0 - gamma) ** 2 * (1.0 - gamma + gamma * eps))


class GuaranteePath(NamedTuple):
    """Every bound along the mixture path ``pi_alpha = (1 - alpha) pi + alpha pi'``.

    ``alphas`` (K,); ``improvement[k] = J(pi_alpha_k) - J(pi)``; ``surrogate[k] =
    L_pi(pi_alpha_k) - J(pi)``; ``bounds[name]`` (K,) for each name of :data:`BOUNDS`;
    ``max_tv[k] = max_s TV(pi, pi_alpha_k)[s]`` (``alpha`` times that of ``pi'``).
    """

    alphas: NDArray[np.float64]
    improvement: NDArray[np.float64]
    surrogate: NDArray[np.float64]
    bounds: dict[str, NDArray[np.float64]]
    max_tv: NDArray[np.float64]


def guarantee_path(
    mdp: TabularMDP, pi: ArrayLike, pi_prime: ArrayLike, alphas: ArrayLike
) -> GuaranteePath:
    """The true improvement and every bound as the step ``alpha`` grows, on one MDP.

    Along CPI's mixtures ``pi_alpha = (1 - alpha) pi + alpha pi'`` every bound of this module
    applies: :func:`cpi_bound` with ``(pi', alpha)``, :func:`trpo_bound` (three forms) and
    :func:`cpo_bound` with ``(pi, pi_alpha)``. All ``K`` steps are evaluated at once
    (:mod:`pgtheory.core.batched`).

    Parameters
    ----------
    mdp : TabularMDP
        Discounted.
    pi, pi_prime : array_like, shape (S, A)
        The current policy and the direction of the step.
    alphas : array_like, shape (K,)
        Step sizes in [0, 1].

    Returns
    -------
    GuaranteePath

    Raises
    ------
    ValueError
        If ``alphas`` is not a 1-d array in [0, 1], the MDP has a finite horizon, or a policy
        does not fit it.
    """
    batch, pi, pi_prime = _one(mdp, pi, pi_prime, "pi_prime")
    alphas = as_float_array(alphas, "alphas", ndim=1)
    bad = (alphas < 0) | (alphas > 1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"alphas[{k}] is {float(alphas[k])!r}, expected a number in [0, 1]")
    K = alphas.size
    batch = MDPBatch(*(np.broadcast_to(x, (K, *x.shape[1:])) for x in batch))
    old = np.broadcast_to(pi, (K, *pi.shape[1:]))
    direction = np.broadcast_to(pi_prime, old.shape)
    new = (1.0 - alphas)[:, None, None] * old + alphas[:, None, None] * direction
    base = _base(batch, old, new)
    bounds = {"cpi": _cpi(base, direction, alphas).bound}
    for form in TRPO_FORMS:
        bounds[f"trpo_{form}"] = _trpo(base, old, new, form).bound
    cpo = _cpo(base, old, new)
    bounds["cpo"] = cpo.bound
    return GuaranteePath(alphas, base.improvement, cpo.surrogate, bounds, _max_tv(old, new))


# --------------------------------------------------------------------------------------
# The tightness sweep.
# --------------------------------------------------------------------------------------

#: (S, A) of the sweep's MDPs, cycled through.
SWEEP_SIZES = ((2, 2), (3, 2), (3, 3), (5, 3), (8, 4))


class TightnessSweep(NamedTuple):
    """How tight each bound is over random MDPs (:func:`bound_tightness_sweep`).

    Per bound (``names``, shape (K,) each): ``violations`` (pairs with ``improvement <
    bound - atol``), ``min_margin`` (the smallest ``improvement - bound``), and over the
    pairs with ``penalty > min_penalty``: ``worst_ratio`` (largest) and ``median_ratio``
    of ``(surrogate - improvement) / penalty``, the share of the penalty the true gap uses
    (a bound holds exactly when this is <= 1; 1 means attained). ``ratios`` maps each name
    to its ratios (NaN where the penalty is too small to divide by); ``n_mdps`` and, per MDP,
    ``max_tv``, ``gamma``, ``alpha`` (the mixture weight), ``sparse`` (drawn with 2
    successors per ``(s, a)``) and ``successors`` (the most successors of any ``(s, a)``)
    describe the sample.
    """

    names: tuple[str, ...]
    n_mdps: int
    violations: NDArray[np.int64]
    min_margin: NDArray[np.float64]
    worst_ratio: NDArray[np.float64]
    median_ratio: NDArray[np.float64]
    ratios: dict[str, NDArray[np.float64]]
    max_tv: NDArray[np.float64]
    gamma: NDArray[np.float64]
    alpha: NDArray[np.float64]
    sparse: NDArray[np.bool_]
    successors: NDArray[np.int64]


def _sweep_group(
    n: int, S: int, A: int, rng: np.random.Generator, gamma: tuple[float, float]
) -> dict[str, BoundParts[NDArray[np.float64]] | NDArray]:
    """All bounds on ``n`` random MDPs of size (S, A) and a random pair each."""
    half = n // 2
    parts = [random_mdp_batch(n - half, S, A, rng=rng, gamma=gamma)]
    if half:
        parts.append(random_mdp_batch(half, S, A, rng=rng, gamma=gamma, branching=2))
    batch = MDPBatch(*(np.concatenate(x) for x in zip(*parts, strict=True)))
    pi = softmax(rng.normal(size=(n, S, A)) * rng.uniform(0, 3, (n, 1, 1)))
    sharp = np.exp(rng.uniform(np.log(0.1), np.log(10.0), (n, 1, 1)))
    pi_prime = softmax(rng.normal(size=(n, S, A)) * sharp)
    alpha = np.exp(rng.uniform(np.log(1e-3), 0.0, n))
    alpha[rng.random(n) < 0.25] = 1.0  # a generic pair: pi_new = pi_prime
    pi_new = (1.0 - alpha)[:, None, None] * pi + alpha[:, None, None] * pi_prime
    base = _base(batch, pi, pi_new)
    out: dict[str, BoundParts[NDArray[np.float64]] | NDArray] = {"cpi": _cpi(base, pi_prime, alpha)}
    for form in TRPO_FORMS:
        out[f"trpo_{form}"] = _trpo(base, pi, pi_new, form)
    out["cpo"] = _cpo(base, pi, pi_new)
    out["_max_tv"] = _max_tv(pi, pi_new)
    out["_gamma"] = batch.gamma
    out["_alpha"] = alpha
    out["_sparse"] = np.arange(n) >= n - half
    out["_successors"] = (batch.P > 0).sum(axis=-1).max(axis=(1, 2))
    out["_scale"] = 1.0 + batch.r.max(axis=(1, 2)) / (1.0 - batch.gamma)
    return out


def bound_tightness_sweep(
    n_mdps: int = 10_000,
    *,
    rng: np.random.Generator,
    gamma: tuple[float, float] = (0.5, 0.95),
    atol: float = 1e-9,
    min_penalty: float = 1e-8,
) -> TightnessSweep:
    """Every bound of this module on ``n_mdps`` random MDPs, with exact gaps.

    The MDPs cycle through the sizes ``SWEEP_SIZES`` (S, A from 2 to 8 and 4); half of
    each size has sparse dynamics (2 successors per ``(s, a)``); ``gamma ~ Uniform(*gamma)``;
    rewards in [0, 1]. Each MDP gets one pair: ``pi = softmax(c z)`` with ``c ~ U(0, 3)``,
    ``pi' = softmax(k z')`` with ``k`` log-uniform in [0.1, 10] (nearly deterministic for
    large ``k``), and ``pi_new = (1 - alpha) pi + alpha pi'`` with ``alpha`` log-uniform in
    [1e-3, 1], set to 1 (``pi_new = pi'``, a generic pair) for a quarter of the MDPs. CPI's
    bound uses ``(pi', alpha)``, the others ``(pi, pi_new)``. Everything is computed with
    the batched evaluation of :mod:`pgtheory.core.batched`.

    Parameters
    ----------
    n_mdps : int
        Number of MDPs (and pairs), >= 1.
    rng : numpy.random.Generator
        Keyword-only.
    gamma : (low, high)
        Range of the discount factors, ``0 <= low <= high < 1``.
    atol : float
        A violation is ``improvement < bound - atol * (1 + max r / (1 - gamma))``.
    min_penalty : float
        Ratios are taken only where ``penalty > min_penalty`` (near ``alpha = 0`` both the
        gap and the penalty are rounding noise).

    Returns
    -------
    TightnessSweep

    References
    ----------
    Kakade & Langford (2002), Thm 4.1; Schulman et al. (2015), Thm 1 and eq. (44);
    Achiam et al. (2017), Cor. 1.
    """
    n = check_positive_int(n_mdps, "n_mdps")
    rng = check_rng(rng)
    atol = check_real(atol, "atol")
    min_penalty = check_real(min_penalty, "min_penalty")
    counts = np.full(len(SWEEP_SIZES), n // len(SWEEP_SIZES))
    counts[: n % len(SWEEP_SIZES)] += 1
    groups = [
        _sweep_group(int(c), S, A, rng, gamma)
        for c, (S, A) in zip(counts, SWEEP_SIZES, strict=True)
        if c > 0
    ]

    def cat(key: str, field: str | None = None) -> NDArray:
        return np.concatenate([g[key] if field is None else getattr(g[key], field) for g in groups])

    scale = cat("_scale")
    violations, min_margin, worst, median, ratios = [], [], [], [], {}
    for name in BOUNDS:
        improvement, surrogate, penalty, bound = (
            cat(name, f) for f in ("improvement", "surrogate", "penalty", "bound")
        )
        margin = improvement - bound
        violations.append(int(np.sum(margin < -atol * scale)))
        min_margin.append(float(margin.min()))
        ok = penalty > min_penalty
        ratio = np.full(n, np.nan)
        ratio[ok] = (surrogate[ok] - improvement[ok]) / penalty[ok]
        ratios[name] = ratio
        worst.append(float(ratio[ok].max()) if ok.any() else np.nan)
        median.append(float(np.median(ratio[ok])) if ok.any() else np.nan)
    return TightnessSweep(
        BOUNDS,
        n,
        np.array(violations),
        np.array(min_margin),
        np.array(worst),
        np.array(median),
        ratios,
        cat("_max_tv"),
        cat("_gamma"),
        cat("_alpha"),
        cat("_sparse"),
        cat("_successors"),
    )
