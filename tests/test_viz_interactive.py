"""Tests for pgtheory.viz.interactive: control declarations, frames, the two representations.

The figure functions here paint a colour that encodes their parameters, so a frame can be
checked by reading one pixel back (an independent check of which function call produced
it), rather than by comparing with another call of the same rendering code.
"""

import matplotlib

matplotlib.use("Agg")

import base64
import io
import json
import re
from html.parser import HTMLParser

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from pgtheory.viz import interactive as it
from pgtheory.viz.interactive import (
    SMALLEST_TEXT_KEY,
    Control,
    dropdown,
    interactive_figure,
    render_png,
    slider,
    smallest_text_pt,
    smallest_text_px,
    toggle,
)

CALLS: list[dict] = []


def swatch(a=0.0, b=0, mode="red", flag=False, extra=0):
    """A 1 x 1 inch figure filled with a colour that encodes the parameters."""
    CALLS.append({"a": a, "b": b, "mode": mode, "flag": flag, "extra": extra})
    fig = Figure(figsize=(1, 1))
    channel = {"red": 0, "green": 1, "blue": 2}[mode]
    rgb = [0.0, 0.0, 0.0]
    rgb[channel] = 1.0
    rgb[(channel + 1) % 3] = a  # a in [0, 1]
    rgb[(channel + 2) % 3] = (b + (0.5 if flag else 0.0) + extra) / 4
    fig.patch.set_facecolor(rgb)
    return fig


