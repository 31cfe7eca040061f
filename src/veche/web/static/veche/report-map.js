// The public form's map: a click sets the pin and fills the hidden lat/lon fields. Without
// JavaScript, or without tiles (a closed network), the form works with the address alone.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("report-map");
    if (!box || typeof L === "undefined") {
      return;
    }
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    var centre = [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)];
    var map = L.map(box).setView(centre, 12);
    L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
    var marker = null;
    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng()); });
      }
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    if (lat.value && lon.value) {
      place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
    }
    map.on("click", function (event) { place(event.latlng); });
  });
})();
