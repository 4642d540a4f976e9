#!/usr/bin/env python3
"""The project's commands. Each sets up `.venv` (idempotent) and then does one job.

    python3 tasks.py book       set up, build the book (HTML under _build/html) and its PDF
    python3 tasks.py test       set up, lint (ruff), type-check (mypy), run every test
                                (library, notebooks, build, browser, the locks, the
                                workflows, the PDF)
    python3 tasks.py nbval      set up, check that every chapter reproduces its stored outputs
                                (nbval, one thread; --all: on every CPU path the tests use)
    python3 tasks.py pdf        set up, build the book, print it into _build/pdf/pgtheory.pdf
    python3 tasks.py lock       regenerate requirements.txt and requirements-dev.txt (uv pip
                                compile; needs PyPI; extra arguments go to uv, e.g. --upgrade)
    python3 tasks.py execute    re-execute chapters in place (all chapters of book/chapters.toml,
                                or the paths or slide ids given, e.g. S7), and write their text
                                twins book/text/*.md
    python3 tasks.py sync       sync chapters and their text twins without executing (the
                                more recently edited file of a pair provides the cells)
    python3 tasks.py lab        set up, write the chapters' readers' copies to _build/readers/
                                (tools/readers_copy.py) and open them in JupyterLab (extra
                                arguments go to `jupyter lab`; --copies-only: only write them)
    python3 tasks.py bench      run the benchmark scripts (tables of ratios)
    python3 tasks.py mutate     mutation-test the math modules (slow; not part of `test`)

Only the Python standard library is used here, so it runs on a fresh machine with
Python >= 3.11 and pip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
CHROMIUM = Path("/usr/bin/chromium")
#: poppler-utils' tools that the PDF test uses (Debian package `poppler-utils`).
POPPLER_TOOLS = ("pdftoppm", "pdftotext", "pdfimages")
#: The locks: (output, inputs) for `uv pip compile`. The dev lock comes first: the readers'
#: lock is constrained by it, so both pin the same version of every package they share.
LOCKS = (
    ("requirements-dev.txt", ("pyproject.toml", "--extra", "dev")),
    ("requirements.txt", ("requirements.in", "-c", "requirements-dev.txt")),
)
#: The Python the locks are resolved for (runtime.txt declares 3.11 for Binder).
LOCK_PYTHON = "3.11.7"
LOCK_COMMAND = "python3 tasks.py lock"

# Mutation testing (`python3 tasks.py mutate`). mutmut copies src/ to mutants/ and mutates the
# copy; an installed pgtheory (editable or not) would shadow it, so this venv has the pinned
# dependencies but not the package. mutmut's own settings are [tool.mutmut] in pyproject.toml.
MUTATE_VENV = ROOT / ".venv-mutate"
MUTATE_PY = MUTATE_VENV / BIN.name / "python"
#: Tools taken (with their pins) from requirements-dev.txt for the mutation venv.
MUTATE_TOOLS = ("pytest", "hypothesis", "mutmut")
#: mutmut's settings: `only_mutate` lists the math modules under mutation testing (the one list).
PYPROJECT = ROOT / "pyproject.toml"
MUTATED_PREFIX = "src/pgtheory/"


def math_modules(pyproject: Path = PYPROJECT) -> tuple[str, ...]:
    """The math modules under mutation testing: ``[tool.mutmut] only_mutate`` of pyproject.toml.

    Each entry must be a module file ``src/pgtheory/<package>/<name>.py`` (or
    ``src/pgtheory/<name>.py``); returns the dotted names below ``pgtheory``, such as
    ``"core.mdp"``, in the file's order.
    """
    import tomllib  # here, not at the top: tasks.py first checks that Python is >= 3.11

    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["mutmut"]
    names = []
    for path in config["only_mutate"]:
        parts = path.removeprefix(MUTATED_PREFIX).removesuffix(".py").split("/")
        name = ".".join(parts)
        if path != f"{MUTATED_PREFIX}{'/'.join(parts)}.py" or not all(
            part.isidentifier() for part in parts
        ):
            sys.exit(
                f"{pyproject}: [tool.mutmut] only_mutate: expected "
                f"'{MUTATED_PREFIX}[<package>/]<module>.py', got {path!r}"
            )
        names.append(name)
    return tuple(names)


#: Surviving mutants judged equivalent: "<mutant name>: <one-line reason>" per line.
EQUIVALENT_MUTANTS = ROOT / "tests" / "equivalent_mutants.txt"


def run(*cmd: object, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, env=env)


def setup() -> None:
    """Create .venv and install the pinned requirements (a no-op when up to date)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may run on an older python3
        sys.exit(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
    if not PY.exists():
        run(sys.executable, "-m", "venv", VENV)
    pip = (PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    run(*pip, "-r", ROOT / "requirements-dev.txt")
    # Editable, so that chapters and tests always see the working tree's src/.
    run(*pip, "--no-deps", "-e", ROOT)
    install_mathjax()


def install_mathjax() -> None:
    """npm ci the MathJax pinned in tools/mathjax (the book serves it; no CDN at run time)."""
    npm_dir = ROOT / "tools" / "mathjax"
    installed = npm_dir / "node_modules" / ".package-lock.json"
    lock = npm_dir / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return  # up to date (npm ci rewrites node_modules from the lock)
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is missing (the book serves MathJax from npm): `sudo apt-get install -y npm`")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=npm_dir, check=True)


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when missing (needs root)."""
    if CHROMIUM.exists() or shutil.which("chromium"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "chromium")
    else:
        sys.exit("chromium is missing: run `sudo apt-get install -y chromium` (Debian/Ubuntu)")


def ensure_poppler() -> None:
    """The PDF test renders and reads pages with poppler-utils; install it when missing."""
    if all(shutil.which(tool) for tool in POPPLER_TOOLS):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "poppler-utils")
    else:
        sys.exit("poppler-utils is missing: `sudo apt-get install -y poppler-utils` (Debian)")


def build_book(strict: bool = True) -> None:
    args = [BIN / "jupyter-book", "build", ROOT, "--path-output", ROOT]
    if strict:
        args += ["-W", "-n", "--keep-going"]
    run(*args)


def build_pdf() -> None:
    """Print the built book into _build/pdf/pgtheory.pdf and copy it into the site."""
    run(PY, ROOT / "tools" / "build_pdf.py")


def cmd_book() -> None:
    setup()
    ensure_chromium()
    build_book()
    build_pdf()
    print(f"\nThe book is built: open {ROOT / '_build' / 'html' / 'index.html'}")


def cmd_pdf() -> None:
    setup()
    ensure_chromium()
    build_book()
    build_pdf()


def cmd_lock(extra: list[str]) -> None:
    """Regenerate the locks from pyproject.toml and requirements.in (needs PyPI).

    uv keeps every version already pinned in an output file unless told otherwise
    (`python3 tasks.py lock --upgrade`, or `--upgrade-package NAME`). It installs nothing:
    `python3 tasks.py test` then installs the new lock into .venv.
    """
    setup()
    for output, inputs in LOCKS:
        run(
            BIN / "uv", "pip", "compile", "--quiet", *inputs, "-o", output,
            "--python-version", LOCK_PYTHON, "--custom-compile-command", LOCK_COMMAND, *extra,
        )  # fmt: skip


def cmd_test(extra: list[str]) -> None:
    setup()
    ensure_chromium()
    ensure_poppler()
    sources = ("src", "tests", "benchmarks", "tools", "tasks.py")
    run(BIN / "ruff", "check", *sources)
    run(BIN / "ruff", "format", "--check", *sources)
    run(PY, "-m", "mypy")  # the package, with [tool.mypy] of pyproject.toml
    run(PY, "-m", "pytest", *extra)


#: The notebook regression tests: stored numbers rounded, executed in order, nbval replay.
NBVAL_TESTS = ("tests/test_stored_outputs.py", "tests/test_notebooks.py")


def cmd_nbval(extra: list[str]) -> None:
    """Re-run every chapter and compare it with its stored outputs (the notebook tests).

    By default on this machine's own CPU path with one BLAS thread (a few minutes on two
    cores); ``--all`` adds two threads, numpy's dispatch narrowed and an older OpenBLAS
    kernel, as ``python3 tasks.py test`` does. Other arguments go to pytest.
    """
    setup()
    every_path = "--all" in extra
    rest = [a for a in extra if a != "--all"]
    marks = () if every_path else ("-m", "not cpu_variant")
    run(PY, "-m", "pytest", *NBVAL_TESTS, *marks, *rest)


def cmd_execute(paths: list[str]) -> None:
    setup()
    run(PY, ROOT / "tools" / "execute_notebooks.py", *paths)


def cmd_sync(paths: list[str]) -> None:
    setup()
    run(PY, ROOT / "tools" / "execute_notebooks.py", "--sync-only", *paths)


#: Where `python3 tasks.py lab` writes the readers' copies of the chapters (and the pages).
READERS_DIR = ROOT / "_build" / "readers"


def cmd_lab(extra: list[str]) -> None:
    """The chapters as readers see them on Binder: readers' copies, opened in JupyterLab."""
    setup()
    run(PY, ROOT / "tools" / "readers_copy.py", "--out", READERS_DIR)
    if "--copies-only" in extra:
        return
    run(BIN / "jupyter", "lab", f"--ServerApp.root_dir={READERS_DIR}", *extra)


def cmd_bench() -> None:
    setup()
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        run(PY, script)


def setup_mutate() -> None:
    """Create .venv-mutate: the pinned runtime and test tools, without pgtheory itself."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may run on an older python3
        sys.exit(f"Python >= 3.11 is required, this is {sys.version.split()[0]}")
    if not MUTATE_PY.exists():
        run(sys.executable, "-m", "venv", MUTATE_VENV)
    runtime = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#") and line.strip() != "."  # "." = pgtheory
    ]
    tools = [
        line.strip()
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        if line.split("==")[0].strip() in MUTATE_TOOLS
    ]
    if len(tools) != len(MUTATE_TOOLS):
        sys.exit(f"requirements-dev.txt must pin each of {MUTATE_TOOLS}, found {tools}")
    reqs = MUTATE_VENV / "requirements.txt"
    reqs.write_text("\n".join(runtime + tools) + "\n")
    pip = (MUTATE_PY, "-m", "pip", "--disable-pip-version-check")
    run(*pip, "install", "--quiet", "-r", reqs, "-c", ROOT / "requirements-dev.txt")
    installed = subprocess.run([str(c) for c in (*pip, "show", "-q", "pgtheory")], cwd=ROOT)
    if installed.returncode == 0:  # e.g. installed by hand: it would shadow the mutants
        run(*pip, "uninstall", "--yes", "pgtheory")


def read_equivalent_mutants(path: Path = EQUIVALENT_MUTANTS) -> dict[str, str]:
    """``{mutant name: reason}`` from the equivalent-mutants file (``#`` starts a comment)."""
    out: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition(":")
        if not sep or not reason.strip() or "__mutmut_" not in name:
            sys.exit(f"{path}:{number}: expected '<mutant name>: <reason>', got {line!r}")
        out[name.strip()] = reason.strip()
    return out


#: mutmut's exit codes of a mutant that the tests detected: a failing test (1; 3 is an internal
#: pytest error) or a timeout (SIGXCPU, or mutmut's own timeout codes).
KILLED_CODES = (1, 3)
TIMEOUT_CODES = (-24, 24, 36, 152, 255)


def mutation_scores(
    exit_codes: dict[str, int | None], equivalent: dict[str, str]
) -> list[tuple[str, int, int, int, int, int, int]]:
    """Per math module: (module, mutants, killed, of which timeouts, survived, equivalent, other).

    A timeout counts as killed (the tests did not pass); exit code 0 is a survivor, and a
    survivor listed in the equivalent-mutants file counts as equivalent instead. "other" is
    anything else (no tests, not checked, segfault): neither killed nor excused.
    """
    rows = []
    for module in math_modules():
        prefix = f"pgtheory.{module}."
        codes = {k: v for k, v in exit_codes.items() if k.startswith(prefix)}
        timeouts = sum(v in TIMEOUT_CODES for v in codes.values())
        killed = sum(v in KILLED_CODES for v in codes.values()) + timeouts
        survived = [k for k, v in codes.items() if v == 0]
        equiv = sum(k in equivalent for k in survived)
        other = len(codes) - killed - len(survived)
        rows.append((module, len(codes), killed, timeouts, len(survived) - equiv, equiv, other))
    return rows


def cmd_mutate(extra: list[str]) -> None:
    setup_mutate()
    equivalent = read_equivalent_mutants()
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # a clean run, never stale mutants
    start = time.monotonic()
    mutmut = MUTATE_VENV / BIN.name / "mutmut"
    run(mutmut, "run", "--max-children", str(os.cpu_count() or 2), *extra)
    elapsed = time.monotonic() - start
    exit_codes: dict[str, int | None] = {}
    for meta in (ROOT / "mutants" / "src" / "pgtheory").rglob("*.py.meta"):
        exit_codes |= json.loads(meta.read_text())["exit_code_by_key"]
    rows = mutation_scores(exit_codes, equivalent)
    print(f"\nMutation testing of the math modules ({elapsed:.0f} s, {date.today()}):\n")
    print("| module | mutants | killed | survived | equivalent | score |")
    print("|---|---|---|---|---|---|")
    for module, total, killed, timeouts, survived, equiv, other in rows:
        score = f"{killed / (total - equiv):.1%}" if total > equiv else "n/a"
        killed_text = f"{killed} ({timeouts} by timeout)" if timeouts else str(killed)
        note = f" ({other} not run: no tests or crashed)" if other else ""
        print(f"| `{module}.py` | {total} | {killed_text} | {survived} | {equiv} | {score}{note} |")
    stale = sorted(k for k in equivalent if exit_codes.get(k) != 0)
    if stale:
        print(f"\nListed as equivalent but not surviving (stale entries in {EQUIVALENT_MUTANTS}):")
        print("\n".join(f"  {k}" for k in stale))
    survivors = sorted(k for k, v in exit_codes.items() if v == 0 and k not in equivalent)
    if survivors:
        print("\nSurviving mutants (inspect with `.venv-mutate/bin/mutmut show NAME`):")
        print("\n".join(f"  {k}" for k in survivors))


def main(argv: list[str]) -> None:
    commands = {"book", "test", "nbval", "execute", "sync", "bench", "mutate", "pdf", "lock", "lab"}
    if not argv or argv[0] not in commands:
        sys.exit(__doc__)
    cmd, rest = argv[0], argv[1:]
    if cmd == "book":
        cmd_book()
    elif cmd == "pdf":
        cmd_pdf()
    elif cmd == "lock":
        cmd_lock(rest)
    elif cmd == "test":
        cmd_test(rest)
    elif cmd == "nbval":
        cmd_nbval(rest)
    elif cmd == "execute":
        cmd_execute(rest)
    elif cmd == "sync":
        cmd_sync(rest)
    elif cmd == "mutate":
        cmd_mutate(rest)
    elif cmd == "lab":
        cmd_lab(rest)
    else:
        cmd_bench()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
