"""Page weight: every chapter page of the built book, its HTML plus the images it loads.

A chapter page's weight is the size of its HTML file (which holds the interactive figure's
frames as ``data:`` URIs) plus the size of every image file that its ``<img src>`` names
(each file once). Issue #21: at most ``BUDGET`` bytes per chapter page, ``BUDGET_S7`` for
slide S7 (its figure has the most frames). Scripts, stylesheets and fonts that every page
shares are not counted here.

Run ``python tests/test_page_weight.py [HTML_ROOT]`` for the table of every chapter page.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import chapters  # noqa: E402  (tools/chapters.py: the chapter manifest)

#: Largest weight (bytes, 1 MB = 10**6 bytes) of a chapter page, HTML plus images.
BUDGET = 1_000_000
#: Largest weight of slide S7's page.
BUDGET_S7 = 1_500_000
CHAPTERS = chapters.load()


@dataclass(frozen=True)
class PageWeight:
    """Bytes of one built page: its HTML file, the image files it loads, and how much of
    the HTML is images: ``data:image/...`` URIs of ``img`` tags and the base64 frames of
    interactive figures."""

    page: str
    html_bytes: int
    image_bytes: int
    inline_image_bytes: int

    @property
    def total(self) -> int:
        return self.html_bytes + self.image_bytes


class _ImageSources(HTMLParser):
    """The ``src`` of every ``img``, and the base64 frames of every interactive figure
    (``<script class="pgt-data">``, :func:`pgtheory.viz.interactive_figure`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []
        self.frames: list[str] = []
        self._in_data = False
        self._data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img" and values.get("src"):
            self.sources.append(str(values["src"]))
        self._in_data = tag == "script" and "pgt-data" in (values.get("class") or "").split()
        self._data = []

    def handle_endtag(self, tag: str) -> None:
        if self._in_data:
            self.frames += json.loads("".join(self._data)).get("frames", [])
        self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self._data.append(data)


def page_weight(html_root: Path, rel_path: str) -> PageWeight:
    """The :class:`PageWeight` of ``rel_path`` (relative to ``html_root``).

    Raises
    ------
    ValueError
        If the page does not exist, or an ``img`` names a local file that does not exist.
    """
    page = Path(html_root) / rel_path
    if not page.is_file():
        raise ValueError(f"{rel_path} is not a page of the build in {html_root}")
    html = page.read_text(encoding="utf-8")
    parser = _ImageSources()
    parser.feed(html)
    files: set[Path] = set()
    for src in parser.sources:
        if src.startswith("data:"):
            continue
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            continue  # not a file of the site (the offline browser tests reject these)
        target = (page.parent / unquote(parts.path)).resolve()
        if not target.is_file():
            raise ValueError(f"{rel_path}: <img src={src!r}> names no file ({target})")
        files.add(target)
    inline = sum(len(s) for s in parser.sources if s.startswith("data:image/"))
    inline += sum(len(f) for f in parser.frames)
    return PageWeight(
        page=rel_path,
        html_bytes=page.stat().st_size,
        image_bytes=sum(f.stat().st_size for f in files),
        inline_image_bytes=inline,
    )


def budget(chapter: chapters.Chapter) -> int:
    return BUDGET_S7 if chapter.slide == "S7" else BUDGET


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_chapter_page_weight(book_html, chapter):
    weight = page_weight(book_html, chapter.html)
    assert weight.total <= budget(chapter), (
        f"{chapter.html} weighs {weight.total:,} bytes (HTML {weight.html_bytes:,}, of which "
        f"{weight.inline_image_bytes:,} inline images; image files {weight.image_bytes:,}), "
        f"over its budget of {budget(chapter):,} bytes"
    )


def test_page_weight_counts_html_and_each_image_file_once(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 992  # 1000 bytes
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "a.png").write_bytes(png)
    (tmp_path / "_images" / "b.png").write_bytes(png[:500])
    page = tmp_path / "book" / "p.html"
    page.parent.mkdir()
    page.write_text(
        '<img src="../_images/a.png"><img src="../_images/a.png"><img src="../_images/b.png">'
        '<img src="data:image/png;base64,AAAA">'
        '<script type="application/json" class="pgt-data">{"frames":["BBBB","CC"]}</script>',
        encoding="utf-8",
    )
    weight = page_weight(tmp_path, "book/p.html")
    assert weight.html_bytes == page.stat().st_size
    assert weight.image_bytes == 1500
    assert weight.inline_image_bytes == len("data:image/png;base64,AAAA") + 6
    assert weight.total == page.stat().st_size + 1500


def test_page_weight_fails_a_page_over_budget(tmp_path):
    """The check rejects a heavy page: an image file that takes the page over 1 MB."""
    (tmp_path / "big.png").write_bytes(b"\0" * BUDGET)
    (tmp_path / "p.html").write_text('<img src="big.png">', encoding="utf-8")
    assert page_weight(tmp_path, "p.html").total > BUDGET


def test_page_weight_rejects_a_missing_image(tmp_path):
    (tmp_path / "p.html").write_text('<img src="gone.png">', encoding="utf-8")
    with pytest.raises(ValueError, match="names no file"):
        page_weight(tmp_path, "p.html")


if __name__ == "__main__":
    html_root = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"
    print(f"{'page':45} {'HTML':>10} {'inline img':>10} {'img files':>10} {'total':>10}")
    for ch in CHAPTERS:
        w = page_weight(html_root, ch.html)
        print(
            f"{ch.html:45} {w.html_bytes:>10,} {w.inline_image_bytes:>10,} "
            f"{w.image_bytes:>10,} {w.total:>10,}"
        )
