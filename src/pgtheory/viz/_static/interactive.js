/* pgtheory interactive figure, static page: switch precomputed frames (no kernel, no network).
   The enclosing <div class="pgt-interactive"> holds labelled native controls (range inputs
   over grid positions, selects, checkboxes), the <img> frame and the frames as JSON. */
(function () {
  var root = document.currentScript && document.currentScript.parentElement;
  if (!root || root.dataset.pgtReady) return;
  var data = JSON.parse(root.querySelector("script.pgt-data").textContent);
  var img = root.querySelector("img.pgt-frame");
  var controls = Array.prototype.slice.call(root.querySelectorAll(".pgt-control"));
  var fields = controls.map(function (c) { return c.querySelector("input, select"); });
  var readouts = controls.map(function (c) { return c.querySelector("output"); });
  var urls = data.frames.map(function (b64) { return "data:image/png;base64," + b64; });
  function position(k) {
    var f = fields[k];
    return f.type === "checkbox" ? (f.checked ? 1 : 0) : parseInt(f.value, 10);
  }
  function flatIndex(pos) {
    var flat = 0;
    for (var k = 0; k < pos.length; k++) flat = flat * data.sizes[k] + pos[k];
    return flat;
  }
  /* A control is inert when each of its values, the others held, shows the frame shown:
     it is disabled until another choice makes it matter. */
  function isInert(k, pos, id) {
    var other = pos.slice();
    for (var v = 0; v < data.sizes[k]; v++) {
      other[k] = v;
      if (data.frameOf[flatIndex(other)] !== id) return false;
    }
    return true;
  }
  function setInert(k, inert) {
    fields[k].disabled = inert;
    if (inert) controls[k].setAttribute("title", "no effect for the values chosen");
    else controls[k].removeAttribute("title");
  }
  function update() {
    var pos = fields.map(function (f, k) { return position(k); });
    var parts = [];
    for (var k = 0; k < pos.length; k++) {
      var text = data.labels[k][pos[k]];
      parts.push(data.names[k] + " = " + text);
      if (readouts[k]) readouts[k].textContent = text;
      if (fields[k].type === "range") fields[k].setAttribute("aria-valuetext", text);
    }
    var id = data.frameOf[flatIndex(pos)];
    for (var j = 0; j < pos.length; j++) setInert(j, isInert(j, pos, id));
    if (img.dataset.frame !== String(id)) img.src = urls[id];
    img.alt = data.alt + " (" + parts.join(", ") + ")";
    img.dataset.frame = String(id);
  }
  fields.forEach(function (f) {
    f.addEventListener("input", update);
    f.addEventListener("change", update);
  });
  update();
  root.dataset.pgtReady = "1";
})();
