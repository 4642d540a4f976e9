#!/usr/bin/env python3
"""Re-execute the book's chapters in place, top to bottom, on a fresh kernel.

    python tools/execute_notebooks.py                 every chapter of book/chapters.toml
    python tools/execute_notebooks.py S7 S8           the chapters of slides S7 and S8
    python tools/execute_notebooks.py path/to/x.ipynb  the given notebooks
    python tools/execute_notebooks.py --sync-only     sync chapters and text twins, no run

Each notebook runs with nbclient on a new ``python3`` kernel whose working directory is
the notebook's folder (``book/`` for the chapters). Outputs and ipywidgets state are
stored in the file, which the book renders (execution at build time is off) and nbval
replays (``tests/test_notebooks.py``). A failing cell stops that notebook, leaves its file
untouched, and makes the script exit with status 1.

Execution never waits on a single wake-up, and never hangs. nbclient waits for a cell's
reply with one asyncio poll of the kernel's zmq socket for up to the cell's whole timeout;
zmq signals a new message edge-triggered, and under CPU load that wake-up is sometimes
lost, so the reply sat in the socket until the poll timed out (issue #20: S3's widget cell
replied 8 s after it started; under load the client took it only when its 120 s poll timed
out, and with no timeout, as ``jupyter execute`` runs, never). The kernel client here
(``SlicedPollChannel``) waits in polls of at most ``POLL_SLICE`` seconds, each of which looks
at the socket afresh, so a lost wake-up costs at most one slice. A cell that runs longer
than ``CELL_TIMEOUT`` seconds (``--cell-timeout``), or whose output does not arrive within
``IOPUB_TIMEOUT`` seconds of its reply, fails the chapter with an error that names the
chapter, the cell's index and id and its first line (``ChapterCellTimeout``).

The written file is normalized so that re-running an unchanged chapter gives the same
bytes: fixed kernelspec and language metadata (no Python patch version), no timing
metadata, consecutive stream outputs merged, stable cell ids, and widget model ids
renumbered in order of creation (the kernel draws them at random). Cells the book hides
(tags remove-cell, hide-input, ...) carry the metadata with which JupyterLab collapses them
(``readers_copy.collapse_hidden_cells``).

Every chapter has a text twin, ``book/text/<chapter>.md``: its cells as MyST markdown with
no outputs, written by jupytext, so that a change to a chapter reviews as prose and code.
The notebook's metadata pairs the two (``"jupytext": {"formats": TWIN_FORMATS}``), so
JupyterLab with jupytext keeps them in sync as well. Before a run, a twin that is newer
than its notebook and differs from it provides the cells (as ``jupytext --sync`` would:
edit either file); the run then writes both. ``--sync-only`` does that without executing.
``tests/test_text_twins.py`` fails when a pair is out of sync.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

import chapters as manifest  # tools/chapters.py, beside this file: the chapter manifest
import jupytext
import nbformat
import readers_copy  # tools/readers_copy.py: what JupyterLab collapses
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from jupytext.combine import combine_inputs_with_outputs
from jupytext.paired_paths import paired_paths
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import Type, default

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

#: Seconds a single cell may run before the chapter fails (an integer, as nbclient takes it):
#: a hang guard, not a budget (the slowest cell of any chapter takes seconds on a quiet
#: machine, a few times that under load).
CELL_TIMEOUT = 300
#: Seconds to wait, after a cell's reply, for the rest of its output before the chapter fails
#: (nbclient's ``iopub_timeout``; by default it waits 4 s and then drops the missing output).
IOPUB_TIMEOUT = 60
#: Longest single wait on a kernel socket, in seconds (``SlicedPollChannel``).
POLL_SLICE = 0.5
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
#: jupytext's pairing of a chapter with its text twin: book/sN_x.ipynb <-> book/text/sN_x.md.
TWIN_FORMATS = "ipynb,text//md:myst"
TWIN_FORMAT = "md:myst"


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
    # JupyterLab collapses what the book hides (remove-cell, hide-input, ...): a reader who
    # opens the chapter itself, not its readers' copy, sees no plumbing unless they open it.
    readers_copy.collapse_hidden_cells(nb.cells)
    for cell in nb.cells:  # keys in the file's order (sorted), so the twin reads the same
        cell.metadata = nbformat.from_dict(dict(sorted(cell.metadata.items())))
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


def twin_path(path: Path) -> Path:
    """The text twin of notebook ``path``, where jupytext pairs it (``TWIN_FORMATS``)."""
    (_, _), (twin, _) = paired_paths(str(path), "ipynb", TWIN_FORMATS)
    return Path(twin)


def twin_text(nb: nbformat.NotebookNode) -> str:
    """The twin's text for ``nb``: jupytext's MyST markdown of its cells (no outputs)."""
    nb = nbformat.from_dict(nb)  # a copy: the pairing is set on it, not on the caller's
    nb.metadata["jupytext"] = {"formats": TWIN_FORMATS}
    return jupytext.writes(nb, fmt=TWIN_FORMAT)


def read_chapter(path: Path) -> tuple[nbformat.NotebookNode, bool]:
    """The notebook at ``path``, and whether its twin's cells replaced its own.

    The twin wins when it is newer than the notebook and differs from it (edited as text);
    each of the notebook's cells keeps its id and outputs where jupytext matches it to a
    twin cell (same source, else same place and type), stale until the next run.
    """
    nb = nbformat.read(path, as_version=4)
    twin = twin_path(path)
    if not twin.is_file() or twin.stat().st_mtime <= path.stat().st_mtime:
        return nb, False
    if twin.read_text(encoding="utf-8") == twin_text(nb):
        return nb, False
    cells = jupytext.read(twin, fmt=TWIN_FORMAT)
    return nbformat.from_dict(combine_inputs_with_outputs(cells, nb, fmt=TWIN_FORMAT)), True


def write_chapter(path: Path, nb: nbformat.NotebookNode) -> list[Path]:
    """Write the notebook and its twin, each only if its text changes; return those written."""
    # Exactly the pairing: also drops what jupytext may add there (e.g. "default_lexer").
    nb.metadata["jupytext"] = {"formats": TWIN_FORMATS}
    nbformat.validate(nb)
    written = []
    for target, text in ((path, nbformat.writes(nb)), (twin_path(path), twin_text(nb))):
        text = text if text.endswith("\n") else text + "\n"
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


class SlicedPollChannel(AsyncZMQSocketChannel):
    """A kernel channel whose waits never rest on one wake-up: ``get_msg(timeout)`` polls the
    socket in slices of at most ``POLL_SLICE`` seconds until a message comes or ``timeout``
    (None: no limit) has passed.

    The asyncio poll of a zmq socket wakes on the socket's edge-triggered signal; when that
    wake-up is lost (seen under CPU load), a single long poll returns only at its timeout
    although the message arrived long before. Each new poll checks the socket's state first,
    and each poll that times out checks it again (``zmq_poll`` with timeout 0), so a lost
    wake-up delays a message by at most one slice.
    """

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else max(0.0, deadline - monotonic())
            try:
                return await super().get_msg(timeout=min(POLL_SLICE, left))
            except Empty:
                if deadline is not None and monotonic() >= deadline:
                    raise


class SlicedPollClient(AsyncKernelClient):
    """jupyter_client's asyncio kernel client with ``SlicedPollChannel`` for the shell and
    IOPub channels (the two that nbclient waits on while a cell runs)."""

    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)


class SlicedPollKernelManager(AsyncKernelManager):
    """The kernel manager of the executor: its clients are ``SlicedPollClient``."""

    @default("client_factory")
    def _client_factory_default(self) -> type:
        return SlicedPollClient


class ChapterCellTimeout(CellTimeoutError):
    """A cell of a chapter ran out of time; the message names the chapter and the cell."""


class ChapterClient(NotebookClient):
    """nbclient's client that remembers the cell it runs, to name it when time runs out."""

    cell_index: int | None = None

    async def async_execute_cell(
        self,
        cell: nbformat.NotebookNode,
        cell_index: int,
        execution_count: int | None = None,
        store_history: bool = True,
    ) -> nbformat.NotebookNode:
        self.cell_index = cell_index
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)


