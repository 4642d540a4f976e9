"""The chapters' worked examples: the MDPs, policies and numbers their text and figures use.

Each chapter draws its example here, with numpy only, so that the numbers a chapter prints
are computed by tested, mutation-tested code and :mod:`pgtheory.viz` only draws them. The
examples share their draws where the chapters say they do: slide S6's and S9's examples
are slide S3's MDP and policy (:func:`pdl_example`, seed 0), drawn once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pgtheory.bounding.objective import (
    UpdateRun,
    conservative_update,
    greedy_decrease_example,
    greedy_update,
    surrogate_greedy_policy,
)
from pgtheory.bounding.state_distribution import max_tv_distance
from pgtheory.core.evaluation import evaluate
from pgtheory.core.mdp import TabularMDP, random_mdp, tightrope_mdp, tightrope_policies
from pgtheory.core.policies import deterministic_policy, mixture, softmax_policy
from pgtheory.core.sampling import sample_trajectories
from pgtheory.core.validation import check_probability
from pgtheory.pg_as_pi.importance_sampling import (
    action_ratios,
    effective_sample_size,
    per_step_terms,
    trajectory_ratios,
)
from pgtheory.pg_as_pi.performance_difference import performance_difference

__all__ = [
    "bound_example",
    "coupling_example",
    "ess_numbers",
    "finite_horizon_numbers",
    "guarantee_example",
    "mismatch_example",
    "pdl_example",
    "update_runs",
]

#: States and actions of slide S3's example MDP (:func:`pdl_example`), reused by S4-S6, S9.
PDL_STATES, PDL_ACTIONS = 6, 3


def _pdl_draws(seed: int, gamma: float) -> tuple[TabularMDP, NDArray, NDArray]:
    """Slide S3's draws, in order, from ``default_rng(seed)``: the random 6-state, 3-action
    MDP with discount ``gamma``, standard normal logits ``theta``, then a direction ``d``."""
    rng = np.random.default_rng(seed)
    mdp = random_mdp(PDL_STATES, PDL_ACTIONS, rng=rng, gamma=gamma)
    theta = rng.normal(size=(PDL_STATES, PDL_ACTIONS))
    d = rng.normal(size=(PDL_STATES, PDL_ACTIONS))
    return mdp, theta, d


def pdl_example(distance: float = 1.0, gamma: float = 0.9, *, seed: int = 0):
    """Slide S3's example: a random 6-state, 3-action discounted MDP, logits ``theta``
    and ``theta' = theta + distance * d`` for a fixed random direction ``d``.

    Returns ``(mdp, pi, pi_new)`` (the policies are ``softmax`` of the logits).
    """
    mdp, theta, d = _pdl_draws(seed, gamma)
    return mdp, softmax_policy(theta), softmax_policy(theta + distance * d)


def finite_horizon_numbers(
    gamma: float, *, max_horizon: int = 30, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Slide S4 with a finite horizon: ``(T, lhs, time_indexed, stationary)`` for horizons
    ``T = 1..max_horizon`` on :func:`pdl_example`'s dynamics: ``J(pi') - J(pi)`` with horizon
    ``T``, the lemma's right side with ``A^pi_t``, and the same sum with the discounted MDP's
    stationary ``A^pi``."""
    mdp, pi, pi_new = pdl_example(1.0, gamma, seed=seed)
    T = np.arange(1, max_horizon + 1)
    pairs = [performance_difference(mdp.with_horizon(int(h)), pi, pi_new) for h in T]
    stationary = np.cumsum(per_step_terms(mdp, pi, pi_new, horizon=max_horizon).on_policy)
    lhs = np.array([p.lhs for p in pairs])
    return T, lhs, np.array([p.rhs for p in pairs]), stationary


