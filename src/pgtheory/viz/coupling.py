"""Slide S8's pictures: coupled trajectories, their first disagreement, and the bound.

:func:`pgtheory.examples.coupling_example` builds the two policies of the chapter (any
``pi``, and a ``pi_new`` at total variation exactly ``eps`` from it in the worst state);
:func:`plot_coupling_bounds` and :func:`plot_no_disagreement` draw given numbers on an
``ax`` and compute nothing; :func:`coupling_figure` is the pure ``params -> Figure``
function of the chapter's interactive figure, :func:`coupling_widget`. Every plotted value
comes from :mod:`pgtheory.bounding.coupling` and :mod:`pgtheory.bounding.state_distribution`.
"""

from __future__ import annotations

from typing import Any

import matplotlib.axes
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

import pgtheory as pg
from pgtheory.core.validation import as_float_array
from pgtheory.examples import coupling_example
from pgtheory.viz.interactive import InteractiveFigure, dropdown, interactive_figure, slider
from pgtheory.viz.style import FIGURE_WIDTH, figure_style

__all__ = [
    "COUPLING_BOUND_LABELS",
    "COUPLING_GRID",
    "NO_DISAGREEMENT_LABELS",
    "coupling_figure",
    "coupling_widget",
    "plot_coupling_bounds",
    "plot_no_disagreement",
]

#: Labels of the lines drawn by :func:`plot_coupling_bounds` (tests check them).
COUPLING_BOUND_LABELS = (
    r"exact $\|p^{\prime}_{t} - p_t\|_1$",
    r"coupling: $2\,(1 - P(\mathrm{no\ split\ before}\ t))$",
    r"bound $2(1 - (1 - \epsilon)^t)$",
    "trivial bound 2",
)
#: Labels of the lines drawn by :func:`plot_no_disagreement` (the third only with samples).
NO_DISAGREEMENT_LABELS = (
    r"exact $P(\mathrm{no\ split\ before}\ t)$",
    r"lower bound $(1 - \epsilon)^t$",
    "sampled (± 2 s.e.)",
)

#: The static page's grid of :func:`coupling_widget`: control -> values.
COUPLING_GRID: dict[str, tuple[Any, ...]] = {
    "eps": tuple(round(0.05 * k, 2) for k in range(1, 9)),
    "mdp": ("tightrope", "random"),
}


def _check_same_shape(t: ArrayLike, arrays: dict[str, ArrayLike]) -> tuple[NDArray, dict]:
    t = as_float_array(t, "t", ndim=1)
    if t.size == 0:
        raise ValueError("t must hold at least one time index, got shape (0,)")
    out = {}
    for name, arr in arrays.items():
        a = as_float_array(arr, name, ndim=1)
        if a.shape != t.shape:
            raise ValueError(f"{name} must have the shape of t, {t.shape}, got {a.shape}")
        out[name] = a
    return t, out


