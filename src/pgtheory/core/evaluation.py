"""Exact policy evaluation on tabular MDPs.

Everything here is computed in closed form: linear solves for the discounted
case, backward induction over time for a finite horizon, forward propagation of
state marginals. Shapes follow :mod:`pgtheory.core.mdp`; policies are ``pi[s, a]``.

Finite horizon ``T``: values carry the time index, ``V[t, s]``, ``Q[t, s, a]``,
``A[t, s, a]`` for ``t = 0..T-1``, with
``V[t, s] = E[sum_{t'=t}^{T-1} gamma^(t'-t) r(s_t', a_t') | s_t = s]``.
Discounted (``horizon=None``): stationary ``V[s]``, ``Q[s, a]``, ``A[s, a]``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pgtheory.core.mdp import TabularMDP, check_mdp, check_mdp_policy, resolve_horizon
from pgtheory.core.policies import softmax_policy
from pgtheory.core.validation import as_float_array

__all__ = [
    "ValueFunctions",
    "discounted_visitation",
    "evaluate",
    "expected_return",
    "induced_chain",
    "occupancy",
    "policy_gradient",
    "return_from_values",
    "state_marginals",
    "time_indexed",
]


class ValueFunctions(NamedTuple):
    """``V``, ``Q`` and the advantage ``A = Q - V`` of a policy.

    Shapes: (S,), (S, A), (S, A) for a discounted MDP; (T, S), (T, S, A),
    (T, S, A) for a finite horizon T.
    """

    V: NDArray[np.float64]
    Q: NDArray[np.float64]
    A: NDArray[np.float64]


def induced_chain(
    mdp: TabularMDP, pi: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The Markov chain a policy induces: ``(P_pi, r_pi)``.

    ``P_pi[s, s'] = sum_a pi[s, a] P[s, a, s']`` and ``r_pi[s] = sum_a pi[s, a] r[s, a]``.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    return _induced_chain(mdp, pi)


def _induced_chain(mdp: TabularMDP, pi: NDArray) -> tuple[NDArray, NDArray]:
    P_pi = np.einsum("sat,sa->st", mdp.P, pi)
    r_pi = np.einsum("sa,sa->s", mdp.r, pi)
    return P_pi, r_pi


def _evaluate(mdp: TabularMDP, pi: NDArray) -> ValueFunctions:
    S, A = mdp.n_states, mdp.n_actions
    gamma = mdp.gamma
    if mdp.horizon is None:
        P_pi, r_pi = _induced_chain(mdp, pi)
        V = np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)
        Q = mdp.r + gamma * (mdp.P.reshape(S * A, S) @ V).reshape(S, A)
        return ValueFunctions(V, Q, Q - V[:, None])
    T = mdp.horizon
    P_pi, r_pi = _induced_chain(mdp, pi)
    V = np.empty((T + 1, S))
    V[T] = 0.0
    for t in range(T - 1, -1, -1):  # backward induction on the induced chain
        V[t] = r_pi + gamma * (P_pi @ V[t + 1])
    # Q[t] = r + gamma P V[t+1], for all t in one product.
    Q = mdp.r + gamma * (V[1:] @ mdp.P.reshape(S * A, S).T).reshape(T, S, A)
    V = V[:T]
    return ValueFunctions(V, Q, Q - V[:, :, None])


def evaluate(mdp: TabularMDP, pi: ArrayLike) -> ValueFunctions:
    """Exact ``V``, ``Q`` and advantage ``A`` of policy ``pi``.

    Discounted: ``V = solve(I - gamma P_pi, r_pi)``,
    ``Q[s, a] = r[s, a] + gamma sum_s' P[s, a, s'] V[s']``, ``A = Q - V``.
    Finite horizon T: backward induction ``V[t] = r_pi + gamma P_pi V[t+1]``
    with ``V[T] = 0``, then ``Q[t] = r + gamma P V[t+1]``; the advantage is time-indexed
    (the errata page, :ref:`errata-finite-horizon`).

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)

    Returns
    -------
    ValueFunctions
        Named tuple ``(V, Q, A)``; see its docstring for shapes.

    References
    ----------
    Slides S2-S4; Sutton & Barto (2018), Sec. 4.1.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    return _evaluate(mdp, pi)


