"""Slider latency on the Binder path: S7's eps slider -> redrawn figure, in JupyterLab.

Builds a Binder-like environment (a copy of the repository with ``pip install -r
requirements.txt`` in a fresh venv, in a temporary directory), starts JupyterLab from it,
runs the S7 chapter in Debian's chromium, moves the eps slider 10 times with the keyboard,
and prints median/min/max latency from key press to updated figure against the 300 ms
target, as the ratio latency/target. Reuses ``tests/browser/binder.py``.

    .venv/bin/python benchmarks/bench_browser.py [--moves N] [--workdir DIR]

``--workdir`` keeps (and reuses) the venv between runs; by default a temporary directory
is used and removed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import format_table  # noqa: E402 - after the path set-up above
from binder import (  # noqa: E402 - after the path set-up above
    EPS_LABEL,
    LATENCY_TARGET_MS,
    S7_NOTEBOOK,
    LabServer,
    prepare_binder_env,
    run_chapter_and_move_slider,
)
from browser_support import ARTIFACTS, launch_chromium  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def measure(workdir: Path, n_moves: int) -> dict:
    env = prepare_binder_env(workdir)
    with LabServer(env, root_dir=env.repo / "book") as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            run = run_chapter_and_move_slider(
                browser, server, notebook=S7_NOTEBOOK, label=EPS_LABEL, n_moves=n_moves
            )
        finally:
            browser.close()
    if run.after_src == run.before_src or run.error_outputs or run.widget_errors:
        raise SystemExit(
            f"the widget did not update cleanly: errors={run.error_outputs} "
            f"widget_errors={run.widget_errors}"
        )
    return run.summary()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10, help="slider moves (default 10)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the venv here")
    args = parser.parse_args(argv)
    if args.moves < 1:
        parser.error(f"--moves must be >= 1, got {args.moves}")
    if args.workdir is not None:
        summary = measure(args.workdir.resolve(), args.moves)
    else:
        with tempfile.TemporaryDirectory(prefix="pgtheory-binder-") as tmp:
            summary = measure(Path(tmp), args.moves)
    target = LATENCY_TARGET_MS
    print(
        f"S7 '{EPS_LABEL}' slider -> updated figure in JupyterLab (Binder path), "
        f"{summary['n_moves']} moves; latency from key press to new image, in the page"
    )
    rows = []
    for name in ("median", "min", "max"):
        value = summary[f"{name}_ms"]
        result = ("PASS" if value <= target else "FAIL") if name == "median" else "info"
        rows.append(
            [
                f"latency {name}",
                f"{value:.0f} ms",
                f"{target:.0f} ms",
                f"{value / target:.2f}",
                result,
            ]
        )
    print(format_table(["case", "measured", "target", "ratio", "result"], rows))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "bench_browser.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
