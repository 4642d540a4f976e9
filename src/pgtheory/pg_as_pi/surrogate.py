"""The surrogate advantage of slide S6 and the distribution mismatch it ignores.

Slide S6 replaces the new policy's state marginals ``p_{theta'}(s_t)`` in slide S5's
rewrite by the old policy's ``p_theta(s_t)``:

``A_bar(theta') = sum_t E_{s_t ~ p_theta(s_t)} E_{a_t ~ pi_theta}[pi_theta'(a_t | s_t) /
pi_theta(a_t | s_t) gamma^t A^{pi_theta}_t(s_t, a_t)]``,

which is TRPO's ``L_pi(pi') - J(pi)`` (Schulman et al. 2015, eq. 3). It can be estimated
from trajectories of the *old* policy only, agrees with ``J(theta') - J(theta)`` to first
order at ``theta' = theta`` (same value 0, same gradient), and drifts away from it as the
policies separate. Finite horizon: time-indexed advantage; discounted: stationary one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import evaluate, occupancy, return_from_values, time_indexed
from pgtheory.core.mdp import TabularMDP, check_mdp, check_mdp_policies, check_mdp_policy
from pgtheory.core.policies import softmax_policy, total_variation_rows
from pgtheory.core.sampling import Trajectories
from pgtheory.core.validation import as_float_array, check_theta
from pgtheory.pg_as_pi.importance_sampling import action_ratios

__all__ = [
    "SurrogatePath",
    "surrogate_advantage",
    "surrogate_advantage_samples",
    "surrogate_gradient",
    "surrogate_path",
]


def surrogate_advantage(mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike) -> float:
    """Slide S6's ``A_bar(theta')``, exactly.

    ``A_bar = sum_t gamma^t sum_s P_pi(s_t = s) sum_a pi_new[s, a] A^pi_t[s, a]``: the
    importance weight ``pi_new / pi`` times ``pi`` is ``pi_new``, so no division is needed
    (the slide's form equals this whenever ``pi > 0`` wherever ``pi_new > 0``).
    Discounted: ``sum_s rho(s) sum_a pi_new[s, a] A^pi[s, a]`` with
    ``rho = solve((I - gamma P_pi)^T, p0)``. It differs from
    ``performance_difference(mdp, pi, pi_new).rhs`` only in the state distribution
    (``pi``'s instead of ``pi_new``'s); ``A_bar = 0`` at ``pi_new = pi``.

    Its gradient in ``theta'`` (``pi_new = softmax(theta')``) at ``theta' = theta`` is
    ``policy_gradient(mdp, theta)``: see :func:`surrogate_gradient`.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
        The old policy ``pi_theta`` (states and advantage).
    pi_new : array_like, shape (S, A)
        The new policy ``pi_theta'``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If a policy does not fit the MDP (shape, negative or non-finite entries, rows not
        summing to 1).

    References
    ----------
    Slide S6; Schulman et al. (2015), eq. (3); Kakade & Langford (2002), Sec. 4.
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    rho = occupancy(mdp, pi)
    A = time_indexed(mdp, evaluate(mdp, pi).A)
    return float(np.einsum("ts,sa,tsa->", rho, pi_new, A))


def surrogate_advantage_samples(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike, trajectories: Trajectories
) -> NDArray[np.float64]:
    """Per-trajectory ``sum_t pi_new/pi(a_t | s_t) gamma^t A^pi_t(s_t, a_t)``, shape (n,).

    With trajectories of ``pi`` (the old policy) the mean is an unbiased estimate of
    :func:`surrogate_advantage` for a finite horizon (standard error: sample standard
    deviation over ``sqrt(n)``). Discounted MDPs: the trajectories are truncated at their
    length ``T``, which misses at most ``gamma^T max|A| max(pi_new/pi) / (1 - gamma)``.

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi_new : array_like, shape (S, A)
        Old policy (sampling, ``pi > 0`` wherever ``pi_new > 0``) and new policy.
    trajectories : Trajectories
        Sampled from ``pi``.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        As :func:`pgtheory.action_ratios`.

    References
    ----------
    Slide S6; Schulman et al. (2015), eq. (14).
    """
    ratios = action_ratios(mdp, pi, pi_new, trajectories)
    mdp, pi = check_mdp_policy(mdp, pi)
    states, actions = trajectories.states, trajectories.actions
    T = ratios.shape[1]
    A = evaluate(mdp, pi).A
    adv = A[states, actions] if mdp.horizon is None else A[np.arange(T), states, actions]
    return (ratios * adv) @ (mdp.gamma ** np.arange(T))


