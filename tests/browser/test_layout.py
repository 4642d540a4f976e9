"""The book as a reader sees it, on a desktop (1280 px) and a phone (400 px), light and dark.

Every page listed in ``_toc.yml`` is loaded once per width and colour scheme (the theme
follows the reader's system preference; its default mode is "auto"), in the offline
chromium of ``conftest.py``, and checked:

- it shows real content: the heading of its source, a phrase of its source's prose, and
  a minimum of text; a page whose source has math shows typeset formulas;
- nothing makes the page scroll sideways: every element of the article lies within the
  viewport, or inside a horizontally scrollable box of its own that does; nothing is cut
  off by an ``overflow: hidden`` box;
- every formula fits its box, or sits in a scrollable box that fits the viewport;
- on chapter pages (every chapter of the manifest ``book/chapters.toml``): visible code is
  at most a quarter of the article's height, and the first figure starts in the article's
  first half.

A full-page screenshot of each load goes to ``test-artifacts/screenshots/``
(``<page>__<width>px-<scheme>.png``): look at them after changing a page.
"""

from __future__ import annotations

import chapters
import pytest
from book_pages import (
    expected_heading,
    expected_phrase,
    plain,
    source_has_math,
    toc_docnames,
    words,
)
from conftest import DESKTOP, PHONE, SCHEMES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Characters of visible article text below which a page counts as blank.
MIN_TEXT_CHARS = 400
#: Largest share of a chapter's article height that visible code may take.
MAX_CODE_SHARE = 0.25
#: The first figure of a chapter must start within this share of the article's height.
FIRST_FIGURE_BY = 0.5
DOCNAMES = toc_docnames()
#: The chapters, from the manifest. One whose reader-first layout is still being written
#: says so in its ``layout_in_progress`` field (a reason): the two chapter layout checks are
#: then expected to fail there, strictly (remove the field when the layout lands).
CHAPTERS = chapters.load()
VIEWS = [(width, scheme) for width in (DESKTOP, PHONE) for scheme in SCHEMES]
VIEW_IDS = [f"{width}px-{scheme}" for width, scheme in VIEWS]


def _pages(docnames: list[str]) -> list[pytest.param]:
    return [
        pytest.param(f"{d}.html", width, scheme, id=f"{d.removeprefix('book/')}-{vid}")
        for d in docnames
        for (width, scheme), vid in zip(VIEWS, VIEW_IDS, strict=True)
    ]


def _chapter_pages() -> list[pytest.param]:
    params = []
    for chapter in CHAPTERS:
        reason = chapter.layout_in_progress
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        for (width, scheme), vid in zip(VIEWS, VIEW_IDS, strict=True):
            params.append(
                pytest.param(chapter.html, width, scheme, id=f"{chapter.name}-{vid}", marks=marks)
            )
    return params


def _fmt(items: list[object], limit: int = 12) -> str:
    shown = "\n  ".join(str(i) for i in items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"\n  {shown}{more}"


def _load(book, rel_path: str, width: int, scheme: str):
    report = book.visit(rel_path, screenshot=True, width=width, scheme=scheme)
    layout = report.layout
    assert layout["viewportWidth"] <= width, layout["viewportWidth"]
    assert layout["theme"] == scheme, (
        f"{rel_path}: the theme shows {layout['theme']!r} for a reader who prefers {scheme}"
    )
    return report, layout


@pytest.mark.parametrize(("rel_path", "width", "scheme"), _pages(DOCNAMES))
def test_page_shows_its_content(book, rel_path: str, width: int, scheme: str) -> None:
    report, layout = _load(book, rel_path, width, scheme)
    docname = rel_path.removesuffix(".html")
    heading = plain(layout["heading"] or "").rstrip("#").strip()
    want = expected_heading(docname)
    assert heading.endswith(want), (
        f"{rel_path} ({width}px, {scheme}): heading {heading!r}, expected {want!r}"
    )
    text = layout["articleText"]
    assert len(text.strip()) >= MIN_TEXT_CHARS, (
        f"{rel_path}: only {len(text.strip())} characters of visible text: {text[:200]!r}"
    )
    phrase = expected_phrase(docname)
    assert phrase in words(text), f"{rel_path}: the page does not show {phrase!r}"
    if source_has_math(docname):
        assert layout["formulas"] > 0, (
            f"{rel_path}: the source has math, the page shows no typeset formula"
        )
    assert report.screenshot is not None and report.screenshot.stat().st_size > 0


@pytest.mark.parametrize(("rel_path", "width", "scheme"), _pages(DOCNAMES))
def test_nothing_scrolls_the_page_sideways(book, rel_path: str, width: int, scheme: str) -> None:
    _report, layout = _load(book, rel_path, width, scheme)
    assert layout["articleHeight"] > 0 and layout["heading"], f"{rel_path}: no article shown"
    assert not layout["pageScrollers"], (
        f"{rel_path} ({width}px, {scheme}): the page scrolls sideways:"
        f"{_fmt(layout['pageScrollers'])}"
    )
    assert not layout["outside"], (
        f"{rel_path} ({width}px, {scheme}): content outside the viewport, not in a "
        f"scroll box:{_fmt(layout['outside'])}"
    )
    assert not layout["clipped"], (
        f"{rel_path} ({width}px, {scheme}): content cut off:{_fmt(layout['clipped'])}"
    )


@pytest.mark.parametrize(("rel_path", "width", "scheme"), _pages(DOCNAMES))
def test_formulas_fit_or_scroll_in_their_box(book, rel_path: str, width: int, scheme: str) -> None:
    _report, layout = _load(book, rel_path, width, scheme)
    assert layout["articleHeight"] > 0 and layout["heading"], f"{rel_path}: no article shown"
    if source_has_math(rel_path.removesuffix(".html")):
        assert layout["formulas"] > 0, f"{rel_path}: the source has math, the page none"
    assert not layout["mathProblems"], (
        f"{rel_path} ({width}px, {scheme}): {len(layout['mathProblems'])} of "
        f"{layout['formulas']} formulas do not fit:{_fmt(layout['mathProblems'])}"
    )


@pytest.mark.parametrize(("rel_path", "width", "scheme"), _chapter_pages())
def test_chapter_code_is_at_most_a_quarter_of_the_page(
    book, rel_path: str, width: int, scheme: str
) -> None:
    _report, layout = _load(book, rel_path, width, scheme)
    height = layout["articleHeight"]
    assert height > 0 and layout["heading"], f"{rel_path}: no article shown"
    share = layout["codeHeight"] / height
    assert share <= MAX_CODE_SHARE, (
        f"{rel_path} ({width}px, {scheme}): {layout['codeBlocks']} visible code blocks take "
        f"{share:.0%} of the article's height (at most {MAX_CODE_SHARE:.0%}); hide set-up, "
        f"formatting and checking cells (hide-input / remove-input)"
    )


@pytest.mark.parametrize(("rel_path", "width", "scheme"), _chapter_pages())
def test_chapter_first_figure_is_in_the_first_half(
    book, rel_path: str, width: int, scheme: str
) -> None:
    _report, layout = _load(book, rel_path, width, scheme)
    height = layout["articleHeight"]
    figure = layout["firstFigure"]
    assert figure is not None, f"{rel_path} ({width}px, {scheme}): no visible figure"
    assert figure["top"] <= FIRST_FIGURE_BY * height, (
        f"{rel_path} ({width}px, {scheme}): the first figure {figure['what']} starts "
        f"{figure['top'] / height:.0%} down the article (at most {FIRST_FIGURE_BY:.0%})"
    )
