"""Tests for pgtheory.viz.guarantees under Agg: the bounds-vs-step figure, the algorithms
figure and the chapter's interactive figure."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import pgtheory as pg
from pgtheory.viz import guarantees as vg

ROOT = Path(__file__).resolve().parent.parent


def test_guarantee_figure_plots_the_library_numbers():
    fig = vg.guarantee_figure("all", 0.1, 0.9)
    try:
        (ax,) = fig.axes
        mdp, pi, pi_prime = pg.examples.guarantee_example(0.9)
        path = pg.guarantee_path(mdp, pi, pi_prime, np.linspace(0, 0.1, 81))
        lines = ax.get_lines()
        np.testing.assert_array_equal(lines[0].get_ydata(), path.improvement)
        np.testing.assert_array_equal(lines[1].get_ydata(), path.surrogate)
        for line, name in zip(lines[2:7], pg.BOUNDS, strict=True):
            np.testing.assert_array_equal(line.get_ydata(), path.bounds[name])
            assert line.get_label() == vg.GUARANTEE_LABELS[name][0]
        assert ax.get_yscale() == "symlog"
        fig.canvas.draw()
    finally:
        plt.close(fig)
    assert not plt.get_fignums()  # not registered with pyplot: no second inline copy


@pytest.mark.parametrize("family", list(vg.GUARANTEE_FAMILIES))
def test_guarantee_figure_draws_the_family(family):
    fig = vg.guarantee_figure(family, 0.01, 0.5)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    want = [vg.GUARANTEE_LABELS[n][0] for n in vg.GUARANTEE_FAMILIES[family]]
    assert labels[2:] == want
    plt.close(fig)


def test_algorithms_figure_draws_every_run():
    mdp, pi, _ = pg.examples.guarantee_example()
    runs = {
        "CPI": pg.conservative_policy_iteration(mdp, pi, 3),
        "TRPO": pg.trpo(mdp, np.log(pi), 3, delta=0.01),
    }
    fig = vg.algorithms_figure(runs, J_opt=5.0)
    try:
        ax_J, ax_tv = fig.axes
        lines = ax_J.get_lines()
        np.testing.assert_array_equal(lines[0].get_ydata(), runs["CPI"].J)
        np.testing.assert_array_equal(lines[1].get_ydata(), runs["TRPO"].J)
        assert lines[2].get_ydata()[0] == 5.0
        tv = ax_tv.get_lines()[1].get_ydata()
        np.testing.assert_array_equal(tv, np.maximum(runs["TRPO"].max_tv, vg.TV_FLOOR))
        assert ax_tv.get_yscale() == "log"
        fig.canvas.draw()
    finally:
        plt.close(fig)


@pytest.fixture(scope="module")
def widget():
    return vg.guarantee_widget()


def test_widget_grid(widget):
    assert widget.grid_size == 2 * 2 * 5 and len(widget.frames) == 2 * 2 * 5
    # The text's claim is about the growth of the penalties in 1/(1-gamma) (issue #21).
    assert len(vg.GUARANTEE_GRID["gamma"]) >= 5
    assert widget.n_bytes < 1_000_000


def test_readme_lists_the_figure_with_its_numbers(widget):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.guarantee_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[2] == "; ".join(c.describe() for c in widget.controls)
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]