def notebook_client(
    nb: nbformat.NotebookNode, cwd: Path, *, cell_timeout: int = CELL_TIMEOUT
) -> ChapterClient:
    """The client that executes ``nb`` in ``cwd``: a fresh ``KERNEL_NAME`` kernel, polled in
    slices, each cell limited to ``cell_timeout`` seconds and its output to ``IOPUB_TIMEOUT``
    seconds after its reply (both raise ``CellTimeoutError``), widget state stored."""
    return ChapterClient(
        nb,
        timeout=cell_timeout,
        iopub_timeout=IOPUB_TIMEOUT,
        raise_on_iopub_timeout=True,
        kernel_name=KERNEL_NAME,
        kernel_manager_class=SlicedPollKernelManager,
        allow_errors=False,
        store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )


def shown_path(path: Path) -> Path:
    """``path`` relative to the repository when it is inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def execute(path: Path, *, cell_timeout: int = CELL_TIMEOUT) -> None:
    """Execute ``path`` in place; raise on the first failing cell.

    Raises
    ------
    ChapterCellTimeout
        A cell ran longer than ``cell_timeout`` seconds, or its output did not arrive within
        ``IOPUB_TIMEOUT`` seconds of its reply; the message names the notebook and the cell.
    CellExecutionError, DeadKernelError
        As nbclient raises them.
    """
    nb, _ = read_chapter(path)
    nb.metadata.pop("widgets", None)  # drop stale state; the run stores the new one
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    client = notebook_client(nb, path.parent, cell_timeout=cell_timeout)
    try:
        client.execute()
    except CellTimeoutError as exc:
        raise ChapterCellTimeout(timeout_message(path, nb, client.cell_index, exc)) from exc
    write_chapter(path, normalize(nb))


def timeout_message(
    path: Path, nb: nbformat.NotebookNode, index: int | None, exc: CellTimeoutError
) -> str:
    """``<notebook>: cell <index> (id <id>, '<first line>') timed out: <nbclient's message>``."""
    if index is None or not 0 <= index < len(nb.cells):
        where = "a cell"
    else:
        cell = nb.cells[index]
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        where = f"cell {index} (id {cell.get('id', '?')}, {first[:60]!r})"
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{shown_path(path)}: {where} timed out: {reason}"


