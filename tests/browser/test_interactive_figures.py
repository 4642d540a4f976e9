"""The interactive figures of the published book work with no kernel and no network.

On the S7 page (served from 127.0.0.1, every other host blocked) each control of the
interactive figure is moved by keyboard and by mouse, and the image shown must be, byte for
byte, the page's own stored frame at the position that the library assigns to the selected
values (:func:`pgtheory.viz.distribution_shift_widget`, computed here in the test process),
and that frame must be the image the library renders for those values, within the
machine-noise tolerance of ``tests/image_compare.py`` (the page was rendered when the
chapter was executed, perhaps on another CPU: PNG bytes are not comparable across machines).
Labels, readouts, alt text and tab order are checked as a keyboard or screen-reader user
meets them. Every chapter's interactive figure (``figure`` in the chapter manifest
``book/chapters.toml``, S7's included) is checked more briefly: each control moved to its
last value. The frame-switch latency is measured by ``benchmarks/bench_browser.py``, not
here.
"""

from __future__ import annotations

import base64

import chapters
import pytest
from browser_support import ARTIFACTS, LOAD_TIMEOUT_MS, OfflineGuard
from image_compare import assert_same_image

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The chapters, from the manifest book/chapters.toml; ``figure`` names the library function
#: of a chapter's interactive figure.
CHAPTERS = chapters.load()
S7 = chapters.by_slide("S7", CHAPTERS)
S7_PAGE = S7.html
ROOT_SEL = ".pgt-interactive"


def library_figure(name: str):
    """The interactive figure that ``pgtheory.viz.<name>()`` makes, rendered with Agg."""
    import matplotlib

    matplotlib.use("Agg")
    import pgtheory.viz

    return getattr(pgtheory.viz, name)()


@pytest.fixture(scope="module")
def s7_widget():
    return library_figure(S7.figure)


@pytest.fixture
def s7(book):
    """(page, guard, errors) with the S7 page loaded and its interactive figure ready."""
    guard = OfflineGuard()
    context = book.browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    guard.attach(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text}")
            if msg.type == "error" and "Got invalid theme mode" not in msg.text
            else None
        ),
    )
    page.goto(book.base_url + S7_PAGE, wait_until="load")
    page.wait_for_selector(f"{ROOT_SEL}[data-pgt-ready]", timeout=LOAD_TIMEOUT_MS)
    try:
        yield page, guard, errors
    finally:
        context.close()


def shown(page) -> tuple[str, str]:
    """The ``src`` (a ``data:image/png;base64,`` URL) and the alt text of the frame shown."""
    img = page.locator(f"{ROOT_SEL} img.pgt-frame")
    src = img.get_attribute("src")
    assert src.startswith("data:image/png;base64,"), src[:40]
    return src, img.get_attribute("alt")


def stored(page, frame: int) -> dict:
    """The page's own grid (``frameOf``), its number of frames and its frame ``frame``
    (base64), read from the figure's JSON payload."""
    return page.evaluate(
        """([sel, k]) => {
          const root = document.querySelector(sel);
          const data = JSON.parse(root.querySelector('script.pgt-data').textContent);
          return {frameOf: data.frameOf, n: data.frames.length, frame: data.frames[k] ?? null};
        }""",
        [ROOT_SEL, frame],
    )


def state(page) -> dict:
    return page.evaluate(
        """(sel) => {
          const root = document.querySelector(sel);
          return Array.from(root.querySelectorAll('.pgt-control')).map((c) => {
            const f = c.querySelector('input, select');
            const out = c.querySelector('output');
            return {name: c.dataset.control, label: c.querySelector('.pgt-label').innerText,
                    value: f.type === 'checkbox' ? String(f.checked) : f.value,
                    readout: out ? out.textContent : f.options[f.selectedIndex].text,
                    valuetext: f.getAttribute('aria-valuetext'), disabled: f.disabled,
                    title: c.getAttribute('title')};
          });
        }""",
        ROOT_SEL,
    )


def selected_params(page, widget) -> dict:
    params = {}
    for control, st in zip(widget.controls, state(page), strict=True):
        assert st["name"] == control.name
        params[control.name] = control.values[int(st["value"])]
    return params


