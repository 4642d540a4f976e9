"""The book builds cleanly and the built HTML has what a reader (offline) needs.

Uses the session fixture ``book_build``/``book_html`` (tests/conftest.py), which runs
``jupyter-book build . --path-output . -W -n --keep-going --all`` once per session.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import chapters
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
#: The chapters, from the manifest book/chapters.toml (tools/chapters.py).
CHAPTERS = chapters.load()
S7 = chapters.by_slide("S7", CHAPTERS).docname
#: First line of the script of every interactive figure (pgtheory/viz/_static/interactive.js).
INTERACTIVE_JS_HEADER = "/* pgtheory interactive figure, static page"
#: Page budget of precomputed frames (issue: at most 2 MB of frames per page).
FRAME_BUDGET_BYTES = 2_000_000
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Any absolute http(s) URL or protocol-relative URL.
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
# CDN hosts (and MathJax's own). sphinx-thebe writes the address of its library into a
# constant that is fetched only when a reader clicks "Live Code" (which needs the network
# anyway); that one string is not a page load and is removed before the check.
THEBE_LAZY_URL = re.compile(r"unpkg\.com/thebe@[^\"'\s]*")
MATHJAX_CDN = re.compile(
    r"(cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|unpkg\.com|polyfill\.io|mathjax\.org)"
    r"[^\"'\s]*",
    re.IGNORECASE,
)

pytestmark = pytest.mark.slow


class _Tags(HTMLParser):
    """Collect (tag, attributes) of every start tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def toc_files() -> list[str]:
    """Every file named in _toc.yml (root, parts, chapters, sections), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return found


def html_pages(book_html: Path) -> list[Path]:
    return sorted(p for p in book_html.rglob("*.html") if "_static" not in p.parts)


def test_build_has_no_warnings(book_build) -> None:
    if book_build.log is None:
        pytest.skip("PGTHEORY_BOOK_HTML given: prebuilt book, no build log to check")
    log = ANSI.sub("", book_build.log)
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert warnings == [], "the book build printed warnings:\n" + "\n".join(warnings)
    assert "build succeeded" in log


def test_index_and_every_toc_page_exist(book_html: Path) -> None:
    index = book_html / "index.html"
    assert index.is_file()
    assert 'url=book/intro.html"' in index.read_text(encoding="utf-8")
    files = toc_files()
    assert S7 in files, "the S7 chapter must be in _toc.yml"
    missing = [f for f in files if not (book_html / f"{f}.html").is_file()]
    assert missing == [], f"toc entries without a built page: {missing}"


def test_s7_has_theorem_and_proof_blocks(book_html: Path) -> None:
    divs = [set(attrs.get("class", "").split()) for tag, attrs in tags(book_html / f"{S7}.html")]
    theorems = [c for c in divs if {"proof", "theorem"} <= c]
    proofs = [c for c in divs if "proof" in c and "admonition" in c and len(c) == 2]
    assert theorems, "no sphinx-proof theorem block (div.proof.theorem) on the S7 page"
    assert proofs, "no sphinx-proof proof block (div.proof.admonition) on the S7 page"


def test_mathjax_is_served_locally(book_html: Path) -> None:
    assert (book_html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in html_pages(book_html):
        text = page.read_text(encoding="utf-8")
        cdn = MATHJAX_CDN.search(THEBE_LAZY_URL.sub("", text))
        assert cdn is None, f"{page.relative_to(book_html)} references a CDN: {cdn[0]}"
        for tag, attrs in tags(page):
            if tag == "script" and "mathjax" in attrs.get("src", "").lower():
                src = attrs["src"]
                assert not REMOTE.match(src), f"{page.name} loads MathJax from {src}"
                assert (page.parent / src.split("?")[0]).resolve().is_file(), src
    s7 = (book_html / f"{S7}.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in s7
    # The book-wide macros of _config.yml reach the page's MathJax configuration.
    assert '"TV": "\\\\operatorname{TV}"' in s7


def test_no_page_loads_scripts_or_styles_from_the_network(book_html: Path) -> None:
    # Covers the ipywidgets renderer too (myst-nb's default loads it from a CDN): the
    # book carries no widget JavaScript (nb_ipywidgets_js is empty in _config.yml).
    remote = []
    for page in html_pages(book_html):
        for tag, attrs in tags(page):
            url = attrs.get("src", "") if tag == "script" else ""
            if tag == "link" and attrs.get("rel") in ("stylesheet", "preload", "modulepreload"):
                url = attrs.get("href", "")
            if REMOTE.match(url):
                remote.append(f"{page.relative_to(book_html)}: <{tag}> {url}")
    assert remote == []


def test_no_page_includes_a_script_twice(book_html: Path) -> None:
    # A repeated inline script is a JavaScript error (e.g. sphinx-thebe's `const` config).
    repeated = []
    for page in html_pages(book_html):
        text = page.read_text(encoding="utf-8")
        bodies = re.findall(r"<script(?:\s[^>]*)?>(.+?)</script>", text, flags=re.DOTALL)
        srcs = [a["src"] for t, a in tags(page) if t == "script" and a.get("src")]
        for item in {*bodies, *srcs}:
            if item.lstrip().startswith(INTERACTIVE_JS_HEADER):
                continue  # each interactive figure's own script: idempotent, may repeat
            if (bodies + srcs).count(item) > 1:
                repeated.append(f"{page.relative_to(book_html)}: {item.strip()[:80]}")
    assert repeated == []
    s7 = (book_html / f"{S7}.html").read_text(encoding="utf-8")
    assert s7.count("const THEBE_JS_URL") == 1


def test_api_page_documents_every_public_module(book_html: Path) -> None:
    api = book_html / "book" / "api.html"
    ids = {attrs["id"] for _, attrs in tags(api) if "id" in attrs}
    assert "pgtheory.core.evaluation.evaluate" in ids
    assert "pgtheory.core.mdp.TabularMDP" in ids
    src = ROOT / "src" / "pgtheory"
    modules = sorted(
        ".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        for p in src.rglob("*.py")
        if not p.stem.startswith("_") or (p.stem == "__init__" and p.parent != src)
    )
    assert "viz.interactive" in modules and "viz" in modules, modules
    missing = [m for m in modules if f"module-pgtheory.{m}" not in ids]
    assert missing == [], f"modules missing from book/api.md: {missing}"
    text = html.unescape(api.read_text(encoding="utf-8"))
    assert "Exact V, Q and advantage A of policy pi." in re.sub(r"<[^>]+>", "", text)


def test_public_names_link_to_the_api_page(book_html: Path) -> None:
    # notation.md writes {py:func}`pgtheory.evaluate`; tools/pgtheory_sphinx.py resolves it.
    hrefs = {a.get("href", "") for t, a in tags(book_html / "book" / "notation.html") if t == "a"}
    assert "api.html#pgtheory.core.evaluation.evaluate" in hrefs
    assert "api.html#pgtheory.core.policies.tv_distance" in hrefs


def test_errata_page_lists_seven_errata_in_slide_order_and_links_s7(book_html: Path) -> None:
    """Seven numbered errata, 1..7 in order, sorted by the (first) slide each is about.

    Other pages cite them by number ("{ref}`errata, item 3 <errata-s7-mixture>`"): when the
    numbering changes, grep the repository for "item N" (book/*.md, the chapters,
    src/pgtheory docstrings) and update those references too.
    """
    page = book_html / "book" / "errata.html"
    h2s = re.findall(r"<h2>(.*?)</h2>", page.read_text(encoding="utf-8"), flags=re.S)
    titles = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", h)).split()) for h in h2s]
    headings = [m.groups() for m in map(re.compile(r"([1-9])\. (.+)").fullmatch, titles) if m]
    assert [n for n, _ in headings] == ["1", "2", "3", "4", "5", "6", "7"], headings
    slides = []
    for _, title in headings:
        found = re.search(r"\bslides? S(\d+)", title, flags=re.IGNORECASE)
        assert found, f"erratum heading names no slide: {title!r}"
        slides.append(int(found.group(1)))
    assert slides == sorted(slides), f"errata not in slide order: {slides}: {headings}"
    assert "Slide S7" in headings[slides.index(7)][1]
    hrefs = {a.get("href", "") for t, a in tags(page) if t == "a"}
    s7_page = chapters.by_slide("S7", CHAPTERS).html.rsplit("/", 1)[-1]
    assert any(h.startswith(s7_page) for h in hrefs), hrefs
    # Each item has a stable label, so that other pages can link the item itself.
    ids = {a.get("id", "") for _, a in tags(page)}
    for label in ("errata-finite-horizon", "errata-s7-mixture", "errata-s8-distance"):
        assert label in ids, f"no anchor {label!r} on the errata page"


def test_errata_references_name_the_right_item(book_html: Path) -> None:
    """A page that writes "errata, item N" links to the N-th erratum's anchor."""
    items = re.findall(
        r"\((errata-[a-z0-9-]+)\)=\n## (\d)\. ",
        (ROOT / "book" / "errata.md").read_text(encoding="utf-8"),
    )
    number_of = {label: number for label, number in items}
    assert len(number_of) == 7, items
    wrong = []
    for page in html_pages(book_html):
        text = page.read_text(encoding="utf-8")
        for href, label_text in re.findall(
            r'<a [^>]*href="([^"]*#errata-[^"]*)"[^>]*>(.*?)</a>', text, re.S
        ):
            label = href.rsplit("#", 1)[1]
            said = re.search(r"item (\d)", re.sub(r"<[^>]+>", "", label_text))
            if not said:
                continue
            if label not in number_of:
                wrong.append(f"{page.name}: 'item {said.group(1)}' links unknown {href}")
            elif said.group(1) != number_of[label]:
                wrong.append(
                    f"{page.name}: says item {said.group(1)}, links {label}, "
                    f"which is item {number_of[label]}"
                )
    assert wrong == []


def test_glued_numbers_and_api_signatures_are_styled_for_reading(book_html: Path) -> None:
    """The book's stylesheet (_static/pgtheory.css) is on every page: glued numbers in the
    body font (myst-nb makes them bold), signatures that wrap on a phone."""
    css = (ROOT / "_static" / "pgtheory.css").read_text(encoding="utf-8")
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert re.search(r"span\.pasted-text\s*\{[^}]*font-weight:\s*(inherit|normal|400)", rules)
    assert re.search(r"dt\.sig[^{]*\{[^}]*overflow-wrap:\s*anywhere", rules)
    # Figures keep their white paper in the dark theme (the theme would dim them on grey).
    assert re.search(
        r'html\[data-theme="dark"\][^{]*\.cell_output img[^{]*\{[^}]*background-color:\s*#fff',
        rules,
    )
    assert (book_html / "_static" / "pgtheory.css").is_file()
    missing = [
        p.relative_to(book_html).as_posix()
        for p in html_pages(book_html)
        if p.relative_to(book_html).as_posix() != "index.html"  # a redirect to book/intro
        and not any(
            t == "link" and a.get("href", "").split("?")[0].endswith("_static/pgtheory.css")
            for t, a in tags(p)
        )
    ]
    assert missing == [], f"pages without _static/pgtheory.css: {missing}"


def test_api_signatures_show_numpy_aliases_not_their_expansion(book_html: Path) -> None:
    """autodoc_type_aliases keeps `ArrayLike` / `NDArray[...]` as written in the modules."""
    page = html.unescape(
        re.sub(r"<[^>]+>", "", (book_html / "book" / "api.html").read_text(encoding="utf-8"))
    )
    assert "_NestedSequence" not in page and "_SupportsArray" not in page
    assert "numpy.typing.ArrayLike" not in page
    assert re.search(r"pi:\s*ArrayLike", page), "ArrayLike not shown in signatures"
    assert re.search(r"NDArray\[np\.float64\]", page), "NDArray[np.float64] not shown"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_chapter_numbers_are_slide_numbers(book_html: Path, chapter: chapters.Chapter) -> None:
    """The chapter of slide SN (book/chapters.toml) is chapter N: its heading, its sections,
    its theorem/figure/exercise numbers, and its entry in every page's navigation
    (tools/pgtheory_sphinx.py makes this true while earlier chapters are not written yet)."""
    slide = chapter.number
    problems = []
    text = (book_html / chapter.html).read_text(encoding="utf-8")
    h1 = re.search(r'<h1><span class="section-number">([\d.]+) </span>', text)
    if not h1 or h1.group(1) != f"{slide}.":
        problems.append(f"{chapter.docname}: heading number {h1 and h1.group(1)!r}")
    # The footer's previous/next links show the neighbouring chapters' numbers.
    body = re.sub(r'<p class="prev-next-title">.*?</p>', "", text, flags=re.S)
    for number in re.findall(r'<span class="section-number">([\d.]+) </span>', body):
        if not number.startswith(f"{slide}."):
            problems.append(f"{chapter.docname}: section number {number}")
    for caption in re.findall(r'<span class="caption-number">([^<]*)</span>', text):
        if not re.fullmatch(rf"\s*[\w.]+ {slide}\.\d+\s*", caption):
            problems.append(f"{chapter.docname}: {caption.strip()!r} is not numbered {slide}.k")
    name = re.escape(chapter.html.rsplit("/", 1)[-1])
    for page in html_pages(book_html):
        nav = re.findall(rf'href="(?:[^"]*/)?{name}">([\d.]+) ', page.read_text("utf-8"))
        problems += [
            f"{page.name}: navigation shows {n!r} for {chapter.name}"
            for n in nav
            if n != f"{slide}."
        ]
    assert problems == []


