"""Session fixtures shared by the book tests (build, notebooks, browser).

``book_html`` builds the book once per test session, exactly as ``python3 tasks.py book``
does, plus ``--all`` so that every page is re-read and every warning is reported again
(Sphinx only re-reads changed pages otherwise, and would stay silent about old warnings).
Set ``PGTHEORY_BOOK_HTML`` to an existing ``_build/html`` directory to test that build
instead of building again (the build-log checks are then skipped).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
# tools/ (not a package) on the path: the chapter manifest's loader (`import chapters`), the
# executor and the PDF printer, for every test module.
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

# Property tests: random exploration on a developer's machine, the same examples every run
# in CI (CI=true, as `.ci/run` is called), so that a submission's result is reproducible.
# Choose one explicitly with HYPOTHESIS_PROFILE=explore or HYPOTHESIS_PROFILE=ci.
# No deadline in either: hypothesis's default (200 ms per example) fails a correct test on a
# busy or slow machine (it measures the load, not the code).
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("explore", print_blob=True, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "explore")
)
#: The venv's jupyter-book, next to the running interpreter.
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
#: Seconds allowed for one full build of the book.
BUILD_TIMEOUT = 900


@dataclass(frozen=True)
class BookBuild:
    """Where the HTML is, and the build's console log (None for a prebuilt book)."""

    html: Path
    log: str | None


@dataclass(frozen=True)
class BookPdf:
    """The book printed into one PDF (tools/build_pdf.py), and how long printing took."""

    path: Path
    pages: list
    seconds: float


def _print_book(html: Path) -> BookPdf:
    """Print the built book and copy the PDF into the site, as `tasks.py book` does."""
    import build_pdf

    out = html.parent / "pdf" / "pgtheory.pdf"  # _build/pdf beside _build/html
    start = time.monotonic()
    # In a thread of its own: build_pdf runs an asyncio loop, and the browser tests' sync
    # Playwright already runs one in this thread when the first of them asks for the book.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pages = pool.submit(build_pdf.build_pdf, html, out).result()
    return BookPdf(path=out, pages=pages, seconds=time.monotonic() - start)


@pytest.fixture(scope="session")
def book_build() -> BookBuild:
    prebuilt = os.environ.get("PGTHEORY_BOOK_HTML")
    if prebuilt:
        html = Path(prebuilt)
        if not html.is_dir():
            pytest.fail(f"PGTHEORY_BOOK_HTML={prebuilt!r} is not a directory")
        return BookBuild(html=html, log=None)
    cmd = [
        str(JUPYTER_BOOK),
        "build",
        str(ROOT),
        "--path-output",
        str(ROOT),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    log = proc.stdout
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "book-build.log").write_text(log, encoding="utf-8")
    if proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(cmd[1:])}` failed with exit code {proc.returncode}:\n{log[-20000:]}",
            pytrace=False,
        )
    return BookBuild(html=ROOT / "_build" / "html", log=log)


@pytest.fixture(scope="session")
def book_pdf(book_build: BookBuild) -> BookPdf:
    """The built book printed into one PDF, copied into the site (once per session)."""
    return _print_book(book_build.html)


@pytest.fixture(scope="session")
def book_html(book_build: BookBuild, book_pdf: BookPdf) -> Path:
    """Path to the built book's ``_build/html`` (built once per session), with the PDF
    that its download button links to (``_static/pgtheory.pdf``), as on the published site."""
    return book_build.html
