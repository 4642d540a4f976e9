"""The package's import structure: the math is numpy-only, drawing lives in pgtheory.viz."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest


def test_importing_pgtheory_loads_no_drawing_library():
    """``import pgtheory`` is numpy-only; ``pgtheory.viz`` loads matplotlib on first use."""
    code = (
        "import sys, pgtheory as pg\n"
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))\n"
        "pg.viz\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:2] == ["[]", "True"], out


# ------------------------------------------------- one home for shared helpers

SRC = Path(__file__).resolve().parent.parent / "src" / "pgtheory"


def _private(name: str) -> bool:
    """An underscored name that is not a dunder (``__version__``, ``__all__`` are public)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(dotted: str) -> bool:
    """Whether ``pgtheory.a.b`` names a module or package of src/pgtheory."""
    path = SRC.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private_reaches(source: str, module: str) -> list[tuple[int, str]]:
    """``(line, what)`` for every use, in the module ``module`` (``pgtheory.x``), of an
    underscored name of *another* pgtheory module: ``from pgtheory.m import _f``,
    ``import pgtheory._m``, ``from pgtheory._m import f``, relative imports of the same,
    and attribute access ``pgtheory.m._f`` / ``pg.m._f`` through an imported module."""
    is_package = module.endswith(".__init__")
    package = module.removesuffix(".__init__") if is_package else module.rsplit(".", 1)[0]
    found, modules = [], {}  # local name -> dotted pgtheory module it is bound to
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            if not (base == "pgtheory" or base.startswith("pgtheory.")):
                continue
            if any(_private(part) for part in base.split(".")):
                found.append((node.lineno, f"imports from the private module {base}"))
            for alias in node.names:
                if _private(alias.name):
                    found.append((node.lineno, f"imports {base}.{alias.name}"))
                elif _is_module(f"{base}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pgtheory" or alias.name.startswith("pgtheory."):
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append((node.lineno, f"imports the private module {alias.name}"))
                    if alias.asname:
                        modules[alias.asname] = alias.name
                    else:
                        modules["pgtheory"] = "pgtheory"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                chain.insert(0, value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in modules:
                found.append((node.lineno, f"uses {modules[value.id]}.{'.'.join(chain)}"))
    return sorted(set(found))


def test_no_module_reaches_into_another_modules_private_names():
    """Shared helpers are public in one home: no module of src/pgtheory imports or uses an
    underscored name of another (its own private helpers are its business)."""
    violations = []
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        for line, what in private_reaches(path.read_text(encoding="utf-8"), module):
            violations.append(f"{path.relative_to(SRC.parent)}:{line}: {what}")
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("from pgtheory.mdp import TabularMDP, _as_mdp", "imports pgtheory.mdp._as_mdp"),
        ("from pgtheory._validation import check_real", "private module pgtheory._validation"),
        ("import pgtheory._validation", "imports the private module pgtheory._validation"),
        ("from .evaluation import _evaluate", "imports pgtheory.evaluation._evaluate"),
        ("from . import _helpers", "imports pgtheory._helpers"),
        ("import pgtheory as pg\nx = pg.mdp._as_mdp", "uses pgtheory.mdp._as_mdp"),
        ("import pgtheory.batched\nf = pgtheory.batched._evaluate", "pgtheory.batched._evaluate"),
        (
            "from pgtheory import guarantees as g\ng._softmax(t)",
            "uses pgtheory.guarantees._softmax",
        ),
    ],
)
def test_private_reaches_are_found(source, what):
    found = private_reaches(source, "pgtheory.algorithms")
    assert any(what in w for _, w in found), found


@pytest.mark.parametrize(
    "source",
    [
        "from pgtheory.mdp import TabularMDP, check_mdp",
        "import pgtheory as pg\nprint(pg.__version__, pg.mdp.__all__)",
        "def _own(): pass\n_own()\nx = self._cache",
        "from numpy import _core",  # not pgtheory
        "from pgtheory.validation import index_label",
    ],
)
def test_public_uses_pass(source):
    assert private_reaches(source, "pgtheory.algorithms") == []
