"""Every chapter's interactive figure adds to its chapter (issue #21).

- **It opens somewhere new.** Where a chapter draws the widget's picture as a static figure
  too, the widget's defaults differ from that figure's parameters in at least one control:
  the first frame a reader sees adds to the figure above it instead of repeating it. The
  parameters are compared, not images; the controls are read from the library without
  rendering a frame.
- **No control invites a useless click.** In the committed chapter's stored page, every
  control either changes the frame shown when moved from the defaults (the others held),
  or is disabled there; and a disabled control is one that changes nothing. Read from the
  page's own frame table (``frameOf``), not from image bytes. The page's script keeps this
  true for the other states (``tests/browser/test_interactive_figures.py``).
"""

from __future__ import annotations

import importlib
import json
import math
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import chapters
import nbformat
import pytest

import pgtheory.viz
from pgtheory.viz import interactive_figure, slider
from pgtheory.viz.distribution_shift import DISTRIBUTION_SHIFT_DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [c for c in chapters.load() if c.figure is not None]

#: For each chapter whose widget draws a picture that the chapter also shows as a static
#: figure: that figure's parameters (named as the widget's controls) and the lines of the
#: chapter's text twin that set them (so that this table follows the chapter).
STATIC_FIGURES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "S3": (
        {"distance": 1.0, "gamma": 0.9},
        ("distance = 1.0", "pdl_example(distance=distance, gamma=0.9)"),
    ),
    "S5": ({"distance": 1.0}, ("viz.ess_figure(1.0)",)),
    "S6": ({"step": 2.0, "seed": 0}, ("viz.mismatch_figure(2.0, 0)",)),
    "S7": (
        {k: DISTRIBUTION_SHIFT_DEFAULTS[k] for k in ("eps", "horizon", "mdp", "seed")},
        ("eps = 0.1", "T = 30", "pg.distribution_shift_numbers(eps=eps, horizon=T)"),
    ),
    "S8": ({"eps": 0.1, "mdp": "random"}, ("eps = 0.1", 'coupling_figure(eps=eps, mdp="random"')),
    "S9": (
        {"largest_step": 0.03, "gamma": 0.9},
        ("gamma = 0.9", "objective_bound_figure(0.03, gamma)"),
    ),
    "S10": (
        {"family": "all", "eps": 0.1, "gamma": 0.9},
        ("gamma = 0.9", 'viz.guarantee_figure("all", eps=0.1, gamma=gamma)'),
    ),
}
#: Chapters whose widget has no static twin in the chapter (S4's figure is another picture).
NO_STATIC_FIGURE = {"S1", "S2", "S4"}


def widget_controls(name: str, monkeypatch: pytest.MonkeyPatch) -> list:
    """The controls of ``pgtheory.viz.<name>()``, read without rendering its frames."""
    module = importlib.import_module(getattr(pgtheory.viz, name).__module__)
    seen: list = []

    def capture(func, controls, **kwargs):
        seen.extend(controls)
        return None

    monkeypatch.setattr(module, "interactive_figure", capture)
    getattr(pgtheory.viz, name)()
    assert seen, f"{name} declared no controls"
    return seen


def test_the_table_covers_every_chapter_with_a_figure() -> None:
    assert {c.slide for c in CHAPTERS} == set(STATIC_FIGURES) | NO_STATIC_FIGURE


@pytest.mark.parametrize("slide", sorted(STATIC_FIGURES))
def test_the_widget_opens_away_from_the_static_figure(slide: str, monkeypatch) -> None:
    chapter = chapters.by_slide(slide)
    static, lines = STATIC_FIGURES[slide]
    twin = (ROOT / "book" / "text" / (Path(chapter.file).stem + ".md")).read_text("utf-8")
    for line in lines:
        assert line in twin, f"{slide}: the static figure is no longer set by {line!r}"
    defaults = {c.name: c.default for c in widget_controls(chapter.figure, monkeypatch)}
    assert set(static) <= set(defaults), (static, defaults)
    differ = [k for k in static if defaults[k] != static[k]]
    assert differ, f"{slide}: {chapter.figure} opens at the static figure's {static}"


