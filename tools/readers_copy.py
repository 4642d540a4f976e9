"""Readers' copies of the chapters: a chapter in JupyterLab reads as it does in the book.

The committed chapters (``book/*.ipynb``) are written for Jupyter Book: their prose holds
MyST roles that only Sphinx resolves (``{glue:text}`` numbers, ``{py:func}``, ``{cite:p}``,
``{doc}``, references into other pages) and their cells carry the book's tags
(``remove-cell``, ``remove-input`` ...). JupyterLab with jupyterlab-myst renders MyST
directives (admonitions, grids, theorems and proofs, exercises, math) but not those roles,
and ignores the tags. A readers' copy of a chapter is the same notebook with:

- every ``{glue:text}`` (and ``{glue}``) role replaced by the chapter's stored glue value,
  formatted as myst-nb formats it in the book (the values are read from the stored glue
  outputs, so the copy says exactly what the nbval-checked chapter stores); a role whose
  name the chapter does not glue is a ``ValueError`` naming the chapter and the name;
- the roles jupyterlab-myst cannot render turned into what the book shows:
  ``{py:func}`x``` -> ```x()```, citations -> "Author (year)", ``{doc}`` and references into
  other pages or chapters -> a link to that file with the book's text ("Fig. 2.1", the
  heading, "Theorem 3.1"), ``{numref}`` of a figure -> "Fig. 2.1"; each figure's caption
  follows it as a markdown cell;
- the cells the book hides collapsed (:func:`collapse_hidden_cells`);
- the stored static interactive figure reduced to its default frame and a note, "Run this
  cell for live controls." (the Binder note is for the static site);
- metadata that would make JupyterLab mark the tab modified on opening completed: the
  kernel reports ``language_info.version`` (the executor stores none, so that the
  committed bytes do not depend on the Python patch release); the jupytext pairing with
  the text twin removed (JupyterLab would read the cells from ``book/text/`` instead).

Copies are generated, never committed: Binder's ``postBuild`` rewrites ``book/*.ipynb``
in place (``--in-place``), and ``python3 tasks.py lab`` writes them to ``_build/readers/``.
It needs the standard library and, for the glued numbers, myst-nb, which the readers'
lock installs (Binder's environment) as well as ``.venv``.

    python3 tools/readers_copy.py --out _build/readers     # copies next to the book's pages
    python3 tools/readers_copy.py --in-place               # Binder: rewrite book/*.ipynb
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import platform
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chapters

ROOT = chapters.ROOT
BOOK = ROOT / "book"
BIBLIOGRAPHY = ROOT / "references.bib"
#: What the stored static interactive figure says in JupyterLab (instead of the site's
#: "launch it on Binder").
RUN_NOTE = "Run this cell for live controls."
#: Tags of the book (myst-nb) -> the JupyterLab cell metadata that collapses the same parts.
HIDDEN_TAGS: dict[str, tuple[str, ...]] = {
    "remove-cell": ("source_hidden", "outputs_hidden"),
    "hide-cell": ("source_hidden", "outputs_hidden"),
    "remove-input": ("source_hidden",),
    "hide-input": ("source_hidden",),
    "remove-output": ("outputs_hidden",),
    "hide-output": ("outputs_hidden",),
}
#: sphinx-proof's directives, numbered per kind and chapter ("Theorem 2.1").
PROOF_KINDS = (
    "theorem",
    "lemma",
    "definition",
    "proposition",
    "corollary",
    "remark",
    "conjecture",
    "example",
    "property",
    "observation",
    "criterion",
    "algorithm",
    "assumption",
    "axiom",
)
#: Notebook metadata key that marks a readers' copy (which is never converted twice).
MARKER = "pgtheory_readers_copy"

ROLE = re.compile(r"\{(?P<role>[a-zA-Z][\w:-]*)\}`(?P<text>[^`]+)`")
#: The first line of a fence: a directive (```` ```{name} ````, ``:::{name}``), the end of
#: one, or a code block (```` ```python ````), whose text is left alone.
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,}|:{3,})(?P<rest>.*)$")
LABEL_LINE = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$")
HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
EXPLICIT = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


# --- glue ------------------------------------------------------------------------------


def glue_records(nb: dict) -> dict[str, dict[str, object]]:
    """``{name: mime bundle}`` of every value the notebook glued (myst-nb's ``glue``).

    myst-nb stores a glued value as a ``display_data`` output whose metadata holds
    ``scrapbook: {name, mime_prefix}`` and whose data keys carry that prefix.
    """
    records: dict[str, dict[str, object]] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = (output.get("metadata") or {}).get("scrapbook")
            if not meta:
                continue
            prefix = meta.get("mime_prefix", "")
            records[meta["name"]] = {
                key[len(prefix) :]: _text(value)
                for key, value in output.get("data", {}).items()
                if key.startswith(prefix)
            }
    return records


def format_glue_text(text: str, fmt_spec: str) -> str:
    """A glued ``text/plain`` value formatted as myst-nb's ``{glue:text}`` role does: by
    myst-nb's own function (imported here, so that the other tools need not load myst-nb)."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(text, fmt_spec)


def glue_text(role: str, text: str, glue: dict[str, dict[str, object]], chapter: str) -> str:
    """The text the book shows for one glue role (``glue:text``, ``glue``, ``glue:md``...)."""
    if role == "glue:text":
        key, sep, fmt_spec = text.rpartition(":")
        if not sep:
            key, fmt_spec = text, "s"
    else:
        key, fmt_spec = text, ""
    if "::" in key:
        raise ValueError(f"{chapter}: glue role {{{role}}}`{text}` pastes from another document")
    if key not in glue:
        raise ValueError(
            f"{chapter}: the prose pastes {key!r} ({{{role}}}`{text}`), "
            f"which the chapter does not glue (glued names: {', '.join(sorted(glue)) or 'none'})"
        )
    data = glue[key]
    if role == "glue:md":
        if "text/markdown" not in data:
            raise ValueError(f"{chapter}: glue {key!r} has no text/markdown for {{glue:md}}")
        return str(data["text/markdown"])
    if "text/plain" not in data:
        raise ValueError(f"{chapter}: glue {key!r} has no text/plain for {{{role}}}")
    try:
        value = format_glue_text(str(data["text/plain"]), fmt_spec)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{chapter}: cannot format glue {key!r} with {fmt_spec!r}: {exc}") from exc
    return escape_markdown(value)


def escape_markdown(text: str) -> str:
    """``text`` as literal markdown text (backslash before markdown's punctuation)."""
    return re.sub(r"([\\`*_{}\[\]<>$|])", r"\\\1", text)


# --- what the book knows: labels, numbers, titles, references ---------------------------


@dataclass(frozen=True)
class Target:
    """Where a label points: the document (a file in book/), its anchor and the book's text."""

    file: str
    label: str
    text: str


@dataclass
class BookIndex:
    """Labels, document titles and citations of the whole book (read from its sources)."""

    targets: dict[str, Target] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: chapter file -> [(figure label, "Fig. 2.1", caption)], in order.
    figures: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)


