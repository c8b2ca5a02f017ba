// Check-in: add the phone's location when it gives one quickly; never block the check-in.
(function () {
  var form = document.getElementById("checkin-form");
  if (!form || !navigator.geolocation) return;
  var sent = false;
  form.addEventListener("submit", function (ev) {
    if (sent) return;
    ev.preventDefault();
    var btn = document.getElementById("checkin-btn");
    btn.disabled = true;
    var go = function () { if (!sent) { sent = true; form.submit(); } };
    var timer = setTimeout(go, 6000);
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("checkin-lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("checkin-lng").value = pos.coords.longitude.toFixed(6);
      clearTimeout(timer); go();
    }, function () { clearTimeout(timer); go(); }, { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 });
  });
})();
