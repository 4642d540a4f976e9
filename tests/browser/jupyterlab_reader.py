"""What a reader sees of a chapter in JupyterLab, and the checks on it.

:func:`open_chapter` opens a notebook of a :class:`binder.LabServer` (started with
``--LabApp.expose_app_in_browser=True``) in a fresh workspace and returns a
:class:`LabView`: per cell, its id and type, the text of its rendered markdown (formulas
left out), whether JupyterLab collapsed its input or outputs (the model's flag and the
placeholder in the page), and its outputs' text; plus the document's modified flag.

The ``check_*`` functions return a list of problems (empty: the check passes), so that a
test can assert both that a good chapter passes and that a chapter with the defect fails.
What the book says is read here independently of ``tools/readers_copy.py``: the glue
records from the committed chapter's outputs, formatted by myst-nb's own function.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from binder import LabServer, _dismiss_dialogs, _wait_kernel_idle
from browser_support import OfflineGuard

#: The tags with which the book hides a cell's input or outputs.
HIDES_INPUT = {"remove-cell", "hide-cell", "remove-input", "hide-input"}
HIDES_OUTPUT = {"remove-cell", "hide-cell", "remove-output", "hide-output"}
#: MyST markup that must never reach the reader as text.
RAW_MARKUP = (
    ("a role", re.compile(r"\{[a-z][\w:-]*\}`")),
    ("a glue role", re.compile(r"\{glue")),
    ("a directive", re.compile(r"(?:`{3,}|:{3,})\{[\w:-]+\}")),
    ("a proof directive", re.compile(r"\{prf:")),
    ("a label target", re.compile(r"(?m)^\s*\([\w-]+\)=")),
)
GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]+)`")

# Everything the checks need from the open notebook, in one round trip.
_VIEW_JS = r"""
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const text = (node) => {
    if (!node) return '';
    const copy = node.cloneNode(true);
    copy.querySelectorAll('.katex, .jp-toolbar, jp-toolbar, .jp-cell-toolbar')
      .forEach((k) => k.replaceWith(' '));
    return copy.textContent.replace(/\s+/g, ' ').trim();
  };
  return {
    path: panel.context.path,
    dirty: panel.context.model.dirty,
    tabDirty: !!document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty'),
    cells: panel.content.widgets.map((w) => {
      const md = w.model.type === 'markdown';
      const rendered = md ? w.node.querySelector('.jp-MarkdownOutput, .myst') : null;
      return {
        id: w.model.id,
        type: w.model.type,
        inputHidden: !!w.inputHidden,
        outputHidden: !!w.outputHidden,
        inputPlaceholder: !!w.node.querySelector('.jp-InputPlaceholder'),
        inputShown: !!(w.inputArea && w.inputArea.isVisible),
        outputPlaceholder: !!w.node.querySelector('.jp-OutputPlaceholder'),
        markdown: md ? text(rendered) : '',
        outputs: md ? '' : text(w.node.querySelector('.jp-OutputArea')),
        images: md ? [] : Array.from(w.node.querySelectorAll('.jp-OutputArea img'))
          .map((i) => i.getAttribute('src') || ''),
      };
    }),
  };
}
"""


@dataclass
class LabCell:
    id: str
    type: str
    input_hidden: bool
    output_hidden: bool
    input_placeholder: bool
    input_shown: bool
    output_placeholder: bool
    markdown: str
    outputs: str
    images: list[str]


@dataclass
class LabView:
    path: str
    dirty: bool
    tab_dirty: bool
    cells: list[LabCell]

    def cell(self, cell_id: str) -> LabCell | None:
        return next((c for c in self.cells if c.id == cell_id), None)


def read_view(page) -> LabView:
    raw = page.evaluate(_VIEW_JS)
    cells = [
        LabCell(
            id=c["id"],
            type=c["type"],
            input_hidden=c["inputHidden"],
            output_hidden=c["outputHidden"],
            input_placeholder=c["inputPlaceholder"],
            input_shown=c["inputShown"],
            output_placeholder=c["outputPlaceholder"],
            markdown=c["markdown"],
            outputs=c["outputs"],
            images=c["images"],
        )
        for c in raw["cells"]
    ]
    return LabView(path=raw["path"], dirty=raw["dirty"], tab_dirty=raw["tabDirty"], cells=cells)


@dataclass
class OpenChapter:
    """A notebook open in its own browser context (close it with :meth:`close`)."""

    context: object
    page: object
    guard: OfflineGuard
    page_errors: list[str]

    def close(self) -> None:
        self.context.close()


def open_chapter(browser, server: LabServer, name: str, *, timeout_ms: float) -> OpenChapter:
    """Open ``name`` in a fresh workspace, wait for its kernel and its markdown to render."""
    guard = OfflineGuard()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(timeout_ms)
    guard.attach(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.notebook_url(name, reset=True), wait_until="domcontentloaded")
    page.wait_for_function(
        "(name) => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.context"
        " && window.jupyterapp.shell.currentWidget.context.path.endsWith(name)"
        " && window.jupyterapp.shell.currentWidget.context.isReady",
        arg=name,
    )
    # Every markdown cell rendered (jupyterlab-myst or JupyterLab's own renderer).
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets"
        ".filter((w) => w.model.type === 'markdown')"
        ".every((w) => w.rendered && w.node.querySelector('.jp-MarkdownOutput, .myst'))"
    )
    _wait_kernel_idle(page, server, timeout_ms)
    _dismiss_dialogs(page)
    return OpenChapter(context=context, page=page, guard=guard, page_errors=errors)


def run_cells(page, server: LabServer, indices: list[int], timeout_ms: float) -> None:
    """Run the cells at ``indices`` (in that order), as Shift+Enter on each would."""
    for index in indices:
        page.evaluate(
            "async (i) => { const p = window.jupyterapp.shell.currentWidget;"
            " p.content.activeCellIndex = i;"
            " await window.jupyterapp.commands.execute('notebook:run-cell'); }",
            index,
        )
        _wait_kernel_idle(page, server, timeout_ms)


def run_all(page, server: LabServer, timeout_ms: float) -> None:
    """Run > Run All Cells from the menu, and wait until the kernel is idle."""
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_timeout(500)
    _wait_kernel_idle(page, server, timeout_ms)


def move_slider(page, cell_index: int, *, timeout_ms: float) -> tuple[str, str, str, str]:
    """Move the first slider of the cell one step; return (value, image) before and after.

    Waits (``timeout_ms`` is a hang guard) until the cell's image changes; raises
    ``TimeoutError`` (Playwright's) when it never does.
    """
    cell = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(cell_index)
    image = cell.locator(".widget-output img, .jp-OutputArea-output img").last
    image.wait_for(state="visible")
    slider = cell.locator(".widget-hslider, .widget-slider").first
    readout = slider.locator(".widget-readout").first
    before_value, before_src = readout.inner_text().strip(), image.get_attribute("src") or ""
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    if readout.inner_text().strip() == before_value:  # at its maximum
        handle.press("ArrowLeft")
    page.wait_for_function(
        "([i, src]) => { const c = document.querySelectorAll("
        "'.jp-NotebookPanel .jp-Notebook .jp-Cell')[i];"
        " const imgs = c.querySelectorAll('.widget-output img, .jp-OutputArea-output img');"
        " return imgs.length && imgs[imgs.length - 1].getAttribute('src') !== src; }",
        arg=[cell_index, before_src],
        timeout=timeout_ms,
    )
    return before_value, readout.inner_text().strip(), before_src, image.get_attribute("src")


# --- what the book says (independent of tools/readers_copy.py) ---------------------------


def _joined(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def book_glue(nb: dict) -> dict[str, str]:
    """``{name: stored text/plain}`` of the values a committed chapter glues."""
    out = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                key = meta.get("mime_prefix", "") + "text/plain"
                out[meta["name"]] = _joined(output["data"][key])
    return out


def book_numbers(nb: dict) -> dict[str, list[tuple[str, str]]]:
    """``{markdown cell id: [(role text, value as the book shows it), ...]}`` in order.

    The value is formatted by myst-nb's own ``format_plain_text``, the function behind
    the book's ``{glue:text}`` role.
    """
    from myst_nb.core.variables import format_plain_text

    glue = book_glue(nb)
    out: dict[str, list[tuple[str, str]]] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        numbers = []
        for match in GLUE_TEXT.finditer(_joined(cell["source"])):
            key, _, fmt = match.group(1).rpartition(":")
            numbers.append((match.group(1), format_plain_text(glue[key], fmt)))
        if numbers:
            out[cell["id"]] = numbers
    return out


def hidden_in_book(nb: dict) -> dict[str, tuple[bool, bool]]:
    """``{cell id: (input hidden, outputs hidden)}`` for the cells the book hides."""
    out = {}
    for cell in nb["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        hide_in, hide_out = bool(tags & HIDES_INPUT), bool(tags & HIDES_OUTPUT)
        if hide_in or hide_out:
            out[cell["id"]] = (hide_in, hide_out and cell["cell_type"] == "code")
    return out


def interactive_cell_id(nb: dict) -> str:
    """Id of the chapter's interactive figure cell (its stored output is the static page's)."""
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if 'class="pgt-interactive"' in _joined(output.get("data", {}).get("text/html", "")):
                return cell["id"]
    raise AssertionError("the chapter has no interactive figure")


# --- the checks: each returns its problems ------------------------------------------------


def check_no_raw_markup(view: LabView) -> list[str]:
    problems = []
    for index, cell in enumerate(view.cells):
        for what, pattern in RAW_MARKUP:
            match = pattern.search(cell.markdown)
            if match:
                start = max(0, match.start() - 40)
                problems.append(
                    f"cell {index} ({cell.id}) shows {what} as text: "
                    f"...{cell.markdown[start : match.end() + 40]}..."
                )
    return problems


def check_numbers(view: LabView, numbers: dict[str, list[tuple[str, str]]]) -> list[str]:
    """Every glued number of the book, in order, in the rendered cell of the same id."""
    problems = []
    for cell_id, expected in numbers.items():
        cell = view.cell(cell_id)
        if cell is None:
            problems.append(f"markdown cell {cell_id} is missing")
            continue
        position = 0
        for role_text, value in expected:
            # The value as a whole token (not the "3" of "30" or of "S3"), after the last one.
            token = re.compile(rf"(?<![\w.]){re.escape(value)}(?!\w|\.\d)")
            match = token.search(cell.markdown, position)
            found = match.start() if match else -1
            if found < 0:
                problems.append(
                    f"cell {cell_id}: the book's {value!r} ({{glue:text}}`{role_text}`) is not "
                    f"in the rendered text after position {position}: "
                    f"{cell.markdown[position : position + 160]!r}"
                )
                continue
            position = found + len(value)
    return problems


def check_collapsed(view: LabView, hidden: dict[str, tuple[bool, bool]]) -> list[str]:
    """The cells the book hides are collapsed: the model's flag and the page's placeholder."""
    problems = []
    for cell_id, (hide_in, hide_out) in hidden.items():
        cell = view.cell(cell_id)
        if cell is None:
            problems.append(f"cell {cell_id} is missing")
            continue
        if hide_in and not (cell.input_hidden and cell.input_placeholder and not cell.input_shown):
            problems.append(f"cell {cell_id}: the book hides its input, JupyterLab shows it")
        if hide_out and not (cell.output_hidden and cell.output_placeholder):
            problems.append(f"cell {cell_id}: the book removes its outputs, JupyterLab shows them")
    return problems


def check_not_modified(view: LabView) -> list[str]:
    if view.dirty or view.tab_dirty:
        return [f"{view.path} is marked modified right after opening (model {view.dirty}, tab "
                f"{view.tab_dirty})"]  # fmt: skip
    return []


def check_static_figure(view: LabView, cell_id: str, run_note: str) -> list[str]:
    """Before the cell runs: the stored figure says to run it, and nothing about Binder."""
    cell = view.cell(cell_id)
    if cell is None:
        return [f"the interactive cell {cell_id} is missing"]
    problems = []
    if run_note not in cell.outputs:
        problems.append(f"the stored figure does not say {run_note!r}: {cell.outputs[:300]!r}")
    if "Binder" in cell.outputs:
        problems.append(f"the stored figure speaks of Binder: {cell.outputs[:300]!r}")
    if not any(src.startswith("data:image/png") for src in cell.images):
        problems.append("the stored figure shows no image")
    return problems


def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def change_one_number(nb: dict, numbers: dict[str, list[tuple[str, str]]]) -> tuple[str, str]:
    """Change one glued number of a readers' copy (in place; one that its cell states once,
    so that no other occurrence hides the change): (old, new) text."""
    for cell in nb["cells"]:
        source = _joined(cell["source"])
        for _, old in numbers.get(cell.get("id"), []):
            if source.count(old) != 1 or not any(c.isdigit() for c in old):
                continue
            last = max(i for i, c in enumerate(old) if c.isdigit())
            new = old[:last] + str((int(old[last]) + 1) % 10) + old[last + 1 :]
            cell["source"] = source.replace(old, new)
            return old, new
    raise AssertionError("no glued number to change")
