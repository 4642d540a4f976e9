"""MathJax 4 for the book, served from the built site itself (no CDN, no network).

npm's ``mathjax`` package and its default font (``@mathjax/mathjax-newcm-font``) are pinned in
``tools/mathjax/package.json`` / ``package-lock.json`` and installed by ``python3 tasks.py``
setup (``npm ci`` in ``tools/mathjax``; the registry is used at setup only). This extension

* points Sphinx's ``mathjax_path`` at ``_static/mathjax/tex-chtml.js``;
* adds to the book's ``mathjax3_config`` (the ``window.MathJax`` object, which MathJax 4 reads
  as MathJax 3 did; the macros stay in ``_config.yml``) the local font path and automatic line
  breaking of display math (``output.displayOverflow: 'linebreak'``), so a long formula breaks
  at the width of its column on any screen;
* copies into ``_build/html/_static/mathjax`` only the files the pages load at run time
  (:data:`COPIED`, about 5 MB of the packages' 70 MB): the ``tex-chtml`` component, the TeX
  extensions it may autoload, the assistive MathML and speech rules of its accessibility
  component, and the font's dynamic CHTML data and woff2 files.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

#: The npm project (package.json, package-lock.json, node_modules after ``npm ci``).
NPM_DIR = Path(__file__).resolve().parent / "mathjax"
#: The version pinned in package.json (tests check that the browser loads this one).
MATHJAX_VERSION = json.loads((NPM_DIR / "package.json").read_text(encoding="utf-8"))[
    "dependencies"
]["mathjax"]
#: Where the files land inside the built site's ``_static``.
STATIC_SUBDIR = "mathjax"
#: The font package's directory below ``_static/mathjax`` (MathJax's ``[fonts]`` path).
FONTS_SUBDIR = "fonts"
FONT_PACKAGE = "mathjax-newcm-font"

#: (package, path inside it) copied into ``_static/mathjax`` (a directory is copied whole).
#: What a page loads was read off the browser's network log (tests/browser/test_math_reflow.py
#: checks that nothing MathJax asks for is missing).
COPIED: tuple[tuple[str, str], ...] = (
    ("mathjax", "tex-chtml.js"),
    ("mathjax", "LICENSE"),
    # TeX packages that tex-chtml.js autoloads when a page uses one of their macros.
    ("mathjax", "input/tex/extensions"),
    # The hidden MathML that screen readers read (EXTRA_CONFIG's assistiveMml).
    ("mathjax", "a11y/assistive-mml.js"),
    # The speech of the accessibility component (a web worker and its English and Nemeth
    # rules), loaded by every page with math.
    ("mathjax", "sre/speech-worker.js"),
    ("mathjax", "sre/mathmaps/base.json"),
    ("mathjax", "sre/mathmaps/en.json"),
    ("mathjax", "sre/mathmaps/nemeth.json"),
    # The font: its dynamic ranges (e.g. double-struck letters) and woff2 files.
    (f"@mathjax/{FONT_PACKAGE}", "chtml"),
    (f"@mathjax/{FONT_PACKAGE}", "package.json"),
)

#: Added to the book's ``mathjax3_config`` (merged under the keys from ``_config.yml``).
EXTRA_CONFIG: dict[str, Any] = {
    # The font's files are served next to MathJax, not from MathJax's default CDN.
    "loader": {"paths": {"fonts": f"[mathjax]/{FONTS_SUBDIR}"}},
    "output": {
        # Long display formulas break at the container's width; what cannot break
        # (an aligned block, an array) overflows into the scrollable box of the "math" CSS
        # section of _static/pgtheory.css, which shows a scroll cue.
        "displayOverflow": "linebreak",
        "linebreaks": {"inline": True, "width": "100%"},
    },
    # Screen readers get each formula as hidden MathML (MathJax 3's default, which the
    # book had), not MathJax 4's default semantic enrichment and speech, which made a
    # chapter typeset 3-5 times slower than MathJax 3 did. A reader can still switch speech
    # on in MathJax's menu (the speech rules are served, see COPIED). Every formula stays a
    # Tab stop (MathJax 4's default): with formulas out of the tab order, an inline formula
    # whose box scrolls by a fraction of a pixel has no focusable content, which axe-core
    # reports (scrollable-region-focusable) on most pages.
    "options": {"menuOptions": {"settings": {"enrich": False, "assistiveMml": True}}},
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out.setdefault(key, value)
    return out


def node_modules() -> Path:
    """The installed npm packages; a clear error when ``npm ci`` has not run."""
    modules = NPM_DIR / "node_modules"
    installed = modules / "mathjax" / "package.json"
    if not installed.is_file():
        raise ValueError(
            f"MathJax is not installed in {modules}: run `python3 tasks.py setup` "
            f"(or `npm ci` in {NPM_DIR})"
        )
    version = json.loads(installed.read_text(encoding="utf-8"))["version"]
    if version != MATHJAX_VERSION:
        raise ValueError(
            f"{modules} holds mathjax {version}, package.json pins {MATHJAX_VERSION}: "
            f"run `npm ci` in {NPM_DIR}"
        )
    return modules


#: Marks every display formula that still overflows its box once MathJax has typeset the
#: page (and again after a resize) with :data:`SCROLLS_CLASS`, and the side where more of it
#: is hidden; the "math" section of _static/pgtheory.css draws the scroll cue from these.
SCROLLS_CLASS = "pgt-math-scrolls"
CUE_SCRIPT = """
(() => {
  const mark = () => {
    for (const c of document.querySelectorAll('div.math mjx-container[display="true"]')) {
      const more = c.scrollWidth - c.clientWidth;
      c.classList.toggle('__CLS__', more > 1);
      c.classList.toggle('pgt-math-more-left', more > 1 && c.scrollLeft > 1);
      c.classList.toggle('pgt-math-more-right', more > 1 && c.scrollLeft < more - 1);
      if (more > 1 && c.tabIndex < 0) {
        c.setAttribute('tabindex', '0');  // scrollable from the keyboard too
      }
    }
    // An inline formula wider than its paragraph scrolls in its own box (CSS "math"
    // section, point 5), from the keyboard too.
    for (const s of document.querySelectorAll('.bd-article span.math')) {
      const block = s.parentElement.closest('p, li, dd, dt, td, th, div, figcaption, caption');
      const wide = block && s.getBoundingClientRect().width > block.clientWidth + 1;
      if (wide && !s.classList.contains('pgt-math-inline-scrolls')) {
        s.classList.add('pgt-math-inline-scrolls');
        if (s.tabIndex < 0) s.setAttribute('tabindex', '0');
      }
    }
  };
  const start = () => {
    if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return;
    MathJax.startup.promise.then(mark);
    window.addEventListener('resize', mark);
    document.addEventListener('scroll', (e) => {
      if (e.target.matches && e.target.matches('mjx-container')) mark();
    }, true);
  };
  if (document.readyState === 'complete') start();
  else window.addEventListener('load', start);
})();
""".replace("__CLS__", SCROLLS_CLASS)


def add_cue_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if app.builder.format != "html":
        return
    if app.env.get_domain("math").has_equations(pagename):  # type: ignore[attr-defined]
        app.builder.add_js_file("", body=CUE_SCRIPT)  # type: ignore[attr-defined]


def configure(app: Sphinx, config: Any) -> None:
    node_modules()  # fail early, before the build, when MathJax is missing
    config.mathjax_path = f"{STATIC_SUBDIR}/tex-chtml.js"
    config.mathjax3_config = _merge(config.mathjax3_config or {}, EXTRA_CONFIG)


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    modules = node_modules()
    target = Path(app.outdir) / "_static" / STATIC_SUBDIR
    for package, rel in COPIED:
        src = modules / package / rel
        if package == "mathjax":
            dst = target / rel
        else:
            dst = target / FONTS_SUBDIR / FONT_PACKAGE / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", configure)
    app.connect("html-page-context", add_cue_script)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
