"""The chapter manifest ``book/chapters.toml``: valid, true to the chapters, the only source.

- the loader (``tools/chapters.py``) rejects a malformed manifest with a message naming the
  entry and the field, and ``PGTHEORY_CHAPTERS`` points it at another manifest;
- each entry is true to its notebook: the title is its heading, ``modules`` are exactly the
  library modules its code calls, ``figure`` is the interactive figure it calls and stores;
- ``_toc.yml`` lists exactly the manifest's chapters, in the manifest's order;
- no file-name pattern decides what a chapter is in tests/, tools/, benchmarks/ or tasks.py;
- adding a chapter is one manifest entry: with a temporary manifest that adds one, every
  per-chapter check collects a test for it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import build_pdf
import chapters
import nbformat
import pytest
from own_thread import parse

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = chapters.load()
PACKAGE = "pgtheory"
#: Output of a chapter's interactive figure on the static page (pgtheory.viz.interactive).
INTERACTIVE_MARK = 'class="pgt-interactive"'


def chapter_params() -> list:
    return [pytest.param(c, id=c.name) for c in CHAPTERS]


def code_of(nb: nbformat.NotebookNode) -> ast.Module:
    """The chapter's code cells as one module (IPython magics and shell lines dropped)."""
    lines = [
        line
        for cell in nb.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if not line.lstrip().startswith(("%", "!"))
    ]
    return parse("\n".join(lines))


def _reexported_from() -> dict[str, str]:
    """``{public name: module}`` of pgtheory/__init__.py's ``from pgtheory.<m> import``."""
    init = importlib.import_module(PACKAGE).__file__
    found = {}
    for node in parse(Path(init).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE + "."):
            found |= {alias.asname or alias.name: node.module for alias in node.names}
    return found


def called_modules(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(modules, viz names): the pgtheory modules whose objects the code uses (the module
    that defines each function or class; for a constant, the module it is imported from),
    and the ``pgtheory.viz`` names it uses."""
    bound: dict[str, str] = {}  # local name -> pgtheory module it stands for
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    bound[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else PACKAGE
                    )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                try:
                    importlib.import_module(full)
                except ImportError:  # a function or constant of node.module
                    modules.add(node.module)
                else:
                    bound[alias.asname or alias.name] = full
                    modules.add(full)
    reexports = _reexported_from()
    viz_names: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        base = bound.get(node.value.id)
        if base is None:
            continue
        obj = getattr(importlib.import_module(base), node.attr)
        if base == f"{PACKAGE}.viz":
            viz_names.add(node.attr)
        if inspect.ismodule(obj):
            modules.add(obj.__name__)
        elif inspect.isfunction(obj) or inspect.isclass(obj):
            modules.add(obj.__module__)
        else:
            modules.add(reexports.get(node.attr, base) if base == PACKAGE else base)
    return {m.removeprefix(PACKAGE + ".") for m in modules if m != PACKAGE}, viz_names


def library_modules(tree: ast.Module) -> list[str]:
    """What a manifest entry's ``modules`` must be: the called modules outside pgtheory.viz."""
    modules, _ = called_modules(tree)
    return sorted(m for m in modules if m != "viz" and not m.startswith("viz."))


@pytest.mark.parametrize("chapter", chapter_params())
def test_title_is_the_chapters_heading(chapter: chapters.Chapter) -> None:
    nb = nbformat.read(chapter.path, as_version=4)
    headings = [
        line[2:].strip()
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("# ")
    ]
    assert headings, f"{chapter.file} has no '# ' heading"
    assert chapter.title == headings[0], (
        f"book/chapters.toml, {chapter.slide}: title {chapter.title!r}, but {chapter.file} "
        f"is headed {headings[0]!r}"
    )


@pytest.mark.parametrize("chapter", chapter_params())
def test_modules_are_the_library_modules_the_chapter_calls(chapter: chapters.Chapter) -> None:
    called = library_modules(code_of(nbformat.read(chapter.path, as_version=4)))
    assert list(chapter.modules) == called, (  # sorted, as the manifest asks
        f"book/chapters.toml, {chapter.slide}: modules = {list(chapter.modules)}, but the "
        f"chapter's code calls pgtheory's {called}: write modules = {json.dumps(called)}"
    )


@pytest.mark.parametrize("chapter", chapter_params())
def test_figure_is_the_interactive_figure_the_chapter_calls_and_stores(
    chapter: chapters.Chapter,
) -> None:
    import pgtheory.viz

    nb = nbformat.read(chapter.path, as_version=4)
    _, viz_names = called_modules(code_of(nb))
    stored = [
        mime
        for cell in nb.cells
        for out in cell.get("outputs", [])
        for mime, value in out.get("data", {}).items()
        if INTERACTIVE_MARK in (value if isinstance(value, str) else str(value))
    ]
    if chapter.figure is None:
        assert stored == [], f"{chapter.file} stores an interactive figure: name its figure"
        return
    assert chapter.figure in pgtheory.viz.__all__, (
        f"book/chapters.toml, {chapter.slide}: figure {chapter.figure!r} is not a public "
        f"pgtheory.viz function"
    )
    assert chapter.figure in viz_names, f"{chapter.file} never calls viz.{chapter.figure}"
    assert stored == ["text/html"], (
        f"{chapter.file}: expected one stored interactive figure (text/html), found {stored}"
    )


def test_toc_lists_exactly_the_manifest_chapters_in_order() -> None:
    """_toc.yml is Jupyter Book's source of the reading order; its notebook pages are the
    manifest's chapters, each once, in the manifest's order."""
    pages = build_pdf.toc_docnames()
    notebooks = [p for p in pages if (ROOT / f"{p}.ipynb").is_file()]
    expected = [c.docname for c in CHAPTERS]
    assert notebooks == expected, (
        f"_toc.yml lists the notebooks {notebooks}; book/chapters.toml has the chapters "
        f"{expected} (add a chapter to both, at the same place)"
    )


# The loader. Entries below point at real notebooks (the loader checks that files exist).

BASE = {
    "slide": "S1",
    "file": CHAPTERS[0].file,
    "title": "A title",
    "modules": ["core.mdp"],
    "budget_seconds": 10.0,
    "search_query": "a query",
}


def toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)  # strings and numbers: JSON's spelling is TOML's here


