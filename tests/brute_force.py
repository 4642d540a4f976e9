"""Brute-force references for the library tests: every trajectory of a small MDP, enumerated.

Nothing here uses pgtheory's matrix code (no ``P_pi``, no linear solve, no backward induction):
a trajectory ``(s_0, a_0, ..., s_{T-1}, a_{T-1})`` has probability
``p0(s_0) prod_t pi(a_t | s_t) prod_{t < T-1} P(s_{t+1} | s_t, a_t)`` (the definition of the
trajectory distribution, slide S1), and every expectation is a sum over all trajectories with
positive probability. Zero-probability branches are pruned, so sparse and deterministic MDPs
stay cheap; keep ``(S * A) ** T`` small (a few thousand) for dense ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def trajectories(P, p0, pi, T: int) -> Iterator[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Yield ``(states, actions, probability)`` for every trajectory of length T with p > 0."""
    S, A = len(p0), len(pi[0])

    def extend(states, actions, prob):
        s = states[-1]
        for a in range(A):
            pa = prob * pi[s][a]
            if pa == 0.0:
                continue
            if len(states) == T:
                yield states, (*actions, a), pa
                continue
            for s2 in range(S):
                ps = pa * P[s][a][s2]
                if ps > 0.0:
                    yield from extend((*states, s2), (*actions, a), ps)

    for s0 in range(S):
        if p0[s0] > 0.0:
            yield from extend((s0,), (), float(p0[s0]))


def expected_return(P, r, p0, pi, T: int, gamma: float) -> float:
    """``E[sum_{t<T} gamma^t r(s_t, a_t)]`` by enumeration."""
    total = 0.0
    for states, actions, prob in trajectories(P, p0, pi, T):
        for t in range(T):
            total += prob * gamma**t * r[states[t]][actions[t]]
    return total


def state_marginals(P, p0, pi, T: int) -> np.ndarray:
    """``p[t, s] = P(s_t = s)`` by enumeration, shape (T, S)."""
    p = np.zeros((T, len(p0)))
    for states, _, prob in trajectories(P, p0, pi, T):
        for t, s in enumerate(states):
            p[t, s] += prob
    return p


def no_mistake(P, p0, pi2, actions, T: int) -> tuple[np.ndarray, np.ndarray]:
    """``(mass[t], q[t, s])``: P(a_0..a_{t-1} all equal ``actions[s_k]``) and that with s_t = s."""
    q = np.zeros((T, len(p0)))
    for states, acts, prob in trajectories(P, p0, pi2, T):
        for t, s in enumerate(states):
            if all(acts[k] == actions[states[k]] for k in range(t)):
                q[t, s] += prob
    return q.sum(axis=1), q


def time_indexed_values(P, r, pi, T: int, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """``(V[t, s], Q[t, s, a])`` of a horizon-T objective by enumeration from every state.

    ``V[t, s]`` is the expected return of the remaining ``T - t`` steps started in ``s``
    (a sum over all trajectories of that length), ``Q[t, s, a] = r[s, a] + gamma
    sum_s' P[s, a, s'] V[t+1, s']`` with ``V[T] = 0``.
    """
    S, A = len(P), len(P[0])
    V = np.zeros((T + 1, S))
    for t in range(T):
        for s in range(S):
            start = np.eye(S)[s]
            V[t, s] = expected_return(P, r, start, pi, T - t, gamma)
    Q = np.array(
        [
            [[r[s][a] + gamma * np.dot(P[s][a], V[t + 1]) for a in range(A)] for s in range(S)]
            for t in range(T)
        ]
    )
    return V[:T], Q


def trajectory_expectation(P, p0, pi, T: int, g) -> float:
    """``E[g(states, actions)]`` over every trajectory of length T."""
    return sum(prob * g(states, actions) for states, actions, prob in trajectories(P, p0, pi, T))
