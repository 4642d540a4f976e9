"""Policy improvement: policy iteration, and policy-gradient training loops (slides S1-S2).

Slide S2 reads a policy-gradient method as two steps, 1. estimate the advantage
``A^pi(s, a)`` of the current policy, 2. use it to get an improved policy, and compares
them with policy iteration, whose step 2 is greedy. Here:

- :func:`policy_iteration`: evaluate exactly, act greedily, repeat (Howard 1960);
- :func:`soft_improvement_step`: slide S2's step 2 with the exact advantage, one
  gradient step ``theta + alpha * dJ/dtheta`` for ``pi = softmax(theta)``;
- :func:`gradient_ascent` and :func:`reinforce`: repeat the step with the exact gradient,
  or with slide S1's sampled estimate; both record the exact ``J`` of every iterate.

Discounted MDPs (``horizon=None``) for policy iteration; the gradient loops accept any MDP.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import evaluate, expected_return, policy_gradient
from pgtheory.core.mdp import TabularMDP, check_mdp
from pgtheory.core.policies import softmax_policy
from pgtheory.core.sampling import sample_trajectories
from pgtheory.core.validation import (
    as_float_array,
    check_policy,
    check_positive_int,
    check_real,
    check_rng,
    check_theta,
)
from pgtheory.pg_as_pi.estimators import reinforce_gradient

__all__ = [
    "PolicyIterationPath",
    "TrainingCurve",
    "gradient_ascent",
    "greedy_policy",
    "policy_iteration",
    "policy_iteration_path",
    "reinforce",
    "soft_improvement_step",
    "step_size_scan",
]

#: Two action values closer than this count as a tie in :func:`greedy_policy`.
TIE_ATOL = 1e-10


def _check_discounted(mdp: TabularMDP) -> TabularMDP:
    mdp = check_mdp(mdp)
    if mdp.horizon is not None:
        raise ValueError(
            f"policy iteration needs a discounted MDP (horizon None), got horizon {mdp.horizon}"
        )
    return mdp


def greedy_policy(Q: ArrayLike, current: ArrayLike | None = None) -> NDArray[np.float64]:
    """One-hot ``pi[s, a] = 1{a = argmax_b Q[s, b]}``, shape (S, A).

    Ties (within ``TIE_ATOL``) go to the action of the deterministic policy ``current``
    when it is among the maximizers (so policy iteration stops), else to the lowest index.

    Raises
    ------
    ValueError
        If ``Q`` is not 2-D, has no state or no action, or has a non-finite entry (the
        message names the first one; a NaN would otherwise lose every comparison), or if
        ``current`` is not a policy of ``Q``'s shape.
    """
    Q = as_float_array(Q, "Q", ndim=2)
    if 0 in Q.shape:
        raise ValueError(f"Q must have shape (S, A) with S >= 1 and A >= 1, got {Q.shape}")
    best = Q >= Q.max(axis=1, keepdims=True) - TIE_ATOL
    actions = np.argmax(best, axis=1)
    if current is not None:
        keep = np.argmax(check_policy(current, "current", *Q.shape), axis=1)
        stay = best[np.arange(Q.shape[0]), keep]
        actions = np.where(stay, keep, actions)
    pi = np.zeros_like(Q)
    pi[np.arange(Q.shape[0]), actions] = 1.0
    return pi


class PolicyIterationPath(NamedTuple):
    """Every policy of a policy-iteration run: ``policies`` (k+1, S, A), their ``J`` (k+1,)."""

    policies: NDArray[np.float64]
    J: NDArray[np.float64]


def policy_iteration_path(mdp: TabularMDP, *, max_iterations: int = 1000) -> PolicyIterationPath:
    """Policy iteration from the uniform policy; the policies and their exact ``J``.

    Step 1 evaluates ``Q^pi`` exactly; step 2 sets ``pi`` greedy in ``Q^pi``
    (:func:`greedy_policy`). It stops when the greedy policy is the current one. Entry 0
    is the uniform policy; entry ``k`` the policy after ``k`` improvements. ``J`` never
    decreases (the policy improvement theorem, Sutton & Barto 2018, Sec. 4.2).
    """
    mdp = _check_discounted(mdp)
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    S, A = mdp.n_states, mdp.n_actions
    pi = np.full((S, A), 1.0 / A)
    policies, J = [pi], [expected_return(mdp, pi)]
    for _ in range(max_iterations):
        new = greedy_policy(evaluate(mdp, pi).Q, pi if len(policies) > 1 else None)
        if np.array_equal(new, pi):
            return PolicyIterationPath(np.array(policies), np.array(J))
        pi = new
        policies.append(pi)
        J.append(expected_return(mdp, pi))
    raise ValueError(f"policy iteration did not converge within max_iterations={max_iterations}")


def policy_iteration(
    mdp: TabularMDP, *, max_iterations: int = 1000
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Policy iteration on a discounted MDP: ``(pi, V, n_iterations)``.

    ``pi`` (S, A) is one-hot and optimal, ``V`` (S,) its value ``V*``, and
    ``n_iterations`` the number of improvement steps that changed the policy (starting
    from the uniform policy). Each step evaluates exactly (``np.linalg.solve``) and acts
    greedily; on a finite MDP it stops after finitely many steps (slide S2's "evaluate
    ``A^pi``, set ``pi <- pi'``"; Howard 1960; Sutton & Barto 2018, Sec. 4.3).

    Raises
    ------
    ValueError
        If the MDP has a finite horizon, or no convergence within ``max_iterations``.
    """
    path = policy_iteration_path(mdp, max_iterations=max_iterations)
    pi = path.policies[-1]
    return pi, evaluate(mdp, pi).V, len(path.J) - 1


