"""pgtheory.viz.quiz: questions are validated, rounded and rendered as the browser needs them.

What the reader's browser does with the HTML (feedback, keyboard, tolerance) is tested in
tests/browser/test_quiz.py; what the chapters ask, in tests/test_quizzes.py.
"""

from __future__ import annotations

import json
import re

import pytest
from docutils.nodes import make_id
from hypothesis import given
from hypothesis import strategies as st

from pgtheory.viz.quiz import Quiz, choice, markup_html, numeric, option, predict, section_id


def _options(n: int = 3, right: int = 1) -> list:
    return [option(f"option {i}", correct=(i == right), why=f"why {i}") for i in range(n)]


def _quiz() -> Quiz:
    return Quiz(
        "S7",
        [
            choice("first", r"Is $a < b$ & true?", section="The claim", options=_options()),
            numeric(
                "gap",
                "Give 3 decimals.",
                section="The numbers",
                answer=0.123456,
                tolerance=0.002,
                why="because",
                hint="look",
            ),
            predict(
                "slide-eps",
                r"Move $\varepsilon$.",
                section="Try it",
                control="ε",
                options=_options(4, right=3),
            ),
        ],
    )


def test_numbering_ids_and_data():
    quiz = _quiz()
    data = quiz.to_data()
    assert data["slide"] == "S7" and data["chapter"] == 7
    assert [q["number"] for q in data["questions"]] == ["7.1", "7.2", "7.3"]
    assert [q["id"] for q in data["questions"]] == [
        "pgq-s7-first",
        "pgq-s7-gap",
        "pgq-s7-slide-eps",
    ]
    gap = data["questions"][1]
    assert (gap["answer"], gap["tolerance"]) == ("0.1235", "0.002")
    assert data["questions"][2]["control"] == "ε"
    assert [o["correct"] for o in data["questions"][2]["options"]] == [False, False, False, True]


def test_html_holds_what_the_script_reads():
    quiz = _quiz()
    page = quiz.to_html()
    # One fieldset per question, in order, with the right option's index / the answer.
    sets = re.findall(r'<fieldset class="pgq-q pgq-(\w+)" id="([^"]+)"([^>]*)>', page)
    assert [(k, i) for k, i, _ in sets] == [
        ("choice", "pgq-s7-first"),
        ("numeric", "pgq-s7-gap"),
        ("predict", "pgq-s7-slide-eps"),
    ]
    assert 'data-correct="1"' in sets[0][2] and 'data-correct="3"' in sets[2][2]
    assert 'data-answer="0.1235"' in sets[1][2] and 'data-tolerance="0.002"' in sets[1][2]
    # Radios share a name per question, each with its label.
    for qid, n in (("pgq-s7-first", 3), ("pgq-s7-slide-eps", 4)):
        radios = re.findall(rf'<input type="radio" name="{qid}" id="({qid}-\d)"', page)
        assert radios == [f"{qid}-{j}" for j in range(n)]
        for r in radios:
            assert f'<label for="{r}">' in page
    assert '<label for="pgq-s7-gap-input">Your answer</label>' in page
    assert page.count('role="status" aria-live="polite"') == 3
    # Links to the sections by Sphinx's id, with the heading text for JupyterLab.
    assert '<a href="#the-numbers" data-heading="The numbers">' in page
    assert "mathjax_process" in page  # the book's MathJax skips outputs without it
    # The JSON copy parses back to the data.
    payload = re.search(r'class="pgq-data">(.*?)</script>', page, re.DOTALL).group(1)
    assert json.loads(payload) == quiz.to_data()
    # Prompt text is escaped, math kept for MathJax.
    assert r"Is \(a &lt; b\) &amp; true?" in page


def test_rendering_is_deterministic():
    assert _quiz().to_html() == _quiz().to_html()
    bundle = _quiz()._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert "Question 7.2 (The numbers): Give 3 decimals." in bundle["text/plain"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"$x_1 < y$ then", r"\(x_1 &lt; y\) then"),
        ("`pg.tv(p, q)` is **half**", "<code>pg.tv(p, q)</code> is <strong>half</strong>"),
        ("a <b> & c", "a &lt;b&gt; &amp; c"),
        ("$a$ and $b$", r"\(a\) and \(b\)"),
    ],
)
def test_markup(text, expected):
    assert markup_html(text) == expected


