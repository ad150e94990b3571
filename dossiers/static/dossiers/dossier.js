// Dossier page behaviour: add formset rows, and show upload progress (htmx:xhr:progress).
(function () {
  "use strict";

  function addRow(button) {
    var prefix = button.getAttribute("data-prefix");
    var form = button.closest("form");
    var total = form.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var tpl = button.previousElementSibling;
    while (tpl && tpl.tagName !== "TEMPLATE") { tpl = tpl.previousElementSibling; }
    var tbody = form.querySelector('table.formset[data-prefix="' + prefix + '"] tbody');
    if (!total || !tpl || !tbody) { return; }
    var index = parseInt(total.value, 10);
    var html = tpl.innerHTML.replace(/__prefix__/g, String(index));
    tbody.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("button.add-row");
    if (button) { evt.preventDefault(); addRow(button); }
  });

  document.addEventListener("htmx:xhr:progress", function (evt) {
    var form = evt.target.closest && evt.target.closest("form.upload-form");
    if (!form || !evt.detail || !evt.detail.lengthComputable) { return; }
    var bar = form.querySelector("progress");
    if (bar) {
      bar.hidden = false;
      bar.value = Math.round((evt.detail.loaded / evt.detail.total) * 100);
    }
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.target.closest && evt.target.closest("form.upload-form");
    if (form) {
      var bar = form.querySelector("progress");
      if (bar) { bar.hidden = false; bar.value = 0; }
      var btn = form.querySelector("button[type=submit]");
      if (btn) { btn.disabled = true; btn.textContent = "上传中…"; }
    }
  });
})();