def manifest_text(*entries: dict) -> str:
    blocks = [
        "[[chapter]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in entry.items())
        for entry in entries
    ]
    return "\n".join(blocks)


def write_manifest(tmp_path: Path, *entries: dict, text: str | None = None) -> Path:
    path = tmp_path / "chapters.toml"
    path.write_text(manifest_text(*entries) if text is None else text, encoding="utf-8")
    return path


def second(**changes: object) -> dict:
    return {**BASE, "slide": "S2", "file": CHAPTERS[1].file, **changes}


def test_load_reads_a_valid_manifest(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, BASE, second(figure="coupling_widget"))
    one, two = chapters.load(path)
    assert one == chapters.Chapter(
        slide="S1",
        file=CHAPTERS[0].file,
        title="A title",
        modules=("core.mdp",),
        budget_seconds=10.0,
        search_query="a query",
    )
    assert (two.number, two.figure, two.path) == (2, "coupling_widget", CHAPTERS[1].path)
    assert one.docname == CHAPTERS[0].docname and one.html == f"{one.docname}.html"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{**BASE, "budget": 3}], r"chapter 1 \(S1\): unknown field 'budget' \(fields: slide, "),
        ([{k: v for k, v in BASE.items() if k != "title"}], r"chapter 1 \(S1\): missing field "),
        ([BASE, second(slide="S1")], r"chapter 2 \(S1\): field 'slide': S1 is used twice"),
        ([BASE, second(file=BASE["file"])], r"chapter 2 \(S2\): field 'file': .* is also S1"),
        (
            [{**BASE, "file": "book/no.ipynb"}],
            r"chapter 1 \(S1\): field 'file': book/no.ipynb does ",
        ),
        ([{**BASE, "file": "_toc.yml"}], r"chapter 1 \(S1\): field 'file': expected a .ipynb "),
        ([{**BASE, "slide": "7"}], r"chapter 1 \(7\): field 'slide': expected 'S<number>'"),
        ([{**BASE, "slide": "S01"}], r"chapter 1 \(S01\): field 'slide': expected 'S<number>'"),
        ([second(), {**BASE}], r"chapter 2 \(S1\): field 'slide': chapter numbers must increase"),
        ([{**BASE, "title": ""}], r"chapter 1 \(S1\): field 'title': expected a non-empty str"),
        ([{**BASE, "figure": 3}], r"chapter 1 \(S1\): field 'figure': expected a non-empty str"),
        ([{**BASE, "figure": "viz.x"}], r"chapter 1 \(S1\): field 'figure': expected a pgtheory"),
        ([{**BASE, "budget_seconds": "10"}], r"chapter 1 \(S1\): field 'budget_seconds': expec"),
        ([{**BASE, "budget_seconds": 0}], r"chapter 1 \(S1\): field 'budget_seconds': expected a"),
        ([{**BASE, "modules": []}], r"chapter 1 \(S1\): field 'modules': expected a non-empty"),
        ([{**BASE, "modules": ["no"]}], r"chapter 1 \(S1\): field 'modules': 'no' is not a module"),
        (
            [{**BASE, "modules": ["core.mdp", "core.mdp"]}],
            r"chapter 1 \(S1\): field 'modules': .* twice",
        ),
    ],
)
def test_load_names_the_entry_and_field_of_an_error(
    tmp_path: Path, entries: list[dict], message: str
) -> None:
    path = write_manifest(tmp_path, *entries)
    with pytest.raises(ValueError, match=re.escape(str(path)) + ": " + message):
        chapters.load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"no \[\[chapter\]\] entries"),
        ("title = 'x'\n", r"unknown top-level keys \['title'\]"),
        ("[[chapter]\n", r"not valid TOML"),
    ],
)
def test_load_rejects_a_manifest_without_chapters(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        chapters.load(write_manifest(tmp_path, text=text))
    with pytest.raises(ValueError, match="the chapter manifest does not exist"):
        chapters.load(tmp_path / "missing.toml")


def test_the_environment_variable_chooses_the_manifest(tmp_path, monkeypatch) -> None:
    path = write_manifest(tmp_path, BASE)
    monkeypatch.setenv(chapters.ENV_VAR, str(path))
    assert chapters.manifest_path() == path
    assert [c.title for c in chapters.load()] == ["A title"]
    assert chapters.by_slide("S1").title == "A title"
    with pytest.raises(KeyError, match="no chapter for slide 'S7'"):
        chapters.by_slide("S7")
    monkeypatch.delenv(chapters.ENV_VAR)
    assert chapters.load() == CHAPTERS


# No file-name pattern decides what a chapter is.

#: Chapter globs and regexes over file names: ``s`` (not after a letter, digit, ``_`` or a
#: backslash, so not ``\s``) then a digit class, a group of digits, a wildcard or a format
#: field; a ``book/s`` prefix or a ``sN_`` prefix or glob; and any glob for notebooks.
CHAPTER_PATTERN = re.compile(
    r"(?<![\\\w])s(?:\\d|\(\\d|\[\d|\*|\{)"
    r"|book/s[\"']"
    r"|(?<![\\\w])s(?=\d)\d*_[\"'*]"
    r"|glob\(\s*[rfb]?[\"'][^\"']*\.ipynb"
)
SCANNED = ("tests", "tools", "benchmarks")


def chapter_patterns(text: str) -> list[str]:
    return [m.group(0) for m in CHAPTER_PATTERN.finditer(text)]


def test_no_file_name_pattern_decides_what_a_chapter_is() -> None:
    files = [p for folder in SCANNED for p in sorted((ROOT / folder).rglob("*.py"))]
    files.append(ROOT / "tasks.py")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match!r} in {line.strip()[:90]!r}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in chapter_patterns(line)
    ]
    assert found == [], (
        "file-name patterns that decide what a chapter is; read the chapters from the "
        "manifest instead (tools/chapters.py, `chapters.load()`):\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "line",
    [
        'sorted(BOOK.¤("§*.ipynb"))',
        'sorted((ROOT / "book").¤("*.ipynb"))',
        'book.r¤(f"{name}.ipynb")',
        '(ROOT / "book").¤("§[1-9]_*.ipynb")',
        're.fullmatch(r"book/§\\d_.*", f)',
        're.compile(r"(?:^|/)§(\\d+)_[^/]+$")',
        'int(f[len("book/§")])',
        'p.docname.startswith("book/§3_")',
        "python tools/execute_notebooks.py book/§7_*.ipynb",
        'f"book/§{n}_x.ipynb"',
    ],
)
def test_the_pattern_check_catches_chapter_globs(line: str) -> None:
    # (§ stands for "s" and ¤ for "glob", so that this file does not match itself.)
    assert chapter_patterns(line.replace("§", "s").replace("¤", "glob")), line