def assert_shows(page, widget, expected: dict) -> None:
    """The page shows, for the values ``expected``: its own stored frame at the position the
    library assigns to them (exactly), which is the library's frame (as an image, within
    the machine-noise tolerance), with the library's alt text and readouts, and with
    exactly the controls disabled that change nothing there (``inert_controls``)."""
    assert selected_params(page, widget) == expected
    src, alt = shown(page)
    frame = widget.frame_of[widget.grid_index(**expected)]
    page_data = stored(page, frame)
    assert page_data["frameOf"] == list(widget.frame_of), "the page's grid is not the library's"
    assert page_data["n"] == len(widget.frames), (page_data["n"], len(widget.frames))
    assert src == "data:image/png;base64," + page_data["frame"], (
        f"the page does not show its own frame {frame}, that of {expected}"
    )
    png = base64.b64decode(src.split(",", 1)[1], validate=True)
    assert_same_image(png, widget.frame(**expected), f"the page's frame of {expected}")
    assert alt == widget.alt_text(**expected)
    for control, st in zip(widget.controls, state(page), strict=True):
        text = control.value_labels[control.index(expected[control.name])]
        assert st["readout"] == text
        if control.kind == "slider":
            assert st["valuetext"] == text
    inert = set(widget.inert_controls(**expected))
    disabled = {st["name"] for st in state(page) if st["disabled"]}
    assert disabled == inert, f"at {expected}: disabled {disabled}, changing nothing {inert}"


def test_static_figure_is_labelled_and_starts_at_the_defaults(s7, s7_widget) -> None:
    page, guard, errors = s7
    assert [s["label"] for s in state(page)] == [c.label for c in s7_widget.controls]
    assert_shows(page, s7_widget, s7_widget.defaults())
    note = page.locator(f"{ROOT_SEL} .pgt-note").inner_text()
    assert note == s7_widget.grid_note
    assert page.locator(f"{ROOT_SEL} img.pgt-frame").is_visible()
    box = page.locator(f"{ROOT_SEL} img.pgt-frame").bounding_box()
    assert box["width"] > 500 and box["height"] > 250, box
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT_SEL).screenshot(path=str(ARTIFACTS / "s7_interactive_figure.png"))
    assert not errors, errors
    assert not guard.blocked, guard.blocked


def test_every_control_works_by_keyboard(s7, s7_widget) -> None:
    page, guard, errors = s7
    expected = s7_widget.defaults()
    fields = page.locator(f"{ROOT_SEL} .pgt-control input, {ROOT_SEL} .pgt-control select")
    # Tab order: the controls, in declaration order.
    fields.nth(0).focus()
    order = [page.evaluate("() => document.activeElement.closest('.pgt-control').dataset.control")]
    for _ in range(len(s7_widget.controls) - 1):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate("() => document.activeElement.closest('.pgt-control').dataset.control")
        )
    assert order == [c.name for c in s7_widget.controls]
    for k, control in enumerate(s7_widget.controls):
        fields.nth(k).focus()
        i = control.default_index
        # Arrow keys step through the grid (up/right forwards, left backwards).
        steps = ["ArrowRight", "ArrowRight", "ArrowLeft"] if control.kind == "slider" else []
        if control.kind == "dropdown":  # there and back (another option may disable a control)
            steps = ["ArrowUp", "ArrowDown"] if i > 0 else ["ArrowDown", "ArrowUp"]
        for key in steps:
            page.keyboard.press(key)
            forward = key in ("ArrowRight", "ArrowDown")
            i = min(max(i + (1 if forward else -1), 0), len(control.values) - 1)
            expected[control.name] = control.values[i]
            assert_shows(page, s7_widget, expected)
        if control.kind == "slider":
            page.keyboard.press("End")
            expected[control.name] = control.values[-1]
            assert_shows(page, s7_widget, expected)
            page.keyboard.press("Home")
            expected[control.name] = control.values[0]
            assert_shows(page, s7_widget, expected)
    assert not errors, errors
    assert not guard.blocked, guard.blocked


