"""Slides S3-S6's pictures: the performance difference lemma, checked exactly and by sampling,
importance sampling's effective sample size, and the surrogate's distribution mismatch.

:func:`plot_pdl_scatter` and :func:`plot_mc_convergence` draw given numbers on an ``ax``
and compute nothing. :func:`pdl_step_figure` is the pure ``params -> Figure`` function of
the chapter's interactive figure; it calls the tested library
(:mod:`pgtheory.pg_as_pi.performance_difference`, :mod:`pgtheory.pg_as_pi.importance_sampling`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter
from numpy.typing import ArrayLike

import pgtheory as pg
from pgtheory.examples import ess_numbers, finite_horizon_numbers, mismatch_example, pdl_example
from pgtheory.viz.interactive import InteractiveFigure, interactive_figure, slider
from pgtheory.viz.style import FIGURE_WIDTH, styled

__all__ = [
    "ESS_GRID",
    "HORIZON_GRID",
    "MISMATCH_GRID",
    "PDL_STEP_GRID",
    "ess_figure",
    "ess_widget",
    "horizon_figure",
    "horizon_widget",
    "mismatch_figure",
    "mismatch_widget",
    "pdl_check_panels",
    "pdl_step_figure",
    "pdl_step_widget",
    "plot_mc_convergence",
    "plot_pdl_scatter",
    "plot_state_terms",
]

#: The static page's grid of :func:`pdl_step_widget`.
PDL_STEP_GRID = {"distance": (0.3, 1.0, 3.0), "gamma": (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)}
#: Time steps shown by :func:`pdl_step_figure` (the discounted sums are truncated here).
PDL_STEP_HORIZON = 60
#: The static page's grid of :func:`mismatch_widget`.
MISMATCH_GRID = {"step": (0.5, 1.0, 2.0, 4.0), "seed": (0, 1, 2, 3)}
#: The static page's grid of :func:`ess_widget`.
ESS_GRID = {"distance": (0.3, 1.0, 3.0)}
#: The static page's grid of :func:`horizon_widget`.
HORIZON_GRID = {"gamma": (0.5, 0.9, 0.99)}


def plot_pdl_scatter(
    ax: Axes, lhs: ArrayLike, rhs: ArrayLike, *, label: str, marker: str = "o"
) -> Axes:
    """Right side against left side of the lemma, one point per (MDP, pair of policies)."""
    lhs, rhs = np.asarray(lhs, dtype=float), np.asarray(rhs, dtype=float)
    ax.scatter(lhs, rhs, s=14, alpha=0.7, marker=marker, label=label)
    lo, hi = float(min(lhs.min(), rhs.min())), float(max(lhs.max(), rhs.max()))
    ax.plot([lo, hi], [lo, hi], color="0.3", lw=1, ls="--", zorder=0)
    ax.set_xlabel(r"$J(\pi') - J(\pi)$")
    ax.set_ylabel(r"$E_{\tau \sim \pi'}[\sum_t \gamma^t A^{\pi}_t]$")
    ax.grid(alpha=0.3)
    return ax


def plot_mc_convergence(
    ax: Axes, n: ArrayLike, estimate: ArrayLike, stderr: ArrayLike, exact: float
) -> Axes:
    """Monte Carlo estimates with +-2 standard errors against the number of trajectories."""
    n = np.asarray(n, dtype=float)
    estimate, stderr = np.asarray(estimate, dtype=float), np.asarray(stderr, dtype=float)
    ax.errorbar(n, estimate, yerr=2 * stderr, fmt="o-", capsize=3, label="sampled ± 2 s.e.")
    ax.axhline(exact, color="0.3", ls="--", lw=1.2, label="exact")
    ax.set_xscale("log")
    ax.set_xlabel("trajectories $n$")
    ax.set_ylabel(r"estimate of $J(\pi') - J(\pi)$")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return ax


@styled
def pdl_check_panels(
    sweep: dict[str, tuple[ArrayLike, ArrayLike]],
    n: ArrayLike,
    estimate: ArrayLike,
    stderr: ArrayLike,
    exact: float,
) -> Figure:
    """Slide S3's main figure: the exact check (scatter, one marker per setting, ``sweep``
    maps a setting to its ``(lhs, rhs)`` lists) above the Monte Carlo convergence."""
    fig = Figure(figsize=(FIGURE_WIDTH, 6.8), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1)
    for (setting, (lhs, rhs)), marker in zip(sweep.items(), "os^v", strict=False):
        plot_pdl_scatter(ax1, lhs, rhs, label=setting, marker=marker)
    ax1.legend()
    ax1.set_title("Exact: both sides on random MDPs")
    plot_mc_convergence(ax2, n, estimate, stderr, exact)
    ax2.set_title("Sampled: trajectories of π'")
    return fig


@styled
def pdl_step_figure(distance: float, gamma: float) -> Figure:
    """Partial sums over ``t`` of the lemma's right side, against ``J(pi') - J(pi)``."""
    mdp, pi, pi_new = pdl_example(distance, gamma)
    lhs, _ = pg.performance_difference(mdp, pi, pi_new)
    terms = pg.per_step_terms(mdp, pi, pi_new, horizon=PDL_STEP_HORIZON)
    fig = Figure(figsize=(FIGURE_WIDTH, 3.4), layout="constrained")
    ax = fig.subplots()
    t = np.arange(PDL_STEP_HORIZON)
    ax.bar(t, terms.on_policy, color="C0", alpha=0.45, label=r"term $t$")
    ax.plot(t, np.cumsum(terms.on_policy), "C1-", lw=2, label="sum of terms up to $t$")
    ax.axhline(lhs, color="0.2", ls="--", lw=1.2, label=r"$J(\pi') - J(\pi)$")
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(r"$E_{s_t, a_t \sim \pi'}[\gamma^t A^{\pi}(s_t, a_t)]$")
    ax.set_title(f"distance {distance:g}, γ = {gamma:g}: J(π') − J(π) = {lhs:.3f}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right" if lhs < 0 else "upper right")
    return fig


def pdl_step_widget() -> InteractiveFigure:
    """Slide S3's interactive figure: how far ``theta'`` is from ``theta``, and gamma."""
    return interactive_figure(
        pdl_step_figure,
        [
            slider(
                "distance",
                PDL_STEP_GRID["distance"],
                default=3.0,
                label="distance s",
                fmt="{:g}",
                live=(0.0, 8.0, 0.1),
            ),
            slider(
                "gamma",
                PDL_STEP_GRID["gamma"],
                default=0.9,
                label="γ",
                fmt="{:g}",
                live=(0.0, 0.99, 0.01),
            ),
        ],
        alt=(
            "Per-time-step terms of the performance difference lemma's right side and their "
            "running sum, which reaches J(pi') - J(pi) (dashed line), for the chosen "
            "distance between the policies and discount"
        ),
    )


def plot_state_terms(
    ax: Axes, by_start: ArrayLike, by_visit: ArrayLike, *, title: str | None = None
) -> Axes:
    """The lemma's two sides split by state (:func:`pgtheory.performance_difference_by_state`):
    a pair of bars per state, then the pair of sums, which are equal."""
    by_start = np.asarray(by_start, dtype=float)
    by_visit = np.asarray(by_visit, dtype=float)
    k = np.arange(by_start.size + 1)
    start = np.append(by_start, by_start.sum())
    visit = np.append(by_visit, by_visit.sum())
    ax.bar(k - 0.2, start, 0.4, color="0.55", label=r"by start state: $p_0 (V' - V)$")
    ax.bar(k + 0.2, visit, 0.4, color="C0", label=r"by state visited: $\rho' \bar A^\pi$")
    ax.set_xticks(k, [str(s) for s in k[:-1]] + ["sum"])
    ax.axhline(0.0, color="0.2", lw=0.8)
    ax.axhline(visit[-1], color="0.2", ls="--", lw=1)
    ax.axvline(k[-1] - 0.5, color="0.6", lw=0.8)
    ax.set_xlabel("state $s$")
    ax.set_ylabel("term of the sum")
    ax.yaxis.set_major_locator(MaxNLocator(5))
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    return ax


@styled
def horizon_figure(gamma: float) -> Figure:
    """Slide S4 with a finite horizon: the time-indexed advantage telescopes, the stationary
    one leaves a boundary term."""
    T, lhs, time_indexed, stationary = finite_horizon_numbers(gamma)
    fig = Figure(figsize=(FIGURE_WIDTH, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(T, lhs, "k-", lw=3, alpha=0.35, label=r"$J(\pi') - J(\pi)$, horizon $T$")
    ax.plot(T, time_indexed, "C0o", ms=4, label=r"right side with $A^\pi_t$")
    ax.plot(T, stationary, "C3s-", ms=3, lw=1, label=r"right side with stationary $A^\pi$")
    ax.set_xlabel("horizon $T$")
    ax.set_ylabel("value")
    ax.set_title(f"γ = {gamma:g}")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def horizon_widget() -> InteractiveFigure:
    """Slide S4's interactive figure: the discount of a finite-horizon MDP."""
    return interactive_figure(
        horizon_figure,
        [
            slider(
                "gamma",
                HORIZON_GRID["gamma"],
                default=0.9,
                label="γ",
                fmt="{:g}",
                live=(0.05, 0.99, 0.01),
            ),
        ],
        alt=(
            "J(pi') - J(pi) for horizons 1 to 30 with the lemma's right side computed with the "
            "time-indexed advantage (on the curve) and with a stationary advantage (off it)"
        ),
    )


