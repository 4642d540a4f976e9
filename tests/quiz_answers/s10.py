"""Chapter 10's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def expected() -> dict[str, float]:
    return {"cpi-step": _cpi_first_step(gamma=0.9)}


def _cpi_first_step(gamma: float) -> float:
    """Conservative policy iteration's first alpha on the chapter's running example.

    The chapter reads it from pgtheory.conservative_policy_iteration (batched evaluation).
    Here the example is built by the library as in the chapter
    (pgtheory.examples.guarantee_example), and everything else is numpy written out:
    V^pi and the normalized discounted visitation d^pi by linear solves, the greedy
    policy's expected advantage, and Kakade & Langford's alpha = (1 - gamma) AA /
    (4 gamma eps), capped at 1.
    """
    mdp, pi, _ = pg.examples.guarantee_example(gamma)
    P, r, p0 = np.asarray(mdp.P), np.asarray(mdp.r), np.asarray(mdp.p0)
    pi = np.asarray(pi)
    n = r.shape[0]
    P_pi = np.einsum("sat,sa->st", P, pi)
    r_pi = np.einsum("sa,sa->s", r, pi)
    M = np.eye(n) - gamma * P_pi
    V = np.linalg.solve(M, r_pi)
    A = r + gamma * np.einsum("sat,t->sa", P, V) - V[:, None]
    d = (1.0 - gamma) * np.linalg.solve(M.T, p0)
    greedy_adv = A.max(axis=1)  # E_{a ~ greedy} A^pi(s, a)
    policy_advantage = float(d @ greedy_adv)
    eps = float(np.abs(greedy_adv).max())
    return min(1.0, (1.0 - gamma) * policy_advantage / (4.0 * gamma * eps))
