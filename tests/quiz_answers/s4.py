"""Chapter 4's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def expected() -> dict[str, float]:
    # The chapter's running example (book/s4_pdl_proof: distance 1, gamma 0.9, horizon 10).
    mdp, pi, _ = pg.examples.pdl_example(distance=1.0, gamma=0.9)
    gamma, horizon = mdp.gamma, 10
    # "subtracted-term": E_{tau ~ pi'}[V^pi(s_0)] = J(pi), since s_0 ~ p0 under any policy.
    # The chapter calls pg.expected_return (a linear solve); here the discounted series
    # sum_t gamma^t p0 P_pi^t r_pi is summed term by term until gamma^t < 1e-16.
    P_pi = np.einsum("sat,sa->st", mdp.P, pi)
    r_pi = np.einsum("sa,sa->s", mdp.r, pi)
    p_t, J_old, t = mdp.p0.copy(), 0.0, 0
    while gamma**t >= 1e-16:
        J_old += gamma**t * (p_t @ r_pi)
        p_t, t = p_t @ P_pi, t + 1
    # "occupancy-mass": sum_s sum_{t<T} gamma^t P(s_t = s) = sum_{t<T} gamma^t, the
    # geometric sum in closed form (the chapter sums pg.occupancy of the horizon-10 MDP).
    mass = (1.0 - gamma**horizon) / (1.0 - gamma)
    return {"subtracted-term": float(J_old), "occupancy-mass": float(mass)}
