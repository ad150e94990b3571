// Masking editor: boxes in image pixel coordinates drawn as SVG rects over the image.
// Pointer events cover mouse, pen and touch alike: drag on empty space = new box, drag a box = move,
// drag a corner handle = resize, tap a box = select; 删除所选框 (or Delete key) removes the selection.
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var MIN_SIZE = 4; // px of the image; smaller drags are taps, not boxes

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      var m = document.cookie.match(/csrftoken=([^;]+)/);
      return m ? m[1] : "";
    }
  }

  // 放大/缩小: the stage grows inside a scrolling frame, so small name boxes can be drawn with a finger on
  // a phone (pinch-zoom cannot work over the drawing surface, which takes every touch).
  function addZoom(editor) {
    var stage = editor.querySelector(".mask-stage");
    if (!stage || stage.parentNode.classList.contains("mask-zoom-wrap")) return;
    var wrap = document.createElement("div");
    wrap.className = "mask-zoom-wrap";
    stage.parentNode.insertBefore(wrap, stage);
    wrap.appendChild(stage);
    var bar = document.createElement("div");
    bar.className = "mask-zoom";
    bar.innerHTML = '<button type="button" class="btn btn-secondary" data-zoom="-1">－ 缩小</button>' +
      '<span class="mask-zoom-level">100%</span>' +
      '<button type="button" class="btn btn-secondary" data-zoom="1">＋ 放大</button>';
    wrap.parentNode.insertBefore(bar, wrap);
    var level = 1;
    bar.addEventListener("click", function (evt) {
      var b = evt.target.closest("button[data-zoom]");
      if (!b) return;
      level = Math.max(1, Math.min(4, level + Number(b.dataset.zoom)));
      stage.style.width = level * 100 + "%";
      stage.style.maxWidth = level > 1 ? "none" : "";
      bar.querySelector(".mask-zoom-level").textContent = level * 100 + "%";
    });
  }

  function init(editor) {
    if (editor.dataset.ready) return;
    editor.dataset.ready = "1";
    addZoom(editor);
    var width = Number(editor.dataset.width), height = Number(editor.dataset.height);
    var editable = editor.dataset.editable === "1";
    var svg = editor.querySelector("svg");
    var dataNode = document.getElementById(editor.dataset.boxesId);
    var boxes = dataNode ? JSON.parse(dataNode.textContent) : [];
    // Detected occurrences (dashed outlines): each must stay covered unless marked "not my name".
    var findingsNode = document.getElementById(editor.dataset.findingsId || "");
    var findings = findingsNode ? JSON.parse(findingsNode.textContent) : [];
    var uncovered = {};
    var selected = -1;
    var drag = null;
    var message = editor.querySelector(".mask-message");
    var card = editor.closest(".mask-card");
    if (!editable) svg.setAttribute("data-readonly", "1");

    function point(evt) {
      var pt = svg.createSVGPoint();
      pt.x = evt.clientX; pt.y = evt.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      return { x: Math.max(0, Math.min(width, p.x)), y: Math.max(0, Math.min(height, p.y)) };
    }
    function scale() { // image pixels per screen pixel
      var r = svg.getBoundingClientRect();
      return r.width ? width / r.width : 1;
    }
    function normalise(b) {
      return [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])];
    }
    function setAnswer(value) {
      var radio = editor.querySelector('input[type=radio][value="' + value + '"]');
      if (radio) radio.checked = true;
    }
    function render() {
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      boxes.forEach(function (b, i) {
        var r = document.createElementNS(SVG_NS, "rect");
        r.setAttribute("x", b[0]); r.setAttribute("y", b[1]);
        r.setAttribute("width", b[2] - b[0]); r.setAttribute("height", b[3] - b[1]);
        r.setAttribute("class", "box" + (i === selected ? " selected" : ""));
        r.setAttribute("stroke-width", 2 * scale());
        r.dataset.index = i;
        svg.appendChild(r);
      });
      findings.forEach(function (f) {
        var c = f.core, o = document.createElementNS(SVG_NS, "rect");
        o.setAttribute("x", c[0]); o.setAttribute("y", c[1]);
        o.setAttribute("width", c[2] - c[0]); o.setAttribute("height", c[3] - c[1]);
        o.setAttribute("class", "finding" + (uncovered[f.id] ? " uncovered" : ""));
        o.setAttribute("stroke-width", 2 * scale());
        svg.appendChild(o);
        var t = document.createElementNS(SVG_NS, "text");
        t.setAttribute("x", c[0]); t.setAttribute("y", Math.max(12 * scale(), c[1] - 3 * scale()));
        t.setAttribute("font-size", 14 * scale());
        t.setAttribute("class", "finding-number");
        t.textContent = String(f.number);
        svg.appendChild(t);
      });
      if (selected >= 0 && boxes[selected] && editable) {
        var b = boxes[selected], s = 22 * scale(); // handles stay finger-sized whatever the zoom
        [[0, 1], [2, 1], [0, 3], [2, 3]].forEach(function (c) {
          var h = document.createElementNS(SVG_NS, "rect");
          h.setAttribute("x", b[c[0]] - s / 2); h.setAttribute("y", b[c[1]] - s / 2);
          h.setAttribute("width", s); h.setAttribute("height", s);
          h.setAttribute("class", "handle"); h.setAttribute("stroke-width", 2 * scale());
          h.dataset.corner = c.join(",");
          svg.appendChild(h);
        });
      }
      editor.dataset.boxCount = String(boxes.length);
    }

    svg.addEventListener("pointerdown", function (evt) {
      if (!editable || (evt.pointerType === "mouse" && evt.button !== 0)) return;
      evt.preventDefault();
      var p = point(evt), target = evt.target;
      if (target.dataset.corner) {
        var c = target.dataset.corner.split(",").map(Number);
        drag = { mode: "resize", index: selected, corner: c };
      } else if (target.dataset.index !== undefined) {
        selected = Number(target.dataset.index);
        drag = { mode: "move", index: selected, start: p, orig: boxes[selected].slice() };
      } else {
        boxes.push([p.x, p.y, p.x, p.y]);
        selected = boxes.length - 1;
        drag = { mode: "draw", index: selected, start: p };
      }
      svg.setPointerCapture(evt.pointerId);
      render();
    });
    svg.addEventListener("pointermove", function (evt) {
      if (!drag) return;
      evt.preventDefault();
      var p = point(evt), b = boxes[drag.index];
      if (drag.mode === "draw") {
        boxes[drag.index] = [drag.start.x, drag.start.y, p.x, p.y];
      } else if (drag.mode === "move") {
        var dx = p.x - drag.start.x, dy = p.y - drag.start.y, o = drag.orig;
        dx = Math.max(-o[0], Math.min(width - o[2], dx));
        dy = Math.max(-o[1], Math.min(height - o[3], dy));
        boxes[drag.index] = [o[0] + dx, o[1] + dy, o[2] + dx, o[3] + dy];
      } else if (drag.mode === "resize") {
        b[drag.corner[0]] = p.x; b[drag.corner[1]] = p.y;
      }
      render();
    });
    function endDrag(evt) {
      if (!drag) return;
      var b = normalise(boxes[drag.index]);
      if (drag.mode === "draw" && (b[2] - b[0] < MIN_SIZE || b[3] - b[1] < MIN_SIZE)) {
        boxes.splice(drag.index, 1);
        selected = -1;
      } else {
        boxes[drag.index] = b.map(function (v) { return Math.round(v); });
        if (drag.mode === "draw") setAnswer("yes");
      }
      drag = null;
      try { svg.releasePointerCapture(evt.pointerId); } catch (e) { /* already released */ }
      render();
    }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);

    function removeSelected() {
      if (selected < 0) { message.textContent = "请先点选一个遮盖框。"; return; }
      boxes.splice(selected, 1);
      selected = -1;
      render();
    }
    editor.querySelector('[data-action="delete"]').addEventListener("click", removeSelected);
    editor.tabIndex = 0;
    editor.addEventListener("keydown", function (evt) {
      if ((evt.key === "Delete" || evt.key === "Backspace") && editable && selected >= 0) {
        evt.preventDefault();
        removeSelected();
      }
    });

    editor.querySelector('[data-action="confirm"]').addEventListener("click", function () {
      var answer = editor.querySelector("input[type=radio]:checked");
      if (!answer) { message.textContent = "请先选择是否需要遮盖（是/否）。"; return; }
      var notMine = {};
      var scope = card || document;
      scope.querySelectorAll("input[data-finding]:checked").forEach(function (box) {
        var reason = scope.querySelector('input[data-reason-for="' + box.dataset.finding + '"]');
        notMine[box.dataset.finding] = reason ? reason.value : "";
      });
      var button = this;
      button.disabled = true;
      message.textContent = "正在生成遮盖后的图片…";
      fetch(editor.dataset.confirmUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ boxes: boxes, needs_masking: answer.value === "yes", not_mine: notMine }),
      }).then(function (resp) {
        return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
      }).then(function (result) {
        button.disabled = false;
        if (!result.ok) {
          // Nothing is lost: the boxes stay as drawn; uncovered occurrences are outlined in red.
          uncovered = {};
          ((result.body.details || {}).uncovered || []).forEach(function (u) { uncovered[u.finding] = true; });
          render();
          message.textContent = result.body.message || "确认失败，请重试。";
          return;
        }
        document.body.dispatchEvent(new CustomEvent("masking-changed"));
        if (window.htmx && card) {
          window.htmx.ajax("GET", editor.dataset.cardUrl, { target: card, swap: "outerHTML" });
        } else {
          message.textContent = "已确认。";
        }
      }).catch(function () {
        button.disabled = false;
        message.textContent = "网络错误，请重试。";
      });
    });

    window.addEventListener("resize", render);
    var img = editor.querySelector("img");
    if (img && !img.complete) img.addEventListener("load", render);
    render();
  }

  function initAll(root) {
    (root || document).querySelectorAll(".mask-editor").forEach(init);
  }
  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:load", function (evt) { initAll(evt.target); });
})();
