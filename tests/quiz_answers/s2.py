"""Chapter 2's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def expected() -> dict[str, float]:
    # The chapter's MDP: pg.gridworld_mdp() with its defaults (discounted, gamma = 0.9).
    mdp = pg.gridworld_mdp()
    P, r, p0, gamma = mdp.P, mdp.r, mdp.p0, mdp.gamma
    S = r.shape[0]
    # "improvement-sum": the chapter sums rho^{pi*} pi* A^{pi_0} (visitation times advantage);
    # by the performance difference lemma that is J* - J(pi_0). Here J* comes from value
    # iteration on Bellman's optimality equation (no policy, no visitation), and J(pi_0) of
    # the uniform policy from one linear solve of its Bellman equation.
    V = np.zeros(S)
    for _ in range(2_000):  # contraction 0.9^2000: converged to machine precision
        V = np.max(r + gamma * np.einsum("sat,t->sa", P, V), axis=1)
    J_star = float(p0 @ V)
    P_uniform = P.mean(axis=1)  # P_pi[s, s'] for pi(a | s) = 1/A
    r_uniform = r.mean(axis=1)
    V_uniform = np.linalg.solve(np.eye(S) - gamma * P_uniform, r_uniform)
    J_uniform = float(p0 @ V_uniform)
    return {"improvement-sum": J_star - J_uniform}
