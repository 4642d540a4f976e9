"""Vectorized trajectory sampling and return computations.

:func:`sample_trajectories` advances all ``n`` trajectories together, one time
step per iteration (no Python loop over trajectories): every categorical draw is
an inverse-CDF lookup, vectorized across trajectories with a guide table.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.mdp import TabularMDP, check_mdp_policy, resolve_horizon
from pgtheory.core.validation import (
    as_float_array,
    check_indices,
    check_positive_int,
    check_real,
    check_rng,
)

__all__ = [
    "CategoricalSampler",
    "Trajectories",
    "check_trajectories",
    "discounted_returns",
    "empirical_marginals",
    "reward_to_go",
    "sample_trajectories",
]


class Trajectories(NamedTuple):
    """A batch of ``n`` trajectories of length ``T`` (arrays of shape (n, T)).

    ``states[i, t]``, ``actions[i, t]`` (int64), ``rewards[i, t] = r[s_t, a_t]``
    and ``log_probs[i, t] = log pi[s_t, a_t]`` (float64), for ``t = 0..T-1``.
    """

    states: NDArray[np.int64]
    actions: NDArray[np.int64]
    rewards: NDArray[np.float64]
    log_probs: NDArray[np.float64]


class CategoricalSampler:
    """Draws from many categorical rows at once by inverse CDF with a guide table.

    ``rows[k, :]`` are probability vectors (shape (K, m)). ``sample(k, u)``
    returns, for each ``k[i]``, the smallest ``j`` with ``cdf[k[i], j] > u[i]``
    (the inverse-CDF rule). A guide table (Chen & Asau 1974, "indexed search")
    gives for each row and each of ``G`` buckets of ``[0, 1)`` an index that is
    never past the answer, so a draw needs on average about ``1 + m / G`` lookups
    instead of a binary search. A draw that rounding pushes past the end of its row
    is mapped to the row's last positive-probability entry, so a zero-probability
    outcome is never returned.
    """

    def __init__(self, rows: NDArray[np.float64], n_buckets: int | None = None) -> None:
        K, m = rows.shape
        cdf = np.cumsum(rows, axis=1)
        cdf[:, -1] = 1.0
        G = min(m, 256) if n_buckets is None else n_buckets
        # guide[k, j] = #{i : cdf[k, i] <= (j - 1e-6) / G}: a lower bound of the answer for
        # every u in bucket j, with a margin far above the rounding of u * G.
        flat = (cdf + np.arange(K)[:, None]).ravel()
        queries = np.arange(K)[:, None] + (np.arange(G) - 1e-6) / G
        guide = np.searchsorted(flat, queries, side="right") - np.arange(K)[:, None] * m
        self._guide = np.clip(guide, 0, m - 1)
        self._cdf = cdf
        self._G = G
        self._last = m - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)

    def sample(self, k: NDArray[np.int64], u: NDArray[np.float64]) -> NDArray[np.int64]:
        """Outcome indices for row indices ``k`` and uniforms ``u`` in [0, 1)."""
        bucket = np.minimum((u * self._G).astype(np.int64), self._G - 1)
        idx = self._guide[k, bucket]
        active = np.flatnonzero(self._cdf[k, idx] <= u)
        while active.size:  # at most m - 1 rounds: cdf[k, m - 1] = 1 > u
            idx[active] += 1
            active = active[self._cdf[k[active], idx[active]] <= u[active]]
        return np.minimum(idx, self._last[k])


def check_trajectories(
    mdp: TabularMDP, trajectories: object
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Validate sampled ``trajectories`` of ``mdp``; return ``(states, actions, rewards)``.

    ``trajectories`` must be a :class:`Trajectories` whose ``states``, ``actions`` and
    ``rewards`` share one shape (n, T) with ``n, T >= 1``, with states in ``[0, S)``,
    actions in ``[0, A)``, finite rewards and, for a finite-horizon MDP, ``T`` equal to
    its horizon. States and actions are returned as int64, rewards as float64.

    Raises
    ------
    ValueError
        Naming the field and the first offending entry, e.g. ``"trajectories.actions[1, 0]
        is 3, expected an integer in [0, 3)"``, or ``"trajectories have 4 time steps,
        expected the MDP's horizon 5"``.
    """
    if not isinstance(trajectories, Trajectories):
        raise ValueError(
            "trajectories must be a pgtheory.Trajectories (from sample_trajectories), "
            f"got {type(trajectories).__name__}"
        )
    states = np.asarray(trajectories.states)
    if states.ndim != 2 or states.shape[0] == 0 or states.shape[1] == 0:
        raise ValueError(
            f"trajectories.states must have shape (n, T) with n, T >= 1, got {states.shape}"
        )
    for name in ("actions", "rewards"):
        shape = np.shape(getattr(trajectories, name))
        if shape != states.shape:
            raise ValueError(
                f"trajectories.{name} must have shape {states.shape} like "
                f"trajectories.states, got {shape}"
            )
    states = check_indices(states, "trajectories.states", mdp.n_states)
    actions = check_indices(trajectories.actions, "trajectories.actions", mdp.n_actions)
    rewards = as_float_array(trajectories.rewards, "trajectories.rewards")
    if mdp.horizon is not None and states.shape[1] != mdp.horizon:
        raise ValueError(
            f"trajectories have {states.shape[1]} time steps, expected the MDP's "
            f"horizon {mdp.horizon}"
        )
    return states, actions, rewards


