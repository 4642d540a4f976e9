"""Importance sampling (slide S5): weights, estimators, effective sample size.

Slide S5's identity: for densities ``p`` and ``q`` with ``q(x) > 0`` wherever
``p(x) f(x) != 0``,

``E_{x ~ p}[f(x)] = E_{x ~ q}[p(x) / q(x) f(x)]``.

From samples ``x_i ~ q`` with weights ``w_i = p(x_i) / q(x_i)``, the *ordinary* estimator
``1/n sum_i w_i f(x_i)`` is unbiased; the *self-normalized* one
``sum_i w_i f(x_i) / sum_i w_i`` is biased (by O(1/n)) but often has a lower variance,
and needs ``p`` and ``q`` only up to constants. Kish's effective sample size
``(sum w)^2 / sum w^2`` says how many independent draws from ``p`` the weighted sample is
worth (Owen 2013, Sec. 9.3).

For policies, :func:`action_ratios` gives the per-time-step ratios
``pi_new(a_t | s_t) / pi(a_t | s_t)`` of slide S5's rewrite and :func:`trajectory_ratios`
their running products (whole-trajectory weights, in which the unknown dynamics cancel),
and :func:`per_step_terms` both sides of the rewrite exactly, per time step.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import evaluate, state_marginals
from pgtheory.core.mdp import TabularMDP, check_mdp_policies, resolve_horizon
from pgtheory.core.sampling import Trajectories, check_trajectories
from pgtheory.core.validation import (
    as_float_array,
    check_distribution,
    check_indices,
    check_nonnegative,
    index_label,
)

__all__ = [
    "PerStepTerms",
    "action_ratios",
    "check_support",
    "effective_sample_size",
    "importance_weights",
    "ordinary_importance_sampling",
    "per_step_terms",
    "self_normalized_importance_sampling",
    "trajectory_ratios",
]


def importance_weights(p: ArrayLike, q: ArrayLike, samples: ArrayLike) -> NDArray[np.float64]:
    """Weights ``w_i = p[x_i] / q[x_i]`` of samples ``x_i ~ q`` of a discrete distribution.

    Parameters
    ----------
    p : array_like, shape (m,)
        Target distribution (slide S5: ``p(x)``).
    q : array_like, shape (m,)
        Sampling distribution (slide S5: ``q(x)``).
    samples : array_like of int
        Outcomes ``x_i`` in ``[0, m)``, drawn from ``q``; any shape.

    Returns
    -------
    ndarray, same shape as ``samples``

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a probability vector, their shapes differ, a sample is
        out of range, or a sample has ``q[x] = 0`` (it could not have been drawn).

    References
    ----------
    Slide S5; Owen (2013), *Monte Carlo theory, methods and examples*, Sec. 9.1.
    """
    p = as_float_array(p, "p", ndim=1)
    q = as_float_array(q, "q", ndim=1)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    check_distribution(p, "p")
    check_distribution(q, "q")
    x = check_indices(samples, "samples", p.shape[0])
    zero = q[x] == 0
    if zero.any():
        idx = tuple(np.argwhere(zero)[0])
        raise ValueError(
            f"{index_label('samples', idx, False)} is {x[idx]} where q is 0; "
            "samples must be drawn from q"
        )
    return p[x] / q[x]


def _check_weights(weights: ArrayLike, name: str = "weights") -> NDArray[np.float64]:
    w = as_float_array(weights, name)
    if w.ndim < 1 or w.shape[-1] == 0:
        raise ValueError(
            f"{name} must have at least one sample on its last axis, got shape {w.shape}"
        )
    check_nonnegative(w, name)
    return w


def _check_weights_values(
    weights: ArrayLike, values: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    w = _check_weights(weights)
    f = as_float_array(values, "values")
    if f.shape != w.shape:
        raise ValueError(f"values must have the same shape as weights {w.shape}, got {f.shape}")
    return w, f


def _check_positive_sums(w: NDArray) -> NDArray[np.float64]:
    total = w.sum(axis=-1)
    zero = np.atleast_1d(total == 0)
    if zero.any():
        idx = tuple(np.argwhere(zero)[0]) if w.ndim > 1 else ()
        label = index_label("weights", idx, w.ndim > 1)
        raise ValueError(f"{label} are all 0, expected at least one positive weight")
    return total


def ordinary_importance_sampling(weights: ArrayLike, values: ArrayLike) -> NDArray[np.float64]:
    """Ordinary importance-sampling estimate ``1/n sum_i w_i f(x_i)`` along the last axis.

    Unbiased for ``E_p[f]`` when ``w_i = p(x_i) / q(x_i)`` and ``x_i ~ q`` (slide S5).

    Parameters
    ----------
    weights : array_like, shape (..., n)
        Non-negative importance weights.
    values : array_like, shape (..., n)
        ``f(x_i)``.

    Returns
    -------
    ndarray, shape (...)
        A 0-d array for 1-d input.

    Raises
    ------
    ValueError
        On non-finite entries, negative weights, an empty last axis or different shapes.

    References
    ----------
    Slide S5; Owen (2013), Sec. 9.1.
    """
    w, f = _check_weights_values(weights, values)
    return np.mean(w * f, axis=-1)


def self_normalized_importance_sampling(
    weights: ArrayLike, values: ArrayLike
) -> NDArray[np.float64]:
    """Self-normalized estimate ``sum_i w_i f(x_i) / sum_i w_i`` along the last axis.

    Consistent but biased (the bias is O(1/n)); it is exact for constant ``f`` and
    never leaves ``[min f, max f]``, so its variance is often lower than the ordinary
    estimator's when the weights vary a lot.

    Parameters
    ----------
    weights : array_like, shape (..., n)
        Non-negative importance weights, not all 0 along the last axis.
    values : array_like, shape (..., n)
        ``f(x_i)``.

    Returns
    -------
    ndarray, shape (...)

    Raises
    ------
    ValueError
        As :func:`ordinary_importance_sampling`, and if all weights of a sample are 0.

    References
    ----------
    Owen (2013), Sec. 9.2.
    """
    w, f = _check_weights_values(weights, values)
    return np.sum(w * f, axis=-1) / _check_positive_sums(w)


def effective_sample_size(weights: ArrayLike) -> NDArray[np.float64]:
    """Kish's effective sample size ``(sum_i w_i)^2 / sum_i w_i^2`` along the last axis.

    Between 1 (one weight carries everything) and ``n`` (equal weights); it is scale
    invariant, so unnormalized weights are fine.

    Parameters
    ----------
    weights : array_like, shape (..., n)
        Non-negative, not all 0 along the last axis.

    Returns
    -------
    ndarray, shape (...)

    Raises
    ------
    ValueError
        On non-finite or negative weights, an empty last axis, or all weights 0.

    References
    ----------
    Kish (1965), *Survey Sampling*; Owen (2013), Sec. 9.3, eq. (9.13).
    """
    w = _check_weights(weights)
    _check_positive_sums(w)
    w = w / w.max(axis=-1, keepdims=True)  # scale-free; keeps tiny weights from underflowing
    return w.sum(axis=-1) ** 2 / np.sum(w**2, axis=-1)


def check_support(pi: NDArray, pi_new: NDArray) -> None:
    """Raise unless ``pi[s, a] > 0`` wherever ``pi_new[s, a] > 0`` (IS needs this)."""
    bad = (pi_new > 0) & (pi == 0)
    if bad.any():
        s, a = np.argwhere(bad)[0]
        raise ValueError(
            f"pi_new[{s}, {a}] is {pi_new[s, a]:.6g} where pi[{s}, {a}] is 0; importance "
            "sampling needs pi > 0 wherever pi_new > 0"
        )


def action_ratios(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike, trajectories: Trajectories
) -> NDArray[np.float64]:
    """Per-time-step ratios ``pi_new(a_t | s_t) / pi(a_t | s_t)`` of trajectories of ``pi``.

    Slide S5's weight inside ``E_{a_t ~ pi_theta}``; shape (n, T).

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
        The sampling (old) policy; ``pi > 0`` wherever ``pi_new > 0``.
    pi_new : array_like, shape (S, A)
        The target (new) policy.
    trajectories : Trajectories
        Sampled from ``pi``.

    Returns
    -------
    ndarray, shape (n, T)

    Raises
    ------
    ValueError
        On policies or trajectories that do not fit the MDP, or ``pi_new > 0`` where
        ``pi = 0``.

    References
    ----------
    Slide S5; Precup, Sutton & Singh (2000).
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    check_support(pi, pi_new)
    states, actions, _ = check_trajectories(mdp, trajectories)
    taken = pi[states, actions]
    zero = taken == 0
    if zero.any():
        i, t = np.argwhere(zero)[0]
        raise ValueError(
            f"trajectories.actions[{i}, {t}] is {actions[i, t]}, which pi never takes in "
            f"state {states[i, t]}; the trajectories must be sampled from pi"
        )
    return pi_new[states, actions] / taken


