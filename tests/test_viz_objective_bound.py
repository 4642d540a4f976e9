"""Tests for pgtheory.viz.objective_bound under Agg: slide S9's pictures and widget."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import pgtheory as pg
from pgtheory import viz

ROOT = Path(__file__).resolve().parent.parent


def _path():
    return pg.BoundPath(
        steps=np.array([0.0, 0.5, 1.0]),
        eps=np.array([0.0, 0.1, 0.2]),
        gap=np.array([0.0, 1.0, 1.5]),
        surrogate=np.array([0.0, 1.1, 2.0]),
        penalty={
            "constant": np.array([0.0, 50.0, 90.0]),
            "max_abs": np.array([0.0, 0.2, 0.8]),
            "quadratic": np.array([0.0, 0.4, 1.6]),
        },
    )


def test_plot_bounds_draws_the_given_numbers():
    fig, ax = plt.subplots()
    try:
        assert viz.plot_bounds(ax, _path()) is ax
        gap, sur, const, max_abs, quad = ax.get_lines()[:5]
        np.testing.assert_array_equal(gap.get_xdata(), [0.0, 0.1, 0.2])
        np.testing.assert_array_equal(gap.get_ydata(), [0.0, 1.0, 1.5])
        np.testing.assert_array_equal(sur.get_ydata(), [0.0, 1.1, 2.0])
        np.testing.assert_allclose(const.get_ydata(), [0.0, -48.9, -88.0])
        np.testing.assert_allclose(max_abs.get_ydata(), [0.0, 0.9, 1.2])
        np.testing.assert_allclose(quad.get_ydata(), [0.0, 0.7, 0.4])
        assert ax.get_ylim() == pytest.approx((-1.2, 2.3))
        # The constant bound is off the panel for every eps > 0: a note says so.
        assert any("below the panel" in t.get_text() for t in ax.texts)
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_plot_penalties_uses_log_axes_and_drops_zeros():
    fig, ax = plt.subplots()
    try:
        viz.plot_penalties(ax, _path())
        gain, const = ax.get_lines()[:2]
        np.testing.assert_array_equal(gain.get_xdata(), [0.1, 0.2])
        np.testing.assert_array_equal(const.get_ydata(), [50.0, 90.0])
        assert ax.get_xscale() == ax.get_yscale() == "log"
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_plot_updates_one_line_per_run():
    run = pg.UpdateRun(np.zeros((3, 2, 2)), np.array([1.0, 2.0, 1.5]), np.ones(2), np.zeros(2))
    fig, ax = plt.subplots()
    try:
        viz.plot_updates(ax, {"a": run, "b": run})
        lines = ax.get_lines()
        assert len(lines) == 2
        np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, 2.0, 1.5])
        np.testing.assert_array_equal(lines[0].get_xdata(), [0, 1, 2])
    finally:
        plt.close(fig)


def test_objective_bound_figure_plots_the_library_numbers():
    fig = viz.objective_bound_figure(0.03, 0.9)
    try:
        mdp, pi, target = pg.examples.bound_example(0.9)
        ax1, ax2 = fig.axes
        gap_line = ax1.get_lines()[0]
        a = 0.03  # the last step on the left panel
        res = pg.improvement_lower_bound(mdp, pi, pg.mixture(pi, target, a), form="quadratic")
        assert gap_line.get_ydata()[-1] == pytest.approx(res.gap, abs=1e-14)
        assert gap_line.get_xdata()[-1] == pytest.approx(res.eps, abs=1e-15)
        assert ax1.get_lines()[4].get_ydata()[-1] == pytest.approx(res.bound, abs=1e-14)
        assert ax2.get_xscale() == "log"
    finally:
        fig.clf()
    assert not plt.get_fignums()  # not registered with pyplot: no second inline copy


def test_updates_figure_plots_both_runs():
    fig = viz.updates_figure(4)
    try:
        mdp, pi = pg.greedy_decrease_example()
        greedy_line, cons_line = fig.axes[0].get_lines()[:2]
        np.testing.assert_allclose(greedy_line.get_ydata(), pg.greedy_update(mdp, pi, 4).J)
        np.testing.assert_allclose(cons_line.get_ydata(), pg.conservative_update(mdp, pi, 4).J)
        steps = fig.axes[1].get_lines()[0].get_ydata()
        np.testing.assert_array_equal(steps, np.ones(4))
    finally:
        fig.clf()


@pytest.fixture(scope="module")
def widget():
    return viz.objective_bound_widget()


def test_objective_bound_widget_frames(widget):
    g = viz.OBJECTIVE_BOUND_GRID
    assert widget.grid_size == len(g["largest_step"]) * len(g["gamma"]) == 9
    assert len(widget.frames) == 9  # every frame differs
    assert [c.name for c in widget.controls] == ["largest_step", "gamma"]
    assert 0 < widget.n_bytes < 1_000_000


def test_readme_lists_the_s9_figure_with_its_numbers(widget):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.objective_bound_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[2] == "; ".join(c.describe() for c in widget.controls)
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]