def sample_trajectories(
    mdp: TabularMDP,
    pi: ArrayLike,
    n: int,
    *,
    rng: np.random.Generator,
    horizon: int | None = None,
) -> Trajectories:
    """Sample ``n`` trajectories ``s_0, a_0, r_0, ..., s_{T-1}, a_{T-1}, r_{T-1}``.

    ``s_0 ~ p0``, ``a_t ~ pi[s_t, :]``, ``s_{t+1} ~ P[s_t, a_t, :]``; slide S1's
    "run the policy". All ``n`` trajectories advance together.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
    n : int
        Number of trajectories, >= 1.
    rng : numpy.random.Generator
        Keyword-only. Per step it draws ``rng.random(n)`` for the actions, then
        ``rng.random(n)`` for the next states (after ``rng.random(n)`` for s_0).
    horizon : int, optional
        Length T; defaults to ``mdp.horizon`` (required for a discounted MDP,
        whose trajectories are then truncated at T).

    Returns
    -------
    Trajectories
        Arrays of shape (n, T).
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    n = check_positive_int(n, "n")
    rng = check_rng(rng)
    T = resolve_horizon(
        mdp, horizon, "to sample a discounted MDP (trajectories are truncated there)"
    )
    S, A = mdp.n_states, mdp.n_actions

    action_sampler = CategoricalSampler(pi)
    next_sampler = CategoricalSampler(mdp.P.reshape(S * A, S))
    init_sampler = CategoricalSampler(mdp.p0[None, :])
    log_pi = np.full((S, A), -np.inf)
    np.log(pi, out=log_pi, where=pi > 0)

    states = np.empty((n, T), dtype=np.int64)
    actions = np.empty((n, T), dtype=np.int64)
    s = init_sampler.sample(np.zeros(n, dtype=np.int64), rng.random(n))
    for t in range(T):
        a = action_sampler.sample(s, rng.random(n))
        states[:, t] = s
        actions[:, t] = a
        if t + 1 < T:
            s = next_sampler.sample(s * A + a, rng.random(n))
    return Trajectories(states, actions, mdp.r[states, actions], log_pi[states, actions])


def _check_rewards_gamma(rewards: ArrayLike, gamma: float) -> tuple[NDArray, float]:
    rewards = as_float_array(rewards, "rewards")
    if rewards.ndim < 1 or rewards.shape[-1] == 0:
        raise ValueError(
            f"rewards must have at least one time step on its last axis, got shape {rewards.shape}"
        )
    gamma = check_real(gamma, "gamma")
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma!r}")
    return rewards, gamma


def reward_to_go(rewards: ArrayLike, gamma: float = 1.0) -> NDArray[np.float64]:
    """Reward to go ``Q_hat[..., t] = sum_{t'>=t} gamma^(t'-t) rewards[..., t']``.

    Slide S1's "reward to go" (there with ``gamma = 1``). Time is the last axis.

    Parameters
    ----------
    rewards : array_like, shape (..., T)
    gamma : float in [0, 1]

    Returns
    -------
    ndarray, same shape as ``rewards``
    """
    rewards, gamma = _check_rewards_gamma(rewards, gamma)
    out = np.empty_like(rewards)
    acc = np.zeros(rewards.shape[:-1])
    for t in range(rewards.shape[-1] - 1, -1, -1):
        acc = rewards[..., t] + gamma * acc
        out[..., t] = acc
    return out


def discounted_returns(rewards: ArrayLike, gamma: float) -> NDArray[np.float64]:
    """Discounted return of each trajectory ``G = sum_t gamma^t rewards[..., t]``.

    Its mean over trajectories sampled from ``pi`` estimates ``J(pi)`` (slide S3).

    Parameters
    ----------
    rewards : array_like, shape (..., T)
    gamma : float in [0, 1]

    Returns
    -------
    ndarray, shape (...)
    """
    rewards, gamma = _check_rewards_gamma(rewards, gamma)
    return rewards @ (gamma ** np.arange(rewards.shape[-1]))


def empirical_marginals(states: ArrayLike, n_states: int) -> NDArray[np.float64]:
    """Empirical state marginals ``p_hat[t, s]``: the fraction of trajectories in ``s`` at ``t``.

    The Monte Carlo estimate of :func:`pgtheory.state_marginals` from sampled
    ``states`` (e.g. ``Trajectories.states``). Each entry is a mean of ``n`` Bernoulli
    variables, with standard error ``sqrt(p (1 - p) / n)``.

    Parameters
    ----------
    states : array_like of int, shape (n, T)
        ``states[i, t]`` in ``[0, n_states)``.
    n_states : int
        S.

    Returns
    -------
    ndarray, shape (T, S)
        Rows sum to 1.
    """
    S = check_positive_int(n_states, "n_states")
    states = np.asarray(states)
    if states.ndim != 2 or states.shape[0] == 0:
        raise ValueError(f"states must have shape (n, T) with n >= 1, got shape {states.shape}")
    states = check_indices(states, "states", S)
    n, T = states.shape
    counts = np.zeros((T, S))
    np.add.at(counts, (np.broadcast_to(np.arange(T), (n, T)), states), 1.0)
    return counts / n