def trajectory_ratios(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike, trajectories: Trajectories
) -> NDArray[np.float64]:
    """Running products ``prod_{k <= t} pi_new(a_k | s_k) / pi(a_k | s_k)``, shape (n, T).

    Column ``t`` is ``p_{pi_new}(tau_{0:t}) / p_{pi}(tau_{0:t})`` for the trajectory prefix
    up to ``a_t``: the dynamics cancel. The last column weighs whole trajectories; its
    variance grows (typically geometrically) with ``T``.

    Parameters and Raises as :func:`action_ratios`.

    References
    ----------
    Slide S5; Precup, Sutton & Singh (2000).
    """
    ratios = action_ratios(mdp, pi, pi_new, trajectories)
    # numpy's stubs: cumprod of a float64 array is floating[Any] (it is float64)
    return np.cumprod(ratios, axis=1)  # type: ignore[return-value]


class PerStepTerms(NamedTuple):
    """Both sides of slide S5's rewrite for each time step, shape (T,) each.

    ``on_policy[t] = E_{s_t ~ p_{pi_new}} E_{a_t ~ pi_new}[gamma^t A^pi_t]``;
    ``importance_weighted[t] = E_{s_t ~ p_{pi_new}} E_{a_t ~ pi}[pi_new/pi gamma^t A^pi_t]``.
    """

    on_policy: NDArray[np.float64]
    importance_weighted: NDArray[np.float64]


