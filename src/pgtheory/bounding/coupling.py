"""The coupling lemma (slide S8): two distributions, and two policies' trajectories, coupled.

Distances. ``TV(p, q) = 1/2 sum_x |p(x) - q(x)|`` is the total variation distance, in
[0, 1]; the slides write ``|p - q|`` for the L1 sum ``sum_x |p(x) - q(x)| = 2 TV``.

The lemma (Levin, Peres & Wilmer 2017, Prop. 4.7; Schulman et al. 2015, App. A). For any
two distributions ``p`` and ``q`` on the same finite set there is a joint law of
``(X, Y)`` with marginals ``p`` and ``q`` and ``P(X = Y) = 1 - TV(p, q)``, and no joint law
with these marginals does better: ``P(X != Y) >= TV(p, q)`` always. The **maximal
coupling** :func:`maximal_coupling` puts ``min(p, q)`` on the diagonal and spreads the
rest as the product of the residuals ``(p - q)^+`` and ``(q - p)^+`` divided by
``TV(p, q)``. Under the slides' L1 convention, with ``sum_x |p - q| = eps``, it disagrees
with probability ``eps / 2`` (the errata page, :ref:`which distance is eps <errata-s8-distance>`).

Slide S8 applies it in every state: with ``eps = max_s TV(pi_new(.|s), pi(.|s))``, run
``pi`` and ``pi_new`` side by side, drawing the action pair from the maximal coupling of
``pi(.|s)`` and ``pi_new(.|s)`` while the two trajectories are in the same state, and the
next state from one shared random number; after the first disagreement of actions the two
run independently (:func:`coupled_trajectories`). Each trajectory alone follows its own
policy exactly, and the probability of no disagreement before ``t`` is the mass of the
"no disagreement yet" chain (:func:`no_disagreement_chain`), at least ``(1 - eps)^t``.
Hence ``||p'_t - p_t||_1 <= 2 (1 - (1 - eps)^t)`` (:mod:`pgtheory.bounding.state_distribution`).
This module imports numpy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.mdp import TabularMDP, check_mdp_policies, resolve_horizon
from pgtheory.core.policies import total_variation_rows
from pgtheory.core.sampling import CategoricalSampler
from pgtheory.core.validation import (
    as_float_array,
    check_distribution,
    check_positive_int,
    check_rng,
)

__all__ = [
    "CoupledTrajectories",
    "NoDisagreementChain",
    "coupled_trajectories",
    "maximal_coupling",
    "no_disagreement_chain",
    "sample_coupling",
    "total_variation",
]


def _two_distributions(p: ArrayLike, q: ArrayLike) -> tuple[NDArray, NDArray]:
    p = as_float_array(p, "p", ndim=1)
    q = as_float_array(q, "q", ndim=1)
    if p.size == 0:
        raise ValueError("p must hold at least one probability, got shape (0,)")
    if q.shape != p.shape:
        raise ValueError(f"q must have the shape of p, {p.shape}, got {q.shape}")
    check_distribution(p, "p")
    check_distribution(q, "q")
    return p, q


def total_variation(p: ArrayLike, q: ArrayLike) -> float:
    """Total variation ``TV(p, q) = 1/2 sum_x |p(x) - q(x)|`` of two distributions, in [0, 1].

    Half the L1 distance that slides S7-S9 write ``|p - q|``. For policies, the per-state
    version is :func:`pgtheory.tv_distance`.

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Probability vectors on the same ``n`` outcomes.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not 1-D, not a distribution (a negative or non-finite entry,
        or a sum off 1 by more than ``PROB_ATOL``), or their lengths differ.

    References
    ----------
    Levin, Peres & Wilmer (2017), Sec. 4.1.
    """
    p, q = _two_distributions(p, q)
    return float(total_variation_rows(p, q))


def _maximal_coupling(p: NDArray, q: NDArray) -> NDArray[np.float64]:
    """The maximal coupling of unchecked distributions ``p`` and ``q`` (last axis)."""
    diag = np.minimum(p, q)
    excess_p = p - diag  # (p - q)^+
    excess_q = q - diag  # (q - p)^+
    mass_q = excess_q.sum(axis=-1, keepdims=True)
    # Normalizing by sum (q - p)^+ (= TV up to rounding) keeps the row sums exactly p.
    # When p = q, excess_q is 0 and so is the share (no division by 0).
    share = excess_q / np.maximum(mass_q, np.finfo(np.float64).tiny)
    joint = excess_p[..., :, None] * share[..., None, :]
    n = p.shape[-1]
    joint[..., np.arange(n), np.arange(n)] += diag
    return joint


def maximal_coupling(p: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """The maximal coupling of ``p`` and ``q``: a joint law ``[x, y]`` with ``P(X = Y) = 1 - TV``.

    ``joint[x, x] = min(p(x), q(x))`` and, off the diagonal,
    ``joint[x, y] = (p(x) - q(x))^+ (q(y) - p(y))^+ / TV(p, q)`` (zero when ``p = q``).
    The residuals have disjoint supports, so the second term adds nothing to the diagonal.

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Probability vectors on the same ``n`` outcomes.

    Returns
    -------
    ndarray, shape (n, n)
        Non-negative, row sums ``p``, column sums ``q`` (to rounding), trace
        ``1 - TV(p, q)``: X and Y **disagree** with probability ``TV(p, q)``, the smallest
        possible for any joint law with these marginals.

    Raises
    ------
    ValueError
        As :func:`total_variation`.

    References
    ----------
    Slide S8 ("useful lemma"); Levin, Peres & Wilmer (2017), Prop. 4.7; Schulman et al.
    (2015), App. A.
    """
    p, q = _two_distributions(p, q)
    return _maximal_coupling(p, q)


def sample_coupling(
    p: ArrayLike, q: ArrayLike, n: int, *, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw ``n`` independent pairs ``(X, Y)`` from :func:`maximal_coupling` ``(p, q)``.

    One uniform number per pair (``rng.random(n)``), mapped by the inverse CDF of the joint
    law flattened in row-major order.

    Parameters
    ----------
    p, q : array_like, shape (m,)
    n : int
        Number of pairs, >= 1.
    rng : numpy.random.Generator
        Keyword-only.

    Returns
    -------
    (x, y) : two int64 arrays of shape (n,)
        ``x ~ p``, ``y ~ q``, and ``mean(x != y)`` estimates ``TV(p, q)``.

    Raises
    ------
    ValueError
        As :func:`total_variation`, or ``n`` not an integer >= 1, or ``rng`` not a
        :class:`numpy.random.Generator`.
    """
    joint = maximal_coupling(p, q)
    n = check_positive_int(n, "n")
    rng = check_rng(rng)
    m = joint.shape[0]
    sampler = CategoricalSampler(joint.reshape(1, m * m))
    k = sampler.sample(np.zeros(n, dtype=np.int64), rng.random(n))
    return k // m, k % m


