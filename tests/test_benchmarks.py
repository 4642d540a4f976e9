"""The benchmark script does not rot: ``bench_core.py --quick`` runs and prints its table.

Timings are not tested (the script reports them, it does not assert them); what is
tested is that the script exits 0, prints the table header and one row per case with a
verdict, and that every baseline agrees with the library (its correctness checks).
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH_CORE), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
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
    """``bench_book.py --quick`` executes every chapter (on copies) and times the widget."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_book.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = run.stdout.splitlines()
    chapters = sorted(p.name for p in (ROOT / "book").glob("s*.ipynb"))
    assert chapters, "the book has no chapters"
    for name in chapters:
        assert any(r.startswith(f"execute {name}") for r in rows), run.stdout
    for case in ("S7 widget update", "S7 precomputed frames (81)"):
        row = [r for r in rows if r.startswith(case)]
        assert len(row) == 1 and row[0].split()[-1] in {"PASS", "FAIL"}, run.stdout


def test_bench_cartpole_quick_prints_both_estimators() -> None:
    """``bench_cartpole.py --quick`` trains briefly and prints steps/s for each estimator."""
    pytest.importorskip("gymnasium")
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_cartpole.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for estimator in ("full return", "reward to go"):
        row = [r for r in run.stdout.splitlines() if r.startswith(estimator)]
        assert len(row) == 1 and " k/s " in row[0], run.stdout
