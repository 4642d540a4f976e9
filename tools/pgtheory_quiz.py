"""The appendix "Answers to Check yourself", built from the chapters' stored quizzes.

Each chapter's "Check yourself" section is a :class:`pgtheory.viz.quiz.Quiz` shown by a
code cell; its stored ``text/html`` output holds the whole quiz as JSON
(``<script type="application/json" class="pgq-data">``): the prompts, options, answers and
explanations, with the numbers the chapter computed. The directive

    :::{quiz-answers}
    :::

(in ``book/answers.md``) reads those outputs from the executed notebooks of the chapter
manifest (``book/chapters.toml``, through ``tools/chapters.py``), in reading order, and
writes one section per chapter with a quiz: each question's prompt, a link to the section
of the chapter it checks, and, for a multiple-choice question, every option marked right
or wrong with its explanation; for a numeric one, the answer, its tolerance and why. The
printed book (``tools/build_pdf.py``) prints this page as its appendix, so the answers
need no other copy. A chapter notebook that changes makes Sphinx rebuild the page.

The quiz markup (``$...$`` math, ```code```, ``**bold**``) is MyST already; each piece
is parsed with the page's MyST parser.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import chapters  # tools/ is not a package

_DATA = re.compile(r'<script type="application/json" class="pgq-data">(.*?)</script>', re.DOTALL)


def stored_quizzes(notebook: Path) -> list[dict[str, Any]]:
    """Every quiz stored in the outputs of an executed notebook (JSON data, in order)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            html = out.get("data", {}).get("text/html")
            if html is None:
                continue
            text = "".join(html) if isinstance(html, list) else html
            for match in _DATA.finditer(text):
                found.append(json.loads(match.group(1).replace("<\\/", "</")))
    return found


def chapter_quiz(chapter: chapters.Chapter) -> dict[str, Any] | None:
    """The chapter's quiz data, None if it has none; a ``ValueError`` if it has several
    or its slide differs from the chapter's."""
    quizzes = stored_quizzes(chapter.path)
    if not quizzes:
        return None
    if len(quizzes) > 1:
        raise ValueError(f"{chapter.file}: one quiz per chapter, found {len(quizzes)}")
    quiz = quizzes[0]
    if quiz["slide"] != chapter.slide:
        raise ValueError(f"{chapter.file}: quiz for slide {quiz['slide']!r}, not {chapter.slide}")
    return quiz


class QuizAnswers(SphinxDirective):
    """``quiz-answers``: the answers of every chapter's "Check yourself" questions."""

    has_content = False

    def _parse(self, text: str) -> list[nodes.Node]:
        """MyST ``text`` (quiz markup) as inline nodes (the paragraph's children)."""
        box = nodes.container()
        self.state.nested_parse(StringList([text]), self.content_offset, box)
        out: list[nodes.Node] = []
        for child in box.children:
            out.extend(child.children if isinstance(child, nodes.paragraph) else [child])
        return out

    def _paragraph(self, *parts: str | nodes.Node | list[nodes.Node]) -> nodes.paragraph:
        p = nodes.paragraph()
        for part in parts:
            if isinstance(part, str):
                p += nodes.Text(part)
            elif isinstance(part, list):
                p.extend(part)
            else:
                p += part
        return p

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        here = Path(self.env.doc2path(self.env.docname)).parent
        for chapter in chapters.load():
            self.env.note_dependency(str(chapter.path))
            quiz = chapter_quiz(chapter)
            if quiz is None:
                continue
            page = Path(os.path.relpath(chapter.path.with_suffix(".html"), here)).as_posix()
            section = nodes.section(ids=[f"answers-{chapter.slide.lower()}"])
            section += nodes.title(text=f"Chapter {chapter.number}. {chapter.title}")
            for q in quiz["questions"]:
                link = nodes.reference(
                    "", q["section"], refuri=f"{page}#{q['section_id']}", internal=False
                )
                section += self._paragraph(
                    nodes.strong(text=f"Question {q['number']}"),
                    " (checks ",
                    link,
                    "). ",
                    self._parse(q["prompt"]),
                )
                if q["kind"] == "numeric":
                    section += self._paragraph(
                        nodes.strong(text=f"Answer: {q['answer']}"),
                        f" (accepted within ±{q['tolerance']}). ",
                        self._parse(q["why"]),
                    )
                    continue
                items = nodes.bullet_list(classes=["pgq-answer-options"])
                for o in q["options"]:
                    mark = "Right: " if o["correct"] else "Wrong: "
                    text = self._parse(o["text"])
                    item = nodes.list_item(classes=["pgq-right" if o["correct"] else "pgq-wrong"])
                    item += self._paragraph(
                        nodes.strong(text=mark),
                        nodes.strong("", "", *text) if o["correct"] else text,
                        ". " if not o["text"].rstrip().endswith((".", "?", "!")) else " ",
                        self._parse(o["why"]),
                    )
                    items += item
                section += items
            out.append(section)
        if not out:
            return [self._paragraph("No chapter has a Check yourself section yet.")]
        return out


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("quiz-answers", QuizAnswers)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
