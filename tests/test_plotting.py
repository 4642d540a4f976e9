"""Smoke tests for pgtheory.plotting under the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import pgtheory as pg
from pgtheory.plotting import DISTRIBUTION_SHIFT_LABELS


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_plot_distribution_shift_draws_the_given_numbers(ax):
    t = np.arange(12)
    exact = np.linspace(0.0, 0.5, 12)
    bound, linear = pg.s7_bound(0.1, t), pg.s7_linear_bound(0.1, t)
    out = pg.plot_distribution_shift(ax, t, exact, bound, linear, title="S7")
    assert out is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == list(DISTRIBUTION_SHIFT_LABELS)
    for line, y in zip(lines[:3], (exact, bound, linear), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), t)
        np.testing.assert_array_equal(line.get_ydata(), y)
    np.testing.assert_array_equal(lines[3].get_ydata(), [2.0, 2.0])
    assert ax.get_title() == "S7"
    assert ax.get_xlabel() == "t"
    assert "L1" in ax.get_ylabel() and "2 TV" in ax.get_ylabel()
    legend = ax.get_legend()
    assert [txt.get_text() for txt in legend.get_texts()] == list(DISTRIBUTION_SHIFT_LABELS)
    assert ax.get_ylim() == (0.0, 2.2)
    ax.figure.canvas.draw()  # renders without error


def test_plot_without_title(ax):
    pg.plot_distribution_shift(ax, [0], [0.0], [0.0], [0.0])
    assert ax.get_title() == ""
    assert len(ax.get_lines()) == 4


def test_plot_value_errors(ax):
    with pytest.raises(ValueError, match=r"exact must have the shape of t, \(3,\), got \(2,\)"):
        pg.plot_distribution_shift(ax, [0, 1, 2], [0, 1], [0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match=r"t must hold at least one time index"):
        pg.plot_distribution_shift(ax, [], [], [], [])
    with pytest.raises(ValueError, match=r"bound\[1\] is nan, expected a finite number"):
        pg.plot_distribution_shift(ax, [0, 1], [0, 1], [0, np.nan], [0, 1])
    with pytest.raises(ValueError, match=r"linear_bound must have 1 dimension\(s\)"):
        pg.plot_distribution_shift(ax, [0, 1], [0, 1], [0, 1], [[0, 1]])
    assert len(ax.get_lines()) == 0  # nothing drawn on bad input
