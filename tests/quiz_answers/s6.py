"""Chapter 6's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _gap(mdp, pi: np.ndarray, pi_new: np.ndarray) -> float:
    """J(pi_new) - J(pi) - A_bar(pi_new), by linear algebra written out here (the chapter
    uses pg.surrogate_path): V = solve(I - gamma P_pi, r_pi), A = r + gamma P V - V,
    rho = solve((I - gamma P_pi)^T, p0), A_bar = sum_s rho(s) sum_a pi_new(a|s) A(s, a)."""
    P, r, p0, gamma = mdp.P, mdp.r, mdp.p0, mdp.gamma
    eye = np.eye(P.shape[0])

    def values(policy):
        P_pi = np.einsum("sat,sa->st", P, policy)
        r_pi = np.einsum("sa,sa->s", r, policy)
        return np.linalg.solve(eye - gamma * P_pi, r_pi), P_pi

    V, P_pi = values(pi)
    V_new, _ = values(pi_new)
    A = r + gamma * np.einsum("sat,t->sa", P, V) - V[:, None]
    rho = np.linalg.solve((eye - gamma * P_pi).T, p0)
    surrogate = rho @ np.einsum("sa,sa->s", pi_new, A)
    return float(p0 @ V_new - p0 @ V - surrogate)


def expected() -> dict[str, float]:
    # The chapter's objects: slide S3's MDP and logits, direction of seed 0.
    mdp, theta, d = pg.examples.mismatch_example(seed=0)
    pi = _softmax(theta)
    # "gap-growth": the gap at s = 0.1 over the gap at s = 0.01.
    growth = _gap(mdp, pi, _softmax(theta + 0.1 * d)) / _gap(mdp, pi, _softmax(theta + 0.01 * d))
    # "l1-distance": max over states of sum_a |pi'(a|s) - pi(a|s)| at s = 2.
    l1 = float(np.abs(_softmax(theta + 2.0 * d) - pi).sum(axis=1).max())
    return {"gap-growth": growth, "l1-distance": l1}