def pixel(png: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(png)) as im:
        return im.convert("RGB").getpixel((im.width // 2, im.height // 2))


def expected_pixel(a, b, mode, flag, extra=0):
    channel = {"red": 0, "green": 1, "blue": 2}[mode]
    rgb = [0.0, 0.0, 0.0]
    rgb[channel] = 1.0
    rgb[(channel + 1) % 3] = a
    rgb[(channel + 2) % 3] = (b + (0.5 if flag else 0.0) + extra) / 4
    return tuple(round(255 * x) for x in rgb)


CONTROLS = [
    slider("a", [0.0, 0.25, 0.5, 0.75], default=0.25, label="α", fmt="{:.2f}"),
    slider("b", [0, 1, 2], default=1),
    dropdown("mode", {"Red": "red", "Green": "green"}, default="green", label="colour"),
    toggle("flag", default=True, label="half step"),
]


@pytest.fixture(scope="module")
def fig4():
    return interactive_figure(swatch, CONTROLS, fixed={"extra": 0}, alt="A swatch", dpi=20)


# -- declarations ---------------------------------------------------------------------
def test_slider_declaration():
    c = slider("eps", [0.0, 0.05, 0.1], default=0.05, label="ε", fmt="{:.2f}")
    assert (c.name, c.kind, c.values, c.default, c.label) == (
        "eps",
        "slider",
        (0.0, 0.05, 0.1),
        0.05,
        "ε",
    )
    assert c.value_labels == ("0.00", "0.05", "0.10")
    assert c.live == (0.0, 0.1, pytest.approx(0.05))
    assert c.default_index == 1
    assert c.index(0.1 + 1e-15) == 2  # floats match to rounding
    assert c.index(0.07) is None
    ints = slider("h", [10, 30, 100], default=30, live=(1, 100, 1))
    assert ints.values == (10, 30, 100) and all(type(v) is int for v in ints.values)
    assert ints.describe() == "h 10, 30 or 100"
    even = slider("e", [0.0, 0.1, 0.2, 0.3, 0.4], default=0.0, label="ε", fmt="{:.1f}")
    assert even.describe() == "ε 0.0 to 0.4 in steps of 0.1"


def test_dropdown_and_toggle_declarations():
    d = dropdown("mdp", ["tightrope", "random"], default="random", label="MDP")
    assert (d.kind, d.values, d.value_labels, d.default_index) == (
        "dropdown",
        ("tightrope", "random"),
        ("tightrope", "random"),
        1,
    )
    assert d.describe() == "MDP tightrope or random"
    m = dropdown("n", {"five": 5, "six": 6}, default=6)
    assert (m.values, m.value_labels) == ((5, 6), ("five", "six"))
    t = toggle("log", label="log scale")
    assert (t.kind, t.values, t.default, t.value_labels) == (
        "toggle",
        (False, True),
        False,
        ("off", "on"),
    )
    assert t.describe() == "log scale on and off"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: slider("eps", [], default=0.1), "control 'eps': values must not be empty, got ()"),
        (
            lambda: slider("eps", [0.0, 0.1], default=0.2),
            "control 'eps': default 0.2 is not among its values (0.0, 0.1)",
        ),
        (
            lambda: slider("eps", [0.0, 0.2, 0.1], default=0.0),
            "control 'eps': values must be strictly increasing, got values[1] = 0.2 and "
            "values[2] = 0.1",
        ),
        (
            lambda: slider("eps", [0.0, float("nan")], default=0.0),
            "control 'eps': values[1] must be a finite number, got nan",
        ),
        (
            lambda: slider("eps", [0.0, 0.5], default=0.0, live=(0.1, 1.0, 0.1)),
            "control 'eps': live range must contain the grid [0.0, 0.5] with a positive "
            "step, got (0.1, 1.0, 0.1)",
        ),
        (lambda: dropdown("m", [], default="a"), "control 'm': options must not be empty, got ()"),
        (
            lambda: dropdown("m", ["a", "b"], default="c"),
            "control 'm': default 'c' is not among its values ('a', 'b')",
        ),
        (
            lambda: dropdown("m", ["a", "a"], default="a"),
            "control 'm': expected 2 distinct value labels, got ('a', 'a')",
        ),
        (
            lambda: toggle("log", default=1),
            "control 'log': default must be True or False, got int 1",
        ),
        (
            lambda: Control("x", "knob", (1, 2), 1, "x", ("1", "2")),
            "control 'x': kind must be one of ('slider', 'dropdown', 'toggle'), got 'knob'",
        ),
        (
            lambda: Control("2x", "slider", (1,), 1, "x", ("1",)),
            "control name must be a Python identifier, got '2x'",
        ),
        (
            lambda: slider("eps", [0.0, 0.1], default=0.0, label=""),
            "control 'eps': label must be a non-empty string, got ''",
        ),
    ],
)
def test_declaration_errors(make, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        make()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"controls": []}, "controls must hold at least one control, got none"),
        (
            {"controls": [CONTROLS[0], ("b", [1, 2])]},
            "controls[1] must be a Control (from slider, dropdown or toggle), got tuple "
            "('b', [1, 2])",
        ),
        (
            {"controls": [CONTROLS[0], slider("a", [0.0, 1.0], default=0.0)]},
            "control 'a' is declared twice",
        ),
        (
            {"controls": [slider("c", [0, 1], default=0)]},
            "control 'c': swatch takes no parameter 'c' (it takes ['a', 'b', 'extra', 'flag', "
            "'mode'])",
        ),
        (
            {"controls": [CONTROLS[0]], "fixed": {"zz": 1}},
            "control 'zz': swatch takes no parameter 'zz' (it takes ['a', 'b', 'extra', "
            "'flag', 'mode'])",
        ),
        (
            {"controls": [CONTROLS[0]], "fixed": {"a": 0.5}},
            "controls ['a'] are also given in fixed",
        ),
        (
            {"controls": CONTROLS, "max_frames": 47},
            "the grid has 48 points ('a' 4 values, 'b' 3 values, 'mode' 2 values, 'flag' 2 "
            "values), more than max_frames=47: use fewer values",
        ),
        ({"controls": CONTROLS, "max_bytes": 0}, "max_bytes must be an integer >= 1, got 0"),
        (
            {"controls": [CONTROLS[0]], "ignores": lambda p: ["nope"]},
            "ignores({'a': 0.0}) names no control: ['nope']",
        ),
    ],
)
def test_interactive_figure_errors(kwargs, message):
    kwargs = {"dpi": 10, **kwargs}
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        interactive_figure(swatch, **kwargs)


