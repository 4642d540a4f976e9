"""Page weight: no page loads a script over 200 KB except MathJax, and the icons still show.

pydata-sphinx-theme loads Font Awesome's SVG-with-JavaScript build (1.45 MB) on every page;
the book drops it (``tools/pgtheory_sphinx.py``, point 7) and its icons are drawn by the web
fonts that the theme's stylesheet already uses. Checked three ways:

- statically, on every HTML page of the build: each local ``<script src>`` names a file of
  at most :data:`MAX_SCRIPT_BYTES` (MathJax, under ``_static/mathjax/``, is the exception);
- in the browser, on a chapter page at 1280 and 400 px: the bytes of every script response
  (MathJax excepted), and every visible icon (``<i class="fa-...">``, or an SVG icon) has a
  non-zero size and is drawn by a loaded Font Awesome face (or is an SVG);
- negatively: the same page with the icon fonts' requests aborted fails the icon check.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import chapters
import pytest
from browser_support import OfflineGuard
from conftest import DESKTOP, PHONE, reader_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Largest script a page may load (bytes), MathJax excepted.
MAX_SCRIPT_BYTES = 200_000
#: Scripts exempt from the limit: MathJax's own files.
EXEMPT = re.compile(r"(^|/)_static/mathjax/")
CHAPTER = chapters.by_slide("S3")
_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)

# Every visible icon of the page: its size and what draws it.
_ICONS_JS = r"""
async () => {
  await document.fonts.ready;
  const loaded = new Set(Array.from(document.fonts)
    .filter((f) => f.status === 'loaded')
    .map((f) => `${f.family.replace(/["']/g, '')}|${f.weight}`));
  const icons = Array.from(document.querySelectorAll(
    'i[class*="fa-"], span[class*="fa-"], svg.svg-inline--fa'))
    .filter((el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}));
  return icons.map((el) => {
    const r = el.getBoundingClientRect();
    const before = getComputedStyle(el, '::before');
    const family = before.fontFamily.split(',')[0].replace(/["']/g, '').trim();
    const face = `${family}|${before.fontWeight}`;
    return {
      icon: (el.getAttribute('class') || '').trim(),
      width: r.width,
      height: r.height,
      svg: el.tagName.toLowerCase() === 'svg',
      face,
      drawn: el.tagName.toLowerCase() === 'svg'
        || (before.content !== 'none' && family.startsWith('Font Awesome') && loaded.has(face)),
    };
  });
}
"""


def _local_script_files(html_root: Path, page: Path) -> list[Path]:
    text = page.read_text(encoding="utf-8")
    files = []
    for src in _SCRIPT_SRC.findall(text):
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            continue  # test_published_book.py checks that no page needs the network
        files.append((page.parent / unquote(parts.path)).resolve())
    return files


def heavy_scripts(html_root: Path) -> list[str]:
    """``page: script (bytes)`` for each local script over the limit that a page names."""
    pages = [p for p in html_root.rglob("*.html") if "_static" not in p.parts]
    assert pages, f"no page under {html_root}"
    heavy = []
    for page in pages:
        for script in _local_script_files(html_root, page):
            rel = script.relative_to(html_root).as_posix()
            if EXEMPT.search(rel) or not script.is_file():
                continue
            size = script.stat().st_size
            if size > MAX_SCRIPT_BYTES:
                heavy.append(f"{page.relative_to(html_root)}: {rel} ({size:,} bytes)")
    return heavy


def test_no_page_names_a_script_over_the_limit(book_html: Path) -> None:
    heavy = heavy_scripts(Path(book_html).resolve())
    assert not heavy, f"scripts over {MAX_SCRIPT_BYTES:,} bytes:\n  " + "\n  ".join(
        sorted(set(heavy))[:20]
    )


def test_the_script_check_catches_the_icon_script(tmp_path: Path) -> None:
    """Negative test: a page that still names the theme's 1.45 MB fontawesome.js fails."""
    scripts = tmp_path / "_static" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "fontawesome.js").write_bytes(b"/* icons */" * 140_000)
    (tmp_path / "_static" / "mathjax").mkdir()
    (tmp_path / "_static" / "mathjax" / "tex-chtml.js").write_bytes(b"/* mathjax */" * 90_000)
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "s3.html").write_text(
        '<script src="../_static/mathjax/tex-chtml.js"></script>\n'
        '<script defer="defer" src="../_static/scripts/fontawesome.js?v=1"></script>\n',
        encoding="utf-8",
    )
    heavy = heavy_scripts(tmp_path.resolve())
    assert heavy == ["book/s3.html: _static/scripts/fontawesome.js (1,540,000 bytes)"], heavy


def load_icons(book, rel_path: str, width: int, *, block_fonts: bool = False) -> dict:
    """Load ``rel_path`` at ``width`` px; the scripts it loaded (bytes) and its icons."""
    guard = OfflineGuard()
    context = reader_context(book.browser, width, "light", guard)
    if block_fonts:
        context.route("**/webfonts/*", lambda route: route.abort("blockedbyclient"))
    page = context.new_page()
    responses: list = []
    page.on(
        "response",
        lambda r: responses.append(r) if r.request.resource_type == "script" else None,
    )
    try:
        page.goto(book.base_url + rel_path, wait_until="load")
        page.wait_for_load_state("networkidle")
        icons = page.evaluate(_ICONS_JS)
        scripts = {r.url: len(r.body()) for r in responses if r.ok}
        return {"scripts": scripts, "icons": icons, "blocked": guard.blocked}
    finally:
        context.close()


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_chapter_scripts_are_light_and_icons_show(book, width: int) -> None:
    loaded = load_icons(book, CHAPTER.html, width)
    heavy = {
        url: size
        for url, size in loaded["scripts"].items()
        if size > MAX_SCRIPT_BYTES and not EXEMPT.search(urlsplit(url).path)
    }
    assert not heavy, f"{CHAPTER.html} at {width} px loaded scripts over the limit: {heavy}"
    icons = loaded["icons"]
    # The navbar, the page's buttons (download, launch, full screen, theme, search) at least.
    assert len(icons) >= 4, f"{CHAPTER.html} at {width} px: only {len(icons)} visible icons"
    bad = [i for i in icons if not (i["width"] > 0 and i["height"] > 0 and i["drawn"])]
    assert not bad, f"{CHAPTER.html} at {width} px: icons not drawn: {bad}"


def test_the_icon_check_catches_missing_icon_fonts(book) -> None:
    """Negative test: with the icon fonts blocked, the visible icons are not drawn."""
    loaded = load_icons(book, CHAPTER.html, DESKTOP, block_fonts=True)
    icons = loaded["icons"]
    assert icons, "no visible icon found"
    assert any(not i["drawn"] for i in icons), f"blocked fonts went unnoticed: {icons}"