#: Pages that are not chapters, and a chapter of slide N that does not exist yet.
PROMISE = re.compile(r"(?i)\bin preparation\b|\bchapters? (S\d+)(?:[–-]S?(\d+))?")


def test_no_page_promises_a_chapter_that_does_not_exist() -> None:
    present = {c.number for c in CHAPTERS}
    promises = []
    for page in sorted((ROOT / "book").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in PROMISE.finditer(text):
            if match.group(1) is None:
                promises.append(f"{page.name}: {match.group(0)!r}")
                continue
            first = int(match.group(1)[1:])
            last = int(match.group(2) or first)
            if any(n not in present for n in range(first, last + 1)):
                promises.append(f"{page.name}: {match.group(0)!r}")
    assert promises == [], f"pages that promise chapters not written yet: {promises}"


def test_launch_download_and_repository_buttons(book_html: Path) -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]["url"].rstrip("/")
    owner_name = repo.removeprefix("https://github.com/")
    page = book_html / f"{S7}.html"
    hrefs = {a.get("href", "") for t, a in tags(page) if t == "a"}
    binder = f"https://mybinder.org/v2/gh/{owner_name}/{config['repository']['branch']}?"
    assert any(h.startswith(binder) and f"{S7}.ipynb" in h for h in hrefs), "Binder button"
    assert f"../_sources/{S7}.ipynb" in hrefs, "download .ipynb button"
    assert (book_html / "_sources" / f"{S7}.ipynb").is_file()
    assert repo in hrefs, "repository button"
    classes = " ".join(a.get("class", "") for _, a in tags(page))
    assert "btn-launch-thebe" in classes, "Thebe (live code) button"


