"""Chapter 1's numeric quiz answers, computed independently of the chapter's code."""

import numpy as np

import pgtheory as pg


def expected() -> dict[str, float]:
    # The chapter's MDP and truncation: pg.gridworld_mdp() with its defaults, T = 50.
    mdp = pg.gridworld_mdp()
    T = 50
    # "truncation": the largest possible J - J_T, the discounted tail sum_{t >= T} gamma^t
    # r_max, here summed term by term (the chapter uses the closed form gamma^T/(1-gamma));
    # gamma^t < 1e-300 long before t = 10_000, so the rest of the series is nothing.
    t = np.arange(T, 10_000)
    r_max = float(np.max(mdp.r))  # the rewards lie in [0, r_max]
    return {"truncation": float(np.sum(mdp.gamma**t)) * r_max}