@pytest.mark.parametrize(
    "line",
    [
        r're.sub(r"\s*", "", text)',
        'pg.§7_bound(0.5, t), "§7_interactive_figure.png"',
        'sorted(ROOT.glob("benchmarks/bench_*.py")), (ROOT / "book" / "text").glob("*.md")',
        'fmt_rate(rate, " tr/§"), "steps/§"',
        'S7 = chapters.by_slide("S7").path  # slide S7, chapter S10',
    ],
)
def test_the_pattern_check_leaves_other_uses_alone(line: str) -> None:
    assert chapter_patterns(line.replace("§", "s")) == [], line


# Adding a chapter is one manifest entry.

EXTRA = {
    "slide": "S11",
    "title": "An extra chapter",
    "modules": ["core.mdp"],
    "figure": "distribution_shift_widget",
    "budget_seconds": 10.0,
    "search_query": "extra chapter",
}
#: Per-chapter checks that exist today; the test below finds them (and any new ones) by
#: their test ids, and this floor makes sure that finding them works.
KNOWN_PER_CHAPTER_CHECKS = {
    "tests/test_notebooks.py::test_executed_top_to_bottom",
    "tests/test_notebooks.py::test_enough_cells_are_checked",
    "tests/test_notebooks.py::test_output_exemptions_only_on_widget_cells",
    "tests/test_notebooks.py::test_nbval_reproduces_outputs",
    "tests/test_stored_outputs.py::test_stored_numbers_are_rounded",
    "tests/test_stored_outputs.py::test_an_unrounded_glue_value_is_reported",
    "tests/test_chapters.py::test_title_is_the_chapters_heading",
    "tests/test_chapters.py::test_modules_are_the_library_modules_the_chapter_calls",
    "tests/test_chapters.py::test_figure_is_the_interactive_figure_the_chapter_calls_and_stores",
    "tests/test_book_build.py::test_chapter_numbers_are_slide_numbers",
    "tests/browser/test_layout.py::test_chapter_code_is_at_most_a_quarter_of_the_page",
    "tests/browser/test_layout.py::test_chapter_first_figure_is_in_the_first_half",
    "tests/browser/test_published_book.py::test_search_finds_chapter",
    "tests/browser/test_interactive_figures.py::"
    "test_chapter_figure_controls_switch_to_the_library_frames",
}


