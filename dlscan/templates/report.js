(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById("filter-text");
  var severity = document.getElementById("filter-severity");
  var rule = document.getElementById("filter-rule");
  var shown = document.getElementById("shown-count");

  function applyFilters() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wantedSeverity = severity.value;
    var wantedRule = rule.value;
    var count = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-text");
      var visible = (!wantedSeverity || row.getAttribute("data-severity") === wantedSeverity) &&
        (!wantedRule || row.getAttribute("data-rule") === wantedRule) &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      row.classList.toggle("hidden", !visible);
      var card = document.getElementById(row.getAttribute("data-card"));
      if (card) { card.classList.toggle("hidden", !visible); }
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " findings shown";
  }

  function sortBy(header, index, numeric) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-sort"), y = b.cells[index].getAttribute("data-sort");
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
    var button = header.querySelector("button");
    if (button) {
      button.addEventListener("click", function () { sortBy(header, index, header.hasAttribute("data-numeric")); });
    }
  });
  [search, severity, rule].forEach(function (control) { control.addEventListener("input", applyFilters); });
  document.getElementById("filters").classList.remove("hidden");
  shown.textContent = rows.length + " of " + rows.length + " findings shown";
})();
