"""What a reader of the published (static, offline) book sees, checked in a real chromium.

Every page listed in ``_toc.yml`` is loaded from a local HTTP server with all
non-loopback requests blocked, then checked: no JavaScript errors, no request that
needed the network, MathJax typeset every formula (no raw TeX left in the text),
theorem/proof/exercise blocks and figures visible, every internal link and anchor
resolves, the search page finds each chapter, and the S7 widget degrades to its static
figure plus a note on how to run it live. A full-page screenshot of each toc page is
saved under ``test-artifacts/screenshots/`` for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import chapters
import pytest
from book_pages import (
    expected_heading,
    expected_phrase,
    plain,
    source_has_math,
    toc_docnames,
    words,
)
from browser_support import LOAD_TIMEOUT_MS, REPO_ROOT, OfflineGuard

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The chapters, from the manifest book/chapters.toml: each names (``search_query``) words
#: of its heading that the book's search page must answer with that chapter.
CHAPTERS = chapters.load()
S7 = chapters.by_slide("S7", CHAPTERS)


#: Text a reader must never see: unrendered TeX (``$$``, ``\(``, ``\[``, ``\begin{``,
#: control words such as ``\epsilon``, or a ``$...$`` pair outside code).
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\[A-Za-z]{2,}|\$[^$\s][^$\n]{0,200}?[^$\s\\]\$"
)
#: Text shown where a widget failed to render on a static page.
WIDGET_FAILURE = re.compile(
    r"Error displaying widget|Loading widget|Failed to load model|model not found|"
    r"Error rendering|\b(?:VBox|HBox|interactive|Output|FloatSlider|IntSlider|Dropdown)\("
)
#: How the S7 page must tell a static reader to make the widget live.
LIVE_HINT = re.compile(r"(?i)\b(binder|thebe|locally|jupyterlab)\b")


TOC_PAGES = [f"{name}.html" for name in toc_docnames()]


def _fmt(items: list[object], limit: int = 15) -> str:
    shown = "\n  ".join(str(i) for i in items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"\n  {shown}{more}"


def test_toc_lists_every_chapter() -> None:
    """Every chapter of the manifest is reachable: _toc.yml lists it (tests/test_chapters.py
    checks that the toc lists exactly the manifest's chapters, in order)."""
    pages = toc_docnames()
    assert pages, "_toc.yml is missing or lists no page"
    missing = [c.docname for c in CHAPTERS if c.docname not in pages]
    assert not missing, f"chapters not listed in _toc.yml: {missing}; toc lists {pages}"


def assert_shows_its_content(report) -> None:
    """The page shows its source's heading and prose: a blank page fails every per-page
    test below, not only the ones that look for something (issue 9)."""
    docname = report.rel_path.removesuffix(".html")
    heading = plain(report.layout.get("heading") or "").rstrip("#").strip()
    assert heading.endswith(expected_heading(docname)), (
        f"{report.rel_path}: heading {heading!r}, expected {expected_heading(docname)!r}"
    )
    phrase = expected_phrase(docname)
    assert phrase in words(report.info["text"]), (
        f"{report.rel_path}: the page does not show {phrase!r}"
    )


@pytest.mark.parametrize("rel_path", TOC_PAGES)
def test_page_loads_without_errors(book, rel_path: str) -> None:
    report = book.visit(rel_path, screenshot=True)
    assert_shows_its_content(report)
    assert report.screenshot is not None and report.screenshot.stat().st_size > 0
    assert not report.page_errors, (
        f"{rel_path}: uncaught JavaScript errors:{_fmt(report.page_errors)}"
    )
    assert not report.console_errors, f"{rel_path}: console errors:{_fmt(report.console_errors)}"


@pytest.mark.parametrize("rel_path", TOC_PAGES)
def test_page_works_offline(book, rel_path: str) -> None:
    report = book.visit(rel_path, screenshot=True)
    assert_shows_its_content(report)
    assert not report.blocked, (
        f"{rel_path}: the page requested non-loopback URLs (the book must work offline):"
        f"{_fmt(sorted(set(report.blocked)))}"
    )
    assert not report.failed_local, (
        f"{rel_path}: local resources failed:{_fmt(report.failed_local)}"
    )


@pytest.mark.parametrize("rel_path", TOC_PAGES)
def test_math_is_typeset(book, rel_path: str) -> None:
    report = book.visit(rel_path, screenshot=True)
    assert_shows_its_content(report)
    info = report.info
    if source_has_math(rel_path.removesuffix(".html")):
        # A page whose source writes math must show it: no skipping when none is found.
        assert info["mathCount"] > 0, f"{rel_path}: the source has math, the page shows none"
    if info["mathCount"]:
        assert report.mathjax_problem is None, f"{rel_path}: {report.mathjax_problem}"
        assert info["mjxContainers"] > 0, (
            f"{rel_path}: {info['mathCount']} math elements, none typeset"
        )
        assert not info["mathUntypeset"], (
            f"{rel_path}: math elements without MathJax output:{_fmt(info['mathUntypeset'])}"
        )
        assert not info["mathErrors"], f"{rel_path}: MathJax errors:{_fmt(info['mathErrors'])}"
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(info["text"])})
    contexts = [
        info["text"][max(0, m.start() - 40) : m.end() + 40] for m in RAW_TEX.finditer(info["text"])
    ]
    assert not raw, f"{rel_path}: raw TeX in the visible text {raw}:{_fmt(contexts)}"


