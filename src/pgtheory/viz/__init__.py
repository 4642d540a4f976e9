"""Everything that draws: figures, and interactive figures for the book.

``import pgtheory`` loads only numpy; ``import pgtheory.viz`` adds matplotlib (and, when
a live widget is shown, ipywidgets). One module per topic:

- :mod:`pgtheory.viz.interactive`: the interactive-figure helper (live widget in a kernel,
  precomputed frames on the static page);
- :mod:`pgtheory.viz.distribution_shift`: slide S7's picture and interactive figure;
- :mod:`pgtheory.viz.coupling`: slide S8's pictures and interactive figure;
- :mod:`pgtheory.viz.improvement`: slides S1-S2's learning curves and interactive figures;
- :mod:`pgtheory.viz.objective_bound`: slide S9's pictures and interactive figure;
- :mod:`pgtheory.viz.performance_difference`: slides S3-S6's pictures and interactive figures;
- :mod:`pgtheory.viz.quiz`: the chapters' "Check yourself" questions (instant feedback,
  no kernel);
- :mod:`pgtheory.viz.style`: one figure layout for every screen (width, fonts, display);
- :mod:`pgtheory.viz.tables`: numbers as HTML tables with math headers.
"""

from pgtheory.viz.coupling import (
    COUPLING_BOUND_LABELS,
    COUPLING_GRID,
    NO_DISAGREEMENT_LABELS,
    coupling_figure,
    coupling_widget,
    plot_coupling_bounds,
    plot_no_disagreement,
)
from pgtheory.viz.distribution_shift import (
    DISTRIBUTION_SHIFT_GRID,
    DISTRIBUTION_SHIFT_LABELS,
    distribution_shift_figure,
    distribution_shift_panels,
    distribution_shift_widget,
    plot_distribution_shift,
)
from pgtheory.viz.guarantees import (
    ALGORITHM_STYLES,
    GUARANTEE_FAMILIES,
    GUARANTEE_GRID,
    GUARANTEE_LABELS,
    TV_FLOOR,
    algorithms_figure,
    guarantee_figure,
    guarantee_widget,
    plot_algorithms,
    plot_guarantees,
)
from pgtheory.viz.improvement import (
    REINFORCE_GRID,
    STEP_SIZE_GRID,
    learning_curves_figure,
    plot_learning_curves,
    reinforce_widget,
    step_size_figure,
    step_size_widget,
    tabular_reinforce_figure,
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
from pgtheory.viz.objective_bound import (
    BOUND_FORMS_SHOWN,
    OBJECTIVE_BOUND_GRID,
    UPDATE_LABELS,
    bounds_figure,
    objective_bound_figure,
    objective_bound_widget,
    plot_bounds,
    plot_penalties,
    plot_updates,
    updates_figure,
)
from pgtheory.viz.performance_difference import (
    ESS_GRID,
    HORIZON_GRID,
    MISMATCH_GRID,
    PDL_STEP_GRID,
    ess_figure,
    ess_widget,
    horizon_figure,
    horizon_widget,
    mismatch_figure,
    mismatch_widget,
    pdl_check_panels,
    pdl_step_figure,
    pdl_step_widget,
    plot_mc_convergence,
    plot_pdl_scatter,
    plot_state_terms,
)
from pgtheory.viz.style import FIGURE_WIDTH, figure_image, figure_style
from pgtheory.viz.tables import Table, table

__all__ = [
    "ALGORITHM_STYLES",
    "BOUND_FORMS_SHOWN",
    "COUPLING_BOUND_LABELS",
    "COUPLING_GRID",
    "DISTRIBUTION_SHIFT_GRID",
    "DISTRIBUTION_SHIFT_LABELS",
    "ESS_GRID",
    "FIGURE_WIDTH",
    "GUARANTEE_FAMILIES",
    "GUARANTEE_GRID",
    "GUARANTEE_LABELS",
    "HORIZON_GRID",
    "MISMATCH_GRID",
    "NO_DISAGREEMENT_LABELS",
    "OBJECTIVE_BOUND_GRID",
    "PDL_STEP_GRID",
    "REINFORCE_GRID",
    "STEP_SIZE_GRID",
    "TV_FLOOR",
    "UPDATE_LABELS",
    "Control",
    "InteractiveFigure",
    "Table",
    "algorithms_figure",
    "bounds_figure",
    "coupling_figure",
    "coupling_widget",
    "distribution_shift_figure",
    "distribution_shift_panels",
    "distribution_shift_widget",
    "dropdown",
    "ess_figure",
    "ess_widget",
    "figure_image",
    "figure_style",
    "guarantee_figure",
    "guarantee_widget",
    "horizon_figure",
    "horizon_widget",
    "interactive_figure",
    "learning_curves_figure",
    "mismatch_figure",
    "mismatch_widget",
    "objective_bound_figure",
    "objective_bound_widget",
    "pdl_check_panels",
    "pdl_step_figure",
    "pdl_step_widget",
    "plot_algorithms",
    "plot_bounds",
    "plot_coupling_bounds",
    "plot_distribution_shift",
    "plot_guarantees",
    "plot_learning_curves",
    "plot_mc_convergence",
    "plot_no_disagreement",
    "plot_pdl_scatter",
    "plot_penalties",
    "plot_state_terms",
    "plot_updates",
    "reinforce_widget",
    "render_png",
    "slider",
    "step_size_figure",
    "step_size_widget",
    "table",
    "tabular_reinforce_figure",
    "toggle",
    "updates_figure",
]
