"""The package's import structure: the math is numpy-only, drawing lives in pgtheory.viz."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from own_thread import parse


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
    tree = parse(source)
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
        ("from pgtheory.core.mdp import TabularMDP, _as_mdp", "imports pgtheory.core.mdp._as_mdp"),
        ("from pgtheory._validation import check_real", "private module pgtheory._validation"),
        ("import pgtheory._validation", "imports the private module pgtheory._validation"),
        ("from ..core.evaluation import _evaluate", "imports pgtheory.core.evaluation._evaluate"),
        ("from . import _helpers", "imports pgtheory.beyond._helpers"),
        ("import pgtheory as pg\nx = pg.core.mdp._as_mdp", "uses pgtheory.core.mdp._as_mdp"),
        (
            "import pgtheory.core.batched\nf = pgtheory.core.batched._evaluate",
            "pgtheory.core.batched._evaluate",
        ),
        (
            "from pgtheory.beyond import guarantees as g\ng._softmax(t)",
            "uses pgtheory.beyond.guarantees._softmax",
        ),
    ],
)
def test_private_reaches_are_found(source, what):
    found = private_reaches(source, "pgtheory.beyond.algorithms")
    assert any(what in w for _, w in found), found


@pytest.mark.parametrize(
    "source",
    [
        "from pgtheory.core.mdp import TabularMDP, check_mdp",
        "import pgtheory as pg\nprint(pg.__version__, pg.mdp.__all__)",
        "def _own(): pass\n_own()\nx = self._cache",
        "from numpy import _core",  # not pgtheory
        "from pgtheory.core.validation import index_label",
    ],
)
def test_public_uses_pass(source):
    assert private_reaches(source, "pgtheory.beyond.algorithms") == []


# ------------------------------------------------- the packages that show the course

#: Which packages each package's modules may import from (besides its own). The order is
#: the course's: the core, slides S1-S6, slides S7-S9, beyond the slides; the chapters'
#: examples use any of them, and only pgtheory.viz draws.
MAY_IMPORT = {
    "core": set(),
    "pg_as_pi": {"core"},
    "bounding": {"core", "pg_as_pi"},
    "beyond": {"core", "pg_as_pi", "bounding"},
    "examples": {"core", "pg_as_pi", "bounding", "beyond"},
}


def pgtheory_imports(source: str) -> set[str]:
    """The pgtheory modules an absolute import statement of ``source`` names."""
    found = set()
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m == "pgtheory" or m.startswith("pgtheory.")}


def layering_violations(src: Path = SRC) -> list[str]:
    problems = []
    for path in sorted(src.rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        package = parts[0]
        if package in {"__init__", "viz"}:
            continue
        allowed = MAY_IMPORT.get(package)
        if allowed is None:
            problems.append(f"{path.relative_to(src)}: in no package of MAY_IMPORT")
            continue
        for name in sorted(pgtheory_imports(path.read_text(encoding="utf-8"))):
            target = name.split(".")[1] if "." in name else "pgtheory"
            if target != package and target not in allowed:
                problems.append(f"{path.relative_to(src)} imports {name}")
    return problems


def test_each_package_imports_only_the_packages_before_it():
    assert layering_violations() == []


def test_layering_check_finds_an_import_against_the_course_order(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "mdp.py").write_text("from pgtheory.bounding.objective import x\n")
    (tmp_path / "bounding").mkdir()
    (tmp_path / "bounding" / "objective.py").write_text("import pgtheory\nimport numpy\n")
    (tmp_path / "stray.py").write_text("")
    assert layering_violations(tmp_path) == [
        "bounding/objective.py imports pgtheory",
        "core/mdp.py imports pgtheory.bounding.objective",
        "stray.py: in no package of MAY_IMPORT",
    ]


def test_the_former_module_names_are_the_new_modules():
    """``pgtheory.<old>`` (the flat layout before the packages) imports the very module it
    moved to, with every public name; ``pgtheory.performance_difference`` stays the
    function, and ``pgtheory.cartpole`` (gymnasium) is imported on first use only."""
    code = """
import importlib, sys, pgtheory as pg
assert "pgtheory.cartpole" not in sys.modules and "gymnasium" not in sys.modules
for old, new in pg.LEGACY_MODULES.items():
    module = importlib.import_module(f"pgtheory.{old}")
    assert module is importlib.import_module(new), old
    assert module.__name__ == new and module.__spec__.name == new, old
    assert all(hasattr(module, n) for n in getattr(module, "__all__", ())), old
from pgtheory.bounds import s7_bound
from pgtheory.objective_bound import bound_path
assert s7_bound is pg.s7_bound and bound_path is pg.bound_path
assert callable(pg.performance_difference) and pg.evaluation is pg.core.evaluation
from pgtheory import cartpole
assert cartpole is sys.modules["pgtheory.pg_as_pi.cartpole"]
print("ok", len(pg.LEGACY_MODULES))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "19"]
    # Every former flat module file has a new home, and no flat module file remains.
    assert sorted(p.stem for p in SRC.glob("*.py")) == ["__init__", "examples"]


def test_contributing_page_shows_the_package_tree():
    """book/contributing.md's tree names every module and package of src/pgtheory, in
    its place, and nothing else."""
    page = (SRC.parent.parent / "book" / "contributing.md").read_text(encoding="utf-8")
    tree = page.split("```text\nsrc/pgtheory/\n", 1)[1].split("```", 1)[0]
    shown, folder = set(), ""
    for line in tree.splitlines():
        name = line.split()[0] if line.strip() else ""
        if line.startswith("  ") and not line.startswith("    "):
            folder = name if name.endswith("/") else ""
            shown.add(name)
        elif line.startswith("    ") and name.endswith(".py") and folder:
            shown.add(folder + name)
    actual = (
        {str(p.relative_to(SRC)) for p in SRC.glob("*/*.py") if p.parent.name != "viz"}
        | {p.name for p in SRC.glob("*.py")}
        | {f"{p.name}/" for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    )
    actual -= {str(p.relative_to(SRC)) for p in SRC.glob("*/__init__.py")}
    assert shown == actual