def _check_step_size(step_size: object) -> float:
    alpha = check_real(step_size, "step_size")
    if alpha < 0:
        raise ValueError(f"step_size must be >= 0, got {alpha!r}")
    return alpha


def soft_improvement_step(
    mdp: TabularMDP, theta: ArrayLike, step_size: float
) -> NDArray[np.float64]:
    """Slide S2's step 2 with the exact advantage: ``theta + alpha * dJ/dtheta``.

    For ``pi = softmax(theta)`` the exact gradient is
    ``rho(s) pi[s, a] A[s, a]`` (:func:`pgtheory.policy_gradient`), so the new policy is
    ``pi'[s, a] ~ pi[s, a] exp(alpha rho(s) pi[s, a] A[s, a])``: a *soft* version of
    the greedy step that raises the probability of actions with positive advantage.
    """
    mdp = check_mdp(mdp)
    theta = check_theta(theta, "theta", mdp.n_states, mdp.n_actions)
    return theta + _check_step_size(step_size) * policy_gradient(mdp, theta)


def step_size_scan(
    mdp: TabularMDP, theta: ArrayLike, direction: ArrayLike, step_sizes: ArrayLike
) -> NDArray[np.float64]:
    """``J(softmax(theta + alpha * direction)) - J(softmax(theta))`` for each ``alpha``.

    With ``direction = policy_gradient(mdp, theta)`` this is how much one soft
    improvement step of each size gains; a negative entry is a step that lowers ``J``.
    """
    mdp = check_mdp(mdp)
    theta = check_theta(theta, "theta", mdp.n_states, mdp.n_actions)
    direction = check_theta(direction, "theta", mdp.n_states, mdp.n_actions)
    alphas = np.atleast_1d(np.asarray(step_sizes, dtype=np.float64))
    for alpha in alphas:
        _check_step_size(float(alpha))
    J0 = expected_return(mdp, softmax_policy(theta))
    return np.array(
        [expected_return(mdp, softmax_policy(theta + a * direction)) - J0 for a in alphas]
    )


class TrainingCurve(NamedTuple):
    """``theta`` (S, A) after the last step and the exact ``J`` of every iterate,
    shape (n_iterations + 1,) (entry 0 is the start)."""

    theta: NDArray[np.float64]
    J: NDArray[np.float64]


def gradient_ascent(
    mdp: TabularMDP, theta0: ArrayLike, *, step_size: float, n_iterations: int
) -> TrainingCurve:
    """Repeat :func:`soft_improvement_step`: exact policy-gradient ascent."""
    mdp = check_mdp(mdp)
    theta = check_theta(theta0, "theta", mdp.n_states, mdp.n_actions).copy()
    alpha = _check_step_size(step_size)
    n_iterations = check_positive_int(n_iterations, "n_iterations")
    J = np.empty(n_iterations + 1)
    for k in range(n_iterations):
        J[k] = expected_return(mdp, softmax_policy(theta))
        theta = theta + alpha * policy_gradient(mdp, theta)
    J[n_iterations] = expected_return(mdp, softmax_policy(theta))
    return TrainingCurve(theta, J)


def reinforce(
    mdp: TabularMDP,
    theta0: ArrayLike,
    *,
    rng: np.random.Generator,
    step_size: float,
    n_iterations: int,
    batch_size: int,
    estimator: str = "reward_to_go",
    horizon: int | None = None,
) -> TrainingCurve:
    """Slide S1's REINFORCE loop on a tabular MDP, recording the exact ``J`` of each iterate.

    Each iteration samples ``batch_size`` trajectories of ``softmax(theta)`` (of length
    ``horizon``, default ``mdp.horizon``; required for a discounted MDP), estimates the
    gradient with :func:`pgtheory.reinforce_gradient` and steps
    ``theta <- theta + step_size * g``. On a discounted MDP the estimate is for the
    objective truncated at ``horizon`` (see :func:`pgtheory.reinforce_gradient`).
    """
    mdp = check_mdp(mdp)
    theta = check_theta(theta0, "theta", mdp.n_states, mdp.n_actions).copy()
    rng = check_rng(rng)
    alpha = _check_step_size(step_size)
    n_iterations = check_positive_int(n_iterations, "n_iterations")
    batch_size = check_positive_int(batch_size, "batch_size")
    if mdp.horizon is not None and horizon is not None and horizon != mdp.horizon:
        raise ValueError(f"horizon must be the MDP's horizon {mdp.horizon}, got {horizon!r}")
    J = np.empty(n_iterations + 1)
    for k in range(n_iterations):
        pi = softmax_policy(theta)
        J[k] = expected_return(mdp, pi)
        tr = sample_trajectories(mdp, pi, batch_size, rng=rng, horizon=horizon)
        theta = theta + alpha * reinforce_gradient(mdp, theta, tr, estimator=estimator)
    J[n_iterations] = expected_return(mdp, softmax_policy(theta))
    return TrainingCurve(theta, J)
