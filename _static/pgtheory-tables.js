/* pgtheory book: a table wider than its box becomes a stack of cards (one per row).
 *
 * tools/pgtheory_sphinx.py marks every table with one header row "pgt-stackable", gives
 * its parts ARIA roles (so it stays a table for screen readers) and puts a copy of the
 * column header in each cell (span.pgt-cell-label, aria-hidden). This script adds the
 * class "pgt-stacked" to such a table when its natural width exceeds its box, and
 * _static/pgtheory.css lays a stacked table out as cards of "header: value" lines. On a
 * desktop every table of the book fits and stays a real table. Re-checked once the
 * formulas are typeset (they change widths) and when the window is resized.
 * Checked by tests/browser/test_phone_tables.py.
 */
(function () {
  "use strict";
  const STACKABLE = "table.pgt-stackable";
  const STACKED = "pgt-stacked";

  function fits(table) {
    const box = table.parentElement;
    table.classList.remove(STACKED);
    // The table's natural width against the width its box offers.
    return table.getBoundingClientRect().width <= box.clientWidth + 1;
  }

  function layOut() {
    // The labels are aria-hidden copies of the headers: MathJax makes each formula
    // focusable (tabindex 0), which an aria-hidden copy must not be.
    document.querySelectorAll(".pgt-cell-label mjx-container[tabindex]").forEach((el) => {
      el.setAttribute("tabindex", "-1");
    });
    document.querySelectorAll(STACKABLE).forEach((table) => {
      if (!fits(table)) table.classList.add(STACKED);
    });
  }

  let pending = null;
  function schedule() {
    if (pending !== null) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      pending = null;
      layOut();
    });
  }

  function start() {
    layOut();
    window.addEventListener("resize", schedule);
    // MathJax typesets after the page loaded; formulas in headers change the widths.
    const typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
    if (typeset) typeset.then(layOut);
    window.addEventListener("load", () => {
      const later = window.MathJax && MathJax.startup && MathJax.startup.promise;
      if (later) later.then(layOut);
      else layOut();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
