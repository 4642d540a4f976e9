"""The book's Sphinx extension: public-name cross references, and one script tag per script.

1. Cross references. The API page (``book/api.md``) documents every public object under
its defining module, ``pgtheory.core.evaluation.evaluate``, so that signatures and docstrings
that name the module resolve. Readers, chapters and docstrings mostly write the public
name, ``pgtheory.evaluate`` (what ``import pgtheory`` offers). When such a Python cross
reference has no target, this extension looks the name up in the package and retries with
the defining module's path.
References that still fail are reported as usual (the build runs with ``-n -W``).

2. Duplicate inline scripts. sphinx-thebe 0.3.1 registers an inline script (its
``const THEBE_JS_URL = ...`` configuration) after the HTML builder has started; Sphinx 7.4
then lists it twice on every page (once as ``filename=None``, once as ``""``), and the
second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in the browser.
Before each page is rendered, scripts that are identical apart from that spelling are
dropped, keeping the first.

3. Chapter numbers are slide numbers. The chapter of slide N is the entry with
``slide = "SN"`` in the chapter manifest ``book/chapters.toml`` (read with
``tools/chapters.py``; the file name plays no part); its number in the headings, the
navigation, and its theorem, figure and exercise numbers is N, even while the chapters
before it are not written yet (Sphinx numbers a numbered toctree from 1, so S7 would
otherwise be chapter 1). Once S1..S(N-1) are all in ``_toc.yml`` in slide order, Sphinx's
own numbering already gives N and this step changes nothing. ``tests/test_book_build.py``
checks the rule on the built pages.

4. Accessible HTML (WCAG 2.1 AA, checked by axe-core in
``tests/browser/test_accessibility.py``). Three things the theme's and Sphinx's own HTML get
wrong are rewritten in each page's body before it is written (:func:`accessible_body`):
Sphinx writes a multi-line signature's parameters as a ``<dl>`` holding only ``<dd>``
elements (an invalid definition list; 184 on the API page), which become plain blocks;
docutils marks bibliography entries with the deprecated ARIA role ``doc-biblioentry``
inside a ``role="list"`` (a list whose items are not list items), which become
``listitem``; and the scroll box of each table the library renders
(``pgtheory.viz.tables``, stored in the chapters' outputs) becomes focusable, a region
named by the table's caption, so that a keyboard can scroll a table wider than a phone.

5. Tables on a phone (:func:`label_table_cells`). Every table of a page with one header
row (the library's ``pgtheory.viz.tables``, stored in the chapters' outputs, and the MyST
tables) gets explicit ARIA roles (``table``, ``rowgroup``, ``row``, ``columnheader``,
``cell``) and, in each body cell, a copy of its column's header (``span.pgt-cell-label``,
hidden from screen readers, which get the real header). ``_static/pgtheory-tables.js``
marks a table ``pgt-stacked`` when it is wider than its box, and ``_static/pgtheory.css``
then shows each row as a card of "header: value" lines. The roles keep the table a table
for screen readers once CSS makes its parts blocks (a ``display: block`` table loses its
semantics in Chromium and WebKit). At 1280 px every table fits and stays a real table.

6. Search (:func:`use_search_scorer`): chapters rank before the API reference. The
scorer ``tools/search_scorer.js`` (Sphinx's ``html_search_scorer``) lowers every result on
the API page; ``_static/pgtheory-search.js`` shows formulas in the result snippets as
plain text (``pi_theta``) instead of their TeX source.

7. No 1.45 MB icon script (:func:`drop_fontawesome_script`). pydata-sphinx-theme loads
Font Awesome's SVG-with-JavaScript build (``_static/scripts/fontawesome.js``) on every
page, although its stylesheet already styles the same ``<i class="fa-...">`` icons with
Font Awesome's web fonts (``_static/vendor/fontawesome/webfonts``). After the build the
script tag is removed from every page and the script (and its source map) from the
output, so the icons are drawn by the web fonts that the theme ships.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.
"""

from __future__ import annotations

import html
import importlib
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

PACKAGE = "pgtheory"

# The chapter manifest's loader lives beside this file (Jupyter Book puts tools/ on the path
# for local_extensions; this makes the import independent of that).
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import chapters  # noqa: E402 - tools/ is not a package


