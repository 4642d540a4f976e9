"""The chapters are executed, in order, and re-executing them reproduces their outputs.

For every chapter of the manifest ``book/chapters.toml`` (``tools/chapters.py``):

- every code cell was executed, top to bottom on one fresh kernel (counts 1..n);
- at least ``MIN_CHECKED_CELLS`` cells have text output that nbval compares, so an
  unexecuted or output-free notebook cannot pass;
- output checks are switched off (``# NBVAL_IGNORE_OUTPUT``/``NBVAL_SKIP``) only on cells
  that display a widget;
- nbval re-runs the notebook and compares every text output, and must report at least as
  many passed cells as it checks, on four CPU paths (``VARIANTS``): one BLAS/OpenMP thread,
  two threads, numpy's SIMD dispatch narrowed by one CPU generation
  (``NPY_DISABLE_CPU_FEATURES``) and OpenBLAS forced to an older kernel
  (``OPENBLAS_CORETYPE``). numpy's kernels differ in the last bits between such paths, which
  is why chapters store rounded numbers (tests/test_stored_outputs.py).

Each cell of a replay is limited to ``NBVAL_CELL_TIMEOUT`` seconds: a hang fails that cell
by name instead of waiting nbval's default 2000 s (a test shows it on a cell that sleeps).

Re-execute chapters with ``python3 tasks.py execute`` (tools/execute_notebooks.py).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import chapters
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SANITIZE = ROOT / "tools" / "nbval_sanitize.cfg"
CHAPTERS = chapters.load()
MIN_CHECKED_CELLS = 3
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "text/latex")
# myst_nb.glue(..., display=False) stores the value under this prefix; nbval compares it.
GLUE_PREFIX = "application/papermill.record/"
IMAGE_PREFIX = "image/"
# Output-exempting markers, as nbval reads them from comments and from cell tags.
EXEMPT_COMMENTS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "PYTEST_VALIDATE_IGNORE_OUTPUT")
EXEMPT_TAGS = ("nbval-ignore-output", "nbval-skip", "pytest-validate-ignore-output")
#: Seconds one cell may run under nbval (``--nbval-cell-timeout``; nbval's default is 2000):
#: a hang guard, as the executor's ``CELL_TIMEOUT``. nbval then fails that cell, by name.
NBVAL_CELL_TIMEOUT = 300
#: Seconds for one nbval run of one chapter: the last guard, should nbval itself hang.
NBVAL_TIMEOUT = 1200


def chapter_params() -> list:
    """One parameter per chapter of the manifest (which has at least one)."""
    return [pytest.param(c, id=c.name) for c in CHAPTERS]


def load(chapter: chapters.Chapter) -> nbformat.NotebookNode:
    return nbformat.read(chapter.path, as_version=4)


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


@pytest.mark.parametrize("chapter", chapter_params())
def test_executed_top_to_bottom(chapter: chapters.Chapter) -> None:
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
def test_enough_cells_are_checked(chapter: chapters.Chapter) -> None:
    n = len(checked_cells(load(chapter)))
    assert n >= MIN_CHECKED_CELLS, (
        f"only {n} cells have text output that nbval compares (need >= {MIN_CHECKED_CELLS})"
    )


@pytest.mark.parametrize("chapter", chapter_params())
def test_output_exemptions_only_on_widget_cells(chapter: chapters.Chapter) -> None:
    bad = []
    for i, cell in enumerate(code_cells(load(chapter))):
        if is_exempt(cell) and not any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
            bad.append(f"code cell {i}: {cell.source.splitlines()[0][:60]!r}")
    assert bad == [], "NBVAL_IGNORE_OUTPUT/NBVAL_SKIP on cells that show no widget:\n" + (
        "\n".join(bad)
    )


def numpy_dispatch_narrowed() -> str | None:
    """``NPY_DISABLE_CPU_FEATURES`` for numpy's kernels of one CPU generation down, or None.

    numpy picks, per kernel, the best of its dispatch targets (``__cpu_dispatch__``: on
    x86-64 ``X86_V3`` = AVX2/FMA3, ``X86_V4`` and ``AVX512_*`` = AVX-512) that the CPU has.
    With two or more enabled, all but the lowest are disabled (an AVX-512 machine then runs
    the AVX2 kernels, like a machine without AVX-512); with one, it is disabled (an AVX2
    machine then runs the baseline kernels). None when numpy dispatches to none.
    """
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    enabled = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    disabled = enabled[1:] if len(enabled) >= 2 else enabled
    return " ".join(disabled) or None


def openblas_corename(env: dict[str, str] | None = None) -> str | None:
    """The OpenBLAS kernel that numpy uses in a fresh interpreter with ``env``, or None."""
    code = (
        "import ctypes, glob, os, numpy\n"
        "libs = glob.glob(os.path.dirname(numpy.__file__) + '.libs/*openblas*')\n"
        "names = ('scipy_openblas_get_corename64_', 'scipy_openblas_get_corename',\n"
        "         'openblas_get_corename64_', 'openblas_get_corename')\n"
        "for lib in map(ctypes.CDLL, libs):\n"
        "    for name in names:\n"
        "        if hasattr(lib, name):\n"
        "            f = getattr(lib, name); f.restype = ctypes.c_char_p\n"
        "            print(f().decode()); raise SystemExit\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() or None


#: OPENBLAS_CORETYPE of the older kernel (SSE4.2, no AVX), and its fallback when the
#: machine's own kernel is already that one (SSE3).
OPENBLAS_OLD_CORE = "Nehalem"
OPENBLAS_OLDER_CORE = "Prescott"


def openblas_older_core() -> str | None:
    """An OpenBLAS kernel older than this machine's own, or None without OpenBLAS/x86-64."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    native = openblas_corename()
    if native is None:
        return None
    return OPENBLAS_OLDER_CORE if native.lower() == OPENBLAS_OLD_CORE.lower() else OPENBLAS_OLD_CORE


