"""Tests for pgtheory.viz.performance_difference under Agg: S3's pictures and widget."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import pgtheory as pg
from pgtheory import viz

ROOT = Path(__file__).resolve().parent.parent


def test_plot_pdl_scatter_draws_the_given_points():
    fig, ax = plt.subplots()
    try:
        out = viz.plot_pdl_scatter(ax, [0.0, 1.0], [0.0, 1.0 + 1e-12], label="discounted")
        assert out is ax
        offsets = ax.collections[0].get_offsets()
        np.testing.assert_array_equal(offsets[:, 0], [0.0, 1.0])
        (diag,) = ax.get_lines()
        np.testing.assert_allclose(diag.get_xdata(), [0.0, 1.0 + 1e-12])
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_plot_mc_convergence_draws_the_given_numbers():
    fig, ax = plt.subplots()
    try:
        viz.plot_mc_convergence(ax, [10, 100], [0.5, 0.4], [0.1, 0.03], exact=0.42)
        lines = ax.get_lines()
        np.testing.assert_array_equal(lines[0].get_ydata(), [0.5, 0.4])
        assert lines[-1].get_ydata()[0] == 0.42 and ax.get_xscale() == "log"
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_pdl_step_figure_plots_the_library_numbers():
    fig = viz.pdl_step_figure(1.0, 0.9)
    try:
        mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.9)
        lhs, rhs = pg.performance_difference(mdp, pi, pi_new)
        cumsum, line = fig.axes[0].get_lines()
        terms = pg.per_step_terms(mdp, pi, pi_new, horizon=60)
        np.testing.assert_allclose(cumsum.get_ydata(), np.cumsum(terms.on_policy), atol=1e-14)
        assert line.get_ydata()[0] == pytest.approx(lhs, abs=1e-14)
        # 60 discounted steps reach the lemma's right side to 0.9^60 * max|A| / 0.1.
        assert cumsum.get_ydata()[-1] == pytest.approx(rhs, abs=1e-2)
    finally:
        plt.close(fig)
    assert not plt.get_fignums()  # not registered with pyplot: no second inline copy


@pytest.fixture(scope="module")
def widget():
    return viz.pdl_step_widget()


def test_widget_grid(widget):
    assert widget.grid_size == 3 * 6 and len(widget.frames) == 3 * 6
    assert widget.n_bytes < 1_000_000


def test_readme_lists_the_s3_figure_with_its_numbers(widget):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.pdl_step_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[2] == "; ".join(c.describe() for c in widget.controls)
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]


def test_pdl_check_panels_draws_both_panels():
    fig = viz.pdl_check_panels(
        {"a": ([0.0, 1.0], [0.0, 1.0]), "b": ([2.0], [2.0])},
        [10, 100],
        [1.0, 0.9],
        [0.2, 0.05],
        0.95,
    )
    try:
        ax1, ax2 = fig.axes
        assert len(ax1.collections) == 2
        assert [t.get_text() for t in ax1.get_legend().get_texts()] == ["a", "b"]
        assert ax2.get_lines()[-1].get_ydata()[0] == 0.95
    finally:
        plt.close(fig)


def test_plot_state_terms_draws_a_pair_of_bars_per_state_and_the_sums():
    fig, ax = plt.subplots()
    try:
        viz.plot_state_terms(ax, [0.5, 0.0, -0.25], [0.25, 0.5, -0.5], title="t")
        heights = [p.get_height() for p in ax.patches]
        assert heights == [0.5, 0.0, -0.25, 0.25, 0.25, 0.5, -0.5, 0.25]
        labels = [t.get_text() for t in ax.get_xticklabels()]
        assert labels == ["0", "1", "2", "sum"]
        assert ax.get_title() == "t"
    finally:
        plt.close(fig)


def test_s4_figure_bars_are_not_all_equal():
    """Figure 4.1 (issue #21: it was eight identical bars): on the chapter's running example
    the per-state bars differ, within each side and between the sides."""
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.9)
    fig, ax = plt.subplots()
    try:
        viz.plot_state_terms(ax, *pg.performance_difference_by_state(mdp, pi, pi_new))
        heights = np.array([p.get_height() for p in ax.patches])
        start, visit = heights[: mdp.n_states], heights[mdp.n_states + 1 : -1]
        assert np.ptp(visit) > 0.1 and np.ptp(start) > 0.01
        assert np.abs(start - visit).max() > 0.1
    finally:
        plt.close(fig)


def test_finite_horizon_numbers_and_figure():
    T, lhs, time_indexed, stationary = pg.examples.finite_horizon_numbers(0.9, max_horizon=8)
    np.testing.assert_array_equal(T, np.arange(1, 9))
    np.testing.assert_allclose(time_indexed, lhs, rtol=0, atol=1e-12)
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.9)
    assert lhs[4] == pytest.approx(
        pg.expected_return(mdp.with_horizon(5), pi_new)
        - pg.expected_return(mdp.with_horizon(5), pi),
        abs=1e-12,
    )
    # The stationary advantage leaves a boundary term (the slide's erratum).
    assert np.abs(stationary - lhs).max() > 1e-3
    fig = viz.horizon_figure(0.9)
    lines = fig.axes[0].get_lines()
    _, lhs30, ti30, st30 = pg.examples.finite_horizon_numbers(0.9)
    np.testing.assert_allclose(lines[1].get_ydata(), ti30, atol=1e-14)
    np.testing.assert_allclose(lines[0].get_ydata(), lhs30, atol=1e-14)
    np.testing.assert_allclose(lines[2].get_ydata(), st30, atol=1e-14)


def test_readme_lists_the_s4_figure_with_its_numbers():
    widget = viz.horizon_widget()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.horizon_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[2] == "; ".join(c.describe() for c in widget.controls)
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]


def test_ess_numbers_and_figure():
    per_step, prefix = pg.examples.ess_numbers(1.0, n=500, horizon=6)
    assert per_step.shape == prefix.shape == (6,)
    mdp, pi, pi_new = pg.examples.pdl_example(1.0, 0.9)
    finite = mdp.with_horizon(6)
    tr = pg.sample_trajectories(finite, pi, 500, rng=np.random.default_rng(0))
    w = pg.trajectory_ratios(finite, pi, pi_new, tr)
    np.testing.assert_allclose(prefix, pg.effective_sample_size(w.T) / 500, rtol=1e-12)
    assert per_step[0] == pytest.approx(prefix[0], rel=1e-12)  # one ratio at t = 0
    assert np.all(prefix[1:] <= per_step[1:] + 0.1) and prefix[-1] < prefix[0]
    # The same policy: every weight is 1, the effective sample size is n.
    same, same_prefix = pg.examples.ess_numbers(0.0, n=50, horizon=3)
    np.testing.assert_allclose(same, 1.0, rtol=1e-12)
    np.testing.assert_allclose(same_prefix, 1.0, rtol=1e-12)
    fig = viz.ess_figure(1.0)
    # A title that says what is compared, not just the slider's value (issue #21).
    assert fig.axes[0].get_title() == "per-step vs whole-trajectory ratios, s = 1"
    a, b = fig.axes[0].get_lines()
    ref_a, ref_b = pg.examples.ess_numbers(1.0)
    np.testing.assert_allclose(a.get_ydata(), ref_a, atol=1e-14)
    np.testing.assert_allclose(b.get_ydata(), ref_b, atol=1e-14)


def test_readme_lists_the_s5_figure_with_its_numbers():
    widget = viz.ess_widget()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.ess_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[2] == "; ".join(c.describe() for c in widget.controls)
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]


def test_mismatch_figure_plots_the_library_path():
    mdp, theta, d = pg.examples.mismatch_example(1)
    assert mdp.n_states == 6 and theta.shape == d.shape == (6, 3)
    assert not np.allclose(d, pg.examples.mismatch_example(0)[2])
    fig = viz.mismatch_figure(1.0, 1)
    try:
        improvement, surrogate = fig.axes[0].get_lines()
        path = pg.surrogate_path(mdp, theta, d, np.linspace(-1.0, 1.0, 41))
        np.testing.assert_allclose(improvement.get_ydata(), path.improvement, atol=1e-14)
        np.testing.assert_allclose(surrogate.get_ydata(), path.surrogate, atol=1e-14)
        (gap,) = fig.axes[1].get_lines()
        assert len(gap.get_xdata()) == 40  # s = 0 (TV = 0) is left out of the log axes
    finally:
        plt.close(fig)


def test_readme_lists_the_s6_figure_with_its_numbers():
    widget = viz.mismatch_widget()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [r for r in readme.splitlines() if "`pgtheory.viz.mismatch_widget`" in r]
    assert len(rows) == 1, rows
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[2] == "; ".join(c.describe() for c in widget.controls)
    # Not the size column: PNG bytes vary between machines (the README rounds them).
    assert cells[3:5] == [str(widget.grid_size), str(len(widget.frames))]
