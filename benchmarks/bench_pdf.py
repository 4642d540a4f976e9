"""The book as one PDF: how long printing takes, how big the PDF is, how many pages.

Target (issue #14): printing the built book into one PDF (``tools/build_pdf.py``: Debian's
chromium through Playwright, page by page in toc order, merged with pypdf) takes at most
60 s on this machine. The book is built first into a temporary directory (not timed,
``jupyter-book build --all``; execution is off, as in ``python3 tasks.py book``), then
printed ``--repeats`` times (default 1); the table shows the median, the per-page
breakdown of one run is printed below it.

    .venv/bin/python benchmarks/bench_pdf.py [--repeats N] [--html DIR]

``--html DIR`` prints an existing build instead of building the book.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools"))

import build_pdf  # noqa: E402 - after the path set-up above
from _common import fmt_time, format_table  # noqa: E402

PDF_TARGET = 60.0


def build_book(out: Path) -> Path:
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run(
        [jb, "build", ROOT, "--path-output", out, "--all", "-q"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return out / "_build" / "html"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--html", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_pdf_") as tmp:
        html = args.html or build_book(Path(tmp))
        out = Path(tmp) / "pgtheory.pdf"
        times, pages = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            pages = build_pdf.build_pdf(html, out, site_copy=False)
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        n_pages = sum(p.n_pages for p in pages)
        size = out.stat().st_size
    rows = [
        [
            f"print the book to one PDF ({len(pages)} toc pages)",
            fmt_time(seconds),
            f"<= {PDF_TARGET:.0f} s",
            f"{seconds / PDF_TARGET:.2f}",
        ],
        ["PDF pages", str(n_pages), "", ""],
        ["PDF size", f"{size / 1e6:.1f} MB", "", ""],
    ]
    print(format_table(["case", "measured", "target", "measured/target"], rows))
    print("\nPages per toc entry (one run):")
    for p in pages:
        print(f"  {p.n_pages:>4}  {p.title}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
