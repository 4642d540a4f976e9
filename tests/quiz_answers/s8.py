"""Chapter 8's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def expected() -> dict[str, float]:
    eps = 0.1
    # "tv-state": TV(pi'(.|0), pi(.|0)) on the running example. The chapter takes
    # pg.examples.coupling_example and pg.total_variation; here the policies are rebuilt
    # from the documented draws (rng = default_rng(0): the MDP, which only the library's
    # pg.random_mdp can draw with the same stream, then standard normal logits; pi' mixes pi
    # towards its least likely action so that the largest TV is eps), and the TV is
    # 1 - sum_a min(pi, pi'), the diagonal mass of the maximal coupling.
    rng = np.random.default_rng(0)
    pg.random_mdp(5, 3, rng=rng, concentration=0.1)
    logits = rng.normal(size=(5, 3))
    pi = np.exp(logits - logits.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    target = np.eye(3)[np.argmin(pi, axis=1)]
    reach = float((1 - np.minimum(pi, target).sum(axis=1)).max())
    alpha = eps / reach
    pi_new = (1 - alpha) * pi + alpha * target
    tv_state = 1 - float(np.minimum(pi[0], pi_new[0]).sum())

    # "visitation-tightrope": ||d' - d||_1 for the normalized discounted visitations on the
    # tightrope, d = (1 - gamma) p0^T (I - gamma P_pi)^{-1}, solved with numpy (the chapter
    # uses pg.discounted_visitation).
    mdp = pg.tightrope_mdp()
    gamma = mdp.gamma
    visitations = []
    for policy in pg.tightrope_policies(eps):
        P_pi = np.einsum("sa,sat->st", policy, mdp.P)
        d = (1 - gamma) * np.linalg.solve((np.eye(2) - gamma * P_pi).T, mdp.p0)
        visitations.append(d)
    d_l1 = float(np.abs(visitations[1] - visitations[0]).sum())
    # Closed form (the corollary is attained on the tightrope): 2 gamma eps / (1 - gamma (1 - eps)).
    assert abs(d_l1 - 2 * gamma * eps / (1 - gamma * (1 - eps))) < 1e-12
    return {"tv-state": tv_state, "visitation-tightrope": d_l1}