#: The CPU paths nbval replays every chapter on. The first is the plain one (what
#: ``python3 tasks.py nbval`` runs); the others are marked ``cpu_variant``.
VARIANTS = ("1thread", "2threads", "numpy-narrowed", "openblas-old-kernel")


def nbval_env(variant: str) -> dict[str, str]:
    """The environment of nbval and its kernel for one of ``VARIANTS``.

    Raises ``pytest.skip`` when the variant does not apply to this machine (numpy has no
    dispatch target enabled, or OpenBLAS is not on x86-64).
    """
    env = dict(os.environ)
    threads = 2 if variant == "2threads" else 1
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    if variant == "numpy-narrowed":
        narrowed = numpy_dispatch_narrowed()
        if narrowed is None:
            pytest.skip("numpy dispatches to no optional CPU feature on this machine")
        env["NPY_DISABLE_CPU_FEATURES"] = narrowed
    elif variant == "openblas-old-kernel":
        core = openblas_older_core()
        if core is None:
            pytest.skip("numpy's BLAS is not OpenBLAS on x86-64 here")
        env["OPENBLAS_CORETYPE"] = core
    elif variant not in ("1thread", "2threads"):
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    # The kernel must use matplotlib's inline backend, as when the chapter was executed.
    env.pop("MPLBACKEND", None)
    env["PYTHONHASHSEED"] = "0"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def variant_params() -> list:
    return [
        pytest.param(v, id=v, marks=() if v == VARIANTS[0] else pytest.mark.cpu_variant)
        for v in VARIANTS
    ]


def test_numpy_narrowed_variant_takes_effect() -> None:
    """In the narrowed environment numpy really runs without the disabled targets."""
    env = nbval_env("numpy-narrowed")
    code = (
        "from numpy._core._multiarray_umath import __cpu_features__ as f\n"
        f"print(all(not f[name] for name in {env['NPY_DISABLE_CPU_FEATURES'].split()!r}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "True", proc.stdout + proc.stderr


def test_openblas_variant_takes_effect() -> None:
    """In the forced environment OpenBLAS reports the older kernel, not its own."""
    env = nbval_env("openblas-old-kernel")
    native = openblas_corename()
    forced = openblas_corename(env)
    assert forced is not None and native is not None
    assert forced.lower() == env["OPENBLAS_CORETYPE"].lower() != native.lower(), (native, forced)


def run_nbval(
    notebook: str,
    env: dict[str, str],
    *,
    cell_timeout: float = NBVAL_CELL_TIMEOUT,
    rootdir: Path = ROOT,
) -> subprocess.CompletedProcess[str]:
    """nbval on ``notebook`` (a path from ``rootdir``, which it runs in) in ``env``, each
    cell limited to ``cell_timeout`` seconds, each cell's result on its own line (``-v``:
    ``<notebook>::Cell <n> PASSED``, so the output shows how far it got). A run that
    outlives ``NBVAL_TIMEOUT`` fails the test with the output so far."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(SANITIZE),
        "--rootdir",
        str(rootdir),
        "--nbval-cell-timeout",
        str(cell_timeout),
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
        "-v",
        notebook,
    ]
    try:
        return subprocess.run(
            cmd,
            cwd=rootdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=NBVAL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        pytest.fail(f"nbval of {notebook} did not finish in {NBVAL_TIMEOUT} s:\n{out[-5000:]}")


def test_nbval_fails_a_hanging_cell_by_name(tmp_path: Path) -> None:
    """A cell that outlives nbval's cell timeout fails the run, and the output names the
    notebook, the cell and the timeout (rather than nbval waiting 2000 s, its default)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "print(1)", outputs=[nbformat.v4.new_output("stream", text="1\n")]
        ),
        nbformat.v4.new_code_cell("import time\n\ntime.sleep(600)"),
    ]
    nb.cells[0].execution_count = 1
    path = tmp_path / "sleeper.ipynb"
    nbformat.write(nb, path)
    proc = run_nbval(path.name, nbval_env(VARIANTS[0]), cell_timeout=10, rootdir=tmp_path)
    assert proc.returncode != 0, proc.stdout
    # The failure's heading names the notebook and the cell, its text the timeout.
    assert re.search(r"_ sleeper\.ipynb::Cell 1 _", proc.stdout), proc.stdout
    assert "Cell 1: Timeout of 10 seconds exceeded" in proc.stdout, proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("variant", variant_params())
@pytest.mark.parametrize("chapter", chapter_params())
def test_nbval_reproduces_outputs(chapter: chapters.Chapter, variant: str) -> None:
    nb = load(chapter)
    n_checked = len(checked_cells(nb))
    proc = run_nbval(chapter.file, nbval_env(variant))
    tail = proc.stdout[-15000:]
    assert proc.returncode == 0, f"nbval failed ({variant}):\n{tail}"
    summary = re.findall(r"(\d+) (passed|failed|error|errors|skipped)", proc.stdout)
    counts = {kind: int(n) for n, kind in summary}
    assert counts.get("failed", 0) == 0 and counts.get("error", 0) + counts.get("errors", 0) == 0
    assert counts.get("passed", 0) >= n_checked >= MIN_CHECKED_CELLS, (
        f"nbval passed {counts.get('passed', 0)} cells, the chapter has {n_checked} checked "
        f"cells:\n{tail}"
    )
