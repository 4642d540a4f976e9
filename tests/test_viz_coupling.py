"""Tests for pgtheory.viz.coupling under Agg: S8's example, plots, figure and widget."""

import matplotlib

matplotlib.use("Agg")

import io
import itertools
import json
import re
from pathlib import Path

import chapters
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from image_compare import assert_stored_control_matches, decode, same_image
from PIL import Image

import pgtheory as pg
from pgtheory import viz
from pgtheory.viz.coupling import COUPLING_BOUND_LABELS, COUPLING_GRID, NO_DISAGREEMENT_LABELS

ROOT = Path(__file__).resolve().parent.parent
S8 = chapters.by_slide("S8").path


def _exactly(message):
    return f"^{re.escape(message)}$"


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.fixture(scope="module")
def widget():
    return viz.coupling_widget()


def test_plot_coupling_bounds_draws_the_given_numbers(ax):
    t = np.arange(6)
    exact, cb, b = np.linspace(0, 0.5, 6), np.linspace(0, 1, 6), np.linspace(0, 1.2, 6)
    assert viz.plot_coupling_bounds(ax, t, exact, cb, b, title="S8") is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(COUPLING_BOUND_LABELS)
    for line, y in zip(lines[:3], (exact, cb, b), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), t)
        np.testing.assert_array_equal(line.get_ydata(), y)
    np.testing.assert_array_equal(lines[3].get_ydata(), [2.0, 2.0])
    assert ax.get_title(loc="left") == "S8"
    assert ax.get_ylim() == (0.0, 2.2)
    ax.figure.canvas.draw()


def test_plot_no_disagreement_with_and_without_samples(ax):
    t = np.arange(5)
    mass, lower = 0.9**t, 0.8**t
    viz.plot_no_disagreement(ax, t, mass, lower)
    assert [line.get_label() for line in ax.get_lines()] == list(NO_DISAGREEMENT_LABELS[:2])
    assert len(ax.collections) == 0
    ax.clear()
    sampled = mass + 0.01
    viz.plot_no_disagreement(ax, t, mass, lower, sampled=sampled, n_samples=100)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(NO_DISAGREEMENT_LABELS)
    np.testing.assert_array_equal(lines[2].get_ydata(), sampled)
    (band,) = ax.collections
    # The band is mass +- 2 sqrt(mass (1 - mass) / n).
    ys = band.get_paths()[0].vertices[:, 1]
    se = np.sqrt(mass * (1 - mass) / 100)
    assert ys.max() == pytest.approx((mass + 2 * se).max(), abs=1e-12)
    assert ys.min() == pytest.approx((mass - 2 * se).min(), abs=1e-12)
    ax.figure.canvas.draw()


