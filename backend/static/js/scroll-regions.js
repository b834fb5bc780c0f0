// A table wider than its place on the page scrolls inside itself (app.css, narrow screens).
// Such a region must be reachable by keyboard (WCAG 2.1.1; axe:
// scrollable-region-focusable): give it tabindex="0" and, when it has no name, the label of
// its section's heading (it stays a table: no role="region" that would hide its cells). Runs again when the window changes size. Without script the table
// still scrolls; browsers since Chromium 130 also focus such scrollers on their own.
(function () {
  "use strict";

  function labelFor(table) {
    var caption = table.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var section = table.closest("section, .card, main");
    var heading = section && section.querySelector("h1, h2, h3");
    return (heading ? heading.textContent.trim() + ": " : "") + "table, scrolls sideways";
  }

  function mark() {
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("data-scroll-region")) {
        table.setAttribute("data-scroll-region", "");
        table.setAttribute("tabindex", "0");
        if (!table.hasAttribute("aria-label")) {
          table.setAttribute("data-scroll-label", "");
          table.setAttribute("aria-label", labelFor(table));
        }
      } else if (!scrolls && table.hasAttribute("data-scroll-region")) {
        if (table.hasAttribute("data-scroll-label")) {
          table.removeAttribute("data-scroll-label");
          table.removeAttribute("aria-label");
        }
        table.removeAttribute("data-scroll-region");
        table.removeAttribute("tabindex");
      }
    });
  }

  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(mark, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else {
    mark();
  }
})();
