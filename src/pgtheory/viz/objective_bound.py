"""Slide S9's pictures: the true improvement, the surrogate and its lower bounds against
``eps``, and the conservative update beside the greedy one.

:func:`plot_bounds`, :func:`plot_penalties` and :func:`plot_updates` draw given numbers on
an ``ax`` and compute nothing. :func:`objective_bound_figure` and :func:`updates_figure`
are pure ``params -> Figure`` functions that call the tested library
(:mod:`pgtheory.bounding.objective`); :func:`objective_bound_widget` is the chapter's
interactive figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter

import pgtheory as pg
from pgtheory.bounding.objective import BoundPath, UpdateRun
from pgtheory.examples import bound_example, update_runs
from pgtheory.viz.interactive import InteractiveFigure, interactive_figure, slider
from pgtheory.viz.style import FIGURE_WIDTH, styled

__all__ = [
    "BOUND_FORMS_SHOWN",
    "OBJECTIVE_BOUND_GRID",
    "UPDATE_LABELS",
    "bounds_figure",
    "objective_bound_figure",
    "objective_bound_widget",
    "plot_bounds",
    "plot_penalties",
    "plot_updates",
    "updates_figure",
]

#: The static page's grid of :func:`objective_bound_widget`.
OBJECTIVE_BOUND_GRID = {"largest_step": (0.01, 0.03, 1.0), "gamma": (0.5, 0.9, 0.95)}
#: The bounds drawn by :func:`plot_bounds` and :func:`plot_penalties`: form, legend, colour.
BOUND_FORMS_SHOWN = (
    ("constant", "slide's constant $C$", "C3"),
    ("max_abs", r"$C = \max|f|$", "C0"),
    ("quadratic", r"$C = 2\epsilon \max|A|$", "C2"),
)


def plot_bounds(ax: Axes, path: BoundPath) -> Axes:
    """``J(pi') - J(pi)``, the surrogate and the lower bounds of ``BOUND_FORMS_SHOWN``
    against ``eps`` (linear axes; the y-range is that of the gap and the surrogate)."""
    ax.plot(path.eps, path.gap, "k-", lw=2.2, label=r"$J(\pi') - J(\pi)$")
    ax.plot(path.eps, path.surrogate, color="C1", ls="--", lw=2, label="surrogate $L$")
    for form, label, color in BOUND_FORMS_SHOWN:
        if form in path.penalty:
            ax.plot(path.eps, path.surrogate - path.penalty[form], color=color, lw=1.6, label=label)
    top = max(path.gap.max(), path.surrogate.max())
    bottom = -0.6 * top
    ax.set_ylim(bottom, 1.15 * top)
    if "constant" in path.penalty and np.all(
        (path.surrogate - path.penalty["constant"])[1:] < bottom
    ):
        ax.text(
            0.98,
            0.04,
            "slide's constant $C$: below the panel for every $\\epsilon > 0$",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            color="C3",
        )
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_xlim(0.0, path.eps.max())
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.set_xlabel(r"$\epsilon = \max_s \mathrm{TV}(\pi'(\cdot|s), \pi(\cdot|s))$")
    ax.set_ylabel("improvement and lower bounds")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return ax


def plot_penalties(ax: Axes, path: BoundPath) -> Axes:
    """The surrogate's gain and the penalties of ``BOUND_FORMS_SHOWN`` against ``eps`` on
    log-log axes (entries with ``eps = 0`` or a non-positive value are left out)."""
    keep = path.eps > 0
    gain = keep & (path.surrogate > 0)
    ax.plot(path.eps[gain], path.surrogate[gain], color="C1", ls="--", lw=2, label="gain $L$")
    for form, label, color in BOUND_FORMS_SHOWN:
        if form in path.penalty:
            ok = keep & (path.penalty[form] > 0)
            ax.plot(path.eps[ok], path.penalty[form][ok], color=color, lw=1.6, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(r"$\epsilon$")
    ax.set_ylabel("gain and penalties")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return ax


@styled
def objective_bound_figure(largest_step: float = 0.03, gamma: float = 0.9) -> Figure:
    """The chapter's main figure on :func:`pgtheory.examples.bound_example`: top, the
    improvement, the surrogate and three lower bounds for steps ``a`` up to
    ``largest_step``; bottom, gain and penalties on log-log axes for steps from ``1e-4`` to 1."""
    mdp, pi, target = bound_example(gamma)
    near = pg.bound_path(mdp, pi, target, np.linspace(0.0, largest_step, 41))
    wide = pg.bound_path(mdp, pi, target, np.geomspace(1e-4, 1.0, 41))
    fig = Figure(figsize=(FIGURE_WIDTH, 7.0), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1)
    plot_bounds(ax1, near)
    ax1.set_title(rf"steps up to $a = {largest_step:g}$, $\gamma = {gamma:g}$")
    plot_penalties(ax2, wide)
    ax2.set_title(r"gain $O(\epsilon)$; penalties $O(\epsilon)$ or $O(\epsilon^2)$")
    return fig


@styled
def bounds_figure(largest_step: float = 0.03, gamma: float = 0.9) -> Figure:
    """The left panel of :func:`objective_bound_figure` alone (the interactive figure)."""
    mdp, pi, target = bound_example(gamma)
    path = pg.bound_path(mdp, pi, target, np.linspace(0.0, largest_step, 41))
    fig = Figure(figsize=(FIGURE_WIDTH, 3.8), layout="constrained")
    ax = fig.subplots()
    plot_bounds(ax, path)
    ax.set_title(rf"steps up to $a = {largest_step:g}$, $\gamma = {gamma:g}$")
    return fig


def plot_updates(ax: Axes, runs: Mapping[str, UpdateRun]) -> Axes:
    """Exact ``J`` per iteration, one line per labelled run."""
    styles = ("C3o-", "C2s-", "C0^-", "C4d-")
    for (label, run), style in zip(runs.items(), styles, strict=False):
        ax.plot(np.arange(len(run.J)), run.J, style, ms=4, lw=1.5, label=label)
    ax.set_xlabel("iteration $k$")
    ax.set_ylabel(r"$J(\pi_k)$ (exact)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return ax


#: Legend labels of :func:`updates_figure`, by key of :func:`pgtheory.examples.update_runs`.
UPDATE_LABELS = {
    "greedy": "greedy step ($a = 1$)",
    "quadratic": r"max. bound, $C = 2\epsilon\max|A|$",
    "range": "max. bound, range form",
}


@styled
def updates_figure(
    n_iterations: int = 20, *, runs: Mapping[str, UpdateRun] | None = None
) -> Figure:
    """Greedy steps against conservative ones on :func:`pgtheory.greedy_decrease_example`:
    ``J`` per iteration (top) and the step sizes chosen (bottom). ``runs`` (the result of
    :func:`pgtheory.examples.update_runs`) saves computing them again."""
    mdp, _ = pg.greedy_decrease_example()
    given = update_runs(n_iterations) if runs is None else runs
    runs = {UPDATE_LABELS[key]: run for key, run in given.items()}
    fig = Figure(figsize=(FIGURE_WIDTH, 6.4), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, height_ratios=(3, 2))
    plot_updates(ax1, runs)
    ax1.set_title(f"{mdp.n_states} states, {mdp.n_actions} actions, horizon {mdp.horizon}")
    for (label, run), style in zip(runs.items(), ("C3o", "C2s", "C0^"), strict=False):
        ax2.plot(np.arange(1, len(run.steps) + 1), run.steps, style, ms=4, label=label)
    ax2.set_xlabel("iteration $k$")
    ax2.set_ylabel("step size $a_k$")
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set_title("the steps chosen")
    ax2.grid(alpha=0.3)
    return fig


def objective_bound_widget() -> InteractiveFigure:
    """Slide S9's interactive figure (:func:`bounds_figure`): the largest step shown and the
    discount ``gamma``; ``OBJECTIVE_BOUND_GRID`` is the static page's grid."""
    g = OBJECTIVE_BOUND_GRID
    return interactive_figure(
        bounds_figure,
        [
            slider(
                "largest_step",
                g["largest_step"],
                default=0.03,
                label="largest step a",
                fmt="{:g}",
                live=(0.005, 1.0, 0.005),
            ),
            slider(
                "gamma", g["gamma"], default=0.95, label="γ", fmt="{:.2f}", live=(0.1, 0.99, 0.01)
            ),
        ],
        alt=(
            "The true improvement J(pi') - J(pi), the surrogate L and three lower bounds "
            "against eps for mixture steps toward the surrogate's maximizer"
        ),
    )
