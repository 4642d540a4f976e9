/* pgtheory book: search result snippets show formulas as plain text, not TeX.
 *
 * Sphinx's search page (searchtools.js) builds each result's snippet from the text of
 * the result's page (Search.htmlToText), where a formula is still its TeX source
 * (\(\pi_\theta\)): MathJax typesets it only on the page itself. Before that text is
 * taken, each formula (.math) is replaced by a plain reading of its TeX: delimiters
 * dropped, environments (\begin{aligned} ... \end{aligned}), alignment marks and line
 * breaks dropped, Greek letters and common symbols as Unicode, other control words and braces
 * removed (\(\pi_\theta\) -> "π_θ"). Checked by tests/browser/test_published_book.py.
 */
(function () {
  "use strict";
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε",
    zeta: "ζ", eta: "η", theta: "θ", vartheta: "θ", iota: "ι", kappa: "κ", lambda: "λ",
    mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ",
    phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ",
    Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "~",
    in: "∈", notin: "∉", subset: "⊂", subseteq: "⊆", to: "→", rightarrow: "→",
    leftarrow: "←", mapsto: "↦", infty: "∞", sum: "Σ", prod: "Π", int: "∫",
    cdot: "·", times: "×", mid: "|", vert: "|", lvert: "|", rvert: "|", Vert: "‖",
    lVert: "‖", rVert: "‖", langle: "⟨", rangle: "⟩", partial: "∂", nabla: "∇",
    pm: "±", ldots: "…", cdots: "…", dots: "…", forall: "∀", exists: "∃",
    E: "E", R: "R", Prob: "P", TV: "TV", KL: "KL", log: "log", exp: "exp", max: "max",
    min: "min", sup: "sup", inf: "inf", arg: "arg", argmax: "argmax",
  };

  // A plain reading of a formula's TeX source.
  function plainMath(tex) {
    return tex
      .replace(/^\s*(\\\(|\\\[|\$\$?)/, "")
      .replace(/(\\\)|\\\]|\$\$?)\s*$/, "")
      .replace(/\\(?:begin|end)\s*\{[^{}]*\}/g, " ")
      .replace(/\\\\/g, " ")
      .replace(/&/g, "")
      .replace(/\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])/g, "")
      .replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "($1)/($2)")
      .replace(/\\([A-Za-z]+)/g, (m, word) => (word in SYMBOLS ? SYMBOLS[word] : ""))
      .replace(/\\[,;:!\s]/g, " ")
      .replace(/\\(.)/g, "$1")
      .replace(/[{}$]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }

  function withPlainMath(htmlString) {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".math").forEach((el) => {
      el.textContent = plainMath(el.textContent);
    });
    return doc.documentElement.outerHTML;
  }

  function patch() {
    if (typeof Search === "undefined" || Search.pgtPlainMath) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => htmlToText(withPlainMath(htmlString), anchor);
    Search.pgtPlainMath = true;
  }

  window.pgtPlainMath = plainMath;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", patch);
  } else {
    patch();
  }
})();
