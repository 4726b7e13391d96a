/* page.js - behaviour of the mlprov report page (embedded by the build and
   admitted by the page's Content-Security-Policy by its hash). It only reads
   the page's own DOM: the dependency filter. Rows are matched on their text
   (case-insensitive, every space-separated word must occur); groups with no
   visible row are hidden; the counter says how many rows are shown. */
(function () {
  "use strict";
  function apply(input) {
    var scope = document.getElementById(input.getAttribute("data-target"));
    if (!scope) return;
    var words = input.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
    var rows = scope.querySelectorAll("tr.dep-row");
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var text = rows[i].textContent.toLowerCase();
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
      rows[i].hidden = !ok;
      if (ok) shown++;
    }
    var groups = scope.querySelectorAll(".dep-group");
    for (var g = 0; g < groups.length; g++) {
      groups[g].hidden = groups[g].querySelector("tr.dep-row:not([hidden])") === null;
    }
    var none = scope.querySelector(".nomatch");
    if (none) none.hidden = shown > 0;
    var count = document.getElementById("count-" + scope.id);
    if (count) count.textContent = shown + " of " + rows.length + " shown";
  }
  var inputs = document.querySelectorAll("input.dep-filter");
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("input", function (ev) { apply(ev.target); });
    if (inputs[i].value) apply(inputs[i]);
  }
  document.documentElement.setAttribute("data-ready", "1");
})();
