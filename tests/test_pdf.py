"""The book as one PDF (``python3 tasks.py pdf``, tools/build_pdf.py), checked with poppler.

The PDF is printed once per session from the book that ``book_build`` built, by the
``book_pdf`` fixture (tests/conftest.py: the site under test includes its PDF), and read
back with Debian's poppler-utils, not with the tools that wrote it: ``pdftotext`` for the
text, ``pdfimages`` for the figures, ``pdftoppm`` for rendered
pages. Each page of ``_toc.yml`` must be there, in order, starting on a new sheet (its
own outline entry), with its title, its text, its figures, and no raw TeX. The checker is
also shown to fail on broken PDFs: a chapter left empty, and a page printed without
MathJax.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the fixture's type; tests/browser has a conftest module too
    from conftest import BookPdf

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
import build_pdf  # noqa: E402 - tools/ is not a package
import chapters  # noqa: E402

#: TeX that MathJax should have typeset: its delimiters with content, and common macros.
RAW_TEX = re.compile(
    r"\\\(.{0,200}?\\\)|\\\[.{0,400}?\\\]|\$\$|\$[^$\s][^$]{0,80}\$"
    r"|\\(?:frac|sum|begin|end|mathbb|mathrm|mathcal|left|right|operatorname|sqrt|cdot"
    r"|epsilon|gamma|theta|pi|le|ge|ldots|infty|Pr|E)(?![A-Za-z])",
    re.S,
)
#: A chapter's printed text must hold at least this share of its page's words.
MIN_TEXT_SHARE = 0.4


def poppler(*args: str | Path) -> str:
    tool = str(args[0])
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: `apt-get install -y poppler-utils` (tasks.py test does)")
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


class _PageReader(HTMLParser):
    """What a page's article says: its title, words, code text and printed figures."""

    SKIP = frozenset({"script", "style", "template", "noscript"})
    #: Not printed (tools/build_pdf.py's print stylesheet) or not text.
    HIDDEN = re.compile(r"\b(solution|above-input|toggle-hidden|headerlink|pgt-data)\b")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool, bool]] = []  # tag, hidden, code, figure
        self.in_article = 0
        self.words: list[str] = []
        self.code: list[str] = []
        self.h1: list[str] = []
        self.images = 0

    VOID = frozenset({"img", "br", "hr", "meta", "link", "input", "source", "wbr", "col", "area"})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = a.get("class") or ""
        hidden, code, figure = self.stack[-1][1:] if self.stack else (False, False, False)
        hidden = hidden or tag in self.SKIP or bool(self.HIDDEN.search(cls)) or tag == "details"
        code = code or tag in {"code", "pre", "kbd", "samp"}
        figure = figure or "cell_output" in cls.split() or tag == "figure"
        if tag == "article":
            self.in_article += 1
        if tag == "img" and self.in_article and figure and not hidden:
            self.images += 1
        if tag not in self.VOID:
            self.stack.append((tag, hidden, code, figure))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag == "article":
            self.in_article -= 1

    def handle_data(self, data: str) -> None:
        if not self.in_article or not self.stack:
            return
        _, hidden, code, _ = self.stack[-1]
        if code:
            self.code.append(data)
        if hidden:
            return
        if any(t == "h1" for t, *_ in self.stack) and not re.fullmatch(r"[\d.\s]*", data):
            self.h1.append(data)
        self.words += re.findall(r"[A-Za-z]{3,}", data)


@dataclass
class Expected:
    docname: str
    title: str
    n_words: int
    n_images: int
    code: str


def expected_pages(html_dir: Path, docnames: list[str]) -> list[Expected]:
    out = []
    for docname in docnames:
        reader = _PageReader()
        reader.feed((html_dir / f"{docname}.html").read_text(encoding="utf-8"))
        title = " ".join(html.unescape("".join(reader.h1)).replace("#", "").split())
        out.append(Expected(docname, title, len(reader.words), reader.images, "".join(reader.code)))
    return out


