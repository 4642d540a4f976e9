"""REINFORCE gradient estimators for the tabular softmax policy (slides S1-S2).

From trajectories sampled with :func:`pgtheory.sample_trajectories` under
``pi = softmax(theta)``, each estimator is slide S1's

``g = 1/N sum_i sum_t grad_theta log pi(a_it | s_it) * w_it``

with ``grad_theta[s, b] log pi(a | s') = 1{s = s'} (1{a = b} - pi[s, b])`` and a weight
``w_it`` that names the estimator (discount ``gamma``, time ``t = 0..T-1``):

- ``"full_return"``: ``w_it = G_i = sum_t' gamma^t' r_it'`` (Williams 1992);
- ``"reward_to_go"``: ``w_it = gamma^t sum_{t' >= t} gamma^(t'-t) r_it'`` (slide S1's
  ``Q_hat``);
- ``"value_baseline"``: the reward to go minus the exact value, ``gamma^t (Q_hat_it -
  V_t(s_it))``, an estimate of the advantage (slide S2's ``A_hat``).

All three are unbiased for :func:`pgtheory.policy_gradient` of the finite-horizon MDP
(Sutton et al. 2000; the baseline term has mean zero because ``E_a[grad log pi] = 0``).
The slides write ``t = 1..T`` and no discount; here ``t = 0..T-1`` and ``gamma^t``
weights, as in :func:`pgtheory.policy_gradient`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import evaluate
from pgtheory.core.mdp import TabularMDP, check_mdp
from pgtheory.core.policies import softmax_policy
from pgtheory.core.sampling import Trajectories, check_trajectories, reward_to_go
from pgtheory.core.validation import check_theta

__all__ = ["ESTIMATORS", "reinforce_gradient", "reinforce_gradient_samples"]

#: The estimators of :func:`reinforce_gradient`.
ESTIMATORS = ("full_return", "reward_to_go", "value_baseline")


def _weights(
    mdp: TabularMDP, theta: NDArray, states: NDArray, rewards: NDArray, estimator: str
) -> NDArray[np.float64]:
    n, T = rewards.shape
    discount = mdp.gamma ** np.arange(T)
    if estimator == "full_return":
        return np.repeat(rewards @ discount, T).reshape(n, T)
    weights = discount * reward_to_go(rewards, mdp.gamma)
    if estimator == "value_baseline":
        V = evaluate(mdp, softmax_policy(theta)).V  # (S,) or (T, S)
        baseline = V[states] if mdp.horizon is None else V[np.arange(T), states]
        weights = weights - discount * baseline
    return weights


def reinforce_gradient_samples(
    mdp: TabularMDP, theta: ArrayLike, trajectories: Trajectories, *, estimator: str
) -> NDArray[np.float64]:
    """One REINFORCE estimate per trajectory, shape (n, S, A); their mean is
    :func:`reinforce_gradient`. Use it to measure an estimator's variance.

    Parameters and estimators as in :func:`reinforce_gradient`.
    """
    mdp = check_mdp(mdp)
    theta = check_theta(theta, "theta", mdp.n_states, mdp.n_actions)
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    states, actions, rewards = check_trajectories(mdp, trajectories)
    S, A = mdp.n_states, mdp.n_actions
    n, T = states.shape
    w = _weights(mdp, theta, states, rewards, estimator)
    traj = np.repeat(np.arange(n), T)
    # sum_t w_t e_{s_t, a_t}, and sum_t w_t e_{s_t} for the -pi[s, b] part of the score.
    chosen = np.bincount(
        (traj * S + states.ravel()) * A + actions.ravel(), weights=w.ravel(), minlength=n * S * A
    ).reshape(n, S, A)
    per_state = np.bincount(traj * S + states.ravel(), weights=w.ravel(), minlength=n * S).reshape(
        n, S
    )
    return chosen - per_state[:, :, None] * softmax_policy(theta)[None]


def reinforce_gradient(
    mdp: TabularMDP, theta: ArrayLike, trajectories: Trajectories, *, estimator: str
) -> NDArray[np.float64]:
    """REINFORCE estimate of ``dJ/dtheta`` for ``pi = softmax(theta)`` (slide S1).

    ``g[s, b] = 1/N sum_i sum_t w_it (1{s_it = s, a_it = b} - 1{s_it = s} pi[s, b])``,
    the batch mean of slide S1's estimate; the weights ``w_it`` of each estimator are in
    the module docstring. ``"reward_to_go"`` drops the rewards earned before ``t`` (their
    product with the score has mean zero) and ``"value_baseline"`` also subtracts the
    exact ``V_t(s_t)``: both keep the mean and lower the variance.

    Discounted MDPs (``mdp.horizon is None``): the trajectories are truncated at their
    length ``T``, so the estimate is unbiased for the gradient of the truncated objective
    ``E[sum_{t<T} gamma^t r_t]``, i.e. ``policy_gradient(mdp.with_horizon(T), theta)``.
    Truncating costs the gradient of the tail ``E[sum_{t>=T} gamma^t r_t]``, a bias that
    decays like ``gamma^T`` (the tail itself is at most ``gamma^T max|r| / (1 - gamma)``).
    ``"value_baseline"`` then uses the stationary ``V(s_t)``; any function of the state
    is a valid baseline, so this adds no bias.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like, shape (S, A)
        The logits with which the trajectories were sampled.
    trajectories : Trajectories
        From :func:`pgtheory.sample_trajectories` with ``softmax_policy(theta)``; for a
        finite-horizon MDP, of length ``mdp.horizon``.
    estimator : {"full_return", "reward_to_go", "value_baseline"}
        Keyword-only.

    Returns
    -------
    ndarray, shape (S, A)

    Raises
    ------
    ValueError
        On an unknown estimator, a theta or trajectories that do not fit the MDP
        (shapes, state or action indices, length), or non-finite values.

    References
    ----------
    Slides S1-S2; Williams (1992); Sutton, McAllester, Singh & Mansour (2000).
    """
    return reinforce_gradient_samples(mdp, theta, trajectories, estimator=estimator).mean(axis=0)
