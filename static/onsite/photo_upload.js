// Photo upload on a weak signal. A form marked data-photo-upload is sent by XHR instead of a
// plain post: the chosen image is first resized in the phone (longest side data-max-side, JPEG),
// progress is shown, the button is disabled while sending, and a failed send keeps the form and
// its idempotency key so "Try again" cannot create a second photo on the server.
(function () {
  "use strict";
  function resize(file, maxSide) {
    return new Promise(function (resolve) {
      if (!window.createImageBitmap || !/^image\//.test(file.type)) return resolve(file);
      createImageBitmap(file).then(function (bmp) {
        var scale = Math.min(1, maxSide / Math.max(bmp.width, bmp.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bmp.width * scale);
        canvas.height = Math.round(bmp.height * scale);
        canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], "photo.jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.85);
      }, function () { resolve(file); });
    });
  }
  function setup(form) {
    var button = form.querySelector("button[type=submit]");
    var progress = form.querySelector("progress[data-upload-progress]");
    var status = form.querySelector("[data-upload-status]");
    var input = form.querySelector("input[type=file]");
    var maxSide = parseInt(form.getAttribute("data-max-side"), 10) || 1600;
    var prepared = null;
    function say(text) { if (status) status.textContent = text; }
    input.addEventListener("change", function () { prepared = null; });
    form.addEventListener("submit", function (e) {
      if (!input.files || !input.files.length) return; // the server names the missing field
      e.preventDefault();
      button.disabled = true;
      say(form.getAttribute("data-msg-preparing") || "");
      (prepared ? Promise.resolve(prepared) : resize(input.files[0], maxSide)).then(function (file) {
        prepared = file;
        var data = new FormData(form);
        data.set(input.name, file, file.name || "photo.jpg");
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action || window.location.href);
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        if (progress) { progress.hidden = false; progress.value = 0; }
        xhr.upload.onprogress = function (ev) {
          if (progress && ev.lengthComputable) progress.value = ev.loaded / ev.total;
          say(form.getAttribute("data-msg-sending") || "");
        };
        function failed() {
          button.disabled = false;
          button.textContent = form.getAttribute("data-msg-retry") || button.textContent;
          if (progress) progress.hidden = true;
          say(form.getAttribute("data-msg-failed") || "");
        }
        xhr.onerror = failed;
        xhr.onabort = failed;
        xhr.ontimeout = failed;
        xhr.onload = function () {
          if (xhr.status >= 200 && xhr.status < 300) {
            // The answer is the photos page after the redirect (with "Photo saved" and the new
            // thumbnail): shown as it is, since loading it again would lose the message.
            var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
            document.title = page.title;
            document.body.replaceWith(document.adoptNode(page.body));
            if (xhr.responseURL) window.history.replaceState(null, "", xhr.responseURL);
            setupAll();
          } else if (xhr.status === 400) {
            var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
            var fresh = doc.querySelector("form[data-photo-upload]");
            if (fresh) { form.replaceWith(fresh); setup(fresh); } else { failed(); }
          } else {
            failed();
          }
        };
        xhr.send(data);
      });
    });
  }
  function setupAll() {
    var forms = document.querySelectorAll("form[data-photo-upload]");
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
  }
  setupAll();
})();
