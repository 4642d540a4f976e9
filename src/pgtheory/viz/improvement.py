"""Slides S1-S2's pictures: learning curves of REINFORCE, gradient ascent, policy iteration.

:func:`plot_learning_curves` draws given numbers on an ``ax`` and computes nothing. The
``*_figure`` functions are the pure ``params -> Figure`` functions of the chapters'
interactive figures; they call the tested library (:mod:`pgtheory.pg_as_pi.improvement`) on the
chapters' gridworld, :func:`pgtheory.gridworld_mdp` with its defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

import pgtheory as pg
from pgtheory.viz.interactive import InteractiveFigure, interactive_figure, slider
from pgtheory.viz.style import FIGURE_WIDTH, styled

__all__ = [
    "REINFORCE_GRID",
    "STEP_SIZE_GRID",
    "learning_curves_figure",
    "plot_learning_curves",
    "reinforce_widget",
    "step_size_figure",
    "step_size_widget",
    "tabular_reinforce_figure",
]

#: The static page's grid of :func:`reinforce_widget`.
REINFORCE_GRID = {"batch_size": (2, 10, 50), "step_size": (1.0, 3.0, 10.0)}
#: The static page's grid of :func:`step_size_widget`.
STEP_SIZE_GRID = {"step_size": (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)}
#: Trajectories of the discounted gridworld are truncated here (gamma^50 < 0.006).
TRUNCATION = 50


def plot_learning_curves(
    ax: Axes,
    curves: Mapping[str, ArrayLike],
    *,
    optimum: float | None = None,
    optimum_label: str = "optimum (policy iteration)",
    xlabel: str = "iteration",
    ylabel: str | None = None,
    title: str | None = None,
) -> Axes:
    """One line per curve (label -> values per iteration), and the optimum as a dashed line.

    ``ylabel`` defaults to the objective, J of pi, in mathtext.
    """
    if ylabel is None:
        ylabel = r"$J(\pi)$"
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(values.size), values, label=label, lw=1.8)
    if optimum is not None:
        ax.axhline(optimum, color="0.3", ls="--", lw=1.2, label=optimum_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return ax


@styled
def learning_curves_figure(
    curves: Mapping[str, ArrayLike],
    *,
    size: tuple[float, float] = (FIGURE_WIDTH, 3.4),
    **kwargs: Any,
) -> Figure:
    """A bare Figure with :func:`plot_learning_curves` (keyword arguments passed on), in
    the book's figure style (:mod:`pgtheory.viz.style`)."""
    fig = Figure(figsize=size, layout="constrained")
    plot_learning_curves(fig.subplots(), curves, **kwargs)
    return fig


def tabular_reinforce_figure(
    batch_size: int, step_size: float, *, seed: int = 0, n_iterations: int = 60
) -> Figure:
    """REINFORCE (reward to go) vs exact gradient ascent vs policy iteration's optimum.

    On :func:`pgtheory.gridworld_mdp` from ``theta = 0``, both with ``step_size``;
    REINFORCE samples ``batch_size`` trajectories of length 50 per iteration.
    """
    mdp = pg.gridworld_mdp()
    theta0 = np.zeros((mdp.n_states, mdp.n_actions))
    sampled = pg.reinforce(
        mdp,
        theta0,
        rng=np.random.default_rng(seed),
        step_size=step_size,
        n_iterations=n_iterations,
        batch_size=batch_size,
        horizon=TRUNCATION,
    )
    exact = pg.gradient_ascent(mdp, theta0, step_size=step_size, n_iterations=n_iterations)
    J_star = float(mdp.p0 @ pg.policy_iteration(mdp)[1])
    return learning_curves_figure(
        {
            f"REINFORCE, N = {batch_size}": sampled.J,
            "exact gradient ascent": exact.J,
        },
        optimum=J_star,
        title=f"step size {step_size:g}",
    )


def reinforce_widget() -> InteractiveFigure:
    """Slide S1's interactive figure: batch size and step size -> the learning curves."""
    g = REINFORCE_GRID
    return interactive_figure(
        tabular_reinforce_figure,
        [
            slider(
                "batch_size", g["batch_size"], default=10, label="batch size N", live=(1, 200, 1)
            ),
            slider(
                "step_size",
                g["step_size"],
                default=1.0,
                label="step size α",
                fmt="{:g}",
                live=(0.1, 20.0, 0.1),
            ),
        ],
        alt=(
            "Exact J of each iterate of REINFORCE and of exact gradient ascent on the "
            "gridworld, against the optimum from policy iteration"
        ),
    )


def step_size_figure(step_size: float, *, n_iterations: int = 30) -> Figure:
    """J per iteration: exact soft improvement steps of ``step_size`` vs policy iteration."""
    mdp = pg.gridworld_mdp()
    theta0 = np.zeros((mdp.n_states, mdp.n_actions))
    soft = pg.gradient_ascent(mdp, theta0, step_size=step_size, n_iterations=n_iterations)
    path = pg.policy_iteration_path(mdp)
    return learning_curves_figure(
        {
            f"soft steps, α = {step_size:g}": soft.J,
            "policy iteration (greedy steps)": path.J,
        },
        optimum=float(path.J[-1]),
        optimum_label=r"optimum $J^*$",
        title=f"step size α = {step_size:g}",
    )


def step_size_widget() -> InteractiveFigure:
    """Slide S2's interactive figure: the step size -> J per iteration."""
    return interactive_figure(
        step_size_figure,
        [
            slider(
                "step_size",
                STEP_SIZE_GRID["step_size"],
                default=3.0,
                label="step size α",
                fmt="{:g}",
                live=(0.1, 200.0, 0.1),
            ),
        ],
        alt=(
            "Exact J per iteration of policy-gradient steps with exact advantages on the "
            "gridworld, beside policy iteration, for the chosen step size"
        ),
    )
