"""Chapter 3's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def _values(P, r, p0, gamma, pi):
    """``V^pi`` by a linear solve written out here: ``(I - gamma P_pi) V = r_pi``."""
    P_pi = np.einsum("sat,sa->st", P, pi)
    r_pi = np.einsum("sa,sa->s", r, pi)
    return np.linalg.solve(np.eye(len(p0)) - gamma * P_pi, r_pi)


def expected() -> dict[str, float]:
    # The chapter's running example (book/s3_performance_difference: distance 1, gamma 0.9).
    mdp, pi, pi_new = pg.examples.pdl_example(distance=1.0, gamma=0.9)
    P, r, p0, gamma = mdp.P, mdp.r, mdp.p0, mdp.gamma
    # "mean-advantage": E_{s ~ d^{pi'}, a ~ pi'}[A^pi(s, a)]. The chapter averages pi's
    # advantage over pi''s normalized visitation (pg.discounted_visitation, pg.evaluate);
    # here it comes from the lemma's LEFT side instead, (1 - gamma) (J(pi') - J(pi)), with
    # both returns p0 . V from the solve above (no advantage, no visitation).
    gap = p0 @ _values(P, r, p0, gamma, pi_new) - p0 @ _values(P, r, p0, gamma, pi)
    return {"mean-advantage": float((1.0 - gamma) * gap)}