def mentions(ids: str, name: str) -> bool:
    """Whether test ids name a page or chapter ``name`` (not as part of a longer name)."""
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", ids) is not None


def per_chapter_checks(
    collected: list[str], chapter_names: list[str], other_pages: list[str]
) -> dict[str, list[str]]:
    """``{check: its test ids}`` of the per-chapter checks in ``pytest --collect-only -q``
    output: test functions with a test id naming each of ``chapter_names`` and none naming
    a page that is not a chapter (those are per-page checks, from _toc.yml)."""
    ids_by_check: dict[str, list[str]] = defaultdict(list)
    for line in collected:
        check, bracket, ids = line.partition("[")
        if "::" in check and bracket:
            ids_by_check[check].append(ids)
    return {
        check: ids
        for check, ids in ids_by_check.items()
        if all(any(mentions(i, name) for i in ids) for name in chapter_names)
        and not any(mentions(i, page) for i in ids for page in other_pages)
    }


def test_per_chapter_checks_are_told_apart_from_other_tests() -> None:
    collected = [
        "tests/t.py::test_manifest[s1_a]",
        "tests/t.py::test_manifest[s2_b]",
        "tests/t.py::test_manifest[s11_new]",
        "tests/t.py::test_fixed_list[s1_a-1thread]",
        "tests/t.py::test_fixed_list[s2_b-1thread]",
        "tests/t.py::test_per_page[book/intro.html]",
        "tests/t.py::test_per_page[book/s1_a.html]",
        "tests/t.py::test_per_page[book/s2_b.html]",
        "tests/t.py::test_one_chapter[s1_a]",
        "tests/t.py::test_plain",
        "",
        "3 tests collected in 0.01s",
    ]
    checks = per_chapter_checks(collected, ["s1_a", "s2_b"], ["intro"])
    assert sorted(checks) == ["tests/t.py::test_fixed_list", "tests/t.py::test_manifest"]
    assert [c for c, ids in checks.items() if not any(mentions(i, "s11_new") for i in ids)] == [
        "tests/t.py::test_fixed_list"
    ]
    assert not mentions("s10_b-1thread", "s1_b") and mentions("book/s1_b.html", "s1_b")