@styled
def ess_figure(distance: float) -> Figure:
    """Slide S5's interactive figure: effective sample size per time step, per-step
    ratios against whole-trajectory (prefix) products."""
    per_step, prefix = ess_numbers(distance)
    t = np.arange(per_step.size)
    fig = Figure(figsize=(FIGURE_WIDTH, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.plot(t, per_step, "C0o-", ms=4, label=r"per-step ratio $\pi'/\pi$ at $t$")
    ax.plot(t, prefix, "C3s-", ms=4, label=r"product of ratios up to $t$")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("time step $t$")
    ax.set_ylabel("effective sample size / n")
    ax.set_title(f"per-step vs whole-trajectory ratios, s = {distance:g}")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return fig


def ess_widget() -> InteractiveFigure:
    """Slide S5's interactive figure: the distance between the two policies."""
    return interactive_figure(
        ess_figure,
        [
            slider(
                "distance",
                ESS_GRID["distance"],
                default=3.0,
                label="distance s",
                fmt="{:g}",
                live=(0.0, 5.0, 0.1),
            ),
        ],
        alt=(
            "Effective sample size as a fraction of the number of trajectories at each time "
            "step, for per-step importance ratios and for products of ratios up to that step"
        ),
    )


@styled
def mismatch_figure(step: float, seed: int) -> Figure:
    """``J(theta + s d) - J(theta)`` against ``A_bar(theta + s d)`` for ``|s| <= step``
    (top), and their gap against the largest per-state TV between the policies (bottom)."""
    mdp, theta, d = mismatch_example(seed)
    steps = np.linspace(-step, step, 41)
    path = pg.surrogate_path(mdp, theta, d, steps)
    fig = Figure(figsize=(FIGURE_WIDTH, 6.4), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1)
    ax1.plot(steps, path.improvement, "k-", lw=2, label=r"$J(\theta') - J(\theta)$")
    ax1.plot(steps, path.surrogate, "C1--", lw=2, label=r"$\bar A(\theta')$")
    ax1.set_xlabel(r"step $s$ ($\theta' = \theta + s\,d$)")
    ax1.set_ylabel("value")
    ax1.set_title(f"direction seed {seed}")
    ax1.grid(alpha=0.3)
    ax1.legend(loc="best")
    keep = path.max_tv > 0
    ax2.plot(
        path.max_tv[keep],
        np.abs(path.improvement - path.surrogate)[keep],
        "C3o",
        ms=4,
    )
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.xaxis.set_minor_formatter(NullFormatter())
    ax2.set_xlabel(r"$\max_s \mathrm{TV}(\pi(\cdot|s), \pi'(\cdot|s))$")
    ax2.set_ylabel(r"$|J(\theta') - J(\theta) - \bar A(\theta')|$")
    ax2.set_title("the gap grows like TV squared")
    ax2.grid(alpha=0.3, which="both")
    return fig


def mismatch_widget() -> InteractiveFigure:
    """Slide S6's interactive figure: the step ``s`` and the direction's seed."""
    return interactive_figure(
        mismatch_figure,
        [
            slider(
                "step",
                MISMATCH_GRID["step"],
                default=2.0,
                label="largest step s",
                fmt="{:g}",
                live=(0.1, 8.0, 0.1),
            ),
            slider("seed", MISMATCH_GRID["seed"], default=1, label="direction seed", fmt="{:d}"),
        ],
        alt=(
            "Top: J(theta') - J(theta) and the surrogate A_bar(theta') along a line "
            "theta' = theta + s d; they touch at s = 0 and separate as |s| grows. Bottom: "
            "the gap between them against the largest total variation between the policies, "
            "on log-log axes"
        ),
    )
