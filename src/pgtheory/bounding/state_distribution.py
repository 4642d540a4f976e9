"""Slides S7-S8: how far the state distributions move when the policy moves by eps.

Notation. ``pi`` is the old policy and ``pi2`` (or ``pi_new``; the slides'
``pi_theta'``) the new one. ``p_t`` and ``p'_t`` are the laws of ``s_t`` under them (rows
of :func:`pgtheory.state_marginals`), ``t = 0, 1, ...``; ``s_t`` follows ``t`` action
choices ``a_0, ..., a_{t-1}``.

Distances. Slides S7-S8 write ``|p_{theta'}(s_t) - p_theta(s_t)|`` for the **L1**
distance ``sum_s |p'_t(s) - p_t(s)|``; that is what :func:`marginal_l1_distance`
returns. It is twice the total variation distance ``TV = 1/2 L1`` used elsewhere in
:mod:`pgtheory` (e.g. :func:`pgtheory.tv_distance`). Every bound below on a distance
between state distributions is in L1 (the trivial bound is 2, not 1); every ``eps`` that
measures how far the *policies* are apart is a probability (a TV distance, in [0, 1]).

Slide S7, deterministic ``pi`` (Ross, Gordon & Bagnell 2011, Lemma 4.1). If
``pi2(a != pi(s) | s) <= eps`` in every state::

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
measures how far it is off otherwise (the errata page, :ref:`errata-s7-mixture`).

Slide S8, any ``pi`` (the general case). With ``eps = max_s TV(pi_new(.|s), pi(.|s))``
(:func:`max_tv_distance`) the same bound holds, :func:`state_distribution_bound`: couple
the two trajectories with the maximal coupling of the action laws in every state
(:mod:`pgtheory.bounding.coupling`); they disagree before ``t`` with probability at most
``1 - (1 - eps)^t``. For the normalized discounted visitation
``d(s) = (1 - gamma) sum_t gamma^t p_t(s)`` this gives
:func:`visitation_distribution_bound`,
``||d' - d||_1 <= 2 gamma eps / (1 - gamma (1 - eps))``, beside CPO's
:func:`cpo_visitation_bound` (Achiam et al. 2017, supplement Lemma 3),
``||d' - d||_1 <= 2 gamma / (1 - gamma) E_{s ~ d}[TV(pi_new, pi)[s]]``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.evaluation import discounted_visitation, state_marginals
from pgtheory.core.mdp import TabularMDP, check_mdp, check_mdp_policies, resolve_horizon
from pgtheory.core.policies import total_variation_rows
from pgtheory.core.validation import (
    PROB_ATOL,
    as_float_array,
    check_indices,
    check_policy,
    check_positive_int,
    check_probability,
    check_real,
    check_unit_interval,
)

__all__ = [
    "MixtureCheck",
    "NoMistakeChain",
    "cpo_visitation_bound",
    "discounted_s7_bound_sum",
    "marginal_l1_distance",
    "max_mistake_probability",
    "max_tv_distance",
    "mistake_probabilities",
    "mixture_check",
    "no_mistake_chain",
    "s7_bound",
    "s7_linear_bound",
    "state_distribution_bound",
    "visitation_distribution_bound",
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
    mdp, pi, pi2 = check_mdp_policies(mdp, pi, pi2, "pi2")
    T = resolve_horizon(mdp, horizon)
    p = state_marginals(mdp, pi, T)
    p2 = state_marginals(mdp, pi2, T)
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
    mdp = check_mdp(mdp)
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
    holds because ``p'_t >= (1-eps)^t p_t`` elementwise (the errata page,
    :ref:`errata-s7-mixture`).

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
    mdp = check_mdp(mdp)
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
    p = state_marginals(mdp, pi_onehot, T)
    p2 = state_marginals(mdp, pi2, T)
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


# ----------------------------------------------------------------- slide S8: the general case


def max_tv_distance(pi: ArrayLike, pi_new: ArrayLike) -> float:
    """Slide S8's ``eps``: ``max_s TV(pi_new(.|s), pi(.|s))``, in [0, 1].

    ``TV[s] = 1/2 sum_a |pi_new[s, a] - pi[s, a]|`` (:func:`pgtheory.tv_distance`); the
    slide's ``|pi_theta'(a|s) - pi_theta(a|s)|``, read as an L1 sum over actions, is
    ``2 TV[s]`` (the errata page, :ref:`which distance is eps <errata-s8-distance>`). For
    a deterministic ``pi`` it equals :func:`max_mistake_probability`.

    Parameters
    ----------
    pi, pi_new : array_like, shape (S, A)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If either is not a policy (rows that are distributions) or their shapes differ.

    References
    ----------
    Slide S8; Schulman et al. (2015), Sec. 3 (``alpha = D_TV^max``).
    """
    pi = check_policy(pi, "pi")
    pi_new = check_policy(pi_new, "pi_new", *pi.shape)
    return float(total_variation_rows(pi_new, pi).max())


def state_distribution_bound(eps: float, t: ArrayLike) -> NDArray[np.float64]:
    """Slide S8's bound ``2 (1 - (1 - eps)^t)`` on ``||p'_t - p_t||_1`` for any two policies.

    The general case of :func:`s7_bound` (same values): ``eps`` is now
    ``max_s TV(pi_new(.|s), pi(.|s))`` (:func:`max_tv_distance`) and ``pi`` need not be
    deterministic. Proof by coupling: run both policies with the maximal coupling of their
    action laws in every state (:func:`pgtheory.coupled_trajectories`); the trajectories
    stay together up to ``t`` with probability at least ``(1 - eps)^t``, and the L1
    distance of the laws of two coupled random variables is at most ``2 P(they differ)``.
    It is at most ``2 eps t`` (:func:`s7_linear_bound`) and at most 2.

    Parameters
    ----------
    eps : float in [0, 1]
        ``max_s TV(pi_new(.|s), pi(.|s))`` (a probability, not the L1 sum).
    t : int or array_like of int, any shape, ``t >= 0``

    Returns
    -------
    ndarray of float, same shape as ``t``
        In L1 (``= 2 TV`` between the state distributions), in [0, 2].

    Raises
    ------
    ValueError
        As :func:`s7_bound`.

    References
    ----------
    Slide S8; Levin, Peres & Wilmer (2017), Prop. 4.7; Schulman et al. (2015), App. A.
    """
    return s7_bound(eps, t)


def discounted_s7_bound_sum(eps: ArrayLike, gamma: ArrayLike) -> NDArray[np.float64]:
    """Slide S7's bound summed with discount: ``sum_{t >= 0} gamma^t 2 (1 - (1 - eps)^t)``.

    In closed form (two geometric series)::

        sum_t gamma^t 2 (1 - (1 - eps)^t) = 2 / (1 - gamma) - 2 / (1 - gamma (1 - eps))
                                          = 2 gamma eps / ((1 - gamma) (1 - gamma (1 - eps))).

    It is the one definition of this sum in :mod:`pgtheory`: times ``1 - gamma`` it is the
    bound on the normalized visitations, :func:`visitation_distribution_bound`; slide S9's
    discounted penalties are it times a constant (:func:`pgtheory.improvement_lower_bound`),
    among them TRPO's eq. (44) (:func:`pgtheory.trpo_eq44_penalty`) and conservative policy
    iteration's penalty (:func:`pgtheory.cpi_bound`). ``gamma^t`` stays inside the sum: the
    slide's ``sum_t 2 eps t`` has no discount and diverges (the errata page,
    :ref:`max f should be max |f| <errata-s9-max-f>`, part (c)).

    Parameters
    ----------
    eps : float or array_like
        ``max_s TV(pi_new(.|s), pi(.|s))``, in [0, 1] (up to ``PROB_ATOL`` above 1, the
        rounding of a TV between rows that sum to 1 up to that tolerance).
    gamma : float or array_like
        Discount factor(s) in [0, 1); broadcast against ``eps``.

    Returns
    -------
    ndarray
        Of the broadcast shape of ``eps`` and ``gamma`` (0-d for two scalars); ``>= 0``,
        0 when ``eps = 0`` or ``gamma = 0``, and at most ``2 gamma eps / (1 - gamma)^2``.

    Raises
    ------
    ValueError
        If ``eps`` or ``gamma`` is not finite or lies outside its interval (the message names
        the first offending entry), or their shapes do not broadcast.

    References
    ----------
    Slides S7-S9; Schulman et al. (2015), Appendix A (the sum behind eq. 44); Kakade &
    Langford (2002), Theorem 4.1.
    """
    eps = check_unit_interval(eps, "eps", atol=PROB_ATOL)
    gamma = check_unit_interval(gamma, "gamma", open_right=True)
    try:
        np.broadcast_shapes(eps.shape, gamma.shape)
    except ValueError:
        raise ValueError(
            f"eps and gamma must broadcast together, got shapes {eps.shape} and {gamma.shape}"
        ) from None
    return 2.0 * gamma * eps / ((1.0 - gamma) * (1.0 - gamma * (1.0 - eps)))


def _check_gamma(gamma: object, finite: bool) -> float:
    gamma = check_real(gamma, "gamma")
    if finite:
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must lie in (0, 1] for a finite horizon, got {gamma!r}")
    elif not 0.0 <= gamma < 1.0:
        raise ValueError(
            f"gamma must lie in [0, 1) when horizon is None (infinite-horizon discounted "
            f"case), got {gamma!r}"
        )
    return gamma


def visitation_distribution_bound(eps: float, gamma: float, horizon: int | None = None) -> float:
    """Bound on ``||d' - d||_1`` for normalized discounted visitations, ``eps = max_s TV``.

    ``d(s) = (1 - gamma) sum_{t >= 0} gamma^t p_t(s)`` (:func:`pgtheory.discounted_visitation`),
    so by the triangle inequality and :func:`state_distribution_bound`::

        ||d' - d||_1 <= (1 - gamma) sum_t gamma^t 2 (1 - (1 - eps)^t)
                      = 2 gamma eps / (1 - gamma (1 - eps))

    (the sum is :func:`discounted_s7_bound_sum`).

    With a finite horizon ``T``, ``d = sum_{t<T} gamma^t p_t / sum_{t<T} gamma^t`` and the
    bound is the same weighted mean of ``2 (1 - (1 - eps)^t)`` over ``t < T``.

    Parameters
    ----------
    eps : float in [0, 1]
        ``max_s TV(pi_new(.|s), pi(.|s))``.
    gamma : float
        In [0, 1) without a horizon; in (0, 1] with one.
    horizon : int, optional
        ``None`` (default) for the infinite-horizon discounted visitation.

    Returns
    -------
    float
        In [0, 2) (L1). At most ``2 gamma eps / (1 - gamma)``, the form with
        ``max_s TV`` in place of CPO's mean.

    Raises
    ------
    ValueError
        On ``eps`` outside [0, 1], ``gamma`` outside its range, or a horizon that is not an
        integer >= 1.

    References
    ----------
    Slide S8; Schulman et al. (2015), App. A; Achiam et al. (2017), supplement Lemma 3.
    """
    eps = check_probability(eps, "eps")
    if horizon is None:
        gamma = _check_gamma(gamma, finite=False)
        return float((1.0 - gamma) * discounted_s7_bound_sum(eps, gamma))
    gamma = _check_gamma(gamma, finite=True)
    T = check_positive_int(horizon, "horizon")
    weights = gamma ** np.arange(T)
    return float(weights @ s7_bound(eps, np.arange(T)) / weights.sum())


def cpo_visitation_bound(mdp: TabularMDP, pi: ArrayLike, pi_new: ArrayLike) -> float:
    """CPO's bound ``2 gamma / (1 - gamma) E_{s ~ d^pi}[TV(pi_new, pi)[s]]`` on ``||d' - d||_1``.

    ``d^pi`` is the normalized discounted visitation of the **old** policy
    (:func:`pgtheory.discounted_visitation`) and ``TV[s]`` the per-state total variation
    (:func:`pgtheory.tv_distance`). Averaging the TV under ``d^pi`` instead of taking its
    maximum can make it much smaller than :func:`visitation_distribution_bound` when the
    policies differ only in rarely visited states; for state-independent changes it is
    larger by the factor ``(1 - gamma (1 - eps)) / (1 - gamma)``. It can exceed the trivial
    L1 bound 2.

    Parameters
    ----------
    mdp : TabularMDP
        Infinite-horizon discounted (``mdp.horizon is None``).
    pi, pi_new : array_like, shape (S, A)

    Returns
    -------
    float
        In L1, ``>= 0``.

    Raises
    ------
    ValueError
        If ``mdp`` is not a discounted :class:`pgtheory.TabularMDP` or a policy does not fit
        it.

    References
    ----------
    Achiam et al. (2017), supplement Lemma 3 (and Cor. 1).
    """
    mdp = check_mdp(mdp)
    if mdp.horizon is not None:
        raise ValueError(
            f"mdp must be infinite-horizon discounted (horizon None) for CPO's bound, got "
            f"horizon {mdp.horizon}"
        )
    pi = check_policy(pi, "pi", mdp.n_states, mdp.n_actions)
    pi_new = check_policy(pi_new, "pi_new", mdp.n_states, mdp.n_actions)
    tv = total_variation_rows(pi_new, pi)
    return float(2.0 * mdp.gamma / (1.0 - mdp.gamma) * (discounted_visitation(mdp, pi) @ tv))
