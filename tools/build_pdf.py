"""Print the built book (``_build/html``) into one PDF, chapter by chapter in toc order.

    python tools/build_pdf.py [HTML_DIR] [-o OUT.pdf] [--no-site-copy]

(``python3 tasks.py pdf`` builds the book first and then runs this.) Each page of
``_toc.yml`` is opened in Debian's chromium through Playwright (``executable_path``; no
browser is ever downloaded), served from 127.0.0.1 with every other host blocked. Once
MathJax has typeset the page and every image has loaded, the page is printed with a print
stylesheet (no sidebars, header buttons or "show code" toggles; figures kept whole) and
the pages are merged with pypdf, one outline entry per page. Every page starts on a new
sheet. What is not printed: the set-up code hidden on the site (``hide-input``), the
exercises' solutions, which are collapsed dropdowns on the site (they stay online), and the
API reference: in its place, an index of the public functions and classes with links to
their online entries (tools/api_index.py, generated from the package). Interactive figures
print their default frame without their controls, and code cells, figures and table rows
are not split across sheets (the ``@media print`` section of ``_static/pgtheory.css``).
Sheets are numbered through the whole book, 1 to N, as the outline counts them: chromium
prints without header or footer, and each merged sheet gets a footer (its page's title, its
number) written with pypdf in the PDF's built-in Helvetica.

The PDF goes to ``_build/pdf/pgtheory.pdf`` and is copied into the site as
``_build/html/_static/pgtheory.pdf``, which the "Whole book (.pdf)" entry of every page's
download menu links to (tools/pgtheory_pdf_button.py).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import io
import os
import re
import shutil
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
HTML_DIR = ROOT / "_build" / "html"
PDF_OUT = ROOT / "_build" / "pdf" / "pgtheory.pdf"
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
import api_index  # noqa: E402 - tools/ is not a package

#: Where the site's download button expects the PDF (tools/pgtheory_pdf_button.py).
PDF_IN_SITE = Path("_static") / "pgtheory.pdf"
#: Flags of a headless, offline chromium running as root in a container.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    # Offline: every host name fails to resolve except the local server's. (Intercepting
    # requests in Playwright instead would turn off the cache, so every page would load
    # MathJax again: a quarter of the printing time.)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
)
TIMEOUT_MS = 120_000
#: The site's 16 px body text printed at this scale is about 10 pt, a book's size; it
#: takes a quarter fewer sheets (and less time) than scale 1.
PRINT_SCALE = 0.85

#: Page margins (mm: top, right, bottom, left); the footer sits in the bottom one.
MARGIN_MM = (14, 13, 16, 13)
#: The footer's font size (pt) and its baseline's height above the sheet's edge (mm).
FOOTER_PT = 7.5
FOOTER_MM = 8.5

#: Print stylesheet added to every page before printing (the site's own ``@media print``
#: rules, in _static/pgtheory.css, also apply: page.pdf prints with print media).
PRINT_CSS = """
@page { size: A4; margin: %dmm %dmm %dmm %dmm; }
html, body { background: #fff !important; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
.bd-footer, .bd-footer-article, .bd-footer-content, .prev-next-area, footer,
.skip-link, #pst-back-to-top, .search-button-field, .theme-switch-button,
.headerlink, .copybtn, .toggle-button, button.toggle-button, .article-header-buttons,
details.above-input, details.hide, .solution, .pgt-live-note,
.bd-search, .sidebar-toggle, .primary-toggle, .secondary-toggle {
  display: none !important;
}
.bd-page-width, .bd-container, .bd-container__inner, .bd-main, .bd-content,
.bd-article-container, .bd-article {
  max-width: none !important; width: 100% !important;
  padding-left: 0 !important; padding-right: 0 !important;
  margin-left: 0 !important; margin-right: 0 !important;
}
/* The theme prints its own title (without the chapter number) and a contents list in
   place of the page's first heading: print the page's heading, numbered, instead. */
#jb-print-docs-body { display: none !important; }
.bd-main .bd-content .bd-article h1:first-of-type {
  display: block !important; margin-top: 0 !important; font-size: 2.2em;
}
""".replace("%dmm %dmm %dmm %dmm", " ".join(f"{m}mm" for m in MARGIN_MM))

#: Resolves once MathJax (if the page loads it) has typeset the page, and every image
#: has loaded (lazy images are made eager first: a printed page never scrolls to them).
_READY_JS = """
async () => {
  document.querySelectorAll('img[loading="lazy"]').forEach((img) => {
    img.loading = 'eager';
  });
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await Promise.all(Array.from(document.images).map((img) => img.complete
    ? Promise.resolve()
    : new Promise((ok) => { img.onload = ok; img.onerror = ok; })));
  const broken = Array.from(document.images)
    .filter((img) => img.closest('article') && img.naturalWidth === 0)
    .map((img) => img.getAttribute('src').slice(0, 80));
  const h1 = document.querySelector('article h1') || document.querySelector('h1');
  const title = h1 ? h1.textContent.replace(/[#¶]/g, '').replace(/\\s+/g, ' ').trim() : '';
  return {broken, title};
}
"""


@dataclass(frozen=True)
class PrintedPage:
    """One page of the toc in the merged PDF (``first_page`` counts from 0)."""

    docname: str
    title: str
    first_page: int
    n_pages: int


def toc_docnames(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """The book's pages in reading order, from ``_toc.yml`` (jb-book format)."""
    import yaml

    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries: list[dict] | None) -> None:
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", n) for n in names]


def find_chromium() -> str:
    """Debian's chromium (or $PGTHEORY_CHROMIUM); never a downloaded browser."""
    for candidate in (os.environ.get("PGTHEORY_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise RuntimeError(
        "chromium is not installed: `apt-get install -y chromium` (Debian/Ubuntu; "
        "`python3 tasks.py pdf` does this when run as root). Never `playwright install`."
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    #: Pages served from memory (URL path without the leading "/" -> HTML).
    extra: ClassVar[dict[str, str]] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.extra.get(self.path.split("?", 1)[0].lstrip("/"))
        if body is None:
            return super().do_GET()
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serve(root: Path, extra: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (free port), and the pages of ``extra`` (path -> HTML)
    from memory; yield the base URL."""
    handler = type("_Handler", (_QuietHandler,), {"extra": dict(extra or {})})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


#: Pages printed at the same time (tabs of one browser): 2 prints the book in 25-40 %
#: less time than 1 on the 2-core machine, even while other work loads it.
WORKERS = 2
#: Where a page given as HTML (``print_pages(..., replace=...)``) is served: beside the
#: book's pages, so that its relative links to ``../_static`` resolve.
REPLACED_URL = "{docname}.print.html"


async def _print_pages(
    base: str, docnames: list[str], workers: int, replaced: frozenset[str] = frozenset()
) -> dict[str, tuple[str, bytes]]:
    from playwright.async_api import async_playwright

    out: dict[str, tuple[str, bytes]] = {}
    todo = list(docnames)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=find_chromium(), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            context = await browser.new_context(
                color_scheme="light", viewport={"width": 900, "height": 1200}
            )
            context.set_default_timeout(TIMEOUT_MS)

            async def worker() -> None:
                page = await context.new_page()
                while todo:
                    docname = todo.pop(0)
                    url = (
                        REPLACED_URL.format(docname=docname)
                        if docname in replaced
                        else (f"{docname}.html")
                    )
                    await page.goto(base + url, wait_until="load")
                    await page.add_style_tag(content=PRINT_CSS)
                    ready = await page.evaluate(_READY_JS)
                    if ready["broken"]:
                        raise RuntimeError(f"{docname}: images did not load: {ready['broken']}")
                    pdf = await page.pdf(
                        format="A4",
                        print_background=True,
                        prefer_css_page_size=True,
                        scale=PRINT_SCALE,
                    )
                    out[docname] = (ready["title"] or docname, pdf)
                await page.close()

            await asyncio.gather(*(worker() for _ in range(max(1, workers))))
        finally:
            await browser.close()
    return out


def _run(coro):
    """``asyncio.run(coro)``, in a thread of its own when this thread already runs an event
    loop (as it does under Playwright's sync API, e.g. after the browser tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def print_pages(
    html_dir: Path,
    docnames: list[str],
    workers: int = WORKERS,
    *,
    replace: dict[str, str] | None = None,
) -> list[tuple[str, str, bytes]]:
    """``(docname, title, pdf bytes)`` of each page in the order given, printed by the
    system chromium (``workers`` pages at a time); a docname in ``replace`` prints the HTML
    given there instead of its built page."""
    replace = replace or {}
    missing = [d for d in docnames if d not in replace and not (html_dir / f"{d}.html").is_file()]
    if missing:
        raise FileNotFoundError(f"not in {html_dir} (build the book first): {missing}")
    extra = {REPLACED_URL.format(docname=d): page for d, page in replace.items()}
    with serve(html_dir, extra) as base:
        printed = _run(_print_pages(base, docnames, workers, frozenset(replace)))
    return [(d, *printed[d]) for d in docnames]


def _pdf_string(text: str) -> bytes:
    """``text`` as a PDF literal string in WinAnsi (the built-in fonts' encoding): letters
    outside it lose their accents or become "?"."""
    text = unicodedata.normalize("NFKD", text)
    raw = "".join(c for c in text if not unicodedata.combining(c)).encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


#: Widths of the digits in Helvetica (thousandths of the font size; all the same).
_DIGIT_WIDTH = 0.556
_MM = 72 / 25.4


def stamp_footers(writer: Any, pages: list[PrintedPage]) -> None:
    """Write each sheet's footer: its page's title at the left margin and its number in
    the whole PDF (1 to N) at the right margin, in Helvetica (a PDF built-in font)."""
    from pypdf import PageObject
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    for printed in pages:
        title = _pdf_string(printed.title)
        for k in range(printed.first_page, printed.first_page + printed.n_pages):
            sheet = writer.pages[k]
            box = sheet.mediabox
            number = str(k + 1)
            y = float(box.bottom) + FOOTER_MM * _MM
            left = float(box.left) + MARGIN_MM[3] * _MM
            right = float(box.right) - MARGIN_MM[1] * _MM - len(number) * _DIGIT_WIDTH * FOOTER_PT
            ops = (
                f"q 0.4 g BT /PgtFooter {FOOTER_PT} Tf {left:.2f} {y:.2f} Td ".encode()
                + title
                + f" Tj ET BT /PgtFooter {FOOTER_PT} Tf {right:.2f} {y:.2f} Td".encode()
                + f" ({number}) Tj ET Q".encode()
            )
            stamp = PageObject.create_blank_page(width=box.width, height=box.height)
            stamp[NameObject("/Resources")] = DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/PgtFooter"): font})}
            )
            content = ContentStream(None, None)
            content.set_data(ops)
            stamp.replace_contents(content)
            sheet.merge_page(stamp)
            sheet.compress_content_streams()


def merge(printed: list[tuple[str, str, bytes]], out: Path, title: str) -> list[PrintedPage]:
    """Merge the printed pages with pypdf (one outline entry each) into ``out``, each sheet
    with a footer (its page's title, its number in the whole PDF)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    pages = []
    for docname, page_title, pdf in printed:
        reader = PdfReader(io.BytesIO(pdf))
        first = len(writer.pages)
        writer.append(reader, outline_item=page_title)
        pages.append(PrintedPage(docname, page_title, first, len(reader.pages)))
    stamp_footers(writer, pages)
    writer.add_metadata({"/Title": title, "/Author": "The pgtheory authors"})
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        writer.write(fh)
    return pages


def book_title(config: Path = ROOT / "_config.yml") -> str:
    import yaml

    return str(yaml.safe_load(config.read_text(encoding="utf-8"))["title"])


def api_index_page(html_dir: Path) -> str:
    """The printed stand-in for the API page (tools/api_index.py), styled as the built API
    page is; every name's link target must be an entry of that page."""
    built = (html_dir / f"{api_index.API_DOCNAME}.html").read_text(encoding="utf-8")
    entries = api_index.api_entries()
    ids = set(re.findall(r'\bid="([^"]+)"', built))
    missing = [e.anchor for e in entries if e.anchor not in ids]
    if missing:
        raise RuntimeError(f"{api_index.API_DOCNAME}.html has no entry for {missing}")
    url = api_index.site_url() + f"{api_index.API_DOCNAME}.html"
    return api_index.index_page(entries, url, api_index.site_stylesheets(built))


def build_pdf(
    html_dir: Path = HTML_DIR,
    out: Path = PDF_OUT,
    *,
    docnames: list[str] | None = None,
    site_copy: bool = True,
) -> list[PrintedPage]:
    """Print ``docnames`` (default: the toc) of the built book into ``out``.

    With ``site_copy``, also copy the PDF to ``html_dir/_static/pgtheory.pdf`` (the file
    the site's download button links to).
    """
    docnames = toc_docnames() if docnames is None else docnames
    replace = {}
    if api_index.API_DOCNAME in docnames:
        replace[api_index.API_DOCNAME] = api_index_page(html_dir)
    pages = merge(print_pages(html_dir, docnames, replace=replace), out, book_title())
    if site_copy:
        shutil.copyfile(out, html_dir / PDF_IN_SITE)
    return pages


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=HTML_DIR)
    parser.add_argument("-o", "--out", type=Path, default=PDF_OUT)
    parser.add_argument("--no-site-copy", action="store_true")
    args = parser.parse_args(argv)
    start = time.monotonic()
    pages = build_pdf(args.html_dir, args.out, site_copy=not args.no_site_copy)
    elapsed = time.monotonic() - start
    n_pages = sum(p.n_pages for p in pages)
    size = args.out.stat().st_size
    for p in pages:
        print(f"  p. {p.first_page + 1:>3}  {p.n_pages:>3} pp.  {p.title}")
    print(
        f"{args.out}: {len(pages)} chapters, {n_pages} pages, {size / 1e6:.1f} MB, {elapsed:.1f} s"
    )
    if not args.no_site_copy:
        print(f"copied to {args.html_dir / PDF_IN_SITE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
