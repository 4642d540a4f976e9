"""Slide S7: how far the state marginals move when a deterministic policy errs w.p. <= eps.

Notation. ``pi`` is a deterministic policy, ``a_s = pi(s)`` (given as the integer
array ``actions[s]`` or as a one-hot ``pi[s, a]``); ``pi2`` (the slides' ``pi_theta'``)
is any policy with mistake probability ``pi2(a != a_s | s) <= eps`` in every state.
``p_t`` and ``p'_t`` are the laws of ``s_t`` under ``pi`` and ``pi2`` (rows of
:func:`pgtheory.state_marginals`), ``t = 0, 1, ...``; ``s_t`` follows ``t`` action
choices ``a_0, ..., a_{t-1}``.

Distances. Slide S7 writes ``|p_{theta'}(s_t) - p_theta(s_t)|`` for the **L1**
distance ``sum_s |p'_t(s) - p_t(s)|``; that is what :func:`marginal_l1_distance`
returns. It is twice the total variation distance ``TV = 1/2 L1`` used elsewhere in
:mod:`pgtheory` (e.g. :func:`pgtheory.tv_distance`). Both bounds below are in L1:
the trivial bound is 2, not 1.

The statement (Slide S7; Ross, Gordon & Bagnell 2011, Lemma 4.1)::

    ||p'_t - p_t||_1 <= 2 (1 - (1 - eps)^t) <= 2 eps t.

The proof used here (valid for state-dependent mistake probabilities too) runs the
"no mistake yet" sub-stochastic chain ``q_0 = p0``,
``q_{t+1}(s') = sum_s q_t(s) pi2[s, a_s] P[s, a_s, s']``: ``q_t(s)`` is the probability
under ``pi2`` that ``s_t = s`` and ``a_0..a_{t-1}`` all agree with ``pi``. Since
``pi2[s, a_s] >= 1 - eps``, induction gives ``p'_t >= q_t >= (1 - eps)^t p_t``
elementwise, so ``P(no mistake before t) = sum_s q_t(s) >= (1 - eps)^t`` and the
L1 bound follows. The slide's reading of the mixture
``p'_t = (1-eps)^t p_t + (1 - (1-eps)^t) p_mistake`` -- with ``(1-eps)^t`` the
probability of no mistake and ``p_t`` the law of ``s_t`` given no mistake -- is exact
only when the mistake probability is ``eps`` in every state; :func:`mixture_check`
measures how far it is off otherwise (the book's errata page, item 2).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory._validation import (
    PROB_ATOL,
    as_float_array,
    check_indices,
    check_policy,
    check_probability,
)
from pgtheory.evaluation import _state_marginals
from pgtheory.mdp import TabularMDP, _as_mdp, resolve_horizon

__all__ = [
    "MixtureCheck",
    "NoMistakeChain",
    "marginal_l1_distance",
    "max_mistake_probability",
    "mistake_probabilities",
    "mixture_check",
    "no_mistake_chain",
    "s7_bound",
    "s7_linear_bound",
]


def _check_times(t: ArrayLike, name: str = "t") -> NDArray[np.int64]:
    """Validate non-negative integer time indices (scalar or array)."""
    if isinstance(t, bool):
        raise ValueError(f"{name} must be a non-negative integer or integer array, got bool {t!r}")
    arr = np.asarray(t)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{name} must be a non-negative integer or integer array, got dtype {arr.dtype}"
        )
    neg = arr < 0
    if neg.any():
        idx = tuple(int(i) for i in np.argwhere(np.atleast_1d(neg))[0])
        label = f"{name}[{', '.join(map(str, idx))}]" if arr.ndim else name
        value = np.atleast_1d(arr)[idx]
        raise ValueError(f"{label} is {value}, expected an integer >= 0")
    return arr.astype(np.int64)


def _no_mistake_weight(eps: float, t: NDArray[np.int64]) -> NDArray[np.float64]:
    """``(1 - eps)^t``, accurate for small eps (``0^0 = 1``)."""
    if eps == 1.0:
        return (t == 0).astype(np.float64)
    return np.exp(t * np.log1p(-eps))


def s7_bound(eps: float, t: ArrayLike) -> NDArray[np.float64]:
    """Slide S7's bound ``2 (1 - (1 - eps)^t)`` on ``||p'_t - p_t||_1`` (L1, = 2 TV).

    Parameters
    ----------
    eps : float in [0, 1]
        Maximal mistake probability ``max_s pi'(a != pi(s) | s)``.
    t : int or array_like of int, any shape
        Time indices ``t >= 0`` (``s_t`` follows ``t`` action choices).

    Returns
    -------
    ndarray of float, same shape as ``t``
        ``2 (1 - (1 - eps)^t)``, computed as ``-2 expm1(t log1p(-eps))`` for accuracy
        when ``eps`` is small. Always in ``[0, 2]``; 0 at ``t = 0``.

    Raises
    ------
    ValueError
        If ``eps`` is not a real number in [0, 1] or ``t`` is not a non-negative integer
        (array).

    References
    ----------
    Slide S7; Ross, Gordon & Bagnell (2011), Lemma 4.1 (stated there in L1).
    """
    eps = check_probability(eps, "eps")
    t = _check_times(t)
    if eps == 1.0:
        out = 2.0 * (t > 0).astype(np.float64)
    else:
        out = -2.0 * np.expm1(t * np.log1p(-eps))
    return out


def s7_linear_bound(eps: float, t: ArrayLike) -> NDArray[np.float64]:
    """The looser linear bound ``2 eps t`` of Slide S7 (L1 distance).

    Follows from Bernoulli's inequality ``(1 - eps)^t >= 1 - eps t`` for
    ``eps in [0, 1]``, so ``s7_bound(eps, t) <= s7_linear_bound(eps, t)``. It exceeds the
    trivial L1 bound 2 once ``t > 1 / eps``.

    Parameters
    ----------
    eps : float in [0, 1]
    t : int or array_like of int, any shape, ``t >= 0``

    Returns
    -------
    ndarray of float, same shape as ``t``

    Raises
    ------
    ValueError
        As :func:`s7_bound`.

    References
    ----------
    Slide S7; Ross, Gordon & Bagnell (2011), Lemma 4.1.
    """
    eps = check_probability(eps, "eps")
    t = _check_times(t)
    return 2.0 * eps * t.astype(np.float64)


def _deterministic_actions(
    pi: ArrayLike, name: str, n_states: int | None, n_actions: int | None
) -> NDArray[np.int64]:
    """Actions ``a_s`` of a deterministic policy given as actions (S,) or one-hot (S, A)."""
    arr = np.asarray(pi)
    if arr.ndim == 1:
        if arr.size == 0:
            raise ValueError(f"{name} must be non-empty, got shape {arr.shape}")
        if n_states is not None and arr.shape != (n_states,):
            raise ValueError(f"{name} must have shape ({n_states},), got {arr.shape}")
        return check_indices(arr, name, n_actions, kind="integer action")
    if arr.ndim == 2:
        pol = check_policy(arr, name, n_states, n_actions)
        acts = np.argmax(pol, axis=1)
        top = pol[np.arange(pol.shape[0]), acts]
        bad = np.abs(top - 1.0) > PROB_ATOL
        if bad.any():
            s = int(np.argmax(bad))
            raise ValueError(
                f"{name}[{s}, :] is not deterministic (one-hot): its largest probability is "
                f"{top[s]:.6g}, expected 1 (atol={PROB_ATOL:g}); slide S7 needs a deterministic pi"
            )
        return acts.astype(np.int64)
    raise ValueError(
        f"{name} must be integer actions of shape (S,) or a one-hot policy of shape (S, A), "
        f"got shape {arr.shape}"
    )


def _actions_and_pi2(
    pi: ArrayLike, pi2: ArrayLike, n_states: int | None = None, n_actions: int | None = None
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    if n_states is None:
        pi2_arr = as_float_array(pi2, "pi2", ndim=2)
        n_states, n_actions = pi2_arr.shape
    pi2_arr = check_policy(pi2, "pi2", n_states, n_actions)
    acts = _deterministic_actions(pi, "pi", n_states, n_actions)
    return acts, pi2_arr


def mistake_probabilities(pi: ArrayLike, pi2: ArrayLike) -> NDArray[np.float64]:
    """Per-state mistake probability ``pi2(a != pi(s) | s) = 1 - pi2[s, pi(s)]``, shape (S,).

    Parameters
    ----------
    pi : array_like
        The deterministic policy: integer actions of shape (S,), or a one-hot policy of
        shape (S, A).
    pi2 : array_like, shape (S, A)
        Any policy.

    Returns
    -------
    ndarray, shape (S,)
        Equal to the per-state total variation ``tv_distance(pi, pi2)`` when ``pi`` is
        deterministic.

    References
    ----------
    Slide S7 (the closeness assumption).
    """
    acts, pi2 = _actions_and_pi2(pi, pi2)
    return 1.0 - pi2[np.arange(acts.size), acts]


def max_mistake_probability(actions: ArrayLike, pi2: ArrayLike) -> float:
    """Slide S7's ``eps``: ``max_s pi2(a != pi(s) | s)``.

    Parameters
    ----------
    actions : array_like
        The deterministic policy: integer actions of shape (S,), or one-hot (S, A).
    pi2 : array_like, shape (S, A)

    Returns
    -------
    float in [0, 1]
        The smallest ``eps`` for which ``pi2`` is eps-close to ``pi`` in slide S7's sense.

    References
    ----------
    Slide S7; Ross, Gordon & Bagnell (2011), Lemma 4.1.
    """
    return float(mistake_probabilities(actions, pi2).max())


def marginal_l1_distance(
    mdp: TabularMDP, pi: ArrayLike, pi2: ArrayLike, horizon: int | None = None
) -> NDArray[np.float64]:
    """Exact ``||p_{pi2}(s_t) - p_pi(s_t)||_1`` for ``t = 0..horizon-1``.

    The L1 distance, as on slide S7 (``|p_theta'(s_t) - p_theta(s_t)|`` there); it is
    twice the total variation distance. Any two policies are accepted (``pi`` need not
    be deterministic here).

    Parameters
    ----------
    mdp : TabularMDP
    pi, pi2 : array_like, shape (S, A)
    horizon : int, optional
        Number of time steps; defaults to ``mdp.horizon`` (required when discounted).

    Returns
    -------
    ndarray, shape (horizon,)
        In ``[0, 2]``; entry 0 is 0 since both start from ``p0``.

    References
    ----------
    Slides S6-S7; Ross, Gordon & Bagnell (2011), Lemma 4.1.
    """
    mdp = _as_mdp(mdp)
    pi = check_policy(pi, "pi", mdp.n_states, mdp.n_actions)
    pi2 = check_policy(pi2, "pi2", mdp.n_states, mdp.n_actions)
    T = resolve_horizon(mdp, horizon)
    p = _state_marginals(mdp, pi, T)
    p2 = _state_marginals(mdp, pi2, T)
    return np.abs(p2 - p).sum(axis=1)


class NoMistakeChain(NamedTuple):
    """The "no mistake yet" chain of slide S7 (see :func:`no_mistake_chain`).

    ``mass[t] = P(a_0..a_{t-1} all equal pi's action)`` under ``pi2``, shape (T,);
    ``q[t, s] = P(s_t = s and no mistake before t)``, shape (T, S), so
    ``mass = q.sum(axis=1)``.
    """

    mass: NDArray[np.float64]
    q: NDArray[np.float64]


def _no_mistake(
    mdp: TabularMDP, acts: NDArray[np.int64], pi2: NDArray[np.float64], T: int
) -> NoMistakeChain:
    S = mdp.n_states
    idx = np.arange(S)
    # K[s, s'] = pi2[s, a_s] P[s, a_s, s']: one step that keeps following pi.
    K = pi2[idx, acts][:, None] * mdp.P[idx, acts, :]
    q = np.empty((T, S))
    q[0] = mdp.p0
    for t in range(1, T):
        q[t] = q[t - 1] @ K
    return NoMistakeChain(q.sum(axis=1), q)


def no_mistake_chain(
    mdp: TabularMDP, pi: ArrayLike, pi2: ArrayLike, horizon: int | None = None
) -> NoMistakeChain:
    """Exact probability that ``pi2`` has made no mistake before ``t``, and where it is.

    Runs the sub-stochastic chain ``q_0 = p0``,
    ``q_{t+1}(s') = sum_s q_t(s) pi2[s, a_s] P[s, a_s, s']`` with ``a_s = pi(s)``.
    ``q_t(s)`` is the probability, under ``pi2``, that ``s_t = s`` and the actions
    ``a_0..a_{t-1}`` all agree with ``pi``. Because ``pi2[s, a_s] >= 1 - eps``,
    ``q_t >= (1 - eps)^t p_t`` elementwise and ``mass[t] >= (1 - eps)^t``, with
    equality when every state's mistake probability is exactly ``eps``.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like
        The deterministic policy: integer actions of shape (S,), or a one-hot policy
        of shape (S, A) (any other policy raises).
    pi2 : array_like, shape (S, A)
        Any policy.
    horizon : int, optional
        Number of time steps; defaults to ``mdp.horizon`` (required when discounted).

    Returns
    -------
    NoMistakeChain
        ``mass`` shape (T,), ``q`` shape (T, S); ``mass[0] = 1``.

    References
    ----------
    Slide S7 ("probability we made no mistakes"); Ross, Gordon & Bagnell (2011),
    Lemma 4.1.
    """
    mdp = _as_mdp(mdp)
    acts, pi2 = _actions_and_pi2(pi, pi2, mdp.n_states, mdp.n_actions)
    T = resolve_horizon(mdp, horizon)
    return _no_mistake(mdp, acts, pi2, T)


class MixtureCheck(NamedTuple):
    """How far slide S7's mixture equality is from true (see :func:`mixture_check`).

    All arrays have shape (T,).

    eps : float
        ``max_s pi2(a != pi(s) | s)``.
    no_mistake : ndarray
        Exact ``P(no mistake before t)``.
    slide_weight : ndarray
        The slide's ``(1 - eps)^t``.
    mass_gap : ndarray
        ``no_mistake - slide_weight``, ``>= 0`` (0 for state-independent mistakes).
    conditional_l1 : ndarray
        ``||q_t / |q_t| - p_t||_1``: L1 distance between the law of ``s_t`` given no
        mistake and ``p_t`` (0 for state-independent mistakes). Set to 0 where
        ``no_mistake[t] == 0`` (a mistake is certain, the conditional law is undefined
        and carries no weight).
    decomposition_min : ndarray
        ``min_s (p'_t(s) - (1 - eps)^t p_t(s))``, ``>= 0`` up to rounding: the
        decomposition ``p'_t = (1-eps)^t p_t + (1-(1-eps)^t) p_mistake`` with *some*
        distribution ``p_mistake`` always exists, even when its reading is wrong.
    exact_l1 : ndarray
        ``||p'_t - p_t||_1``.
    bound : ndarray
        ``s7_bound(eps, t)``.
    """

    eps: float
    no_mistake: NDArray[np.float64]
    slide_weight: NDArray[np.float64]
    mass_gap: NDArray[np.float64]
    conditional_l1: NDArray[np.float64]
    decomposition_min: NDArray[np.float64]
    exact_l1: NDArray[np.float64]
    bound: NDArray[np.float64]


def mixture_check(
    mdp: TabularMDP,
    pi: ArrayLike,
    pi2: ArrayLike,
    horizon: int | None = None,
    eps: float | None = None,
) -> MixtureCheck:
    """Compare slide S7's mixture ``p'_t = (1-eps)^t p_t + (1-(1-eps)^t) p_mistake`` with truth.

    The slide reads ``(1-eps)^t`` as the probability of no mistake before ``t`` and
    ``p_t`` as the law of ``s_t`` given no mistake. Both readings are exact when the
    mistake probability is ``eps`` in every state (a state-independent coin, as in
    conservative policy iteration's mixtures). With state-dependent mistake
    probabilities ``P(no mistake) > (1-eps)^t`` can hold strictly and the conditional
    law differs from ``p_t``; the bound ``||p'_t - p_t||_1 <= 2(1-(1-eps)^t)`` still
    holds because ``p'_t >= (1-eps)^t p_t`` elementwise (the book's errata page, item 2).

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like
        Deterministic policy: integer actions (S,) or one-hot (S, A).
    pi2 : array_like, shape (S, A)
    horizon : int, optional
        Defaults to ``mdp.horizon`` (required when discounted).
    eps : float in [0, 1], optional
        The closeness level; defaults to :func:`max_mistake_probability`. Must be at
        least that value (otherwise the slide's assumption does not hold).

    Returns
    -------
    MixtureCheck

    Raises
    ------
    ValueError
        On invalid inputs, or ``eps`` below the actual maximal mistake probability.

    References
    ----------
    Slide S7; Ross, Gordon & Bagnell (2011), Lemma 4.1; Kakade & Langford (2002), Sec. 4.
    """
    mdp = _as_mdp(mdp)
    acts, pi2 = _actions_and_pi2(pi, pi2, mdp.n_states, mdp.n_actions)
    T = resolve_horizon(mdp, horizon)
    eps_true = float((1.0 - pi2[np.arange(acts.size), acts]).max())
    if eps is None:
        eps = eps_true
    else:
        eps = check_probability(eps, "eps")
        if eps < eps_true - PROB_ATOL:
            raise ValueError(
                f"eps must be >= the maximal mistake probability of pi2, {eps_true:.6g}, "
                f"got {eps!r}"
            )
    chain = _no_mistake(mdp, acts, pi2, T)
    pi_onehot = np.zeros_like(pi2)
    pi_onehot[np.arange(acts.size), acts] = 1.0
    p = _state_marginals(mdp, pi_onehot, T)
    p2 = _state_marginals(mdp, pi2, T)
    t = np.arange(T)
    weight = _no_mistake_weight(eps, t)
    positive = chain.mass > 0
    safe_mass = np.where(positive, chain.mass, 1.0)
    cond = np.abs(chain.q / safe_mass[:, None] - p).sum(axis=1)
    cond = np.where(positive, cond, 0.0)
    return MixtureCheck(
        eps=eps,
        no_mistake=chain.mass,
        slide_weight=weight,
        mass_gap=chain.mass - weight,
        conditional_l1=cond,
        decomposition_min=(p2 - weight[:, None] * p).min(axis=1),
        exact_l1=np.abs(p2 - p).sum(axis=1),
        bound=s7_bound(eps, t),
    )