def test_budget_is_enforced_with_the_controls_named():
    one = len(base64.b64encode(render_png(swatch(0.0, 0, "red"), dpi=20)))
    with pytest.raises(ValueError) as info:
        interactive_figure(swatch, CONTROLS[:2], dpi=20, colors=None, max_bytes=3 * one + 10)
    assert str(info.value).startswith(
        f"the frames exceed the page budget max_bytes={3 * one + 10}: "
    )
    assert "after 4 of 12 grid points ('a' 4 values, 'b' 3 values)" in str(info.value)


def test_a_failing_grid_point_names_its_parameters():
    def fragile(a=0.0, b=0):
        if a == 0.5 and b == 2:
            raise ZeroDivisionError("boom")
        return swatch(a, b)

    with pytest.raises(ValueError) as info:
        interactive_figure(fragile, CONTROLS[:2], dpi=10)
    assert str(info.value) == (
        "test_a_failing_grid_point_names_its_parameters.<locals>.fragile raised "
        "ZeroDivisionError at grid point 8 of 12, {'a': 0.5, 'b': 2}: boom"
    )
    assert isinstance(info.value.__cause__, ZeroDivisionError)

    with pytest.raises(ValueError, match=r"^.*returned NoneType at \{'a': 0.0\}, expected a"):
        interactive_figure(lambda a: None, CONTROLS[:1], dpi=10)


# -- frames -------------------------------------------------------------------------
def test_every_frame_shows_its_grid_point(fig4):
    assert fig4.grid_size == 4 * 3 * 2 * 2
    assert len(fig4.frames) == 48  # all distinct colours
    for a in (0.0, 0.25, 0.5, 0.75):
        for b in (0, 1, 2):
            for mode in ("red", "green"):
                for flag in (False, True):
                    got = pixel(fig4.frame(a=a, b=b, mode=mode, flag=flag))
                    want = expected_pixel(a, b, mode, flag)
                    assert np.abs(np.subtract(got, want)).max() <= 2, (a, b, mode, flag)
    # Row-major order over the controls, as the page's script indexes it.
    assert fig4.grid_index(a=0.0, b=0, mode="red", flag=False) == 0
    assert fig4.grid_index(a=0.0, b=0, mode="red", flag=True) == 1
    assert fig4.grid_index(a=0.0, b=0, mode="green", flag=False) == 2
    assert fig4.grid_index(a=0.25, b=0, mode="red", flag=False) == 12
    with pytest.raises(ValueError, match=r"^control 'a': 0.3 is not on the grid"):
        fig4.grid_index(a=0.3, b=0, mode="red", flag=False)
    with pytest.raises(ValueError, match=r"^expected values for exactly the controls"):
        fig4.frame(a=0.0)


def test_identical_frames_are_stored_once_and_ignores_skips_rendering():
    CALLS.clear()
    fig = interactive_figure(
        swatch, CONTROLS[:2], dpi=10, ignores=lambda p: ["b"] if p["a"] == 0 else []
    )
    # a = 0: b ignored, one call; the other 3 values of a: 3 calls each.
    assert len(CALLS) == 1 + 3 * 3
    assert fig.frame_of[:3] == (0, 0, 0)
    assert len(fig.frames) == 10
    CALLS.clear()
    same = interactive_figure(lambda a, b: swatch(a, 0), CONTROLS[:2], dpi=10)
    assert len(same.frames) == 4  # b changes nothing: deduplicated by bytes
    assert same.frame_of == (0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3)


def ignore_b_at_zero(params):
    return ["b"] if params["a"] == 0 else []