@pytest.mark.parametrize("rel_path", TOC_PAGES)
def test_blocks_and_figures_are_visible(book, rel_path: str) -> None:
    report = book.visit(rel_path, screenshot=True)
    assert_shows_its_content(report)
    # Every theorem/proof/exercise directive of the source is a block on the page.
    source = (REPO_ROOT / f"{rel_path.removesuffix('.html')}").with_suffix("")
    text = next(
        (
            p.read_text(encoding="utf-8")
            for p in (source.with_suffix(".md"), source.with_suffix(".ipynb"))
            if p.is_file()
        ),
        "",
    )
    n_directives = len(re.findall(r"[`:]{3,}\{(?:prf:[\w-]+|exercise|solution)(?:-start)?\}", text))
    assert len(report.info["blocks"]) >= n_directives, (
        f"{rel_path}: {n_directives} theorem/proof/exercise directives in the source, "
        f"{len(report.info['blocks'])} blocks on the page"
    )
    hidden_blocks = [b for b in report.info["blocks"] if not b["visible"]]
    assert not hidden_blocks, (
        f"{rel_path}: invisible theorem/proof/exercise blocks:{_fmt(hidden_blocks)}"
    )
    untitled = [b for b in report.info["blocks"] if not b["title"] and "proof" not in b["cls"]]
    assert not untitled, f"{rel_path}: blocks without a visible title:{_fmt(untitled)}"
    broken = [i for i in report.info["images"] if not (i["complete"] and i["naturalWidth"] > 0)]
    assert not broken, f"{rel_path}: images that did not load:{_fmt(broken)}"
    invisible = [
        i
        for i in report.info["images"]
        if i["inArticle"] and not i["collapsed"] and not (i["visible"] and i["height"] > 0)
    ]
    assert not invisible, f"{rel_path}: figures in the text that are not visible:{_fmt(invisible)}"


