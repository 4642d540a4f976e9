"""Math that reflows: MathJax 4, served from the book, breaks long display formulas.

Every page of ``_toc.yml`` is loaded once at 1280 px and once at 400 px (light scheme: the
layout does not depend on it; the 400 px load is a phone, with overlay scrollbars), in the
offline chromium of ``conftest.py``, and checked:

- the MathJax that runs is the version pinned in ``tools/mathjax/package.json`` (MathJax 4),
  every file it asks for is served by the book (no 404, nothing off-host);
- no math is left untypeset: every ``.math`` element holds MathJax's output, no MathJax
  error, and no raw TeX delimiter (``\\(``, ``\\[``, ``$$``) in the visible text; every
  formula carries the hidden MathML that screen readers read (``tools/pgtheory_mathjax.py``
  turns it on in place of MathJax 4's slower speech enrichment);
- no display formula is clipped without a cue. Each MathJax display container either fits
  (``scrollWidth <= clientWidth``, 1 px of rounding allowed) or shows that it scrolls, which
  means all of: it scrolls sideways (``overflow-x`` is ``auto`` or ``scroll``); its box lies
  within the article's column (the reader can reach its scrollbar); it is marked
  ``pgt-math-scrolls`` by ``tools/pgtheory_mathjax.py``'s script; it draws the cue of the
  "math" section of ``_static/pgtheory.css``: a visible bottom border (the track) and an
  inset ``box-shadow`` on the side where more of the formula is hidden; and it can take
  the keyboard focus (``tabindex``), so that it can be scrolled without a pointer.

The last tests show that these checks fail on pages with the defect reintroduced (line
breaking off and the cue removed; MathJax missing), on copies of built pages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import chapters
import pytest
from book_pages import REPO_ROOT, toc_docnames
from browser_support import OfflineGuard, is_loopback_url, serve_directory
from conftest import DESKTOP, PHONE, reader_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The pinned MathJax (the browser must run exactly this one).
PINNED = json.loads((REPO_ROOT / "tools" / "mathjax" / "package.json").read_text())["dependencies"][
    "mathjax"
]
DOCNAMES = toc_docnames()
WIDTHS = (DESKTOP, PHONE)

_MATH_JS = r"""
async () => {
  const article = document.querySelector('article.bd-article') || document.body;
  const hasMath = document.querySelector('.math') !== null;
  if (hasMath && window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    // Let the page's own handlers of the same promise (the scroll cue) run first.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const ar = article.getBoundingClientRect();
  const mathElements = Array.from(article.querySelectorAll('.math'));
  const untypeset = mathElements.filter((el) => !el.querySelector('mjx-container'))
    .map((el) => el.textContent.trim().slice(0, 60));
  // Formulas a screen reader cannot read: no hidden MathML (MathJax's assistive MathML).
  const unreadable = Array.from(article.querySelectorAll('mjx-container'))
    .filter((c) => !c.querySelector('mjx-assistive-mml math'))
    .map((c) => c.textContent.trim().slice(0, 40));
  const errors = Array.from(article.querySelectorAll('mjx-merror'))
    .map((el) => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 80));
  // Raw TeX delimiters in the text a reader sees (code and MathJax's own output aside).
  const skip = 'pre, code, script, style, textarea, mjx-container, .cell_input';
  const rawTex = [];
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest(skip) || !shown(el)) continue;
    const m = node.textContent.match(/\\\(|\\\[|\$\$/);
    if (m) rawTex.push(node.textContent.trim().slice(0, 60));
  }
  const displays = Array.from(article.querySelectorAll('mjx-container[display="true"]'))
    .filter(shown)
    .map((c) => {
      const s = getComputedStyle(c);
      const r = c.getBoundingClientRect();
      return {
        tex: (c.querySelector('mjx-assistive-mml') || c).textContent.trim().slice(0, 50),
        // A blackboard A (S10's \\mathbb{A}), in the MathML a screen reader reads.
        blackboardA: Array.from(c.querySelectorAll('mjx-assistive-mml mi'))
          .some((mi) => mi.textContent.trim() === '\u{1D538}' || (mi.textContent.trim() === 'A'
            && mi.getAttribute('mathvariant') === 'double-struck')),
        scrollWidth: c.scrollWidth, clientWidth: c.clientWidth, scrollLeft: c.scrollLeft,
        overflowX: s.overflowX, boxShadow: s.boxShadow,
        borderBottom: [s.borderBottomStyle, parseFloat(s.borderBottomWidth)],
        marked: c.classList.contains('pgt-math-scrolls'),
        focusable: c.hasAttribute('tabindex'),
        left: r.left, right: r.right, columnLeft: ar.left, columnRight: ar.right,
      };
    });
  return {
    hasMath,
    version: window.MathJax ? (MathJax.version || null) : null,
    untypeset, unreadable, errors, rawTex, displays,
  };
}
"""


def display_problems(displays: list[dict]) -> list[str]:
    """Display formulas that overflow their box without the scroll cue (module docstring)."""
    problems = []
    for d in displays:
        more = d["scrollWidth"] - d["clientWidth"]
        if more <= 1:
            continue
        label = f"display formula {d['tex']!r} ({more} px hidden)"
        missing = []
        if d["overflowX"] not in ("auto", "scroll"):
            missing.append(f"it does not scroll (overflow-x: {d['overflowX']})")
        if d["left"] < d["columnLeft"] - 1 or d["right"] > d["columnRight"] + 1:
            missing.append("its box leaves the column")
        if not d["marked"]:
            missing.append("it is not marked pgt-math-scrolls")
        style, width = d["borderBottom"]
        if style in ("none", "hidden") or width < 1:
            missing.append("no track (bottom border)")
        if "inset" not in d["boxShadow"]:
            missing.append("no edge shadow")
        if not d["focusable"]:
            missing.append("not focusable")
        if missing:
            problems.append(f"{label} is clipped without a cue: {'; '.join(missing)}")
    return problems


def load(browser, base_url: str, rel_path: str, width: int, *, mathjax: bool = True) -> dict:
    """Load one page at ``width`` px (a phone below 600) and run ``_MATH_JS`` on it.

    With ``mathjax`` (a page of the book), a page with math must start MathJax.
    """
    guard = OfflineGuard()
    context = reader_context(browser, width, "light", guard)
    failed: list[str] = []
    mathjax_files: set[str] = set()
    try:
        page = context.new_page()

        def on_response(response) -> None:
            if "/_static/mathjax/" in response.url:
                mathjax_files.add(response.url.split("/_static/mathjax/")[1])
            if is_loopback_url(response.url) and response.status >= 400:
                failed.append(f"{response.status} {response.url}")

        page.on("response", on_response)
        page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))
        page.goto(base_url + rel_path, wait_until="load")
        if mathjax and page.evaluate("() => document.querySelector('.math') !== null"):
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
            )
        result = page.evaluate(_MATH_JS)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    result.update(failed=failed, blocked=list(guard.blocked), mathjax_files=sorted(mathjax_files))
    return result


@pytest.fixture(scope="module")
def loaded(browser, book_server):
    """One load per page and width, on demand (the API page too: once per width)."""
    base_url, _root = book_server
    cache: dict[tuple[str, int], dict] = {}

    def get(docname: str, width: int) -> dict:
        if (docname, width) not in cache:
            cache[(docname, width)] = load(browser, base_url, f"{docname}.html", width)
        return cache[(docname, width)]

    return get


PAGES = [
    pytest.param(d, w, id=f"{d.removeprefix('book/')}-{w}px") for w in WIDTHS for d in DOCNAMES
]


@pytest.mark.parametrize(("docname", "width"), PAGES)
def test_display_math_fits_or_shows_that_it_scrolls(loaded, docname: str, width: int) -> None:
    result = loaded(docname, width)
    problems = display_problems(result["displays"])
    assert not problems, f"{docname} at {width} px:\n" + "\n".join(problems)


@pytest.mark.parametrize(("docname", "width"), PAGES)
def test_math_is_typeset_by_the_pinned_mathjax(loaded, docname: str, width: int) -> None:
    result = loaded(docname, width)
    assert not result["rawTex"], f"{docname}: raw TeX in the text: {result['rawTex'][:5]}"
    assert not result["failed"], f"{docname}: requests failed: {result['failed']}"
    assert not result["blocked"], f"{docname}: off-host requests: {result['blocked']}"
    if not result["hasMath"]:
        return
    assert result["version"] == PINNED, (
        f"{docname} runs MathJax {result['version']}, tools/mathjax pins {PINNED}"
    )
    assert not result["untypeset"], f"{docname}: math not typeset: {result['untypeset'][:5]}"
    assert not result["errors"], f"{docname}: MathJax errors: {result['errors'][:5]}"
    assert not result["unreadable"], (
        f"{docname}: {len(result['unreadable'])} formula(s) without the hidden MathML that "
        f"screen readers read: {result['unreadable'][:5]}"
    )


def test_a_long_formula_breaks_at_the_phone_width(loaded) -> None:
    """S10's CPI bound (the formula with the blackboard A) fits its box at 1280 and 400 px:
    at 400 px it breaks into lines instead of hiding 119 px as it did before."""
    s10 = chapters.by_slide("S10").docname
    for width in WIDTHS:
        cpi = [d for d in loaded(s10, width)["displays"] if d["blackboardA"]]
        assert len(cpi) == 1, f"S10's CPI bound not found at {width} px"
        assert cpi[0]["scrollWidth"] <= cpi[0]["clientWidth"] + 1, (width, cpi[0])


# --- The checks fail on pages with the defect reintroduced. ------------------------------


def _defective_copy(html_root: Path, tmp: Path, docname: str, edit) -> str:
    """A copy of a built page, changed by ``edit``, served next to the book's _static."""
    src = html_root / f"{docname}.html"
    target = tmp / f"{docname}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(edit(src.read_text(encoding="utf-8")), encoding="utf-8")
    for shared in ("_static", "_images", "_sphinx_design_static"):
        if (html_root / shared).exists() and not (tmp / shared).exists():
            (tmp / shared).symlink_to(html_root / shared, target_is_directory=True)
    return f"{docname}.html"


