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

from pgtheory.bounding.state_distribution import (
    marginal_l1_distance,
    max_mistake_probability,
    no_mistake_chain,
    s7_bound,
    s7_linear_bound,
)
from pgtheory.core.mdp import TabularMDP, random_mdp, tightrope_mdp, tightrope_policies
from pgtheory.core.policies import deterministic_policy, epsilon_close_policy
from pgtheory.core.validation import check_positive_int, check_probability

__all__ = [
    "DISTRIBUTION_SHIFT_DEFAULTS",
    "DISTRIBUTION_SHIFT_MDPS",
    "RANDOM_MDP_CONCENTRATION",
    "DistributionShiftExample",
    "DistributionShiftNumbers",
    "DistributionShiftSweep",
    "distribution_shift_example",
    "distribution_shift_numbers",
    "distribution_shift_sweep",
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
    eps: float = 0.1,
    horizon: int = 30,
    mdp: str = "random",
    seed: int = 0,
    n_states: int = 5,
    n_actions: int = 3,
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
    ex = _example(eps, mdp, seed, S, A)
    t = np.arange(T)
    return DistributionShiftNumbers(
        t=t,
        exact=marginal_l1_distance(ex.mdp, ex.pi, ex.pi_prime, horizon=T),
        bound=s7_bound(eps, t),
        linear_bound=s7_linear_bound(eps, t),
        no_mistake=no_mistake_chain(ex.mdp, ex.actions, ex.pi_prime, horizon=T).mass,
        eps=eps,
    )


class DistributionShiftExample(NamedTuple):
    """The MDP and the two policies behind :func:`distribution_shift_numbers`.

    ``actions[s]`` is the deterministic ``pi``'s action, ``pi`` its one-hot matrix
    ``pi[s, a]``, and ``pi_prime[s, a]`` the policy that errs with probability ``eps``.
    """

    mdp: TabularMDP
    actions: NDArray[np.int64]
    pi: NDArray[np.float64]
    pi_prime: NDArray[np.float64]


def distribution_shift_example(
    eps: float = 0.1,
    mdp: str = "random",
    seed: int = 0,
    n_states: int = 5,
    n_actions: int = 3,
) -> DistributionShiftExample:
    """The MDP, ``pi`` and ``pi'`` that :func:`distribution_shift_numbers` uses, for the
    chapter's running example (the defaults: a random MDP with 5 states, 3 actions and
    near-deterministic transitions, seed 0).

    The random draws are those documented in :func:`distribution_shift_numbers`, so
    ``distribution_shift_example(**p)`` and ``distribution_shift_numbers(**p)`` describe
    one and the same pair of policies.

    Raises
    ------
    ValueError
        On any parameter outside the ranges of :func:`distribution_shift_numbers`.
    """
    eps, _, mdp, seed, S, A = _check_params(eps, 1, mdp, seed, n_states, n_actions)
    return _example(eps, mdp, seed, S, A)


def _example(eps: float, mdp: str, seed: int, S: int, A: int) -> DistributionShiftExample:
    if mdp == "tightrope":
        model = tightrope_mdp()
        pi, pi2 = tightrope_policies(eps)
        actions = np.zeros(model.n_states, dtype=np.int64)
    else:
        rng = np.random.default_rng(seed)
        model = random_mdp(S, A, rng=rng, concentration=RANDOM_MDP_CONCENTRATION)
        actions = rng.integers(A, size=S)
        pi2 = epsilon_close_policy(actions, A, eps, rng=rng, state_dependent=False)
        pi = deterministic_policy(actions, A)
    return DistributionShiftExample(mdp=model, actions=actions, pi=pi, pi_prime=pi2)


class DistributionShiftSweep(NamedTuple):
    """Slide S7's bound checked on many random MDPs; arrays of shape (n_mdps,).

    ``concentration[k]`` and ``state_dependent[k]`` describe MDP ``k`` and its ``pi'``;
    ``eps[k] = max_s pi'(a != pi(s) | s)``, the smallest valid ``eps`` for the bound;
    ``max_exact[k] = max_t ||p'_t - p_t||_1``; ``worst_ratio[k]`` the largest
    ``||p'_t - p_t||_1 / 2(1 - (1 - eps)^t)`` over ``1 <= t < horizon`` (at most 1 when the
    bound holds); ``max_gap[k]`` the largest ``||p'_t - p_t||_1 - 2(1 - (1 - eps)^t)`` over
    ``1 <= t < horizon`` (at most 0 when the bound holds).
    """

    concentration: NDArray[np.float64]
    state_dependent: NDArray[np.bool_]
    eps: NDArray[np.float64]
    max_exact: NDArray[np.float64]
    worst_ratio: NDArray[np.float64]
    max_gap: NDArray[np.float64]


def distribution_shift_sweep(
    rng: np.random.Generator,
    *,
    n_mdps: int,
    n_states: int,
    n_actions: int,
    eps: float,
    horizon: int,
    concentrations: tuple[float, ...] = (1.0, 0.1),
) -> DistributionShiftSweep:
    """Check slide S7's bound exactly on ``n_mdps`` random MDPs and policy pairs.

    MDP ``k`` is ``random_mdp(n_states, n_actions, rng=rng, concentration=c)`` with
    ``c = concentrations[k % len(concentrations)]``; ``pi`` is deterministic with actions
    ``rng.integers(n_actions, size=n_states)``; ``pi'`` is
    ``epsilon_close_policy(actions, n_actions, eps, rng=rng, state_dependent=sd)``, with
    mistakes of probability exactly ``eps`` in every state (``sd`` False) for the first
    ``len(concentrations)`` MDPs of every ``2 len(concentrations)``, and state-dependent
    ones, ``eps u_s`` with ``u_s`` uniform on [0, 1], for the others. So every combination
    of concentration and kind of mistakes gets the same number of MDPs when ``n_mdps`` is a
    multiple of ``2 len(concentrations)``. The bound is evaluated at the smallest valid
    ``eps``, ``max_s pi'(a != pi(s) | s)``.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_mdps, n_states, n_actions, horizon : int
        ``n_mdps >= 1``, ``n_states >= 1``, ``n_actions >= 2``, ``horizon >= 2``.
    eps : float in (0, 1]
    concentrations : tuple of float
        Dirichlet concentrations of the transition rows, used in turn.

    Returns
    -------
    DistributionShiftSweep

    Raises
    ------
    ValueError
        On a parameter outside the ranges above.

    References
    ----------
    Slide S7; Ross, Gordon & Bagnell (2011), Lemma 4.1.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    n_mdps = check_positive_int(n_mdps, "n_mdps")
    S = check_positive_int(n_states, "n_states")
    A = check_positive_int(n_actions, "n_actions")
    if A < 2:
        raise ValueError(f"n_actions must be >= 2 (with one action pi' cannot deviate), got {A}")
    T = check_positive_int(horizon, "horizon")
    if T < 2:
        raise ValueError(f"horizon must be >= 2 (the bound is 0 at t = 0), got {T}")
    eps = check_probability(eps, "eps")
    if eps == 0:
        raise ValueError("eps must be > 0 (with eps = 0 the policies coincide), got 0.0")
    concentrations = tuple(float(c) for c in concentrations)
    if not concentrations or not all(np.isfinite(c) and c > 0 for c in concentrations):
        raise ValueError(
            f"concentrations must be a non-empty tuple of positive numbers, got {concentrations}"
        )
    m = len(concentrations)
    out = {name: np.empty(n_mdps) for name in ("conc", "eps", "max_exact", "ratio", "gap")}
    state_dependent = np.array([(k // m) % 2 == 1 for k in range(n_mdps)])
    t = np.arange(1, T)
    for k in range(n_mdps):
        c = concentrations[k % m]
        model = random_mdp(S, A, rng=rng, concentration=c)
        actions = rng.integers(A, size=S)
        pi2 = epsilon_close_policy(
            actions, A, eps, rng=rng, state_dependent=bool(state_dependent[k])
        )
        pi = deterministic_policy(actions, A)
        eps_k = max_mistake_probability(actions, pi2)
        exact = marginal_l1_distance(model, pi, pi2, horizon=T)
        bound = s7_bound(eps_k, t)
        out["conc"][k] = c
        out["eps"][k] = eps_k
        out["max_exact"][k] = exact.max()
        out["ratio"][k] = (exact[1:] / bound).max()
        out["gap"][k] = (exact[1:] - bound).max()
    return DistributionShiftSweep(
        concentration=out["conc"],
        state_dependent=state_dependent,
        eps=out["eps"],
        max_exact=out["max_exact"],
        worst_ratio=out["ratio"],
        max_gap=out["gap"],
    )