def ess_numbers(
    distance: float, *, n: int = 2000, horizon: int = 20, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Slide S5: Kish effective sample size over ``n`` trajectories of ``pi``
    (:func:`pdl_example`, with horizon ``horizon``), as a fraction of ``n``, at each time
    ``t``: of the per-time-step ratios ``pi'(a_t|s_t)/pi(a_t|s_t)`` (slide S5's rewrite) and
    of the whole-prefix products up to ``t`` (importance sampling of trajectories).

    Returns ``(per_step, prefix)``, each of shape (horizon,).
    """
    mdp, pi, pi_new = pdl_example(distance, 0.9)
    finite = mdp.with_horizon(horizon)
    tr = sample_trajectories(finite, pi, n, rng=np.random.default_rng(seed))
    per_step = effective_sample_size(action_ratios(finite, pi, pi_new, tr).T) / n
    prefix = effective_sample_size(trajectory_ratios(finite, pi, pi_new, tr).T) / n
    return per_step, prefix


def mismatch_example(seed: int = 0):
    """Slide S6's example: the MDP and logits ``theta`` of :func:`pdl_example` (seed 0, the
    example of slide S3's chapter, :doc:`/book/s3_performance_difference`) and a random
    direction ``d`` drawn with ``default_rng(100 + seed)``. Returns ``(mdp, theta, d)``."""
    mdp, theta, _ = _pdl_draws(0, 0.9)
    d = np.random.default_rng(100 + seed).normal(size=(PDL_STATES, PDL_ACTIONS))
    return mdp, theta, d


def coupling_example(
    eps: float = 0.1, mdp: str = "random", seed: int = 0
) -> tuple[TabularMDP, NDArray[np.float64], NDArray[np.float64]]:
    """Slide S8's MDP and policies ``(mdp, pi, pi_new)`` with ``max_s TV = eps``.

    ``mdp="tightrope"``: :func:`pgtheory.tightrope_mdp` and
    :func:`pgtheory.tightrope_policies` (``pi`` deterministic, the bound attained).
    ``mdp="random"``: a random MDP with 5 states, 3 actions and near-deterministic
    transitions (Dirichlet concentration 0.1, ``gamma = 0.9``), a **stochastic**
    ``pi = softmax(theta)`` with standard normal logits, and
    ``pi_new = (1 - alpha) pi + alpha pi_target``, where ``pi_target`` takes in each state
    the action that ``pi`` likes least and ``alpha`` is chosen so that
    ``max_s TV(pi_new(.|s), pi(.|s)) = eps`` exactly. ``seed`` fixes the MDP and ``pi``.

    Raises
    ------
    ValueError
        ``eps`` outside [0, 1] or above the largest reachable TV (at least 2/3 here),
        an unknown ``mdp``, or a ``seed`` that is not an integer >= 0.
    """
    eps = check_probability(eps, "eps")
    if mdp == "tightrope":
        pi, pi_new = tightrope_policies(eps)
        return tightrope_mdp(), pi, pi_new
    if mdp != "random":
        raise ValueError(f"mdp must be 'tightrope' or 'random', got {mdp!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    model = random_mdp(5, 3, rng=rng, concentration=0.1)
    pi = softmax_policy(rng.normal(size=(5, 3)))
    target = deterministic_policy(np.argmin(pi, axis=1), 3)
    reach = max_tv_distance(pi, target)
    if eps > reach:
        raise ValueError(f"eps must be <= {reach:.4f} for seed {seed}, got {eps!r}")
    return model, pi, mixture(pi, target, eps / reach)


def bound_example(gamma: float = 0.9) -> tuple[TabularMDP, np.ndarray, np.ndarray]:
    """Slide S9's example: the MDP and policy of slide S6's example (seed 0;
    :func:`mismatch_example`, :doc:`/book/s6_distribution_mismatch`) with discount
    ``gamma``, and the surrogate's maximizer. Returns ``(mdp, pi, target)``; the steps are
    the mixtures ``(1 - a) pi + a target``."""
    mdp, theta, _ = _pdl_draws(0, gamma)
    pi = softmax_policy(theta)
    return mdp, pi, surrogate_greedy_policy(mdp, pi)


def update_runs(n_iterations: int = 20) -> dict[str, UpdateRun]:
    """Slide S9's repeated updates on :func:`pgtheory.greedy_decrease_example`: ``"greedy"``
    steps, and steps maximizing the ``"quadratic"`` and the ``"range"`` bound
    (:func:`pgtheory.conservative_update`), ``n_iterations`` each."""
    mdp, pi = greedy_decrease_example()
    return {
        "greedy": greedy_update(mdp, pi, n_iterations),
        "quadratic": conservative_update(mdp, pi, n_iterations),
        "range": conservative_update(mdp, pi, n_iterations, form="range"),
    }


def guarantee_example(gamma: float = 0.9):
    """The example of the chapter beyond the slides: a random 6-state, 3-action MDP with
    sparse dynamics (seed 13), a random softmax policy ``pi`` and the greedy policy ``pi'``
    of its advantage (CPI's step direction). Returns ``(mdp, pi, pi_prime)``; ``gamma``
    changes only the discount."""
    rng = np.random.default_rng(13)
    mdp = random_mdp(6, 3, rng=rng, gamma=0.9, branching=2).with_horizon(None, gamma)
    pi = softmax_policy(rng.normal(size=(6, 3)))
    A = evaluate(mdp, pi).A
    pi_prime = np.eye(3)[A.argmax(axis=1)]
    return mdp, pi, pi_prime
