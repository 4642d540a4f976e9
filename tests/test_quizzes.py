"""Every chapter's "Check yourself" quiz: its shape, its links, and its numbers.

Each chapter of the manifest stores one quiz (``pgtheory.viz.quiz.Quiz``, shown by a code
cell under the heading "## Check yourself", just before "## Exercises"), read here from the
committed notebook exactly as the book and the answers appendix read it
(``tools/pgtheory_quiz.py``). Checked for every chapter:

- 4 to 6 questions, at least one numeric, at least one multiple choice, exactly one
  "predict" question, whose control is a control of the chapter's interactive figure;
- each question names a "## " heading of the chapter (the section it checks);
- no quiz text uses the book's MathJax macros (``\\TV``...), which JupyterLab lacks;
- **each numeric answer equals the value computed independently** in
  ``tests/quiz_answers/s<n>.py`` (``expected()``, by another route than the chapter's code:
  enumeration, closed forms, linear algebra written out), to the digits the quiz stores; the
  attributes the browser reads (``data-answer``, ``data-tolerance``) say the same.

``test_a_changed_answer_is_caught`` shows the comparison failing on a quiz whose stored
answer is moved by one tolerance.
"""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path

import chapters
import nbformat
import pytest
import yaml
from pgtheory_quiz import chapter_quiz

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = chapters.load()
HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