def test_every_internal_link_and_anchor_resolves(book) -> None:
    """Crawl ``a[href]`` on every HTML page of the build (after its scripts ran)."""
    html_root: Path = book.html_root
    pages = sorted(
        p.relative_to(html_root).as_posix()
        for p in html_root.rglob("*.html")
        if not any(part.startswith("_") for part in p.relative_to(html_root).parts)
    )
    assert pages, f"no HTML page under {html_root}"
    base = urlsplit(book.base_url)
    broken: list[str] = []
    n_checked = 0
    for rel_path in pages:
        report = book.visit(rel_path)
        for href in report.info["links"]:
            parts = urlsplit(href)
            if parts.scheme not in {"http", "https"} or parts.netloc != base.netloc:
                continue  # external links are not requests: the reader follows them online
            n_checked += 1
            target_rel = unquote(parts.path).lstrip("/")
            if target_rel == "" or target_rel.endswith("/"):
                target_rel += "index.html"
            target = html_root / target_rel
            if not target.is_file():
                broken.append(f"{rel_path}: {href} -> missing file {target_rel}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                if fragment not in book.visit(target_rel).ids:
                    broken.append(f"{rel_path}: {href} -> no id {fragment!r} in {target_rel}")
    assert n_checked > 0, "no internal link found on any page"
    assert not broken, f"{len(broken)} broken internal links:{_fmt(sorted(set(broken)), 30)}"


def test_other_generated_pages_load_without_errors(book) -> None:
    """genindex, search, proof index, ...: pages outside the toc still load cleanly."""
    html_root: Path = book.html_root
    toc = set(TOC_PAGES)
    others = sorted(
        p.relative_to(html_root).as_posix()
        for p in html_root.rglob("*.html")
        if not any(part.startswith("_") for part in p.relative_to(html_root).parts)
        and p.relative_to(html_root).as_posix() not in toc
    )
    problems = []
    for rel_path in others:
        report = book.visit(rel_path)
        problems += [f"{rel_path}: page error {e}" for e in report.page_errors]
        problems += [f"{rel_path}: console error {e}" for e in report.console_errors]
        problems += [f"{rel_path}: blocked request {u}" for u in report.blocked]
        problems += [f"{rel_path}: failed local {u}" for u in report.failed_local]
    assert not problems, f"problems on generated pages:{_fmt(problems, 30)}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_search_finds_chapter(book, chapter: chapters.Chapter) -> None:
    query = chapter.search_query
    guard_context = book.browser.new_context()
    guard_context.set_default_timeout(LOAD_TIMEOUT_MS)
    guard = OfflineGuard()
    guard.attach(guard_context)
    page = guard_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{book.base_url}search.html?q={quote(query)}", wait_until="load")
        page.wait_for_function(
            "() => /Search finished|found/i.test("
            "(document.querySelector('#search-results') || {}).innerText || '')",
            timeout=LOAD_TIMEOUT_MS,
        )
        hrefs = page.eval_on_selector_all("#search-results a[href]", "as => as.map(a => a.href)")
        summary = page.inner_text("#search-results")
    finally:
        guard_context.close()
    assert not errors, f"JavaScript errors on the search page: {errors}"
    assert not guard.blocked, f"search page requested {guard.blocked}"
    paths = [urlsplit(h).path for h in hrefs]
    assert any(p.endswith(f"/{chapter.html}") for p in paths), (
        f"searching {query!r} did not list {chapter.html}; results: {paths}\n{summary[:500]}"
    )


#: The query of issue 21: the chapter on the performance difference lemma (S3) must come
#: before every result on the API reference.
RANKING_QUERY = "performance difference"
S3 = chapters.by_slide("S3", CHAPTERS)
API_PAGE = "book/api.html"
#: TeX in a result's snippet: delimiters, a dollar sign, or a control word (``\\pi``).
SNIPPET_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$|\\[A-Za-z]+")


def search_results(book, query: str, *, as_sphinx_ships: bool = False) -> list[dict]:
    """The results of the book's search page for ``query``, in order, once the snippets
    are shown: ``{"path": ..., "snippet": ...}``.

    ``as_sphinx_ships``: serve the search page as Sphinx would without the book's
    changes (Sphinx's default scorer, no snippet script), for the negative test.
    """
    context = book.browser.new_context()
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    guard = OfflineGuard()
    guard.attach(context)
    if as_sphinx_ships:

        def default_scorer(route) -> None:
            text = route.fetch().text()
            assert "var Scorer = {" in text, "language_data.js has no Scorer"
            route.fulfill(body=text.replace("var Scorer = {", "var BookScorer = {"))

        context.route("**/_static/language_data.js*", default_scorer)
        context.route(
            "**/_static/pgtheory-search.js*",
            lambda route: route.fulfill(body="", content_type="text/javascript"),
        )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{book.base_url}search.html?q={quote(query)}", wait_until="load")
        page.wait_for_function(
            "() => /Search finished/i.test("
            "(document.querySelector('#search-results') || {}).innerText || '')",
            timeout=LOAD_TIMEOUT_MS,
        )
        # Each snippet comes from a fetch of its page (results whose anchor Sphinx cannot
        # look up, such as the API's dotted ids, get none).
        page.wait_for_load_state("networkidle")
        results = page.eval_on_selector_all(
            "#search-results li",
            "lis => lis.map(li => ({href: li.querySelector('a[href]').href, "
            "snippet: (li.querySelector('p.context') || {}).textContent || ''}))",
        )
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the search page: {errors}"
    assert not guard.blocked, f"search page requested {guard.blocked}"
    return [{"path": urlsplit(r["href"]).path, "snippet": r["snippet"]} for r in results]


def search_problems(results: list[dict]) -> list[str]:
    """What is wrong with the results of :data:`RANKING_QUERY`: the S3 chapter missing or
    after an API result, and each snippet that shows TeX."""
    paths = [r["path"] for r in results]
    problems = []
    s3 = [k for k, p in enumerate(paths) if p.endswith(f"/{S3.html}")]
    api = [k for k, p in enumerate(paths) if p.endswith(f"/{API_PAGE}")]
    if not s3:
        problems.append(f"{S3.html} not among the results {paths}")
    elif api and api[0] < s3[0]:
        problems.append(f"API result {api[0] + 1} ranks above {S3.html} (result {s3[0] + 1})")
    if not any(r["snippet"] for r in results):
        problems.append("no result shows a snippet")
    for k, r in enumerate(results):
        tex = SNIPPET_TEX.search(r["snippet"])
        if tex:
            start = max(tex.start() - 40, 0)
            problems.append(
                f"result {k + 1} ({r['path']}): TeX {tex.group(0)!r} in its snippet: "
                f"...{r['snippet'][start : tex.end() + 40]}..."
            )
    return problems


def test_search_ranks_chapters_before_the_api_without_tex(book) -> None:
    results = search_results(book, RANKING_QUERY)
    assert len(results) >= 2, results
    problems = search_problems(results)
    assert not problems, f"searching {RANKING_QUERY!r}:{_fmt(problems)}"


def test_the_search_check_catches_sphinx_defaults(book) -> None:
    """Negative test: with Sphinx's own scorer and no snippet script, the same check
    reports the API entries above chapter 3 and the TeX in the snippets."""
    problems = search_problems(search_results(book, RANKING_QUERY, as_sphinx_ships=True))
    assert any("ranks above" in p for p in problems), problems
    assert any("TeX" in p for p in problems), problems


def test_s7_static_widget_degrades_to_its_figure(book) -> None:
    report = book.visit(S7.html, screenshot=True)
    info = report.info
    figures = [
        i
        for i in info["images"]
        if i["inOutput"]
        and i["visible"]
        and i["naturalWidth"] > 0
        and min(i["width"], i["height"]) > 50
    ]
    assert figures, f"S7: no visible output figure (images: {info['images']})"
    proofs = [b["cls"] for b in info["blocks"] if b["visible"]]
    assert any("theorem" in c for c in proofs), f"S7: no visible theorem block ({proofs})"
    assert any(re.search(r"\bproof\b", c) and "theorem" not in c for c in proofs), (
        f"S7: no visible proof block ({proofs})"
    )
    hint = LIVE_HINT.search(info["text"])
    assert hint, "S7: the page does not say how to make the widget live (Binder/Thebe/locally)"
    output_text = " ".join(o["text"] for o in info["outputs"])
    failures = sorted(
        {m.group(0) for m in WIDGET_FAILURE.finditer(info["text"] + " " + output_text)}
    )
    assert not failures, f"S7: widget failure text visible: {failures}"
    empty_boxes = [
        o
        for o in info["outputs"]
        if o["visible"]
        and o["height"] > 8
        and not o["text"]
        and not o["visibleImages"]
        and not o["renderedWidgets"]
    ]
    assert not empty_boxes, f"S7: visible empty output boxes: {empty_boxes}"
