// A small signature pad: pointer events on a canvas, posted as a PNG data URL.
(function () {
  var canvas = document.getElementById("sigpad");
  var form = document.getElementById("sign-form");
  if (!canvas || !form) return;
  var input = form.querySelector("input[name=signature]");
  var ctx = canvas.getContext("2d");
  var drawing = false, last = null, inked = false;

  function fit() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var rect = canvas.getBoundingClientRect();
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, rect.width, rect.height);
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    inked = false; input.value = "";
  }
  function point(ev) {
    var rect = canvas.getBoundingClientRect();
    return { x: ev.clientX - rect.left, y: ev.clientY - rect.top };
  }
  canvas.addEventListener("pointerdown", function (ev) {
    drawing = true; last = point(ev); canvas.setPointerCapture(ev.pointerId); ev.preventDefault();
  });
  canvas.addEventListener("pointermove", function (ev) {
    if (!drawing) return;
    var p = point(ev);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; inked = true; ev.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  document.getElementById("sig-clear").addEventListener("click", fit);
  form.addEventListener("submit", function () {
    input.value = inked ? canvas.toDataURL("image/png") : "";
  });
  fit();
})();