def test_inert_controls_are_those_that_change_no_frame():
    fig = interactive_figure(swatch, CONTROLS[:2], dpi=10, ignores=ignore_b_at_zero)
    assert fig.inert_controls(a=0.0, b=1) == ("b",)
    assert fig.inert_controls(a=0.25, b=1) == ()
    # Found from the frames, whether or not ``ignores`` says so: here b never matters.
    same = interactive_figure(lambda a, b: swatch(a, 0), CONTROLS[:2], dpi=10)
    assert same.inert_controls(a=0.5, b=2) == ("b",)
    with pytest.raises(ValueError, match=r"^control 'a': 0.3 is not on the grid"):
        fig.inert_controls(a=0.3, b=1)


def test_static_html_disables_a_control_that_does_nothing_at_the_defaults():
    controls = [slider("a", [0.0, 0.5], default=0.0), slider("b", [0, 1, 2], default=1)]
    parser = _Tags()
    parser.feed(interactive_figure(swatch, controls, dpi=10, ignores=ignore_b_at_zero).to_html())
    ranges = [a for t, a in parser.tags if t == "input" and a.get("type") == "range"]
    assert ["disabled" in r for r in ranges] == [False, True]
    labels = [a for t, a in parser.tags if t == "label"]
    assert [a.get("title") for a in labels] == [None, "no effect for the values chosen"]
    controls[0] = slider("a", [0.0, 0.5], default=0.5)
    parser = _Tags()
    parser.feed(interactive_figure(swatch, controls, dpi=10, ignores=ignore_b_at_zero).to_html())
    ranges = [a for t, a in parser.tags if t == "input" and a.get("type") == "range"]
    assert ["disabled" in r for r in ranges] == [False, False]


def test_live_widget_disables_what_ignores_names():
    controls = [slider("a", [0.0, 0.5], default=0.0), slider("b", [0, 1, 2], default=1)]
    fig = interactive_figure(swatch, controls, dpi=10, ignores=ignore_b_at_zero)
    box = fig.live_widget()
    a, b = box.children[0].children
    assert (a.disabled, b.disabled) == (False, True)
    a.value = 0.5
    assert (a.disabled, b.disabled) == (False, False)
    a.value = 0.0
    assert b.disabled
    for w in (box, *box.children, a, b):
        w.close()


def test_frames_are_deterministic_and_carry_only_the_smallest_text():
    first = interactive_figure(swatch, CONTROLS[:2], dpi=20).frames
    second = interactive_figure(swatch, CONTROLS[:2], dpi=20).frames
    assert first == second
    for png in first:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert png.count(b"tEXt") == 1 and SMALLEST_TEXT_KEY.encode() in png
        assert b"iTXt" not in png and b"tIME" not in png and b"zTXt" not in png


def _ticks_figure(tick_pt: float, other_pt: float = 12.0) -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_title("title", fontsize=other_pt)
    ax.set_xlabel("x", fontsize=other_pt)
    ax.set_ylabel("y", fontsize=other_pt)
    ax.legend(fontsize=other_pt)
    ax.tick_params(labelsize=tick_pt)
    return fig


@pytest.mark.parametrize("dpi", [72, 100, 150])
def test_smallest_text_is_recorded_in_pixels_of_the_png(dpi):
    """6 pt tick labels at ``dpi`` are 6 * dpi / 72 pixels of the image."""
    png = render_png(_ticks_figure(6.0), dpi=dpi)
    assert smallest_text_px(png) == pytest.approx(6.0 * dpi / 72, abs=0.005)
    assert render_png(_ticks_figure(6.0), dpi=dpi) == png  # still deterministic