def _finish(ax: Axes, ylabel: str, title: str | None) -> None:
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(ylabel)
    ax.grid(True, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    if title is not None:
        ax.set_title(title, loc="left")


def plot_coupling_bounds(
    ax: Axes,
    t: ArrayLike,
    exact: ArrayLike,
    coupling_bound: ArrayLike,
    bound: ArrayLike,
    *,
    title: str | None = None,
) -> Axes:
    """Draw the exact L1 distance ``||p'_t - p_t||_1`` against the coupling's two bounds.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    t : array_like, shape (T,)
    exact : array_like, shape (T,)
        :func:`pgtheory.marginal_l1_distance` (L1, = 2 TV).
    coupling_bound : array_like, shape (T,)
        ``2 (1 - mass_t)`` with ``mass`` from :func:`pgtheory.no_disagreement_chain`.
    bound : array_like, shape (T,)
        :func:`pgtheory.state_distribution_bound`.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax`` with four lines labelled as in ``COUPLING_BOUND_LABELS`` and a legend;
        y limited to [0, 2.2].

    Raises
    ------
    ValueError
        Arrays that are not 1-D of the length of ``t``, or not finite.
    """
    t, a = _check_same_shape(t, {"exact": exact, "coupling_bound": coupling_bound, "bound": bound})
    lab_exact, lab_coupling, lab_bound, lab_trivial = COUPLING_BOUND_LABELS
    ax.plot(t, a["exact"], "o-", color="C0", markersize=3, linewidth=2, label=lab_exact, zorder=3)
    ax.plot(t, a["coupling_bound"], "-.", color="C4", linewidth=2, label=lab_coupling)
    ax.plot(t, a["bound"], "-", color="C1", linewidth=2.5, label=lab_bound)
    ax.plot(t[[0, -1]], [2.0, 2.0], ":", color="0.35", linewidth=1.5, label=lab_trivial)
    ax.set_ylim(0.0, 2.2)
    ax.set_xlim(t[0], max(t[-1], t[0] + 1))
    _finish(ax, r"$\|p^{\prime}_{t} - p_t\|_1$  (= 2 TV)", title)
    ax.legend(loc="center right", bbox_to_anchor=(1.0, 0.42), frameon=True, framealpha=0.9)
    return ax


def plot_no_disagreement(
    # The full path: autodoc shows this signature's annotations as strings ("ArrayLike | None"
    # does not evaluate with the book's type aliases), and matplotlib.* is nitpick-ignored.
    ax: matplotlib.axes.Axes,
    t: ArrayLike,
    mass: ArrayLike,
    lower: ArrayLike,
    *,
    sampled: ArrayLike | None = None,
    n_samples: int | None = None,
    title: str | None = None,
) -> matplotlib.axes.Axes:
    """Draw ``P(no disagreement before t)``: exact, its lower bound, and optionally sampled.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    t : array_like, shape (T,)
    mass : array_like, shape (T,)
        Exact, :func:`pgtheory.no_disagreement_chain` ``.mass``.
    lower : array_like, shape (T,)
        ``(1 - eps)^t``.
    sampled : array_like, shape (T,), optional
        Fraction of coupled pairs with ``split >= t``
        (:func:`pgtheory.coupled_trajectories`); drawn with a band of two binomial
        standard errors ``sqrt(mass (1 - mass) / n_samples)`` around the exact value.
    n_samples : int, optional
        Number of pairs behind ``sampled`` (required with it).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        ``ax`` with the lines of ``NO_DISAGREEMENT_LABELS`` (two, or three with samples);
        y limited to [0, 1.05].

    Raises
    ------
    ValueError
        Arrays of the wrong shape or not finite; ``sampled`` without ``n_samples >= 1``.
    """
    arrays = {"mass": mass, "lower": lower}
    if sampled is not None:
        arrays["sampled"] = sampled
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples must be an integer >= 1 with sampled, got {n_samples!r}")
    t, a = _check_same_shape(t, arrays)
    lab_exact, lab_lower, lab_sampled = NO_DISAGREEMENT_LABELS
    ax.plot(t, a["mass"], "-", color="C0", linewidth=2, label=lab_exact)
    ax.plot(t, a["lower"], "--", color="C1", linewidth=2, label=lab_lower)
    if sampled is not None:
        m = np.clip(a["mass"], 0.0, 1.0)
        se = np.sqrt(m * (1.0 - m) / n_samples)
        ax.fill_between(t, m - 2 * se, m + 2 * se, color="C0", alpha=0.2, linewidth=0)
        ax.plot(t, a["sampled"], "o", color="C3", markersize=3.5, label=lab_sampled)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlim(t[0], max(t[-1], t[0] + 1))
    _finish(ax, "probability", title)
    ax.legend(loc="upper right", frameon=True, framealpha=0.9)
    return ax


def coupling_figure(
    eps: float = 0.1,
    mdp: str = "random",
    seed: int = 0,
    horizon: int = 30,
    n_samples: int = 0,
) -> Figure:
    """Slide S8 in one figure: the distance and its bounds (top), the split time (bottom).

    The MDP and policies are :func:`pgtheory.examples.coupling_example` ``(eps, mdp, seed)``.
    Top: the exact ``||p'_t - p_t||_1``, the coupling's ``2 (1 - P(no split before t))``
    and the bound ``2 (1 - (1 - eps)^t)``. Bottom: ``P(no split before t)`` (the first
    disagreement of the coupled actions comes at ``t`` or later) and ``(1 - eps)^t``; with
    ``n_samples > 0`` also the fraction of ``n_samples`` coupled pairs
    (:func:`pgtheory.coupled_trajectories`, ``rng = default_rng(1000 + seed)``).

    Returns
    -------
    matplotlib.figure.Figure
        A bare figure (not registered with ``pyplot``), ``FIGURE_WIDTH`` x 6.4 inches.
    """
    model, pi, pi_new = coupling_example(eps, mdp, seed)
    eps_true = pg.max_tv_distance(pi, pi_new)
    t = np.arange(horizon)
    exact = pg.marginal_l1_distance(model, pi, pi_new, horizon=horizon)
    mass = pg.no_disagreement_chain(model, pi, pi_new, horizon=horizon).mass
    bound = pg.state_distribution_bound(eps_true, t)
    sampled = None
    if n_samples:
        rng = np.random.default_rng(1000 + seed)
        tr = pg.coupled_trajectories(model, pi, pi_new, n_samples, rng=rng, horizon=horizon)
        sampled = (tr.split[:, None] >= t[None, :]).mean(axis=0)
    where = "tightrope MDP" if mdp == "tightrope" else f"random MDP, seed {seed}"
    with figure_style():
        fig = Figure(figsize=(FIGURE_WIDTH, 6.4))
        # Fixed margins instead of a layout engine: faster, and the same for every frame.
        fig.subplots_adjust(left=0.15, right=0.97, bottom=0.075, top=0.95, hspace=0.32)
        ax1, ax2 = fig.subplots(2, 1)
        plot_coupling_bounds(
            ax1, t, exact, 2.0 * (1.0 - mass), bound, title=f"{where}, ε = {eps_true:.2f}"
        )
        plot_no_disagreement(
            ax2,
            t,
            mass,
            np.exp(t * np.log1p(-eps_true)) if eps_true < 1 else (t == 0).astype(float),
            sampled=sampled,
            n_samples=n_samples or None,
            title="coupled trajectories: no disagreement before t",
        )
        ax1.set_xlabel("")
    return fig


def coupling_widget() -> InteractiveFigure:
    """Slide S8's interactive figure: ``eps`` and the MDP.

    Static grid ``COUPLING_GRID``: ``eps`` 0.05 to 0.4 in steps of 0.05 (live: 0 to 0.6 in
    steps of 0.01), MDP tightrope or random (the running example, seed 0); horizon 30. It
    opens on the tightrope, which the chapter's static figure does not show.
    """
    g = COUPLING_GRID
    return interactive_figure(
        coupling_figure,
        [
            slider("eps", g["eps"], default=0.1, label="ε", fmt="{:g}", live=(0.0, 0.6, 0.01)),
            dropdown("mdp", g["mdp"], default="tightrope", label="MDP"),
        ],
        alt=(
            "Top: exact L1 distance between the state marginals of pi and pi' over time, "
            "against the coupling bound 2(1 - P(no split)) and 2(1-(1-eps)^t). Bottom: the "
            "probability that the coupled trajectories have not split before t, against "
            "(1-eps)^t"
        ),
    )
