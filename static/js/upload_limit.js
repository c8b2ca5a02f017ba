// A file input with data-max-bytes refuses a bigger file before anything is sent: the field is
// marked invalid with the limit stated (data-max-message, "%s" replaced by the size in MB), so a
// 10 MB photo on a weak signal is not uploaded only to be refused. The server checks again.
(function () {
  "use strict";
  function check(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var msg = "";
    if (max && input.files) {
      for (var i = 0; i < input.files.length; i++) {
        if (input.files[i].size > max) {
          msg = (input.getAttribute("data-max-message") || "The file is too big: at most %s MB.")
            .replace("%s", String(Math.round(max / 1048576)));
        }
      }
    }
    input.setCustomValidity(msg);
    var note = input.parentElement && input.parentElement.querySelector(".upload-limit-error");
    if (!note && msg) {
      note = document.createElement("p");
      note.className = "error upload-limit-error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    if (note) note.textContent = msg;
    return !msg;
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("input[type=file][data-max-bytes]")) check(t);
  });
  document.addEventListener("submit", function (e) {
    var inputs = e.target.querySelectorAll("input[type=file][data-max-bytes]");
    var ok = true;
    for (var i = 0; i < inputs.length; i++) ok = check(inputs[i]) && ok;
    if (!ok) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
})();
