"""Slide S7's picture: the exact distance between state marginals against its bounds.

:func:`plot_distribution_shift` draws given numbers on an ``ax`` and computes nothing;
:func:`distribution_shift_figure` is the pure ``params -> Figure`` function of the
chapter's interactive figure, :func:`distribution_shift_widget`. The numbers come from
:func:`pgtheory.distribution_shift_numbers` and
:mod:`pgtheory.bounding.state_distribution`, so every plotted value is also a tested library
output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from pgtheory.bounding.distribution_shift import (
    DISTRIBUTION_SHIFT_DEFAULTS,
    DISTRIBUTION_SHIFT_MDPS,
    DistributionShiftNumbers,
    distribution_shift_numbers,
)
from pgtheory.core.validation import as_float_array, check_positive_int
from pgtheory.viz.interactive import InteractiveFigure, dropdown, interactive_figure, slider
from pgtheory.viz.style import FIGURE_WIDTH, figure_style

__all__ = [
    "DISTRIBUTION_SHIFT_GRID",
    "DISTRIBUTION_SHIFT_LABELS",
    "distribution_shift_figure",
    "distribution_shift_panels",
    "distribution_shift_widget",
    "plot_distribution_shift",
]

#: Labels of the lines drawn by :func:`plot_distribution_shift` (tests check them).
DISTRIBUTION_SHIFT_LABELS = (
    r"exact $\|p^{\prime}_{t} - p_t\|_1$",
    r"bound $2(1 - (1 - \epsilon)^t)$",
    r"linear bound $2\epsilon t$",
    "trivial bound 2",
)

#: :func:`distribution_shift_widget` opens at this ``eps`` (the other controls at
#: ``DISTRIBUTION_SHIFT_DEFAULTS``): twice the running example's, so that its first frame
#: adds to the chapter's static figure instead of repeating it.
DISTRIBUTION_SHIFT_WIDGET_EPS = 0.2
#: The static page's grid of :func:`distribution_shift_widget`: control -> values.
DISTRIBUTION_SHIFT_GRID: dict[str, tuple[Any, ...]] = {
    "eps": tuple(round(0.05 * k, 2) for k in range(9)),
    "horizon": (10, 30, 100),
    "mdp": DISTRIBUTION_SHIFT_MDPS,
    "seed": (0, 1),
}


def plot_distribution_shift(
    ax: Axes,
    t: ArrayLike,
    exact: ArrayLike,
    bound: ArrayLike,
    linear_bound: ArrayLike,
    *,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """Draw slide S7's picture: the exact L1 marginal distance against its two bounds.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    t : array_like, shape (T,)
        Time indices.
    exact : array_like, shape (T,)
        ``||p'_t - p_t||_1`` (L1, = 2 TV), e.g. :func:`pgtheory.marginal_l1_distance`.
    bound : array_like, shape (T,)
        ``2 (1 - (1 - eps)^t)``, e.g. :func:`pgtheory.s7_bound`.
    linear_bound : array_like, shape (T,)
        ``2 eps t``, e.g. :func:`pgtheory.s7_linear_bound`.
    title : str, optional
        Axes title.
    legend : bool
        Draw the legend on this axes (above it, in two columns). Figures with several
        axes draw one shared legend instead (``fig.legend(*ax.get_legend_handles_labels())``).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with four lines (exact, bound, linear bound, the trivial L1 bound 2,
        labelled as in ``DISTRIBUTION_SHIFT_LABELS``). The y axis is limited to
        ``[0, 2.2]``: above 2 the linear bound says nothing.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of one common length or contain non-finite values.

    References
    ----------
    Slide S7; Ross, Gordon & Bagnell (2011), Lemma 4.1.
    """
    t = as_float_array(t, "t", ndim=1)
    if t.size == 0:
        raise ValueError("t must hold at least one time index, got shape (0,)")
    arrays = {
        "exact": as_float_array(exact, "exact", ndim=1),
        "bound": as_float_array(bound, "bound", ndim=1),
        "linear_bound": as_float_array(linear_bound, "linear_bound", ndim=1),
    }
    for name, arr in arrays.items():
        if arr.shape != t.shape:
            raise ValueError(f"{name} must have the shape of t, {t.shape}, got {arr.shape}")
    lab_exact, lab_bound, lab_linear, lab_trivial = DISTRIBUTION_SHIFT_LABELS
    marker = "o-" if t.size <= 40 else "-"
    ax.plot(t, arrays["exact"], marker, color="C0", markersize=3.5, linewidth=2, label=lab_exact)
    ax.plot(t, arrays["bound"], "-", color="C1", linewidth=2.5, label=lab_bound)
    ax.plot(t, arrays["linear_bound"], "--", color="C2", linewidth=2, label=lab_linear)
    ax.plot(t[[0, -1]], [2.0, 2.0], ":", color="0.35", linewidth=1.5, label=lab_trivial)
    ax.set_ylim(0.0, 2.2)
    ax.set_xlim(t[0], max(t[-1], t[0] + 1))
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(r"$\|p^{\prime}_{t} - p_t\|_1$  (= 2 TV)")
    ax.grid(True, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    if title is not None:
        ax.set_title(title)
    if legend:
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0.0, 1.02, 1.0, 0.2),
            ncols=2,
            mode="expand",
            frameon=False,
            borderaxespad=0.0,
        )
    return ax


def distribution_shift_figure(
    eps: float = 0.1,
    horizon: int = 30,
    mdp: str = "random",
    seed: int = 0,
    n_states: int = 5,
    n_actions: int = 3,
) -> Figure:
    """The interactive figure's frame: :func:`pgtheory.distribution_shift_numbers` drawn
    by :func:`plot_distribution_shift`.

    Parameters are those of :func:`pgtheory.distribution_shift_numbers`. The figure is a
    bare :class:`matplotlib.figure.Figure` (not registered with ``pyplot``), so creating
    many of them leaks nothing. It is ``FIGURE_WIDTH`` inches wide, in the book's figure
    style (:mod:`pgtheory.viz.style`).

    Returns
    -------
    matplotlib.figure.Figure
        One axes with the four lines of :func:`plot_distribution_shift`, the legend above
        it and the MDP and ``eps`` in the text at the top left.
    """
    nums = distribution_shift_numbers(eps, horizon, mdp, seed, n_states, n_actions)
    with figure_style():
        fig = Figure(figsize=(FIGURE_WIDTH, 3.5))
        # Fixed margins instead of a layout engine: the same layout for every frame.
        fig.subplots_adjust(left=0.15, right=0.97, bottom=0.13, top=0.8)
        ax = fig.add_subplot()
        plot_distribution_shift(ax, nums.t, nums.exact, nums.bound, nums.linear_bound)
        where = "tightrope MDP" if mdp == "tightrope" else f"random MDP, seed {seed}"
        ax.text(
            0.98,
            0.05,
            f"{where}, ε = {nums.eps:.2f}",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "0.8"},
        )
    return fig


def distribution_shift_panels(
    panels: Sequence[tuple[DistributionShiftNumbers, str]],
) -> Figure:
    """Several :func:`plot_distribution_shift` panels, stacked, with one shared legend.

    Parameters
    ----------
    panels : sequence of (DistributionShiftNumbers, str)
        The numbers of each panel (from :func:`pgtheory.distribution_shift_numbers`) and
        its title, top to bottom.

    Returns
    -------
    matplotlib.figure.Figure
        A bare figure, ``FIGURE_WIDTH`` inches wide (the book's figure style), the legend
        above the first panel.

    Raises
    ------
    ValueError
        No panels, or a panel that is not a (numbers, title) pair.
    """
    panels = list(panels)
    if not panels:
        raise ValueError("panels must hold at least one (numbers, title) pair, got none")
    for k, panel in enumerate(panels):
        if (
            not isinstance(panel, tuple)
            or len(panel) != 2
            or not isinstance(panel[0], DistributionShiftNumbers)
            or not isinstance(panel[1], str)
        ):
            raise ValueError(
                f"panels[{k}] must be a (DistributionShiftNumbers, str) pair, got {panel!r}"
            )
    with figure_style():
        fig = Figure(figsize=(FIGURE_WIDTH, 0.9 + 2.9 * len(panels)), layout="constrained")
        axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, (nums, title) in zip(axes, panels, strict=True):
            plot_distribution_shift(
                ax, nums.t, nums.exact, nums.bound, nums.linear_bound, legend=False
            )
            ax.set_title(title, loc="left")
        for ax in axes[:-1]:
            ax.set_xlabel("")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=2)
    return fig


def _ignored_controls(params: dict[str, Any]) -> tuple[str, ...]:
    """The tightrope has no random draws: its figure does not depend on the seed."""
    return ("seed",) if params["mdp"] == "tightrope" else ()


def distribution_shift_widget(
    n_states: int = 5,
    n_actions: int = 3,
) -> InteractiveFigure:
    """Slide S7's interactive figure: ``eps``, the horizon, the MDP and the seed.

    Controls (``DISTRIBUTION_SHIFT_GRID`` is the static page's grid; the live widget
    goes beyond it): ``eps`` 0 to 0.4 in steps of 0.05 (live: 0 to 1 in steps of 0.01),
    horizon 10, 30 or 100 (live: 1 to 100), MDP tightrope or random, seed 0 or 1 (live:
    0 to 20). Defaults as in ``DISTRIBUTION_SHIFT_DEFAULTS``, except ``eps``
    (``DISTRIBUTION_SHIFT_WIDGET_EPS``).

    Parameters
    ----------
    n_states, n_actions : int
        Size of the random MDP (fixed for the figure's lifetime).

    Returns
    -------
    pgtheory.viz.InteractiveFigure
        Display it (last expression of a cell): live in a kernel, precomputed frames in
        the HTML book.
    """
    check_positive_int(n_states, "n_states")
    if check_positive_int(n_actions, "n_actions") < 2:
        raise ValueError(f"n_actions must be >= 2, got {n_actions}")
    d, g = DISTRIBUTION_SHIFT_DEFAULTS, DISTRIBUTION_SHIFT_GRID
    controls = [
        slider(
            "eps",
            g["eps"],
            default=DISTRIBUTION_SHIFT_WIDGET_EPS,
            label="ε",
            fmt="{:.2f}",
            live=(0.0, 1.0, 0.01),
        ),
        slider("horizon", g["horizon"], default=d["horizon"], label="horizon", live=(1, 100, 1)),
        dropdown("mdp", g["mdp"], default=d["mdp"], label="MDP"),
        slider("seed", g["seed"], default=d["seed"], label="seed", live=(0, 20, 1)),
    ]
    return interactive_figure(
        distribution_shift_figure,
        controls,
        fixed={"n_states": n_states, "n_actions": n_actions},
        ignores=_ignored_controls,
        alt=(
            "Exact L1 distance between the state marginals of pi and pi' over time, "
            "against the bound 2(1-(1-eps)^t) and the linear bound 2 eps t"
        ),
    )