def _text(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _markdown_blocks(path: Path) -> list[tuple[str, str]]:
    """(cell type, source) of a book document: a notebook's cells, or a page's one block."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return [(c["cell_type"], _text(c["source"])) for c in nb["cells"]]
    return [("markdown", path.read_text(encoding="utf-8"))]


def _index_document(index: BookIndex, path: Path, number: int | None) -> None:
    name = path.name
    counts: dict[str, int] = {}
    figures: list[tuple[str, str, str]] = []
    pending: list[str] = []
    blocks = _markdown_blocks(path)
    nb = json.loads(path.read_text(encoding="utf-8")) if path.suffix == ".ipynb" else None
    for position, (cell_type, source) in enumerate(blocks):
        if cell_type == "code" and nb is not None:
            figure = nb["cells"][position].get("metadata", {}).get("mystnb", {}).get("figure")
            if figure and figure.get("name"):
                text = f"Fig. {number}.{len(figures) + 1}" if number else "Fig."
                figures.append((figure["name"], text, figure.get("caption", "")))
                index.targets[figure["name"]] = Target(name, figure["name"], text)
            continue
        if cell_type != "markdown":
            continue
        lines = source.splitlines()
        for i, line in enumerate(lines):
            if match := LABEL_LINE.match(line):
                pending.append(match["label"])
                continue
            if match := HEADING.match(line):
                title = match["title"]
                if line.startswith("# "):
                    index.titles.setdefault(name, title)
                for label in pending:
                    index.targets[label] = Target(name, label, title)
                pending = []
                continue
            if line.strip():
                pending = []
            if match := DIRECTIVE.match(line.strip()):
                kind = match["name"].removeprefix("prf:")
                if kind in PROOF_KINDS or kind == "exercise":
                    counts[kind] = counts.get(kind, 0) + 1
                    label = _directive_label(lines, i + 1)
                    if label:
                        numbered = f"{number}.{counts[kind]}" if number else f"{counts[kind]}"
                        index.targets[label] = Target(name, label, f"{kind.title()} {numbered}")
    index.figures[name] = figures


def _directive_label(lines: list[str], start: int) -> str | None:
    for line in lines[start:]:
        match = OPTION.match(line.strip())
        if not match:
            return None
        if match["key"] in ("label", "name"):
            return match["value"].strip()
    return None


def read_citations(path: Path = BIBLIOGRAPHY) -> dict[str, tuple[str, str]]:
    """``{key: (authors as the text cites them, year)}`` of a BibTeX file (authors, year)."""
    out: dict[str, tuple[str, str]] = {}
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    for entry in re.finditer(r"@\w+\s*\{\s*([^,\s]+)\s*,(.*?)\n\}", text, re.S):
        key, body = entry.group(1), entry.group(2)
        fields = {
            m.group(1).lower(): re.sub(r"\s+", " ", m.group(2)).strip()
            for m in re.finditer(r"(\w+)\s*=\s*\{((?:[^{}]|\{[^{}]*\})*)\}", body)
        }
        names = [a.strip() for a in fields.get("author", "").split(" and ") if a.strip()]
        last = [n.split(",")[0].strip() if "," in n else n.split()[-1] for n in names]
        last = [n.replace("{", "").replace("}", "") for n in last]
        if len(last) >= 3:
            authors = f"{last[0]} et al."
        else:
            authors = " and ".join(last)
        out[key] = (authors or key, fields.get("year", "n.d."))
    return out


def book_index(book: Path = BOOK) -> BookIndex:
    """Index every page and chapter of the book (labels, numbers, titles, citations)."""
    index = BookIndex(citations=read_citations(book.parent / "references.bib"))
    numbered = [(c.path, c.number) for c in chapters.load()]
    for path, number in [(p, None) for p in sorted(book.glob("*.md"))] + numbered:
        _index_document(index, path, number)
    return index


# --- the markdown of a readers' copy -----------------------------------------------------


def _python_name(role: str, text: str) -> str:
    explicit = EXPLICIT.match(text)
    if explicit:
        return f"`{explicit['title']}`"
    target = text.lstrip("!")
    shown = target.split(".")[-1] if target.startswith("~") else target
    shown = shown.lstrip("~")
    if role in ("py:func", "py:meth"):
        shown += "()"
    return f"`{shown}`"


def _citation(role: str, keys: str, index: BookIndex, chapter: str) -> str:
    cited = []
    for key in (k.strip() for k in keys.split(",")):
        if key not in index.citations:
            raise ValueError(f"{chapter}: cites {key!r}, which references.bib does not define")
        cited.append(index.citations[key])
    if role == "cite:t":
        return "; ".join(f"{authors} ({year})" for authors, year in cited)
    return "(" + "; ".join(f"{authors}, {year}" for authors, year in cited) + ")"


def _link(text: str, target: Target | None, file: str, here: str) -> str:
    if target is None:
        return f"[{text}]({file})" if file != here else text
    if target.file == here:
        return f"[{text}](#{target.label})"
    return f"[{text}]({target.file}#{target.label})"


def _reference(role: str, text: str, index: BookIndex, here: str, chapter: str) -> str | None:
    """Markdown for a cross reference, or None to leave it to jupyterlab-myst."""
    explicit = EXPLICIT.match(text)
    title, label = (explicit["title"], explicit["target"]) if explicit else (None, text)
    if role == "doc":
        file = next(
            (f"{label}{s}" for s in (".ipynb", ".md") if (BOOK / f"{label}{s}").is_file()), None
        )
        if file is None:
            raise ValueError(f"{chapter}: {{doc}}`{text}` names no page of the book")
        return f"[{title or index.titles.get(file, label)}]({file})"
    target = index.targets.get(label)
    if target is None:
        raise ValueError(f"{chapter}: {{{role}}}`{text}` names no label of the book")
    if target.file == here and role in ("ref", "prf:ref") and not target.text.startswith("Fig."):
        return None  # jupyterlab-myst resolves labels of the same notebook
    if title and "%s" in title:
        number = target.text.split(" ", 1)[-1]
        title = title.replace("%s", number)
    return _link(title or target.text, target, target.file, here)


def convert_markdown(
    source: str, *, glue: dict[str, dict[str, object]], index: BookIndex, here: str, chapter: str
) -> str:
    """The readers' text of one markdown cell (see the module docstring)."""

    def replace(match: re.Match[str]) -> str:
        role, text = match["role"], match["text"]
        if role == "glue" or role.startswith("glue:"):
            value = glue_text(role, text, glue, chapter)
            line_start = match.string.rfind("\n", 0, match.start()) + 1
            opens_line = not match.string[line_start : match.start()].strip()
            after = match.string[match.end() : match.end() + 2]
            if opens_line and value.isdigit() and re.match(r"[.)](\s|$)", after):
                # "1. There ..." at the start of a line would open an ordered list; the
                # book shows the number as text: escape the list marker after it.
                value += "\\"
            return value
        if role.startswith("py:"):
            return _python_name(role, text)
        if role.startswith("cite"):
            return _citation(role, text, index, chapter)
        if role in ("ref", "doc", "numref", "prf:ref"):
            converted = _reference(role, text, index, here, chapter)
            return match.group(0) if converted is None else converted
        return match.group(0)

    return "".join(
        text if is_code else ROLE.sub(replace, text) for is_code, text in split_code(source)
    )


def split_code(source: str) -> list[tuple[bool, str]]:
    """``source`` cut into (is code, text) runs: fenced code blocks are code; directives
    (```` ```{name} ````, ``:::{name}``) and their closing fences are text."""
    runs: list[tuple[bool, str]] = []
    open_fences: list[str] = []  # closing fences of the directives we are in
    code_fence: str | None = None
    for line in source.splitlines(keepends=True):
        stripped = line.strip()
        is_code = code_fence is not None
        if code_fence is not None:
            if stripped == code_fence:
                code_fence = None
        elif match := FENCE.match(stripped):
            fence, rest = match["fence"], match["rest"]
            if rest.startswith("{"):
                open_fences.append(fence)
            elif not rest and open_fences and fence == open_fences[-1]:
                open_fences.pop()
            elif fence[0] == "`" or fence[0] == "~":
                code_fence, is_code = fence, True
        if runs and runs[-1][0] == is_code:
            runs[-1] = (is_code, runs[-1][1] + line)
        else:
            runs.append((is_code, line))
    return runs


# --- cells -------------------------------------------------------------------------------


def collapse_hidden_cells(cells: list[dict]) -> list[dict]:
    """Collapse in JupyterLab what the book hides: set each tagged cell's ``jupyter`` metadata.

    ``remove-cell``/``hide-cell`` collapse the input and the outputs, ``remove-input``/
    ``hide-input`` the input, ``remove-output``/``hide-output`` the outputs (the keys
    JupyterLab reads and writes: ``metadata.jupyter.source_hidden`` and ``outputs_hidden``).
    Other metadata is kept; cells without those tags are left as they are. Idempotent;
    changes ``cells`` (dicts or nbformat nodes) in place and returns it.
    """
    for cell in cells:
        metadata = cell.setdefault("metadata", {})
        keys = {k for tag in metadata.get("tags", []) for k in HIDDEN_TAGS.get(tag, ())}
        if cell.get("cell_type") != "code":
            keys.discard("outputs_hidden")
        if keys:
            jupyter = metadata.setdefault("jupyter", {})
            for key in sorted(keys):
                jupyter[key] = True
    return cells


_FRAME = re.compile(r'<img class="pgt-frame"[^>]*>')


def static_figure_for_lab(html_text: str) -> str | None:
    """The stored static interactive figure as JupyterLab shows it before the cell runs.

    Its controls and script do nothing in an untrusted notebook, so only the default frame
    stays, with :data:`RUN_NOTE`. None when ``html_text`` is no interactive figure.
    """
    if 'class="pgt-interactive"' not in html_text:
        return None
    frame = _FRAME.search(html_text)
    if frame is None:
        raise ValueError("an interactive figure without its default frame")
    return (
        f'<div class="pgt-interactive">{frame.group(0)}'
        f'<p class="pgt-note">{html.escape(RUN_NOTE)}</p></div>'
    )


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def readers_copy(
    nb: dict, *, chapter: chapters.Chapter, index: BookIndex, python_version: str
) -> dict:
    """The readers' copy of one chapter notebook (``nb`` is not changed)."""
    if nb.get("metadata", {}).get(MARKER):
        raise ValueError(f"{chapter.slide}: {chapter.path.name} is a readers' copy already")
    nb = copy.deepcopy(nb)
    here = chapter.path.name
    glue = glue_records(nb)
    figures = {label: (text, caption) for label, text, caption in index.figures.get(here, [])}
    cells = []
    for cell in nb["cells"]:
        cells.append(cell)
        if cell["cell_type"] == "markdown":
            source = convert_markdown(
                _text(cell["source"]), glue=glue, index=index, here=here, chapter=chapter.slide
            )
            cell["source"] = _lines(source)
            continue
        if cell["cell_type"] != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                static = static_figure_for_lab(_text(data["text/html"]))
                if static is not None:
                    data.pop("application/vnd.jupyter.widget-view+json", None)
                    data["text/html"] = _lines(static)
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if figure and figure.get("name") in figures:
            text, caption = figures[figure["name"]]
            caption_text = f"({figure['name']})=\n**{text}.** {caption}"
            cells.append(
                {
                    "cell_type": "markdown",
                    "id": f"{cell.get('id', 'figure')}-caption"[:64],
                    "metadata": {},
                    "source": _lines(caption_text),
                }
            )
    nb["cells"] = collapse_hidden_cells(cells)
    metadata = nb.setdefault("metadata", {})
    metadata.pop("jupytext", None)  # the pairing would make JupyterLab read book/text/
    metadata.pop("widgets", None)  # stored widget models are dead without their kernel
    metadata.setdefault("language_info", {})["version"] = python_version
    metadata[MARKER] = True
    return nb


def write_notebook(nb: dict, path: Path) -> None:
    """Write ``nb`` as nbformat does (one-space indent, sorted keys, UTF-8, final newline)."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_readers_copies(
    out: Path | None,
    *,
    python_version: str | None = None,
    book: Path = BOOK,
) -> list[Path]:
    """Write the readers' copy of every chapter into ``out`` (None: over the chapters).

    ``out`` also receives the book's pages (``*.md``), so that links between them work.
    The copies' ``language_info.version`` is ``python_version`` (default: this Python's,
    which is the kernel's in Binder and in ``.venv``).
    """
    version = python_version or platform.python_version()
    index = book_index(book)
    written = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for page in sorted(book.glob("*.md")):
            shutil.copyfile(page, out / page.name)
    for chapter in chapters.load():
        nb = json.loads(chapter.path.read_text(encoding="utf-8"))
        if out is None and nb.get("metadata", {}).get(MARKER):
            continue  # postBuild ran before: this chapter is a readers' copy already
        copy_nb = readers_copy(nb, chapter=chapter, index=index, python_version=version)
        target = (out or chapter.path.parent) / chapter.path.name
        write_notebook(copy_nb, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="directory for the copies (and the pages)")
    where.add_argument(
        "--in-place", action="store_true", help="rewrite book/*.ipynb (Binder's postBuild)"
    )
    parser.add_argument("--python-version", help="language_info.version of the copies")
    args = parser.parse_args(argv)
    written = write_readers_copies(
        None if args.in_place else args.out, python_version=args.python_version
    )
    for path in written:
        print(f"readers' copy: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
