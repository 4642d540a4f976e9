"""Tables on a phone (400 px) fit the column, with whole captions; on a desktop they stay tables.

Each chapter page (the manifest ``book/chapters.toml``) and the notation page (the MyST
tables) is loaded at 400 px, once per page, and every table of the article is measured
after MathJax typeset the page: neither the table nor the box around it (the library's
``div.pgt-table-wrap``, the theme's scroll container) scrolls sideways, the caption is
neither cut (its scroll size exceeds its box) nor outside the viewport, and a table laid
out as cards (``table.pgt-stacked``, see ``_static/pgtheory-tables.js``) keeps its ARIA
table roles and labels every cell with its column's header. At 1280 px the widest table
(S10, eight columns) is still a real table. A negative test serves S10 without the
stacking script and checks that the same measurement reports its scrolling table and its
cut caption.
"""

from __future__ import annotations

import chapters
import pytest
from browser_support import OfflineGuard
from conftest import DESKTOP, PHONE, reader_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHAPTERS = chapters.load()
S10 = chapters.by_slide("S10", CHAPTERS)
PAGES = [c.html for c in CHAPTERS] + ["book/notation.html"]

# Every table of the article: what does not fit, at the page's width.
_TABLES_JS = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const article = document.querySelector('article.bd-article') || document.body;
  const text = (el) => (el.textContent || '').replace(/\s+/g, ' ').trim();
  const problems = [];
  const tables = Array.from(article.querySelectorAll('table'))
    .filter((t) => t.checkVisibility());
  tables.forEach((t, k) => {
    const cap = t.querySelector(':scope > caption');
    const name = `table ${k + 1}` + (cap ? ` (${JSON.stringify(text(cap).slice(0, 50))})` : '');
    const box = t.closest('.pgt-table-wrap, .pst-scrollable-table-container') || t.parentElement;
    for (const [what, el] of [['table', t], ['its box', box]]) {
      if (el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${name}: ${what} scrolls sideways, scrollWidth ${el.scrollWidth} > `
          + `clientWidth ${el.clientWidth}`);
      }
    }
    if (cap) {
      const r = cap.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      if (cap.scrollWidth > cap.clientWidth + 1 || cap.scrollHeight > cap.clientHeight + 1) {
        problems.push(`${name}: caption cut, scroll ${cap.scrollWidth}x${cap.scrollHeight} > `
          + `client ${cap.clientWidth}x${cap.clientHeight}`);
      }
      if (r.left < -1 || r.right > vw + 1 || r.right > b.right + 1 || r.left < b.left - 1) {
        problems.push(`${name}: caption [${Math.round(r.left)}, ${Math.round(r.right)}] not `
          + `within its box [${Math.round(b.left)}, ${Math.round(b.right)}] and the `
          + `viewport [0, ${vw}]`);
      }
    }
    if (t.classList.contains('pgt-stacked')) {
      const roles = [
        [t, 'table'],
        ...Array.from(t.querySelectorAll(':scope > tbody > tr'), (tr) => [tr, 'row']),
        ...Array.from(t.querySelectorAll(':scope > tbody > tr > td'), (td) => [td, 'cell']),
        ...Array.from(t.querySelectorAll(':scope > thead th'), (th) => [th, 'columnheader']),
      ];
      const missing = roles.filter(([el, role]) => el.getAttribute('role') !== role);
      if (missing.length) {
        problems.push(`${name}: stacked, ${missing.length} parts without their ARIA role`);
      }
      const headers = Array.from(t.querySelectorAll(':scope > thead th'), text);
      t.querySelectorAll(':scope > tbody > tr').forEach((tr, i) => {
        Array.from(tr.children).forEach((td, j) => {
          const label = td.querySelector(':scope > .pgt-cell-label');
          const shown = label && label.checkVisibility()
            && label.getBoundingClientRect().width > 0;
          if (!shown || text(label) !== headers[j]) {
            problems.push(`${name}: row ${i + 1}, cell ${j + 1} shows label `
              + `${JSON.stringify(label && shown ? text(label) : null)}, header `
              + JSON.stringify(headers[j]));
          }
        });
      });
    }
  });
  return {
    count: tables.length,
    stacked: tables.filter((t) => t.classList.contains('pgt-stacked')).length,
    displays: tables.map((t) => getComputedStyle(t).display),
    problems,
  };
}
"""


def measure_tables(book, rel_path: str, width: int, *, without: str | None = None) -> dict:
    """Load ``rel_path`` at ``width`` px (offline), wait for MathJax, measure its tables.

    ``without``: a script file name whose ``<script>`` tag is removed from the served page
    (the negative test's page copy).
    """
    guard = OfflineGuard()
    context = reader_context(book.browser, width, "light", guard)
    if without is not None:

        def strip_script(route) -> None:
            response = route.fetch()
            lines = response.text().splitlines(keepends=True)
            kept = [line for line in lines if not ("<script" in line and without in line)]
            assert len(kept) < len(lines), f"{rel_path} has no script tag for {without}"
            route.fulfill(response=response, body="".join(kept))

        context.route(f"**/{rel_path}", strip_script)
    page = context.new_page()
    try:
        page.goto(book.base_url + rel_path, wait_until="load")
        page.wait_for_function(
            "() => !document.querySelector('.math') || "
            "(window.MathJax && MathJax.startup && MathJax.startup.promise)"
        )
        page.evaluate(
            "() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => 1) : 1"
        )
        # The stacking script re-checks when MathJax is done: let that frame pass.
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done(1)))")
        return page.evaluate(_TABLES_JS)
    finally:
        context.close()


def _fmt(items: list[str], limit: int = 12) -> str:
    shown = "\n  ".join(items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"\n  {shown}{more}"


@pytest.mark.parametrize("rel_path", PAGES)
def test_tables_fit_a_phone_with_whole_captions(book, rel_path: str) -> None:
    tables = measure_tables(book, rel_path, PHONE)
    assert not tables["problems"], (
        f"{rel_path} at {PHONE} px: {len(tables['problems'])} table problems:"
        f"{_fmt(tables['problems'])}"
    )


def test_the_widest_table_is_a_table_on_a_desktop(book) -> None:
    tables = measure_tables(book, S10.html, DESKTOP)
    assert tables["count"] >= 1, f"{S10.html}: no table found"
    assert tables["stacked"] == 0 and set(tables["displays"]) == {"table"}, (
        f"{S10.html} at {DESKTOP} px: tables laid out as {tables['displays']}, "
        f"{tables['stacked']} stacked; expected real tables"
    )
    assert not tables["problems"], f"{S10.html} at {DESKTOP} px:{_fmt(tables['problems'])}"


def test_the_measurement_catches_a_scrolling_table(book) -> None:
    """Negative test: S10 without the stacking script is the old layout (its eight-column
    table scrolls in its box and its caption is cut); the measurement must say so."""
    tables = measure_tables(book, S10.html, PHONE, without="pgtheory-tables.js")
    problems = tables["problems"]
    assert tables["stacked"] == 0, "the stacking script still ran"
    assert any("scrolls sideways" in p for p in problems), problems
    assert any("caption" in p for p in problems), problems
