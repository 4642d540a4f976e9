"""Every chapter in JupyterLab reads as it does in the book (issue #20).

The Binder path of ``conftest.py`` (``requirements.txt`` in a fresh venv, then
``postBuild``, which writes each chapter's readers' copy, ``tools/readers_copy.py``) and one
JupyterLab server for the whole module. Each chapter of the manifest is opened once in
chromium (offline), and these are checked on what the page shows:

- no MyST markup as text in the rendered markdown (roles, ``{glue``, ``:::{``, ``{prf:``,
  ``(label)=``): jupyterlab-myst renders the directives, the copy the roles;
- every number of the prose is there, in order, equal to the book's: the committed
  chapter's glue records, formatted by myst-nb's own function;
- the cells the book hides are collapsed (the model's flag and the page's placeholder);
- the tab is not marked modified once the kernel is up;
- before it runs, the interactive cell's stored figure says "Run this cell for live
  controls" and nothing about Binder;
- after its imports cell and its interactive cell run, moving the first slider changes the
  figure's image. S2 is instead run with Run > Run All Cells, and its numbers checked again
  after the run (``test_binder_path.py`` runs all of S7 on the same server).

Each check is shown to fail on a chapter with the defect: the committed chapter as it is
(unconverted), a readers' copy with one number changed or without its collapse metadata, a
JupyterLab without jupyterlab-myst, a figure whose kernel is gone.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import chapters
import pytest
from binder import BinderEnv, LabServer
from browser_support import ARTIFACTS, LOAD_TIMEOUT_MS, REPO_ROOT
from jupyterlab_reader import (
    LabView,
    book_numbers,
    change_one_number,
    check_collapsed,
    check_no_raw_markup,
    check_not_modified,
    check_numbers,
    check_static_figure,
    hidden_in_book,
    interactive_cell_id,
    move_slider,
    open_chapter,
    read_notebook,
    read_view,
    run_all,
    run_cells,
)
from readers_copy import RUN_NOTE
from test_quiz import Reader, answer_all

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHAPTERS = chapters.load()
#: The chapter run with Run All Cells (cheap: about 5 s of kernel time).
RUN_ALL = "S2"
#: Hang guard only (a healthy chapter opens in seconds).
TIMEOUT_MS = LOAD_TIMEOUT_MS
#: How long the dead-kernel figure is given to change (it never does; a guard, not a time).
DEAD_KERNEL_WAIT_MS = 15_000
SHOTS = ARTIFACTS / "screenshots"
#: Hang guard for the quiz's math (typeset within a second or two of opening).
QUIZ_TIMEOUT_MS = 30_000


@dataclass
class Visit:
    """What one chapter showed: before running anything, and after running its figure."""

    before: LabView
    after: LabView
    slider: tuple[str, str, str, str]
    quiz_problems: list[str]
    page_errors: list[str]
    blocked: list[str]


def _book(chapter: chapters.Chapter) -> dict:
    return read_notebook(REPO_ROOT / chapter.file)


def answer_quiz_in_lab(page, name: str) -> list[str]:
    """Answer the open chapter's quiz with the keyboard (``test_quiz.answer_all``; its
    section links are the book's ids, which JupyterLab's headings do not have)."""
    try:
        page.wait_for_function(
            "() => { const q = document.querySelector('.jp-Notebook .pgq');"
            " return q && !/\\\\\\(/.test(q.innerText); }",
            timeout=QUIZ_TIMEOUT_MS,
        )
    except Exception as exc:  # Playwright's TimeoutError
        return [f"{name}: no quiz with typeset math in JupyterLab ({str(exc).splitlines()[0]})"]
    reader = Reader(page, f"{name} in JupyterLab")
    answer_all(reader, links=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".jp-Notebook .pgq").screenshot(path=str(SHOTS / f"jupyterlab_quiz_{name}.png"))
    return reader.problems


def _index_of(view: LabView, cell_id: str) -> int:
    return next(i for i, c in enumerate(view.cells) if c.id == cell_id)


class Visits:
    """Each chapter opened once (lazily), everything the tests check recorded."""

    def __init__(self, browser, server: LabServer) -> None:
        self.browser, self.server = browser, server
        self._cache: dict[str, Visit] = {}

    def __getitem__(self, chapter: chapters.Chapter) -> Visit:
        if chapter.slide not in self._cache:
            self._cache[chapter.slide] = self._visit(chapter)
        return self._cache[chapter.slide]

    def _visit(self, chapter: chapters.Chapter) -> Visit:
        opened = open_chapter(self.browser, self.server, chapter.path.name, timeout_ms=TIMEOUT_MS)
        page = opened.page
        try:
            before = read_view(page)
            quiz_problems = answer_quiz_in_lab(page, chapter.path.name)
            figure = _index_of(before, interactive_cell_id(_book(chapter)))
            if chapter.slide == RUN_ALL:
                run_all(page, self.server, TIMEOUT_MS)
            else:
                first_code = next(i for i, c in enumerate(before.cells) if c.type == "code")
                run_cells(page, self.server, [first_code, figure], TIMEOUT_MS)
            slider = move_slider(page, figure, timeout_ms=TIMEOUT_MS)
            after = read_view(page)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"jupyterlab_{chapter.path.stem}.png"))
        finally:
            opened.close()
        return Visit(
            before, after, slider, quiz_problems, opened.page_errors, list(opened.guard.blocked)
        )


@pytest.fixture(scope="module")
def visits(browser, lab_server: LabServer) -> Visits:
    return Visits(browser, lab_server)


@pytest.fixture(params=CHAPTERS, ids=[c.slide for c in CHAPTERS])
def chapter(request: pytest.FixtureRequest) -> chapters.Chapter:
    return request.param


def test_jupyterlab_myst_is_enabled_in_the_binder_environment(binder_env: BinderEnv) -> None:
    import subprocess

    proc = subprocess.run(
        [str(binder_env.bin / "jupyter"), "labextension", "list"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(binder_env.bin), "HOME": str(binder_env.root / "home")},
    )
    listing = proc.stdout + proc.stderr
    line = next((x for x in listing.splitlines() if "jupyterlab-myst" in x), "")
    assert "enabled" in line, listing


def test_postbuild_wrote_the_readers_copies(binder_env: BinderEnv, chapter) -> None:
    copy_nb = read_notebook(binder_env.repo / chapter.file)
    assert copy_nb["metadata"].get("pgtheory_readers_copy") is True
    assert "jupytext" not in copy_nb["metadata"]


def test_no_raw_markup(visits: Visits, chapter) -> None:
    visit = visits[chapter]
    assert not check_no_raw_markup(visit.before)
    assert not visit.page_errors, visit.page_errors
    assert not visit.blocked, visit.blocked


def test_every_number_equals_the_books(visits: Visits, chapter) -> None:
    numbers = book_numbers(_book(chapter))
    assert sum(len(v) for v in numbers.values()) > 0
    assert not check_numbers(visits[chapter].before, numbers)


def test_hidden_cells_are_collapsed(visits: Visits, chapter) -> None:
    hidden = hidden_in_book(_book(chapter))
    assert hidden, "the chapter hides no cell"
    assert not check_collapsed(visits[chapter].before, hidden)


def test_not_modified_on_opening(visits: Visits, chapter) -> None:
    assert not check_not_modified(visits[chapter].before)


def test_static_figure_says_run_the_cell(visits: Visits, chapter) -> None:
    cell_id = interactive_cell_id(_book(chapter))
    assert not check_static_figure(visits[chapter].before, cell_id, RUN_NOTE)


def test_the_quiz_works_before_anything_runs(visits: Visits, chapter) -> None:
    """The stored quiz (trusted by postBuild's ``jupyter trust``) runs its script on opening:
    every question answered with the keyboard gets its feedback, math typeset."""
    assert visits[chapter].quiz_problems == []


def test_live_figure_changes_its_image(visits: Visits, chapter) -> None:
    before_value, after_value, before_src, after_src = visits[chapter].slider
    assert after_value != before_value, (before_value, after_value)
    assert before_src.startswith("data:image/png") and after_src.startswith("data:image/png")
    assert after_src != before_src


def test_numbers_after_run_all(visits: Visits) -> None:
    chapter = chapters.by_slide(RUN_ALL)
    visit = visits[chapter]
    assert not check_numbers(visit.after, book_numbers(_book(chapter)))
    assert not check_no_raw_markup(visit.after)
    assert not any("Traceback" in c.outputs for c in visit.after.cells)


# --- each check fails on a chapter with the defect ------------------------------------------


NEGATIVE = chapters.by_slide("S2")


@pytest.fixture(scope="module")
def defective(binder_env: BinderEnv) -> Iterator[dict[str, str]]:
    """Defective chapters next to the readers' copies: {defect: notebook name}."""
    book_dir = binder_env.repo / "book"
    names = {
        "unconverted": "defect_unconverted.ipynb",
        "number": "defect_number.ipynb",
        "not_collapsed": "defect_not_collapsed.ipynb",
    }
    shutil.copyfile(REPO_ROOT / NEGATIVE.file, book_dir / names["unconverted"])
    readers = read_notebook(binder_env.repo / NEGATIVE.file)
    changed = copy.deepcopy(readers)
    change_one_number(changed, book_numbers(_book(NEGATIVE)))
    (book_dir / names["number"]).write_text(json.dumps(changed), encoding="utf-8")
    flat = copy.deepcopy(readers)
    for cell in flat["cells"]:
        cell["metadata"].pop("jupyter", None)
    (book_dir / names["not_collapsed"]).write_text(json.dumps(flat), encoding="utf-8")
    yield names
    for name in names.values():
        (book_dir / name).unlink(missing_ok=True)


def _view(browser, server: LabServer, name: str) -> LabView:
    opened = open_chapter(browser, server, name, timeout_ms=TIMEOUT_MS)
    try:
        return read_view(opened.page)
    finally:
        opened.close()


def test_checks_fail_on_the_unconverted_chapter(browser, lab_server, defective) -> None:
    view = _view(browser, lab_server, defective["unconverted"])
    book = _book(NEGATIVE)
    expected = book_numbers(book)
    numbers = check_numbers(view, expected)
    assert all("is not in the rendered text" in p for p in numbers), numbers
    # Most values are missing (a few short ones, such as "2", occur in the prose anyway).
    assert len(numbers) >= 0.8 * sum(len(v) for v in expected.values()), numbers
    # jupyterlab-myst shows an unknown role's text: the glue name and format, not the value.
    assert any("s2_n_pi:d" in c.markdown for c in view.cells)
    # The committed chapter is collapsed as the book hides (the executor stores the flags):
    # the collapse check's failure is shown on a copy without them (below).
    assert check_collapsed(view, hidden_in_book(book)) == []
    assert check_not_modified(view), "the unconverted chapter was not marked modified"
    static = check_static_figure(view, interactive_cell_id(book), RUN_NOTE)
    assert any("Binder" in p for p in static), static


def test_number_check_fails_on_one_changed_number(browser, lab_server, defective) -> None:
    view = _view(browser, lab_server, defective["number"])
    problems = check_numbers(view, book_numbers(_book(NEGATIVE)))
    assert len(problems) == 1, problems


def test_collapse_check_fails_without_the_metadata(browser, lab_server, defective) -> None:
    view = _view(browser, lab_server, defective["not_collapsed"])
    hidden = hidden_in_book(_book(NEGATIVE))
    assert len(check_collapsed(view, hidden)) == sum(a + b for a, b in hidden.values())
    assert not check_numbers(view, book_numbers(_book(NEGATIVE)))


def test_markup_check_fails_without_jupyterlab_myst(browser, binder_env: BinderEnv) -> None:
    server = LabServer(
        binder_env,
        root_dir=binder_env.repo / "book",
        extra_args=("--LabApp.expose_app_in_browser=True",),
        home_name="home-without-myst",
        disabled_extensions=("jupyterlab-myst",),
    )
    with server:
        view = _view(browser, server, NEGATIVE.path.name)
    problems = "\n".join(check_no_raw_markup(view))
    for what in ("a directive", "a proof directive", "a label target"):
        assert f"shows {what} as text" in problems, problems


def test_figure_check_fails_when_the_kernel_is_gone(browser, lab_server) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    opened = open_chapter(browser, lab_server, NEGATIVE.path.name, timeout_ms=TIMEOUT_MS)
    page = opened.page
    try:
        view = read_view(page)
        figure = _index_of(view, interactive_cell_id(_book(NEGATIVE)))
        first_code = next(i for i, c in enumerate(view.cells) if c.type == "code")
        run_cells(page, lab_server, [first_code, figure], TIMEOUT_MS)
        page.evaluate(
            "async () => { await window.jupyterapp.shell.currentWidget.sessionContext"
            ".session.kernel.shutdown(); }"
        )
        with pytest.raises(PlaywrightTimeout):
            move_slider(page, figure, timeout_ms=DEAD_KERNEL_WAIT_MS)
    finally:
        opened.close()
