"""Tabular policies ``pi[s, a]``, the softmax, and distances between distributions.

A policy is an array of shape (S, A) whose rows are distributions over actions.
Distances are per state: ``tv_distance(pi, pi2)[s] = 1/2 sum_a |pi[s, a] - pi2[s, a]|``
(total variation, half the L1 norm; slides S8-S9 write the L1 norm ``|.|``, which is
twice this).

This module is the one home of three formulas every other module uses: :func:`softmax`,
:func:`total_variation_rows` and :func:`kl_divergence_rows`, each over the last axis of
arrays of any shape (one policy, a batch of policies, or two single distributions).

Tables (``theta``, ``pi``) must be 2-D with at least one state and one action and finite;
otherwise a :class:`ValueError` names the argument and its shape, or the first
non-finite entry.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.validation import (
    as_float_array,
    check_distribution,
    check_indices,
    check_positive_int,
    check_probability,
    check_rng,
    check_shape,
)

__all__ = [
    "average_kl_rows",
    "deterministic_policy",
    "epsilon_close_policy",
    "kl_divergence",
    "kl_divergence_rows",
    "mixture",
    "softmax",
    "softmax_policy",
    "total_variation_rows",
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


def softmax(x: ArrayLike) -> NDArray[np.float64]:
    """Softmax over the last axis: ``out[..., a] = exp(x[..., a]) / sum_b exp(x[..., b])``.

    Parameters
    ----------
    x : array_like, shape (..., A)
        Finite logits, ``A >= 1``; any leading shape (one state, a table ``theta[s, a]``,
        a batch ``theta[b, s, a]``).

    Returns
    -------
    ndarray, same shape as ``x``
        Rows that are distributions. Computed as ``exp(x - max) / sum exp(x - max)`` (the
        max over the last axis), so large logits do not overflow.

    Raises
    ------
    ValueError
        If ``x`` has no axis or an empty last axis, or a non-finite entry (the message names
        the first one).

    References
    ----------
    Slide S1 (the tabular softmax policy); Sutton & Barto (2018), Sec. 13.1.
    """
    x = as_float_array(x, "x")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"x must have shape (..., A) with A >= 1, got {x.shape}")
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


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
    return softmax(_table(theta, "theta"))


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


def _two_stacks(p: ArrayLike, q: ArrayLike) -> tuple[NDArray, NDArray]:
    """``p`` and ``q`` as float arrays of one shape (..., n), n >= 1, rows distributions."""
    p = as_float_array(p, "p")
    q = as_float_array(q, "q")
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"p must have shape (..., n) with n >= 1, got {p.shape}")
    if q.shape != p.shape:
        raise ValueError(f"q must have the shape of p, {p.shape}, got {q.shape}")
    check_distribution(p, "p")
    check_distribution(q, "q")
    return p, q


def total_variation_rows(p: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """Total variation between rows: ``TV[...] = 1/2 sum_x |p[..., x] - q[..., x]|``.

    The one definition of the total variation distance in :mod:`pgtheory`: per state for
    two policies (:func:`tv_distance`), for two distributions
    (:func:`pgtheory.total_variation`), per MDP and state for batches. Half the L1 distance
    that slides S7-S9 write ``|p - q|``.

    Parameters
    ----------
    p, q : array_like, shape (..., n)
        Distributions along the last axis, ``n >= 1``, of one shape.

    Returns
    -------
    ndarray, shape (...)
        In [0, 1]; a 0-d array for two single distributions.

    Raises
    ------
    ValueError
        If the shapes differ, the last axis is missing or empty, or a row is not a
        distribution (a negative or non-finite entry, or a sum off 1 by more than
        :data:`pgtheory.core.validation.PROB_ATOL`); the message names the first offending entry.

    References
    ----------
    Levin, Peres & Wilmer (2017), Sec. 4.1; Schulman et al. (2015), Sec. 3.
    """
    p, q = _two_stacks(p, q)
    return 0.5 * np.abs(p - q).sum(axis=-1)


def kl_divergence_rows(p: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """KL divergence between rows: ``KL(p || q)[...] = sum_x p log(p / q)`` over the last axis.

    ``KL(p || q)[i] = sum_x p[i, x] log(p[i, x] / q[i, x])`` for every leading index ``i``.
    The one definition of the KL divergence in :mod:`pgtheory` (per state for two policies,
    :func:`kl_divergence`; per MDP and state for batches). Terms with ``p = 0`` contribute
    0; a row where ``q`` puts zero mass on an outcome of ``p`` has KL ``inf`` (never
    NaN). Rounding can make a sum slightly negative; it is clipped at 0.

    Parameters
    ----------
    p, q : array_like, shape (..., n)
        Distributions along the last axis, ``n >= 1``, of one shape.

    Returns
    -------
    ndarray, shape (...)
        ``>= 0``, possibly ``inf``.

    Raises
    ------
    ValueError
        As :func:`total_variation_rows`.

    References
    ----------
    Kullback & Leibler (1951); Schulman et al. (2015), Sec. 4 (``D_KL(pi_old || pi_new)``).
    """
    p, q = _two_stacks(p, q)
    pos = p > 0
    ratio = np.ones_like(p)
    with np.errstate(divide="ignore"):
        ratio[pos] = p[pos] / q[pos]
        terms = np.where(pos, p * np.log(ratio), 0.0)
    return np.maximum(terms.sum(axis=-1), 0.0)


def tv_distance(pi: ArrayLike, pi2: ArrayLike) -> NDArray[np.float64]:
    """Per-state total variation ``TV[s] = 1/2 sum_a |pi[s, a] - pi2[s, a]|``, shape (S,).

    Half the L1 distance the slides write as ``|pi' - pi|`` (slides S8-S9):
    :func:`total_variation_rows` of two policy tables.
    """
    pi, pi2 = _two_policies(pi, pi2)
    return total_variation_rows(pi, pi2)


def average_kl_rows(d: ArrayLike, p: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """The KL divergence averaged over states: ``sum_s d[..., s] KL(p || q)[..., s]``.

    ``p`` and ``q`` are policies of shape (..., S, A) (broadcast against each other) and
    ``d`` weights of shape (..., S) (or broadcast to it), for example a state distribution;
    states with ``d = 0`` are left out, so a ``q`` that puts zero mass on an action of ``p``
    in a state of weight 0 does not make the average infinite (in a state of positive
    weight it does). TRPO's average KL (:func:`pgtheory.average_kl`) is this with ``d`` the old
    policy's normalized discounted visitation; the algorithms use it for many policies
    at once.

    Returns
    -------
    ndarray, shape (...)
        ``>= 0``, possibly ``inf``.

    Raises
    ------
    ValueError
        If ``d`` is negative or not finite, or does not broadcast to the policies' leading
        axes; for ``p`` and ``q``, as :func:`kl_divergence_rows`.
    """
    p, q = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(q, dtype=float))
    kl = kl_divergence_rows(p, q)
    d = as_float_array(d, "d")
    try:
        d = np.broadcast_to(d, kl.shape)
    except ValueError:
        raise ValueError(
            f"d must have shape {kl.shape} (the policies' states) or broadcast to it, got {d.shape}"
        ) from None
    if np.any(d < 0):
        raise ValueError(f"d must be >= 0, got a minimum of {float(d.min())!r}")
    with np.errstate(invalid="ignore"):  # inf * 0 in a state left out
        return np.where(d > 0, d * kl, 0.0).sum(axis=-1)


def kl_divergence(pi: ArrayLike, pi2: ArrayLike) -> NDArray[np.float64]:
    """Per-state ``KL(pi || pi2)[s] = sum_a pi[s, a] log(pi[s, a] / pi2[s, a])``, shape (S,).

    Terms with ``pi[s, a] = 0`` contribute 0; a state where ``pi2`` puts zero mass
    on an action that ``pi`` takes has KL ``inf`` (never NaN). This is the
    direction used in TRPO's penalty ``max_s KL(pi_old || pi_new)``:
    :func:`kl_divergence_rows` of two policy tables.
    """
    pi, pi2 = _two_policies(pi, pi2)
    return kl_divergence_rows(pi, pi2)


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
    S: int  # numpy's stubs type shapes as tuple[Any, ...]; rng.random(S) is then ambiguous
    S, A = pi.shape
    if A == 1:
        return pi
    eps_s = eps * rng.random(S) if state_dependent else np.full(S, eps)
    other = rng.dirichlet(np.ones(A - 1), size=S)
    mistakes = np.zeros((S, A))
    mistakes[~pi.astype(bool)] = other.ravel()
    return (1.0 - eps_s)[:, None] * pi + eps_s[:, None] * mistakes
