"""Type checking: mypy finds no error in the package, and its configuration catches mistakes.

``python3 tasks.py test`` runs mypy on ``src/pgtheory`` before the tests (``[tool.mypy]`` of
pyproject.toml); these tests run it too, and show on small wrong programs that the
configuration is strict enough to fail them.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
EVALUATION = ROOT / "src" / "pgtheory" / "core" / "evaluation.py"


def mypy(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m mypy ARGS`` from the repository root, ``pgtheory`` imported from ``src``."""
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if "No module named mypy" in result.stderr:
        pytest.fail("mypy is missing: it is in requirements-dev.txt (tasks.py test)")
    return result


def test_the_package_type_checks():
    result = mypy()  # files, settings: [tool.mypy] of pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout


def test_the_configuration_catches_a_wrong_return_type(tmp_path):
    module = tmp_path / "wrong_return.py"
    module.write_text("def f(x: float) -> int:\n    return x * 2.5\n", encoding="utf-8")
    result = mypy("--config-file", PYPROJECT, "--cache-dir", tmp_path / "cache", module)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'wrong_return.py:2: error: Incompatible return value type (got "float", ' in (
        result.stdout
    )
    assert "[return-value]" in result.stdout


def test_the_configuration_catches_an_array_returned_for_a_float(tmp_path):
    """return_from_values with ``p0 * V`` (elementwise) for ``p0 @ V``: an array, not J.

    The unchanged copy passes, so the error is the mistake's, on its line.
    """
    source = EVALUATION.read_text(encoding="utf-8")
    correct = "    return float(mdp.p0 @ (V if mdp.horizon is None else V[0]))\n"
    assert source.count(correct) == 1, "return_from_values changed: update this test"
    line = source[: source.index(correct)].count("\n") + 1
    unchanged = tmp_path / "evaluation_unchanged.py"
    unchanged.write_text(source, encoding="utf-8")
    wrong = tmp_path / "evaluation_wrong.py"
    wrong.write_text(source.replace(correct, "    return mdp.p0 * V\n"), encoding="utf-8")
    # A cache of its own: the repository's may hold modules of these names from other runs.
    config = ("--config-file", PYPROJECT, "--cache-dir", tmp_path / "cache")

    result = mypy(*config, unchanged)
    assert result.returncode == 0, result.stdout + result.stderr

    result = mypy(*config, wrong)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [ln for ln in result.stdout.splitlines() if ": error: " in ln]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith(f"{wrong}:{line}: error: Incompatible return value type"), errors
    assert 'expected "float")  [return-value]' in errors[0], errors
