// Progressive enhancement only: every page works without this file.
// Moves focus to the error summary so screen readers and keyboards land on what needs fixing.
(function () {
  "use strict";
  var summary = document.getElementById("summary") || document.getElementById("findings");
  if (summary && summary.getAttribute("role") === "alert") {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