def squash(text: str) -> str:
    """Letters and digits only, lower case: line breaks and hyphenation do not matter."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def outline_starts(pdf: Path) -> list[tuple[str, int]]:
    """``(title, first page counted from 1)`` of the PDF's top-level outline entries."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    return [
        (item.title, reader.get_destination_page_number(item) + 1)
        for item in reader.outline
        if not isinstance(item, list)
    ]


def check_pdf(
    pdf: Path, html_dir: Path, docnames: list[str] | None = None
) -> tuple[list[str], int]:
    """Problems found in ``pdf`` against the built pages (default: the toc's), page count."""
    n_pages = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", pdf), re.M).group(1))
    docnames = build_pdf.toc_docnames() if docnames is None else docnames
    expected = expected_pages(html_dir, docnames)
    starts = outline_starts(pdf)
    problems = []
    if len(starts) != len(expected):
        problems.append(f"{len(starts)} outline entries for {len(expected)} toc pages")
        return problems, n_pages
    bounds = [s for _, s in starts] + [n_pages + 1]
    if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
        problems.append(f"outline pages not increasing: {bounds}")
        return problems, n_pages
    for k, page in enumerate(expected):
        first, last = bounds[k], bounds[k + 1] - 1
        text = poppler("pdftotext", "-f", first, "-l", last, "-layout", pdf, "-")
        head = poppler("pdftotext", "-f", first, "-l", first, pdf, "-")
        if squash(page.title) not in squash(head):
            problems.append(f"{page.docname}: title {page.title!r} not on its first page {first}")
        words = len(re.findall(r"[A-Za-z]{3,}", text))
        if words < MIN_TEXT_SHARE * page.n_words:
            problems.append(f"{page.docname}: {words} words printed, the page has {page.n_words}")
        for match in RAW_TEX.finditer(" ".join(text.split())):
            raw = match.group(0)
            if raw not in page.code and " ".join(raw.split()) not in " ".join(page.code.split()):
                problems.append(f"{page.docname}: raw TeX {raw[:60]!r}")
        listing = poppler("pdfimages", "-f", first, "-l", last, "-list", pdf).splitlines()[2:]
        n_images = sum(1 for row in listing if row.split()[2:3] == ["image"])
        if n_images < page.n_images:
            problems.append(
                f"{page.docname}: {n_images} images printed, the page has {page.n_images}"
            )
    return problems, n_pages


def ink(pdf: Path, page: int, tmp: Path) -> float:
    """Share of non-white pixels of ``page`` rendered by pdftoppm (grey, 20 dpi)."""
    stem = tmp / f"page{page}"
    poppler("pdftoppm", "-f", page, "-l", page, "-r", 20, "-gray", "-singlefile", pdf, stem)
    data = (stem.with_suffix(".pgm")).read_bytes()
    fields = data.split(maxsplit=4)  # P5, width, height, maxval, pixels
    width, height = int(fields[1]), int(fields[2])
    pixels = fields[4][-width * height :]
    return sum(p < 200 for p in pixels) / len(pixels)


@pytest.fixture(scope="module")
def book_pdf_check(book_pdf: BookPdf, book_html: Path) -> tuple[list[str], int]:
    return check_pdf(book_pdf.path, book_html)


def test_pdf_has_every_page_of_the_toc_in_order(
    book_pdf: BookPdf, book_pdf_check: tuple[list[str], int]
) -> None:
    problems, n_pages = book_pdf_check
    size = book_pdf.path.stat().st_size
    report = (
        f"PDF: {n_pages} pages, {len(book_pdf.pages)} chapters, {size / 1e6:.1f} MB, "
        f"printed in {book_pdf.seconds:.1f} s"
    )
    print(report)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / "pdf-report.txt").write_text(report + "\n", encoding="utf-8")
    assert problems == []
    titles = [title for title, _ in outline_starts(book_pdf.path)]
    assert [p.docname for p in book_pdf.pages] == build_pdf.toc_docnames()
    assert len(titles) == len(build_pdf.toc_docnames())
    # How long printing took is reported, not asserted: it measures the machine's load.
    # The target (60 s) is measured by benchmarks/bench_pdf.py.


