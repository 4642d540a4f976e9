"""The printed API index (tools/api_index.py): every public function and class, once, with
the first line of its docstring, linked to its entry online; bad input is refused."""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
import api_index  # noqa: E402 - tools/ is not a package


def test_index_holds_every_public_function_and_class_once() -> None:
    entries = api_index.api_entries()
    expected = set()
    for package in api_index.PACKAGES:
        mod = importlib.import_module(package)
        expected |= {
            name
            for name in mod.__all__
            if inspect.isfunction(getattr(mod, name)) or inspect.isclass(getattr(mod, name))
        }
    names = [e.name for e in entries]
    assert sorted(names) == sorted(expected)
    for e in entries:
        obj = getattr(importlib.import_module(e.module), e.name)
        assert e.anchor == f"{obj.__module__}.{obj.__qualname__}"
        assert e.summary and "``" not in e.summary and ":func:" not in e.summary, e


def test_index_page_links_each_name_to_the_online_reference() -> None:
    entries = api_index.api_entries()
    url = "https://example.org/book/api.html"
    page = api_index.index_page(entries, url, ["../_static/site.css"])
    assert '<link rel="stylesheet" href="../_static/site.css">' in page
    assert f'<a href="{url}">{url}</a>' in page
    for e in entries:
        assert f'href="{url}#{e.anchor}"' in page, e.name
    assert f"the {sum(e.kind == 'function' for e in entries)} public functions" in page


def test_summary_reads_without_markup() -> None:
    assert api_index._plain("Uses :func:`~pgtheory.core.mdp.chain_mdp` and ``x + 1``.") == (
        "Uses chain_mdp and x + 1."
    )


def test_a_public_name_without_docstring_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("fake_pkg")

    def undocumented() -> None:
        pass

    fake.undocumented = undocumented  # type: ignore[attr-defined]
    fake.__all__ = ["undocumented"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_pkg", fake)
    with pytest.raises(ValueError, match=r"fake_pkg\.undocumented has no docstring"):
        api_index.api_entries(("fake_pkg",))


def test_site_url(tmp_path: Path) -> None:
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/owner/name\n")
    assert api_index.site_url(config) == "https://owner.github.io/name/"
    config.write_text("html:\n  baseurl: https://books.example.org/pg\n")
    assert api_index.site_url(config) == "https://books.example.org/pg/"
    config.write_text("repository:\n  url: https://gitlab.com/owner/name\n")
    with pytest.raises(ValueError, match=r"expected https://github\.com/OWNER/NAME"):
        api_index.site_url(config)
