/* pgtheory "Check yourself" quiz: instant feedback in the reader's browser (no kernel, no
   network). The enclosing <div class="pgq"> holds one <fieldset class="pgq-q"> per question:
   radio buttons (data-correct: the index of the right one) or a text field (data-answer,
   data-tolerance), a Check button, hidden explanations (.pgq-why, .pgq-hint) and a live
   region (.pgq-feedback, role="status") that the script fills. */
(function () {
  var root = document.currentScript && document.currentScript.parentElement;
  if (!root || root.dataset.pgqReady) return;
  root.dataset.pgqReady = "1";

  function typeset(node) {
    /* The explanations were typeset where they sit (hidden); a copy made before MathJax ran
       still holds TeX: typeset it if the page's MathJax can. */
    if (node.textContent.indexOf("\\(") < 0) return;
    var mj = window.MathJax;
    if (mj && typeof mj.typesetPromise === "function") {
      mj.typesetPromise([node]).catch(function () {});
    }
  }
  function say(q, verdict, kind, parts) {
    var fb = q.querySelector(".pgq-feedback");
    fb.textContent = "";
    fb.className = "pgq-feedback pgq-" + kind;
    var p = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = verdict;
    p.appendChild(strong);
    parts.forEach(function (part) {
      p.appendChild(document.createTextNode(" "));
      if (typeof part === "string") {
        p.appendChild(document.createTextNode(part));
      } else {
        var span = document.createElement("span");
        Array.prototype.forEach.call(part.childNodes, function (c) {
          span.appendChild(c.cloneNode(true));
        });
        p.appendChild(span);
      }
    });
    fb.appendChild(p);
    typeset(fb);
  }

  function checkChoice(q) {
    var radios = Array.prototype.slice.call(q.querySelectorAll('input[type="radio"]'));
    var chosen = -1;
    radios.forEach(function (r, i) {
      r.parentElement.classList.remove("pgq-right", "pgq-wrong");
      if (r.checked) chosen = i;
    });
    if (chosen < 0) {
      say(q, "Choose an option first.", "none", []);
      return;
    }
    var right = chosen === parseInt(q.dataset.correct, 10);
    var opt = radios[chosen].parentElement;
    opt.classList.add(right ? "pgq-right" : "pgq-wrong");
    var why = opt.querySelector(".pgq-why");
    if (right) say(q, "Correct.", "right", [why]);
    else say(q, "Not quite.", "wrong", [why, "Try another option."]);
  }

  function parseNumber(text) {
    var t = text.trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
    if (/^[-+]?\d+,\d+$/.test(t)) t = t.replace(",", ".");
    var m = /^([-+]?\d+)\/(\d+)$/.exec(t);
    if (m) return parseInt(m[2], 10) === 0 ? NaN : parseInt(m[1], 10) / parseInt(m[2], 10);
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return NaN;
    return parseFloat(t);
  }
  function answerWords(q) {
    return "The answer is " + q.dataset.answer + " (accepted within \u00b1" +
      q.dataset.tolerance + ").";
  }
  function checkNumeric(q) {
    var input = q.querySelector("input");
    var x = parseNumber(input.value);
    q.classList.remove("pgq-right", "pgq-wrong");
    if (!isFinite(x)) {
      input.setAttribute("aria-invalid", "true");
      say(q, "Type a number,", "none", ["such as 0.25 or -1.5e-3."]);
      return;
    }
    var answer = parseFloat(q.dataset.answer);
    var tol = parseFloat(q.dataset.tolerance);
    var right = Math.abs(x - answer) <= tol * (1 + 1e-9);
    input.setAttribute("aria-invalid", right ? "false" : "true");
    q.classList.add(right ? "pgq-right" : "pgq-wrong");
    if (right) {
      say(q, "Correct.", "right", [answerWords(q), q.querySelector(".pgq-why")]);
    } else {
      var parts = ["Not within \u00b1" + q.dataset.tolerance + " of the answer."];
      var hint = q.querySelector(".pgq-hint");
      if (hint) parts.push(hint);
      parts.push("Try again, or show the answer.");
      say(q, "Not quite.", "wrong", parts);
    }
  }
  function reveal(q) {
    say(q, "Answer: " + q.dataset.answer + ".", "shown",
      ["Accepted within \u00b1" + q.dataset.tolerance + ".", q.querySelector(".pgq-why")]);
  }

  function headingFor(link) {
    /* The book gives the section the id of the link; JupyterLab gives headings ids of its
       own: find the heading with the section's text there. */
    var id = link.getAttribute("href").slice(1);
    var byId = document.getElementById(id);
    if (byId) return byId;
    function plain(t) {
      return t.replace(/[\u201c\u201d]/g, '"').replace(/[\u2018\u2019]/g, "'")
        .replace(/[\u00b6#]/g, "").replace(/\s+/g, " ").trim();
    }
    var want = plain(link.dataset.heading);
    var hs = document.querySelectorAll("h1, h2, h3");
    for (var i = 0; i < hs.length; i++) {
      var text = plain(hs[i].textContent);
      if (text === want || text.replace(/^[\d.]+\s*/, "") === want) return hs[i];
    }
    return null;
  }

  Array.prototype.forEach.call(root.querySelectorAll("fieldset.pgq-q"), function (q) {
    var numeric = q.classList.contains("pgq-numeric");
    var check = numeric ? checkNumeric : checkChoice;
    q.querySelector(".pgq-check").addEventListener("click", function () { check(q); });
    Array.prototype.forEach.call(q.querySelectorAll("input"), function (input) {
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); check(q); }
      });
    });
    var more = q.querySelector(".pgq-reveal");
    if (more) more.addEventListener("click", function () { reveal(q); });
    var link = q.querySelector(".pgq-section a");
    link.addEventListener("click", function (ev) {
      var target = headingFor(link);
      if (target && target.id !== link.getAttribute("href").slice(1)) {
        ev.preventDefault();
        target.scrollIntoView();
      }
    });
  });
  /* Keys pressed in the quiz's fields and buttons are the quiz's: in JupyterLab they would
     bubble up to the notebook's shortcuts (arrow keys move between cells, "a" adds one). */
  root.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.closest && ev.target.closest("input, button, a")) {
      ev.stopPropagation();
    }
  });
  root.classList.add("pgq-live");
})();