def chapters() -> list[Path]:
    """Every chapter's notebook, in reading order (the manifest ``book/chapters.toml``)."""
    return [c.path for c in manifest.load()]


def resolve(args: list[str]) -> list[Path]:
    """Notebooks from the command line: a slide id (``S7``) is that chapter's notebook (from
    the manifest), anything else a path; no arguments, every chapter."""
    if not args:
        return chapters()
    by_slide = {c.slide: c.path for c in manifest.load()} if any(map(is_slide, args)) else {}
    unknown = [a for a in args if is_slide(a) and a not in by_slide]
    if unknown:
        raise ValueError(f"no chapter for slide(s) {unknown} in {manifest.manifest_path()}")
    return [by_slide[a] if a in by_slide else Path(a).resolve() for a in args]


def is_slide(arg: str) -> bool:
    return manifest.SLIDE.fullmatch(arg) is not None


def sync_only(paths: list[Path]) -> int:
    """Bring each chapter and its twin in sync without executing; print what was written."""
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            print(f"FAIL {path}: not a notebook file", file=sys.stderr)
            return 1
        nb, from_twin = read_chapter(path)
        written = write_chapter(path, nb)
        shown = [p.relative_to(ROOT) if p.is_relative_to(ROOT) else p for p in (path, *written)]
        source = f"cells from {twin_path(shown[0])}" if from_twin else "cells from the notebook"
        done = f"wrote {', '.join(map(str, shown[1:]))} ({source})" if written else "in sync"
        print(f"{shown[0]}: {done}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="*", help="notebooks or slide ids such as S7 (default: every chapter)"
    )
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=CELL_TIMEOUT,
        metavar="SECONDS",
        help=f"fail a chapter whose cell runs longer than this (default {CELL_TIMEOUT})",
    )
    parser.add_argument(
        "--sync-only",
        action="store_true",
        help="only sync each notebook with its text twin book/text/<name>.md (no kernel)",
    )
    args = parser.parse_args(argv)
    try:
        paths = resolve(args.paths)
    except ValueError as exc:  # a malformed manifest, or a slide without a chapter
        print(exc, file=sys.stderr)
        return 1
    if args.sync_only:
        return sync_only(paths)
    kernel_environment()
    failed = []
    for path in paths:
        shown = shown_path(path)
        if path.suffix != ".ipynb" or not path.is_file():
            print(f"FAIL {shown}: not a notebook file", flush=True)
            failed.append(shown)
            continue
        try:
            execute(path, cell_timeout=args.cell_timeout)
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
