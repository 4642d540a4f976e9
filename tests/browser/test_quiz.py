"""Every chapter's "Check yourself" quiz works for a reader with a keyboard only, offline.

Each chapter page of the manifest is loaded (no network: every request off the machine is
blocked), alternately as a phone reader (400 px) in the light theme and as a desktop reader
(1280 px) in the dark theme.
Once MathJax has typeset the page, every question of the quiz is answered with the
keyboard only, starting from the question's "Checks <section>" link (the one element
focused by the test; every later move is a key press, and the element focused after each
move is checked):

- multiple choice and "predict": Tab into the options, arrow keys (or Space) to a wrong
  option, Tab to "Check", Enter: the live region says "Not quite." with that option's own
  explanation and the option is marked wrong; back with Shift+Tab, arrows to the right
  option, Tab, Enter: "Correct." with its explanation, marked right;
- numeric: Tab into the field, type a number inside the stored tolerance of the stored
  answer, Enter: "Correct."; a number outside it (1.5 tolerances away): "Not quite."; a
  word: asked for a number; Tab to "Check", Enter, Tab to "Show the answer", Enter: the
  answer is shown;
- the link's target is a section of the page (the one the question names).

Then axe-core (WCAG 2.0/2.1 A and AA) audits the quiz, with its feedback and marks showing,
and finds nothing. Screenshots of each quiz go to the test artifacts.

``test_the_checks_fail_on_a_broken_quiz`` runs the same checks on S3 served without the
quiz's script, and with a tolerance of zero in the page, and shows each is reported.
"""

from __future__ import annotations

import json
import re

import chapters
import pytest
from browser_support import ARTIFACTS, OfflineGuard
from conftest import DESKTOP, PHONE, BookVisitor, reader_context
from pgtheory_quiz import plain_pieces
from test_accessibility import WCAG_TAGS, axe_script

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHAPTERS = chapters.load()
VIEWS = [(PHONE, "light"), (DESKTOP, "dark")]
SHOTS = ARTIFACTS / "screenshots" / "quiz"
#: At most this many formulas between two of a question's controls (Tab stops on the way).
MAX_FORMULA_STOPS = 20

_ACTIVE_JS = """
() => {
  const el = document.activeElement;
  if (!el) return '';
  if (el.matches('input[type=radio]')) return 'radio:' + el.value + (el.checked ? ':checked' : '');
  if (el.matches('input')) return 'input';
  if (el.matches('button')) return 'button:' + el.textContent.trim();
  return el.tagName.toLowerCase();
}
"""
_TEXT_JS = "(el) => el.textContent.replace(/\\s+/g, ' ').trim()"
_AXE_QUIZ_JS = """
async (tags) => {
  const result = await axe.run({include: [['.pgq']]}, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return result.violations.map((v) => v.id + ': ' + v.help + ' @ '
    + v.nodes.map((n) => n.target.map(String).join(' ')).slice(0, 3).join(', '));
}
"""


def plain_quotes(text: str) -> str:
    """Straight quotes for the typographic ones Sphinx sets in headings."""
    return text.translate(str.maketrans("\u201c\u201d\u2018\u2019", "\"\"''"))


def says(feedback: str, markup: str) -> bool:
    return all(p in feedback for p in plain_pieces(markup))


def answer_all(reader: Reader, *, links: bool = True) -> dict | None:
    """Answer every question of the page's quiz with the keyboard (problems go to
    ``reader``); the quiz's data, None if its script did not run."""
    page = reader.page
    quiz = json.loads(page.eval_on_selector("script.pgq-data", "(s) => s.textContent"))
    if not page.eval_on_selector(".pgq", "(el) => el.classList.contains('pgq-live')"):
        reader.fail("the quiz's script did not run (no Check buttons)")
        return None
    raw = page.eval_on_selector(".pgq", "(el) => el.innerText")
    if re.search(r"\\\(|\\\)|\$", raw):
        reader.fail(f"untypeset math in the quiz: {raw[:200]!r}")
    for q in quiz["questions"]:
        if links:
            reader.check_link(q)
        if q["kind"] == "numeric":
            reader.answer_numeric(q)
        else:
            reader.answer_choice(q)
    shown = page.eval_on_selector(".pgq", "(el) => el.innerText")
    if re.search(r"\\\(|\\\)|\$", shown):
        reader.fail(f"untypeset math in the feedback: {shown[:200]!r}")
    return quiz