def test_pdf_pages_render_with_ink(book_pdf: BookPdf, tmp_path: Path) -> None:
    """pdftoppm renders the first sheet of every chapter, and none is blank."""
    blank = [
        (p.docname, p.first_page + 1)
        for p in book_pdf.pages
        if ink(book_pdf.path, p.first_page + 1, tmp_path) < 0.002
    ]
    assert blank == []


def test_site_download_button_links_to_the_pdf(book_pdf: BookPdf, book_html: Path) -> None:
    copy = book_html / build_pdf.PDF_IN_SITE
    assert copy.read_bytes() == book_pdf.path.read_bytes()
    for docname in build_pdf.toc_docnames():
        page = (book_html / f"{docname}.html").read_text(encoding="utf-8")
        link = re.search(r'<a href="([^"]+)"[^>]*btn-download-book-pdf-button', page)
        assert link, f"{docname}: no 'Whole book (.pdf)' button"
        target = (book_html / docname).parent / link.group(1)
        assert target.resolve() == copy.resolve(), (docname, link.group(1))


def test_check_fails_on_an_empty_chapter(
    book_pdf: BookPdf, book_pdf_check: tuple[list[str], int], book_html: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(book_pdf.path)
    victim = next(p for p in book_pdf.pages if p.docname == chapters.by_slide("S3").docname)
    writer = PdfWriter()
    for p in book_pdf.pages:
        first = len(writer.pages)
        if p is victim:
            box = reader.pages[p.first_page].mediabox
            writer.add_blank_page(width=box.width, height=box.height)
        else:
            for i in range(p.first_page, p.first_page + p.n_pages):
                writer.add_page(reader.pages[i])
        writer.add_outline_item(title=p.title, page_number=first)
    broken = tmp_path / "broken.pdf"
    with broken.open("wb") as fh:
        writer.write(fh)
    problems, _ = check_pdf(broken, book_html)
    new = [s for s in problems if s not in book_pdf_check[0]]  # what breaking it added
    assert any(s.startswith(f"{victim.docname}: title") for s in new), new
    assert any(s.startswith(f"{victim.docname}: 0 words") for s in new), new
    assert all(s.startswith(victim.docname) for s in new), new


def test_check_fails_on_untypeset_math(tmp_path: Path) -> None:
    """A page printed without MathJax shows its TeX: the checker reports it."""
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    (site / "_static").mkdir()
    body = (
        '<article><h1>No math here</h1><p>The bound is <span class="math">'
        r"\(\frac{1}{1-\gamma}\)</span> and</p><div class=\"math\">\[ \sum_t \gamma^t r_t \]"
        "</div><p>" + "words " * 50 + "</p></article>"
    )
    (site / "book" / "plain.html").write_text(f"<html><body>{body}</body></html>")
    out = tmp_path / "plain.pdf"
    build_pdf.merge(build_pdf.print_pages(site, ["book/plain"]), out, "test")
    problems, n_pages = check_pdf(out, site, ["book/plain"])
    raw = [s for s in problems if s.startswith("book/plain: raw TeX")]
    assert n_pages == 1
    assert any(r"\\frac" in s for s in raw) and any(r"\\sum" in s for s in raw), problems


def test_printing_is_offline_and_stops_on_a_missing_image(tmp_path: Path) -> None:
    """The printer reaches no other host (name resolution fails), and a figure that did not
    load stops the build instead of printing an empty frame."""
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    (site / "book" / "remote.html").write_text(
        '<html><body><article><h1>Remote</h1><img src="https://example.org/figure.png">'
        "</article></body></html>"
    )
    with pytest.raises(RuntimeError, match=r"book/remote: images did not load: \['https://"):
        build_pdf.print_pages(site, ["book/remote"])
