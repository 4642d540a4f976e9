"""Tests for pgtheory.viz.improvement under Agg: the learning curves and the S1/S2 widgets."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import pgtheory as pg
from pgtheory import viz

ROOT = Path(__file__).resolve().parent.parent


def test_plot_learning_curves_draws_the_given_numbers():
    fig, ax = plt.subplots()
    try:
        out = viz.plot_learning_curves(
            ax, {"a": [0.0, 1.0, 2.0], "b": np.array([1.0, 1.5])}, optimum=2.5, title="T"
        )
        assert out is ax
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == ["a", "b", "optimum (policy iteration)"]
        np.testing.assert_array_equal(lines[0].get_xdata(), [0, 1, 2])
        np.testing.assert_array_equal(lines[1].get_ydata(), [1.0, 1.5])
        np.testing.assert_array_equal(lines[2].get_ydata(), [2.5, 2.5])
        assert ax.get_title() == "T" and ax.get_xlabel() == "iteration"
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_learning_curves_figure_without_optimum_is_a_bare_figure():
    fig = viz.learning_curves_figure({"x": [1.0, 2.0]}, ylabel="return")
    assert isinstance(fig, Figure) and fig.axes[0].get_ylabel() == "return"
    assert len(fig.axes[0].get_lines()) == 1


def test_step_size_figure_plots_the_library_curves():
    fig = viz.step_size_figure(3.0, n_iterations=5)
    soft, pi_line, opt = fig.axes[0].get_lines()
    mdp = pg.gridworld_mdp()
    expected = pg.gradient_ascent(mdp, np.zeros((16, 4)), step_size=3.0, n_iterations=5).J
    np.testing.assert_allclose(soft.get_ydata(), expected, atol=1e-14)
    np.testing.assert_allclose(pi_line.get_ydata(), pg.policy_iteration_path(mdp).J)
    assert opt.get_ydata()[0] == pytest.approx(pg.policy_iteration_path(mdp).J[-1])


def test_tabular_reinforce_figure_plots_the_library_curves():
    fig = viz.tabular_reinforce_figure(5, 1.0, n_iterations=4)
    sampled, exact, _ = fig.axes[0].get_lines()
    mdp = pg.gridworld_mdp()
    ref = pg.reinforce(
        mdp,
        np.zeros((16, 4)),
        rng=np.random.default_rng(0),
        step_size=1.0,
        n_iterations=4,
        batch_size=5,
        horizon=50,
    )
    np.testing.assert_allclose(sampled.get_ydata(), ref.J, atol=1e-14)
    assert exact.get_label() == "exact gradient ascent"


@pytest.fixture(scope="module")
def widgets():
    return {
        "`pgtheory.viz.reinforce_widget`": viz.reinforce_widget(),
        "`pgtheory.viz.step_size_widget`": viz.step_size_widget(),
    }


def test_widget_grids(widgets):
    w1, w2 = widgets.values()
    assert w1.grid_size == 9 and w2.grid_size == 6
    assert w1.n_bytes + w2.n_bytes < 2_000_000


def test_readme_lists_the_s1_s2_figures_with_their_numbers(widgets):
    """The README's table of interactive figures gives what the library renders."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, widget in widgets.items():
        rows = [r for r in readme.splitlines() if name in r]
        assert len(rows) == 1, (name, rows)
        cells = [c.strip() for c in rows[0].strip("|").split("|")]
        assert cells[2] == "; ".join(c.describe() for c in widget.controls)
        # Not the size column: PNG bytes vary between machines (the README rounds them).
        assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]
