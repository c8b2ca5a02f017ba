// The ticket page's service clocks count down in place: every 20 s each running clock's
// "time left" is rewritten and its colour follows it (green, amber from the warning point,
// red once due). The words come from the page (data-fmt-*), in the user's language.
(function () {
  "use strict";
  var list = document.querySelector("[data-clocks]");
  if (!list) return;
  function fmt(name, values) {
    return (list.getAttribute("data-fmt-" + name) || "").replace(/%\((\w+)\)(0?2?)d|%\((\w+)\)s/g,
      function (_m, dKey, pad, sKey) {
        if (sKey) return values[sKey];
        var v = String(values[dKey]);
        return pad && v.length < 2 ? "0" + v : v;
      });
  }
  function label(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var hours = Math.floor(minutes / 60), days = Math.floor(hours / 24);
    var text;
    if (days) text = fmt("d", { d: days, h: hours % 24 });
    else if (hours) text = fmt("h", { h: hours, m: minutes % 60 });
    else text = fmt("m", { m: minutes });
    return fmt(seconds >= 0 ? "left" : "overdue", { t: text });
  }
  function tick() {
    var now = Date.now();
    var items = list.querySelectorAll("[data-due]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      if (el.hasAttribute("data-paused")) continue;
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) continue;
      var warn = Date.parse(el.getAttribute("data-warn") || "");
      var left = Math.round((due - now) / 1000);
      var tone = left <= 0 ? "bad" : (!isNaN(warn) && warn <= now ? "warn" : "ok");
      el.classList.remove("tone-ok", "tone-warn", "tone-bad");
      el.classList.add("tone-" + tone);
      el.setAttribute("data-tone", tone);
      var out = el.querySelector(".clock-left");
      if (out) out.textContent = label(left);
    }
  }
  tick();
  setInterval(tick, 20000);
})();
