// incident-kit: a filter form over the incident listings. The pages work without it (the
// links by service, severity, status and month are the no-script filter); this only adds a
// way to combine them. It reads the rows' data-* attributes and never builds HTML from text.
"use strict";
(function () {
  function option(select, value, label) {
    var node = document.createElement("option");
    node.value = value;
    node.textContent = label;
    select.appendChild(node);
  }
  function field(form, labelText, control) {
    var label = document.createElement("label");
    label.textContent = labelText;
    label.appendChild(control);
    form.appendChild(label);
    return control;
  }
  function choice(form, labelText, rows, key) {
    var select = document.createElement("select");
    option(select, "", "any");
    var seen = {};
    rows.forEach(function (row) { seen[row.dataset[key] || ""] = true; });
    Object.keys(seen).sort().forEach(function (value) { option(select, value, value || "(none)"); });
    return field(form, labelText, select);
  }
  function setUp(table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var form = document.createElement("form");
    form.className = "filter";
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "Filter the incidents");
    var text = field(form, "Text", document.createElement("input"));
    text.type = "search";
    var service = choice(form, "Service", rows, "service");
    var severity = choice(form, "Severity", rows, "severity");
    var status = choice(form, "Status", rows, "status");
    var since = field(form, "Declared from", document.createElement("input"));
    since.type = "date";
    var until = field(form, "to", document.createElement("input"));
    until.type = "date";
    var count = document.createElement("p");
    count.setAttribute("aria-live", "polite");
    form.appendChild(count);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    function apply() {
      var needle = text.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var d = row.dataset;
        var ok = (!service.value || d.service === service.value) &&
          (!severity.value || d.severity === severity.value) &&
          (!status.value || d.status === status.value) &&
          (!since.value || (d.date && d.date >= since.value)) &&
          (!until.value || (d.date && d.date <= until.value)) &&
          (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = "Showing " + shown + " of " + rows.length;
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    table.parentNode.parentNode.insertBefore(form, table.parentNode);
    apply();
  }
  document.querySelectorAll("table[data-filterable]").forEach(setUp);
})();
