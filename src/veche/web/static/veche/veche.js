// Вече: the little behaviour the pages need beyond htmx. Everything works without it.
(function () {
  "use strict";

  // «Отметить все» in the inbox: tick every case checkbox of the same name.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.checkAll) {
      return;
    }
    var selector = 'input[type="checkbox"][name="' + box.dataset.checkAll + '"]';
    document.querySelectorAll(selector).forEach(function (other) {
      other.checked = box.checked;
    });
  });

  // A multiple choice in a <details> drop-down: the summary counts the ticks, and a click
  // elsewhere closes it.
  function summarise(details) {
    var summary = details.querySelector("summary");
    var ticked = details.querySelectorAll('input[type="checkbox"]:checked').length;
    summary.textContent = ticked ? "выбрано: " + ticked : details.dataset.none || "";
  }
  document.addEventListener("change", function (event) {
    var details = event.target instanceof Element && event.target.closest("details.multi");
    if (details) {
      summarise(details);
    }
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.multi[open]").forEach(function (details) {
      if (!details.contains(event.target)) {
        details.open = false;
      }
    });
  });

  // A <select data-autosubmit> sends its form on change (no inline handlers: the
  // Content-Security-Policy forbids them).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLSelectElement && "autosubmit" in field.dataset && field.form) {
      field.form.submit();
    }
  });

  // Filters sent by htmx leave out the empty fields, so the address bar stays short and
  // readable («/cases/?q=яма», not «?q=яма&regime=&channel=&…»).
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (detail.verb !== "get" || !(detail.formData instanceof FormData)) {
      return;
    }
    var empty = [];
    detail.formData.forEach(function (value, key) {
      if (value === "") {
        empty.push(key);
      }
    });
    empty.forEach(function (key) {
      detail.formData.delete(key);
    });
  });
})();
