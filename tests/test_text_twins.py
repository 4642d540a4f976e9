"""Every chapter's text twin is in sync with its notebook.

A chapter is an executed notebook ``book/sN_<name>.ipynb``; its text twin
``book/text/sN_<name>.md`` holds the same cells as MyST markdown written by jupytext, with
no outputs, so that a change to a chapter reviews as prose and code rather than as JSON.
The notebook's metadata pairs the two (jupytext ``formats``), ``tools/execute_notebooks.py``
writes the twin whenever it writes a chapter, and ``python3 tasks.py sync`` syncs a pair
without executing (book/contributing.md, "Chapters as text").

The check is jupytext's own conversion, not the executor's: the notebook as MyST must be
exactly the twin's text, and the twin read back must give the notebook's cells (types,
sources, tags and myst-nb options). The tests after it edit copies of a pair in a temporary
directory to show that the check reports each kind of drift, and that the executor's sync
takes the edited side of a pair.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from jupytext.paired_paths import paired_paths

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import chapters  # noqa: E402
import execute_notebooks  # noqa: E402

TWIN_FORMAT = "md:myst"
#: Lines of unified diff shown per out-of-sync twin.
DIFF_LINES = 30


def chapter_notebooks() -> list[Path]:
    """The chapters' notebooks, from the chapter manifest (``book/chapters.toml``, read by
    ``tools/chapters.py``); nothing else in this file lists chapters."""
    return [c.path for c in chapters.load()]


def expected_twin(notebook: Path) -> Path:
    """Where a chapter's twin lives: ``book/text/<notebook name>.md``."""
    return notebook.parent / "text" / f"{notebook.stem}.md"


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def cell_summary(cell: nbformat.NotebookNode) -> tuple[str, str, list[str], dict]:
    """What the twin must carry of a cell: type, source, tags, myst-nb options."""
    meta = cell.get("metadata", {})
    return (cell.cell_type, cell.source, list(meta.get("tags", [])), meta.get("mystnb", {}))


def first_difference(ours: list[tuple], theirs: list[tuple]) -> str:
    """A one-line description of the first cell where two cell lists differ."""
    for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if a != b:
            fields = ("type", "source", "tags", "myst-nb options")
            what = ", ".join(f for f, x, y in zip(fields, a, b, strict=True) if x != y)
            first_line = next((line for line in b[1].splitlines() if line.strip()), "")
            return f"cell {i} ({b[0]}, {first_line[:60]!r}...) differs in {what}"
    return f"the twin has {len(ours)} cells, the notebook {len(theirs)}"


def twin_problems(notebook: Path) -> list[str]:
    """Why ``notebook`` and its text twin are out of sync; empty when they are in sync."""
    name = notebook.stem
    fix = "run `python3 tasks.py sync` (or `python3 tasks.py execute`)"
    nb = nbformat.read(notebook, as_version=4)
    pairing = nb.metadata.get("jupytext")
    formats = (pairing or {}).get("formats")
    if pairing != {"formats": formats} or formats is None:
        return [f"{name}: notebook metadata 'jupytext' is {pairing!r}, not a pairing; {fix}"]
    paired = [Path(p) for p, _ in paired_paths(str(notebook), "ipynb", formats)]
    twin = expected_twin(notebook)
    if paired != [notebook, twin]:
        return [f"{name}: jupytext pairs the notebook with {paired[1:]}, not {shown(twin)}"]
    if not twin.is_file():
        return [f"{name}: its text twin {shown(twin)} does not exist; {fix}"]
    text = twin.read_text(encoding="utf-8")
    expected = jupytext.writes(nb, fmt=TWIN_FORMAT)
    problems = []
    if text != expected:
        diff = list(
            difflib.unified_diff(
                expected.splitlines(),
                text.splitlines(),
                f"{shown(notebook)} (as MyST)",
                shown(twin),
                n=1,
                lineterm="",
            )
        )
        more = f"\n... {len(diff) - DIFF_LINES} more diff lines" if len(diff) > DIFF_LINES else ""
        problems.append(
            f"{name}: {shown(twin)} is not the notebook's cells as MyST; {fix}\n"
            + "\n".join(diff[:DIFF_LINES])
            + more
        )
    ours = [cell_summary(c) for c in jupytext.reads(text, fmt=TWIN_FORMAT).cells]
    theirs = [cell_summary(c) for c in nb.cells]
    if ours != theirs:
        problems.append(f"{name}: the twin's cells differ: {first_difference(ours, theirs)}")
    return problems


@pytest.mark.parametrize("notebook", chapter_notebooks(), ids=lambda p: p.stem)
def test_twin_is_in_sync_with_its_chapter(notebook: Path) -> None:
    problems = twin_problems(notebook)
    assert problems == [], "\n\n".join(problems)


def test_every_twin_belongs_to_a_chapter() -> None:
    twins = sorted((ROOT / "book" / "text").glob("*"))
    expected = [expected_twin(nb) for nb in chapter_notebooks()]
    assert twins == sorted(expected), "book/text/ holds exactly one twin per chapter"


def test_the_book_build_ignores_the_twins() -> None:
    # A twin built as a page would be a second document per chapter; the build is -W.
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert "book/text" in config["exclude_patterns"]


def test_executor_writes_the_pairing_that_the_check_expects() -> None:
    notebook = ROOT / "book" / "s1_example.ipynb"
    assert execute_notebooks.twin_path(notebook) == expected_twin(notebook)
    nb = nbformat.v4.new_notebook()
    nb.metadata["jupytext"] = {"formats": execute_notebooks.TWIN_FORMATS}
    assert execute_notebooks.twin_text(nb) == jupytext.writes(nb, fmt=TWIN_FORMAT)


