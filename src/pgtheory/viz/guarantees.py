"""Pictures of the chapter "Beyond the slides": the bounds of CPI, TRPO and CPO against the
true improvement, and the algorithms they lead to, side by side.

:func:`plot_guarantees` and :func:`plot_algorithms` draw given numbers on axes and compute
nothing. :func:`guarantee_figure` is the pure ``params -> Figure`` function of the chapter's
interactive figure (:func:`guarantee_widget`); it calls the tested library
(:func:`pgtheory.guarantee_path`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import pgtheory as pg
from pgtheory.examples import guarantee_example
from pgtheory.viz.interactive import InteractiveFigure, dropdown, interactive_figure, slider
from pgtheory.viz.style import FIGURE_WIDTH, styled

__all__ = [
    "ALGORITHM_STYLES",
    "GUARANTEE_FAMILIES",
    "GUARANTEE_GRID",
    "GUARANTEE_LABELS",
    "TV_FLOOR",
    "algorithms_figure",
    "guarantee_figure",
    "guarantee_widget",
    "plot_algorithms",
    "plot_guarantees",
]

#: Legend label and line style of each bound (names of :data:`pgtheory.beyond.guarantees.BOUNDS`).
GUARANTEE_LABELS = {
    "cpi": ("CPI (Kakade & Langford, Thm 4.1)", "C0", "-"),
    "trpo_theorem1": ("TRPO Theorem 1", "C3", "-"),
    "trpo_eq44": ("TRPO eq. (44)", "C3", "--"),
    "trpo_kl": ("TRPO, KL form", "C3", ":"),
    "cpo": ("CPO Corollary 1", "C2", "-"),
}
#: The bound families of the interactive figure.
GUARANTEE_FAMILIES = {
    "all": tuple(GUARANTEE_LABELS),
    "TRPO": ("trpo_theorem1", "trpo_eq44", "trpo_kl"),
    "CPI and CPO": ("cpi", "cpo"),
}
#: The static page's grid of :func:`guarantee_widget`: five discounts, since the penalties'
#: growth in ``1/(1-gamma)`` is the point; two families and two steps keep the page under
#: its weight budget (the live widget takes any step; ``guarantee_figure`` any family).
GUARANTEE_GRID: dict[str, tuple[Any, ...]] = {
    "family": ("all", "TRPO"),
    "eps": (0.01, 0.1),
    "gamma": (0.5, 0.75, 0.9, 0.95, 0.99),
}
#: Steps that move the policy less than this are drawn at this height (log axis).
TV_FLOOR = 1e-5
#: Colour and line style of each algorithm in :func:`plot_algorithms`.
ALGORITHM_STYLES = {
    "CPI": ("C0", "-"),
    "NPG": ("C1", "-"),
    "TRPO": ("C3", "-"),
    "PPO-clip": ("C4", "-"),
    "max. bound": ("C2", "--"),
}


def plot_guarantees(
    ax: Axes, path: pg.GuaranteePath, bounds: tuple[str, ...] = tuple(GUARANTEE_LABELS)
) -> None:
    """The true improvement (black) and the given bounds along ``path.alphas``.

    The y axis is symmetric-logarithmic (linear within the smallest improvement shown), so
    that the small positive values near ``alpha = 0`` and the large negative bounds fit; its
    ticks are ``0`` and powers of ten at least three times the linear range, at most
    four a side, so that no two labels overlap. The legend goes at the bottom of the
    figure, below the axes (the figure leaves room for it).
    """
    a = path.alphas
    ax.plot(a, path.improvement, "k-", lw=2.5, label=r"true $J(\pi_\alpha) - J(\pi)$")
    ax.plot(
        a, path.surrogate, color="0.55", lw=1.5, label=r"surrogate $L_\pi(\pi_\alpha) - J(\pi)$"
    )
    for name in bounds:
        label, color, style = GUARANTEE_LABELS[name]
        ax.plot(a, path.bounds[name], color=color, ls=style, lw=1.8, label=label)
    ax.axhline(0.0, color="0.3", lw=0.8)
    positive = path.improvement[path.improvement > 0]
    linthresh = float(positive.min()) if positive.size else 1e-3
    linthresh = max(linthresh, 1e-6)
    ax.set_yscale("symlog", linthresh=linthresh)
    top = float(np.max(path.improvement))
    low, high = -100 * max(top, 1e-3), 3 * max(top, 1e-3)
    ax.set_ylim(low, high)
    ax.set_yticks(_symlog_ticks(linthresh, low, high))
    ax.set_xlim(a.min(), a.max())
    ax.set_xlabel(r"step $\alpha$ ($\pi_\alpha = (1-\alpha)\pi + \alpha\pi''$)")
    ax.set_ylabel("improvement and its lower bounds")
    ax.grid(alpha=0.3)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 0.01),
        bbox_transform=ax.figure.transFigure,
        ncols=2,
        handlelength=1.5,
        columnspacing=0.8,
        borderaxespad=0.0,
    )


def _symlog_ticks(linthresh: float, low: float, high: float, per_side: int = 4) -> list[float]:
    """0 and the powers of ten in ``[low, high]`` at least ``3 * linthresh`` from 0, every
    other decade (or sparser) when more than ``per_side`` fit on a side."""
    ticks = [0.0]
    for sign, limit in ((1.0, high), (-1.0, -low)):
        if limit < 3 * linthresh:
            continue
        first = int(np.ceil(np.log10(3 * linthresh) - 1e-9))
        last = int(np.floor(np.log10(limit) + 1e-9))
        powers = list(range(last, first - 1, -1))
        stride = -(-len(powers) // per_side)
        ticks += [sign * 10.0**k for k in powers[::stride]]
    return sorted(ticks)


@styled
def guarantee_figure(family: str = "all", eps: float = 0.1, gamma: float = 0.9) -> Figure:
    """Every bound of ``family`` against the true improvement for steps ``0 <= alpha <= eps``
    on :func:`pgtheory.examples.guarantee_example` with discount ``gamma``."""
    mdp, pi, pi_prime = guarantee_example(gamma)
    alphas = np.linspace(0.0, eps, 81)
    path = pg.guarantee_path(mdp, pi, pi_prime, alphas)
    fig = Figure(figsize=(FIGURE_WIDTH, 5.0))  # fixed margins: constrained layout is slower
    fig.subplots_adjust(left=0.17, right=0.97, bottom=0.31, top=0.94)
    ax = fig.subplots()
    plot_guarantees(ax, path, GUARANTEE_FAMILIES[family])
    ax.set_title(rf"$\gamma = {gamma:g}$, steps up to $\alpha = {eps:g}$")
    return fig


def guarantee_widget() -> InteractiveFigure:
    """The chapter's interactive figure: bound family, largest step ``eps`` and ``gamma``."""
    return interactive_figure(
        guarantee_figure,
        [
            dropdown("family", GUARANTEE_GRID["family"], default="all", label="bounds"),
            slider(
                "eps",
                GUARANTEE_GRID["eps"],
                default=0.1,
                label="largest step ε",
                fmt="{:g}",
                live=(0.005, 1.0, 0.005),
            ),
            slider(
                "gamma",
                GUARANTEE_GRID["gamma"],
                default=0.99,
                label="γ",
                fmt="{:g}",
                live=(0.1, 0.99, 0.01),
            ),
        ],
        alt=(
            "The true improvement J(pi_alpha) - J(pi) along CPI's mixture step and the lower "
            "bounds of CPI, TRPO (three forms) and CPO, for steps alpha from 0 to epsilon; "
            "every bound stays below the true improvement and turns negative at small alpha"
        ),
    )