def test_smallest_text_finds_a_small_legend_annotation_or_hidden_text():
    fig = _ticks_figure(10.0)
    fig.axes[0].legend(fontsize=7.0)
    assert smallest_text_px(render_png(fig, dpi=72)) == pytest.approx(7.0)
    fig.axes[0].annotate("note", (0.5, 0.5), fontsize=5.5)
    assert smallest_text_px(render_png(fig, dpi=72)) == pytest.approx(5.5)
    # Text that is not drawn does not count: invisible, blank, or outside the figure.
    fig = _ticks_figure(10.0)
    fig.axes[0].text(0.5, 0.5, "hidden", fontsize=3.0, visible=False)
    fig.axes[0].text(0.5, 0.5, "   ", fontsize=3.0)
    fig.text(5.0, 5.0, "off the figure", fontsize=3.0)
    assert smallest_text_px(render_png(fig, dpi=72)) == pytest.approx(10.0)
    assert smallest_text_pt(fig) == pytest.approx(10.0)


def test_smallest_text_of_a_figure_without_text_and_of_foreign_pngs():
    fig = Figure(figsize=(1, 1))
    assert smallest_text_px(render_png(fig, dpi=10)) is None
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="png")
    with pytest.raises(ValueError, match="not made by render_png"):
        smallest_text_px(buffer.getvalue())
    with pytest.raises(ValueError, match="not a PNG"):
        smallest_text_px(b"GIF89a")
    with pytest.raises(ValueError, match="must be a matplotlib Figure"):
        smallest_text_pt("figure")


def test_render_png_palette_and_full_colour():
    fig = Figure(figsize=(2, 1))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    open_before = plt.get_fignums()
    full, pal = render_png(fig, dpi=50), render_png(fig, dpi=50, colors=16)
    with Image.open(io.BytesIO(full)) as a, Image.open(io.BytesIO(pal)) as b:
        assert a.size == b.size == (100, 50)
        assert a.mode == "RGB" and b.mode == "P"
        assert len(b.getcolors()) <= 16
    fast = render_png(fig, dpi=50, fast=True)
    with Image.open(io.BytesIO(full)) as a, Image.open(io.BytesIO(fast)) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))  # same pixels, other zlib level
    assert fast != full
    assert fig.canvas.figure is fig and type(fig.canvas).__name__ == "FigureCanvasBase"
    assert plt.get_fignums() == open_before
    # A transparent figure is composited onto white, not black.
    clear = Figure(figsize=(1, 1))
    clear.patch.set_alpha(0.0)
    assert pixel(render_png(clear, dpi=10)) == (255, 255, 255)
    for bad, message in [
        ({"dpi": 0}, "dpi must be an integer >= 1, got 0"),
        ({"colors": 1}, "colors must be None or an integer in [2, 256], got 1"),
    ]:
        with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
            render_png(fig, **bad)
    with pytest.raises(ValueError, match=r"^fig must be a matplotlib Figure, got str$"):
        render_png("figure")


# -- the static page's control --------------------------------------------------------
class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_static_html(fig4):
    page = fig4.to_html()
    parser = _Tags()
    parser.feed(page)
    tags = parser.tags
    assert tags[0] == ("div", {"class": "pgt-interactive"})
    labels = [a for t, a in tags if t == "label"]
    assert [a["data-control"] for a in labels] == ["a", "b", "mode", "flag"]
    ranges = [a for t, a in tags if t == "input" and a.get("type") == "range"]
    assert [(r["min"], r["max"], r["value"], r["aria-valuetext"]) for r in ranges] == [
        ("0", "3", "1", "0.25"),
        ("0", "2", "1", "1"),
    ]
    options = [a for t, a in tags if t == "option"]
    assert [o["value"] for o in options] == ["0", "1"] and "selected" in options[1]
    checkbox = [a for t, a in tags if t == "input" and a.get("type") == "checkbox"]
    assert len(checkbox) == 1 and "checked" in checkbox[0]
    text = "".join(parser.text)
    for visible in ("α", "b", "colour", "half step", "Red", "Green", "0.25"):
        assert visible in text
    (img,) = [a for t, a in tags if t == "img"]
    default = fig4.frame(a=0.25, b=1, mode="green", flag=True)
    assert img["src"] == "data:image/png;base64," + base64.b64encode(default).decode()
    assert img["alt"] == "A swatch (α = 0.25, b = 1, colour = Green, half step = on)"
    assert fig4.grid_note in text
    assert "Binder" in fig4.grid_note and "JupyterLab" in fig4.grid_note
    payload = page.split('class="pgt-data">', 1)[1].split("</script>", 1)[0]
    data = json.loads(payload)
    assert data["sizes"] == [4, 3, 2, 2]
    assert data["frameOf"] == list(fig4.frame_of)
    assert [base64.b64decode(f) for f in data["frames"]] == list(fig4.frames)
    assert fig4.n_bytes == sum(len(f) for f in data["frames"])
    # Self-contained: no URL to fetch, no require.js, no external script.
    assert not re.search(r"https?://|src=\"(?!data:)|require\(", page)


