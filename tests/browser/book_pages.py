"""What each page of the book should show, read from its source (``book/*.md``/``.ipynb``).

The browser tests compare a loaded page with its source, so that a page that renders
nothing (an empty ``<article>``, a failed build step, a theme that hides the content)
fails instead of passing every "nothing went wrong" check:

- :func:`expected_heading`: the text of the source's first ``#`` heading;
- :func:`expected_phrase`: the first run of plain words of the source's prose, which the
  page must show as text;
- :func:`source_has_math`: whether the source writes math (``$...$``, ``$$``, ``{math}``),
  so the page must show typeset formulas.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import chapters
import yaml

#: The repository root (``tests/browser/`` is two levels below it).
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Words in a row that :func:`expected_phrase` takes from the source's prose.
PHRASE_WORDS = 6

_FENCE = re.compile(r"^(```|~~~|:::).*?^\1[ \t]*$", re.M | re.S)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def toc_docnames(toc_path: Path = REPO_ROOT / "_toc.yml") -> list[str]:
    """Docnames listed in a jb-book ``_toc.yml`` (root first, then in reading order)."""
    if not toc_path.is_file():
        return []
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    names: list[str] = []

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                names.append(str(entry["file"]).removesuffix(".md").removesuffix(".ipynb"))
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    if "root" in toc:
        names.append(str(toc["root"]).removesuffix(".md").removesuffix(".ipynb"))
    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    walk(toc.get("sections", []))
    return names


def is_chapter(docname: str) -> bool:
    """Whether the page is a chapter: an entry of the manifest ``book/chapters.toml``."""
    return docname in {c.docname for c in chapters.load()}


@cache
def source_markdown(docname: str) -> str:
    """The page's markdown: the .md file, or the markdown cells of the .ipynb, joined."""
    md = REPO_ROOT / f"{docname}.md"
    if md.is_file():
        return md.read_text(encoding="utf-8")
    nb = json.loads((REPO_ROOT / f"{docname}.ipynb").read_text(encoding="utf-8"))
    cells = [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
        and "remove-cell" not in c.get("metadata", {}).get("tags", [])
    ]
    return "\n\n".join(cells)


def _without_code(text: str) -> str:
    text = _FENCE.sub("\n", text)
    return re.sub(r"`[^`\n]*`", " ", text)


def expected_heading(docname: str) -> str:
    """The first ``# `` heading of the source, as plain text (no markup characters)."""
    found = re.search(r"^# (.+)$", _FENCE.sub("\n", source_markdown(docname)), re.M)
    if not found:
        raise ValueError(f"{docname}: the source has no '# ' heading")
    return plain(found.group(1))


def plain(text: str) -> str:
    """Markup-free, whitespace-normalized text for comparisons."""
    text = re.sub(r"[`*_#]", "", text)
    return " ".join(text.replace("\u00a0", " ").split())


def expected_phrase(docname: str) -> str:
    """The first :data:`PHRASE_WORDS` consecutive plain words of a prose paragraph.

    Headings, tables, directives, roles, math and code are skipped, so the words appear on
    the rendered page exactly in this order.
    """
    text = _without_code(source_markdown(docname))
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " | ", text, flags=re.S)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`|\{[^}\n]*\}", " | ", text)
    token = re.compile(r"[A-Za-z][A-Za-z'’-]*[,.;:]?")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#|:(<>{" or stripped.startswith(("- ", "* ")):
            continue
        tokens = stripped.split()
        for start in range(len(tokens) - PHRASE_WORDS + 1):
            window = tokens[start : start + PHRASE_WORDS]
            if all(token.fullmatch(t) for t in window):
                return words(" ".join(window))
    raise ValueError(f"{docname}: no run of {PHRASE_WORDS} plain words in the source")


def source_has_math(docname: str) -> bool:
    """True if the source writes math the page must typeset."""
    text = _without_code(source_markdown(docname))
    return bool(re.search(r"\$[^$\s][^$\n]*\$|\$\$|\{math\}|\\begin\{", text))


def words(text: str) -> str:
    """Space-separated words of a text, for phrase search across markup and line breaks."""
    return " ".join(_WORD.findall(text.replace("\u00a0", " ").replace("’", "'")))
