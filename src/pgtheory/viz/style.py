"""One figure layout for every screen: the book's figure width, fonts and display size.

A figure is shown ``DISPLAY_PX_PER_INCH`` CSS pixels per inch of its width, and never
wider than the page's column (the images have ``max-width: 100%``). On a phone the column
is about 352 CSS px wide, so a figure ``FIGURE_WIDTH`` inches wide is scaled to
``352 / (72 * FIGURE_WIDTH)`` CSS px per point of text: with ``FIGURE_WIDTH = 4.8`` and no
text smaller than ``MIN_FONT_PT = 9.5`` pt, the smallest text is 9.7 CSS px on a phone and
14.5 CSS px on a desktop. Panels are therefore stacked, one column of axes per figure.

:func:`figure_style` is the ``rcParams`` context in which every figure of
:mod:`pgtheory.viz` is made (matplotlib fixes a text's size when the text is created);
:func:`styled` wraps a figure function in it. :func:`figure_image` is how a chapter shows a
static figure. :func:`pgtheory.viz.render_png` records the smallest text of every figure it
renders, so the browser tests measure, on the page, what these numbers promise.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

__all__ = [
    "DISPLAY_PX_PER_INCH",
    "FIGURE_WIDTH",
    "MIN_FONT_PT",
    "STATIC_COLORS",
    "STYLE",
    "display_width",
    "figure_image",
    "figure_style",
    "styled",
]

#: Width of every figure of the book, in inches (one column of panels).
FIGURE_WIDTH = 4.8
#: CSS pixels per inch of figure width at which figures are shown (at most the column).
DISPLAY_PX_PER_INCH = 110
#: The smallest font size, in points, of any text in a figure (tick labels and legends).
MIN_FONT_PT = 9.5
#: The ``rcParams`` of every figure, with tick labels and legends at ``MIN_FONT_PT`` and
#: the rest larger.
STYLE: dict[str, Any] = {
    "font.size": 10.5,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10.5,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "figure.titlesize": 11,
    "figure.figsize": (FIGURE_WIDTH, 3.2),
}


def figure_style() -> Any:
    """A ``matplotlib.rc_context`` with ``STYLE``: make figures inside it."""
    import matplotlib as mpl

    return mpl.rc_context(STYLE)  # type: ignore[arg-type]


def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Decorate a figure function so that its figure is made in :func:`figure_style`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with figure_style():
            return func(*args, **kwargs)

    return wrapper


def display_width(fig_width_inches: float) -> int:
    """CSS width (px) at which a figure ``fig_width_inches`` wide is shown."""
    if not fig_width_inches > 0:
        raise ValueError(f"fig_width_inches must be > 0, got {fig_width_inches!r}")
    return round(fig_width_inches * DISPLAY_PX_PER_INCH)


#: The palette size of the static figures (a quarter of the bytes of full colour), with no
#: visible change for the book's line plots (64 colours keep their antialiasing).
STATIC_COLORS = 64


def figure_image(fig: Figure, *, dpi: int | None = None, colors: int | None = STATIC_COLORS) -> Any:
    """A static figure for a chapter, ``IPython.display.Image`` of the bytes of
    :func:`pgtheory.viz.render_png`, shown :func:`display_width` CSS px wide (at most the
    column's width). ``dpi`` defaults to ``DEFAULT_DPI`` of :mod:`pgtheory.viz.interactive`;
    ``colors`` is the palette size (None: full colour).

    Raises
    ------
    ValueError
        On a non-Figure (from :func:`pgtheory.viz.render_png`).
    """
    from IPython.display import Image

    from pgtheory.viz.interactive import DEFAULT_DPI, render_png

    png = render_png(fig, dpi=DEFAULT_DPI if dpi is None else dpi, colors=colors)
    return Image(png, width=display_width(float(fig.get_figwidth())))
