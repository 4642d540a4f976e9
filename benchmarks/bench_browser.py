"""Interactive-figure latency: on the static page, and on the Binder path in JupyterLab.

1. Static page (issue #7): the built book is served from 127.0.0.1 and the S7 page opened
   in Debian's chromium; every control of the interactive figure is moved by the keyboard
   ``--moves`` times, and the time from the key press to the new frame painted (its
   ``load`` event, then two animation frames) is measured in the page. Median over all
   controls against the 50 ms target. Uses ``_build/html`` when it exists (build the book
   first with ``python3 tasks.py book``), else builds the book into a temporary directory.
2. Binder path: builds a Binder-like environment (a copy of the repository with ``pip install -r
requirements.txt`` in a fresh venv, in a temporary directory), starts JupyterLab from it,
runs the S7 chapter in Debian's chromium, moves the eps slider 10 times with the keyboard,
and prints median/min/max latency from key press to updated figure against the 300 ms
target, as the ratio latency/target. Reuses ``tests/browser/binder.py``.

    .venv/bin/python benchmarks/bench_browser.py [--moves N] [--workdir DIR]

``--workdir`` keeps (and reuses) the venv between runs; by default a temporary directory
is used and removed. ``--static-only`` skips the Binder path (which needs PyPI).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools"))

import chapters  # noqa: E402 - after the path set-up above
from _common import format_table  # noqa: E402
from binder import (  # noqa: E402 - after the path set-up above
    EPS_LABEL,
    LATENCY_TARGET_MS,
    S7_NOTEBOOK,
    LabServer,
    prepare_binder_env,
    run_chapter_and_move_slider,
)
from browser_support import (  # noqa: E402
    ARTIFACTS,
    OfflineGuard,
    launch_chromium,
    serve_directory,
)
from playwright.sync_api import sync_playwright  # noqa: E402

S7_PAGE = chapters.by_slide("S7").html
STATIC_TARGET_MS = 50.0
# Installed in the page: time from each key press on a control to the new frame painted.
_RECORD_JS = """
() => {
  const root = document.querySelector('.pgt-interactive');
  const img = root.querySelector('img.pgt-frame');
  window.__pgtLatencies = [];
  let pressed = null;
  root.addEventListener('keydown', () => { pressed = performance.now(); }, true);
  img.addEventListener('load', () => {
    const t0 = pressed;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (t0 !== null) window.__pgtLatencies.push(performance.now() - t0);
    }));
  });
}
"""


def measure_static(html_root: Path, n_moves: int) -> list[float]:
    """Key press -> painted frame (ms) for ``n_moves`` presses on every control of S7."""
    with serve_directory(html_root) as base_url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            guard = OfflineGuard()
            guard.attach(context)
            page = context.new_page()
            latencies: list[float] = []
            n_controls = None
            k = 0
            while n_controls is None or k < n_controls:
                # A fresh page per control: the others at their defaults, so that every
                # press changes the frame (the tightrope's frame ignores the seed).
                page.goto(base_url + S7_PAGE, wait_until="load")
                page.wait_for_selector(".pgt-interactive[data-pgt-ready]")
                page.evaluate(_RECORD_JS)
                fields = page.locator(
                    ".pgt-interactive .pgt-control input, .pgt-interactive select"
                )
                n_controls = fields.count()
                field = fields.nth(k)
                k += 1
                field.focus()
                is_select = field.evaluate("f => f.tagName") == "SELECT"
                size = (
                    field.locator("option").count()
                    if is_select
                    else int(field.get_attribute("max")) + 1
                )
                keys = ("ArrowDown", "ArrowUp") if is_select else ("ArrowRight", "ArrowLeft")
                # Start at one end, then back and forth, so every press changes the frame.
                page.keyboard.press("Home")
                if is_select:
                    field.select_option(index=0)
                page.wait_for_timeout(100)
                done = len(page.evaluate("() => window.__pgtLatencies"))
                for move in range(n_moves):
                    forward = (move // (size - 1)) % 2 == 0
                    page.keyboard.press(keys[0] if forward else keys[1])
                    done += 1
                    page.wait_for_function(f"() => window.__pgtLatencies.length >= {done}")
                    latencies.append(page.evaluate(f"() => window.__pgtLatencies[{done - 1}]"))
            if guard.blocked:
                raise SystemExit(f"the page requested non-loopback URLs: {guard.blocked}")
        finally:
            browser.close()
    return latencies


def built_book(tmp: Path) -> Path:
    html = ROOT / "_build" / "html"
    if (html / S7_PAGE).is_file():
        return html
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run(
        [jb, "build", ROOT, "--path-output", tmp, "-q"], check=True, stdout=subprocess.DEVNULL
    )
    return tmp / "_build" / "html"


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
    parser.add_argument("--static-only", action="store_true", help="skip the Binder path")
    args = parser.parse_args(argv)
    if args.moves < 1:
        parser.error(f"--moves must be >= 1, got {args.moves}")
    with tempfile.TemporaryDirectory(prefix="pgtheory-book-") as tmp:
        static = measure_static(built_book(Path(tmp)), args.moves)
    median = statistics.median(static)
    print(
        f"S7 interactive figure on the static page: {len(static)} key presses over all "
        "controls; latency from key press to the new frame painted, in the page"
    )
    rows = [
        [
            f"latency {name}",
            f"{value:.1f} ms",
            f"{STATIC_TARGET_MS:.0f} ms",
            f"{value / STATIC_TARGET_MS:.2f}",
            ("PASS" if value <= STATIC_TARGET_MS else "FAIL") if name == "median" else "info",
        ]
        for name, value in (("median", median), ("min", min(static)), ("max", max(static)))
    ]
    print(format_table(["case", "measured", "target", "ratio", "result"], rows))
    summary = {"static_page_ms": {"median": median, "min": min(static), "max": max(static)}}
    if not args.static_only:
        if args.workdir is not None:
            binder = measure(args.workdir.resolve(), args.moves)
        else:
            with tempfile.TemporaryDirectory(prefix="pgtheory-binder-") as tmp:
                binder = measure(Path(tmp), args.moves)
        summary["binder"] = binder
        target = LATENCY_TARGET_MS
        print(
            f"\nS7 '{EPS_LABEL}' slider -> updated figure in JupyterLab (Binder path), "
            f"{binder['n_moves']} moves; latency from key press to new image, in the page"
        )
        rows = []
        for name in ("median", "min", "max"):
            value = binder[f"{name}_ms"]
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
