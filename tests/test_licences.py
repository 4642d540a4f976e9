"""The terms of reuse are stated, and stated the same way everywhere.

The code is under the MIT licence (``LICENSE``, declared in ``pyproject.toml``); the book's
text and figures under CC BY 4.0 (``LICENSE-CONTENT``, shown in every page's footer through
``_config.yml``); ``CITATION.cff`` says how to cite the project, with the package's version.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
#: The keys the Citation File Format 1.2.0 requires.
CFF_REQUIRED = ("cff-version", "message", "title", "authors")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_licence_files_exist_and_say_what_they_license() -> None:
    code = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License\n"), code[:40]
    assert re.search(r"Copyright \(c\) \d{4} the pgtheory authors", code)
    # The operative sentences of the MIT licence (wrapped as in the file).
    text = " ".join(code.split())
    assert "Permission is hereby granted, free of charge, to any person" in text
    assert "The above copyright notice and this permission notice shall be included" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    content = " ".join((ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8").split())
    assert "CC BY 4.0" in content and CC_BY_URL in content
    assert "Attribution 4.0 International" in content
    assert "LICENSE" in content.replace("LICENSE-CONTENT", "")  # points at the code's licence


def test_pyproject_licence_is_the_licence_file() -> None:
    project = pyproject()
    assert project["license"] == "MIT", project["license"]
    assert project["license-files"] == ["LICENSE"], project.get("license-files")
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_citation_file_has_the_required_keys_and_the_package_version() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    missing = [key for key in CFF_REQUIRED if not cff.get(key)]
    assert missing == [], f"CITATION.cff lacks {missing}"
    assert cff["cff-version"] == "1.2.0"
    assert all(
        isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in cff["authors"]
    )
    assert str(cff["version"]) == pyproject()["version"]
    assert cff["license"] == pyproject()["license"]
    # A quoted date: an unquoted one is read by YAML as a date object, not the string the
    # format's schema requires.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cff["date-released"]), cff["date-released"]


def test_book_footer_names_the_content_licence() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    footer = config["html"]["extra_footer"]
    assert "CC BY 4.0" in footer and f'href="{CC_BY_URL}"' in footer, footer
    assert "MIT" in footer, footer
