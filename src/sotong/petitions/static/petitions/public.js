/* Resident petition form helpers (messages come translated from data-* attributes). The form works without them: they add a character counter,
   the "현재 위치" button (the browser's geolocation, no map tiles or outside services) and feed
   the htmx search for similar petitions with the title and the start of the text. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var body = document.getElementById("id_body");
    var title = document.getElementById("id_title");
    var counter = document.getElementById("body-counter");
    if (body && counter) {
      var max = parseInt(body.getAttribute("data-sotong-counter") || "20000", 10);
      var timer = null;
      var update = function () {
        counter.textContent = body.value.length.toLocaleString("ko-KR") + " / " + max.toLocaleString("ko-KR") + (counter.getAttribute("data-unit") || "");
      };
      counter.hidden = false;
      update();
      // Screen readers hear the count once typing pauses, not at every key.
      body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 600); });
    }
    var q = document.getElementById("similar-q");
    if (q && (title || body)) {
      var fill = function () {
        var text = (title ? title.value : "") + " " + (body ? body.value.slice(0, 300) : "");
        q.value = text.trim();
      };
      if (title) { title.addEventListener("input", fill); }
      if (body) { body.addEventListener("input", fill); }
      fill();
    }
    var button = document.getElementById("geolocate");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    var status = document.getElementById("geolocate-status");
    if (button && lat && lon && "geolocation" in navigator) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (status) { status.textContent = status.getAttribute("data-finding") || ""; }
        navigator.geolocation.getCurrentPosition(function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          if (status) { status.textContent = status.getAttribute("data-found") || ""; }
        }, function () {
          if (status) { status.textContent = status.getAttribute("data-failed") || ""; }
        }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      });
    }
  });
})();
