"""Figures for the book. Plot functions take an ``ax`` and draw; they compute nothing.

The numbers come from :mod:`pgtheory.bounds` (and the other modules); here they are
only drawn, so every plotted value is also a tested library output.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from pgtheory._validation import as_float_array

__all__ = ["DISTRIBUTION_SHIFT_LABELS", "plot_distribution_shift"]

#: Labels of the lines drawn by :func:`plot_distribution_shift` (tests check them).
#: Plain text, no mathtext: parsing TeX would cost ~25 ms per redraw of the widget.
DISTRIBUTION_SHIFT_LABELS = (
    "exact ||p'_t - p_t||_1",
    "2(1 - (1 - ε)^t)",
    "2εt",
    "trivial bound 2",
)


def plot_distribution_shift(
    ax: Axes,
    t: ArrayLike,
    exact: ArrayLike,
    bound: ArrayLike,
    linear_bound: ArrayLike,
    *,
    title: str | None = None,
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

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with four lines (exact, bound, linear bound, the trivial L1 bound 2,
        labelled as in ``DISTRIBUTION_SHIFT_LABELS``) and a legend to the right of
        the axes (leave room for it, e.g. ``fig.subplots_adjust(right=0.7)``). The y axis is
        limited to ``[0, 2.2]``: above 2 the linear bound says nothing.

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
    ax.plot(t, arrays["exact"], "o-", color="C0", markersize=3, label=lab_exact)
    ax.plot(t, arrays["bound"], "-", color="C1", linewidth=2, label=lab_bound)
    ax.plot(t, arrays["linear_bound"], "--", color="C2", label=lab_linear)
    ax.plot(t[[0, -1]], [2.0, 2.0], ":", color="0.4", label=lab_trivial)
    ax.set_ylim(0.0, 2.2)
    ax.set_xlabel("t")
    ax.set_ylabel("L1 distance of state marginals (= 2 TV)")
    if title is not None:
        ax.set_title(title)
    # Outside the axes, right: inside it would hide the exact curve or the bounds.
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize="small")
    return ax
