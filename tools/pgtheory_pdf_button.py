"""The book's "download the whole book as PDF" button, on every page of the site.

``python3 tasks.py pdf`` (``tools/build_pdf.py``) prints the built book into one PDF and
copies it to ``_build/html/_static/pgtheory.pdf``. This extension adds a link to that
file as the first entry of the theme's download menu (the one that already offers the
page's ``.ipynb`` / ``.md`` source and "print this page"), or as a button of its own on a
page without that menu. The link is relative (Sphinx's ``pathto``), so it works wherever
the site is served from, including a project page under a sub-path.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

#: Where the PDF lives inside the built site (tools/build_pdf.py writes it there).
PDF_IN_SITE = "_static/pgtheory.pdf"
#: The label of the link (tests/test_pdf.py looks for it).
BUTTON_LABEL = "download-book-pdf-button"


def add_book_pdf_button(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    buttons = context.get("header_buttons")
    if buttons is None or "pathto" not in context:
        return
    link = {
        "type": "link",
        "url": context["pathto"](PDF_IN_SITE, 1),
        "text": "Whole book (.pdf)",
        "tooltip": "Download the whole book as one PDF",
        "icon": "fas fa-book",
        "label": BUTTON_LABEL,
    }
    for group in buttons:
        if group.get("label") == "download-buttons":
            group["buttons"].insert(0, link)
            # The theme's own ".pdf" entry prints the current page only: say so.
            for button in group["buttons"]:
                if button.get("label") == "download-pdf-button":
                    button["text"] = "This page (print)"
            return
    buttons.insert(0, {**link, "text": "", "classes": "pst-navbar-icon"})


def setup(app: Sphinx) -> dict[str, Any]:
    # After sphinx-book-theme has filled the header buttons (its handlers run at 501).
    app.connect("html-page-context", add_book_pdf_button, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