def test_plot_value_errors(ax):
    with pytest.raises(
        ValueError, match=_exactly("bound must have the shape of t, (3,), got (2,)")
    ):
        viz.plot_coupling_bounds(ax, [0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1])
    with pytest.raises(
        ValueError, match=_exactly("t must hold at least one time index, got shape (0,)")
    ):
        viz.plot_coupling_bounds(ax, [], [], [], [])
    with pytest.raises(ValueError, match=r"^exact\[1\] is nan, expected a finite number$"):
        viz.plot_coupling_bounds(ax, [0, 1], [0, np.nan], [0, 1], [0, 1])
    with pytest.raises(
        ValueError, match=_exactly("n_samples must be an integer >= 1 with sampled, got None")
    ):
        viz.plot_no_disagreement(ax, [0, 1], [1, 0.9], [1, 0.8], sampled=[1, 0.9])
    with pytest.raises(
        ValueError, match=_exactly("lower must have the shape of t, (2,), got (1,)")
    ):
        viz.plot_no_disagreement(ax, [0, 1], [1, 0.9], [1])
    assert len(ax.get_lines()) == 0


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"eps": 0.3, "mdp": "tightrope", "horizon": 12},
        {"eps": 0.0, "mdp": "random", "seed": 1, "horizon": 5},
        {"eps": 0.2, "mdp": "random", "seed": 0, "horizon": 8, "n_samples": 3000},
    ],
)
def test_figure_plots_exactly_the_library_numbers(params):
    open_before = plt.get_fignums()
    fig = viz.coupling_figure(**params)
    eps, mdp_name = params.get("eps", 0.1), params.get("mdp", "random")
    seed, T = params.get("seed", 0), params.get("horizon", 30)
    mdp, pi, pi_new = pg.examples.coupling_example(eps, mdp_name, seed)
    top, bottom = fig.axes
    lines = top.get_lines()
    np.testing.assert_array_equal(
        lines[0].get_ydata(), pg.marginal_l1_distance(mdp, pi, pi_new, horizon=T)
    )
    mass = pg.no_disagreement_chain(mdp, pi, pi_new, horizon=T).mass
    np.testing.assert_array_equal(lines[1].get_ydata(), 2 * (1 - mass))
    np.testing.assert_allclose(
        lines[2].get_ydata(), 2 * (1 - (1 - eps) ** np.arange(T)), rtol=0, atol=1e-12
    )
    low = bottom.get_lines()
    np.testing.assert_array_equal(low[0].get_ydata(), mass)
    np.testing.assert_allclose(low[1].get_ydata(), (1 - eps) ** np.arange(T), rtol=0, atol=1e-12)
    assert f"ε = {eps:.2f}" in top.get_title(loc="left")
    if "n_samples" in params:
        n = params["n_samples"]
        tr = pg.coupled_trajectories(
            mdp, pi, pi_new, n, rng=np.random.default_rng(1000 + seed), horizon=T
        )
        sampled = (tr.split[:, None] >= np.arange(T)[None, :]).mean(axis=0)
        np.testing.assert_array_equal(low[2].get_ydata(), sampled)
        assert np.all(np.abs(sampled - mass) <= 5 * np.sqrt(mass * (1 - mass) / n) + 1e-12)
    else:
        assert len(low) == 2
    assert plt.get_fignums() == open_before


def test_widget_grid_and_controls(widget):
    assert [c.name for c in widget.controls] == ["eps", "mdp"]
    assert [c.kind for c in widget.controls] == ["slider", "dropdown"]
    for c in widget.controls:
        assert c.values == COUPLING_GRID[c.name]
    assert widget.controls[0].live == (0.0, 0.6, 0.01)
    assert widget.grid_size == 8 * 2
    assert len(widget.frames) == 8 * 2
    assert widget.n_bytes <= 700_000  # the S8 page stays under 1 MB


@pytest.mark.parametrize(
    "params",
    [
        {"eps": 0.1, "mdp": "random"},
        {"eps": 0.4, "mdp": "tightrope"},
    ],
)
def test_widget_frames_are_the_figure_rendered(widget, params):
    frame = widget.frame(**params)
    assert frame == viz.render_png(
        viz.coupling_figure(**params), dpi=widget.dpi, colors=widget.colors
    )
    with Image.open(io.BytesIO(frame)) as im:
        # FIGURE_WIDTH x 6.4 inches (panels stacked, pgtheory.viz.style) at the frames' dpi.
        assert im.size == (round(viz.FIGURE_WIDTH * widget.dpi), round(6.4 * widget.dpi))


def test_readme_lists_the_s8_figure_with_its_numbers(widget):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.coupling_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[0] == "S8"
    assert cells[2] == "; ".join(c.describe() for c in widget.controls)
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]


def test_s8_chapter_stores_the_frames_the_library_renders(widget):
    """The same HTML, grid and labels, and each stored frame the same image as the library's
    (within the machine-noise tolerance of tests/image_compare.py)."""
    nb = nbformat.read(S8, as_version=4)
    stored = [
        out["data"]["text/html"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "pgt-interactive" in str(out.get("data", {}).get("text/html", ""))
    ]
    assert len(stored) == 1, f"expected one interactive figure in S8, found {len(stored)}"
    html = stored[0] if isinstance(stored[0], str) else "".join(stored[0])
    payload = html.split('class="pgt-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(payload)["frameOf"] == list(widget.frame_of)
    assert_stored_control_matches(html, widget)


def test_the_frame_comparison_tells_every_pair_of_frames_apart(widget):
    images = [decode(f) for f in widget.frames]
    same = [
        (a, b)
        for a, b in itertools.combinations(range(len(images)), 2)
        if same_image(images[a], images[b])
    ]
    assert same == []
