#!/usr/bin/env python3
"""Re-execute the book's chapters in place, top to bottom, on a fresh kernel.

    python tools/execute_notebooks.py                 every chapter, book/s*.ipynb
    python tools/execute_notebooks.py book/s7_*.ipynb  the given notebooks

Each notebook runs with nbclient on a new ``python3`` kernel whose working directory is
the notebook's folder (``book/`` for the chapters). Outputs and ipywidgets state are
stored in the file, which the book renders (execution at build time is off) and nbval
replays (``tests/test_notebooks.py``). A failing cell stops that notebook, leaves its file
untouched, and makes the script exit with status 1.

The written file is normalized so that re-running an unchanged chapter gives the same
bytes: fixed kernelspec and language metadata (no Python patch version), no timing
metadata, consecutive stream outputs merged, stable cell ids, and widget model ids
renumbered in order of creation (the kernel draws them at random).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

#: Seconds a single cell may run before the notebook is declared failed.
CELL_TIMEOUT = 600
KERNEL_NAME = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Cell metadata that records when or how long a cell ran, not what it computed.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "papermill", "collapsed", "scrolled")


def kernel_environment() -> None:
    """Fix the environment the kernel inherits, for reproducible outputs."""
    # Inside Jupyter, matplotlib must use the inline backend; an inherited MPLBACKEND=Agg
    # would make figures vanish from the stored outputs.
    os.environ.pop("MPLBACKEND", None)
    os.environ["PYTHONHASHSEED"] = "0"
    # The debugger's warning about frozen modules would otherwise reach stderr outputs.
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive outputs of the same stream: how a kernel splits them varies by run."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = prev["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make the stored notebook independent of the machine and the run."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen:
            cell["id"] = f"cell-{i:03d}"
        seen.add(cell["id"])
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        nb.metadata.pop("widgets", None)
        return nb
    # Widget model ids are random uuid4 hex strings; renumber them in creation order. They
    # occur as state keys, in views' "model_id" and as "IPY_MODEL_<id>" references.
    text = json.dumps(nb, sort_keys=False)
    for k, model_id in enumerate(state):
        if re.fullmatch(r"[0-9a-f]{32}", model_id):
            text = text.replace(model_id, f"{k + 1:032x}")
    return nbformat.from_dict(json.loads(text))


def execute(path: Path) -> None:
    """Execute ``path`` in place; raise on the first failing cell."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # drop stale state; the run stores the new one
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL_NAME,
        allow_errors=False,
        store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nb = normalize(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)


def chapters() -> list[Path]:
    return sorted(BOOK.glob("s*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: book/s*.ipynb)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or chapters()
    if not paths:
        print(f"no chapters found under {BOOK.relative_to(ROOT)}/", file=sys.stderr)
        return 1
    kernel_environment()
    failed = []
    for path in paths:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if path.suffix != ".ipynb" or not path.is_file():
            print(f"FAIL {shown}: not a notebook file", flush=True)
            failed.append(shown)
            continue
        try:
            execute(path)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            print(f"FAIL {shown}\n{exc}", flush=True)
            failed.append(shown)
        else:
            print(f"OK   {shown}", flush=True)
    if failed:
        print(f"{len(failed)} of {len(paths)} notebook(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