# -- controls that do nothing ---------------------------------------------------------------
class _Controls(HTMLParser):
    """The controls of a stored interactive figure: name, default position, disabled."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, Any]] = []
        self._select = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "label" and "data-control" in a:
            self.controls.append({"name": a["data-control"], "pos": None, "disabled": False})
        elif tag == "input" and self.controls and self.controls[-1]["pos"] is None:
            c = self.controls[-1]
            c["disabled"] = "disabled" in a
            c["pos"] = int(a["value"]) if a.get("type") == "range" else int("checked" in a)
        elif tag == "select":
            self._select = True
            self.controls[-1]["disabled"] = "disabled" in a
        elif tag == "option" and self._select and "selected" in a:
            self.controls[-1]["pos"] = int(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = False


def misleading_controls(html: str) -> list[str]:
    """Controls of a stored figure that do nothing at the defaults yet are enabled, or that
    act yet are disabled (each with the reason)."""
    head, rest = html.split('class="pgt-data">', 1)
    data = json.loads(rest.split("</script>", 1)[0])
    parser = _Controls()
    parser.feed(head)
    sizes, frame_of = data["sizes"], data["frameOf"]
    assert len(parser.controls) == len(sizes) and len(frame_of) == math.prod(sizes)
    pos = [c["pos"] for c in parser.controls]

    def frame(p: list[int]) -> int:
        flat = 0
        for k, n in zip(p, sizes, strict=True):
            flat = flat * n + k
        return frame_of[flat]

    bad = []
    for k, c in enumerate(parser.controls):
        moved = [frame([*pos[:k], v, *pos[k + 1 :]]) for v in range(sizes[k])]
        inert = all(f == frame(pos) for f in moved)
        if inert and not c["disabled"]:
            bad.append(f"{c['name']}: changes nothing at the defaults but is enabled")
        if c["disabled"] and not inert:
            bad.append(f"{c['name']}: disabled at the defaults but changes the frame")
    return bad


def disabled(html: str) -> list[bool]:
    parser = _Controls()
    parser.feed(html.split('class="pgt-data">', 1)[0])
    return [c["disabled"] for c in parser.controls]


def stored_figure(chapter: chapters.Chapter) -> str:
    nb = nbformat.read(ROOT / chapter.file, as_version=4)
    found = [
        o["data"]["text/html"]
        for cell in nb.cells
        for o in cell.get("outputs", [])
        if "pgt-interactive" in o.get("data", {}).get("text/html", "")
    ]
    assert len(found) == 1, f"{chapter.file}: {len(found)} stored interactive figures"
    return found[0]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.slide)
def test_every_control_acts_at_the_defaults_or_is_disabled(chapter) -> None:
    assert misleading_controls(stored_figure(chapter)) == []


def _two_controls(a: float = 0.0, b: int = 0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    fig.patch.set_facecolor((a, 0.5 if a else 0.0, b / 2 if a else 0.0))  # b ignored at a = 0
    return fig


def test_the_check_catches_an_enabled_control_that_does_nothing() -> None:
    controls = [slider("a", [0.0, 1.0], default=0.0), slider("b", [0, 1, 2], default=1)]
    html = interactive_figure(_two_controls, controls, dpi=10).to_html()
    assert misleading_controls(html) == []  # b changes nothing at a = 0: disabled
    assert disabled(html) == [False, True]
    enabled = html.replace('aria-valuetext="1" disabled>', 'aria-valuetext="1">', 1)
    assert misleading_controls(enabled) == ["b: changes nothing at the defaults but is enabled"]
    controls[0] = slider("a", [0.0, 1.0], default=1.0)
    html = interactive_figure(_two_controls, controls, dpi=10).to_html()
    assert misleading_controls(html) == [] and disabled(html) == [False, False]
    wrong = html.replace('step="1" value="1"', 'step="1" value="1" disabled', 1)
    assert misleading_controls(wrong) == ["a: disabled at the defaults but changes the frame"]