def macros() -> list[str]:
    """The book's MathJax macros (``_config.yml``), as TeX control words."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    names = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    return sorted(names)


def headings(nb: nbformat.NotebookNode) -> list[str]:
    return [h for c in nb.cells if c.cell_type == "markdown" for h in HEADING.findall(c.source)]


def quiz_texts(quiz: dict) -> list[str]:
    texts = []
    for q in quiz["questions"]:
        texts += [q["prompt"], q.get("why", ""), q.get("hint", "")]
        for o in q.get("options", []):
            texts += [o["text"], o["why"]]
    return texts


def expected_values(chapter: chapters.Chapter) -> dict[str, float]:
    module = importlib.import_module(f"quiz_answers.{chapter.slide.lower()}")
    return module.expected()


def answer_mismatches(quiz: dict, expected: dict[str, float]) -> list[str]:
    """One line per numeric question whose stored answer is not ``expected`` rounded to
    the stored digits, or that has no expected value (and per expected value that no
    question has)."""
    found = []
    numeric = {q["key"]: q for q in quiz["questions"] if q["kind"] == "numeric"}
    for key in sorted(set(expected) - set(numeric)):
        found.append(f"{key}: an expected value but no numeric question")
    for key, q in numeric.items():
        if key not in expected:
            found.append(f"{key}: no independent value in tests/quiz_answers/")
            continue
        stored = q["answer"]
        decimals = len(stored.split(".")[1]) if "." in stored else 0
        value = float(expected[key])
        # The stored answer is the exact value rounded to `decimals` places.
        if abs(float(stored) - value) > 0.5 * 10.0**-decimals * (1 + 1e-9) + 1e-12:
            found.append(f"{key}: the quiz stores {stored}, the independent value is {value!r}")
        if abs(float(stored) - value) > float(q["tolerance"]):
            found.append(f"{key}: the exact value {value!r} would be marked wrong")
    return found


@pytest.fixture(scope="module", params=CHAPTERS, ids=lambda c: c.slide)
def chapter(request: pytest.FixtureRequest) -> chapters.Chapter:
    return request.param


def _quiz(chapter: chapters.Chapter) -> dict:
    quiz = chapter_quiz(chapter)
    assert quiz is not None, f"{chapter.file} has no Check yourself quiz"
    return quiz


def test_the_quiz_has_the_right_mix(chapter: chapters.Chapter) -> None:
    kinds = [q["kind"] for q in _quiz(chapter)["questions"]]
    assert 4 <= len(kinds) <= 6, f"{chapter.slide}: {len(kinds)} questions"
    assert kinds.count("numeric") >= 1, kinds
    assert kinds.count("choice") >= 1, kinds
    assert kinds.count("predict") == 1, kinds


def test_the_quiz_sits_under_its_heading(chapter: chapters.Chapter) -> None:
    nb = nbformat.read(chapter.path, as_version=4)
    order = headings(nb)
    assert "Check yourself" in order, f"{chapter.file}: no '## Check yourself' section"
    assert order.index("Check yourself") + 1 == order.index("Exercises"), order
    cells = nb.cells
    heading = next(
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown" and "## Check yourself" in c.source
    )
    quiz_cells = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "code" and "pgq-data" in str(c.get("outputs"))
    ]
    assert len(quiz_cells) == 1 and quiz_cells[0] > heading, quiz_cells
    assert "remove-input" in cells[quiz_cells[0]].metadata.get("tags", [])


def test_each_question_names_a_section_of_its_chapter(chapter: chapters.Chapter) -> None:
    sections = set(headings(nbformat.read(chapter.path, as_version=4)))
    wrong = [
        (q["number"], q["section"])
        for q in _quiz(chapter)["questions"]
        if q["section"] not in sections or q["section"] == "Check yourself"
    ]
    assert wrong == [], f"{chapter.file}: not a section of the chapter: {wrong}"


def test_the_predict_question_names_a_control_of_the_figure(chapter: chapters.Chapter) -> None:
    nb = nbformat.read(chapter.path, as_version=4)
    labels = set(re.findall(r'<span class="pgt-label">([^<]+)</span>', str(nb.cells)))
    (predict,) = [q for q in _quiz(chapter)["questions"] if q["kind"] == "predict"]
    assert predict["control"] in labels, (predict["control"], sorted(labels))


def test_no_book_macro_in_quiz_text(chapter: chapters.Chapter) -> None:
    used = {
        m
        for text in quiz_texts(_quiz(chapter))
        for m in macros()
        if re.search(rf"\\{m}(?![A-Za-z])", text)
    }
    assert used == set(), f"{chapter.slide}: JupyterLab does not know \\{sorted(used)}"


def test_numeric_answers_equal_the_independent_values(chapter: chapters.Chapter) -> None:
    quiz = _quiz(chapter)
    assert answer_mismatches(quiz, expected_values(chapter)) == []


def test_the_browser_reads_the_same_answers(chapter: chapters.Chapter) -> None:
    nb = nbformat.read(chapter.path, as_version=4)
    page = str(nb.cells)
    for q in _quiz(chapter)["questions"]:
        if q["kind"] != "numeric":
            continue
        tag = re.search(rf'<fieldset class="pgq-q pgq-numeric" id="{q["id"]}"([^>]*)>', page)
        assert tag is not None, q["id"]
        assert f'data-answer="{q["answer"]}"' in tag.group(1)
        assert f'data-tolerance="{q["tolerance"]}"' in tag.group(1)


def test_a_changed_answer_is_caught() -> None:
    chapter = CHAPTERS[0]
    quiz = _quiz(chapter)
    expected = expected_values(chapter)
    assert answer_mismatches(quiz, expected) == []
    changed = copy.deepcopy(quiz)
    q = next(q for q in changed["questions"] if q["kind"] == "numeric")
    decimals = len(q["answer"].split(".")[1]) if "." in q["answer"] else 0
    # One tolerance and one stored digit away from the exact value: marked wrong, and
    # not the exact value rounded.
    away = 1.0 if float(q["answer"]) >= expected[q["key"]] else -1.0
    moved = float(q["answer"]) + away * (float(q["tolerance"]) + 10.0**-decimals)
    q["answer"] = f"{moved:.{decimals}f}"
    found = answer_mismatches(changed, expected)
    assert len(found) == 2 and all(line.startswith(q["key"]) for line in found), found
    missing = {k: v for k, v in expected.items() if k != q["key"]}
    assert answer_mismatches(quiz, missing) == [
        f"{q['key']}: no independent value in tests/quiz_answers/"
    ]
