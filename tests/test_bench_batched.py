"""``benchmarks/bench_batched.py --quick`` runs, prints its table and its checks pass.

Timings are not tested (the script reports them), and the run has no timeout that a busy
machine could trip (``--quick`` takes about a second); what is tested is that it exits 0,
prints the header and one row per case with a verdict, and that the loop, the bare numpy
floor and the sweep agree with the library.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["case", "library", "baseline", "ratio", "target", "result"]
CASES = (
    "batched vs Python loop",
    "batch_evaluate vs bare numpy",
    "batch_visitation vs bare numpy",
    "tightness sweep (1,000 MDPs)",
)


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_batched.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_exits_zero_and_prints_header(quick_run: subprocess.CompletedProcess[str]) -> None:
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr
    assert sum(line.split() == HEADER for line in quick_run.stdout.splitlines()) == 1


@pytest.mark.parametrize("case", CASES)
def test_prints_case_row(quick_run: subprocess.CompletedProcess[str], case: str) -> None:
    rows = [line for line in quick_run.stdout.splitlines() if line.startswith(case + "  ")]
    assert len(rows) == 1, quick_run.stdout
    assert rows[0].split()[-1] in {"PASS", "FAIL"}, rows[0]


def test_checks_pass(quick_run: subprocess.CompletedProcess[str]) -> None:
    out = quick_run.stdout.split("checks (baseline computes the same thing as the library):")
    assert len(out) == 2, quick_run.stdout
    lines = [line.strip() for line in out[1].splitlines() if line.strip()]
    assert len(lines) == 4 and all(line.endswith(" ok") for line in lines), out[1]
