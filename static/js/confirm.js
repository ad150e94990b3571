// One confirmation dialog for every step that cannot be undone (the applicant's submit; a reviewer's
// return, approval, recommendation; deleting an attachment).
//   <form data-confirm="…">           asks before the form is sent (also plain, non-htmx forms)
//   <button data-confirm="…">          asks when this submit button is used
//   hx-confirm="…" (htmx)              the same dialog instead of the browser's bare confirm()
// data-confirm-ok names the confirming button (default 确定). Without JavaScript the forms simply post.
(function () {
  "use strict";

  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-message");
    dialog.innerHTML =
      '<form method="dialog">' +
      '<p id="confirm-dialog-message" class="confirm-message"></p>' +
      '<div class="confirm-buttons">' +
      '<button type="submit" value="cancel" class="btn btn-secondary" id="confirm-cancel">取消</button>' +
      '<button type="submit" value="ok" class="btn" id="confirm-ok">确定</button>' +
      "</div></form>";
    document.body.appendChild(dialog);
    return dialog;
  }

  // Show the question; onYes runs only when the user presses the confirming button.
  function ask(message, okLabel, onYes) {
    var d = dialog || build();
    d.querySelector(".confirm-message").textContent = message;
    d.querySelector("#confirm-ok").textContent = okLabel || "确定";
    d.returnValue = "";
    d.onclose = function () {
      if (d.returnValue === "ok") { onYes(); }
    };
    d.showModal();
    d.querySelector("#confirm-cancel").focus();
  }
  window.confirmStep = ask;

  // Capture phase: asked before htmx or any other listener sees the submit.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var submitter = evt.submitter || null;
    var source = submitter && submitter.hasAttribute("data-confirm") ? submitter : form;
    var message = source.getAttribute && source.getAttribute("data-confirm");
    if (!message || form.getAttribute("method") === "dialog") { return; }
    if (form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
    if (source === form && form.dataset.confirmDetail) {
      // Bulk forms name the chosen action in the question ("[*]" → the selected option's text).
      var detail = form.querySelector(form.dataset.confirmDetail);
      if (detail && detail.selectedOptions && detail.selectedOptions.length) {
        message = message.replace("[*]", detail.selectedOptions[0].text);
      }
    }
    evt.preventDefault();
    evt.stopImmediatePropagation();
    ask(message, source.getAttribute("data-confirm-ok"), function () {
      form.dataset.confirmed = "1";
      if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
    });
  }, true);

  document.addEventListener("htmx:confirm", function (evt) {
    var question = evt.detail && evt.detail.question;
    if (!question) { return; }
    evt.preventDefault();
    ask(question, evt.detail.elt.getAttribute("data-confirm-ok"), function () { evt.detail.issueRequest(true); });
  });
})();
