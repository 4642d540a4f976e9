"""The readers' copy of a chapter (tools/readers_copy.py) on every chapter of the manifest.

Values are checked against an independent read of the committed chapter: its glue records
read here from the raw JSON, formatted by myst-nb's own ``format_plain_text`` (the function
behind the book's ``{glue:text}`` role). The browser tests (tests/browser/test_jupyterlab.py)
check what JupyterLab then shows.
"""

from __future__ import annotations

import copy
import json
import re

import chapters
import pytest
import readers_copy as rc
from myst_nb.core.variables import format_plain_text

CHAPTERS = chapters.load()
GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]+)`")
VERSION = "3.11.7"


@pytest.fixture(scope="module")
def index() -> rc.BookIndex:
    return rc.book_index()


def committed(chapter: chapters.Chapter) -> dict:
    return json.loads(chapter.path.read_text(encoding="utf-8"))


def stored_glue(nb: dict) -> dict[str, str]:
    """{name: text/plain}, read from the outputs' raw JSON without the tool's code."""
    out = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            scrap = output.get("metadata", {}).get("scrapbook")
            if scrap is not None:
                text = output["data"][scrap["mime_prefix"] + "text/plain"]
                out[scrap["name"]] = "".join(text) if isinstance(text, list) else text
    return out


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def make_copy(chapter: chapters.Chapter, index: rc.BookIndex, nb: dict | None = None) -> dict:
    return rc.readers_copy(
        committed(chapter) if nb is None else nb,
        chapter=chapter,
        index=index,
        python_version=VERSION,
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_every_glued_number_is_filled_in_as_the_book_formats_it(chapter, index) -> None:
    nb = committed(chapter)
    glue = stored_glue(nb)
    readers = {c["id"]: c for c in make_copy(chapter, index)["cells"]}
    checked = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = source(readers[cell["id"]])
        assert "{glue" not in text
        # Rebuild the cell from the book's text: each role -> myst-nb's formatting of the
        # stored value; the copy must hold those values in the same order.
        position = 0
        for match in GLUE_TEXT.finditer(source(cell)):
            key, _, fmt = match.group(1).rpartition(":")
            expected = format_plain_text(glue[key], fmt)
            escaped = rc.escape_markdown(expected)
            found = text.find(escaped, position)
            assert found >= 0, (chapter.slide, key, expected, text[position : position + 200])
            position = found + len(escaped)
            checked += 1
    assert checked == sum(
        len(GLUE_TEXT.findall(source(c))) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    assert checked > 0


def test_a_value_is_the_books_text_not_the_tools_guess() -> None:
    # The stored text/plain is a repr: literal_eval'd, then formatted as the role asks.
    glue = {
        "n": {"text/plain": "20000"},
        "x": {"text/plain": "0.06781"},
        "s": {"text/plain": "'a'"},
    }
    assert rc.glue_text("glue:text", "n:,", glue, "S0") == "20,000"
    assert rc.glue_text("glue:text", "x:.2f", glue, "S0") == "0.07"
    assert rc.glue_text("glue:text", "x:.1%", glue, "S0") == "6.8%"
    assert rc.glue_text("glue:text", "x:.0e", glue, "S0") == "7e-02"
    assert rc.glue_text("glue:text", "n:d", glue, "S0") == "20000"
    assert rc.glue_text("glue:text", "s", glue, "S0") == "a"
    assert rc.glue_text("glue", "x", glue, "S0") == "0.06781"
    for fmt in (",", ".2f", ".1%", ".0e", "d", ".3g", ""):
        assert rc.format_glue_text("20000", fmt) == format_plain_text("20000", fmt)
    assert rc.escape_markdown("a_b*c$") == r"a\_b\*c\$"


def test_a_number_that_opens_a_line_stays_text_not_a_list_marker(index) -> None:
    """S3's "... instead of\n{glue:text}`s3_distance:g`. There ..." became "1. There",
    an ordered list in JupyterLab, with the number gone from the text."""
    from markdown_it import MarkdownIt

    glue = {"d": {"text/plain": "1.0"}, "n": {"text/plain": "12"}}
    source = (
        "a step instead of\n{glue:text}`d:g`. There the first term\n"
        "and\n{glue:text}`n:d`) too; inside a line {glue:text}`d:g`. stays\n"
        "{glue:text}`n:d`.5 is no marker"
    )
    text = rc.convert_markdown(source, glue=glue, index=index, here="x.ipynb", chapter="S0")
    html = MarkdownIt("commonmark").render(text)
    assert "<ol" not in html, html
    assert "1. There" in html and "12) too" in html and "1. stays" in html, html
    assert "12.5 is" in html, html
    # Without the escape the same text is an ordered list (the check is not vacuous).
    assert "<ol" in MarkdownIt("commonmark").render(text.replace("\\", ""))


def test_a_missing_glue_name_names_the_chapter_and_the_name(index) -> None:
    chapter = chapters.by_slide("S2")
    nb = committed(chapter)
    cell = next(
        c for c in nb["cells"] if c["cell_type"] == "markdown" and "{glue:text}" in source(c)
    )
    cell["source"] = source(cell) + "\nAnd {glue:text}`s2_no_such_value:.2f` too.\n"
    with pytest.raises(ValueError, match=r"^S2: .*'s2_no_such_value'"):
        make_copy(chapter, index, nb)
    # The same for a glue record that is gone from the outputs.
    nb = committed(chapter)
    name = GLUE_TEXT.search(source(cell)).group(1).rpartition(":")[0]
    for c in nb["cells"]:
        c["outputs"] = [
            o
            for o in c.get("outputs", [])
            if o.get("metadata", {}).get("scrapbook", {}).get("name") != name
        ]
    with pytest.raises(ValueError, match=rf"^S2: .*'{name}'"):
        make_copy(chapter, index, nb)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_no_role_that_jupyterlab_myst_cannot_render_is_left(chapter, index) -> None:
    nb = make_copy(chapter, index)
    here = chapter.path.name
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for code, text in rc.split_code(source(cell)):
            if code:
                continue
            for match in rc.ROLE.finditer(text):
                role, target = match["role"], match["text"].split("<")[-1].rstrip(">")
                # Only references to labels of the same notebook stay (jupyterlab-myst
                # resolves those); no glue, citation, Python or document role.
                assert role in ("ref", "prf:ref"), (chapter.slide, match.group(0))
                assert index.targets[target].file == here, (chapter.slide, match.group(0))


def test_roles_become_what_the_book_shows(index) -> None:
    chapter = chapters.by_slide("S2")

    def convert(text: str) -> str:
        return rc.convert_markdown(text, glue={}, index=index, here=chapter.path.name, chapter="S2")

    assert (
        convert("{py:func}`pgtheory.soft_improvement_step`") == "`pgtheory.soft_improvement_step()`"
    )
    assert convert("{py:mod}`pgtheory.cartpole`") == "`pgtheory.cartpole`"
    assert convert("{py:func}`~pgtheory.mdp.evaluate`") == "`evaluate()`"
    assert convert("{cite:t}`kakade2002approximately`") == "Kakade and Langford (2002)"
    assert (
        convert("{cite:p}`williams1992simple,sutton2000policy`")
        == "(Williams, 1992; Sutton et al., 2000)"
    )
    assert convert("{doc}`notation`") == "[Notation and conventions](notation.md)"
    assert (
        convert("{ref}`item 1 of the errata <errata-finite-horizon>`")
        == "[item 1 of the errata](errata.md#errata-finite-horizon)"
    )
    # Numbers as the book numbers them (sphinx-proof, numfig): chapter.kind-counter.
    assert convert("{prf:ref}`thm-s3`") == "[Theorem 3.1](s3_performance_difference.ipynb#thm-s3)"
    assert convert("{numref}`fig-s2-curves`") == "[Fig. 2.1](#fig-s2-curves)"
    # Labels of the same notebook stay for jupyterlab-myst; code is left alone.
    assert convert("{prf:ref}`prop-s2-soft`") == "{prf:ref}`prop-s2-soft`"
    code = "```python\nx = '{py:func}`f`'\n```\n"
    assert convert(code) == code
    directive = "```{prf:theorem} T\n:label: t\n{cite:t}`kakade2002approximately`\n```\n"
    assert "Kakade and Langford (2002)" in convert(directive)
    with pytest.raises(ValueError, match=r"S2: .*no-such-label"):
        convert("{ref}`no-such-label`")
    with pytest.raises(ValueError, match="S2: cites 'nobody2099'"):
        convert("{cite:p}`nobody2099`")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_hidden_cells_collapsed_and_nothing_else(chapter, index) -> None:
    nb = committed(chapter)
    readers = {c["id"]: c for c in make_copy(chapter, index)["cells"]}
    collapsed = 0
    for cell in nb["cells"]:
        tags = set(cell["metadata"].get("tags", []))
        jupyter = readers[cell["id"]]["metadata"].get("jupyter", {})
        hides_input = bool(tags & {"remove-cell", "hide-cell", "remove-input", "hide-input"})
        hides_output = bool(tags & {"remove-cell", "hide-cell", "remove-output", "hide-output"})
        assert jupyter.get("source_hidden", False) is hides_input, (cell["id"], tags)
        expected_out = hides_output and cell["cell_type"] == "code"
        assert jupyter.get("outputs_hidden", False) is expected_out, (cell["id"], tags)
        collapsed += hides_input or hides_output
        # The tags stay; the collapse is added beside them.
        assert readers[cell["id"]]["metadata"].get("tags", []) == cell["metadata"].get("tags", [])
    assert collapsed > 0


def test_collapse_is_idempotent_and_keeps_other_metadata() -> None:
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["remove-cell"], "jupyter": {"x": 1}}},
        {"cell_type": "code", "metadata": {"tags": ["hide-input", "nbval-ignore-output"]}},
        {"cell_type": "code", "metadata": {"tags": ["remove-output"]}},
        {"cell_type": "markdown", "metadata": {"tags": ["remove-cell"]}},
        {"cell_type": "code", "metadata": {}},
    ]
    once = rc.collapse_hidden_cells(copy.deepcopy(cells))
    assert once[0]["metadata"]["jupyter"] == {"x": 1, "source_hidden": True, "outputs_hidden": True}
    assert once[1]["metadata"]["jupyter"] == {"source_hidden": True}
    assert once[2]["metadata"]["jupyter"] == {"outputs_hidden": True}
    assert once[3]["metadata"]["jupyter"] == {"source_hidden": True}
    assert "jupyter" not in once[4]["metadata"]
    assert rc.collapse_hidden_cells(copy.deepcopy(once)) == once


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_static_figure_says_run_the_cell(chapter, index) -> None:
    nb = make_copy(chapter, index)
    figures = [
        o
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if "pgt-interactive" in "".join(o.get("data", {}).get("text/html", ""))
    ]
    assert len(figures) == 1
    html = "".join(figures[0]["data"]["text/html"])
    assert rc.RUN_NOTE in html and "Binder" not in html and "<script" not in html
    assert html.count('<img class="pgt-frame"') == 1
    assert "application/vnd.jupyter.widget-view+json" not in figures[0]["data"]
    # The default frame is the book's: the same image as the committed static page shows.
    book_html = next(
        "".join(o["data"]["text/html"])
        for c in committed(chapter)["cells"]
        for o in c.get("outputs", [])
        if "pgt-interactive" in "".join(o.get("data", {}).get("text/html", ""))
    )
    frame = re.search(r'<img class="pgt-frame"[^>]*>', book_html).group(0)
    assert frame in html


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_metadata_for_jupyterlab(chapter, index) -> None:
    nb = make_copy(chapter, index)
    book = committed(chapter)
    meta = nb["metadata"]
    assert "jupytext" not in meta and "widgets" not in meta
    assert meta["language_info"] == {**book["metadata"]["language_info"], "version": VERSION}
    assert meta["kernelspec"] == book["metadata"]["kernelspec"]
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids)
    # Code cells unchanged but for the collapse and the static figure.
    book_code = [c for c in book["cells"] if c["cell_type"] == "code"]
    copy_code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [source(c) for c in copy_code] == [source(c) for c in book_code]
    assert nb["nbformat"] == book["nbformat"] and nb["nbformat_minor"] == book["nbformat_minor"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_figure_captions_follow_their_figures(chapter, index) -> None:
    nb = make_copy(chapter, index)
    cells = nb["cells"]
    captions = 0
    for i, cell in enumerate(cells):
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if figure:
            captions += 1
            text = source(cells[i + 1])
            assert text.startswith(f"({figure['name']})=\n**Fig. {chapter.number}.{captions}.** ")
            assert text.endswith(figure["caption"])


def test_copies_are_written_once_and_never_converted_twice(tmp_path, index) -> None:
    written = rc.write_readers_copies(tmp_path, python_version=VERSION)
    assert [p.name for p in written] == [c.path.name for c in CHAPTERS]
    assert (tmp_path / "notation.md").is_file()
    first = {p.name: p.read_bytes() for p in written}
    rc.write_readers_copies(tmp_path, python_version=VERSION)
    assert {p.name: p.read_bytes() for p in written} == first  # deterministic
    chapter = CHAPTERS[0]
    with pytest.raises(ValueError, match="readers' copy already"):
        rc.readers_copy(
            json.loads(written[0].read_text()), chapter=chapter, index=index, python_version=VERSION
        )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.slide for c in CHAPTERS])
def test_committed_chapters_collapse_what_the_book_hides(chapter):
    """The executor stores JupyterLab's collapse flags in the chapter itself, so that a
    reader opening book/<chapter>.ipynb (not its readers' copy) sees no glue or assert
    plumbing: every cell the book removes or hides is collapsed, and no other cell is."""
    nb = json.loads(chapter.path.read_text(encoding="utf-8"))
    hidden_input = {"remove-cell", "hide-cell", "remove-input", "hide-input"}
    hidden_output = {"remove-cell", "hide-cell", "remove-output", "hide-output"}
    counts = {"source_hidden": 0, "outputs_hidden": 0}
    for i, cell in enumerate(nb["cells"]):
        tags = set(cell["metadata"].get("tags", []))
        flags = cell["metadata"].get("jupyter", {})
        want_source = bool(tags & hidden_input)
        want_outputs = cell["cell_type"] == "code" and bool(tags & hidden_output)
        assert flags.get("source_hidden", False) is want_source, (chapter.slide, i, tags)
        assert flags.get("outputs_hidden", False) is want_outputs, (chapter.slide, i, tags)
        counts["source_hidden"] += want_source
        counts["outputs_hidden"] += want_outputs
    assert counts["source_hidden"] >= 3, counts  # every chapter hides its glue cells
