// «Карта» in analytics: fetches the H3 cells as GeoJSON (same query string as the page) and
// draws them coloured by the number of cases or by the share answered late or overdue, with a
// legend and a popup per cell. Tiles come from the configured server; when there is none or
// it does not answer (a closed network), the cells are drawn on a plain background.
(function () {
  "use strict";

  // ColorBrewer YlOrRd, 5 classes: light = few / on time, dark = many / late.
  var COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  var SHARE_LIMITS = [0.1, 0.25, 0.5, 0.75, 1];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function percent(share) {
    return Math.round(share * 100) + "\u00a0%";
  }

  // Upper limits of up to five classes of counts from 1 to max, none empty.
  function countLimits(max) {
    var limits = [];
    for (var i = 1; i <= 5; i++) {
      var limit = Math.ceil((max * i) / 5);
      if (limits.indexOf(limit) === -1) { limits.push(limit); }
    }
    return limits;
  }

  function scale(measure, features) {
    var limits;
    var labels = [];
    if (measure === "share") {
      limits = SHARE_LIMITS;
      for (var s = 0; s < limits.length; s++) {
        labels.push(Math.round(s ? limits[s - 1] * 100 : 0) + "–" + percent(limits[s]));
      }
    } else {
      var max = 1;
      features.forEach(function (f) { max = Math.max(max, f.properties.received); });
      limits = countLimits(max);
      for (var c = 0; c < limits.length; c++) {
        var low = c ? limits[c - 1] + 1 : 1;
        labels.push(low === limits[c] ? String(low) : low + "–" + limits[c]);
      }
    }
    // Fewer classes than colours: spread them, keeping the darkest for the top one.
    var colours = limits.map(function (_, i) {
      return COLOURS[Math.floor(((i + 1) * COLOURS.length) / limits.length) - 1];
    });
    return {
      labels: labels,
      colours: colours,
      colour: function (props) {
        var value = measure === "share" ? props.late_share || 0 : props.received;
        for (var i = 0; i < limits.length; i++) {
          if (value <= limits[i] + 1e-9) { return colours[i]; }
        }
        return colours[colours.length - 1];
      }
    };
  }

  function legend(map, measure, colours) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = element("div", "heatmap-legend");
      box.appendChild(element("div", "title",
        measure === "share" ? "Доля просроченных" : "Обращений в ячейке"));
      colours.labels.forEach(function (label, i) {
        var row = element("div", "row");
        var swatch = element("span", "swatch");
        swatch.style.background = colours.colours[i];
        row.appendChild(swatch);
        row.appendChild(element("span", "", label));
        box.appendChild(row);
      });
      return box;
    };
    control.addTo(map);
    return control.getContainer();
  }

  function popup(props) {
    var box = element("div", "heatmap-popup");
    box.appendChild(element("div", "figure", "Поступило: " + props.received));
    var late = "С нарушением срока: " + props.late;
    if (props.late_share !== null) { late += " (" + percent(props.late_share) + ")"; }
    box.appendChild(element("div", "figure", late));
    if (props.cases_url) {
      var link = element("a", "", "Обращения этой ячейки");
      link.href = props.cases_url;
      box.appendChild(link);
    }
    box.appendChild(element("div", "cell muted", "ячейка H3 " + props.cell));
    return box;
  }

  function plainBackground(map, box) {
    if (box.classList.contains("no-tiles")) { return; }
    box.classList.add("no-tiles");
    var note = L.control({ position: "bottomleft" });
    note.onAdd = function () {
      return element("div", "heatmap-note", "подложка недоступна");
    };
    note.addTo(map);
  }

  function tiles(map, box) {
    var url = box.dataset.tiles;
    if (!url) {
      plainBackground(map, box);
      return;
    }
    // Not one tile loaded and several failed: the server is out of reach. Drop the layer
    // (no more requests on every move, no attribution for tiles not shown).
    var loaded = false;
    var failed = 0;
    var layer = L.tileLayer(url, { maxZoom: 19, attribution: box.dataset.attribution });
    layer.on("tileload", function () { loaded = true; });
    layer.on("tileerror", function () {
      failed += 1;
      if (!loaded && failed >= 3 && map.hasLayer(layer)) {
        map.removeLayer(layer);
        plainBackground(map, box);
      }
    });
    layer.addTo(map);
  }

  function draw(map, box, collection, status) {
    var features = collection.features || [];
    var total = 0;
    features.forEach(function (f) { total += f.properties.received; });
    if (!features.length) {
      status.textContent = "За период нет обращений с местом на карте.";
      return;
    }
    var colours = scale(box.dataset.measure, features);
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        return {
          color: "#6b4a3a",
          weight: 1,
          opacity: 0.7,
          fillColor: colours.colour(feature.properties),
          fillOpacity: 0.75
        };
      },
      onEachFeature: function (feature, cell) {
        cell.bindPopup(popup(feature.properties));
        var props = feature.properties;
        var hint = box.dataset.measure === "share" && props.late_share !== null
          ? percent(props.late_share) : String(props.received);
        // The hover figure would sit over the open popup that says the same.
        cell.bindTooltip(hint, { sticky: true });
        cell.on("popupopen", function () { cell.unbindTooltip(); });
        cell.on("popupclose", function () { cell.bindTooltip(hint, { sticky: true }); });
      }
    }).addTo(map);
    // Keep the cells clear of the legend in the bottom right corner.
    var key = legend(map, box.dataset.measure, colours);
    map.fitBounds(layer.getBounds(), {
      paddingTopLeft: [24, 24],
      paddingBottomRight: [key.offsetWidth + 24, 24],
      maxZoom: 15
    });
    status.textContent = "Ячеек: " + features.length + ", обращений в них: " + total + ".";
  }

  // A date typed in «с» or «по» means a period of one's own, not the month chosen above.
  function customDates() {
    var period = document.getElementById("id_period");
    ["id_from", "id_to"].forEach(function (id) {
      var input = document.getElementById(id);
      if (period && input) {
        input.addEventListener("change", function () { period.value = ""; });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    customDates();
    var box = document.getElementById("heatmap");
    var status = document.getElementById("heatmap-status");
    if (!box || typeof L === "undefined") { return; }
    var map = L.map(box, { zoomSnap: 0.5 })
      .setView([parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)], 11);
    tiles(map, box);
    status.textContent = "Загрузка ячеек…";
    fetch(box.dataset.cells, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.message || "ошибка " + response.status); }
          return body;
        });
      })
      .then(function (collection) { draw(map, box, collection, status); })
      .catch(function (error) {
        status.textContent = "Не удалось загрузить ячейки: " + error.message;
      });
  });
})();
