"""Self-check questions ("Check yourself") with instant feedback, for the book's chapters.

A chapter builds one :class:`Quiz` from the values it computed and shows it (the last
expression of a cell)::

    Quiz("S3", [
        choice("outer", r"Whose state distribution ...?", section="The claim", options=[
            option(r"$d^{\\pi'}$ ...", correct=True, why="..."),
            option(r"$d^{\\pi}$ ...", why="the misconception this option encodes ..."),
        ]),
        numeric("gap", "What is ...? Give 3 decimals.", section="The numbers",
                answer=gap, tolerance=0.002, why="...", hint="..."),
        predict("gamma", "Before you move ...", section="Try it", control="γ", options=[...]),
    ])

The quiz renders as one self-contained ``text/html`` block: native radio buttons in a
``<fieldset>`` (multiple choice), a labelled text field (numeric answers), a "Check" button
and a live region (``role="status"``) that says whether the answer is right and why: the
explanation of the option chosen, or the answer, its tolerance and why. A small inline
script (``_static/quiz.js``) does the checking in the reader's browser, so the quiz works on
the static site (no kernel, no network) and in JupyterLab, whose MathJax typesets the same
``\\(...\\)`` math as the book's. Every part is operable with the keyboard (Tab, arrows,
Space, Enter) and the colours come from the page's theme (light and dark).

Each question names the section of the chapter it checks (a ``## `` heading, by its exact
text) and links to it: the link's target is the id Sphinx gives that heading; in JupyterLab
the script finds the heading by its text. The whole quiz is also stored as JSON in the
block (``<script type="application/json" class="pgq-data">``), from which the book's
"Answers to Check yourself" appendix is built (``tools/pgtheory_sphinx.py``).

Why not ``jupyterquiz`` (PyPI), the ecosystem's quiz renderer: in version 2.9.6.4 its
script typesets math only for MathJax 2 and 3 (the book runs MathJax 4, so its formulas
would stay raw TeX) and, when MathJax 3 lacks ``typeset``, loads MathJax 3 from a CDN (the
book is offline); ``display_quiz`` draws its element ids from an unseeded random generator,
so every execution stores different output and nbval would fail; its options are ``<label
onclick>`` elements with the radio buttons hidden from screen readers, its feedback is not
in a live region, and its colours are fixed (unreadable in the dark theme). Wrapping it
would mean replacing its HTML, script and styles, so the book renders its own.

Text in prompts, options and explanations is plain text with three kinds of markup, which
the HTML and MyST (the appendix) read alike: ``$...$`` inline math (TeX), code between
single backquotes, and ``**bold**``. A numeric answer is stored rounded to one decimal
place finer than its tolerance, so the stored output is the same on every CPU.
"""

from __future__ import annotations

import functools
import html
import json
import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["Option", "Question", "Quiz", "choice", "numeric", "option", "predict", "section_id"]

