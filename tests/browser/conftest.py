"""Fixtures for the browser tests: a served copy of the built book and a page inspector.

The book is built once per session by the ``book_html`` fixture (``tests/conftest.py``),
served from 127.0.0.1 by a threaded ``http.server``, and opened in Debian's chromium via
Playwright with every non-loopback request aborted and recorded (the book must work
offline). Each page is loaded once; :class:`PageReport` keeps what the tests look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import (
    ARTIFACTS,
    OfflineGuard,
    find_chromium,
    is_loopback_url,
    launch_chromium,
    serve_directory,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

#: Viewport of the simulated reader's window.
VIEWPORT = {"width": 1280, "height": 900}
#: Generous timeouts (ms): the machine has 2 cores and may be busy with other tests.
LOAD_TIMEOUT_MS = 60_000
MATHJAX_TIMEOUT_MS = 60_000

SCREENSHOTS = ARTIFACTS / "screenshots"

#: Console messages (exact text) that upstream themes log on every first visit and that
#: change nothing a reader sees. Keep this list short and explain each entry.
KNOWN_HARMLESS_CONSOLE_ERRORS = {
    # pydata-sphinx-theme 0.17.1 under sphinx-book-theme 1.3: the page sets an empty colour
    # mode when the reader has none stored yet; the theme logs this and falls back to "auto".
    "Got invalid theme mode: . Resetting to auto.",
}

# One round trip collects everything the tests check on a loaded page.
_INSPECT_JS = r"""
() => {
  const visible = (el) => {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const COLLAPSED = 'details:not([open]), .toggle-hidden, .dropdown, [hidden]';
  const skipText = 'pre, code, script, style, textarea, template, noscript, '
    + 'mjx-container, .cell_input';
  const chunks = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!parent || parent.closest(skipText)) continue;
    if (!parent.checkVisibility({checkVisibilityCSS: true})) continue;
    if (n.nodeValue.trim()) chunks.push(n.nodeValue);
  }
  const mathEls = Array.from(document.querySelectorAll('.math'));
  const article = document.querySelector('article') || document.body;
  const outputs = Array.from(article.querySelectorAll('.cell_output')).map((o) => {
    const r = o.getBoundingClientRect();
    const imgs = Array.from(o.querySelectorAll('img')).filter(visible);
    return {
      height: r.height,
      visible: visible(o),
      text: (o.innerText || '').trim(),
      visibleImages: imgs.length,
      hasWidgetView: !!o.querySelector(
        'script[type="application/vnd.jupyter.widget-view+json"]'),
      renderedWidgets: o.querySelectorAll('.jupyter-widgets, .widget-area').length,
    };
  });
  return {
    url: location.href,
    title: document.title,
    text: chunks.join(' '),
    mathCount: mathEls.length,
    mathUntypeset: mathEls.filter((m) => !m.querySelector('mjx-container'))
      .map((m) => m.textContent.trim().slice(0, 120)),
    mathErrors: Array.from(document.querySelectorAll('mjx-merror'))
      .map((m) => (m.getAttribute('data-mjx-error') || m.textContent).slice(0, 120)),
    mjxContainers: document.querySelectorAll('mjx-container').length,
    blocks: Array.from(article.querySelectorAll('div.proof, div.exercise, div.solution'))
      .map((b) => ({
        cls: b.className, id: b.id, visible: visible(b),
        title: ((b.querySelector('.admonition-title') || {}).innerText || '').trim(),
      })),
    images: Array.from(document.images).map((img) => ({
      src: img.currentSrc.slice(0, 160), complete: img.complete,
      naturalWidth: img.naturalWidth, visible: visible(img),
      width: img.getBoundingClientRect().width, height: img.getBoundingClientRect().height,
      inArticle: article.contains(img), collapsed: !!img.closest(COLLAPSED),
      inOutput: !!img.closest('.cell_output'),
    })),
    outputs: outputs,
    links: Array.from(document.querySelectorAll('a[href]'), (a) => a.href),
    ids: Array.from(document.querySelectorAll('[id], a[name]'), (e) => e.id || e.name),
  };
}
"""


@dataclass
class PageReport:
    """What one page load produced (see ``_INSPECT_JS`` for the fields of ``info``)."""

    rel_path: str
    url: str
    info: dict
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)
    mathjax_problem: str | None = None
    screenshot: Path | None = None

    @property
    def ids(self) -> set[str]:
        return set(self.info["ids"])


class BookVisitor:
    """Loads pages of the served book (each at most once) and inspects them."""

    def __init__(self, browser, base_url: str, html_root: Path) -> None:
        self.browser = browser
        self.base_url = base_url
        self.html_root = html_root
        self._cache: dict[tuple[str, bool], PageReport] = {}

    def visit(self, rel_path: str, *, screenshot: bool = False) -> PageReport:
        key = (rel_path, screenshot)
        if key not in self._cache:
            # A page visited with a screenshot is also a valid plain visit.
            if not screenshot and (rel_path, True) in self._cache:
                return self._cache[(rel_path, True)]
            self._cache[key] = self._load(rel_path, screenshot=screenshot)
        return self._cache[key]

    def _load(self, rel_path: str, *, screenshot: bool) -> PageReport:
        guard = OfflineGuard()
        context = self.browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        guard.attach(context)
        page = context.new_page()
        page_errors: list[str] = []
        console_errors: list[str] = []
        failed_local: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")
                if msg.type == "error" and msg.text not in KNOWN_HARMLESS_CONSOLE_ERRORS
                else None
            ),
        )

        def on_response(response) -> None:
            if is_loopback_url(response.url) and response.status >= 400:
                failed_local.append(f"{response.status} {response.url}")

        def on_failed(request) -> None:
            if is_loopback_url(request.url):
                failed_local.append(f"{request.failure} {request.url}")

        page.on("response", on_response)
        page.on("requestfailed", on_failed)
        try:
            url = self.base_url + rel_path
            page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
            # A redirect page (e.g. index.html, a meta refresh) navigates on its own.
            for _attempt in range(3):
                try:
                    page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
                    mathjax_problem = self._wait_for_mathjax(page)
                    page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
                    info = page.evaluate(_INSPECT_JS)
                    break
                except PlaywrightError as exc:
                    if "context was destroyed" not in str(exc):
                        raise
            else:
                raise RuntimeError(f"{rel_path} kept navigating; could not inspect it")
            shot = None
            if screenshot:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                shot = SCREENSHOTS / (rel_path.removesuffix(".html").replace("/", "__") + ".png")
                page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
        return PageReport(
            rel_path=rel_path,
            url=url,
            info=info,
            page_errors=page_errors,
            console_errors=console_errors,
            blocked=list(guard.blocked),
            failed_local=failed_local,
            mathjax_problem=mathjax_problem,
            screenshot=shot,
        )

    @staticmethod
    def _wait_for_mathjax(page) -> str | None:
        """Wait until MathJax has typeset a page with math; describe what went wrong."""
        if not page.evaluate("() => document.querySelector('.math') !== null"):
            return None
        try:
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=MATHJAX_TIMEOUT_MS,
            )
            page.evaluate("() => MathJax.startup.promise.then(() => true)")
        except Exception as exc:  # Playwright's TimeoutError or a JS error
            return f"MathJax did not load or finish typesetting: {exc}".splitlines()[0]
        return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium under Playwright (fails with the fix when chromium is missing)."""
    try:
        find_chromium()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def book_server(book_html: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, html root) of the built book served on 127.0.0.1."""
    html_root = Path(book_html)
    with serve_directory(html_root) as base_url:
        yield base_url, html_root


@pytest.fixture(scope="session")
def book(browser, book_server) -> BookVisitor:
    base_url, html_root = book_server
    return BookVisitor(browser, base_url, html_root)
