// The dispatcher's ticket page: filter the manual-assignment list as the dispatcher types
// (by name, username or service point; the list is already the nearby engineers, or the
// server-side search's result).
(function () {
  "use strict";

  function fold(text) {
    return (text || "").toLocaleLowerCase().replace(/\s+/g, " ").trim();
  }

  function bind(input) {
    var list = document.getElementById(input.dataset.filterList);
    var empty = document.getElementById(input.id + "-empty");
    if (!list) return;
    function apply() {
      var words = fold(input.value).split(" ").filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(list.options, function (option) {
        var text = fold(option.text);
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
        if (match) shown += 1;
        if (!match && option.selected) option.selected = false;
      });
      if (empty) empty.hidden = shown > 0;
    }
    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      // Enter picks the first engineer left rather than submitting the form half filled.
      if (event.key !== "Enter") return;
      event.preventDefault();
      var first = Array.prototype.find.call(list.options, function (o) { return !o.hidden; });
      if (first) {
        first.selected = true;
        list.focus();
      }
    });
    apply();
  }

  document.querySelectorAll("input.list-filter[data-filter-list]").forEach(bind);
})();