class Reader:
    """One chapter page in one view, answered with the keyboard; problems are collected."""

    def __init__(self, page, label: str) -> None:
        self.page = page
        self.label = label
        self.problems: list[str] = []

    def fail(self, text: str) -> None:
        self.problems.append(f"{self.label}: {text}")

    def active(self) -> str:
        return self.page.evaluate(_ACTIVE_JS)

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)

    def tab_to(self, want: str, step: str, key: str = "Tab") -> bool:
        """Press ``key`` until the focus leaves the formulas on the way (MathJax makes each
        formula a Tab stop), then expect it on ``want``."""
        self.press(key)
        for _ in range(MAX_FORMULA_STOPS):
            if self.active() != "mjx-container":
                break
            self.press(key)
        return self.expect_focus(want, step)

    def expect_focus(self, want: str, step: str) -> bool:
        got = self.active()
        if got != want:
            self.fail(f"{step}: focus is on {got!r}, expected {want!r}")
            return False
        return True

    def text(self, selector: str) -> str:
        return self.page.eval_on_selector(selector, _TEXT_JS)

    def feedback(self, qid: str) -> str:
        return self.text(f"#{qid} .pgq-feedback")

    def start(self, qid: str) -> None:
        """Focus the question's section link: the one focus the test sets itself."""
        self.page.focus(f"#{qid} .pgq-section a")

    def choose(self, qid: str, current: int, target: int) -> None:
        """In the radio group (focus on option ``current``), move to ``target`` and check it."""
        if target == current:
            self.press("Space")
        elif target > current:
            self.press("ArrowDown", target - current)
        else:
            self.press("ArrowUp", current - target)

    def answer_choice(self, q: dict) -> None:
        qid, options = q["id"], q["options"]
        right = next(i for i, o in enumerate(options) if o["correct"])
        wrong = next(i for i, o in enumerate(options) if not o["correct"])
        self.start(qid)
        self.press("Tab")
        if not self.expect_focus("radio:0", f"{q['number']} Tab from the link"):
            return
        self.choose(qid, 0, wrong)
        if not self.tab_to("button:Check", f"{q['number']} Tab from the options"):
            return
        self.press("Enter")
        said = self.feedback(qid)
        if not said.startswith("Not quite.") or not says(said, options[wrong]["why"]):
            self.fail(f"{q['number']}: wrong option {wrong} gave {said[:160]!r}")
        if not self.page.is_visible(f"#{qid} .pgq-option.pgq-wrong #{qid}-{wrong}"):
            self.fail(f"{q['number']}: the wrong option is not marked")
        back = f"{q['number']} Shift+Tab back"
        if not self.tab_to(f"radio:{wrong}:checked", back, key="Shift+Tab"):
            return
        self.choose(qid, wrong, right)
        if not self.tab_to("button:Check", f"{q['number']} Tab from the options again"):
            return
        self.press("Enter")
        said = self.feedback(qid)
        if not said.startswith("Correct.") or not says(said, options[right]["why"]):
            self.fail(f"{q['number']}: right option {right} gave {said[:160]!r}")
        marked = self.page.eval_on_selector_all(
            f"#{qid} .pgq-option", "(els) => els.map((e) => e.className)"
        )
        if "pgq-right" not in marked[right] or any("pgq-wrong" in m for m in marked):
            self.fail(f"{q['number']}: marks after the right answer: {marked}")

    def type_answer(self, qid: str, text: str) -> str:
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Backspace")
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        return self.feedback(qid)

    def answer_numeric(self, q: dict) -> None:
        qid = q["id"]
        answer, tol = float(q["answer"]), float(q["tolerance"])
        places = len(q["answer"].split(".")[1]) + 2 if "." in q["answer"] else 2
        self.start(qid)
        self.press("Tab")
        if not self.expect_focus("input", f"{q['number']} Tab from the link"):
            return
        inside = f"{answer + 0.9 * tol:.{places}f}"
        outside = f"{answer - 1.5 * tol:.{places}f}"
        said = self.type_answer(qid, inside)
        if not said.startswith("Correct.") or q["answer"] not in said or not says(said, q["why"]):
            self.fail(
                f"{q['number']}: {inside} (answer {q['answer']} ± {q['tolerance']}) gave {said!r}"
            )
        said = self.type_answer(qid, outside)
        if not said.startswith("Not quite."):
            self.fail(
                f"{q['number']}: {outside} (answer {q['answer']} ± {q['tolerance']}) gave {said!r}"
            )
        said = self.type_answer(qid, "half")
        if not said.startswith("Type a number"):
            self.fail(f"{q['number']}: a word gave {said!r}")
        self.press("Tab")
        if not self.expect_focus("button:Check", f"{q['number']} Tab from the field"):
            return
        self.press("Enter")
        if not self.feedback(qid).startswith("Type a number"):
            self.fail(f"{q['number']}: the Check button did not check the field")
        self.press("Tab")
        if not self.expect_focus("button:Show the answer", f"{q['number']} Tab from Check"):
            return
        self.press("Enter")
        said = self.feedback(qid)
        if not said.startswith(f"Answer: {q['answer']}.") or not says(said, q["why"]):
            self.fail(f"{q['number']}: Show the answer gave {said!r}")

    def check_link(self, q: dict) -> None:
        target = self.page.eval_on_selector(
            f"#{q['id']} .pgq-section a",
            """(a) => {
              const el = document.getElementById(a.getAttribute('href').slice(1));
              if (!el) return null;
              const h = el.querySelector('h1, h2, h3');
              return h ? h.textContent.replace(/[#\\u00b6]/g, '').replace(/\\s+/g, ' ').trim() : '';
            }""",
        )
        if target is None or not plain_quotes(target).endswith(plain_quotes(q["section"])):
            self.fail(f"{q['number']}: link to {q['section']!r} leads to {target!r}")


