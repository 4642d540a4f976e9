"""Cheap consistency checks of `python3 tasks.py mutate` (the run itself is too slow for CI)."""

import importlib
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import tasks  # noqa: E402


def test_equivalent_mutants_name_existing_math_functions():
    entries = tasks.read_equivalent_mutants()
    assert entries, "the equivalent-mutants file lists no mutant"
    for name, reason in entries.items():
        module_name = name.partition("__mutmut_")[0].rsplit(".", 1)[0]
        func = name.partition("__mutmut_")[0].rsplit(".", 1)[1]
        assert module_name.removeprefix("pgtheory.") in tasks.MATH_MODULES, name
        mod = importlib.import_module(module_name)
        if func.startswith("x_"):  # a module-level function
            assert hasattr(mod, func[2:]), name
        else:  # xǁClassǁmethod
            cls, meth = func.split("ǁ")[1:3]
            assert hasattr(getattr(mod, cls), meth), name
        assert len(reason) > 10, name


def test_mutmut_configuration_matches_tasks():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    config = pyproject["tool"]["mutmut"]
    assert config["only_mutate"] == [f"src/pgtheory/{m}.py" for m in tasks.MATH_MODULES]
    for path in config["pytest_add_cli_args_test_selection"]:
        assert (ROOT / path).is_file(), path
    # mutmut's pin agrees between requirements-dev.txt and the dev extra.
    pins = re.findall(r"^mutmut==(\S+)$", (ROOT / "requirements-dev.txt").read_text(), re.M)
    extra = [d for d in pyproject["project"]["optional-dependencies"]["dev"] if "mutmut" in d]
    assert len(pins) == 1 and extra == [f"mutmut=={pins[0]}"]
