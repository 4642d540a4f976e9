"""The printed book's API page: an index of the public functions and classes, with links.

The online API reference (``book/api.md``, generated from the docstrings) is over a
hundred printed pages. The PDF (tools/build_pdf.py) prints this index in its place: for
each public function and class of ``pgtheory`` and ``pgtheory.viz`` (their ``__all__``),
its name (a link to its entry online), its module and the first line of its docstring,
and, once, the address of the online API page. Everything comes from the package itself,
so the index cannot drift from it.

    python tools/api_index.py [OUT.html]    # write the page alone, for a look

The online address is ``html.baseurl`` of ``_config.yml`` if set, else the GitHub Pages
address of ``repository.url`` (``https://<owner>.github.io/<repository>/``, README).
"""

from __future__ import annotations

import html
import importlib
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The page of the book this index stands for in the PDF.
API_DOCNAME = "book/api"
#: The packages whose ``__all__`` is indexed, in this order.
PACKAGES = ("pgtheory", "pgtheory.viz")
#: Title of the printed index (the PDF's outline entry; tests/test_pdf.py looks for it).
TITLE = "API reference: index"


@dataclass(frozen=True)
class ApiEntry:
    """One public name: ``anchor`` is its id on the online API page."""

    name: str
    module: str
    kind: str  # "function" or "class"
    summary: str
    anchor: str


def _plain(text: str) -> str:
    """A docstring's summary without reST markup: ``x`` and :func:`~a.x` read as x."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", lambda m: m.group(1).split(".")[-1], text)
    text = re.sub(r"``([^`]+)``", r"\1", text)
    return " ".join(text.split())


def api_entries(packages: tuple[str, ...] = PACKAGES) -> list[ApiEntry]:
    """The public functions and classes of ``packages``, grouped by defining module."""
    out = []
    for package in packages:
        mod = importlib.import_module(package)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                kind = "function"
            elif inspect.isclass(obj):
                kind = "class"
            else:
                continue  # constants: documented on the online page
            doc = inspect.getdoc(obj) or ""
            summary = _plain(doc.split("\n\n")[0])
            if not summary:
                raise ValueError(f"{package}.{name} has no docstring: the index needs its summary")
            module = obj.__module__
            out.append(ApiEntry(name, module, kind, summary, f"{module}.{obj.__qualname__}"))
    order = {p: i for i, p in enumerate(packages)}
    return sorted(
        out,
        key=lambda e: (
            order["pgtheory.viz" if e.module.startswith("pgtheory.viz") else "pgtheory"],
            e.module,
            e.kind != "class",
            e.name.lower(),
        ),
    )


def site_url(config: Path = ROOT / "_config.yml") -> str:
    """The online book's address, ending in ``/``."""
    import yaml

    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    base = (cfg.get("html") or {}).get("baseurl")
    if base:
        return base.rstrip("/") + "/"
    repo = (cfg.get("repository") or {}).get("url", "")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)/?", repo)
    if not match:
        raise ValueError(
            f"_config.yml: repository.url is {repo!r}, expected https://github.com/OWNER/NAME "
            "(or set html.baseurl)"
        )
    return f"https://{match.group(1)}.github.io/{match.group(2)}/"


#: Layout of the index: one line per name (long summaries end in an ellipsis).
INDEX_CSS = """
.pgt-api-index { width: 100%; table-layout: fixed; border-collapse: collapse;
  font-size: 9px; line-height: 1.2; margin: 0; }
.pgt-api-index col.name { width: 29%; } .pgt-api-index col.module { width: 21%; }
.pgt-api-index td { padding: 0 6px 0 0; border: 0; vertical-align: baseline;
  white-space: nowrap; overflow-x: clip; overflow-y: visible; text-overflow: ellipsis; }
.pgt-api-index tr { break-inside: avoid; }
.pgt-api-index td.name code { font-size: 1em; background: none; border: 0; padding: 0; }
.pgt-api-index td.module { color: #555; }
.pgt-api-index th { font-size: 1.15em; text-align: left; padding: 7px 0 1px 0; border: 0;
  border-bottom: 1px solid #ccc; }
.pgt-api-lead { font-size: 0.95em; }
"""


def index_body(entries: list[ApiEntry], api_url: str) -> str:
    """The index as an ``<article>``: a lead paragraph and one table, a row per name."""
    e = html.escape
    rows = []
    package = None
    for entry in entries:
        top = "pgtheory.viz" if entry.module.startswith("pgtheory.viz") else "pgtheory"
        if top != package:
            package = top
            what = "drawing" if top == "pgtheory.viz" else "computing"
            rows.append(
                f'<tr><th colspan="3"><code>{top}</code>: the {what} functions and classes'
                "</th></tr>"
            )
        label = f"{entry.name}()" if entry.kind == "function" else f"class {entry.name}"
        rows.append(
            f'<tr><td class="name"><a href="{e(api_url)}#{e(entry.anchor)}">'
            f"<code>{e(label)}</code></a></td>"
            f'<td class="module">{e(entry.module.removeprefix("pgtheory."))}</td>'
            f'<td class="summary">{e(entry.summary)}</td></tr>'
        )
    n_functions = sum(x.kind == "function" for x in entries)
    n_classes = len(entries) - n_functions
    return (
        f'<article class="bd-article"><h1>{e(TITLE)}</h1>'
        f'<p class="pgt-api-lead">The full reference, generated from the docstrings (every '
        f"parameter with its shape, returns, errors, references), is online at "
        f'<a href="{e(api_url)}">{e(api_url)}</a>. Here, the {n_functions} public functions '
        f"and {n_classes} classes, each with its module and the first line of its docstring; "
        f"each name links to its entry online.</p>"
        f'<table class="pgt-api-index"><colgroup><col class="name"><col class="module">'
        f'<col class="summary"></colgroup><tbody>{"".join(rows)}</tbody></table></article>'
    )


def index_page(entries: list[ApiEntry], api_url: str, stylesheets: list[str]) -> str:
    """A whole HTML page: ``stylesheets`` (the site's, relative to the page) and the index."""
    links = "".join(f'<link rel="stylesheet" href="{html.escape(s)}">' for s in stylesheets)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(TITLE)}</title>{links}<style>{INDEX_CSS}</style></head>"
        f'<body><div class="bd-main"><div class="bd-content">{index_body(entries, api_url)}'
        "</div></div></body></html>"
    )


def site_stylesheets(page_html: str) -> list[str]:
    """The ``<link rel="stylesheet">`` targets in a built page's ``<head>``."""
    head = page_html.split("</head>", 1)[0]
    links = re.findall(r"<link\b[^>]*>", head)
    return [
        re.search(r'href="([^"]+)"', link).group(1)  # type: ignore[union-attr]
        for link in links
        if 'rel="stylesheet"' in link and "href=" in link
    ]


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "_build" / "api-index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(index_page(api_entries(), site_url() + "book/api.html", []), encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
