"""The chapters are executed, in order, and re-executing them reproduces their outputs.

For every chapter ``book/s*.ipynb``:

- every code cell was executed, top to bottom on one fresh kernel (counts 1..n);
- at least ``MIN_CHECKED_CELLS`` cells have text output that nbval compares, so an
  unexecuted or output-free notebook cannot pass;
- output checks are switched off (``# NBVAL_IGNORE_OUTPUT``/``NBVAL_SKIP``) only on cells
  that display a widget;
- nbval re-runs the notebook and compares every text output, once with one and once with
  two BLAS/OpenMP threads, and must report at least as many passed cells as it checks.

Re-execute chapters with ``python3 tasks.py execute`` (tools/execute_notebooks.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SANITIZE = ROOT / "tools" / "nbval_sanitize.cfg"
CHAPTERS = sorted(BOOK.glob("s*.ipynb"))
MIN_CHECKED_CELLS = 3
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "text/latex")
# myst_nb.glue(..., display=False) stores the value under this prefix; nbval compares it.
GLUE_PREFIX = "application/papermill.record/"
IMAGE_PREFIX = "image/"
# Output-exempting markers, as nbval reads them from comments and from cell tags.
EXEMPT_COMMENTS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "PYTEST_VALIDATE_IGNORE_OUTPUT")
EXEMPT_TAGS = ("nbval-ignore-output", "nbval-skip", "pytest-validate-ignore-output")
#: Seconds for one nbval run of one chapter.
NBVAL_TIMEOUT = 1200


def chapter_params() -> list:
    """One parameter per chapter; a single failing parameter when there is none."""
    if not CHAPTERS:
        return [pytest.param(None, id="no-chapters")]
    return [pytest.param(p, id=p.stem) for p in CHAPTERS]


def load(chapter: Path | None) -> nbformat.NotebookNode:
    if chapter is None:
        pytest.fail(f"the book has no chapters: nothing matches {BOOK.relative_to(ROOT)}/s*.ipynb")
    return nbformat.read(chapter, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Code cells with source (nbclient and nbval skip empty ones)."""
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def is_exempt(cell: nbformat.NotebookNode) -> bool:
    comments = {
        line.strip().lstrip("#").strip()
        for line in cell.source.splitlines()
        if line.strip().startswith("#")
    }
    tags = set(cell.metadata.get("tags", []))
    return bool(comments & set(EXEMPT_COMMENTS) or tags & set(EXEMPT_TAGS))


def has_text_output(cell: nbformat.NotebookNode) -> bool:
    """A stream, or a result/display/glue with text and no image (a figure's repr is no data)."""
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.text.strip():
            return True
        data = out.get("data", {})
        if out.output_type in ("execute_result", "display_data") and WIDGET_VIEW not in data:
            if any(k.removeprefix(GLUE_PREFIX) in TEXT_MIMETYPES for k in data) and not any(
                k.startswith(IMAGE_PREFIX) for k in data
            ):
                return True
    return False


def checked_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in code_cells(nb) if not is_exempt(c) and has_text_output(c)]


def test_book_has_chapters() -> None:
    assert CHAPTERS, f"no chapter notebooks match {BOOK.relative_to(ROOT)}/s*.ipynb"


@pytest.mark.parametrize("chapter", chapter_params())
def test_executed_top_to_bottom(chapter: Path | None) -> None:
    cells = code_cells(load(chapter))
    assert cells, "the chapter has no code"
    counts = [c.execution_count for c in cells]
    never = [i for i, n in enumerate(counts) if n is None]
    assert never == [], f"code cells {never} (0-based, among code cells) were never executed"
    assert counts == list(range(1, len(cells) + 1)), (
        f"execution counts {counts} are not 1..{len(cells)}: "
        "re-execute with `python3 tasks.py execute`"
    )
    errors = [i for i, c in enumerate(cells) if any(o.output_type == "error" for o in c.outputs)]
    assert errors == [], f"code cells {errors} stored an error"


@pytest.mark.parametrize("chapter", chapter_params())
def test_enough_cells_are_checked(chapter: Path | None) -> None:
    n = len(checked_cells(load(chapter)))
    assert n >= MIN_CHECKED_CELLS, (
        f"only {n} cells have text output that nbval compares (need >= {MIN_CHECKED_CELLS})"
    )


@pytest.mark.parametrize("chapter", chapter_params())
def test_output_exemptions_only_on_widget_cells(chapter: Path | None) -> None:
    bad = []
    for i, cell in enumerate(code_cells(load(chapter))):
        if is_exempt(cell) and not any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
            bad.append(f"code cell {i}: {cell.source.splitlines()[0][:60]!r}")
    assert bad == [], "NBVAL_IGNORE_OUTPUT/NBVAL_SKIP on cells that show no widget:\n" + (
        "\n".join(bad)
    )


def nbval_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    # The kernel must use matplotlib's inline backend, as when the chapter was executed.
    env.pop("MPLBACKEND", None)
    env["PYTHONHASHSEED"] = "0"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2], ids=lambda n: f"{n}thread")
@pytest.mark.parametrize("chapter", chapter_params())
def test_nbval_reproduces_outputs(chapter: Path | None, threads: int) -> None:
    nb = load(chapter)
    n_checked = len(checked_cells(nb))
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(SANITIZE.relative_to(ROOT)),
        "-p",
        "no:cacheprovider",
        # Don't inherit this project's pytest settings (testpaths=tests, -ra, and
        # filterwarnings that would turn nbval's own warnings into errors).
        "-o",
        "addopts=",
        "-o",
        "testpaths=",
        "-o",
        "filterwarnings=",
        "-q",
        str(chapter.relative_to(ROOT)),
    ]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=nbval_env(threads),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=NBVAL_TIMEOUT,
        check=False,
    )
    tail = proc.stdout[-15000:]
    assert proc.returncode == 0, f"nbval failed ({threads} thread(s)):\n{tail}"
    summary = re.findall(r"(\d+) (passed|failed|error|errors|skipped)", proc.stdout)
    counts = {kind: int(n) for n, kind in summary}
    assert counts.get("failed", 0) == 0 and counts.get("error", 0) + counts.get("errors", 0) == 0
    assert counts.get("passed", 0) >= n_checked >= MIN_CHECKED_CELLS, (
        f"nbval passed {counts.get('passed', 0)} cells, the chapter has {n_checked} checked "
        f"cells:\n{tail}"
    )
