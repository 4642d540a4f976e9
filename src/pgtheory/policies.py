"""Tabular policies ``pi[s, a]`` and distances between them.

A policy is an array of shape (S, A) whose rows are distributions over actions.
Distances are per state: ``tv_distance(pi, pi2)[s] = 1/2 sum_a |pi[s, a] - pi2[s, a]|``
(total variation, half the L1 norm; slides S8-S9 write the L1 norm ``|.|``, which is
twice this).

Tables (``theta``, ``pi``) must be 2-D with at least one state and one action and finite;
otherwise a :class:`ValueError` names the argument and its shape, or the first
non-finite entry.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.validation import (
    as_float_array,
    check_distribution,
    check_indices,
    check_positive_int,
    check_probability,
    check_rng,
    check_shape,
)

__all__ = [
    "deterministic_policy",
    "epsilon_close_policy",
    "kl_divergence",
    "mixture",
    "softmax_policy",
    "tv_distance",
    "uniform_policy",
]


def _table(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """``x`` as a finite float array of shape (S, A) with ``S, A >= 1``."""
    arr = as_float_array(x, name, ndim=2)
    if 0 in arr.shape:
        raise ValueError(f"{name} must have shape (S, A) with S >= 1 and A >= 1, got {arr.shape}")
    return arr


def _policy(pi: ArrayLike, name: str) -> NDArray[np.float64]:
    """``pi`` as a policy table: :func:`_table`, and every row a distribution."""
    arr = _table(pi, name)
    check_distribution(arr, name)
    return arr


def softmax_policy(theta: ArrayLike) -> NDArray[np.float64]:
    """Tabular softmax policy ``pi[s, a] = exp(theta[s, a]) / sum_b exp(theta[s, b])``.

    Parameters
    ----------
    theta : array_like, shape (S, A)
        Finite logits, ``S, A >= 1``.

    Returns
    -------
    ndarray, shape (S, A)
        Computed with the max-shift, so large logits do not overflow.

    Raises
    ------
    ValueError
        If ``theta`` is not 2-D, has no state or no action, or has a non-finite entry
        (the message names the first one).
    """
    theta = _table(theta, "theta")
    z = theta - theta.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def uniform_policy(n_states: int, n_actions: int) -> NDArray[np.float64]:
    """``pi[s, a] = 1 / A`` for every state."""
    S = check_positive_int(n_states, "n_states")
    A = check_positive_int(n_actions, "n_actions")
    return np.full((S, A), 1.0 / A)


def deterministic_policy(actions: ArrayLike, n_actions: int) -> NDArray[np.float64]:
    """One-hot policy taking ``actions[s]`` in state ``s`` (slide S7's ``a_t = pi(s_t)``).

    Parameters
    ----------
    actions : array_like of int, shape (S,)
        Action index in ``[0, n_actions)`` for each state.
    n_actions : int
        A.
    """
    A = check_positive_int(n_actions, "n_actions")
    acts = np.asarray(actions)
    if acts.ndim != 1 or acts.size == 0:
        raise ValueError(f"actions must be a non-empty 1-D array, got shape {acts.shape}")
    acts = check_indices(acts, "actions", A)
    pi = np.zeros((acts.size, A))
    pi[np.arange(acts.size), acts] = 1.0
    return pi


def mixture(pi: ArrayLike, pi_other: ArrayLike, alpha: float) -> NDArray[np.float64]:
    """Mixture policy ``(1 - alpha) pi + alpha pi_other``.

    This is conservative policy iteration's update (Kakade & Langford 2002, Sec. 4):
    in every state it follows ``pi_other`` with probability ``alpha``, a
    state-independent coin, so ``tv_distance(pi, mixture) <= alpha`` everywhere.
    """
    pi = _policy(pi, "pi")
    pi_other = _policy(pi_other, "pi_other")
    check_shape(pi_other, "pi_other", pi.shape)
    alpha = check_probability(alpha, "alpha")
    return (1.0 - alpha) * pi + alpha * pi_other


def _two_policies(pi: ArrayLike, pi2: ArrayLike) -> tuple[NDArray, NDArray]:
    pi = _policy(pi, "pi")
    pi2 = _policy(pi2, "pi2")
    check_shape(pi2, "pi2", pi.shape)
    return pi, pi2


def tv_distance(pi: ArrayLike, pi2: ArrayLike) -> NDArray[np.float64]:
    """Per-state total variation ``TV[s] = 1/2 sum_a |pi[s, a] - pi2[s, a]|``, shape (S,).

    Half the L1 distance the slides write as ``|pi' - pi|`` (slides S8-S9).
    """
    pi, pi2 = _two_policies(pi, pi2)
    return 0.5 * np.abs(pi - pi2).sum(axis=1)


def kl_divergence(pi: ArrayLike, pi2: ArrayLike) -> NDArray[np.float64]:
    """Per-state ``KL(pi || pi2)[s] = sum_a pi[s, a] log(pi[s, a] / pi2[s, a])``, shape (S,).

    Terms with ``pi[s, a] = 0`` contribute 0; a state where ``pi2`` puts zero mass
    on an action that ``pi`` takes has KL ``inf`` (never NaN). This is the
    direction used in TRPO's penalty ``max_s KL(pi_old || pi_new)``.
    """
    pi, pi2 = _two_policies(pi, pi2)
    pos = pi > 0
    ratio = np.ones_like(pi)
    with np.errstate(divide="ignore"):
        ratio[pos] = pi[pos] / pi2[pos]
        terms = np.where(pos, pi * np.log(ratio), 0.0)
    return np.maximum(terms.sum(axis=1), 0.0)


def epsilon_close_policy(
    actions: ArrayLike,
    n_actions: int,
    eps: float,
    *,
    rng: np.random.Generator,
    state_dependent: bool = False,
) -> NDArray[np.float64]:
    """A random policy that deviates from the deterministic ``actions`` w.p. <= ``eps``.

    Slide S7's closeness: ``pi'(a != pi(s) | s) <= eps`` in every state. The
    mistake probability in state ``s`` is ``eps`` (``state_dependent=False``, the
    case in which the slide's mixture formula is an equality) or ``eps * u_s``
    with ``u_s ~ Uniform(0, 1)`` (``state_dependent=True``). The mistake mass is
    spread over the other actions with flat-Dirichlet weights.

    Returns
    -------
    ndarray, shape (S, A)
    """
    pi = deterministic_policy(actions, n_actions)
    eps = check_probability(eps, "eps")
    rng = check_rng(rng)
    S, A = pi.shape
    if A == 1:
        return pi
    eps_s = eps * rng.random(S) if state_dependent else np.full(S, eps)
    other = rng.dirichlet(np.ones(A - 1), size=S)
    mistakes = np.zeros((S, A))
    mistakes[~pi.astype(bool)] = other.ravel()
    return (1.0 - eps_s)[:, None] * pi + eps_s[:, None] * mistakes
