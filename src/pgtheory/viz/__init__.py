"""Everything that draws: figures, and interactive figures for the book.

``import pgtheory`` loads only numpy; ``import pgtheory.viz`` adds matplotlib (and, when
a live widget is shown, ipywidgets). One module per topic:

- :mod:`pgtheory.viz.interactive`: the interactive-figure helper (live widget in a kernel,
  precomputed frames on the static page);
- :mod:`pgtheory.viz.distribution_shift`: slide S7's picture and interactive figure;
- :mod:`pgtheory.viz.tables`: numbers as HTML tables with math headers.
"""

from pgtheory.viz.distribution_shift import (
    DISTRIBUTION_SHIFT_GRID,
    DISTRIBUTION_SHIFT_LABELS,
    distribution_shift_figure,
    distribution_shift_panels,
    distribution_shift_widget,
    plot_distribution_shift,
)
from pgtheory.viz.interactive import (
    Control,
    InteractiveFigure,
    dropdown,
    interactive_figure,
    render_png,
    slider,
    toggle,
)
from pgtheory.viz.tables import Table, table

__all__ = [
    "DISTRIBUTION_SHIFT_GRID",
    "DISTRIBUTION_SHIFT_LABELS",
    "Control",
    "InteractiveFigure",
    "Table",
    "distribution_shift_figure",
    "distribution_shift_panels",
    "distribution_shift_widget",
    "dropdown",
    "interactive_figure",
    "plot_distribution_shift",
    "render_png",
    "slider",
    "table",
    "toggle",
]
