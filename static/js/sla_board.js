// The supervisor's live board: the escalation list polls every 5 s, but not while someone
// is writing an acknowledgement (their typing would be replaced).
(function () {
  "use strict";
  function writing() {
    return Array.from(document.querySelectorAll("#escalations textarea")).some(function (t) {
      return t.value.trim() !== "" || t === document.activeElement;
    });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    // Only the list itself polls; the acknowledge forms inside it post from their own form.
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "escalations" && writing()) event.preventDefault();
  });
})();
