(function () {
  "use strict";
  var form = document.getElementById("filters");
  var count = document.getElementById("shown-count");
  var none = document.getElementById("no-match");
  var findings = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  function checked(name) {
    var out = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name='" + name + "']"), function (el) {
      if (el.checked) { out[el.value] = true; }
    });
    return out;
  }
  function toggleEmpty(selector, child) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (group) {
      group.classList.toggle("hidden", !group.querySelector(child + ":not(.hidden)"));
    });
  }
  function apply() {
    var sev = checked("severity"), st = checked("status"), tg = checked("target");
    var section = document.getElementById("filter-section").value;
    var q = document.getElementById("filter-q").value.trim().toLowerCase();
    var shown = 0;
    findings.forEach(function (el) {
      var d = el.dataset;
      var ok = sev[d.severity] && st[d.status] && tg[d.target] && (!section || d.section === section) &&
        (!q || d.search.indexOf(q) !== -1);
      el.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    toggleEmpty(".group-resource", ".finding");
    toggleEmpty(".group-control", ".group-resource");
    toggleEmpty(".group-section", ".group-control");
    count.textContent = shown + " of " + findings.length + " findings shown";
    none.hidden = shown !== 0;
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details.finding"), function (d) { d.open = true; });
  });
  apply();
})();
