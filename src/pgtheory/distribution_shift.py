"""Distribution shift under a small policy change (slide S7): the numbers of its figure.

:func:`distribution_shift_numbers` is a pure ``params -> numbers`` function: from a few
parameters (``eps``, the horizon, which MDP, a seed) it builds the MDP and the two
policies and returns the exact L1 distance between their state marginals beside slide
S7's two bounds. :mod:`pgtheory.viz.distribution_shift` draws it; the chapter's
interactive figure is a grid of its values. This module imports numpy only.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from pgtheory._validation import check_positive_int, check_probability
from pgtheory.bounds import marginal_l1_distance, no_mistake_chain, s7_bound, s7_linear_bound
from pgtheory.mdp import random_mdp, tightrope_mdp, tightrope_policies
from pgtheory.policies import epsilon_close_policy

__all__ = [
    "DISTRIBUTION_SHIFT_DEFAULTS",
    "DISTRIBUTION_SHIFT_MDPS",
    "RANDOM_MDP_CONCENTRATION",
    "DistributionShiftNumbers",
    "distribution_shift_numbers",
]

#: MDP choices of :func:`distribution_shift_numbers`.
DISTRIBUTION_SHIFT_MDPS = ("tightrope", "random")

#: The Dirichlet concentration of the random MDPs of :func:`distribution_shift_numbers`.
#: A small value gives near-deterministic dynamics, on which one mistake changes the future
#: for long (with 1.0 the chains mix within a few steps and the exact distance stays far
#: below the bound).
RANDOM_MDP_CONCENTRATION = 0.1

#: Default parameters of :func:`distribution_shift_numbers` (and of the chapter's figure).
DISTRIBUTION_SHIFT_DEFAULTS: dict[str, Any] = {
    "eps": 0.1,
    "horizon": 30,
    "mdp": "random",
    "seed": 0,
    "n_states": 5,
    "n_actions": 3,
}


class DistributionShiftNumbers(NamedTuple):
    """What slide S7's figure plots; arrays of shape (horizon,).

    ``t = 0..horizon-1``; ``exact[t] = ||p'_t - p_t||_1`` (L1 = 2 TV);
    ``bound = 2(1-(1-eps)^t)``; ``linear_bound = 2 eps t``;
    ``no_mistake[t] = P(no mistake before t)`` under ``pi'``; ``eps`` the closeness
    level used for the bounds.
    """

    t: NDArray[np.int64]
    exact: NDArray[np.float64]
    bound: NDArray[np.float64]
    linear_bound: NDArray[np.float64]
    no_mistake: NDArray[np.float64]
    eps: float


def _check_params(
    eps: object, horizon: object, mdp: object, seed: object, n_states: object, n_actions: object
) -> tuple[float, int, str, int, int, int]:
    eps = check_probability(eps, "eps")
    horizon = check_positive_int(horizon, "horizon")
    if not isinstance(mdp, str) or mdp not in DISTRIBUTION_SHIFT_MDPS:
        raise ValueError(f"mdp must be one of {DISTRIBUTION_SHIFT_MDPS}, got {mdp!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {type(seed).__name__} {seed!r}")
    n_states = check_positive_int(n_states, "n_states")
    n_actions = check_positive_int(n_actions, "n_actions")
    if n_actions < 2:
        raise ValueError(
            f"n_actions must be >= 2 (with one action pi' cannot deviate), got {n_actions}"
        )
    return eps, horizon, mdp, int(seed), n_states, n_actions


def distribution_shift_numbers(
    eps: float = DISTRIBUTION_SHIFT_DEFAULTS["eps"],
    horizon: int = DISTRIBUTION_SHIFT_DEFAULTS["horizon"],
    mdp: str = DISTRIBUTION_SHIFT_DEFAULTS["mdp"],
    seed: int = DISTRIBUTION_SHIFT_DEFAULTS["seed"],
    n_states: int = DISTRIBUTION_SHIFT_DEFAULTS["n_states"],
    n_actions: int = DISTRIBUTION_SHIFT_DEFAULTS["n_actions"],
) -> DistributionShiftNumbers:
    """Exact ``||p'_t - p_t||_1`` and slide S7's two bounds, for the chapter's figure.

    ``mdp="tightrope"``: :func:`pgtheory.tightrope_mdp` with
    :func:`pgtheory.tightrope_policies` (``seed``, ``n_states``, ``n_actions`` are
    ignored); the exact distance equals the bound.

    ``mdp="random"``: ``rng = numpy.random.default_rng(seed)`` draws, in this order,
    ``random_mdp(n_states, n_actions, rng=rng, concentration=RANDOM_MDP_CONCENTRATION)``
    (0.1: near-deterministic dynamics), the deterministic ``pi``'s actions
    ``rng.integers(n_actions, size=n_states)``, and
    ``pi' = epsilon_close_policy(actions, n_actions, eps, rng=rng, state_dependent=False)``.
    Mistakes are thus state-independent: ``pi'`` errs with probability exactly ``eps``
    in every state, so the slider's ``eps`` *is* ``max_s pi'(a != pi(s) | s)`` and the
    slide's mixture is exact (the chapter's errata section treats the state-dependent
    case). The random draws do not depend on ``eps`` or ``horizon``: moving those
    sliders keeps the MDP, ``pi`` and the direction of ``pi'``'s mistakes fixed.

    Parameters
    ----------
    eps : float in [0, 1]
    horizon : int >= 1
        Number of time steps ``T``; ``t = 0..T-1``.
    mdp : {"tightrope", "random"}
    seed : int >= 0
    n_states : int >= 1
    n_actions : int >= 2

    Returns
    -------
    DistributionShiftNumbers

    Raises
    ------
    ValueError
        On any parameter outside the ranges above.

    References
    ----------
    Slide S7; Ross, Gordon & Bagnell (2011), Lemma 4.1.
    """
    eps, T, mdp, seed, S, A = _check_params(eps, horizon, mdp, seed, n_states, n_actions)
    if mdp == "tightrope":
        model = tightrope_mdp()
        pi, pi2 = tightrope_policies(eps)
        actions = np.zeros(model.n_states, dtype=np.int64)
    else:
        rng = np.random.default_rng(seed)
        model = random_mdp(S, A, rng=rng, concentration=RANDOM_MDP_CONCENTRATION)
        actions = rng.integers(A, size=S)
        pi2 = epsilon_close_policy(actions, A, eps, rng=rng, state_dependent=False)
        pi = np.zeros((S, A))
        pi[np.arange(S), actions] = 1.0
    t = np.arange(T)
    return DistributionShiftNumbers(
        t=t,
        exact=marginal_l1_distance(model, pi, pi2, horizon=T),
        bound=s7_bound(eps, t),
        linear_bound=s7_linear_bound(eps, t),
        no_mistake=no_mistake_chain(model, actions, pi2, horizon=T).mass,
        eps=eps,
    )