def expected_return(mdp: TabularMDP, pi: ArrayLike) -> float:
    """``J(pi) = E_{s0 ~ p0}[V(s0)]`` (``V[0]`` for a finite horizon). Slide S3."""
    mdp, pi = check_mdp_policy(mdp, pi)
    return return_from_values(mdp, _evaluate(mdp, pi).V)


def return_from_values(mdp: TabularMDP, V: ArrayLike) -> float:
    """``J = E_{s0 ~ p0}[V(s0)]`` from values already computed: ``p0 . V`` for a discounted
    MDP (``V`` of shape (S,)), ``p0 . V[0]`` for a finite horizon (``V`` of shape (T, S)).

    Raises
    ------
    ValueError
        If ``V`` is not finite or does not have the shape of the MDP's values.
    """
    mdp = check_mdp(mdp)
    S = mdp.n_states
    shape = (S,) if mdp.horizon is None else (mdp.horizon, S)
    V = as_float_array(V, "V")
    if V.shape != shape:
        raise ValueError(f"V must have shape {shape} (the MDP's values), got {V.shape}")
    return float(mdp.p0 @ (V if mdp.horizon is None else V[0]))


def _state_marginals(mdp: TabularMDP, pi: NDArray, T: int) -> NDArray[np.float64]:
    P_pi, _ = _induced_chain(mdp, pi)
    p = np.empty((T, mdp.n_states))
    p[0] = mdp.p0
    for t in range(1, T):
        p[t] = p[t - 1] @ P_pi
    return p


def state_marginals(
    mdp: TabularMDP, pi: ArrayLike, horizon: int | None = None
) -> NDArray[np.float64]:
    """Exact state marginals ``p_pi(s_t)`` for ``t = 0..horizon-1``.

    Row ``t`` is the law of ``s_t``: ``p_0 = p0``, ``p_{t+1} = p_t P_pi``.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)
    horizon : int, optional
        Number of time steps; defaults to ``mdp.horizon`` (required when the MDP
        is discounted).

    Returns
    -------
    ndarray, shape (horizon, S)
        Each row sums to 1. Slides S5-S9 write ``p_theta(s_t)``.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    return _state_marginals(mdp, pi, resolve_horizon(mdp, horizon))


def _occupancy(mdp: TabularMDP, pi: NDArray) -> NDArray[np.float64]:
    if mdp.horizon is None:
        P_pi, _ = _induced_chain(mdp, pi)
        rho = np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi.T, mdp.p0)
        # numpy's stubs: solve of float64 arrays is floating[Any] (it is float64)
        return rho[None, :]  # type: ignore[return-value]
    p = _state_marginals(mdp, pi, mdp.horizon)
    return (mdp.gamma ** np.arange(mdp.horizon))[:, None] * p


def occupancy(mdp: TabularMDP, pi: ArrayLike) -> NDArray[np.float64]:
    """Discounted state occupancy ``rho[t, s] = gamma^t P(s_t = s)`` under ``pi``, by time.

    Finite horizon T: shape (T, S), row ``t`` is ``gamma^t`` times the law of ``s_t``
    (:func:`state_marginals`). Discounted (``horizon=None``): shape (1, S), one row holding
    the sum over all ``t >= 0``,
    ``rho(s) = sum_t gamma^t P(s_t = s) = solve((I - gamma P_pi)^T, p0)``,
    TRPO's unnormalized ``rho_pi`` (:func:`discounted_visitation` divided by ``1 - gamma``).

    The leading axis pairs with :func:`time_indexed` values, so that one expression serves
    both cases, e.g. ``sum_t gamma^t E_{s ~ p_t, a ~ pi_new}[A_t(s, a)]`` is
    ``np.einsum("ts,sa,tsa->", occupancy(mdp, pi), pi_new, time_indexed(mdp, A))``.

    Parameters
    ----------
    mdp : TabularMDP
    pi : array_like, shape (S, A)

    Returns
    -------
    ndarray, shape (T, S), or (1, S) for a discounted MDP
        Non-negative; row ``t`` sums to ``gamma^t`` (discounted: the row sums to
        ``1 / (1 - gamma)``).

    Raises
    ------
    ValueError
        If ``mdp`` is not a :class:`pgtheory.TabularMDP` or ``pi`` is not a policy of it.

    References
    ----------
    Schulman et al. (2015), eq. (2); Kakade & Langford (2002), Sec. 2.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    return _occupancy(mdp, pi)