def plot_algorithms(
    ax_J: Axes, ax_tv: Axes, runs: dict[str, pg.AlgorithmRun], J_opt: float | None = None
) -> None:
    """``J`` per iteration (top) and the largest TV of each step (bottom), one line per run."""
    for name, run in runs.items():
        color, style = ALGORITHM_STYLES.get(name, ("C7", "-"))
        ax_J.plot(np.arange(run.J.size), run.J, color=color, ls=style, lw=1.8, label=name)
        steps = np.arange(1, run.max_tv.size + 1)
        ax_tv.plot(steps, np.maximum(run.max_tv, TV_FLOOR), color=color, ls=style, lw=1.5)
    if J_opt is not None:
        ax_J.axhline(J_opt, color="0.3", lw=0.8, ls=":", label=r"optimal $J^*$")
    ax_J.set_xlabel("iteration")
    ax_J.set_ylabel(r"$J(\pi_k)$")
    ax_J.grid(alpha=0.3)
    ax_J.legend(loc="lower right")
    ax_tv.set_yscale("log")
    ax_tv.set_ylim(bottom=TV_FLOOR / 2)
    ax_tv.set_xlabel("step")
    ax_tv.set_ylabel(r"$\max_s \mathrm{TV}(\pi_k, \pi_{k+1})$")
    ax_tv.grid(alpha=0.3, which="both")


@styled
def algorithms_figure(runs: dict[str, pg.AlgorithmRun], J_opt: float | None = None) -> Figure:
    """:func:`plot_algorithms` on a new two-panel figure (stacked)."""
    fig = Figure(figsize=(FIGURE_WIDTH, 6.4), layout="constrained")
    ax_J, ax_tv = fig.subplots(2, 1)
    plot_algorithms(ax_J, ax_tv, runs, J_opt)
    return fig
