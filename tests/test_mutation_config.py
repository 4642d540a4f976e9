"""Cheap consistency checks of `python3 tasks.py mutate` (the run itself is too slow for CI)."""

import importlib
import re
import sys
import tomllib
from pathlib import Path

import chapters
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import tasks  # noqa: E402


def test_equivalent_mutants_name_existing_math_functions():
    entries = tasks.read_equivalent_mutants()
    assert entries, "the equivalent-mutants file lists no mutant"
    for name, reason in entries.items():
        module_name = name.partition("__mutmut_")[0].rsplit(".", 1)[0]
        func = name.partition("__mutmut_")[0].rsplit(".", 1)[1]
        assert module_name.removeprefix("pgtheory.") in tasks.math_modules(), name
        mod = importlib.import_module(module_name)
        if func.startswith("x_"):  # a module-level function
            assert hasattr(mod, func[2:]), name
        else:  # xǁClassǁmethod
            cls, meth = func.split("ǁ")[1:3]
            assert hasattr(getattr(mod, cls), meth), name
        assert len(reason) > 10, name


def mirrored_test(module: str) -> str:
    """``tests/test_<name>.py``, the fast tests of module ``<package>.<name>`` of pgtheory."""
    return f"tests/test_{module.rsplit('.', 1)[-1].lstrip('_')}.py"


def test_mutmut_configuration_is_one_list_of_modules_with_their_tests():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    config = pyproject["tool"]["mutmut"]
    # tasks.py reads the modules from only_mutate: the list is written once.
    assert config["only_mutate"] == [
        f"src/pgtheory/{m.replace('.', '/')}.py" for m in tasks.math_modules()
    ]
    for path in config["only_mutate"]:
        assert (ROOT / path).is_file(), path
    selection = config["pytest_add_cli_args_test_selection"]
    for path in selection:
        assert (ROOT / path).is_file(), path
    missing = [mirrored_test(m) for m in tasks.math_modules() if mirrored_test(m) not in selection]
    assert missing == [], f"mutated modules whose tests are not in the test selection: {missing}"
    # mutmut's pin agrees between requirements-dev.txt and the dev extra.
    pins = re.findall(r"^mutmut==(\S+)$", (ROOT / "requirements-dev.txt").read_text(), re.M)
    extra = [d for d in pyproject["project"]["optional-dependencies"]["dev"] if "mutmut" in d]
    assert len(pins) == 1 and extra == [f"mutmut=={pins[0]}"]


def test_math_modules_rejects_an_entry_that_is_not_a_module_file(tmp_path):
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[tool.mutmut]\nonly_mutate = ["src/pgtheory/core/mdp.py", "src/other/x.py"]\n')
    with pytest.raises(
        SystemExit, match=r"only_mutate: expected 'src/pgtheory/\[<package>/\]<module>.py'"
    ):
        tasks.math_modules(bad)
    good = tmp_path / "good.toml"
    good.write_text(
        '[tool.mutmut]\nonly_mutate = ["src/pgtheory/core/mdp.py", "src/pgtheory/_v.py"]\n'
    )
    assert tasks.math_modules(good) == ("core.mdp", "_v")


#: Library modules that chapters call but mutation testing leaves out, and why. Everything in
#: the presentation subpackage pgtheory.viz is left out too: it draws (DESIGN.md, decision
#: 7) and is smoke-tested under Agg by tests/test_viz_*.py.
NOT_MUTATED = {
    "pg_as_pi.cartpole": "its mutants are only killed by CartPole training runs of several seconds "
    "each (about an hour per mutation run); tests/test_cartpole.py trains it",
}


def test_every_module_a_chapter_exercises_is_mutation_tested():
    """Each library module a manifest entry names (``modules``, and the module of its
    ``figure``) is mutated with its tests in the selection, or exempt with a reason."""
    import pgtheory.viz

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    mutated = set(tasks.math_modules())
    selection = config["pytest_add_cli_args_test_selection"]
    problems, exempt = [], set()
    for chapter in chapters.load():
        named = list(chapter.modules)
        if chapter.figure is not None:
            module = getattr(pgtheory.viz, chapter.figure).__module__
            named.append(module.removeprefix("pgtheory."))
        for module in named:
            if module.split(".")[0] == "viz" or module in NOT_MUTATED:
                exempt.add(module)
            elif module not in mutated:
                problems.append(f"{chapter.slide}: {module} is not in [tool.mutmut] only_mutate")
            elif mirrored_test(module) not in selection:
                problems.append(f"{chapter.slide}: {mirrored_test(module)} is not selected")
    assert problems == [], problems
    assert "viz.distribution_shift" in exempt, exempt  # the figures' modules were looked at
    stale = set(NOT_MUTATED) - exempt
    assert not stale, f"NOT_MUTATED names modules no chapter calls: {sorted(stale)}"
