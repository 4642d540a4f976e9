#!/usr/bin/env python3
"""The project's commands. Each sets up `.venv` (idempotent) and then does one job.

    python3 tasks.py book       set up, build the book (HTML under _build/html)
    python3 tasks.py test       set up, run every test (library, notebooks, build, browser)
    python3 tasks.py execute    re-execute chapters in place (all, or the paths given)
    python3 tasks.py bench      run the benchmark scripts (tables of ratios)

Only the Python standard library is used here, so it runs on a fresh machine with
Python >= 3.11 and pip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
CHROMIUM = Path("/usr/bin/chromium")


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


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium; install it when missing (needs root)."""
    if CHROMIUM.exists() or shutil.which("chromium"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "chromium")
    else:
        sys.exit("chromium is missing: run `sudo apt-get install -y chromium` (Debian/Ubuntu)")


def build_book(strict: bool = True) -> None:
    args = [BIN / "jupyter-book", "build", ROOT, "--path-output", ROOT]
    if strict:
        args += ["-W", "-n", "--keep-going"]
    run(*args)


def cmd_book() -> None:
    setup()
    build_book()
    print(f"\nThe book is built: open {ROOT / '_build' / 'html' / 'index.html'}")


def cmd_test(extra: list[str]) -> None:
    setup()
    ensure_chromium()
    run(BIN / "ruff", "check", "src", "tests", "benchmarks", "tools", "tasks.py")
    run(PY, "-m", "pytest", *extra)


def cmd_execute(paths: list[str]) -> None:
    setup()
    run(PY, ROOT / "tools" / "execute_notebooks.py", *paths)


def cmd_bench() -> None:
    setup()
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        run(PY, script)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"book", "test", "execute", "bench"}:
        sys.exit(__doc__)
    cmd, rest = argv[0], argv[1:]
    if cmd == "book":
        cmd_book()
    elif cmd == "test":
        cmd_test(rest)
    elif cmd == "execute":
        cmd_execute(rest)
    else:
        cmd_bench()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
