"""Tests for pgtheory.widgets: the pure functions under Agg, and the widget's wiring."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import pgtheory as pg
import pgtheory.widgets
from pgtheory.widgets import DISTRIBUTION_SHIFT_DEFAULTS

TOL = 1e-12


def test_defaults_are_documented_values():
    assert DISTRIBUTION_SHIFT_DEFAULTS == {
        "eps": 0.1,
        "horizon": 30,
        "mdp": "random",
        "seed": 0,
        "n_states": 5,
        "n_actions": 3,
    }


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
    fig = pg.distribution_shift_figure(**params)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == 4
    for line, y in zip(lines[:3], (nums.exact, nums.bound, nums.linear_bound), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), nums.t)
        np.testing.assert_array_equal(line.get_ydata(), y)
    assert f"ε = {nums.eps:.2f}" in ax.get_title()
    # A bare Figure: not registered with pyplot, nothing to leak.
    assert plt.get_fignums() == open_before


def test_numbers_tightrope_attains_bound():
    nums = pg.distribution_shift_numbers(eps=0.2, horizon=40, mdp="tightrope")
    np.testing.assert_array_equal(nums.t, np.arange(40))
    np.testing.assert_allclose(nums.exact, 2 * (1 - 0.8 ** np.arange(40)), rtol=0, atol=TOL)
    np.testing.assert_allclose(nums.bound, nums.exact, rtol=0, atol=TOL)
    np.testing.assert_allclose(nums.linear_bound, 0.4 * np.arange(40), rtol=0, atol=TOL)
    # Seed and sizes are ignored for the tightrope.
    other = pg.distribution_shift_numbers(eps=0.2, horizon=40, mdp="tightrope", seed=9)
    np.testing.assert_array_equal(other.exact, nums.exact)


@pytest.mark.parametrize("seed", range(5))
def test_numbers_random_respects_bound_and_is_state_independent(seed):
    nums = pg.distribution_shift_numbers(eps=0.15, horizon=50, mdp="random", seed=seed)
    assert np.all(nums.exact <= nums.bound + TOL)
    assert np.all(nums.bound <= nums.linear_bound + TOL)
    # Documented choice: state-independent mistakes, so P(no mistake) = (1-eps)^t exactly.
    np.testing.assert_allclose(nums.no_mistake, 0.85 ** np.arange(50), rtol=0, atol=TOL)


def test_numbers_random_is_reproducible_and_eps_zero_means_no_shift():
    a = pg.distribution_shift_numbers(seed=3)
    b = pg.distribution_shift_numbers(seed=3)
    np.testing.assert_array_equal(a.exact, b.exact)
    assert not np.array_equal(a.exact, pg.distribution_shift_numbers(seed=4).exact)
    np.testing.assert_allclose(
        pg.distribution_shift_numbers(eps=0.0, seed=3).exact, 0.0, rtol=0, atol=TOL
    )
    # A shorter horizon gives a prefix of the same curve (the draws ignore the horizon).
    short = pg.distribution_shift_numbers(seed=3, horizon=10)
    np.testing.assert_allclose(short.exact, a.exact[:10], rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"eps": 1.2}, r"eps must lie in \[0, 1\], got 1.2"),
        ({"eps": "x"}, "eps must be a real number"),
        ({"horizon": 0}, "horizon must be an integer >= 1, got 0"),
        ({"horizon": 2.5}, "horizon must be an integer >= 1, got float 2.5"),
        ({"mdp": "grid"}, r"mdp must be one of \('tightrope', 'random'\), got 'grid'"),
        ({"seed": -1}, "seed must be an integer >= 0, got int -1"),
        ({"seed": 1.0}, "seed must be an integer >= 0, got float 1.0"),
        ({"n_states": 0}, "n_states must be an integer >= 1, got 0"),
        ({"n_actions": 1}, r"n_actions must be >= 2 \(with one action pi' cannot deviate\)"),
    ],
)
def test_value_errors(params, match):
    with pytest.raises(ValueError, match=match):
        pg.distribution_shift_numbers(**params)
    with pytest.raises(ValueError, match=match):
        pg.distribution_shift_figure(**params)


def test_widget_builds_with_documented_controls(monkeypatch):
    calls = []
    real_figure = pgtheory.widgets.distribution_shift_figure

    def spy(*args):
        calls.append(args)
        return real_figure(*args)

    monkeypatch.setattr(pgtheory.widgets, "distribution_shift_figure", spy)
    open_before = plt.get_fignums()
    box = pg.distribution_shift_widget()
    assert isinstance(box, ipywidgets.VBox)
    controls, out = box.children
    assert isinstance(out, ipywidgets.Output)
    eps, horizon, mdp, seed = controls.children
    assert isinstance(eps, ipywidgets.FloatSlider)
    assert (eps.description, eps.value, eps.min, eps.max, eps.step) == ("eps", 0.1, 0.0, 1.0, 0.01)
    assert isinstance(horizon, ipywidgets.IntSlider)
    assert (horizon.description, horizon.value, horizon.min, horizon.max) == (
        "horizon",
        30,
        1,
        100,
    )
    assert isinstance(mdp, ipywidgets.Dropdown)
    assert (mdp.description, mdp.value, tuple(mdp.options)) == (
        "MDP",
        "random",
        ("tightrope", "random"),
    )
    assert isinstance(seed, ipywidgets.BoundedIntText)
    assert (seed.description, seed.value, seed.min) == ("seed", 0, 0)
    # Drawn once at construction with the defaults, then once per control change.
    assert calls == [(0.1, 30, "random", 0, 5, 3)]
    eps.value = 0.35
    mdp.value = "tightrope"
    horizon.value = 5
    seed.value = 12
    assert calls[1:] == [
        (0.35, 30, "random", 0, 5, 3),
        (0.35, 30, "tightrope", 0, 5, 3),
        (0.35, 5, "tightrope", 0, 5, 3),
        (0.35, 5, "tightrope", 12, 5, 3),
    ]
    assert plt.get_fignums() == open_before  # every figure was released
    for widget in (box, controls, out, eps, horizon, mdp, seed):
        widget.close()


def test_widget_value_errors():
    with pytest.raises(ValueError, match="n_actions must be >= 2, got 1"):
        pg.distribution_shift_widget(n_actions=1)
    with pytest.raises(ValueError, match="n_states must be an integer >= 1, got 0"):
        pg.distribution_shift_widget(n_states=0)
