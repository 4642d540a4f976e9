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
from binder import BinderEnv, LabServer, prepare_binder_env
from browser_support import (
    ARTIFACTS,
    LOAD_TIMEOUT_MS,
    REPO_ROOT,
    OfflineGuard,
    find_chromium,
    is_loopback_url,
    launch_chromium,
    serve_directory,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

#: Viewport of the simulated reader's window (desktop); ``BookVisitor.visit`` takes others.
VIEWPORT = {"width": 1280, "height": 900}
#: Widths (px) at which the layout is checked: a desktop window and a phone.
DESKTOP, PHONE = 1280, 400
#: Colour schemes the reader's system may prefer; the theme follows it (its mode is "auto").
SCHEMES = ("light", "dark")
MATHJAX_TIMEOUT_MS = LOAD_TIMEOUT_MS

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


# Layout of a loaded page: sideways overflow, formulas that do not fit, content shown,
# and on chapter pages how much of the article is code and where the first figure is.
_LAYOUT_JS = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const article = document.querySelector('article.bd-article')
    || document.querySelector('article') || document.body;
  const ar = article.getBoundingClientRect();
  const style = (el) => getComputedStyle(el);
  const scrolls = (el) => ['auto', 'scroll'].includes(style(el).overflowX);
  const clips = (el) => ['hidden', 'clip'].includes(style(el).overflowX);
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const name = (el) => {
    const cls = (typeof el.className === 'string' && el.className.trim())
      ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : '';
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ');
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}> `
      + JSON.stringify(text.slice(0, 60));
  };
  const box = (r) => `[${Math.round(r.left)}, ${Math.round(r.right)}]`;
  // The nearest ancestor (below the article) that is not overflow-x: visible.
  const overflowBox = (el) => {
    for (let a = el.parentElement; a && a !== article; a = a.parentElement) {
      if (style(a).overflowX !== 'visible') return a;
    }
    return null;
  };

  // 1. The page itself scrolls sideways (or the column holding the article does).
  const pageScrollers = [];
  if (document.documentElement.scrollWidth > vw + 1) {
    pageScrollers.push(`document: scrollWidth ${document.documentElement.scrollWidth} > ${vw}`);
  }
  for (let a = article; a && a !== document.documentElement; a = a.parentElement) {
    if (scrolls(a) && a.scrollWidth > a.clientWidth + 1) {
      pageScrollers.push(`${name(a)}: scrollWidth ${a.scrollWidth} > ${a.clientWidth}`);
    }
  }

  // 2. Elements of the article outside the viewport, or cut off by an overflow: hidden box,
  //    unless they sit in a horizontally scrollable box of their own (which must fit).
  const outside = [];
  const clipped = [];
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_ELEMENT, {
    acceptNode(el) {
      if (!shown(el)) return NodeFilter.FILTER_REJECT;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return NodeFilter.FILTER_SKIP;
      if (r.right > vw + 1 || r.left < -1) {
        outside.push(`${name(el)} spans ${box(r)}, viewport [0, ${vw}]`);
        return NodeFilter.FILTER_REJECT;
      }
      // Formulas: see 3. (MathJax's assistive MathML overflows its box by design.)
      if (el.tagName.startsWith('MJX-') || el.matches('.math')) return NodeFilter.FILTER_REJECT;
      if (scrolls(el)) return NodeFilter.FILTER_REJECT;  // its content may scroll
      if (clips(el) && el.scrollWidth > el.clientWidth + 1 && r.height > 4) {
        clipped.push(`${name(el)} cuts off content: scrollWidth ${el.scrollWidth} > `
          + `${el.clientWidth}`);
        return NodeFilter.FILTER_REJECT;
      }
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  while (walker.nextNode()) { /* acceptNode records */ }

  // 3. Every formula fits its box, or sits in a horizontally scrollable box that fits
  //    the viewport and starts at the formula's start (a centred overflow is unreachable).
  const formulas = Array.from(article.querySelectorAll('mjx-container')).filter(shown);
  const mathProblems = [];
  let displayCount = 0;
  for (const c of formulas) {
    const display = c.getAttribute('display') === 'true';
    displayCount += display;
    const math = c.querySelector('mjx-math') || c;
    const m = math.getBoundingClientRect();
    const label = `${display ? 'display' : 'inline'} formula `
      + JSON.stringify((c.querySelector('mjx-assistive-mml') || c).textContent.trim()
        .slice(0, 50));
    // Boxes between the formula and the article that clip or scroll (innermost first).
    const chain = [];
    for (let a = c; a && a !== article; a = a.parentElement) {
      if (style(a).overflowX !== 'visible') chain.push(a);
    }
    const within = (r, b) => r.left >= b.left - 1 && r.right <= b.right + 1;
    const inViewport = (r) => r.left >= -1 && r.right <= vw + 1;
    if (!chain.length) {
      if (!within(m, ar) || !inViewport(m)) {
        mathProblems.push(`${label} overflows the column: formula ${box(m)}, `
          + `column ${box(ar)}`);
      }
      continue;
    }
    const inner = chain[0].getBoundingClientRect();
    if (clips(chain[0]) && !within(m, inner)) {
      mathProblems.push(`${label} is cut off by its box: formula ${box(m)}, box ${box(inner)}`);
    } else if (scrolls(chain[0]) && m.left < inner.left - 1) {
      mathProblems.push(`${label} starts left of its scroll box, out of reach: `
        + `formula ${box(m)}, box ${box(inner)}`);
    }
    for (let k = 0; k + 1 < chain.length; k++) {
      const r = chain[k].getBoundingClientRect();
      const outer = chain[k + 1].getBoundingClientRect();
      if (clips(chain[k + 1]) && !within(r, outer)) {
        mathProblems.push(`${label}: its box ${box(r)} is cut off by ${name(chain[k + 1])} `
          + box(outer));
      }
    }
    // The outermost scroll box (the one the reader swipes first) is on the screen.
    const scrollers = chain.filter(scrolls);
    const reach = scrollers.length ? scrollers[scrollers.length - 1].getBoundingClientRect() : m;
    if (!inViewport(reach)) {
      mathProblems.push(`${label}: ${scrollers.length ? 'its scroll box' : 'it'} `
        + `${box(reach)} leaves the viewport [0, ${vw}]`);
    }
  }

  // 4. What the reader sees: the heading and the text of the article.
  const h1 = article.querySelector('h1');
  const heading = h1 && shown(h1) ? h1.innerText : null;
  const articleText = article.innerText || '';

  // 5. Chapter layout: visible code (cell inputs and code listings outside outputs) and
  //    the first figure, relative to the article.
  const codeBlocks = Array.from(article.querySelectorAll('div.cell_input, div.highlight'))
    .filter((el) => !el.parentElement.closest('div.cell_input, div.cell_output'))
    .filter(shown);
  const codeHeight = codeBlocks.reduce((s, el) => s + el.getBoundingClientRect().height, 0);
  const figures = Array.from(article.querySelectorAll('img, figure, canvas, svg'))
    .filter((el) => !el.closest('mjx-container') && shown(el))
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([el, r]) => r.width >= 150 && r.height >= 100)
    .sort((a, b) => a[1].top - b[1].top);
  const firstFigure = figures.length ? {
    what: name(figures[0][0]), top: figures[0][1].top - ar.top,
  } : null;

  return {
    viewportWidth: vw,
    theme: document.documentElement.dataset.theme || '',
    pageScrollers, outside, clipped, mathProblems,
    formulas: formulas.length, displayFormulas: displayCount,
    heading, articleText, articleHeight: ar.height,
    codeHeight, codeBlocks: codeBlocks.length, firstFigure,
  };
}
"""


def reader_context(browser, width: int, scheme: str, guard: OfflineGuard | None = None):
    """A new offline browser context as a reader at ``width`` px in ``scheme`` has it.

    Below 600 px it is a phone: overlay scrollbars and touch, as a reader's phone browser
    has them. Requests that leave the machine are blocked by ``guard`` (a new
    :class:`OfflineGuard` unless one is given, to read what it blocked).
    """
    phone = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": VIEWPORT["height"] if not phone else 860},
        device_scale_factor=1,
        color_scheme=scheme,
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(LOAD_TIMEOUT_MS)
    (guard or OfflineGuard()).attach(context)
    return context


@dataclass
class PageReport:
    """What one page load produced (see ``_INSPECT_JS`` for the fields of ``info``)."""

    rel_path: str
    url: str
    info: dict
    layout: dict = field(default_factory=dict)
    width: int = VIEWPORT["width"]
    scheme: str = "light"
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
        self._cache: dict[tuple[str, int, str, bool], PageReport] = {}

    def visit(
        self,
        rel_path: str,
        *,
        screenshot: bool = False,
        width: int = VIEWPORT["width"],
        scheme: str = "light",
    ) -> PageReport:
        """Load ``rel_path`` at ``width`` px in the ``scheme`` colour scheme (once)."""
        key = (rel_path, width, scheme, screenshot)
        if key not in self._cache:
            # A page visited with a screenshot is also a valid plain visit.
            if not screenshot and (rel_path, width, scheme, True) in self._cache:
                return self._cache[(rel_path, width, scheme, True)]
            self._cache[key] = self._load(
                rel_path, screenshot=screenshot, width=width, scheme=scheme
            )
        return self._cache[key]

    def _load(self, rel_path: str, *, screenshot: bool, width: int, scheme: str) -> PageReport:
        guard = OfflineGuard()
        context = reader_context(self.browser, width, scheme, guard)
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
                    layout = page.evaluate(_LAYOUT_JS)
                    break
                except PlaywrightError as exc:
                    if "context was destroyed" not in str(exc):
                        raise
            else:
                raise RuntimeError(f"{rel_path} kept navigating; could not inspect it")
            shot = None
            if screenshot:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                stem = rel_path.removesuffix(".html").replace("/", "__")
                shot = SCREENSHOTS / f"{stem}__{width}px-{scheme}.png"
                page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
        return PageReport(
            rel_path=rel_path,
            url=url,
            info=info,
            layout=layout,
            width=width,
            scheme=scheme,
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


@pytest.fixture(scope="session")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> BinderEnv:
    """What Binder builds (once): a copy of the repository, requirements.txt installed in a
    new venv, then its postBuild (``tests/browser/binder.py``)."""
    if not (REPO_ROOT / "requirements.txt").is_file():
        pytest.fail("requirements.txt does not exist: nothing to install on the Binder path")
    return prepare_binder_env(tmp_path_factory.mktemp("binder"))


@pytest.fixture(scope="session")
def lab_server(binder_env: BinderEnv) -> Iterator[LabServer]:
    """JupyterLab from the Binder venv, rooted at the copy's ``book/``; always stopped.

    The app is exposed in the page (``window.jupyterapp``) so that tests can read the
    notebook model (cells' collapsed state, the modified flag) behind what they see.
    """
    server = LabServer(
        binder_env,
        root_dir=binder_env.repo / "book",
        extra_args=("--LabApp.expose_app_in_browser=True",),
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
