"""WCAG 2.0/2.1 A and AA on every page of the book: axe-core finds no violation.

Every page listed in ``_toc.yml`` is loaded at a desktop (1280 px) and a phone (400 px)
width, in the light and the dark theme, in the offline chromium of ``conftest.py``, and
audited once by axe-core with its WCAG 2.0 and 2.1 level A and AA rules (tags ``wcag2a``,
``wcag2aa``, ``wcag21a``, ``wcag21aa``): colour contrast, names of links, images and
controls, valid lists and ARIA, keyboard access to scrolling boxes, and so on. A failure
lists each violation with its rule, impact, the elements it found (CSS selectors) and
axe's summary of how to fix it.

axe-core's script comes from the ``axe-playwright-python`` wheel (a dev dependency, pinned
in ``requirements-dev.txt``), injected into the loaded page: nothing is downloaded.
No rule and no page is excluded. Where the cause was in the theme's or Sphinx's HTML, the
fix lives in ``_static/pgtheory.css`` and ``tools/pgtheory_sphinx.py`` (its point 4).

``test_the_audit_reports_defects`` shows the check failing on a copy of a chapter page
with a link of too little contrast and an image without a text alternative, and on a page
served without the book's stylesheet (the theme's link colour on a tinted card).

One browser, one context per width and scheme (reused across pages), one audit per page
and view: about 80 audits.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from book_pages import toc_docnames
from conftest import DESKTOP, PHONE, SCHEMES, BookVisitor, reader_context
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: How long a page is given to fall network-idle before it is audited anyway, once MathJax
#: has typeset it (a hang guard: pages fall idle in a second or two).
NETWORK_IDLE_MS = 30_000
#: axe-core's rule tags for WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
DOCNAMES = toc_docnames()
VIEWS = [(width, scheme) for width in (DESKTOP, PHONE) for scheme in SCHEMES]
#: A chapter page with theorem and exercise cards (tinted backgrounds) holding links.
CARD_PAGE = "book/s3_performance_difference.html"

_RUN_AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(' '),
      summary: (n.failureSummary || '').replace(/\\s+/g, ' ').trim(),
    })),
  }));
}
"""


def axe_script() -> Path:
    """axe-core's minified script, shipped by the axe-playwright-python wheel."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(
            "axe-playwright-python is not installed: `.venv/bin/pip install -r "
            "requirements-dev.txt` (it ships axe-core's JavaScript)"
        )
    script = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"
    if not script.is_file():
        pytest.fail(f"{script} is missing: the axe-playwright-python wheel changed its layout")
    return script


def describe(violations: list[dict], limit: int = 10) -> str:
    """Each violation: rule id, impact, what it checks, and its elements with axe's summary."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)]")
        for node in v["nodes"][:limit]:
            lines.append(f"    {node['target']}: {node['summary']}")
        if len(v["nodes"]) > limit:
            lines.append(f"    ... and {len(v['nodes']) - limit} more")
    return "\n".join(lines)