def surrogate_gradient(
    mdp: TabularMDP, theta: ArrayLike, theta_new: ArrayLike
) -> NDArray[np.float64]:
    """Exact gradient of ``A_bar`` in ``theta'`` for tabular softmax policies.

    With ``pi = softmax(theta)``, ``pi' = softmax(theta_new)`` and
    ``rho_t(s) = gamma^t P_pi(s_t = s)``:

    ``d A_bar / d theta'[s, b] = sum_t rho_t(s) pi'[s, b] (A^pi_t[s, b]
    - sum_a pi'[s, a] A^pi_t[s, a])``.

    At ``theta_new = theta`` the inner sum ``sum_a pi A^pi_t`` is 0 and this is
    ``sum_t rho_t(s) pi[s, b] A^pi_t[s, b] = policy_gradient(mdp, theta)[s, b]``: the
    surrogate and ``J`` have the same gradient at the current policy, so a small step
    on ``A_bar`` is a policy-gradient step (TRPO, Schulman et al. 2015, Sec. 2; Kakade &
    Langford 2002, Sec. 4).

    Parameters
    ----------
    mdp : TabularMDP
    theta, theta_new : array_like, shape (S, A)
        Logits of the old and the new policy.

    Returns
    -------
    ndarray, shape (S, A)

    Raises
    ------
    ValueError
        If a theta does not have shape (S, A) or has non-finite entries.

    References
    ----------
    Slide S6; Schulman et al. (2015), eqs. (3)-(4).
    """
    mdp = check_mdp(mdp)
    theta = check_theta(theta, "theta", mdp.n_states, mdp.n_actions)
    theta_new = check_theta(theta_new, "theta_new", mdp.n_states, mdp.n_actions)
    pi, pi_new = softmax_policy(theta), softmax_policy(theta_new)
    rho = occupancy(mdp, pi)
    A = time_indexed(mdp, evaluate(mdp, pi).A)
    centred = A - np.einsum("sa,tsa->ts", pi_new, A)[:, :, None]
    return pi_new * np.einsum("ts,tsa->sa", rho, centred)


class SurrogatePath(NamedTuple):
    """Slide S6's two sides along ``theta' = theta + s d``, shape (K,) each.

    ``improvement[k] = J(theta'_k) - J(theta)``, ``surrogate[k] = A_bar(theta'_k)``,
    ``max_tv[k] = max_s TV(pi_theta(.|s), pi_theta'_k(.|s))`` (half L1).
    """

    steps: NDArray[np.float64]
    improvement: NDArray[np.float64]
    surrogate: NDArray[np.float64]
    max_tv: NDArray[np.float64]


def surrogate_path(
    mdp: TabularMDP, theta: ArrayLike, direction: ArrayLike, steps: ArrayLike
) -> SurrogatePath:
    """``J(theta') - J(theta)`` against ``A_bar(theta')`` along ``theta' = theta + s d``.

    The gap ``improvement - surrogate`` is the distribution mismatch of slide S6: it is
    ``o(s)`` (both sides have the same value and gradient at ``s = 0``) and grows with the
    distance between the policies, measured by ``max_tv``.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like, shape (S, A)
        Logits of the old policy.
    direction : array_like, shape (S, A)
        The direction ``d``.
    steps : array_like, shape (K,)
        Step sizes ``s`` (finite, any sign).

    Returns
    -------
    SurrogatePath

    Raises
    ------
    ValueError
        If theta or direction does not fit the MDP, or steps is not a finite 1-d array.

    References
    ----------
    Slide S6; Schulman et al. (2015), Thm 1; Kakade & Langford (2002), Sec. 4.
    """
    mdp = check_mdp(mdp)
    theta = check_theta(theta, "theta", mdp.n_states, mdp.n_actions)
    d = check_theta(direction, "direction", mdp.n_states, mdp.n_actions)
    steps = as_float_array(steps, "steps", ndim=1)
    pi = softmax_policy(theta)
    vf = evaluate(mdp, pi)
    J = return_from_values(mdp, vf.V)
    rho = occupancy(mdp, pi)
    A = time_indexed(mdp, vf.A)
    improvement = np.empty(steps.shape)
    surrogate = np.empty(steps.shape)
    max_tv = np.empty(steps.shape)
    for k, s in enumerate(steps):
        pi_new = softmax_policy(theta + s * d)
        improvement[k] = return_from_values(mdp, evaluate(mdp, pi_new).V) - J
        surrogate[k] = float(np.einsum("ts,sa,tsa->", rho, pi_new, A))
        max_tv[k] = total_variation_rows(pi_new, pi).max()
    return SurrogatePath(steps, improvement, surrogate, max_tv)