def test_adding_a_chapter_is_one_manifest_entry(tmp_path: Path) -> None:
    """With the manifest plus one entry (a tiny executed notebook in a temporary folder),
    every per-chapter check collects a test for the new chapter: every test function, in the
    test files that read the manifest's chapters, with a test for each chapter of the
    book (each chapter with an interactive figure suffices: some checks are about figures)
    and none for a page that is not a chapter."""
    notebook = tmp_path / "s11_extra_chapter.ipynb"
    cell = nbformat.v4.new_code_cell("print(1)", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    heading = nbformat.v4.new_markdown_cell(f"# {EXTRA['title']}")
    nbformat.write(nbformat.v4.new_notebook(cells=[heading, cell]), notebook)
    entry = {**EXTRA, "file": notebook.as_posix()}
    manifest = tmp_path / "chapters.toml"
    manifest.write_text(
        chapters.MANIFEST.read_text(encoding="utf-8") + "\n" + manifest_text(entry),
        encoding="utf-8",
    )
    extra = chapters.load(manifest)[-1]
    assert (extra.slide, extra.path, extra.name) == ("S11", notebook, notebook.stem)
    files = sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("test_*.py")
        if "chapters.load()" in path.read_text(encoding="utf-8")
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        env={**os.environ, chapters.ENV_VAR: str(manifest)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    chapter_docnames = {c.docname for c in CHAPTERS}
    others = [d.rsplit("/", 1)[-1] for d in build_pdf.toc_docnames() if d not in chapter_docnames]
    checks = per_chapter_checks(
        proc.stdout.splitlines(), [c.name for c in CHAPTERS if c.figure], others
    )
    missing_known = KNOWN_PER_CHAPTER_CHECKS - set(checks)
    assert not missing_known, f"per-chapter checks not found as such: {sorted(missing_known)}"
    without = sorted(
        c for c, ids in checks.items() if not any(mentions(i, extra.name) for i in ids)
    )
    assert without == [], f"per-chapter checks with no test for the added chapter: {without}"


def test_the_sphinx_extension_numbers_chapters_by_the_manifest(tmp_path, monkeypatch) -> None:
    """tools/pgtheory_sphinx.py renumbers a chapter to its manifest slide number, whatever
    Sphinx counted and whatever the file is called: here S7's notebook as slide S12."""
    from types import SimpleNamespace

    import pgtheory_sphinx
    from docutils import nodes

    assert pgtheory_sphinx.chapter_numbers(ROOT) == {c.docname: c.number for c in CHAPTERS}
    s7 = chapters.by_slide("S7", CHAPTERS)
    path = write_manifest(tmp_path, {**BASE, "slide": "S12", "file": s7.file})
    monkeypatch.setenv(chapters.ENV_VAR, str(path))
    reference = nodes.reference(secnumber=(1, 2))
    title = nodes.title(secnumber=(1,))
    env = SimpleNamespace(
        srcdir=ROOT,
        toc_secnumbers={s7.docname: {"": (1,), "#a-section": (1, 2)}, "book/intro": {"": (2,)}},
        tocs={s7.docname: nodes.bullet_list("", reference), "book/intro": nodes.bullet_list()},
        titles={s7.docname: title, "book/intro": nodes.title(secnumber=(2,))},
    )
    assert pgtheory_sphinx.number_chapters_by_slide(env) == [s7.docname]
    assert env.toc_secnumbers == {
        s7.docname: {"": (12,), "#a-section": (12, 2)},
        "book/intro": {"": (2,)},
    }
    assert reference["secnumber"] == (12, 2) and title["secnumber"] == (12,)
    assert env.titles["book/intro"]["secnumber"] == (2,)