def _no_linebreaks(html: str) -> str:
    assert '"displayOverflow": "linebreak"' in html
    return html.replace('"displayOverflow": "linebreak"', '"displayOverflow": "overflow"')


def _no_linebreaks_no_cue(html: str) -> str:
    html, n = re.subn(r"<script>\s*\(\(\) => \{\s*const mark = .*?</script>", "", html, flags=re.S)
    assert n == 1, "the scroll-cue script is not on the page"
    return _no_linebreaks(html)


def _no_assistive_mml(html: str) -> str:
    assert '"assistiveMml": true' in html
    return html.replace('"assistiveMml": true', '"assistiveMml": false')


def _no_mathjax(html: str) -> str:
    html, n = re.subn(r'<script defer="defer" src="[^"]*tex-chtml\.js[^"]*"></script>', "", html)
    assert n == 1, "no MathJax script on the page"
    return html


def test_the_checks_fail_on_pages_with_the_defect(browser, book_server, tmp_path) -> None:
    """On copies of built pages: S10 at 400 px with line breaking off overflows; without
    the cue the check reports it, with the cue it passes; S3 without MathJax shows raw TeX,
    and without MathJax's assistive MathML its formulas are unreadable to screen readers."""
    _base, html_root = book_server
    s10 = chapters.by_slide("S10").docname
    s3 = chapters.by_slide("S3").docname
    pages = {}
    for name, docname, edit in (
        ("clipped", s10, _no_linebreaks_no_cue),
        ("scrolls", s10, _no_linebreaks),
        ("untypeset", s3, _no_mathjax),
        ("unreadable", s3, _no_assistive_mml),
    ):
        pages[name] = _defective_copy(html_root, tmp_path / name, docname, edit)
    with serve_directory(tmp_path) as base_url:
        clipped = load(browser, f"{base_url}clipped/", pages["clipped"], PHONE)
        scrolls = load(browser, f"{base_url}scrolls/", pages["scrolls"], PHONE)
        raw = load(browser, f"{base_url}untypeset/", pages["untypeset"], DESKTOP, mathjax=False)
        mute = load(browser, f"{base_url}unreadable/", pages["unreadable"], DESKTOP)
    problems = display_problems(clipped["displays"])
    assert any("is clipped without a cue" in p for p in problems), clipped["displays"]
    # The same overflow with the cue (the book's script and CSS) passes the check.
    assert any(d["scrollWidth"] - d["clientWidth"] > 1 for d in scrolls["displays"])
    assert display_problems(scrolls["displays"]) == [], scrolls["displays"]
    assert raw["untypeset"] and raw["rawTex"] and raw["version"] is None
    # Without the hidden MathML every formula is reported as unreadable.
    assert mute["unreadable"] and not mute["untypeset"], mute["unreadable"][:3]