def test_bibliography_lists_every_reference(book_html: Path) -> None:
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    titles = [re.sub(r"[{}]", "", t) for t in re.findall(r"^\s*title\s*=\s*\{(.+)\},?$", bib, re.M)]
    assert len(titles) >= 10
    page = (book_html / "book" / "bibliography.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split()).lower()
    missing = [t for t in titles if " ".join(t.split()).lower() not in text]
    assert missing == []


def test_interactive_figures_are_static_controls_within_the_page_budget(book_html: Path) -> None:
    """Each page's interactive figures carry their frames (base64 PNG) within 2 MB, and the
    HTML builder chose the static control, not the (dead on a static page) widget view."""
    over, per_page = [], {}
    for page in html_pages(book_html):
        text = page.read_text(encoding="utf-8")
        payloads = re.findall(
            r'<script type="application/json" class="pgt-data">(.+?)</script>', text, re.S
        )
        frames = [f for p in payloads for f in json.loads(p.replace("<\\/", "</"))["frames"]]
        n_bytes = sum(len(f) for f in frames)
        per_page[page.relative_to(book_html).as_posix()] = (len(payloads), len(frames))
        if n_bytes > FRAME_BUDGET_BYTES:
            over.append(f"{page.relative_to(book_html)}: {n_bytes} bytes of frames")
    assert over == [], over
    n_figures, n_frames = per_page[f"{S7}.html"]
    assert n_figures == 1 and n_frames > 50, per_page[f"{S7}.html"]
    s7 = (book_html / f"{S7}.html").read_text(encoding="utf-8")
    assert 'class="pgt-interactive"' in s7
    assert "application/vnd.jupyter.widget-view+json" not in s7
