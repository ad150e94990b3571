// The review page's image viewer and the per-attachment checklist.
// Viewer: every `.viewer-open` button of the page in order; zoom (buttons, wheel, pinch, double tap),
// rotate, pan when zoomed, previous/next (buttons, arrow keys, swipe), Esc closes.
// Checklist: each `.attachment-check` posts its state; a failed request puts the box back and says so.
(function () {
  "use strict";
  var viewer = document.getElementById("viewer");
  if (!viewer) return;
  var items = Array.prototype.slice.call(document.querySelectorAll(".viewer-open"));
  var image = viewer.querySelector(".viewer-image");
  var stage = viewer.querySelector(".viewer-stage");
  var caption = viewer.querySelector(".viewer-caption");
  var count = viewer.querySelector(".viewer-count");
  var error = viewer.querySelector(".viewer-error");
  var viewerCheck = viewer.querySelector("[data-viewer=check]");
  var state = { index: 0, scale: 1, rotate: 0, x: 0, y: 0 };
  var opener = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function apply() {
    image.style.transform =
      "translate(" + state.x + "px," + state.y + "px) scale(" + state.scale + ") rotate(" + state.rotate + "deg)";
    viewer.dataset.scale = state.scale.toFixed(2);
    viewer.dataset.rotate = String(state.rotate % 360);
  }

  function reset() {
    state.scale = 1;
    state.rotate = 0;
    state.x = 0;
    state.y = 0;
    apply();
  }

  function zoom(factor) {
    state.scale = Math.min(6, Math.max(0.5, state.scale * factor));
    if (state.scale <= 1) {
      state.x = 0;
      state.y = 0;
    }
    apply();
  }

  function checkboxOf(index) {
    var li = items[index].closest("[data-attachment]");
    return li ? li.querySelector(".attachment-check") : null;
  }

  function show(index) {
    state.index = (index + items.length) % items.length;
    var item = items[state.index];
    reset();
    error.hidden = true;
    image.src = item.dataset.full;
    image.alt = item.dataset.caption || "";
    caption.textContent = item.dataset.caption || "";
    count.textContent = state.index + 1 + " / " + items.length;
    viewer.dataset.index = String(state.index);
    viewer.dataset.attachment = item.closest("[data-attachment]").dataset.attachment;
    var box = checkboxOf(state.index);
    viewerCheck.checked = !!(box && box.checked);
  }

  function open(index, from) {
    opener = from || null;
    viewer.hidden = false;
    document.body.classList.add("viewer-on");
    show(index);
    viewer.querySelector("[data-viewer=close]").focus();
  }

  function close() {
    viewer.hidden = true;
    document.body.classList.remove("viewer-on");
    image.removeAttribute("src");
    if (opener) opener.focus();
  }

  image.addEventListener("error", function () {
    if (image.getAttribute("src")) error.hidden = false;
  });
  image.addEventListener("load", function () {
    error.hidden = true;
  });

  items.forEach(function (button, index) {
    button.addEventListener("click", function () {
      open(index, button);
    });
  });

  viewer.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-viewer]");
    if (!button) return;
    var what = button.dataset.viewer;
    if (what === "prev") show(state.index - 1);
    else if (what === "next") show(state.index + 1);
    else if (what === "zoom-in") zoom(1.25);
    else if (what === "zoom-out") zoom(0.8);
    else if (what === "rotate") {
      state.rotate += 90;
      apply();
    } else if (what === "reset") reset();
    else if (what === "close") close();
  });

  document.addEventListener("keydown", function (event) {
    if (viewer.hidden) return;
    var keys = {
      ArrowLeft: function () { show(state.index - 1); },
      ArrowRight: function () { show(state.index + 1); },
      "+": function () { zoom(1.25); },
      "=": function () { zoom(1.25); },
      "-": function () { zoom(0.8); },
      r: function () { state.rotate += 90; apply(); },
      R: function () { state.rotate += 90; apply(); },
      "0": reset,
      Escape: close,
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  });

  stage.addEventListener(
    "wheel",
    function (event) {
      event.preventDefault();
      zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15);
    },
    { passive: false }
  );

  // Touch and mouse through pointer events: one finger pans (zoomed) or swipes (not zoomed), two pinch.
  var pointers = {};
  var gesture = null;
  var lastTap = 0;

  function distance() {
    var p = Object.keys(pointers).map(function (k) { return pointers[k]; });
    return Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
  }

  stage.addEventListener("pointerdown", function (event) {
    stage.setPointerCapture(event.pointerId);
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    var n = Object.keys(pointers).length;
    if (n === 2) gesture = { kind: "pinch", start: distance(), scale: state.scale };
    else if (n === 1) {
      gesture = { kind: "drag", x0: event.clientX, y0: event.clientY, x: state.x, y: state.y };
      var now = Date.now();
      if (now - lastTap < 300) {
        if (state.scale > 1) reset();
        else zoom(2);
        gesture = null;
      }
      lastTap = now;
    }
  });

  stage.addEventListener("pointermove", function (event) {
    if (!pointers[event.pointerId] || !gesture) return;
    pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    if (gesture.kind === "pinch" && Object.keys(pointers).length === 2) {
      state.scale = Math.min(6, Math.max(0.5, gesture.scale * (distance() / gesture.start)));
      apply();
    } else if (gesture.kind === "drag" && state.scale > 1) {
      state.x = gesture.x + event.clientX - gesture.x0;
      state.y = gesture.y + event.clientY - gesture.y0;
      apply();
    }
  });

  function pointerEnd(event) {
    if (!pointers[event.pointerId]) return;
    if (gesture && gesture.kind === "drag" && state.scale <= 1) {
      var dx = event.clientX - gesture.x0;
      var dy = event.clientY - gesture.y0;
      if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy) * 1.5) show(state.index + (dx < 0 ? 1 : -1));
    }
    delete pointers[event.pointerId];
    gesture = null;
  }
  stage.addEventListener("pointerup", pointerEnd);
  stage.addEventListener("pointercancel", pointerEnd);

  // ---- the checklist --------------------------------------------------------------------------------
  var progress = document.getElementById("checklist-progress");

  function updateProgress() {
    if (!progress) return;
    var boxes = document.querySelectorAll(".attachment-check");
    var ticked = document.querySelectorAll(".attachment-check:checked").length;
    progress.dataset.checked = String(ticked);
    progress.textContent = progress.textContent.replace(/\d+\s*\/\s*\d+/, ticked + " / " + boxes.length);
  }

  function save(box) {
    var li = box.closest("[data-attachment]");
    var body = new URLSearchParams({ checked: box.checked ? "1" : "0" });
    li.classList.toggle("is-checked", box.checked);
    li.dataset.saving = "1";
    updateProgress();
    fetch(box.dataset.url, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        delete li.dataset.saving;
        li.dataset.saved = box.checked ? "1" : "0";
      })
      .catch(function () {
        box.checked = !box.checked;  // the server did not keep it: show what is really stored
        li.classList.toggle("is-checked", box.checked);
        delete li.dataset.saving;
        li.dataset.failed = "1";
        updateProgress();
        window.alert(viewer.dataset.saveFailed || "");
      });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.classList && box.classList.contains("attachment-check")) save(box);
  });

  viewerCheck.addEventListener("change", function () {
    var box = checkboxOf(state.index);
    if (!box) return;
    box.checked = viewerCheck.checked;
    save(box);
  });
})();