def per_step_terms(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike, horizon: int | None = None
) -> PerStepTerms:
    """Slide S5's per-time-step rewrite of the performance difference, exactly.

    ``E_{tau ~ pi_new}[sum_t gamma^t A^pi_t] = sum_t E_{s_t ~ p_{pi_new}(s_t)}
    E_{a_t ~ pi_new}[gamma^t A^pi_t(s_t, a_t)]``, and the inner expectation rewritten by
    importance sampling over actions, ``E_{a_t ~ pi}[pi_new(a_t|s_t) / pi(a_t|s_t)
    gamma^t A^pi_t(s_t, a_t)]``. Both are returned per ``t``; their sums over all ``t``
    are ``performance_difference(mdp, pi, pi_new).rhs`` (for a discounted MDP, in the limit
    of a long ``horizon``).

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi_new : array_like, shape (S, A)
        Old and new policy; ``pi > 0`` wherever ``pi_new > 0``.
    horizon : int, optional
        Number of time steps; defaults to ``mdp.horizon`` (required when discounted).

    Returns
    -------
    PerStepTerms

    Raises
    ------
    ValueError
        On policies that do not fit the MDP, ``pi_new > 0`` where ``pi = 0``, or a missing
        horizon for a discounted MDP.

    References
    ----------
    Slide S5; Schulman et al. (2015), eq. (14).
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    check_support(pi, pi_new)
    T = resolve_horizon(mdp, horizon)
    if mdp.horizon is not None and T != mdp.horizon:
        raise ValueError(
            f"horizon must be None or the MDP's horizon {mdp.horizon} for a finite-horizon "
            f"MDP, got {T}"
        )
    p_new = state_marginals(mdp, pi_new, T)
    A = evaluate(mdp, pi).A
    A = np.broadcast_to(A, (T, *A.shape)) if mdp.horizon is None else A[:T]
    discount = mdp.gamma ** np.arange(T)
    on_policy = discount * np.einsum("ts,sa,tsa->t", p_new, pi_new, A)
    ratio = np.divide(pi_new, pi, out=np.zeros_like(pi), where=pi > 0)
    weighted = discount * np.einsum("ts,sa,sa,tsa->t", p_new, pi, ratio, A)
    return PerStepTerms(on_policy, weighted)