def canonical_name(target: str) -> str | None:
    """Public name -> defining module's path, for the package and its subpackages.

    ``"pgtheory.evaluate"`` -> ``"pgtheory.core.evaluation.evaluate"``,
    ``"pgtheory.viz.slider"`` -> ``"pgtheory.viz.interactive.slider"``; None if the name is
    not in the ``__all__`` of ``pgtheory`` or of one of its packages.
    """
    prefix = PACKAGE + "."
    if not target.startswith(prefix):
        return None
    parts = target.split(".")
    # The longest importable package prefix that lists the next part in its __all__.
    for cut in range(len(parts) - 1, 0, -1):
        try:
            package = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        head, rest = parts[cut], parts[cut + 1 :]
        if head not in getattr(package, "__all__", ()):
            return None
        obj = getattr(package, head)
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if not module or not qualname:
            return None
        return ".".join([module, qualname, *rest])
    return None


def resolve_public_name(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target = canonical_name(node.get("reftarget", ""))
    if target is None or target == node["reftarget"]:
        return None
    domain = env.get_domain("py")
    retry = node.deepcopy()
    retry["reftarget"] = target
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], target, retry, contnode
    )


def dedupe_script_files(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Drop repeated ``<script>`` tags from a page (added by the browser-test helper).

    Sphinx 7.4 emits an inline script that an extension registers after the builder started
    (sphinx-thebe's ``const THEBE_JS_URL = ...``) twice: once as registered (file name
    ``None``) and once re-added from the registry (file name ``""``). The second copy
    throws "Identifier 'THEBE_JS_URL' has already been declared" in every reader's browser
    (caught by ``tests/browser/test_published_book.py``). Keep the first of equal scripts.
    """
    files = context.get("script_files")
    if not files:
        return
    seen: set[tuple[str, int, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for js in files:
        attributes = getattr(js, "attributes", None) or {}
        key = (
            str(getattr(js, "filename", js) or ""),
            int(getattr(js, "priority", 500)),
            tuple(sorted((str(k), str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(js)
    files[:] = unique


def drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    kept = []
    for js in scripts:
        attributes = tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items()))
        key = (str(getattr(js, "filename", js) or ""), attributes)
        if key not in seen:
            seen.add(key)
            kept.append(js)
    # The builder restores its own list before each page, so editing this one is local.
    scripts[:] = kept


# A multi-line signature's parameter list as Sphinx 7 writes it (HTML5Translator, with
# python_maximum_signature_line_length): "(" then a <dl> whose children are <dd>s only.
_SIG_PARAM_LIST = re.compile(r'(<span class="sig-paren">[(\[]</span>)(\s*)<dl>(.*?)</dl>', re.S)
_SIG_PARAM = re.compile(r"<dd>(.*?)</dd>", re.S)
_BIBLIOENTRY = re.compile(r'(<div class="citation" id="[^"]*") role="doc-biblioentry">')
# The scroll box around a table of pgtheory.viz.tables, and the table's caption if any.
_TABLE_WRAP = re.compile(
    r'<div class="pgt-table-wrap"(?P<attrs>[^>]*)>(?P<table>\s*<table[^>]*>\s*'
    r"(?:<caption>(?P<caption>.*?)</caption>)?)",
    re.S,
)
_TAG = re.compile(r"<[^>]+>")


def _signature_blocks(match: re.Match[str]) -> str:
    params = _SIG_PARAM.sub(r'<div class="pgt-sig-param">\1</div>', match.group(3))
    return f'{match.group(1)}{match.group(2)}<div class="pgt-sig-params">{params}</div>'


def _focusable_table_wrap(match: re.Match[str]) -> str:
    attrs = match.group("attrs")
    if "tabindex=" in attrs:
        return match.group(0)
    caption = match.group("caption")
    text = " ".join(html.unescape(_TAG.sub(" ", caption or "")).split())
    label = html.escape(f"Table: {text}" if text else "Table", quote=True)
    return (
        f'<div class="pgt-table-wrap"{attrs} tabindex="0" role="region" '
        f'aria-label="{label}">{match.group("table")}'
    )


def accessible_body(body: str) -> str:
    """A page body's HTML with the three accessibility fixes of point 4 applied.

    ``(<dl><dd>p</dd></dl>`` in a signature becomes
    ``(<div class="pgt-sig-params"><div class="pgt-sig-param">p</div></div>``.
    """
    body = _SIG_PARAM_LIST.sub(_signature_blocks, body)
    body = _BIBLIOENTRY.sub(r'\1 role="listitem">', body)
    return _TABLE_WRAP.sub(_focusable_table_wrap, body)


def make_body_accessible(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body")
    if isinstance(body, str):
        context["body"] = label_table_cells(accessible_body(body))


# Point 5: tables whose only header row is in <thead> (no cell spans several rows or columns).
_TABLE = re.compile(r"<table(?P<attrs>[^>]*)>(?P<inner>.*?)</table>", re.S)
_THEAD = re.compile(r"<thead(?P<attrs>[^>]*)>(?P<inner>.*?)</thead>", re.S)
_TBODY = re.compile(r"<tbody(?P<attrs>[^>]*)>(?P<inner>.*?)</tbody>", re.S)
_ROW = re.compile(r"<tr(?P<attrs>[^>]*)>(?P<inner>.*?)</tr>", re.S)
_CELL = re.compile(r"<(?P<tag>t[dh])(?P<attrs>[^>]*)>(?P<inner>.*?)</(?P=tag)>", re.S)
_PARAGRAPH_TAG = re.compile(r"</?p(?:\s[^>]*)?>")
_ID_ATTR = re.compile(r'\s(?:id|name|tabindex)="[^"]*"')
_LINK_TAG = re.compile(r"</?a(?:\s[^>]*)?>")
_CLASS_ATTR = re.compile(r'\sclass="(?P<classes>[^"]*)"')


def _with_attr(attrs: str, name: str, value: str) -> str:
    """``attrs`` (an opening tag's attributes) with ``name="value"`` unless already set."""
    if re.search(rf"\s{name}=", attrs):
        return attrs
    return f'{attrs} {name}="{html.escape(value, quote=True)}"'


def _with_class(attrs: str, cls: str) -> str:
    match = _CLASS_ATTR.search(attrs)
    if match is None:
        return f'{attrs} class="{cls}"'
    classes = match.group("classes").split()
    if cls in classes:
        return attrs
    return f'{attrs[: match.start()]} class="{" ".join([*classes, cls])}"{attrs[match.end() :]}'


def _cell_label(header_html: str) -> str:
    """The visible column label of a body cell: the header's content without paragraphs,
    ids (a copy must not duplicate an anchor) or links (an ``aria-hidden`` copy must hold
    nothing focusable; the link stays in the header)."""
    label = _ID_ATTR.sub("", _LINK_TAG.sub("", _PARAGRAPH_TAG.sub("", header_html))).strip()
    return f'<span class="pgt-cell-label" aria-hidden="true">{label}</span>'


def _label_table(match: re.Match[str]) -> str:
    attrs, inner = match.group("attrs"), match.group("inner")
    thead, tbody = _THEAD.search(inner), _TBODY.search(inner)
    if thead is None or tbody is None or "colspan=" in inner or "rowspan=" in inner:
        return match.group(0)
    header_rows = _ROW.findall(thead.group("inner"))
    if len(header_rows) != 1:
        return match.group(0)
    headers = [c.group("inner") for c in _CELL.finditer(header_rows[0][1])]
    if not headers or "pgt-cell-label" in inner:
        return match.group(0)

    def row(m: re.Match[str], body: bool) -> str:
        cells = []
        for k, cell in enumerate(_CELL.finditer(m.group("inner"))):
            tag, cell_attrs, content = cell.group("tag"), cell.group("attrs"), cell.group("inner")
            if not body:
                cell_attrs = _with_attr(cell_attrs, "role", "columnheader")
            elif tag == "th":
                cell_attrs = _with_attr(cell_attrs, "role", "rowheader")
            else:
                cell_attrs = _with_attr(cell_attrs, "role", "cell")
            if body and k < len(headers):
                content = _cell_label(headers[k]) + content
            cells.append(f"<{tag}{cell_attrs}>{content}</{tag}>")
        return f"<tr{_with_attr(m.group('attrs'), 'role', 'row')}>{''.join(cells)}</tr>"

    def group(m: re.Match[str], tag: str, body: bool) -> str:
        rows = _ROW.sub(lambda r: row(r, body), m.group("inner"))
        return f"<{tag}{_with_attr(m.group('attrs'), 'role', 'rowgroup')}>{rows}</{tag}>"

    new_inner = (
        inner[: thead.start()]
        + group(thead, "thead", False)
        + inner[thead.end() : tbody.start()]
        + group(tbody, "tbody", True)
        + inner[tbody.end() :]
    )
    new_attrs = _with_class(_with_attr(attrs, "role", "table"), "pgt-stackable")
    return f"<table{new_attrs}>{new_inner}</table>"


def label_table_cells(body: str) -> str:
    """A page body's HTML with point 5 applied to each table that has one header row.

    ``<table class="table"><thead><tr><th>eps</th></tr></thead><tbody><tr><td>0.1</td>``
    becomes ``<table class="table pgt-stackable" role="table"><thead role="rowgroup">
    <tr role="row"><th role="columnheader">eps</th></tr></thead><tbody role="rowgroup">
    <tr role="row"><td role="cell"><span class="pgt-cell-label" aria-hidden="true">eps
    </span>0.1</td>``. Tables with spanning cells or several header rows are left as
    they are (they keep scrolling in their box).
    """
    return _TABLE.sub(_label_table, body)


SEARCH_SCORER = Path(__file__).resolve().parent / "search_scorer.js"


def use_search_scorer(app: Sphinx, config: Any) -> None:
    """Point 6: Sphinx's ``html_search_scorer`` is the book's scorer unless set otherwise.

    Sphinx opens the option's path as given (relative to the working directory, not the
    configuration directory), so it is set here, absolute, at each build.
    """
    if not config.html_search_scorer:
        config.html_search_scorer = str(SEARCH_SCORER)


#: The theme's script tag for Font Awesome's SVG-with-JavaScript build (point 7).
_FONTAWESOME_SCRIPT = re.compile(
    r'[ \t]*<script\b[^>]*\bsrc="[^"]*_static/scripts/fontawesome\.js(?:\?[^"]*)?"[^>]*>'
    r"\s*</script>[ \t]*\n?"
)


def drop_fontawesome_script(app: Sphinx, exception: Exception | None) -> None:
    """Point 7: remove the theme's fontawesome.js tag from every written page, and the file.

    Runs once the HTML is written (``build-finished``), on the HTML builders only; the
    rewrite is idempotent, so incremental builds leave pages already rewritten as they are.
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = _FONTAWESOME_SCRIPT.sub("", text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (outdir / "_static" / "scripts" / name).unlink(missing_ok=True)


def chapter_numbers(srcdir: str | Path) -> dict[str, int]:
    """``{docname: chapter number}`` of the manifest's chapters, docnames relative to the
    book's source directory ``srcdir`` (``book/s7_distribution_change_deterministic`` -> 7)."""
    return {
        Path(os.path.relpath(c.path.with_suffix(""), srcdir)).as_posix(): c.number
        for c in chapters.load()
    }


def number_chapters_by_slide(env: BuildEnvironment) -> list[str]:
    """Renumber each chapter of slide N (and its sections) to chapter N; return those changed.

    Runs right after Sphinx assigned section numbers (``env.toc_secnumbers``, and the
    ``secnumber`` of the references in ``env.tocs`` and of ``env.titles``, which the
    navigation shows) and before it assigns figure numbers, which derive from them.
    """
    numbers = chapter_numbers(env.srcdir)
    changed = []
    for docname, secnums in env.toc_secnumbers.items():
        slide = numbers.get(docname)
        own = (secnums or {}).get("")
        if slide is None or not own or own[0] == slide:
            continue
        old = own[0]

        def renumber(number: Any, old: int = old, slide: int = slide) -> Any:
            if number and number[0] == old:
                return type(number)([slide, *number[1:]])
            return number

        env.toc_secnumbers[docname] = {k: renumber(v) for k, v in secnums.items()}
        for reference in env.tocs[docname].findall(nodes.reference):
            if reference.get("secnumber"):
                reference["secnumber"] = renumber(reference["secnumber"])
        title = env.titles.get(docname)
        if title is not None and title.get("secnumber"):
            title["secnumber"] = renumber(title["secnumber"])
        changed.append(docname)
    return changed


def number_chapters_like_slides(app: Sphinx) -> None:
    """Renumber the chapters between section numbering and figure numbering.

    Sphinx's toctree collector assigns section numbers (sphinx-multitoc-numbering and
    sphinx-external-toc's collector each replace that step), then figure numbers from them.
    Hook the second step, which neither replaces, so this runs on the final section numbers.
    """
    from sphinx.environment.collectors.toctree import TocTreeCollector

    assign: Callable[..., list[str]] = TocTreeCollector.assign_figure_numbers
    if getattr(assign, "pgtheory_slide_numbers", False):
        return

    def assign_figure_numbers(self: TocTreeCollector, env: BuildEnvironment) -> list[str]:
        renumbered = number_chapters_by_slide(env)
        rewrite = assign(self, env)
        return rewrite + [d for d in renumbered if d not in rewrite]

    assign_figure_numbers.pgtheory_slide_numbers = True  # type: ignore[attr-defined]
    TocTreeCollector.assign_figure_numbers = assign_figure_numbers  # type: ignore[method-assign]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", number_chapters_like_slides)
    app.connect("missing-reference", resolve_public_name)
    # After the other extensions have added their page scripts.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    # After other html-page-context handlers, which may add page-specific scripts.
    app.connect("html-page-context", dedupe_script_files, priority=900)
    app.connect("html-page-context", make_body_accessible)
    app.connect("config-inited", use_search_scorer)
    app.connect("build-finished", drop_fontawesome_script)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
