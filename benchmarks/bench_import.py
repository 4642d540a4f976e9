"""Import time of the library: ``import pgtheory`` (numpy only) against ``pgtheory.viz``.

Before issue #7, ``import pgtheory`` also imported matplotlib (plotting and widgets were
re-exported); it now loads numpy only, and the drawing code moved to ``pgtheory.viz``.
``import pgtheory.viz`` therefore costs what ``import pgtheory`` cost before. Each case runs
in a fresh interpreter (``python -c``), the cases interleaved, and the table gives the
median of the runs and the ratio to ``import numpy``.

    .venv/bin/python benchmarks/bench_import.py [--runs N]

``--runs 1`` is the smoke run of ``tests/test_benchmarks.py`` (a few seconds).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import fmt_time, format_table  # noqa: E402 - after the path set-up above

CASES = {
    "import numpy": "import numpy",
    "import pgtheory": "import pgtheory",
    "import pgtheory.viz (= import pgtheory before the split)": "import pgtheory.viz",
}
SNIPPET = (
    "import time, sys\n"
    "t = time.perf_counter()\n"
    "{stmt}\n"
    "dt = time.perf_counter() - t\n"
    "print(dt, 'matplotlib' in sys.modules)\n"
)


def run_once(stmt: str) -> tuple[float, bool]:
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(stmt=stmt)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), out[1] == "True"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per case (default 15)")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {case: [] for case in CASES}
    loads_mpl: dict[str, bool] = {}
    for k in range(args.runs + 1):
        order = list(CASES) if k % 2 == 0 else list(CASES)[::-1]
        for case in order:
            seconds, mpl = run_once(CASES[case])
            loads_mpl[case] = mpl
            if k > 0:  # the first round warms the file-system cache
                times[case].append(seconds)
    base = statistics.median(times["import numpy"])
    rows = [
        (
            case,
            fmt_time(statistics.median(t)),
            f"{statistics.median(t) / base:.2f}",
            "yes" if loads_mpl[case] else "no",
        )
        for case, t in times.items()
    ]
    print(f"pgtheory import time (median of {args.runs} fresh interpreters)")
    print(format_table(("case", "time", "/ import numpy", "loads matplotlib"), rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
