"""Slide S9: a lower bound on ``J(pi_new) - J(pi)`` that the old policy's data can evaluate.

Notation. ``pi`` is the old policy (slides: ``pi_theta``), ``pi_new`` the new one
(``pi_theta'``); ``p_t``, ``p'_t`` their state marginals; ``A_t`` the old policy's
advantage (time-indexed for a finite horizon, stationary ``A`` when discounted) and

``f_t(s) = sum_a pi_new[s, a] A_t[s, a]``,

the new policy's expected advantage in state ``s`` (slide S9's ``f`` is ``gamma^t f_t``).
Distances between state distributions are L1, as on slides S7-S9; distances between
policies are total variation, ``eps = max_s TV(pi_new(.|s), pi(.|s))`` (half the L1).

The argument (slide S9, corrected). By the performance difference lemma (slide S3),
``J(pi_new) - J(pi) = sum_t gamma^t E_{p'_t}[f_t]``; the surrogate (slide S6) is
``L = sum_t gamma^t E_{p_t}[f_t]``. For any ``f`` and distributions ``p, p'``,

``E_{p'}[f] >= E_p[f] - 1/2 ||p' - p||_1 (max f - min f) >= E_p[f] - ||p' - p||_1 max |f|``

(:func:`expectation_lower_bound`; the slide's ``max f`` is false in general). With
slide S8's ``||p'_t - p_t||_1 <= 2 (1 - (1 - eps)^t)`` (:func:`pgtheory.s7_bound`) this gives

``J(pi_new) - J(pi) >= L - sum_t gamma^t 2 (1 - (1 - eps)^t) C_t``

for any ``C_t >= max_s |f_t(s)|`` (:func:`improvement_lower_bound`). The choice of ``C_t``
decides the order in ``eps``: a constant such as the slide's ``T r_max`` or
``r_max / (1 - gamma)`` (:func:`slide_constant`) makes the penalty of order ``eps``, like
the gain ``L``; ``C_t = 2 eps max|A_t|``, valid because ``sum_a pi[s, a] A_t[s, a] = 0``
(Schulman et al. 2015, eq. 28), makes it of order ``eps^2``. In the discounted case
``sum_t gamma^t 2 (1 - (1 - eps)^t) = 2 gamma eps / ((1 - gamma)(1 - gamma (1 - eps)))``,
and the ``eps^2`` penalty is TRPO's ``4 eps^2 gamma max|A| / ((1 - gamma)(1 - gamma (1 -
eps)))`` (Schulman et al. 2015, Appendix A, eq. 44). Maximizing that bound over a step
size gives an update that never decreases ``J`` (:func:`conservative_update`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.bounding.state_distribution import discounted_s7_bound_sum, s7_bound
from pgtheory.core.evaluation import (
    evaluate,
    occupancy,
    return_from_values,
    time_indexed,
)
from pgtheory.core.mdp import (
    TabularMDP,
    check_mdp,
    check_mdp_policies,
    check_mdp_policy,
    random_mdp,
)
from pgtheory.core.policies import total_variation_rows
from pgtheory.core.validation import (
    as_float_array,
    check_distribution,
    check_policy,
    check_positive_int,
)
from pgtheory.pg_as_pi.improvement import TIE_ATOL, greedy_policy

__all__ = [
    "EXPECTATION_FORMS",
    "GREEDY_DECREASE_SEED",
    "IMPROVEMENT_FORMS",
    "IMPROVEMENT_FORM_ALIASES",
    "BoundPath",
    "ImprovementBound",
    "UpdateRun",
    "bound_path",
    "conservative_update",
    "expectation_lower_bound",
    "greedy_decrease_example",
    "greedy_update",
    "improvement_lower_bound",
    "slide_constant",
    "surrogate_greedy_policy",
]

#: Forms of :func:`expectation_lower_bound`: the slide's (false in general), the corrected
#: one with ``max |f|``, and the sharper one with the range ``max f - min f``.
EXPECTATION_FORMS = ("slide", "max_abs", "range")
#: Forms of :func:`improvement_lower_bound`, from the slide's as written to TRPO's.
IMPROVEMENT_FORMS = ("slide", "constant", "max_abs", "range", "quadratic")
#: Other names of forms, accepted wherever a form is. ``"eq44"`` is ``"quadratic"``, whose
#: discounted penalty is TRPO's eq. (44) (:func:`pgtheory.trpo_eq44_penalty`; the name
#: :func:`pgtheory.trpo_bound` uses). A result keyed by form keeps the name it was given.
IMPROVEMENT_FORM_ALIASES = {"eq44": "quadratic"}
#: Default step sizes searched by :func:`conservative_update`.
DEFAULT_STEPS = np.linspace(0.0, 1.0, 101)
#: Seed of :func:`greedy_decrease_example`, the first of a search over seeds 0-299 whose
#: greedy steps (:func:`greedy_update`, 6 iterations from the uniform policy) lower ``J``
#: by more than 0.1 and cycle.
GREEDY_DECREASE_SEED = 64


def _check_form(form: object, forms: tuple[str, ...], aliases: dict[str, str] | None = None) -> str:
    if form not in forms and form not in (aliases or {}):
        raise ValueError(f"form must be one of {', '.join(map(repr, forms))}, got {form!r}")
    return str(form)


def expectation_lower_bound(p: ArrayLike, p_new: ArrayLike, f: ArrayLike, *, form: str) -> float:
    """A lower bound on ``E_{p_new}[f]`` from ``E_p[f]`` and ``||p - p_new||_1``.

    - ``form="slide"``: ``E_p[f] - ||p - p_new||_1 max f``, slide S9's first step. **False
      in general**: with ``f = (0, -1)``, ``p = (1, 0)``, ``p_new = (0, 1)`` it gives 0,
      while ``E_{p_new}[f] = -1``.
    - ``form="max_abs"``: ``E_p[f] - ||p - p_new||_1 max |f|``, the corrected step.
    - ``form="range"``: ``E_p[f] - 1/2 ||p - p_new||_1 (max f - min f)``, sharper still
      (``sum (p_new - p) = 0``, so ``f`` may be shifted by its mid-range first); attained
      when ``p`` and ``p_new`` sit on the arguments of ``max f`` and ``min f``.

    Parameters
    ----------
    p, p_new : array_like, shape (n,)
        Probability distributions (the slide's ``p_theta(s_t)`` and ``p_theta'(s_t)``).
    f : array_like, shape (n,)
        Any finite function of the outcome.
    form : {"slide", "max_abs", "range"}

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``p`` or ``p_new`` is not a probability vector, the shapes differ, ``f`` is not
        finite, or ``form`` is unknown.

    References
    ----------
    Slide S9; Schulman et al. (2015), Appendix A (the same step with ``max |f|``).
    """
    form = _check_form(form, EXPECTATION_FORMS)
    p = as_float_array(p, "p", ndim=1)
    check_distribution(p, "p")
    p_new = as_float_array(p_new, "p_new", ndim=1)
    if p_new.shape != p.shape:
        raise ValueError(f"p_new must have shape {p.shape} like p, got {p_new.shape}")
    check_distribution(p_new, "p_new")
    f = as_float_array(f, "f", ndim=1)
    if f.shape != p.shape:
        raise ValueError(f"f must have shape {p.shape} like p, got {f.shape}")
    l1 = float(np.abs(p - p_new).sum())
    if form == "slide":
        spread = float(f.max())
    elif form == "max_abs":
        spread = float(np.abs(f).max())
    else:
        spread = 0.5 * float(f.max() - f.min())
    return float(p @ f) - l1 * spread


def slide_constant(mdp: TabularMDP) -> float:
    """Slide S9's constant ``C``: ``T r_max`` (horizon ``T``) or ``r_max / (1 - gamma)``.

    ``r_max`` is read as the reward range ``max r - min r`` (the slide's ``r_max`` when
    rewards lie in ``[0, r_max]``); then ``C >= max |A_t| >= max |f_t|`` for every policy
    pair, since the advantage is a difference of two action values whose spread is at most
    ``r_max sum_{k < T - t} gamma^k <= T r_max`` (or ``r_max / (1 - gamma)``). It does not
    shrink with ``eps``, which is why the penalty it gives is of order ``eps``.

    Raises
    ------
    ValueError
        If ``mdp`` is not a :class:`pgtheory.TabularMDP`.

    References
    ----------
    Slide S9 ("``O(T r_max)`` or ``O(r_max / (1 - gamma))``").
    """
    mdp = check_mdp(mdp)
    r_range = float(mdp.r.max() - mdp.r.min())
    if mdp.horizon is None:
        return r_range / (1.0 - mdp.gamma)
    return mdp.horizon * r_range


class ImprovementBound(NamedTuple):
    """The parts of slide S9's lower bound ``bound = surrogate - penalty`` on ``gap``.

    ``surrogate`` is ``L = sum_t gamma^t E_{p_t}[f_t]`` (slide S6's ``A_bar``), ``eps``
    is ``max_s TV(pi_new(.|s), pi(.|s))``, and ``gap`` is the true ``J(pi_new) - J(pi)``.
    """

    surrogate: float
    penalty: float
    bound: float
    eps: float
    gap: float


def improvement_lower_bound(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike, *, form: str
) -> ImprovementBound:
    """Slide S9's lower bound on ``J(pi_new) - J(pi)``: the surrogate minus a penalty.

    With ``f_t(s) = sum_a pi_new[s, a] A^pi_t[s, a]``, ``eps = max_s TV(pi_new, pi)[s]``
    and ``w_t = gamma^t 2 (1 - (1 - eps)^t)`` (slide S8's bound on ``||p'_t - p_t||_1``,
    discounted inside the sum), the penalty is ``sum_t w_t C_t`` with

    - ``"constant"``: ``C_t = slide_constant(mdp)`` (``T r_max`` or ``r_max / (1 - gamma)``):
      of order ``eps``, like the surrogate, so it proves nothing for small ``eps``;
    - ``"max_abs"``: ``C_t = max_s |f_t(s)|``, the corrected slide with ``max |f|``;
    - ``"range"``: ``C_t = (max_s f_t - min_s f_t) / 2``, the sharper form of the lemma;
    - ``"quadratic"``: ``C_t = 2 eps max_{s, a} |A^pi_t[s, a]|``, from
      ``|f_t(s)| <= 2 TV max |A_t|`` (Schulman et al. 2015, eq. 28): of order ``eps^2``.
      Discounted, the penalty is TRPO's ``4 eps^2 gamma max|A| / ((1 - gamma)(1 - gamma
      (1 - eps)))`` (their Appendix A, eq. 44; :func:`pgtheory.trpo_eq44_penalty`), which is
      why this form is also accepted under the name :func:`pgtheory.trpo_bound` gives it,
      ``"eq44"`` (:data:`IMPROVEMENT_FORM_ALIASES`).

    and ``"slide"`` is the slide as written: ``sum_t 2 eps t max_s gamma^t f_t(s)``, with
    the linear ``2 eps t``, the signed ``max f`` and no absolute value. It is not a valid
    bound (it can exceed the true gap). All other forms are: ``bound <= gap`` always.

    The sums run over ``t = 0..T-1`` (finite horizon, time-indexed advantage) or over all
    ``t >= 0`` in closed form (discounted, stationary advantage: ``sum_t w_t`` is
    :func:`pgtheory.discounted_s7_bound_sum`).

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi_new : array_like, shape (S, A)
        Old and new policy.
    form : {"slide", "constant", "max_abs", "range", "quadratic"}
        Or ``"eq44"``, another name of ``"quadratic"``.

    Returns
    -------
    ImprovementBound
        ``(surrogate, penalty, bound, eps, gap)``.

    Raises
    ------
    ValueError
        If a policy does not fit the MDP, or ``form`` is unknown.

    References
    ----------
    Slide S9; Kakade & Langford (2002), Lemma 6.1 and Thm 4.1; Schulman et al. (2015),
    Thm 1 and Appendix A; Achiam et al. (2017), Cor. 1.
    """
    form = _check_form(form, IMPROVEMENT_FORMS, IMPROVEMENT_FORM_ALIASES)
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    return _bounds(_OldPolicy.of(mdp, pi), pi_new, (form,))[form]


class _OldPolicy(NamedTuple):
    """What every bound needs from the old policy, computed once."""

    mdp: TabularMDP
    pi: NDArray[np.float64]
    A: NDArray[np.float64]  # (T, S, A), or (1, S, A) discounted
    occupancy: NDArray[np.float64]  # gamma^t P_pi(s_t = s), (T, S) or (1, S)
    J: float

    @classmethod
    def of(cls, mdp: TabularMDP, pi: NDArray) -> _OldPolicy:
        vf = evaluate(mdp, pi)
        A = time_indexed(mdp, vf.A)
        return cls(mdp, pi, A, occupancy(mdp, pi), return_from_values(mdp, vf.V))


def _bounds(
    old: _OldPolicy, pi_new: NDArray, forms: tuple[str, ...], *, with_gap: bool = True
) -> dict[str, ImprovementBound]:
    """:func:`improvement_lower_bound` for several forms, sharing the work.

    ``with_gap=False`` skips the evaluation of ``pi_new`` (``gap`` is then NaN): the
    bound needs only the old policy's quantities.
    """
    mdp, A = old.mdp, old.A
    f = np.einsum("sa,tsa->ts", pi_new, A)
    surrogate = float(np.einsum("ts,ts->", old.occupancy, f))
    eps = float(total_variation_rows(pi_new, old.pi).max())
    gap = return_from_values(mdp, evaluate(mdp, pi_new).V) - old.J if with_gap else np.nan
    gamma = mdp.gamma
    if mdp.horizon is None:
        weights = np.array([float(discounted_s7_bound_sum(eps, gamma))])
        # sum_{t >= 0} 2 eps t gamma^t = 2 eps gamma / (1 - gamma)^2
        slide_weights = np.array([2.0 * eps * gamma / (1.0 - gamma) ** 2])
    else:
        t = np.arange(mdp.horizon)
        weights = gamma**t * s7_bound(eps, t)
        slide_weights = 2.0 * eps * t * gamma**t
    out = {}
    for form in forms:
        if form == "slide":
            penalty = float(slide_weights @ f.max(axis=1))
        else:
            if form == "constant":
                C = np.full(len(weights), slide_constant(mdp))
            elif form == "max_abs":
                C = np.abs(f).max(axis=1)
            elif form == "range":
                C = 0.5 * (f.max(axis=1) - f.min(axis=1))
            else:  # "quadratic" (or "eq44")
                C = 2.0 * eps * np.abs(A).max(axis=(1, 2))
            penalty = float(weights @ C)
        out[form] = ImprovementBound(surrogate, penalty, surrogate - penalty, eps, gap)
    return out


def surrogate_greedy_policy(mdp: TabularMDP, pi: ArrayLike) -> NDArray[np.float64]:
    """The deterministic policy that maximizes the surrogate ``L`` of ``pi``.

    ``L`` is linear in the new policy: ``L(pi') = sum_{s, a} pi'[s, a] G[s, a]`` with
    ``G[s, a] = sum_t gamma^t P_pi(s_t = s) A^pi_t[s, a]``, so every policy greedy in ``G``
    maximizes it. In a state that ``pi`` never visits, ``G[s, :] = 0`` and every action
    maximizes ``L``; the choice there still decides ``J(pi')``, since ``pi'`` may go
    there. Ties in ``G`` (within an absolute 1e-10, ``TIE_ATOL``; always in a
    never-visited state) are therefore broken by

    ``K[s, a] = sum_t gamma^t A^pi_t[s, a]``,

    the weight ``G`` would have if ``pi`` were in ``s`` at every time, and then by the
    lowest action.

    - **Discounted** (stationary ``A^pi``): ``K = A^pi``, and in a visited state ``G[s, :]``
      is ``A^pi[s, :]`` times a positive number, so the result is greedy in ``Q^pi`` in
      every state, visited or not: policy iteration's improvement step (ties in ``Q^pi`` to
      the lowest action). By the policy improvement theorem ``V^{pi'} >= V^pi`` in every
      state, so ``J(pi') >= J(pi)``.
    - **Finite horizon** (time-indexed ``A^pi_t``, stationary policies): ``G`` weighs the
      advantages of different times by the visits of ``pi``; no stationary policy need be
      greedy in every ``A^pi_t``, and ``K`` is only a heuristic for the states ``pi``
      never visits. ``J(pi')`` can be lower than ``J(pi)`` when ``T >= 2``
      (:func:`greedy_decrease_example`). With ``T = 1``, ``L`` is the exact gain and
      ``J`` cannot fall.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
        The old policy.

    Returns
    -------
    ndarray, shape (S, A)
        One-hot.

    Raises
    ------
    ValueError
        If ``pi`` does not fit the MDP.

    References
    ----------
    Slide S9; policy iteration's step: Howard (1960); Sutton & Barto (2018), Sec. 4.2.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    A = time_indexed(mdp, evaluate(mdp, pi).A)
    G = np.einsum("ts,tsa->sa", occupancy(mdp, pi), A)
    K = np.einsum("t,tsa->sa", mdp.gamma ** np.arange(A.shape[0]), A)
    maximizes_L = G >= G.max(axis=1, keepdims=True) - TIE_ATOL
    # An action that does not maximize L gets a key below every K[s, :] (by at least 1).
    floor = K.min(axis=1, keepdims=True) - 1.0 - np.abs(K).max(axis=1, keepdims=True)
    return greedy_policy(np.where(maximizes_L, K, floor))


class UpdateRun(NamedTuple):
    """A run of mixture updates ``pi_{k+1} = (1 - a_k) pi_k + a_k greedy_k``.

    ``policies`` (K+1, S, A), their exact returns ``J`` (K+1,), the step sizes ``steps``
    (K,) and the lower bound on ``J_{k+1} - J_k`` at the chosen step, ``bounds`` (K,).
    """

    policies: NDArray[np.float64]
    J: NDArray[np.float64]
    steps: NDArray[np.float64]
    bounds: NDArray[np.float64]


def _check_steps(steps: ArrayLike) -> NDArray[np.float64]:
    steps = as_float_array(steps, "steps", ndim=1)
    if steps.size == 0:
        raise ValueError("steps must be non-empty, got shape (0,)")
    bad = (steps < 0) | (steps > 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"steps[{i}] is {steps[i]:g}, expected a step size in [0, 1]")
    return steps


def _mixture_run(
    mdp: TabularMDP, pi: ArrayLike, n_iterations: int, steps: NDArray, form: str
) -> UpdateRun:
    mdp, pi_k = check_mdp_policy(mdp, pi)
    n_iterations = check_positive_int(n_iterations, "n_iterations")
    policies, J, chosen, bounds = [pi_k], [], [], []
    for _ in range(n_iterations):
        target = surrogate_greedy_policy(mdp, pi_k)
        old = _OldPolicy.of(mdp, pi_k)
        candidates = [
            _bounds(old, (1.0 - a) * pi_k + a * target, (form,), with_gap=False)[form].bound
            for a in steps
        ]
        k = int(np.argmax(candidates))
        pi_k = (1.0 - steps[k]) * pi_k + steps[k] * target
        J.append(_bounds(old, pi_k, (form,))[form].gap)
        chosen.append(steps[k])
        bounds.append(candidates[k])
        policies.append(pi_k)
    J0 = return_from_values(mdp, evaluate(mdp, policies[0]).V)
    return UpdateRun(
        np.array(policies),
        J0 + np.concatenate([[0.0], np.cumsum(J)]),
        np.array(chosen),
        np.array(bounds),
    )


def conservative_update(
    mdp: TabularMDP,
    pi: ArrayLike,
    n_iterations: int,
    *,
    steps: ArrayLike = DEFAULT_STEPS,
    form: str = "quadratic",
) -> UpdateRun:
    """Maximize slide S9's lower bound over the step size, ``n_iterations`` times.

    Each iteration moves toward the surrogate's maximizer (:func:`surrogate_greedy_policy`)
    by a mixture ``pi' = (1 - a) pi + a greedy``, with the ``a`` among ``steps`` that
    maximizes ``improvement_lower_bound(mdp, pi, pi', form=form).bound``. With a valid
    form and ``0`` among ``steps`` (bound 0: no step), the chosen bound is ``>= 0`` and
    ``J`` never decreases. This is conservative policy iteration's idea (Kakade & Langford
    2002, Sec. 4), with TRPO's penalty by default.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
        The starting policy.
    n_iterations : int
        K >= 1.
    steps : array_like, shape (m,)
        Candidate step sizes in [0, 1]; the first maximizer is taken.
    form : str
        A form of :func:`improvement_lower_bound`; ``"quadratic"`` by default.

    Returns
    -------
    UpdateRun

    Raises
    ------
    ValueError
        If ``pi`` does not fit the MDP, ``n_iterations < 1``, a step lies outside
        [0, 1], or ``form`` is unknown.
    """
    form = _check_form(form, IMPROVEMENT_FORMS, IMPROVEMENT_FORM_ALIASES)
    return _mixture_run(mdp, pi, n_iterations, _check_steps(steps), form)


def greedy_update(mdp: TabularMDP, pi: ArrayLike, n_iterations: int) -> UpdateRun:
    """The unconstrained step: ``pi`` replaced by :func:`surrogate_greedy_policy` each time.

    The surrogate's maximizer, with no regard for the penalty. In the discounted case each
    step is policy iteration's (greedy in ``Q^pi`` in every state, including those ``pi``
    never visits), so ``J`` never decreases. With a finite horizon ``T >= 2`` and
    stationary policies it can lower ``J`` (:func:`greedy_decrease_example`); with
    ``T = 1`` it cannot. ``bounds`` holds the ``"quadratic"`` bound of each step.

    Raises
    ------
    ValueError
        If ``pi`` does not fit the MDP or ``n_iterations < 1``.
    """
    return _mixture_run(mdp, pi, n_iterations, np.array([1.0]), "quadratic")


class BoundPath(NamedTuple):
    """Slide S9's bounds along the mixtures ``(1 - a) pi + a target``, one entry per ``a``.

    ``steps`` (m,), ``eps`` (m,) (``max_s TV`` to ``pi``), ``gap`` (m,) (the true
    ``J - J(pi)``), ``surrogate`` (m,), and ``penalty``: a dict from form to (m,) array;
    the bound of a form is ``surrogate - penalty[form]``.
    """

    steps: NDArray[np.float64]
    eps: NDArray[np.float64]
    gap: NDArray[np.float64]
    surrogate: NDArray[np.float64]
    penalty: dict[str, NDArray[np.float64]]


def bound_path(
    mdp: TabularMDP,
    pi: ArrayLike,
    target: ArrayLike,
    steps: ArrayLike,
    *,
    forms: tuple[str, ...] = IMPROVEMENT_FORMS,
) -> BoundPath:
    """:func:`improvement_lower_bound` for each mixture ``(1 - a) pi + a target``.

    Raises
    ------
    ValueError
        If a policy does not fit the MDP, a step lies outside [0, 1] or a form is unknown.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    target = check_policy(target, "target", mdp.n_states, mdp.n_actions)
    steps = _check_steps(steps)
    forms = tuple(_check_form(form, IMPROVEMENT_FORMS, IMPROVEMENT_FORM_ALIASES) for form in forms)
    old = _OldPolicy.of(mdp, pi)
    rows = [_bounds(old, (1.0 - a) * pi + a * target, forms) for a in steps]
    first = [row[forms[0]] for row in rows]
    return BoundPath(
        steps,
        np.array([r.eps for r in first]),
        np.array([r.gap for r in first]),
        np.array([r.surrogate for r in first]),
        {form: np.array([row[form].penalty for row in rows]) for form in forms},
    )


def greedy_decrease_example() -> tuple[TabularMDP, NDArray[np.float64]]:
    """An MDP on which the greedy step lowers ``J``, and the uniform starting policy.

    A random MDP (:func:`pgtheory.random_mdp`) with 4 states, 3 actions, horizon 9,
    ``gamma = 1`` and deterministic transitions (one successor per state and action), drawn
    with ``GREEDY_DECREASE_SEED``: from the uniform policy, :func:`greedy_update` raises
    ``J`` from 6.328 to 7.585 in two steps and then cycles between two policies, lowering
    ``J`` to 7.174 every other step, while :func:`conservative_update` never lowers it.
    """
    rng = np.random.default_rng(GREEDY_DECREASE_SEED)
    S, A = int(rng.integers(3, 6)), int(rng.integers(2, 4))
    horizon = int(rng.integers(3, 10))
    concentration = float(rng.choice([0.1, 0.3, 1.0]))
    branching = int(rng.integers(1, S + 1))
    mdp = random_mdp(
        S,
        A,
        rng=rng,
        gamma=1.0,
        horizon=horizon,
        concentration=concentration,
        branching=branching,
    )
    return mdp, np.full((S, A), 1.0 / A)
