"""Chapter 7's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def expected() -> dict[str, float]:
    # "tightrope-tv": TV(p'_15, p_15) on the tightrope with eps = 0.1. The chapter halves
    # pg.marginal_l1_distance; here the marginals are propagated by hand, p_{t+1} = p_t P_pi
    # with P_pi[s, s'] = sum_a pi[s, a] P[s, a, s'], from the same MDP and policies.
    eps, t = 0.1, 15
    mdp = pg.tightrope_mdp()
    pi, pi_eps = pg.tightrope_policies(eps)
    marginals = []
    for policy in (pi, pi_eps):
        P_pi = np.einsum("sa,sat->st", policy, mdp.P)
        p = mdp.p0.copy()
        for _ in range(t):
            p = p @ P_pi
        marginals.append(p)
    tv = 0.5 * float(np.abs(marginals[1] - marginals[0]).sum())
    # Closed form: p_t = (1, 0), p'_t = ((1-eps)^t, 1 - (1-eps)^t), so TV = 1 - (1-eps)^t.
    assert abs(tv - (1 - (1 - eps) ** t)) < 1e-12
    return {"tightrope-tv": tv}
