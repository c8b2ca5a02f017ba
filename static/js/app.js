// Keyboard shortcuts for the desk pages. An element with data-hotkey="x" is clicked (or, for an
// input, focused) when x is pressed outside a text field; "/" focuses the page's search box;
// Escape works everywhere. The keys are shown on the buttons with <kbd>.
// A field marked data-letters-are-hotkeys (the console's phone box, digits only) lets letter
// keys through as shortcuts: after a screen pop the cursor waits there, and "t" must still
// open the ticket form rather than type a "t" into a phone number.
// A shortcut on a <summary> opens its <details> and puts the cursor in its first field.
(function () {
  "use strict";
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function lettersThrough(el, key) {
    return !!(el && el.hasAttribute && el.hasAttribute("data-letters-are-hotkeys")) &&
      key.length === 1 && /[a-z]/i.test(key);
  }
  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }
  function searchBox() {
    return document.querySelector("[data-search], #id_phone, #id_q");
  }
  function firstField(root) {
    return root.querySelector(
      "input:not([type=hidden]):not([type=checkbox]), textarea, select, button[type=submit]"
    );
  }
  function openDetails(summary) {
    var details = summary.parentElement;
    if (!details || details.tagName !== "DETAILS") return;
    if (!details.open) details.open = true;
    var field = firstField(details);
    if (field) field.focus();
  }
  function closeOpenDetails(target) {
    var details = target && target.closest ? target.closest("details[open]") : null;
    if (!details) details = document.querySelector("details.action[open]");
    if (!details) return false;
    details.open = false;
    var summary = details.querySelector("summary");
    if (summary) summary.focus();
    return true;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    var key = ev.key;
    if (key !== "Escape" && typing(ev.target) && !lettersThrough(ev.target, key)) return;
    if (key === "/") {
      var box = searchBox();
      if (box) { ev.preventDefault(); box.focus(); box.select(); }
      return;
    }
    var targets = document.querySelectorAll('[data-hotkey="' + (key === "Escape" ? "Escape" : key.toLowerCase()) + '"]');
    for (var i = 0; i < targets.length; i++) {
      if (!visible(targets[i])) continue;
      ev.preventDefault();
      if (targets[i].tagName === "SUMMARY") openDetails(targets[i]);
      else if (typing(targets[i])) targets[i].focus();
      else targets[i].click();
      return;
    }
    if (key === "Escape" && closeOpenDetails(ev.target)) ev.preventDefault();
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

// A <select data-submit-on-change> submits its form when changed (the language switch, the
// queue filters): no inline handlers, which the Content-Security-Policy refuses.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-submit-on-change]") && el.form) {
    if (el.form.requestSubmit) el.form.requestSubmit();
    else el.form.submit();
  }
});
