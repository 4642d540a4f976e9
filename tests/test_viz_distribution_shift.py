"""Tests for pgtheory.viz.distribution_shift under Agg: the plot, the figure, the widget."""

import matplotlib

matplotlib.use("Agg")

import io
import itertools
import json
from pathlib import Path

import chapters
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from image_compare import (
    MAX_PIXELS,
    assert_stored_control_matches,
    decode,
    image_difference,
    same_image,
)
from matplotlib.figure import Figure
from PIL import Image

import pgtheory as pg
from pgtheory import viz
from pgtheory.viz.distribution_shift import DISTRIBUTION_SHIFT_GRID, DISTRIBUTION_SHIFT_LABELS

ROOT = Path(__file__).resolve().parent.parent
S7 = chapters.by_slide("S7").path


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.fixture(scope="module")
def widget():
    return viz.distribution_shift_widget()


def test_plot_distribution_shift_draws_the_given_numbers(ax):
    t = np.arange(12)
    exact = np.linspace(0.0, 0.5, 12)
    bound, linear = pg.s7_bound(0.1, t), pg.s7_linear_bound(0.1, t)
    out = viz.plot_distribution_shift(ax, t, exact, bound, linear, title="S7")
    assert out is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(DISTRIBUTION_SHIFT_LABELS)
    for line, y in zip(lines[:3], (exact, bound, linear), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), t)
        np.testing.assert_array_equal(line.get_ydata(), y)
    np.testing.assert_array_equal(lines[3].get_ydata(), [2.0, 2.0])
    assert ax.get_title() == "S7"
    assert ax.get_xlabel() == "time step $t$"
    assert "2 TV" in ax.get_ylabel()
    legend = ax.get_legend()
    assert [txt.get_text() for txt in legend.get_texts()] == list(DISTRIBUTION_SHIFT_LABELS)
    assert ax.get_ylim() == (0.0, 2.2)
    ax.figure.canvas.draw()  # renders (mathtext included) without error


def test_plot_without_title_or_legend(ax):
    viz.plot_distribution_shift(ax, [0], [0.0], [0.0], [0.0], legend=False)
    assert ax.get_title() == ""
    assert ax.get_legend() is None
    assert len(ax.get_lines()) == 4


def test_plot_value_errors(ax):
    with pytest.raises(ValueError, match=r"^exact must have the shape of t, \(3,\), got \(2,\)$"):
        viz.plot_distribution_shift(ax, [0, 1, 2], [0, 1], [0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match=r"^t must hold at least one time index, got shape"):
        viz.plot_distribution_shift(ax, [], [], [], [])
    with pytest.raises(ValueError, match=r"^bound\[1\] is nan, expected a finite number"):
        viz.plot_distribution_shift(ax, [0, 1], [0, 1], [0, np.nan], [0, 1])
    with pytest.raises(ValueError, match=r"^linear_bound must have 1 dimension\(s\)"):
        viz.plot_distribution_shift(ax, [0, 1], [0, 1], [0, 1], [[0, 1]])
    assert len(ax.get_lines()) == 0  # nothing drawn on bad input


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"mdp": "tightrope", "eps": 0.05, "horizon": 60},
        {"mdp": "random", "eps": 0.3, "horizon": 7, "seed": 5, "n_states": 3, "n_actions": 2},
        {"mdp": "random", "eps": 0.0, "horizon": 1},
    ],
)
def test_figure_plots_exactly_the_numbers(params):
    open_before = plt.get_fignums()
    nums = pg.distribution_shift_numbers(**params)
    fig = viz.distribution_shift_figure(**params)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == 4
    for line, y in zip(lines[:3], (nums.exact, nums.bound, nums.linear_bound), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), nums.t)
        np.testing.assert_array_equal(line.get_ydata(), y)
    (label,) = ax.texts
    assert f"ε = {nums.eps:.2f}" in label.get_text()
    where = "tightrope MDP" if params.get("mdp") == "tightrope" else "random MDP, seed"
    assert label.get_text().startswith(where)
    # A bare Figure: not registered with pyplot, nothing to leak.
    assert plt.get_fignums() == open_before