def time_indexed(mdp: TabularMDP, x: NDArray) -> NDArray:
    """``x`` with a leading time axis: ``x[None]`` for a discounted MDP, ``x`` otherwise.

    A discounted MDP's values are stationary (``V[s]``, ``A[s, a]``), a finite horizon's are
    time-indexed already (``V[t, s]``, ``A[t, s, a]``, as :func:`evaluate` returns them):
    this gives both a time axis, to pair with the rows of :func:`occupancy`.

    Raises
    ------
    ValueError
        If ``mdp`` is not a :class:`pgtheory.TabularMDP`.
    """
    mdp = check_mdp(mdp)
    return x[None] if mdp.horizon is None else x


def _visitation(mdp: TabularMDP, pi: NDArray) -> NDArray[np.float64]:
    if mdp.horizon is None:
        return (1.0 - mdp.gamma) * _occupancy(mdp, pi)[0]
    weights = mdp.gamma ** np.arange(mdp.horizon)
    p = _state_marginals(mdp, pi, mdp.horizon)
    return weights @ p / weights.sum()


def discounted_visitation(mdp: TabularMDP, pi: ArrayLike) -> NDArray[np.float64]:
    """Normalized discounted state visitation ``d^pi``, shape (S,), summing to 1.

    Discounted: ``d^pi(s) = (1 - gamma) sum_t gamma^t P(s_t = s)``
    ``= (1 - gamma) solve((I - gamma P_pi)^T, p0)``.
    Finite horizon T: ``d^pi(s) = sum_t gamma^t P(s_t = s) / sum_t gamma^t``.

    The unnormalized ``rho^pi = d^pi / (1 - gamma)`` of TRPO (Schulman et al.
    2015, eq. 2) is this times ``sum_t gamma^t``.

    References
    ----------
    Kakade & Langford (2002), Sec. 2; Schulman et al. (2015), Sec. 2.
    """
    mdp, pi = check_mdp_policy(mdp, pi)
    return _visitation(mdp, pi)


def policy_gradient(mdp: TabularMDP, theta: ArrayLike) -> NDArray[np.float64]:
    """Exact ``dJ/dtheta`` for the tabular softmax policy ``pi = softmax(theta)``.

    ``dJ/dtheta[s, a] = sum_t gamma^t P(s_t = s) pi[s, a] A_t[s, a]``, which in
    the discounted case is ``d^pi(s) pi[s, a] A[s, a] / (1 - gamma)``: the
    policy-gradient theorem (Sutton et al. 2000, Thm 1) with
    ``d log pi[s, a] / d theta[s, b] = 1{a = b} - pi[s, b]``. Slides S1-S2.

    Parameters
    ----------
    mdp : TabularMDP
    theta : array_like, shape (S, A)

    Returns
    -------
    ndarray, shape (S, A)
    """
    mdp = check_mdp(mdp)
    pi = softmax_policy(theta)
    if pi.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"theta must have shape {(mdp.n_states, mdp.n_actions)}, got {pi.shape}")
    vf = _evaluate(mdp, pi)
    if mdp.horizon is None:
        rho = _visitation(mdp, pi) / (1.0 - mdp.gamma)
        return rho[:, None] * pi * vf.A
    p = _state_marginals(mdp, pi, mdp.horizon)
    weights = mdp.gamma ** np.arange(mdp.horizon)
    return pi * np.einsum("t,ts,tsa->sa", weights, p, vf.A)
