"""The book's performance: chapter execution, whole-book rendering, one widget update.

Targets (issue #3): executing a chapter within its budget (``budget_seconds`` in the
chapter manifest ``book/chapters.toml``: 10 s unless the manifest says why not); rendering
the whole book <= 30 s; one live widget update (compute + redraw) median <= 100 ms. Issue
#7: rendering the S7 interactive figure's precomputed frames adds <= 10 s to the chapter.
Each row prints the measured time and its ratio to the target. Chapters are executed on
copies in a temporary directory with the project's executor (the committed notebooks are
not touched); the book is rendered with ``jupyter-book build --all`` into a temporary
directory (execution at build time is off, as in ``python3 tasks.py book``).

    .venv/bin/python benchmarks/bench_book.py [--quick]

Nothing here can hang: each chapter runs with the executor's per-cell timeout
(``CELL_TIMEOUT``; a cell that outlives it fails with the chapter, cell index, id and first
line, the script goes on with the next chapter and exits with status 1 at the end, the row
marked TIMEOUT), and the book build is stopped after ``BUILD_TIMEOUT`` seconds.

``--quick`` is the smoke run of ``tests/test_benchmarks.py`` (a few seconds on a quiet
machine): it executes a one-cell notebook instead of the chapters (the notebook tests
execute every chapter), renders the S7 figure on a two-point grid instead of its 81
frames, times 3 widget updates instead of 20, and skips the book build. It checks that the
script runs; its times say nothing about the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pgtheory.viz import InteractiveFigure

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools"))

import chapters  # noqa: E402 - after the path set-up above
import execute_notebooks  # noqa: E402
import nbformat  # noqa: E402
from _common import fmt_time, format_table  # noqa: E402

#: Target of the one-cell notebook of ``--quick``: a chapter's budget of issue #3.
QUICK_TARGET = 10.0
BOOK_TARGET = 30.0
WIDGET_TARGET = 0.100
#: Rendering the S7 interactive figure's frames adds at most this to the chapter (issue #7).
FRAMES_TARGET = 10.0
#: Seconds after which the book build is stopped (a hang guard: it takes about 30 s).
BUILD_TIMEOUT = 1200


#: The notebook that ``--quick`` executes instead of the chapters.
QUICK_NOTEBOOK = "one_cell.ipynb"


def notebooks(quick: bool, tmp: Path) -> list[tuple[Path, float]]:
    """The notebooks to time with their targets: every chapter of the manifest with its
    budget, or (quick) a one-cell notebook written to ``tmp``."""
    if not quick:
        return [(c.path, c.budget_seconds) for c in chapters.load()]
    path = tmp / "quick" / QUICK_NOTEBOOK
    path.parent.mkdir()
    cell = nbformat.v4.new_code_cell("import pgtheory\nprint(pgtheory.__name__)")
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return [(path, QUICK_TARGET)]


def time_chapters(
    tmp: Path, notebooks: list[Path], *, cell_timeout: int = execute_notebooks.CELL_TIMEOUT
) -> list[tuple[str, float | None]]:
    """Wall time of executing each notebook on a fresh kernel (a copy, in ``tmp``); None for
    a notebook whose cell timed out (the error, naming the chapter and the cell, is printed
    to stderr and the next notebook runs)."""
    out: list[tuple[str, float | None]] = []
    for notebook in notebooks:
        copy = tmp / notebook.name
        shutil.copy(notebook, copy)
        start = time.perf_counter()
        try:
            execute_notebooks.execute(copy, cell_timeout=cell_timeout)
        except execute_notebooks.ChapterCellTimeout as exc:
            print(f"TIMEOUT {notebook.name}: {exc}", file=sys.stderr, flush=True)
            out.append((notebook.name, None))
        else:
            out.append((notebook.name, time.perf_counter() - start))
    return out


def time_book_build(tmp: Path) -> float:
    jb = Path(sys.executable).with_name("jupyter-book")
    start = time.perf_counter()
    try:
        subprocess.run(
            [jb, "build", ROOT, "--path-output", tmp, "--all", "-q"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=BUILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"the book build did not finish within {BUILD_TIMEOUT} s") from None
    return time.perf_counter() - start


def time_widget_updates(figure: InteractiveFigure, n: int) -> list[float]:
    """Seconds per eps-slider change of S7's live widget: the callback recomputes and redraws."""
    times = []
    with contextlib.redirect_stdout(io.StringIO()):  # display() outside a kernel prints
        widget = figure.live_widget()
        eps = widget.children[0].children[0]
        for i in range(n + 1):
            start = time.perf_counter()
            eps.value = 0.05 + 0.01 * (i % 20)
            times.append(time.perf_counter() - start)
    return times[1:]  # the first update pays for imports and font caches


def time_frame_generation(quick: bool) -> tuple[float, InteractiveFigure]:
    """Seconds to render S7's precomputed frames (what the widget adds to the chapter's
    execution), and the interactive figure. ``quick``: the same figure function and eps
    slider (first control, same live range) on a two-point grid, the other controls fixed
    at their defaults."""
    import matplotlib

    matplotlib.use("Agg")
    from pgtheory.viz import (
        distribution_shift_figure,
        distribution_shift_widget,
        interactive_figure,
        slider,
    )

    distribution_shift_figure()  # fonts and caches, as the chapter's earlier figure does
    start = time.perf_counter()
    if quick:
        eps = slider("eps", [0.1, 0.2], default=0.1, label="ε", live=(0.0, 1.0, 0.01))
        figure = interactive_figure(distribution_shift_figure, [eps])
    else:
        figure = distribution_shift_widget()
    return time.perf_counter() - start, figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, seconds")
    args = parser.parse_args(argv)
    execute_notebooks.kernel_environment()
    rows: list[tuple[str, float | None, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        timed = notebooks(args.quick, Path(tmp))
        measured = time_chapters(Path(tmp), [path for path, _ in timed])
        for (name, seconds), (_, target) in zip(measured, timed, strict=True):
            rows.append((f"execute {name}", seconds, target))
        if not args.quick:
            rows.append(("render the whole book", time_book_build(Path(tmp)), BOOK_TARGET))
    seconds, figure = time_frame_generation(args.quick)
    rows.append((f"S7 precomputed frames ({len(figure.frames)})", seconds, FRAMES_TARGET))
    updates = sorted(time_widget_updates(figure, 3 if args.quick else 20))
    median = updates[len(updates) // 2]
    rows.append((f"S7 widget update (median of {len(updates)})", median, WIDGET_TARGET))
    table = [
        (
            case,
            fmt_time(t) if t is not None else "-",
            fmt_time(target),
            f"{t / target:.2f}" if t is not None else "-",
            "TIMEOUT" if t is None else "PASS" if t <= target else "FAIL",
        )
        for case, t, target in rows
    ]
    print("pgtheory book benchmark" + (" (quick)" if args.quick else ""))
    if args.quick:
        print("quick run: a smoke test; the targets are meant for the full run")
    print(format_table(("case", "time", "target", "time/target", "result"), table))
    timed_out = [case for case, t, _ in rows if t is None]
    if timed_out:
        print(f"{len(timed_out)} chapter(s) timed out (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
