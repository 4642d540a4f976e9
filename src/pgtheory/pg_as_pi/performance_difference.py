"""The performance difference lemma (slides S3-S4), exact and sampled.

For two policies ``pi`` (the old one, whose advantage is used) and ``pi_new``,

``J(pi_new) - J(pi) = E_{tau ~ pi_new}[sum_t gamma^t A^pi_t(s_t, a_t)]``

(Kakade & Langford 2002, Lemma 6.1, there as
``1/(1 - gamma) E_{s ~ d^{pi_new}, a ~ pi_new}[A^pi(s, a)]``). Discounted MDPs
(``mdp.horizon is None``) use the stationary advantage ``A^pi(s, a)``; a finite horizon
``T`` needs the time-indexed ``A^pi_t = Q^pi_t - V^pi_t`` (the errata page,
:ref:`errata-finite-horizon`): with a stationary advantage the telescoping sum of slide S4
leaves a boundary term.

:func:`performance_difference` gives both sides exactly, :func:`advantage_sums` the
per-trajectory terms whose mean estimates the right side, :func:`pdl_proof_lines`
every line of slide S4's derivation as a number, and :func:`performance_difference_by_state`
both sides split into one term per state.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import (
    evaluate,
    occupancy,
    return_from_values,
    state_marginals,
    time_indexed,
)
from pgtheory.core.mdp import TabularMDP, check_mdp_policies, check_mdp_policy
from pgtheory.core.sampling import Trajectories, check_trajectories

__all__ = [
    "PDL_PROOF_STEPS",
    "PerformanceDifference",
    "PerformanceDifferenceByState",
    "advantage_sums",
    "pdl_proof_lines",
    "performance_difference",
    "performance_difference_by_state",
]

#: The lines of slide S4's proof (TeX, with ``theta`` for ``pi`` and ``theta'`` for
#: ``pi_new``), in the order :func:`pdl_proof_lines` evaluates them.
PDL_PROOF_STEPS = (
    r"J(\theta') - J(\theta)",
    r"J(\theta') - E_{s_0 \sim p(s_0)}[V^{\pi_\theta}(s_0)]",
    r"J(\theta') - E_{\tau \sim p_{\theta'}}[V^{\pi_\theta}(s_0)]",
    r"J(\theta') - E_{\tau \sim p_{\theta'}}\Big[\sum_{t \ge 0} \gamma^t V^{\pi_\theta}(s_t)"
    r" - \sum_{t \ge 1} \gamma^t V^{\pi_\theta}(s_t)\Big]",
    r"J(\theta') + E_{\tau \sim p_{\theta'}}\Big[\sum_t \gamma^t"
    r" (\gamma V^{\pi_\theta}(s_{t+1}) - V^{\pi_\theta}(s_t))\Big]",
    r"E_{\tau \sim p_{\theta'}}\Big[\sum_t \gamma^t r(s_t, a_t)\Big]"
    r" + E_{\tau \sim p_{\theta'}}\Big[\sum_t \gamma^t"
    r" (\gamma V^{\pi_\theta}(s_{t+1}) - V^{\pi_\theta}(s_t))\Big]",
    r"E_{\tau \sim p_{\theta'}}\Big[\sum_t \gamma^t (r(s_t, a_t)"
    r" + \gamma V^{\pi_\theta}(s_{t+1}) - V^{\pi_\theta}(s_t))\Big]",
    r"E_{\tau \sim p_{\theta'}}\Big[\sum_t \gamma^t A^{\pi_\theta}(s_t, a_t)\Big]",
)


class PerformanceDifference(NamedTuple):
    """Both sides of the performance difference lemma.

    ``lhs = J(pi_new) - J(pi)``; ``rhs = E_{tau ~ pi_new}[sum_t gamma^t A^pi_t(s_t, a_t)]``.
    """

    lhs: float
    rhs: float


def performance_difference(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike
) -> PerformanceDifference:
    """Both sides of the performance difference lemma, exactly (slide S3).

    ``lhs = J(pi_new) - J(pi)`` from two exact evaluations;
    ``rhs = sum_t gamma^t sum_s P_{pi_new}(s_t = s) sum_a pi_new[s, a] A^pi_t[s, a]``,
    the expectation over trajectories of ``pi_new`` of the discounted sum of ``pi``'s
    advantages. Discounted MDPs: ``rhs = sum_s rho(s) sum_a pi_new[s, a] A^pi[s, a]`` with
    ``rho = solve((I - gamma P_{pi_new})^T, p0) = d^{pi_new} / (1 - gamma)``.
    Finite horizon: the advantage is time-indexed, ``A^pi_t = Q^pi_t - V^pi_t``.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
        The old policy (slide: ``pi_theta``), whose advantage is used.
    pi_new : array_like, shape (S, A)
        The new policy (slide: ``pi_theta'``), whose trajectories are averaged over.

    Returns
    -------
    PerformanceDifference
        ``(lhs, rhs)``, equal up to rounding.

    Raises
    ------
    ValueError
        If ``mdp`` is not a TabularMDP, or a policy does not have shape (S, A), has
        negative or non-finite entries or rows that do not sum to 1.

    References
    ----------
    Slide S3; Kakade & Langford (2002), Lemma 6.1; Schulman et al. (2015), eq. (1).
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    vf = evaluate(mdp, pi)
    vf_new = evaluate(mdp, pi_new)
    lhs = return_from_values(mdp, vf_new.V) - return_from_values(mdp, vf.V)
    rho = occupancy(mdp, pi_new)
    A = time_indexed(mdp, vf.A)
    rhs = float(np.einsum("ts,sa,tsa->", rho, pi_new, A))
    return PerformanceDifference(lhs, rhs)


class PerformanceDifferenceByState(NamedTuple):
    """Both sides of the performance difference lemma, one term per state.

    ``by_start[s] = p0(s) (V^{pi_new}_0(s) - V^pi_0(s))``, the left side split by the start
    state; ``by_visit[s] = sum_t gamma^t P_{pi_new}(s_t = s) sum_a pi_new[s, a] A^pi_t[s, a]``,
    the right side split by the state visited. Each sums to ``J(pi_new) - J(pi)``.
    """

    by_start: NDArray[np.float64]
    by_visit: NDArray[np.float64]


def performance_difference_by_state(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike
) -> PerformanceDifferenceByState:
    """The two sides of the lemma as sums over states: who gets the credit (slide S4).

    The left side ``J(pi_new) - J(pi) = sum_s p0(s) (V^{pi_new}_0(s) - V^pi_0(s))`` credits
    the change to the states the agent starts in; the right side
    ``sum_s rho(s) sum_a pi_new[s, a] A^pi(s, a)`` (``rho`` the discounted occupancy of
    ``pi_new``, summed over time with ``A^pi_t`` for a finite horizon) credits it to the
    states ``pi_new`` visits, in proportion to how often. The totals agree
    (:func:`performance_difference`); the terms do not.

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi_new : array_like, shape (S, A)
        The old policy (whose advantage is used) and the new one.

    Returns
    -------
    PerformanceDifferenceByState
        ``(by_start, by_visit)``, each of shape (S,).

    Raises
    ------
    ValueError
        As :func:`performance_difference`.

    References
    ----------
    Slide S4; Kakade & Langford (2002), Lemma 6.1.
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    vf = evaluate(mdp, pi)
    vf_new = evaluate(mdp, pi_new)
    V, V_new = time_indexed(mdp, vf.V), time_indexed(mdp, vf_new.V)
    by_start = mdp.p0 * (V_new[0] - V[0])
    rho = occupancy(mdp, pi_new)
    by_visit = np.einsum("ts,sa,tsa->s", rho, pi_new, time_indexed(mdp, vf.A))
    return PerformanceDifferenceByState(by_start, by_visit)


def advantage_sums(
    mdp: TabularMDP, pi: ArrayLike, trajectories: Trajectories
) -> NDArray[np.float64]:
    """Per-trajectory ``sum_t gamma^t A^pi_t(s_t, a_t)``: the sampled right side of slide S3.

    With trajectories sampled from ``pi_new`` (:func:`pgtheory.sample_trajectories`), the
    mean of the result is an unbiased estimate of ``performance_difference(mdp, pi,
    pi_new).rhs`` for a finite horizon (standard error: the sample standard deviation over
    ``sqrt(n)``). For a discounted MDP the trajectories are truncated at their length
    ``T``: the mean then misses ``E[sum_{t >= T} gamma^t A^pi(s_t, a_t)]``, at most
    ``gamma^T max|A^pi| / (1 - gamma)`` in absolute value.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
        The old policy, whose exact advantage ``A^pi`` is summed.
    trajectories : Trajectories
        Trajectories of the new policy; for a finite horizon, of length ``mdp.horizon``.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        On a policy or trajectories that do not fit the MDP (shapes, indices, length).

    References
    ----------
    Slide S3; Kakade & Langford (2002), Lemma 6.1.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    states, actions, _ = check_trajectories(mdp, trajectories)
    T = states.shape[1]
    A = evaluate(mdp, pi).A
    adv = A[states, actions] if mdp.horizon is None else A[np.arange(T), states, actions]
    return adv @ (mdp.gamma ** np.arange(T))


def pdl_proof_lines(mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike) -> NDArray[np.float64]:
    """Every line of slide S4's telescoping proof, evaluated: shape (8,), all equal.

    Line ``k`` is the value of ``PDL_PROOF_STEPS[k]`` (``V = V^pi``, expectations over
    trajectories of ``pi_new``, ``rho_t(s) = gamma^t P_{pi_new}(s_t = s)``), each computed
    by its own formula:

    0. ``J(pi_new) - J(pi)`` (two exact evaluations);
    1. ``J(pi_new) - p0 . V_0``;
    2. ``J(pi_new) - E_{pi_new}[V_0(s_0)]`` (the law of ``s_0`` under ``pi_new``);
    3. ``J(pi_new) - (sum_{t>=0} rho_t . V_t - sum_{t>=1} rho_t . V_t)``;
    4. ``J(pi_new) + sum_t sum_s rho_t(s) sum_a pi_new[s, a] (gamma P[s, a] . V_{t+1}
       - V_t(s))``;
    5. ``sum_t rho_t . r_{pi_new}`` plus the sum of line 4;
    6. ``sum_t sum_s rho_t(s) sum_a pi_new[s, a] (r[s, a] + gamma P[s, a] . V_{t+1}
       - V_t(s))``;
    7. ``sum_t sum_s rho_t(s) sum_a pi_new[s, a] A^pi_t[s, a]``.

    Discounted MDPs: ``V_t = V`` for all ``t`` and the sums over ``t`` are linear solves.
    Finite horizon ``T``: ``V_t`` is time-indexed with ``V_T = 0``, so the telescoping
    sum ends without a boundary term (the errata page, :ref:`errata-finite-horizon`).

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi_new : array_like, shape (S, A)
        The old and the new policy (slide: ``pi_theta``, ``pi_theta'``).

    Returns
    -------
    ndarray, shape (8,)

    Raises
    ------
    ValueError
        As :func:`performance_difference`.

    References
    ----------
    Slide S4; Kakade & Langford (2002), Lemma 6.1 (proof).
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    S, A = mdp.n_states, mdp.n_actions
    gamma = mdp.gamma
    vf = evaluate(mdp, pi)
    vf_new = evaluate(mdp, pi_new)
    rho = occupancy(mdp, pi_new)  # (T, S) or (1, S)
    V = time_indexed(mdp, vf.V)  # V_t, (T, S) or (1, S)
    if mdp.horizon is None:
        V_next = V  # stationary: V_{t+1} = V
        rho_from_1 = rho - mdp.p0  # sum_{t >= 1} gamma^t P(s_t = s)
        V_from_1 = V
    else:
        V_next = np.vstack([V[1:], np.zeros((1, S))])  # V_{t+1}, V_T = 0
        rho_from_1 = rho[1:]
        V_from_1 = V[1:]
    J_new = return_from_values(mdp, vf_new.V)
    P_V_next = (V_next @ mdp.P.reshape(S * A, S).T).reshape(-1, S, A)  # P[s, a] . V_{t+1}
    td = gamma * P_V_next - V[:, :, None]  # gamma V_{t+1}(s') - V_t(s), averaged over s'
    telescoped = float(np.einsum("ts,sa,tsa->", rho, pi_new, td))
    r_new = np.einsum("sa,sa->s", mdp.r, pi_new)
    lines = np.array(
        [
            J_new - float(mdp.p0 @ (vf.V if mdp.horizon is None else vf.V[0])),
            J_new - float(mdp.p0 @ V[0]),
            J_new - float(state_marginals(mdp, pi_new, 1)[0] @ V[0]),
            J_new - (float(np.sum(rho * V)) - float(np.sum(rho_from_1 * V_from_1))),
            J_new + telescoped,
            float(np.sum(rho @ r_new)) + telescoped,
            float(np.einsum("ts,sa,tsa->", rho, pi_new, mdp.r[None] + td)),
            float(np.einsum("ts,sa,tsa->", rho, pi_new, time_indexed(mdp, vf.A))),
        ]
    )
    return lines
