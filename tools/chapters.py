"""The book's chapters, read from their manifest ``book/chapters.toml``.

The manifest is the one place that says what a chapter is: its slide, notebook, title, the
library modules it exercises, its interactive figure, its execution budget and what the
per-chapter checks need. The tests, the executor (``tools/execute_notebooks.py``), the
benchmarks, ``tasks.py`` and the book's Sphinx extension (chapter numbers) all read it
through :func:`load`; none of them decides from a file name what a chapter is.
``_toc.yml`` stays Jupyter Book's source of the reading order, and a test checks that it
lists exactly the manifest's chapters, in the manifest's order.

Only the standard library is used (``tasks.py`` imports this before ``.venv`` exists).
Import it with ``tools/`` on ``sys.path`` (it is not a package)::

    import chapters
    for chapter in chapters.load():
        print(chapter.slide, chapter.path, chapter.budget_seconds)

``PGTHEORY_CHAPTERS=<file>`` makes :func:`load` read another manifest (the test that adds a
chapter uses it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

#: The repository root, which is also the book's root: ``file`` entries are relative to it.
ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "book" / "chapters.toml"
#: Environment variable naming another manifest to read instead of :data:`MANIFEST`.
ENV_VAR = "PGTHEORY_CHAPTERS"
#: Where ``modules`` entries live: ``"mdp"`` is ``src/pgtheory/core/mdp.py``.
PACKAGE_DIR = ROOT / "src" / "pgtheory"
#: A slide id: ``S`` and the chapter number, which numbers its headings, theorems, figures.
SLIDE = re.compile(r"S([1-9][0-9]*)")
MODULE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


@dataclass(frozen=True)
class Chapter:
    """One ``[[chapter]]`` entry of the manifest (see ``book/chapters.toml`` for the fields)."""

    slide: str
    file: str
    title: str
    modules: tuple[str, ...]
    budget_seconds: float
    search_query: str
    figure: str | None = None
    layout_in_progress: str | None = None

    @property
    def number(self) -> int:
        """The chapter number: ``"S7"`` -> 7."""
        return int(self.slide[1:])

    @property
    def path(self) -> Path:
        """The notebook, absolute (``file`` is relative to the repository root)."""
        return ROOT / self.file

    @property
    def name(self) -> str:
        """The notebook's file name without suffix; the chapter's id in test names."""
        return self.path.stem

    @property
    def docname(self) -> str:
        """Sphinx's name of the page: the path from the book's root, without suffix."""
        return Path(os.path.relpath(self.path.with_suffix(""), ROOT)).as_posix()

    @property
    def html(self) -> str:
        """The built page, relative to the HTML root (``book/<name>.html``)."""
        return f"{self.docname}.html"


REQUIRED = tuple(f.name for f in fields(Chapter) if f.default is not None)
OPTIONAL = tuple(f.name for f in fields(Chapter) if f.default is None)


def manifest_path() -> Path:
    """The manifest :func:`load` reads: ``$PGTHEORY_CHAPTERS`` if set, else :data:`MANIFEST`."""
    return Path(os.environ.get(ENV_VAR) or MANIFEST)


def load(path: Path | str | None = None) -> tuple[Chapter, ...]:
    """The chapters of a manifest, in reading order, validated.

    Raises
    ------
    ValueError
        Naming the file, the entry (position and slide) and the field: an unknown or missing
        field, a value of the wrong type, a slide that is not ``S<n>``, chapter numbers not
        increasing, a duplicate slide or file, a notebook or library module that does not
        exist, an empty manifest.
    """
    import tomllib  # here, not at the top: tasks.py imports this module on any Python 3

    path = Path(path) if path is not None else manifest_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: the chapter manifest does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"chapter"})
    if unknown:
        raise ValueError(f"{path}: unknown top-level keys {unknown}; expected [[chapter]] tables")
    entries = data.get("chapter", [])
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: no [[chapter]] entries")
    chapters: list[Chapter] = []
    for index, entry in enumerate(entries, 1):
        chapter = _chapter(path, index, entry)
        where = f"{path}: chapter {index} ({chapter.slide})"
        for other in chapters:
            if other.slide == chapter.slide:
                raise ValueError(f"{where}: field 'slide': {chapter.slide} is used twice")
            if other.path.resolve() == chapter.path.resolve():
                raise ValueError(f"{where}: field 'file': {chapter.file} is also {other.slide}")
        if chapters and chapter.number <= chapters[-1].number:
            raise ValueError(
                f"{where}: field 'slide': chapter numbers must increase in reading order, "
                f"{chapter.slide} comes after {chapters[-1].slide}"
            )
        chapters.append(chapter)
    return tuple(chapters)


def _chapter(path: Path, index: int, entry: Any) -> Chapter:
    """One validated entry."""
    slide = entry.get("slide") if isinstance(entry, dict) else None
    where = f"{path}: chapter {index}" + (f" ({slide})" if isinstance(slide, str) else "")
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a [[chapter]] table, got {entry!r}")
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ValueError(
            f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(REQUIRED + OPTIONAL)})"
        )
    missing = [name for name in REQUIRED if name not in entry]
    if missing:
        raise ValueError(f"{where}: missing field {missing[0]!r}")
    for name in ("slide", "file", "title", "search_query", "figure", "layout_in_progress"):
        if name not in entry:  # an optional field
            continue
        value = entry[name]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: field {name!r}: expected a non-empty string, got {value!r}")
    if not SLIDE.fullmatch(slide):
        raise ValueError(
            f"{where}: field 'slide': expected 'S<number>' such as 'S7', got {slide!r}"
        )
    notebook = ROOT / entry["file"]
    if notebook.suffix != ".ipynb":
        raise ValueError(
            f"{where}: field 'file': expected a .ipynb notebook, got {entry['file']!r}"
        )
    if not notebook.is_file():
        raise ValueError(f"{where}: field 'file': {entry['file']} does not exist")
    modules = entry["modules"]
    if not isinstance(modules, list) or not modules:
        raise ValueError(f"{where}: field 'modules': expected a non-empty list, got {modules!r}")
    for module in modules:
        if not isinstance(module, str) or not MODULE.fullmatch(module):
            raise ValueError(f"{where}: field 'modules': {module!r} is not a module name")
        source = PACKAGE_DIR.joinpath(*module.split("."))
        if not source.with_suffix(".py").is_file() and not (source / "__init__.py").is_file():
            raise ValueError(
                f"{where}: field 'modules': {module!r} is not a module of pgtheory "
                f"(no {source.relative_to(ROOT)}.py)"
            )
    if len(set(modules)) != len(modules):
        raise ValueError(f"{where}: field 'modules': {modules} names a module twice")
    budget = entry["budget_seconds"]
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not budget > 0:
        raise ValueError(
            f"{where}: field 'budget_seconds': expected a positive number, got {budget!r}"
        )
    figure = entry.get("figure")
    if figure is not None and not figure.isidentifier():
        raise ValueError(
            f"{where}: field 'figure': expected a pgtheory.viz function name, got {figure!r}"
        )
    return Chapter(
        slide=slide,
        file=entry["file"],
        title=entry["title"],
        modules=tuple(modules),
        budget_seconds=float(budget),
        search_query=entry["search_query"],
        figure=figure,
        layout_in_progress=entry.get("layout_in_progress"),
    )


def by_slide(slide: str, chapters: tuple[Chapter, ...] | None = None) -> Chapter:
    """The chapter of a slide (``"S7"``), from ``chapters`` or the manifest."""
    for chapter in load() if chapters is None else chapters:
        if chapter.slide == slide:
            return chapter
    raise KeyError(f"no chapter for slide {slide!r} in {manifest_path()}")
