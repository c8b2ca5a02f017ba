// Keyboard shortcuts for the desk pages. An element with data-hotkey="x" is clicked (or, for an
// input, focused) when x is pressed outside a text field; "/" focuses the page's search box;
// Escape works everywhere. The keys are shown on the buttons with <kbd>.
(function () {
  "use strict";
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }
  function searchBox() {
    return document.querySelector("[data-search], #id_phone, #id_q");
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    var key = ev.key;
    if (key !== "Escape" && typing(ev.target)) return;
    if (key === "/") {
      var box = searchBox();
      if (box) { ev.preventDefault(); box.focus(); box.select(); }
      return;
    }
    var targets = document.querySelectorAll('[data-hotkey="' + (key === "Escape" ? "Escape" : key.toLowerCase()) + '"]');
    for (var i = 0; i < targets.length; i++) {
      if (!visible(targets[i])) continue;
      ev.preventDefault();
      if (typing(targets[i])) targets[i].focus(); else targets[i].click();
      return;
    }
  });
  // After HTMX swaps in a form, put the cursor in its first empty field; after a search
  // with a single result, keep the cursor in the search box for the next call.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var root = ev.detail.target;
    var field = root.querySelector(".has-error input, .has-error select, .has-error textarea") ||
      root.querySelector("form input:not([type=hidden]):not([type=checkbox]):not([type=file]), form textarea, form select");
    if (field && root.querySelector("form")) { field.focus(); }
  });
})();