class NoDisagreementChain(NamedTuple):
    """The "no disagreement yet" chain of coupled trajectories (see :func:`no_disagreement_chain`).

    ``mass[t] = P(a_k = a'_k for all k < t)``, shape (T,); ``q[t, s]`` that probability
    with ``s_t = s'_t = s``, shape (T, S), so ``mass = q.sum(axis=1)``.
    """

    mass: NDArray[np.float64]
    q: NDArray[np.float64]


def no_disagreement_chain(
    mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike, horizon: int | None = None
) -> NoDisagreementChain:
    """Exact probability that coupled trajectories of ``pi`` and ``pi_new`` agree before ``t``.

    Runs ``q_0 = p0``,
    ``q_{t+1}(s') = sum_{s, a} q_t(s) min(pi[s, a], pi_new[s, a]) P[s, a, s']``: while the
    trajectories agree they are in one state ``s``, the maximal coupling picks the same
    action ``a`` with probability ``min(pi[s, a], pi_new[s, a])``, and the shared draw of
    the next state keeps them together. Since ``sum_a min(pi[s, a], pi_new[s, a]) =
    1 - TV[s] >= 1 - eps``, ``mass[t] >= (1 - eps)^t`` with
    ``eps = max_s TV(pi_new(.|s), pi(.|s))``. For a deterministic ``pi`` this is
    :func:`pgtheory.no_mistake_chain`.

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi_new : array_like, shape (S, A)
    horizon : int, optional
        Number of time steps; defaults to ``mdp.horizon`` (required when discounted).

    Returns
    -------
    NoDisagreementChain
        ``mass`` shape (T,), ``q`` shape (T, S); ``mass[0] = 1``.

    Raises
    ------
    ValueError
        If ``mdp`` is not a :class:`pgtheory.TabularMDP`, a policy does not fit it, or
        the horizon is missing or not an integer >= 1.

    References
    ----------
    Slide S8; Levin, Peres & Wilmer (2017), Prop. 4.7.
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    T = resolve_horizon(mdp, horizon)
    # K[s, s'] = sum_a min(pi, pi_new)[s, a] P[s, a, s']: one step without disagreement.
    K = np.einsum("sa,sat->st", np.minimum(pi, pi_new), mdp.P)
    q = np.empty((T, mdp.n_states))
    q[0] = mdp.p0
    for t in range(1, T):
        q[t] = q[t - 1] @ K
    return NoDisagreementChain(q.sum(axis=1), q)


class CoupledTrajectories(NamedTuple):
    """``n`` coupled trajectory pairs of length ``T`` (see :func:`coupled_trajectories`).

    ``states[i, t]``, ``actions[i, t]`` follow ``pi``; ``states_new[i, t]``,
    ``actions_new[i, t]`` follow ``pi_new`` (int64, shape (n, T)). ``split[i]`` is the
    first time ``t`` with ``actions[i, t] != actions_new[i, t]``, or ``T`` if there is
    none (shape (n,)); before it the two trajectories are identical, and
    ``P(split >= t)`` is ``no_disagreement_chain(...).mass[t]``.
    """

    states: NDArray[np.int64]
    actions: NDArray[np.int64]
    states_new: NDArray[np.int64]
    actions_new: NDArray[np.int64]
    split: NDArray[np.int64]


def coupled_trajectories(
    mdp: TabularMDP,
    pi: ArrayLike,
    pi_new: ArrayLike,
    n: int,
    *,
    rng: np.random.Generator,
    horizon: int | None = None,
) -> CoupledTrajectories:
    """Sample ``n`` pairs of trajectories of ``pi`` and ``pi_new`` coupled as in slide S8.

    Both start from one ``s_0 ~ p0``. At each step ``t``, a pair that has not split yet (same
    state ``s``, all earlier actions equal) draws ``(a_t, a'_t)`` from
    ``maximal_coupling(pi[s], pi_new[s])``; if the actions agree, one shared uniform number
    draws the common next state. At the first disagreement (the ``split`` time) the pair
    splits, and from then on each trajectory draws its actions and next states with its own
    random numbers. At every step each trajectory's action has the law of its own policy
    given everything so far, and its next state the law ``P[s, a, :]``, so each trajectory
    alone is exactly a trajectory of its policy (the tests check the marginals against
    :func:`pgtheory.state_marginals`).

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi_new : array_like, shape (S, A)
    n : int
        Number of pairs, >= 1.
    rng : numpy.random.Generator
        Keyword-only. ``rng.random(n)`` for ``s_0``, then per step four ``rng.random(n)``
        (coupled action pair or ``pi``'s action; ``pi_new``'s action after the split; the
        next state, shared before the split; ``pi_new``'s next state after it).
    horizon : int, optional
        Length T; defaults to ``mdp.horizon`` (required for a discounted MDP).

    Returns
    -------
    CoupledTrajectories

    Raises
    ------
    ValueError
        As :func:`no_disagreement_chain`, or ``n`` not an integer >= 1, or ``rng`` not a
        :class:`numpy.random.Generator`.

    References
    ----------
    Slide S8; Levin, Peres & Wilmer (2017), Prop. 4.7 and Sec. 5.1; Schulman et al.
    (2015), App. A.
    """
    mdp, pi, pi_new = check_mdp_policies(mdp, pi, pi_new)
    n = check_positive_int(n, "n")
    rng = check_rng(rng)
    T = resolve_horizon(
        mdp, horizon, "to sample a discounted MDP (trajectories are truncated there)"
    )
    S, A = mdp.n_states, mdp.n_actions
    pair_sampler = CategoricalSampler(_maximal_coupling(pi, pi_new).reshape(S, A * A))
    pi_sampler = CategoricalSampler(pi)
    new_sampler = CategoricalSampler(pi_new)
    next_sampler = CategoricalSampler(mdp.P.reshape(S * A, S))

    states = np.empty((n, T), dtype=np.int64)
    actions = np.empty((n, T), dtype=np.int64)
    states_new = np.empty((n, T), dtype=np.int64)
    actions_new = np.empty((n, T), dtype=np.int64)
    split = np.full(n, T, dtype=np.int64)
    s = CategoricalSampler(mdp.p0[None, :]).sample(np.zeros(n, dtype=np.int64), rng.random(n))
    s_new = s.copy()
    for t in range(T):
        u_pair, u_new, u_next, u_next_new = (rng.random(n) for _ in range(4))
        together = split == T  # no disagreement before t, so s == s_new
        pair = pair_sampler.sample(s, u_pair)
        a = np.where(together, pair // A, pi_sampler.sample(s, u_pair))
        a_new = np.where(together, pair % A, new_sampler.sample(s_new, u_new))
        split[together & (a != a_new)] = t
        states[:, t], actions[:, t] = s, a
        states_new[:, t], actions_new[:, t] = s_new, a_new
        if t + 1 < T:
            s_next = next_sampler.sample(s * A + a, u_next)
            # Still together: the same uniform, hence the same state; split: its own.
            u2 = np.where(split == T, u_next, u_next_new)
            s_new = next_sampler.sample(s_new * A + a_new, u2)
            s = s_next
    return CoupledTrajectories(states, actions, states_new, actions_new, split)