def test_every_control_works_by_mouse(s7, s7_widget) -> None:
    page, guard, errors = s7
    expected = s7_widget.defaults()
    for k, control in enumerate(s7_widget.controls):
        field = page.locator(f"{ROOT_SEL} .pgt-control").nth(k).locator("input, select")
        if control.kind == "dropdown":
            # The native option list is drawn outside the page; choose as a user would.
            for i in range(len(control.values)):
                field.select_option(str(i))
                expected[control.name] = control.values[i]
                assert_shows(page, s7_widget, expected)
            continue
        field.scroll_into_view_if_needed()
        box = field.bounding_box()
        n = len(control.values)
        for i in sorted({n - 1, 0, n // 2}, reverse=True):
            # Click the track where the browser puts position i (the thumb is ~16 px wide).
            x = box["x"] + 8 + (box["width"] - 16) * i / (n - 1)
            page.mouse.click(x, box["y"] + box["height"] / 2)
            expected[control.name] = control.values[i]
            assert_shows(page, s7_widget, expected)
        # Dragging the thumb from the start to the end.
        page.mouse.move(box["x"] + 8, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()
        expected[control.name] = control.values[-1]
        assert_shows(page, s7_widget, expected)
    assert not errors, errors
    assert not guard.blocked, guard.blocked


def test_the_seed_is_disabled_on_the_tightrope(s7, s7_widget) -> None:
    """S7's seed fixes a random MDP; on the tightrope it changes nothing, so it is disabled
    (with a tooltip that says why) until the random MDP is chosen again (issue #21)."""
    page, guard, errors = s7
    names = [c.name for c in s7_widget.controls]
    mdp = page.locator(f"{ROOT_SEL} .pgt-control").nth(names.index("mdp")).locator("select")
    seed = page.locator(f"{ROOT_SEL} .pgt-control").nth(names.index("seed"))
    expected = s7_widget.defaults()
    assert expected["mdp"] == "random" and seed.locator("input").is_enabled()
    mdp.select_option(str(s7_widget.controls[names.index("mdp")].index("tightrope")))
    expected["mdp"] = "tightrope"
    assert_shows(page, s7_widget, expected)
    assert seed.locator("input").is_disabled()
    assert seed.get_attribute("title") == "no effect for the values chosen"
    mdp.select_option(str(s7_widget.controls[names.index("mdp")].index("random")))
    expected["mdp"] = "random"
    assert_shows(page, s7_widget, expected)
    assert seed.locator("input").is_enabled() and seed.get_attribute("title") is None
    assert not errors, errors
    assert not guard.blocked, guard.blocked


#: Every chapter's interactive figure (the manifest's ``figure``), S7's included, checked more
#: briefly than S7's above: each control moved to its last value (End on a slider, the last
#: option of a dropdown, a toggle set) must show the page's own frame for those values, the
#: library's frame as an image (``assert_shows``).
CHAPTER_FIGURES = [c for c in CHAPTERS if c.figure is not None]


@pytest.mark.parametrize("chapter", CHAPTER_FIGURES, ids=lambda c: c.name)
def test_chapter_figure_controls_switch_to_the_library_frames(
    book, chapter: chapters.Chapter
) -> None:
    page_path, factory = chapter.html, chapter.figure
    widget = library_figure(factory)
    guard = OfflineGuard()
    context = book.browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    guard.attach(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    try:
        page.goto(book.base_url + page_path, wait_until="load")
        page.wait_for_selector(f"{ROOT_SEL}[data-pgt-ready]", timeout=LOAD_TIMEOUT_MS)
        assert page.locator(ROOT_SEL).count() == 1
        expected = widget.defaults()
        assert_shows(page, widget, expected)
        fields = page.locator(f"{ROOT_SEL} .pgt-control input, {ROOT_SEL} .pgt-control select")
        movable = [c for c in widget.controls if len(c.values) >= 2]
        assert movable, f"{factory}: no control to move"
        for k, control in enumerate(widget.controls):
            if control not in movable:
                continue
            if control.kind == "dropdown":
                fields.nth(k).select_option(index=len(control.values) - 1)
            elif control.kind == "toggle":
                fields.nth(k).set_checked(bool(control.values[-1]))
            else:
                fields.nth(k).focus()
                page.keyboard.press("End")
            expected[control.name] = control.values[-1]
            assert_shows(page, widget, expected)
        assert not errors, errors
        assert not guard.blocked, guard.blocked
    finally:
        context.close()
