"""Chapter 9's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def expected() -> dict[str, float]:
    return {"penalty-gamma": _tightrope_quadratic_penalty(gamma=0.99, eps=0.1)}


def _tightrope_quadratic_penalty(gamma: float, eps: float) -> float:
    """The penalty sum_t gamma^t 2 (1 - (1 - eps)^t) C_t with C_t = 2 eps max|A^pi| on the
    chapter's tightrope pair (pi always stays, pi' leaves with probability eps).

    The chapter asks pgtheory.improvement_lower_bound (library evaluation and the closed form
    of the geometric series). Here: the MDP and policies come from the library, as in the
    chapter, but A^pi is a linear solve written out, eps the per-state TV summed by hand,
    and the series over t is summed term by term (truncated where gamma^t < 1e-300).
    """
    mdp = pg.tightrope_mdp(gamma=gamma)
    pi, pi_new = (np.asarray(p, dtype=float) for p in pg.tightrope_policies(eps))
    P, r = np.asarray(mdp.P), np.asarray(mdp.r)
    n = r.shape[0]
    P_pi = np.einsum("sat,sa->st", P, pi)
    r_pi = np.einsum("sa,sa->s", r, pi)
    V = np.linalg.solve(np.eye(n) - gamma * P_pi, r_pi)
    A = r + gamma * np.einsum("sat,t->sa", P, V) - V[:, None]
    tv = 0.5 * np.abs(pi_new - pi).sum(axis=1).max()
    t = np.arange(int(np.ceil(np.log(1e-300) / np.log(gamma))))
    weights = gamma**t * 2.0 * (1.0 - (1.0 - tv) ** t)
    return float(weights.sum() * 2.0 * tv * np.abs(A).max())
