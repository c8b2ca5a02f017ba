// The ticket list: saving the filters saves what the list shows now. HTMX swaps the rows
// and pushes the filters into the address bar without reloading the page, so the saved
// query is read from the address bar when the form is sent, not from the page as loaded.
(function () {
  "use strict";
  document.querySelectorAll("form.save-filter").forEach(function (form) {
    form.addEventListener("submit", function () {
      var query = form.querySelector("input[name=query]");
      if (query) query.value = window.location.search.replace(/^\?/, "");
    });
  });
})();