def test_static_html_escapes_labels():
    fig = interactive_figure(
        swatch, [dropdown("mode", {"<b>red</b>": "red"}, default="red")], dpi=10, alt='"x"'
    )
    page = fig.to_html()
    assert "<b>red</b>" not in page and "&lt;b&gt;red&lt;/b&gt;" in page
    assert 'alt="&quot;x&quot; (mode = &lt;b&gt;red&lt;/b&gt;)"' in page


# -- the live widget and the mime bundle --------------------------------------------------
def test_live_widget_controls_and_redraws(fig4, monkeypatch):
    CALLS.clear()
    box = fig4.live_widget()
    assert isinstance(box, ipywidgets.VBox)
    controls, out = box.children
    assert isinstance(out, ipywidgets.Output)
    a, b, mode, flag = controls.children
    assert isinstance(a, ipywidgets.FloatSlider)
    assert (a.description, a.value, a.min, a.max, a.step) == ("α", 0.25, 0.0, 0.75, 0.25)
    assert isinstance(b, ipywidgets.IntSlider)
    assert (b.value, b.min, b.max, b.step) == (1, 0, 2, 1)
    assert isinstance(mode, ipywidgets.Dropdown)
    assert (mode.description, mode.value, mode.options) == (
        "colour",
        "green",
        (("Red", "red"), ("Green", "green")),
    )
    assert isinstance(flag, ipywidgets.Checkbox)
    assert (flag.description, flag.value) == ("half step", True)
    # Drawn at construction, then on every change, with any value (not only the grid's).
    a.value = 0.4
    mode.value = "red"
    expected = [
        {"a": 0.25, "b": 1, "mode": "green", "flag": True, "extra": 0},
        {"a": 0.4, "b": 1, "mode": "green", "flag": True, "extra": 0},
        {"a": 0.4, "b": 1, "mode": "red", "flag": True, "extra": 0},
    ]
    assert CALLS == expected
    for w in (box, controls, out, a, b, mode, flag):
        w.close()


def test_mime_bundle_has_both_representations(fig4):
    bundle = fig4._repr_mimebundle_()
    assert set(bundle) == {
        "text/plain",
        "text/html",
        "application/vnd.jupyter.widget-view+json",
    }
    assert bundle["text/html"] == fig4.to_html()
    assert bundle["text/plain"] == (
        "Interactive figure of swatch: a (4) × b (3) × mode (2) × flag (2) = 48 grid points, "
        f"48 distinct frames, {fig4.n_bytes / 1e6:.2f} MB"
    )
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["version_major"] == 2 and len(view["model_id"]) == 32


def test_live_slider_step_decimals():
    fig = interactive_figure(
        swatch, [slider("a", [0.0, 0.5], default=0.0, live=(0.0, 1.0, 0.01))], dpi=10
    )
    (a,) = fig.live_widget().children[0].children
    assert (a.step, a.readout_format) == (0.01, ".2f")
    assert it.DEFAULT_MAX_BYTES == 2_000_000
