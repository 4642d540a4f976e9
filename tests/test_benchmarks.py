"""The benchmark scripts do not rot: each one's smoke run prints its table.

``bench_core.py``, ``bench_book.py`` and ``bench_cartpole.py`` run with ``--quick`` (tiny
sizes, a few seconds each on a quiet machine), ``bench_import.py`` with ``--runs 1``.
Timings are not tested (the scripts report them, they do not assert them), and no run has
a timeout that a busy machine could trip; the full benchmark is ``python3 tasks.py bench``.
What is tested is that each script exits 0, prints the table header and one row per case
with a verdict, and that every baseline agrees with the library (bench_core's correctness
checks). ``bench_browser.py`` and ``bench_pdf.py`` are not run here: both need a built book
(the browser and PDF tests check what they measure).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH_CORE = ROOT / "benchmarks" / "bench_core.py"

HEADER = ["case", "library", "baseline", "ratio", "target", "result"]
CASES = (
    "sampler vs gym-style loop",
    "sampler throughput",
    "sampler vs tuned loop (info)",
    "state_marginals finite",
    "evaluate finite",
    "evaluate discounted",
)
N_CHECKS = 6  # three samplers, three exact cases
BOOK_HEADER = ["case", "time", "target", "time/target", "result"]


def cells(line: str) -> list[str]:
    """The cells of a table line (format_table separates them by two or more spaces)."""
    return re.split(r" {2,}", line.strip())


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH_CORE), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_bench_core_quick_exits_zero(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr


def test_bench_core_prints_header(quick_run: subprocess.CompletedProcess[str]) -> None:
    lines = quick_run.stdout.splitlines()
    assert sum(line.split() == HEADER for line in lines) == 1, quick_run.stdout


@pytest.mark.parametrize("case", CASES)
def test_bench_core_prints_case_row(quick_run: subprocess.CompletedProcess[str], case: str) -> None:
    rows = [line for line in quick_run.stdout.splitlines() if line.startswith(case + "  ")]
    assert len(rows) == 1, quick_run.stdout
    verdict = rows[0].split()[-1]
    assert verdict in ({"info"} if "(info)" in case else {"PASS", "FAIL"}), rows[0]


def test_bench_core_baselines_agree_with_library(
    quick_run: subprocess.CompletedProcess[str],
) -> None:
    out = quick_run.stdout
    assert "checks (baseline computes the same thing as the library):" in out, out
    checks = out.split("checks (baseline computes the same thing as the library):", 1)[1]
    lines = [line.strip() for line in checks.splitlines() if line.strip()]
    assert len(lines) == N_CHECKS, checks
    assert all(line.endswith(" ok") for line in lines), checks


def test_bench_book_quick_prints_every_row() -> None:
    """``bench_book.py --quick`` executes a one-cell notebook (on the project's executor),
    renders S7's figure on a two-point grid and times 3 live-widget updates."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_book.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    headers = [k for k, line in enumerate(lines) if cells(line) == BOOK_HEADER]
    assert len(headers) == 1, run.stdout
    rows = [cells(line) for line in lines[headers[0] + 2 :]]  # after the header and its rule
    assert [r[0] for r in rows] == [
        "execute one_cell.ipynb",
        "S7 precomputed frames (2)",
        "S7 widget update (median of 3)",
    ], run.stdout
    assert all(len(r) == len(BOOK_HEADER) and r[-1] in {"PASS", "FAIL"} for r in rows), run.stdout


def test_bench_cartpole_quick_prints_both_estimators() -> None:
    """``bench_cartpole.py --quick`` trains briefly and prints steps/s for each estimator."""
    pytest.importorskip("gymnasium")
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_cartpole.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for estimator in ("full return", "reward to go"):
        row = [r for r in run.stdout.splitlines() if r.startswith(estimator)]
        assert len(row) == 1 and " k/s " in row[0], run.stdout


def test_bench_import_one_run_prints_every_case() -> None:
    """``bench_import.py --runs 1`` times each import once in fresh interpreters; the table
    says that ``import pgtheory`` does not load matplotlib and ``pgtheory.viz`` does."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_import.py"), "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    headers = [k for k, line in enumerate(lines) if cells(line)[0] == "case"]
    assert len(headers) == 1, run.stdout
    rows = [cells(line) for line in lines[headers[0] + 2 :]]
    assert {r[0]: r[-1] for r in rows} == {
        "import numpy": "no",
        "import pgtheory": "no",
        "import pgtheory.viz (= import pgtheory before the split)": "yes",
    }, run.stdout


def test_bench_book_reports_a_hanging_chapter_and_goes_on(tmp_path, capsys) -> None:
    """A chapter whose cell outlives the cell timeout is a TIMEOUT (None) in bench_book's
    times, with the chapter and the cell on stderr; the next chapter is still timed."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_book
    import nbformat

    hang = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import time; time.sleep(600)")]
    )
    hang.cells[0]["id"] = "the-sleeper"
    quick = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    folder = tmp_path / "notebooks"
    folder.mkdir()
    paths = [folder / "hang.ipynb", folder / "quick.ipynb"]
    for path, nb in zip(paths, (hang, quick), strict=True):
        nbformat.write(nb, path)
    times = bench_book.time_chapters(tmp_path, paths, cell_timeout=10)
    assert [name for name, _ in times] == ["hang.ipynb", "quick.ipynb"]
    assert times[0][1] is None and times[1][1] is not None, times
    err = capsys.readouterr().err
    assert "TIMEOUT hang.ipynb" in err and "cell 0 (id the-sleeper" in err, err


def test_bench_stall_times_a_notebook_quiet_and_loaded(tmp_path) -> None:
    """bench_stall's smoke run: one quiet and one loaded run (one busy loop) of a two-cell
    notebook, and a table with both cases; the busy loop is gone afterwards."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("print(x + 1)")]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    args = [str(path), "--runs", "1", "--quiet-runs", "1", "--loops", "1"]
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_stall.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "pgtheory execution under load: tiny.ipynb" in out.stdout
    rows = {line.split("  ")[0]: line.split() for line in out.stdout.splitlines()}
    # Whether the loaded run met its target depends on the machine's load: not asserted.
    assert rows["quiet, executor"][2] == "1", out.stdout  # the runs column
    assert rows["1 busy loops (session), executor"][5] == "1", out.stdout
    leftover = subprocess.run(["pgrep", "-f", "while True: pass"], capture_output=True)
    assert leftover.stdout == b"", "a busy loop was left running"