class Auditor:
    """Loads pages in one reused tab per (width, scheme) and runs axe-core on each once."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.script = axe_script()
        self._contexts: dict[tuple[int, str], object] = {}
        self._pages: dict[tuple[int, str], object] = {}
        self._results: dict[tuple[str, int, str], list[dict]] = {}

    def new_context(self, width: int, scheme: str):
        return reader_context(self.browser, width, scheme)

    def tab(self, width: int, scheme: str):
        """A fresh tab in the view's context (the context, and its cache, is reused; a tab
        is not: the answers page, loaded in the tab that had shown S10, never reached
        network idle in 3 of 4 views of a CI run)."""
        key = (width, scheme)
        if key not in self._contexts:
            self._contexts[key] = self.new_context(width, scheme)
        if key in self._pages:
            self._pages[key].close()
        self._pages[key] = self._contexts[key].new_page()
        return self._pages[key]

    def audit(self, rel_path: str, width: int, scheme: str) -> list[dict]:
        key = (rel_path, width, scheme)
        if key not in self._results:
            page = self.tab(width, scheme)
            self._results[key] = self.audit_page(page, self.base_url + rel_path, scheme)
        return self._results[key]

    def audit_page(self, page, url: str, scheme: str) -> list[dict]:
        """Load ``url`` in ``page``, wait for its formulas, run axe-core; its violations."""
        page.goto(url, wait_until="load")
        try:
            page.wait_for_load_state("networkidle", timeout=NETWORK_IDLE_MS)
        except PlaywrightTimeoutError:
            pass  # MathJax's own promise, next, is what the audit needs
        problem = BookVisitor._wait_for_mathjax(page)
        assert problem is None, f"{url}: {problem}"
        theme = page.evaluate("() => document.documentElement.dataset.theme || ''")
        assert theme == scheme, f"{url}: the page shows the {theme!r} theme, not {scheme!r}"
        page.add_script_tag(path=str(self.script))
        return page.evaluate(_RUN_AXE_JS, list(WCAG_TAGS))

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()


@pytest.fixture(scope="module")
def auditor(browser, book_server):
    base_url, _html_root = book_server
    auditor = Auditor(browser, base_url)
    try:
        yield auditor
    finally:
        auditor.close()


@pytest.mark.parametrize(
    ("rel_path", "width", "scheme"),
    [
        pytest.param(f"{d}.html", w, s, id=f"{d.removeprefix('book/')}-{w}px-{s}")
        for (w, s) in VIEWS
        for d in DOCNAMES
    ],
)
def test_no_wcag_violations(auditor, rel_path: str, width: int, scheme: str) -> None:
    violations = auditor.audit(rel_path, width, scheme)
    assert not violations, (
        f"{rel_path} at {width} px, {scheme}: axe-core finds {len(violations)} WCAG 2.0/2.1 "
        f"A/AA violation(s):\n{describe(violations)}"
    )


# A link in a card's text whose colour has 2.1:1 against white, and an image without alt.
_DEFECTS = (
    '<p><a class="reference internal" href="#" style="color: #9ab">a pale link</a></p>'
    '<img src="../_static/file.png" width="16" height="16">'
)


def test_the_audit_reports_defects(auditor, book_server) -> None:
    """The audit fails on defects: a page copy with a pale link and an image without alt,
    and a chapter served without the book's stylesheet (the theme's blue on a tinted card)."""
    base_url, html_root = book_server
    original = (html_root / CARD_PAGE).read_text(encoding="utf-8")
    assert "</article>" in original, f"{CARD_PAGE}: no <article> to add defects to"
    context = auditor.new_context(DESKTOP, "light")
    try:
        page = context.new_page()
        # A copy of the page with the defects added at the end of its article.
        copy_url = base_url + CARD_PAGE.replace(".html", "-defective-copy.html")
        page.route(
            copy_url,
            lambda route: route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body=original.replace("</article>", _DEFECTS + "</article>", 1),
            ),
        )
        found = {v["id"]: v for v in auditor.audit_page(page, copy_url, "light")}
        assert {"color-contrast", "image-alt"} <= set(found), describe(list(found.values()))
        assert any(
            "pale link" in n["summary"] or "#99aabb" in n["summary"].lower()
            for n in found["color-contrast"]["nodes"]
        ), describe([found["color-contrast"]])
        assert "img" in found["image-alt"]["nodes"][0]["target"], describe([found["image-alt"]])
        page.close()

        # The same chapter without _static/pgtheory.css: the theme's link colour on the
        # theorem and exercise cards is below 4.5:1 again.
        page = context.new_page()
        page.route(
            "**/_static/pgtheory.css*",
            lambda route: route.fulfill(status=200, content_type="text/css", body=""),
        )
        found = {v["id"]: v for v in auditor.audit_page(page, base_url + CARD_PAGE, "light")}
        assert "color-contrast" in found, (
            "without pgtheory.css the theme's links on tinted cards should fail the contrast "
            f"check; axe found: {describe(list(found.values())) or 'nothing'}"
        )
        summaries = " ".join(n["summary"] for n in found["color-contrast"]["nodes"])
        assert "#176de8" in summaries, describe([found["color-contrast"]])
        # With the stylesheet, the real page passes (the parametrized test checks them all).
        assert auditor.audit(CARD_PAGE, DESKTOP, "light") == []
    finally:
        context.close()