def test_figure_value_errors():
    with pytest.raises(ValueError, match=r"^eps must lie in \[0, 1\], got 1.2$"):
        viz.distribution_shift_figure(eps=1.2)
    with pytest.raises(ValueError, match=r"^n_actions must be >= 2, got 1$"):
        viz.distribution_shift_widget(n_actions=1)
    with pytest.raises(ValueError, match=r"^n_states must be an integer >= 1, got 0$"):
        viz.distribution_shift_widget(n_states=0)


def test_widget_grid_and_controls(widget):
    assert [c.name for c in widget.controls] == ["eps", "horizon", "mdp", "seed"]
    assert [c.kind for c in widget.controls] == ["slider", "slider", "dropdown", "slider"]
    assert [c.label for c in widget.controls] == ["ε", "horizon", "MDP", "seed"]
    # The widget opens at the defaults, except eps: twice the static figure's (issue #21).
    names = [c.name for c in widget.controls]
    opening = {k: pg.distribution_shift.DISTRIBUTION_SHIFT_DEFAULTS[k] for k in names} | {
        "eps": viz.distribution_shift.DISTRIBUTION_SHIFT_WIDGET_EPS
    }
    assert opening["eps"] == 2 * pg.distribution_shift.DISTRIBUTION_SHIFT_DEFAULTS["eps"]
    for c in widget.controls:
        assert c.values == DISTRIBUTION_SHIFT_GRID[c.name]
        assert c.default == opening[c.name]
    # The seed changes nothing on the tightrope: the page disables it there.
    assert widget.inert_controls(**(opening | {"mdp": "tightrope"})) == ("seed",)
    assert widget.inert_controls(**opening) == ()
    assert DISTRIBUTION_SHIFT_GRID["eps"] == (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
    assert widget.controls[0].live == (0.0, 1.0, 0.01)
    assert widget.grid_size == 9 * 3 * 2 * 2
    # The tightrope ignores the seed: 9 * 3 tightrope frames + 9 * 3 * 2 random ones.
    assert len(widget.frames) == 9 * 3 * 3
    assert widget.n_bytes <= 2_000_000
    assert "ε 0.00 to 0.40 in steps of 0.05; horizon 10, 30 or 100" in widget.grid_note


@pytest.mark.parametrize(
    "params",
    [
        {"eps": 0.1, "horizon": 30, "mdp": "random", "seed": 0},
        {"eps": 0.35, "horizon": 100, "mdp": "tightrope", "seed": 1},
        {"eps": 0.0, "horizon": 10, "mdp": "random", "seed": 1},
    ],
)
def test_widget_frames_are_the_figure_rendered(widget, params):
    frame = widget.frame(**params)
    assert frame == viz.render_png(
        viz.distribution_shift_figure(**params), dpi=widget.dpi, colors=widget.colors
    )
    with Image.open(io.BytesIO(frame)) as im:
        # FIGURE_WIDTH x 3.5 inches at the frames' resolution (one column of text on a
        # phone and on a desktop: pgtheory.viz.style).
        assert im.size == (round(viz.FIGURE_WIDTH * widget.dpi), round(3.5 * widget.dpi))


def test_tightrope_frames_do_not_depend_on_the_seed(widget):
    """What ``ignores`` declares, checked by rendering the skipped grid point for real."""
    params = {"eps": 0.2, "horizon": 30, "mdp": "tightrope"}
    rendered = viz.render_png(
        viz.distribution_shift_figure(**params, seed=1), dpi=widget.dpi, colors=widget.colors
    )
    assert widget.frame(**params, seed=1) == rendered == widget.frame(**params, seed=0)
    random0 = widget.frame(eps=0.2, horizon=30, mdp="random", seed=0)
    assert random0 != widget.frame(eps=0.2, horizon=30, mdp="random", seed=1)


def test_s7_chapter_stores_the_frames_the_library_renders(widget):
    """The committed chapter's static control is what the library renders now: the same HTML,
    grid and labels, and each stored frame the same image as the library's frame (within the
    machine-noise tolerance of tests/image_compare.py: PNG bytes differ between CPUs)."""
    nb = nbformat.read(S7, as_version=4)
    stored = [
        out["data"]["text/html"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "pgt-interactive" in str(out.get("data", {}).get("text/html", ""))
    ]
    assert len(stored) == 1, f"expected one interactive figure in S7, found {len(stored)}"
    html = stored[0] if isinstance(stored[0], str) else "".join(stored[0])
    payload = html.split('class="pgt-data">', 1)[1].split("</script>", 1)[0]
    data = json.loads(payload)
    assert data["frameOf"] == list(widget.frame_of)
    assert_stored_control_matches(html, widget)


def test_the_frame_comparison_tells_every_pair_of_grid_neighbours_apart(widget):
    """The tolerance of the chapter test fails a frame in place of its neighbour on the grid,
    including the closest pairs of the book: "seed 0" and "seed 1" at ε = 0, where only one
    digit of the label differs."""
    images = [decode(f) for f in widget.frames]
    sizes = [len(c.values) for c in widget.controls]
    pairs = set()
    for point in itertools.product(*(range(n) for n in sizes)):
        k = int(np.ravel_multi_index(point, sizes))
        for axis in range(len(sizes)):
            if point[axis] + 1 < sizes[axis]:
                step = list(point)
                step[axis] += 1
                j = int(np.ravel_multi_index(step, sizes))
                a, b = widget.frame_of[k], widget.frame_of[j]
                if a != b:
                    pairs.add((min(a, b), max(a, b)))
    assert len(pairs) > 150
    same = [(a, b) for a, b in sorted(pairs) if same_image(images[a], images[b])]
    assert same == []
    labels = {"eps": 0.0, "horizon": 10, "mdp": "random"}
    seed0, seed1 = widget.frame(**labels, seed=0), widget.frame(**labels, seed=1)
    d = image_difference(seed1, seed0)
    # The one-digit label is about 70 pixels at the frames' 110 dpi (154 at the former
    # 150 dpi): more than twice MAX_PIXELS, ten times the noise (image_compare's docstring).
    assert not d.same and d.n_large > 2 * MAX_PIXELS, d


def test_readme_lists_the_s7_figure_with_its_numbers(widget):
    """The README's table of interactive figures gives what the library renders."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.distribution_shift_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    grid = "; ".join(c.describe() for c in widget.controls).replace("0.00 to 0.40", "0 to 0.4")
    assert cells[2] == grid
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]


def test_panels_plot_each_panel_with_one_shared_legend():
    tight = pg.distribution_shift_numbers(eps=0.2, horizon=12, mdp="tightrope")
    rand = pg.distribution_shift_numbers(eps=0.2, horizon=8)
    fig = viz.distribution_shift_panels([(tight, "top"), (rand, "bottom")])
    top, bottom = fig.axes
    assert (top.get_title(loc="left"), bottom.get_title(loc="left")) == ("top", "bottom")
    for ax, nums in ((top, tight), (bottom, rand)):
        assert ax.get_legend() is None
        np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), nums.exact)
        np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), nums.bound)
    assert top.get_xlabel() == "" and bottom.get_xlabel() == "time step $t$"
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == list(DISTRIBUTION_SHIFT_LABELS)
    with pytest.raises(ValueError, match=r"^panels must hold at least one"):
        viz.distribution_shift_panels([])
    with pytest.raises(ValueError, match=r"^panels\[0\] must be a \(DistributionShiftNumbers"):
        viz.distribution_shift_panels([(tight,)])
