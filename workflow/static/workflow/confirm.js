// Asks before a form with data-confirm is sent (returning, approving, recommending cannot be undone).
// Uses the page's <dialog id="confirm-dialog">; without <dialog> support it falls back to window.confirm.
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");

  function ask(message, done) {
    if (!dialog || typeof dialog.showModal !== "function") {
      done(window.confirm(message));
      return;
    }
    dialog.querySelector(".confirm-message").textContent = message;
    function answer(event) {
      var button = event.target.closest("button");
      if (!button) return;
      dialog.removeEventListener("click", answer);
      dialog.close();
      done(button.value === "ok");
    }
    dialog.addEventListener("click", answer);
    dialog.addEventListener("cancel", function onCancel() {
      dialog.removeEventListener("cancel", onCancel);
      dialog.removeEventListener("click", answer);
      done(false);
    });
    dialog.showModal();
    dialog.querySelector(".confirm-ok").focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm || form.dataset.confirmed === "1") return;
    event.preventDefault();
    var submitter = event.submitter || null;
    var message = form.dataset.confirm;
    if (form.dataset.confirmDetail) {
      var detail = form.querySelector(form.dataset.confirmDetail);
      if (detail && detail.selectedOptions) message = message.replace("[*]", detail.selectedOptions[0].text);
    }
    ask(message, function (ok) {
      if (!ok) return;
      form.dataset.confirmed = "1";
      if (submitter && submitter.name) {  // keep the pressed button's name=value (e.g. action=recommend)
        var carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        form.appendChild(carried);
      }
      form.submit();
    });
  });
})();