#: Question kinds: multiple choice, a number typed with a tolerance, and a multiple-choice
#: prediction of what a control of the chapter's interactive figure will do.
KINDS = ("choice", "numeric", "predict")
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SLIDE = re.compile(r"S([1-9][0-9]*)")
#: Markup pieces: inline math, inline code (everything else is text, with **bold**).
_PIECES = re.compile(r"(\$[^$]+\$|`[^`]+`)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MAX_DECIMALS = 12


@dataclass(frozen=True)
class Option:
    """One option of a multiple-choice question and why it is right or wrong."""

    text: str
    correct: bool
    why: str


@dataclass(frozen=True)
class Question:
    """One question: ``kind`` is ``"choice"``, ``"numeric"`` or ``"predict"``.

    ``answer``, ``tolerance`` and ``decimals`` are set for numeric questions (the answer
    rounded to ``decimals`` places); ``options`` for the other two; ``control`` names the
    control a "predict" question asks about.
    """

    kind: str
    key: str
    prompt: str
    section: str
    why: str = ""
    hint: str = ""
    options: tuple[Option, ...] = ()
    answer: float | None = None
    tolerance: float | None = None
    decimals: int | None = None
    control: str = ""

    @property
    def correct_index(self) -> int | None:
        """The index of the correct option (None for a numeric question)."""
        for i, o in enumerate(self.options):
            if o.correct:
                return i
        return None

    def answer_text(self) -> str:
        """The stored answer as the reader sees it (numeric questions)."""
        if self.answer is None or self.decimals is None:
            raise ValueError(f"question {self.key!r} is not numeric")
        return f"{self.answer:.{self.decimals}f}"

    def tolerance_text(self) -> str:
        if self.tolerance is None or self.decimals is None:
            raise ValueError(f"question {self.key!r} is not numeric")
        return _trim(f"{self.tolerance:.{self.decimals + 2}f}")


def _trim(s: str) -> str:
    return s.rstrip("0").rstrip(".") if "." in s else s


def _text(value: object, name: str, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a str, got {type(value).__name__}: {value!r}")
    text = value.strip()
    if required and not text:
        raise ValueError(f"{name} must be non-empty text, got {value!r}")
    if text.count("$") % 2:
        raise ValueError(f"{name} has an unmatched '$' (inline math is $...$): {value!r}")
    if text.count("`") % 2:
        raise ValueError(f"{name} has an unmatched '`' (code is `...`): {value!r}")
    return text


def option(text: str, *, correct: bool = False, why: str) -> Option:
    """An option; ``why`` says why it is right, or which misconception it encodes."""
    if not isinstance(correct, bool):
        raise ValueError(f"correct must be True or False, got {correct!r}")
    return Option(_text(text, "option text"), correct, _text(why, "option why"))


def _key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(
            f"key must be a lower-case slug such as 'tv-factor' (letters, digits, '-'), got {key!r}"
        )
    return key


def _options(options: object, key: str) -> tuple[Option, ...]:
    if isinstance(options, (str, bytes)) or not isinstance(options, Sequence):
        raise ValueError(f"options of {key!r} must be a list of option(...), got {options!r}")
    opts = tuple(options)
    if not 2 <= len(opts) <= 6:
        raise ValueError(f"options of {key!r} must be 2 to 6 options, got {len(opts)}")
    bad = [o for o in opts if not isinstance(o, Option)]
    if bad:
        raise ValueError(f"options of {key!r} must be made with option(...), got {bad[0]!r}")
    n_correct = sum(o.correct for o in opts)
    if n_correct != 1:
        raise ValueError(
            f"options of {key!r} must have exactly one correct option, got {n_correct}"
        )
    texts = [o.text for o in opts]
    if len(set(texts)) != len(texts):
        raise ValueError(f"options of {key!r} must differ from each other, got {texts}")
    return opts


def choice(key: str, prompt: str, *, section: str, options: Sequence[Option]) -> Question:
    """A multiple-choice question: exactly one of ``options`` is correct."""
    k = _key(key)
    prompt, section = _text(prompt, "prompt"), _text(section, "section")
    return Question("choice", k, prompt, section, options=_options(options, k))


def predict(
    key: str, prompt: str, *, section: str, control: str, options: Sequence[Option]
) -> Question:
    """A multiple-choice prediction of what moving ``control`` (the label of a control of
    the chapter's interactive figure) will do; the reader then moves it to check."""
    k = _key(key)
    return Question(
        "predict",
        k,
        _text(prompt, "prompt"),
        _text(section, "section"),
        options=_options(options, k),
        control=_text(control, "control"),
    )


def _decimals(tolerance: float) -> int:
    """One decimal place finer than the tolerance's first significant digit."""
    return min(_MAX_DECIMALS, max(0, math.ceil(-math.log10(tolerance) - 1e-9) + 1))


def numeric(
    key: str,
    prompt: str,
    *,
    section: str,
    answer: float,
    tolerance: float,
    why: str,
    hint: str = "",
) -> Question:
    """A question whose answer is a number: a typed number within ``tolerance`` of
    ``answer`` is right. ``answer`` is stored rounded to one place finer than the tolerance
    (``tolerance=0.002`` stores 4 decimals), which must leave the tolerance intact."""
    k = _key(key)
    for name, value in (("answer", answer), ("tolerance", tolerance)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} of {k!r} must be a real number, got {value!r}")
        if not math.isfinite(float(value)):
            raise ValueError(f"{name} of {k!r} must be finite, got {value!r}")
    tol = float(tolerance)
    if tol <= 0:
        raise ValueError(f"tolerance of {k!r} must be > 0, got {tolerance!r}")
    if tol < 10.0 ** (1 - _MAX_DECIMALS):
        raise ValueError(f"tolerance of {k!r} must be >= 1e-{_MAX_DECIMALS - 1}, got {tolerance!r}")
    decimals = _decimals(tol)
    stored = round(float(answer), decimals) + 0.0  # no "-0.0"
    return Question(
        "numeric",
        k,
        _text(prompt, "prompt"),
        _text(section, "section"),
        why=_text(why, "why"),
        hint=_text(hint, "hint", required=False),
        answer=stored,
        tolerance=round(tol, decimals + 2),
        decimals=decimals,
    )


def section_id(title: str) -> str:
    """The id Sphinx (docutils' ``make_id``) gives a section with this heading text."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return re.sub(r"^[^a-z]+", "", slug) or "section"


def _slide_number(slide: object) -> int:
    if not isinstance(slide, str) or not _SLIDE.fullmatch(slide):
        raise ValueError(f"slide must be 'S<n>' such as 'S3', got {slide!r}")
    return int(slide[1:])


class Quiz:
    """A chapter's "Check yourself" questions, numbered ``<chapter>.1``, ``<chapter>.2``...

    Displaying it (the last expression of a notebook cell) shows the quiz as HTML; the
    ``text/plain`` form lists the questions for a reader without HTML.
    """

    def __init__(self, slide: str, questions: Sequence[Question]) -> None:
        self.chapter = _slide_number(slide)
        self.slide = slide
        if isinstance(questions, (str, bytes)) or not isinstance(questions, Sequence):
            raise ValueError(f"questions must be a list of questions, got {questions!r}")
        qs = tuple(questions)
        if not qs:
            raise ValueError("questions must hold at least one question, got none")
        bad = [q for q in qs if not isinstance(q, Question)]
        if bad:
            raise ValueError(f"questions must be made with choice/numeric/predict, got {bad[0]!r}")
        keys = [q.key for q in qs]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"question keys must be unique in a chapter, got repeated {dup}")
        self.questions = qs

    def number(self, i: int) -> str:
        """The number the reader sees for question ``i`` (from 0): ``"3.2"``."""
        return f"{self.chapter}.{i + 1}"

    def element_id(self, question: Question) -> str:
        """The HTML id of a question's block (``pgq-s3-<key>``)."""
        return f"pgq-s{self.chapter}-{question.key}"

    def to_data(self) -> dict[str, Any]:
        """The quiz as JSON-ready data (what the answers appendix is built from)."""
        qs = []
        for i, q in enumerate(self.questions):
            d: dict[str, Any] = {
                "key": q.key,
                "id": self.element_id(q),
                "number": self.number(i),
                "kind": q.kind,
                "prompt": q.prompt,
                "section": q.section,
                "section_id": section_id(q.section),
            }
            if q.kind == "numeric":
                d.update(
                    answer=q.answer_text(),
                    tolerance=q.tolerance_text(),
                    why=q.why,
                    hint=q.hint,
                )
            else:
                d["options"] = [
                    {"text": o.text, "correct": o.correct, "why": o.why} for o in q.options
                ]
                if q.kind == "predict":
                    d["control"] = q.control
            qs.append(d)
        return {"slide": self.slide, "chapter": self.chapter, "questions": qs}

    def to_html(self) -> str:
        return _html(self)

    def to_text(self) -> str:
        lines = [f"Check yourself: {len(self.questions)} questions"]
        for i, q in enumerate(self.questions):
            lines.append(f"Question {self.number(i)} ({q.section}): {q.prompt}")
            for j, o in enumerate(q.options):
                lines.append(f"  ({chr(97 + j)}) {o.text}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Quiz({self.slide!r}, {len(self.questions)} questions)"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/html": self.to_html(), "text/plain": self.to_text()}


@functools.cache
def _asset(name: str) -> str:
    return resources.files("pgtheory.viz").joinpath("_static", name).read_text(encoding="utf-8")


def markup_html(text: str) -> str:
    """The quiz markup as HTML: ``$x$`` -> ``\\(x\\)`` (MathJax), code between single
    backquotes -> ``<code>``, ``**x**`` -> ``<strong>``; everything else escaped."""
    out = []
    for piece in _PIECES.split(text):
        if not piece:
            continue
        if piece.startswith("$"):
            out.append(r"\(" + html.escape(piece[1:-1], quote=False) + r"\)")
        elif piece.startswith("`"):
            out.append(f"<code>{html.escape(piece[1:-1], quote=False)}</code>")
        else:
            out.append(_BOLD.sub(r"<strong>\1</strong>", html.escape(piece, quote=False)))
    return "".join(out)


def _section_link(q: Question) -> str:
    e = html.escape
    return (
        f'<p class="pgq-section">Checks <a href="#{section_id(q.section)}" '
        f'data-heading="{e(q.section)}">{e(q.section)}</a></p>'
    )


def _choice_html(quiz: Quiz, i: int, q: Question) -> str:
    qid = quiz.element_id(q)
    rows = []
    for j, o in enumerate(q.options):
        oid = f"{qid}-{j}"
        rows.append(
            f'<div class="pgq-option"><input type="radio" name="{qid}" id="{oid}" value="{j}">'
            f'<label for="{oid}"><span class="pgq-letter">({chr(97 + j)})</span> '
            f"{markup_html(o.text)}</label>"
            f'<div class="pgq-why" hidden>{markup_html(o.why)}</div></div>'
        )
    extra = (
        '<p class="pgq-predict-note">Predict first, then move '
        f"<strong>{html.escape(q.control)}</strong> in the figure to check.</p>"
        if q.kind == "predict"
        else ""
    )
    return (
        f'<fieldset class="pgq-q pgq-{q.kind}" id="{qid}" data-correct="{q.correct_index}">'
        f'<legend><span class="pgq-num">Question {quiz.number(i)}.</span> {markup_html(q.prompt)}'
        "</legend>"
        f"{_section_link(q)}{extra}"
        f'<div class="pgq-options">{"".join(rows)}</div>'
        '<p class="pgq-actions"><button type="button" class="pgq-check">Check</button></p>'
        '<div class="pgq-feedback" role="status" aria-live="polite"></div>'
        "</fieldset>"
    )


def _numeric_html(quiz: Quiz, i: int, q: Question) -> str:
    qid = quiz.element_id(q)
    hint = f'<div class="pgq-hint" hidden>{markup_html(q.hint)}</div>' if q.hint else ""
    return (
        f'<fieldset class="pgq-q pgq-numeric" id="{qid}" data-answer="{q.answer_text()}" '
        f'data-tolerance="{q.tolerance_text()}">'
        f'<legend><span class="pgq-num">Question {quiz.number(i)}.</span> '
        f"{markup_html(q.prompt)}</legend>"
        f"{_section_link(q)}"
        f'<p class="pgq-actions"><label for="{qid}-input">Your answer</label> '
        f'<input type="text" id="{qid}-input" inputmode="decimal" autocomplete="off" '
        'spellcheck="false" size="10"> '
        '<button type="button" class="pgq-check">Check</button> '
        '<button type="button" class="pgq-reveal">Show the answer</button></p>'
        f'<div class="pgq-why" hidden>{markup_html(q.why)}</div>{hint}'
        '<div class="pgq-feedback" role="status" aria-live="polite"></div>'
        "</fieldset>"
    )


def _html(quiz: Quiz) -> str:
    body = "".join(
        _numeric_html(quiz, i, q) if q.kind == "numeric" else _choice_html(quiz, i, q)
        for i, q in enumerate(quiz.questions)
    )
    payload = json.dumps(quiz.to_data(), ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("</", "<\\/")
    return (
        f'<div class="pgq mathjax_process" data-chapter="{quiz.chapter}">'
        f"<style>{_asset('quiz.css')}</style>"
        f"{body}"
        '<p class="pgq-print-note">The answers, with why each option is right or wrong, are in '
        "the appendix “Answers to Check yourself”.</p>"
        f'<script type="application/json" class="pgq-data">{payload}</script>'
        f"<script>{_asset('quiz.js')}</script>"
        "</div>"
    )