def answer_quiz(browser, base_url: str, rel_path: str, width: int, scheme: str, *, edit=None):
    """Load a chapter page, answer its whole quiz with the keyboard, audit the quiz with
    axe-core; ``(problems, quiz data)``. ``edit`` changes the served page (negative tests)."""
    guard = OfflineGuard()
    context = reader_context(browser, width, scheme, guard)
    if edit is not None:

        def change(route) -> None:
            response = route.fetch()
            route.fulfill(response=response, body=edit(response.text()))

        context.route(f"**/{rel_path}", change)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    label = f"{rel_path} at {width} px, {scheme}"
    reader = Reader(page, label)
    try:
        page.goto(base_url + rel_path, wait_until="load")
        problem = BookVisitor._wait_for_mathjax(page)
        if problem:
            reader.fail(problem)
        quiz = answer_all(reader)
        if quiz is None or reader.problems:
            return reader.problems, quiz
        page.add_script_tag(path=str(axe_script()))
        for violation in page.evaluate(_AXE_QUIZ_JS, list(WCAG_TAGS)):
            reader.fail(f"axe-core: {violation}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = rel_path.rsplit("/", 1)[-1].removesuffix(".html")
        page.locator(".pgq").screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"))
        if errors:
            reader.fail(f"page errors: {errors}")
        if guard.blocked:
            reader.fail(f"requests off the machine: {guard.blocked}")
        return reader.problems, quiz
    finally:
        context.close()


#: Each chapter in one view, the views alternating through the book (a quiz's HTML, script
#: and styles are the same in every chapter; test_accessibility.py audits every page, quiz
#: included, in all four views).
CASES = [(c, *VIEWS[k % len(VIEWS)]) for k, c in enumerate(CHAPTERS)]


@pytest.mark.parametrize(
    ("chapter", "width", "scheme"), CASES, ids=[f"{c.slide}-{w}px-{s}" for c, w, s in CASES]
)
def test_the_quiz_answers_a_keyboard(book, chapter, width: int, scheme: str) -> None:
    problems, quiz = answer_quiz(book.browser, book.base_url, chapter.html, width, scheme)
    assert problems == [], "\n".join(problems)
    assert quiz["slide"] == chapter.slide
    assert len(quiz["questions"]) >= 4


def test_the_checks_fail_on_a_broken_quiz(book) -> None:
    s3 = chapters.by_slide("S3", CHAPTERS).html

    def no_script(html: str) -> str:
        out = re.sub(
            r"<script>/\* pgtheory \"Check yourself\" quiz.*?</script>", "", html, flags=re.S
        )
        assert out != html
        return out

    def zero_tolerance(html: str) -> str:
        out = re.sub(r'data-tolerance="[^"]+"', 'data-tolerance="0"', html)
        assert out != html
        return out

    def swapped_explanations(html: str) -> str:
        # Every option's explanation replaced by its question's first one.
        def first_why(match: re.Match[str]) -> str:
            whys = re.findall(r'<div class="pgq-why" hidden>.*?</div>', match.group(0), re.S)
            return re.sub(
                r'<div class="pgq-why" hidden>.*?</div>',
                lambda _: whys[0],
                match.group(0),
                flags=re.S,
            )

        out = re.sub(
            r'<fieldset class="pgq-q pgq-(?:choice|predict)".*?</fieldset>',
            first_why,
            html,
            flags=re.S,
        )
        assert out != html
        return out

    found = {}
    for name, edit in [
        ("no_script", no_script),
        ("zero_tolerance", zero_tolerance),
        ("swapped", swapped_explanations),
    ]:
        found[name], _ = answer_quiz(book.browser, book.base_url, s3, DESKTOP, "light", edit=edit)
    assert any("script did not run" in p for p in found["no_script"]), found["no_script"]
    assert any("gave 'Not quite." in p and "± 0" in p for p in found["zero_tolerance"]), found[
        "zero_tolerance"
    ]
    assert any("wrong option" in p or "right option" in p for p in found["swapped"]), found[
        "swapped"
    ]
