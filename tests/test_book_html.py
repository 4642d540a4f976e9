"""The HTML rewrites of the book's Sphinx extension (tools/pgtheory_sphinx.py) on small inputs.

Points 5 and 7 of its docstring: each table with one header row gets ARIA roles and a copy
of its column header in each body cell (the phone layout's labels); tables it cannot label
(spanning cells) are left alone; the theme's fontawesome.js tag is removed from a page.
The browser tests (tests/browser/test_phone_tables.py, test_script_weight.py) check the
built pages.
"""

from __future__ import annotations

import re

import pgtheory_sphinx

TABLE = (
    '<table class="table"><caption>Bounds</caption>'
    '<thead><tr><th><p>eps</p></th><th id="h2">gap</th></tr></thead>'
    "<tbody><tr><td>0.1</td><td>0.25</td></tr><tr><td>0.5</td><td>0.75</td></tr></tbody>"
    "</table>"
)


def test_table_cells_are_labelled_with_their_headers() -> None:
    out = pgtheory_sphinx.label_table_cells(TABLE)
    assert '<table class="table pgt-stackable" role="table">' in out
    assert out.count('role="rowgroup"') == 2
    assert out.count('role="row"') == 3
    assert out.count('role="columnheader"') == 2
    assert out.count('role="cell"') == 4
    labels = re.findall(r'<span class="pgt-cell-label" aria-hidden="true">(.*?)</span>', out)
    # Paragraph tags and ids are not copied (an id must stay unique on the page).
    assert labels == ["eps", "gap", "eps", "gap"]
    assert '<td role="cell"><span class="pgt-cell-label" aria-hidden="true">gap</span>0.75' in out
    assert "<caption>Bounds</caption>" in out
    # Idempotent: a second pass changes nothing.
    assert pgtheory_sphinx.label_table_cells(out) == out


def test_cell_labels_hold_nothing_focusable() -> None:
    """A header's link is not copied into the aria-hidden labels (axe's aria-hidden-focus)."""
    linked = TABLE.replace(
        '<th id="h2">gap</th>', '<th><a class="reference" href="#eq-44" tabindex="0">gap</a></th>'
    )
    out = pgtheory_sphinx.label_table_cells(linked)
    labels = re.findall(r'<span class="pgt-cell-label" aria-hidden="true">(.*?)</span>', out)
    assert labels == ["eps", "gap", "eps", "gap"]
    assert out.count("<a ") == 1


def test_tables_with_spanning_cells_are_left_alone() -> None:
    spanning = TABLE.replace("<th><p>eps</p></th>", '<th colspan="2">eps</th>')
    assert pgtheory_sphinx.label_table_cells(spanning) == spanning
    no_head = re.sub(r"<thead>.*?</thead>", "", TABLE)
    assert pgtheory_sphinx.label_table_cells(no_head) == no_head


def test_the_icon_script_tag_is_removed() -> None:
    page = (
        "<head>\n"
        '  <script src="../_static/scripts/bootstrap.js?digest=1"></script>\n'
        '  <script defer src="../_static/scripts/fontawesome.js?digest=1"></script>\n'
        "</head>\n"
    )
    out = pgtheory_sphinx._FONTAWESOME_SCRIPT.sub("", page)
    assert "fontawesome" not in out
    assert "bootstrap.js" in out
