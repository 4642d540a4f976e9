"""The Binder path: ``requirements.txt`` and ``postBuild`` alone run S7 live in JupyterLab.

A fresh virtual environment gets exactly what Binder installs (``requirements.txt`` from a
copy of the repository, then its ``postBuild``; the ``binder_env`` and ``lab_server``
fixtures of ``conftest.py``, shared with ``test_jupyterlab.py``); JupyterLab from that
environment opens the S7 chapter (its readers' copy); chromium runs all cells, waits for
the widget, and moves the ``eps`` slider with the keyboard. The test asserts that the
notebook ran without errors and that the widget's figure changed.
The slider-to-figure latency (median of 10 moves) is written to
``test-artifacts/binder_latency.json`` and printed; it is a benchmark, not asserted
(``benchmarks/bench_browser.py`` prints the same measurement as a table).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from binder import EPS_LABEL, S7_NOTEBOOK, BinderEnv, LabServer, run_chapter_and_move_slider
from browser_support import ARTIFACTS, REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N_MOVES = 10


def test_requirements_alone_provide_the_runtime(binder_env: BinderEnv) -> None:
    """The Binder venv has the widget front end and the package from requirements.txt only."""
    code = (
        "import importlib.metadata as m, pgtheory, ipywidgets, jupyterlab_widgets, matplotlib; "
        "print(m.version('jupyterlab'), m.version('ipywidgets'), pgtheory.__file__)"
    )
    proc = subprocess.run(
        [str(binder_env.python), "-c", code], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    lab_version, widgets_version, package_file = proc.stdout.split()
    # The package comes from the copy's install, not from the developer's editable tree.
    assert Path(package_file).is_relative_to(binder_env.venv), package_file
    pins = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert f"jupyterlab=={lab_version}" in pins and f"ipywidgets=={widgets_version}" in pins


def test_s7_widget_is_live_in_jupyterlab(browser, lab_server: LabServer) -> None:
    shots = ARTIFACTS / "screenshots"
    run = run_chapter_and_move_slider(
        browser,
        lab_server,
        notebook=S7_NOTEBOOK,
        label=EPS_LABEL,
        n_moves=N_MOVES,
        screenshot_dir=shots,
    )
    summary = run.summary()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "binder_latency.json").write_text(
        json.dumps({"notebook": S7_NOTEBOOK, "slider": EPS_LABEL, **summary}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(
        f"\nS7 eps slider -> figure latency over {summary['n_moves']} moves: "
        f"median {summary['median_ms']:.0f} ms, min {summary['min_ms']:.0f} ms, "
        f"max {summary['max_ms']:.0f} ms (target {summary['target_ms']:.0f} ms)"
    )
    assert not run.dialogs, f"JupyterLab showed dialogs: {run.dialogs}"
    assert run.unexecuted_cells == 0, f"{run.unexecuted_cells} code cells did not run"
    assert not run.error_outputs, f"cells raised errors:\n{run.error_outputs}"
    assert not run.widget_errors, f"widget errors shown: {run.widget_errors}"
    assert not run.page_errors, f"JavaScript errors in JupyterLab: {run.page_errors}"
    assert not run.blocked, f"JupyterLab requested non-loopback URLs: {sorted(set(run.blocked))}"
    # The figure changed after the first move: new image data and different pixels.
    assert run.before_src.startswith("data:image/png"), run.before_src[:80]
    assert run.after_src != run.before_src, "the output image did not change"
    assert run.after_png != run.before_png, "the figure's pixels did not change"
    # Every move produced a new figure; the readout followed the keys (+step, -step, ...).
    assert len(run.latencies_ms) == N_MOVES
    assert len(set(run.values)) == 2, f"slider readouts: {run.values}"