@pytest.mark.parametrize(
    ("tolerance", "answer", "stored", "decimals"),
    [
        (0.002, 0.123456, 0.1235, 4),
        (0.01, 0.123456, 0.123, 3),
        (0.05, -1.23456, -1.235, 3),
        (0.5, 12.345, 12.35, 2),
        (1e-4, 0.0000049, 0.0, 5),
        (3.0, 41.26, 41.3, 1),
    ],
)
def test_answers_are_rounded_one_place_finer_than_the_tolerance(
    tolerance, answer, stored, decimals
):
    q = numeric("x", "p", section="s", answer=answer, tolerance=tolerance, why="w")
    assert q.decimals == decimals
    assert q.answer == pytest.approx(stored, abs=1e-15)
    assert q.answer_text() == f"{stored:.{decimals}f}"
    assert "-0" not in q.answer_text() or stored < 0


@given(
    answer=st.floats(-1e6, 1e6, allow_nan=False),
    tolerance=st.floats(1e-9, 1e3, allow_nan=False),
)
def test_rounding_never_eats_the_tolerance(answer, tolerance):
    """The exact answer is always accepted: rounding moves it by at most a tenth of the
    tolerance."""
    q = numeric("x", "p", section="s", answer=answer, tolerance=tolerance, why="w")
    assert abs(float(q.answer_text()) - answer) <= 0.1 * tolerance + 1e-9 * abs(answer)
    assert float(q.tolerance_text()) == pytest.approx(tolerance, rel=0.01)


@pytest.mark.parametrize(
    "title",
    [
        "The claim",
        '"Seem familiar?" Compounding errors',
        "Where the slide is imprecise",
        "Soft steps with exact advantages never go down",
        "The claim and its proof",
        "CartPole-v1",
        "Looking ahead",
    ],
)
def test_section_id_is_the_id_docutils_gives(title):
    assert section_id(title) == make_id(title)


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_bad_input_is_a_clear_value_error():
    opts = _options()
    assert "exactly one correct option, got 0" in _error(
        choice, "k", "p", section="s", options=[option("a", why="w"), option("b", why="w")]
    )
    assert "exactly one correct option, got 2" in _error(
        choice,
        "k",
        "p",
        section="s",
        options=[option("a", correct=True, why="w"), option("b", correct=True, why="w")],
    )
    assert "2 to 6 options, got 1" in _error(choice, "k", "p", section="s", options=opts[1:2])
    assert "must differ" in _error(
        choice,
        "k",
        "p",
        section="s",
        options=[option("a", correct=True, why="w"), option("a", why="v")],
    )
    assert "key must be a lower-case slug" in _error(
        choice, "Bad Key", "p", section="s", options=opts
    )
    assert "prompt must be non-empty" in _error(choice, "k", "  ", section="s", options=opts)
    assert "unmatched '$'" in _error(choice, "k", "cost $5", section="s", options=opts)
    assert "unmatched '`'" in _error(option, "`x", why="w")
    assert "option why must be non-empty" in _error(option, "x", why="")
    assert "correct must be True or False" in _error(option, "x", correct=1, why="w")
    kw = {"section": "s", "why": "w"}
    assert "tolerance of 'k' must be > 0, got 0" in _error(
        numeric, "k", "p", answer=1.0, tolerance=0, **kw
    )
    assert "answer of 'k' must be finite, got nan" in _error(
        numeric, "k", "p", answer=float("nan"), tolerance=0.1, **kw
    )
    assert "answer of 'k' must be a real number, got '1'" in _error(
        numeric, "k", "p", answer="1", tolerance=0.1, **kw
    )
    assert "tolerance of 'k' must be >= 1e-11" in _error(
        numeric, "k", "p", answer=1.0, tolerance=1e-13, **kw
    )
    q = choice("k", "p", section="s", options=opts)
    assert "slide must be 'S<n>'" in _error(Quiz, "3", [q])
    assert "at least one question" in _error(Quiz, "S3", [])
    assert "repeated ['k']" in _error(Quiz, "S3", [q, q])
    assert "made with choice/numeric/predict" in _error(Quiz, "S3", [q, "x"])


def test_text_in_attributes_is_escaped():
    quiz = Quiz(
        "S1",
        [
            predict(
                "k", "p", section='A "quoted" <heading>', control='<b>"x"</b>', options=_options()
            )
        ],
    )
    page = quiz.to_html()
    assert 'data-heading="A &quot;quoted&quot; &lt;heading&gt;"' in page
    assert "<strong>&lt;b&gt;&quot;x&quot;&lt;/b&gt;</strong>" in page
