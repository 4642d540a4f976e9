"""Tables for the book: numbers as an HTML table with math headers, and as plain text.

:func:`table` returns an object that Jupyter and the book display as an HTML table
(headers may hold inline math, ``\\(...\\)``, which MathJax typesets on the page; the
table scrolls inside its own box on a narrow screen) and whose plain-text form is a fixed-
width table, so nbval compares the same digits the reader sees.
"""

from __future__ import annotations

import html
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Table", "table"]


class Table:
    """A formatted table; build it with :func:`table`.

    Attributes
    ----------
    headers : tuple
        Column headers (str), possibly with inline math ``\\(...\\)``.
    rows : tuple
        The formatted cells (tuples of str), row by row.
    caption : str or None
    """

    def __init__(
        self, headers: tuple[str, ...], rows: tuple[tuple[str, ...], ...], caption: str | None
    ) -> None:
        self.headers = headers
        self.rows = rows
        self.caption = caption

    def to_text(self) -> str:
        widths = [
            max(len(h), *(len(r[k]) for r in self.rows)) if self.rows else len(h)
            for k, h in enumerate(self.headers)
        ]
        lines = ["  ".join(h.rjust(w) for h, w in zip(self.headers, widths, strict=True))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in self.rows]
        if self.caption:
            lines.insert(0, self.caption)
        return "\n".join(lines)

    def to_html(self) -> str:
        e = html.escape
        head = "".join(f"<th>{_with_math(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in self.rows
        )
        caption = f"<caption>{_with_math(self.caption)}</caption>" if self.caption else ""
        return (
            '<div class="pgt-table-wrap" style="overflow-x: auto; max-width: 100%;">'
            '<table class="table pgt-table" style="font-variant-numeric: tabular-nums;">'
            f"{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.to_text()


_MATH = re.compile(r"\\\((.+?)\\\)")


def _with_math(text: str) -> str:
    """Escape ``text`` for HTML; inline math ``\\(...\\)`` becomes the span that Sphinx
    writes for inline math, which the book's MathJax typesets."""
    out, pos = [], 0
    for m in _MATH.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        out.append(f'<span class="math notranslate nohighlight">{html.escape(m.group(0))}</span>')
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _format(value: Any, fmt: str, name: str, row: int) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return fmt.format(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    raise ValueError(f"column {name!r}, row {row}: expected a number or a string, got {value!r}")


def table(
    columns: Mapping[str, Sequence[Any]],
    *,
    fmt: str | Mapping[str, str] = "{:.4f}",
    caption: str | None = None,
) -> Table:
    """Format columns of numbers as a :class:`Table`.

    Parameters
    ----------
    columns : mapping of str to sequence
        Header -> the column's values (numbers or strings), all of one length. Headers may
        hold inline math written ``\\(...\\)``.
    fmt : str or mapping of str to str
        Format of numbers (``str.format`` syntax); a mapping gives one per header (missing
        headers use ``"{:.4f}"``). Strings are shown as they are.
    caption : str, optional

    Raises
    ------
    ValueError
        No columns, columns of different lengths, or a value that is neither a number nor a
        string.
    """
    if not columns:
        raise ValueError("columns must hold at least one column, got none")
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"columns must have one common length, got {lengths}")
    fmts = {name: fmt if isinstance(fmt, str) else fmt.get(name, "{:.4f}") for name in columns}
    n = next(iter(lengths.values()))
    rows = tuple(
        tuple(_format(values[i], fmts[name], name, i) for name, values in columns.items())
        for i in range(n)
    )
    return Table(tuple(columns), rows, caption)
