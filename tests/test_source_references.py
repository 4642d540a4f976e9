"""Docstrings and comments of src/pgtheory point into the book by label, never by number.

A number that names a part of the book (an errata item, a chapter, a figure, a theorem
or exercise numbered by the book) goes stale when the book is reordered: "Slide errata 5"
came to mean item 1. A docstring says "the errata page, :ref:`errata-finite-horizon`",
"the chapter of slide S7, :doc:`/book/s7_distribution_change_deterministic`" or
":prf:ref:`thm-s7`" instead: Sphinx resolves those (the API page builds with ``-n``) and
fails when a label disappears. Numbered parts of *papers* stay ("Kakade & Langford (2002),
Theorem 4.1"): a theorem-like number must be attributed to its source in the same sentence.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
from own_thread import parse

SRC = Path(__file__).resolve().parent.parent / "src" / "pgtheory"

#: Cross-reference roles: their targets are labels, not prose (``errata-s7-mixture``).
ROLE = re.compile(r"(?::[\w:]+:|\{[\w:]+\})`[^`]*`")
#: Always a reference into the book by number.
BOOK_NUMBERED = [
    (re.compile(r"\berrat(?:a|um)\b[\s\w,;:'’()#-]{0,25}?\d", re.I), "an errata item by number"),
    (re.compile(r"\bchapters?\s+\d", re.I), "a chapter by number"),
    (re.compile(r"\b(?:fig(?:ure)?s?\.?)\s+\d", re.I), "a figure by number"),
    (re.compile(r"\bTHEORY\b"), "THEORY (notes outside the repository; cite the paper)"),
]
#: Numbered like a paper's or the book's parts: fine only when attributed to a paper.
THEOREM_LIKE = re.compile(
    r"\b(?:theorem|thm\.?|lemma|proposition|prop\.|corollary|cor\.|definition|example"
    r"|exercise|section|sec\.|table|equation|eqs?\.)\s+\(?\d+(?:\.\d+)*",
    re.I,
)
#: What attributes a number to a source: a year, "et al.", an author pair, "their",
#: or a paper's acronym.
SOURCE = re.compile(r"\b(?:19|20)\d\d\b|\bet al\b|&|\btheir\b|\b(?:TRPO|CPO|CPI|PPO|NPG|DAgger)\b")


def _texts(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of every docstring and comment of a source file."""
    source = path.read_text(encoding="utf-8")
    texts = []
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                texts.append((body[0].lineno, body[0].value.value))
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            texts.append((tok.start[0], tok.string))
    return texts


def _attributed(paragraph: str, match: re.Match) -> bool:
    """Whether a source is named within the match's sentence-sized window."""
    window = paragraph[max(0, match.start() - 160) : match.end() + 40]
    return bool(SOURCE.search(window))


def numbered_references(text: str) -> list[tuple[str, str]]:
    """``(excerpt, what)`` for every reference by number in one docstring or comment.

    A theorem-like number ("Theorem 4.1", "Sec. 2", "eq. 44") is attributed to a paper when
    a source is named near it in its paragraph, in the docstring's summary line, or near the
    same number elsewhere in the docstring (typically its References section).
    """
    paragraphs = [
        ROLE.sub("LABEL", " ".join(p.split())) for p in re.split(r"\n\s*\n", text.strip())
    ]
    summary = paragraphs[0].split(". ")[0] if paragraphs else ""
    cited = {
        " ".join(m.group(0).lower().split())
        for p in paragraphs
        for m in THEOREM_LIKE.finditer(p)
        if _attributed(p, m)
    }
    found = []
    for p in paragraphs:
        for pattern, what in BOOK_NUMBERED:
            found += [(m.group(0), what) for m in pattern.finditer(p)]
        for m in THEOREM_LIKE.finditer(p):
            key = " ".join(m.group(0).lower().split())
            if not (_attributed(p, m) or SOURCE.search(summary) or key in cited):
                found.append((m.group(0), "a numbered theorem, section or the like with no source"))
    return found


def _violations(root: Path) -> list[str]:
    """``file:line: what: excerpt`` for every reference by number under ``root``."""
    out = []
    for path in sorted(root.rglob("*.py")):
        for start, text in _texts(path):
            for excerpt, what in numbered_references(text):
                where = re.search(r"\s+".join(map(re.escape, excerpt.split())), text)
                line = start + (text[: where.start()].count("\n") if where else 0)
                out.append(f"{path.relative_to(root.parent)}:{line}: {what}: {excerpt!r}")
    return out


def test_docstrings_and_comments_cite_the_book_by_label():
    violations = _violations(SRC)
    assert violations == [], "reference by label, not by number:\n" + "\n".join(violations)


@pytest.mark.parametrize(
    "text",
    [
        "the advantage is time-indexed (THEORY: slide errata 5)",
        "holds (the book's errata page, item 3)",
        "see errata 5",
        "Erratum #2 says so",
        "the MDP of chapter 6",
        "as in Figure 9.1",
        "see Fig. 3",
        "by Theorem 7.1 the bound holds",
        "Exercise 2 asks for it",
    ],
)
def test_numbered_references_are_found(text):
    assert numbered_references(text), text


@pytest.mark.parametrize(
    "text",
    [
        "(the errata page, :ref:`errata-finite-horizon`)",
        "the chapter of slide S7, :doc:`/book/s7_distribution_change_deterministic`",
        "is attained ({prf:ref}`thm-s7`)",
        "Kakade & Langford (2002), Theorem 4.1",
        "Schulman et al. 2015, eq. 28",
        "TRPO's Theorem 1",
        "the line before the last of their proof, eq. (44)",
        "Slides S3-S4; slide S9's penalty over 10 steps",
    ],
)
def test_references_by_label_and_paper_citations_pass(text):
    assert numbered_references(text) == [], text
