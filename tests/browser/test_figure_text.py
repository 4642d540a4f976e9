"""The text of every figure is legible on the screen it is shown on (issue #21).

Every figure of the book is a PNG made by :func:`pgtheory.viz.render_png`, which records in
the image the size of the smallest text it draws, in pixels of the image
(:func:`pgtheory.viz.interactive.smallest_text_px`). On each chapter page, loaded at a phone's
and a desktop's width, every visible figure ``<img>`` of the article is measured as the
reader sees it: smallest text in CSS px = smallest text in image px * the image's rendered
width / its natural width. For an interactive figure every stored frame is measured at the
width of the image that shows it. At 400 px no text may be smaller than ``PHONE_MIN_PX``; at
1280 px none smaller than ``DESKTOP_MIN_PX``.

The negative tests serve a page with a figure that has the defect (the former two-panel
layout, 9 inches at 150 dpi, or 6 pt tick labels) and check that the same measurement
rejects it.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import unquote, urlsplit

import chapters
import pytest
from browser_support import OfflineGuard, serve_directory
from conftest import DESKTOP, PHONE, reader_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHAPTERS = chapters.load()
#: Smallest text (CSS px) allowed in a figure at the phone's and the desktop's width.
PHONE_MIN_PX, DESKTOP_MIN_PX = 9.0, 11.0
MIN_PX = {PHONE: PHONE_MIN_PX, DESKTOP: DESKTOP_MIN_PX}

# Every visible image of the article (not inside a formula), with the frames of the
# interactive figure that shows it, if any.
_FIGURES_JS = r"""
() => {
  const article = document.querySelector('article.bd-article')
    || document.querySelector('article') || document.body;
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && el.getBoundingClientRect().width > 0;
  return Array.from(article.querySelectorAll('img'))
    .filter((img) => !img.closest('mjx-container') && shown(img))
    .map((img) => {
      const box = img.closest('.pgt-interactive');
      const data = box ? box.querySelector('script.pgt-data') : null;
      return {
        src: img.currentSrc,
        frames: data ? JSON.parse(data.textContent).frames : null,
        naturalWidth: img.naturalWidth,
        width: img.getBoundingClientRect().width,
        alt: (img.alt || '').slice(0, 70),
      };
    });
}
"""


def _png_width(png: bytes) -> int:
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big")


def _image_bytes(src: str, base_url: str, html_root: Path) -> bytes:
    if src.startswith("data:image/png;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    if not src.startswith(base_url):
        raise ValueError(f"image {src[:80]!r} is not served by the book")
    return (html_root / unquote(urlsplit(src).path).lstrip("/")).read_bytes()


def figure_text_sizes(
    browser, base_url: str, html_root: Path, rel_path: str, width: int
) -> list[tuple[str, float | None]]:
    """``(figure, smallest text in CSS px)`` for every visible figure of the page's article
    at a ``width`` px wide viewport (None: a figure without text). A figure that is not a
    :func:`pgtheory.viz.render_png` image fails (``ValueError``): it cannot be measured."""
    from pgtheory.viz.interactive import smallest_text_px

    guard = OfflineGuard()
    context = reader_context(browser, width, "light", guard)
    try:
        page = context.new_page()
        page.goto(base_url + rel_path, wait_until="load")
        # Every image decoded (its natural width known); the layout is the final one.
        page.wait_for_function("() => Array.from(document.images).every((i) => i.complete)")
        images = page.evaluate(_FIGURES_JS)
    finally:
        context.close()
    sizes: list[tuple[str, float | None]] = []
    for k, img in enumerate(images):
        name = f"{rel_path} image {k} ({img['alt']!r})"
        if img["frames"] is not None:
            pngs = [base64.b64decode(f) for f in img["frames"]]
        else:
            pngs = [_image_bytes(img["src"], base_url, html_root)]
        smallest: float | None = None
        for png in pngs:
            try:
                px = smallest_text_px(png)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from exc
            if px is not None:
                css = px * img["width"] / _png_width(png)
                smallest = css if smallest is None else min(smallest, css)
        sizes.append((name, smallest))
    return sizes


def too_small(sizes: list[tuple[str, float | None]], min_px: float) -> list[str]:
    return [f"{name}: {px:.2f} CSS px" for name, px in sizes if px is not None and px < min_px]


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_figure_text_is_legible(book, chapter, width):
    sizes = figure_text_sizes(book.browser, book.base_url, book.html_root, chapter.html, width)
    assert sizes, f"{chapter.html} shows no figure"
    small = too_small(sizes, MIN_PX[width])
    assert not small, (
        f"at {width} px, figure text smaller than {MIN_PX[width]} CSS px:\n" + "\n".join(small)
    )


def _defect_page(root: Path) -> None:
    """A page with a figure in the book's style, one in the former 9-inch two-panel
    layout shown 720 px wide, and one with 6 pt tick labels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    import pgtheory.viz as viz

    def panels(ncols: int, width: float) -> Figure:
        with viz.figure_style():
            fig = Figure(figsize=(width, 3.2), layout="constrained")
            for ax in fig.subplots(1, ncols, squeeze=False)[0]:
                ax.plot([0, 1], [0, 1], label="line")
                ax.legend()
        return fig

    good = panels(1, viz.FIGURE_WIDTH)
    small = panels(1, viz.FIGURE_WIDTH)
    small.axes[0].tick_params(labelsize=6)
    images = [
        ("good.png", viz.render_png(good), viz.style.display_width(viz.FIGURE_WIDTH)),
        ("wide.png", viz.render_png(panels(2, 9.0)), 720),
        ("small.png", viz.render_png(small), viz.style.display_width(viz.FIGURE_WIDTH)),
    ]
    body = ""
    for name, png, shown in images:
        (root / name).write_bytes(png)
        body += f'<p><img alt="{name}" src="{name}" width="{shown}" style="max-width:100%"></p>'
    (root / "page.html").write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">'
        f"</head><body><article style='margin:0 24px'>{body}</article></body></html>",
        encoding="utf-8",
    )


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_measurement_fails_figures_with_the_defect(browser, tmp_path, width):
    _defect_page(tmp_path)
    with serve_directory(tmp_path) as base_url:
        sizes = dict(figure_text_sizes(browser, base_url, tmp_path, "page.html", width))
    by_name = {name.split("'")[1]: px for name, px in sizes.items()}
    assert set(by_name) == {"good.png", "wide.png", "small.png"}
    small = too_small(list(by_name.items()), MIN_PX[width])
    assert "small.png: " in "\n".join(small), by_name
    assert not any(s.startswith("good.png") for s in small), by_name
    if width == PHONE:  # the two-panel figure is legible at 720 px, not in 352 px
        assert any(s.startswith("wide.png") for s in small), by_name
