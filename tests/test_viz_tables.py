"""Tests for pgtheory.viz.tables: the HTML and plain-text forms of a table."""

import re

import pytest

from pgtheory.viz import Table, table


def test_text_and_html_show_the_same_digits():
    tab = table(
        {
            r"\(t\)": [0, 10],
            r"exact \(\lVert p - q \rVert_1\)": [0.123456, 1.0],
            "kind": ["a", "b"],
        },
        fmt={r"\(t\)": "{:d}"},
        caption="A <caption>",
    )
    assert isinstance(tab, Table)
    assert tab.rows == (("0", "0.1235", "a"), ("10", "1.0000", "b"))
    assert repr(tab) == "\n".join(
        [
            "A <caption>",
            r"\(t\)  exact \(\lVert p - q \rVert_1\)  kind",
            "    0                           0.1235     a",
            "   10                           1.0000     b",
        ]
    )
    page = tab._repr_html_()
    assert page.startswith('<div class="pgt-table-wrap" style="overflow-x: auto;')
    # Math becomes the inline-math span Sphinx writes; everything else is escaped.
    assert '<th><span class="math notranslate nohighlight">\\(t\\)</span></th>' in page
    assert "<caption>A &lt;caption&gt;</caption>" in page
    assert re.findall(r"<td>(.*?)</td>", page) == ["0", "0.1235", "a", "10", "1.0000", "b"]


def test_math_is_escaped_inside_the_span():
    page = table({r"\(a < b\) and <b>": [1.5]}).to_html()
    assert '<span class="math notranslate nohighlight">\\(a &lt; b\\)</span> and &lt;b&gt;' in page


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({}, "columns must hold at least one column, got none"),
        ({"a": [1], "b": [1, 2]}, "columns must have one common length, got {'a': 1, 'b': 2}"),
        ({"a": [None]}, "column 'a', row 0: expected a number or a string, got None"),
    ],
)
def test_table_errors(columns, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        table(columns)


def test_booleans_read_as_words():
    assert table({"ok": [True, False]}).rows == (("yes",), ("no",))
