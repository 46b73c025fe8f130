/* The Mathematics of RAG: static explorers (tools/sphinx_explorers.py writes their markup).
 *
 * Each explorer carries its grid as JSON: the controls' labels and default
 * positions, how many controls may be away from their defaults at once
 * ("free"), and the URL of the frame of every grid point ("i,j,k" -> URL).
 * Moving a control shows the frame of the new point. When more than "free"
 * controls would be off their defaults, the one moved longest ago goes back to
 * its default, so every position of every control always has a frame.
 * Frames are preloaded when the explorer comes near the viewport, so a move
 * swaps an image the browser already holds. No network beyond the site.
 */
(function () {
  "use strict";

  function setup(root) {
    var data = JSON.parse(root.querySelector("script.rm-explorer-data").textContent);
    var img = root.querySelector(".rm-explorer-card img");
    var axes = data.axes;
    var point = axes.map(function (a) { return a.default; });
    var moved = []; // axis indices, least recently moved first
    var controls = axes.map(function (_, n) {
      return root.querySelector('[data-axis="' + n + '"]:not(output)');
    });
    var outputs = axes.map(function (_, n) {
      return root.querySelector('output[data-axis="' + n + '"]');
    });
    var plot = data.plot.split(".").pop();
    var cache = {};

    function preload() {
      Object.keys(data.frames).forEach(function (key) {
        var url = data.frames[key];
        if (!cache[url]) {
          var image = new Image();
          image.decoding = "async";
          image.src = url;
          cache[url] = image;
        }
      });
    }

    function describe() {
      return axes.map(function (a, n) { return a.label + " = " + a.labels[point[n]]; }).join(", ");
    }

    function show(n) {
      var axis = axes[n], control = controls[n];
      if (axis.kind === "checkbox") {
        control.checked = point[n] === 1;
      } else {
        control.value = String(point[n]);
      }
      if (axis.kind === "range") {
        control.setAttribute("aria-valuetext", axis.label + " = " + axis.labels[point[n]]);
      }
      if (outputs[n]) {
        outputs[n].textContent = axis.labels[point[n]];
      }
    }

    function position(n) {
      var control = controls[n];
      if (axes[n].kind === "checkbox") {
        return control.checked ? 1 : 0;
      }
      var value = Math.round(Number(control.value));
      return Math.max(0, Math.min(axes[n].labels.length - 1, value));
    }

    function move(n) {
      preload();
      point[n] = position(n);
      moved = moved.filter(function (m) { return m !== n; });
      if (point[n] !== axes[n].default) {
        moved.push(n);
      }
      while (moved.length > data.free) {
        var oldest = moved.shift();
        point[oldest] = axes[oldest].default;
        show(oldest);
      }
      show(n);
      var key = point.join(",");
      var url = data.frames[key];
      if (url === undefined) {
        return; // cannot happen for a grid built by tools/explorers.py; the test would catch it
      }
      img.src = url;
      img.setAttribute("data-point", key);
      img.alt = "Figure drawn by " + plot + " for " + describe();
    }

    controls.forEach(function (control, n) {
      control.addEventListener("input", function () { move(n); });
      control.addEventListener("change", function () { move(n); });
      control.addEventListener("focus", preload, { once: true });
    });
    if ("IntersectionObserver" in window) {
      var observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) {
          preload();
          observer.disconnect();
        }
      }, { rootMargin: "600px" });
      observer.observe(root);
    } else {
      preload();
    }
    root.classList.add("rm-explorer-ready");
  }

  function start() {
    document.querySelectorAll("[data-rm-explorer]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