def test_normalize_keeps_the_pairing() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["jupytext"] = {"formats": execute_notebooks.TWIN_FORMATS}
    norm = execute_notebooks.normalize(nb)
    assert norm.metadata["jupytext"] == {"formats": execute_notebooks.TWIN_FORMATS}


# --- The check reports drift, on copies of the smallest chapter and its twin. ---


@pytest.fixture
def pair(tmp_path: Path) -> Path:
    """A copy of the smallest chapter and its twin under ``tmp_path/book``; the notebook."""
    source = min(chapter_notebooks(), key=lambda p: p.stat().st_size)
    notebook = tmp_path / "book" / source.name
    expected_twin(notebook).parent.mkdir(parents=True)
    shutil.copy2(source, notebook)
    shutil.copy2(expected_twin(source), expected_twin(notebook))
    assert twin_problems(notebook) == [], "the copy must start in sync"
    return notebook


def first_prose_line(text: str) -> str:
    """The first line of plain prose after the twin's front matter and title."""
    body = text.split("\n---\n", 1)[1]
    return next(line for line in body.splitlines() if line[:1].isalpha() and len(line.split()) > 5)


def test_an_edited_twin_is_reported_with_its_diff(pair: Path) -> None:
    twin = expected_twin(pair)
    text = twin.read_text(encoding="utf-8")
    line = first_prose_line(text)
    twin.write_text(text.replace(line, line + " EDITED", 1), encoding="utf-8")
    problems = twin_problems(pair)
    assert len(problems) == 2
    assert problems[0].startswith(f"{pair.stem}: ")
    assert f"-{line}\n+{line} EDITED" in problems[0]
    assert "differs in source" in problems[1]


def test_an_edited_notebook_cell_is_reported_with_its_diff(pair: Path) -> None:
    nb = nbformat.read(pair, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source = "x_edited = 1\n" + cell.source
    nbformat.write(nb, pair)
    problems = twin_problems(pair)
    assert problems and problems[0].startswith(f"{pair.stem}: ")
    assert "\n-x_edited = 1\n" in problems[0]  # in the notebook, not in the twin


def test_a_removed_tag_is_reported(pair: Path) -> None:
    twin = expected_twin(pair)
    text = twin.read_text(encoding="utf-8")
    tagged = next(line for line in text.splitlines() if line.startswith(":tags: ["))
    twin.write_text(text.replace(tagged + "\n\n", "", 1), encoding="utf-8")
    problems = twin_problems(pair)
    assert len(problems) == 2
    assert f"-{tagged}" in problems[0]
    assert "differs in tags" in problems[1]


def test_a_missing_twin_or_pairing_is_reported(pair: Path) -> None:
    nb = nbformat.read(pair, as_version=4)
    del nb.metadata["jupytext"]
    nbformat.write(nb, pair)
    assert "notebook metadata 'jupytext' is None" in twin_problems(pair)[0]
    nb.metadata["jupytext"] = {"formats": "ipynb,md:myst"}  # a twin beside the notebook
    nbformat.write(nb, pair)
    assert "jupytext pairs the notebook with" in twin_problems(pair)[0]
    nb.metadata["jupytext"] = {"formats": execute_notebooks.TWIN_FORMATS}
    nbformat.write(nb, pair)
    expected_twin(pair).unlink()
    assert "does not exist" in twin_problems(pair)[0]


# --- The executor's sync takes the edited side of a pair. ---


def make_newer(path: Path, than: Path) -> None:
    stamp = than.stat().st_mtime + 10
    os.utime(path, (stamp, stamp))


def test_sync_takes_an_edited_twin_and_keeps_the_outputs(pair: Path) -> None:
    twin = expected_twin(pair)
    before = nbformat.read(pair, as_version=4)
    text = twin.read_text(encoding="utf-8")
    line = first_prose_line(text)
    twin.write_text(text.replace(line, line + " EDITED", 1), encoding="utf-8")
    make_newer(twin, pair)
    assert execute_notebooks.sync_only([pair]) == 0
    after = nbformat.read(pair, as_version=4)
    assert twin_problems(pair) == []
    edited = [i for i, (a, b) in enumerate(zip(before.cells, after.cells, strict=True)) if a != b]
    assert len(edited) == 1 and after.cells[edited[0]].source.count(" EDITED") == 1
    assert [c.get("outputs") for c in after.cells] == [c.get("outputs") for c in before.cells]
    assert [c.id for c in after.cells] == [c.id for c in before.cells]
    assert after.metadata == before.metadata


def test_sync_rewrites_an_outdated_twin(pair: Path) -> None:
    twin = expected_twin(pair)
    nb = nbformat.read(pair, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.source = "x_edited = 1\n" + code.source
    nbformat.write(nb, pair)
    make_newer(pair, twin)
    written = pair.read_bytes()
    assert execute_notebooks.sync_only([pair]) == 0
    assert twin_problems(pair) == []
    assert "\nx_edited = 1\n" in twin.read_text(encoding="utf-8")
    assert pair.read_bytes() == written  # the notebook is the source: left as it was


def test_sync_of_a_pair_in_sync_writes_nothing(pair: Path) -> None:
    twin = expected_twin(pair)
    make_newer(twin, pair)  # newer but equal: nothing to take from it
    stamps = (pair.stat().st_mtime_ns, twin.stat().st_mtime_ns)
    assert execute_notebooks.sync_only([pair]) == 0
    assert (pair.stat().st_mtime_ns, twin.stat().st_mtime_ns) == stamps


def test_sync_pairs_a_new_chapter(pair: Path) -> None:
    nb = nbformat.read(pair, as_version=4)
    del nb.metadata["jupytext"]
    nbformat.write(nb, pair)
    expected_twin(pair).unlink()
    assert execute_notebooks.sync_only([pair]) == 0
    assert twin_problems(pair) == []
