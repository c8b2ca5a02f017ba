// Scan a part's serial or batch barcode with the phone camera where the browser has
// BarcodeDetector; elsewhere the buttons stay hidden and the engineer types the number.
(function () {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var box = document.getElementById("scan-box");
  var video = document.getElementById("scan-video");
  var scanned = document.querySelector("input[name=scanned]");
  var stream = null, running = false;
  function stop() {
    running = false; box.hidden = true;
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }
  document.getElementById("scan-stop").addEventListener("click", stop);
  document.querySelectorAll(".scan-btn").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var target = document.getElementById(btn.dataset.scanTarget);
      var detector = new window.BarcodeDetector();
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
        stream = s; video.srcObject = s; box.hidden = false; running = true; video.play();
        (function tick() {
          if (!running) return;
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              target.value = codes[0].rawValue;
              if (target.id === "id_serial_or_batch" && scanned) scanned.value = "True";
              stop();
            } else { requestAnimationFrame(tick); }
          }).catch(function () { requestAnimationFrame(tick); });
        })();
      }).catch(stop);
    });
  });
})();
