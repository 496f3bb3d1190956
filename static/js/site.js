// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // After a failed submission, take keyboard and screen reader users to the list of errors.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Keep the count fresh while the page is open.
  var box = document.querySelector("[data-count-url]");
  if (box && window.fetch) {
    var number = box.querySelector("[data-count]");
    var bar = box.querySelector("[data-progress]");
    var format = new Intl.NumberFormat(document.documentElement.lang || "en");
    var refresh = function () {
      if (document.hidden) return;
      fetch(box.getAttribute("data-count-url"), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          number.textContent = format.format(data.signature_count);
          if (bar) { bar.max = data.goal; bar.value = data.signature_count; }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    };
    var seconds = Number(box.getAttribute("data-count-refresh")) || 10;
    window.setInterval(refresh, seconds * 1000);
  }

  // "Copy link" buttons.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || "✓";
      });
    });
  });
})();
