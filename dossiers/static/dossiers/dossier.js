// The applicant's dossier page:
//  - formset rows;
//  - every request ends in a visible state: a failed save, refresh or upload says so in Chinese and
//    gives the controls back (nothing typed is lost: the form is not swapped on failure);
//  - uploads: several files at once, each sent alone with its progress; large phone photos are
//    downscaled and re-encoded to JPEG in the browser first (the server still checks every file);
//    a dropped upload keeps the files not yet sent and offers 重试;
//  - the section navigation: on a small screen one section at a time, chosen from the navigation,
//    the return reasons or the 上一栏/下一栏 buttons.
(function () {
  "use strict";

  // ---- formset rows ------------------------------------------------------------------------------

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

  // ---- failures ----------------------------------------------------------------------------------

  var KEPT = "您填写的内容仍在页面上，";

  function failureText(xhr, kind) {
    if (kind === "network") { return "网络连接中断，请求未完成。" + KEPT + "请检查网络后重试。"; }
    if (kind === "timeout") { return "服务器长时间没有响应，请求未完成。" + KEPT + "请稍后重试。"; }
    var status = xhr ? xhr.status : 0;
    if (status === 403) { return "登录已过期或无权进行此操作，请刷新页面、重新登录后再试。"; }
    if (status === 404) { return "未找到该内容，可能已被删除，请刷新页面。"; }
    if (status === 413) { return "文件过大，服务器拒绝接收，请缩小后重试。"; }
    if (status >= 500) { return "服务器出错（" + status + "），请求未完成。" + KEPT + "请稍后重试。"; }
    return "请求未完成（状态 " + status + "）。" + KEPT + "请稍后重试。";
  }

  // The message goes inside the form (or the element) that made the request, replacing an older one.
  function showFailure(elt, text) {
    var box = (elt.closest && elt.closest("form")) || elt;
    var old = box.querySelector(":scope > .request-error");
    if (old) { old.remove(); }
    var p = document.createElement("p");
    p.className = "msg msg-error request-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    box.insertBefore(p, box.firstChild);
  }

  function clearFailure(elt) {
    var box = (elt.closest && elt.closest("form")) || elt;
    var old = box && box.querySelector(":scope > .request-error");
    if (old) { old.remove(); }
  }

  if (window.htmx) { htmx.config.timeout = 60000; }
  document.addEventListener("htmx:beforeRequest", function (evt) { clearFailure(evt.detail.elt); });
  document.addEventListener("htmx:responseError", function (evt) {
    showFailure(evt.detail.elt, failureText(evt.detail.xhr, "status"));
  });
  document.addEventListener("htmx:sendError", function (evt) { showFailure(evt.detail.elt, failureText(null, "network")); });
  document.addEventListener("htmx:timeout", function (evt) { showFailure(evt.detail.elt, failureText(null, "timeout")); });

  // ---- uploads -----------------------------------------------------------------------------------

  var TARGET_LONG_SIDE = 2400;            // a scanned A4 page stays legible at this size
  var DOWNSCALE_ABOVE_BYTES = 1536 * 1024;
  var JPEG_QUALITY = 0.85;
  var pending = {};                      // section key -> {docType, files: [{blob, name}], sent, total}

  function mb(n) { return (n / 1024 / 1024).toFixed(1) + " MB"; }

  function uploadForm(key) { return document.querySelector("#attachments-" + key + " form.upload-form"); }

  function setStatus(form, text, isError) {
    var p = form.querySelector(".upload-status");
    if (!p) { return; }
    p.hidden = !text;
    p.textContent = text || "";
    p.className = "upload-status small " + (isError ? "msg msg-error" : "muted");
    p.setAttribute("role", isError ? "alert" : "status");
  }

  function setBusy(form, busy, label) {
    form.querySelectorAll("select, input, button").forEach(function (el) { el.disabled = busy; });
    var btn = form.querySelector("button[type=submit]");
    if (btn) { btn.textContent = busy ? label : "上传"; }
    var bar = form.querySelector("progress");
    if (bar) { bar.hidden = !busy; if (!busy) { bar.value = 0; } }
  }

  function isJpeg(file) {
    return file.slice(0, 3).arrayBuffer().then(function (buf) {
      var b = new Uint8Array(buf);
      return b.length === 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
    });
  }

  // A large JPEG is drawn smaller on a canvas and re-encoded (which also drops its metadata); anything
  // else travels as it is, so the server's own checks (format, size, resolution) still decide.
  function prepare(file, minSide) {
    var original = { blob: file, name: file.name, note: "" };
    if (!window.createImageBitmap) { return Promise.resolve(original); }
    return isJpeg(file).then(function (jpeg) {
      if (!jpeg) { return original; }
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
        var longSide = Math.max(bmp.width, bmp.height);
        var shortSide = Math.min(bmp.width, bmp.height);
        if (file.size <= DOWNSCALE_ABOVE_BYTES && longSide <= TARGET_LONG_SIDE) { return original; }
        var scale = Math.min(1, TARGET_LONG_SIDE / longSide);
        if (shortSide * scale < minSide) { scale = Math.min(1, minSide / shortSide); }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bmp.width * scale);
        canvas.height = Math.round(bmp.height * scale);
        canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) {
            if (!blob || blob.size >= file.size) { resolve(original); return; }
            resolve({
              blob: blob,
              name: file.name.replace(/\.[^.]*$/, "") + ".jpg",
              note: "已压缩：" + mb(file.size) + " → " + mb(blob.size) + "（" + canvas.width + "×" + canvas.height + "）",
            });
          }, "image/jpeg", JPEG_QUALITY);
        });
      });
    }).catch(function () { return original; });
  }

  function startUpload(form) {
    var key = form.getAttribute("data-key");
    var input = form.querySelector("input[type=file]");
    var select = form.querySelector("select[name=doc_type]");
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) { setStatus(form, "请选择要上传的 JPG 图片。", true); return; }
    var option = select.options[select.selectedIndex];
    if (files.length > 1 && option && option.getAttribute("data-single")) {
      setStatus(form, "“" + option.textContent + "”只能上传一张，请只选择一张图片。", true);
      return;
    }
    var minSide = parseInt(form.getAttribute("data-min-side"), 10) || 0;
    setBusy(form, true, "正在处理图片…");
    setStatus(form, "", false);
    var prepared = [];
    // One after another: a phone decodes one large photo at a time without running out of memory.
    files.reduce(function (chain, file) {
      return chain.then(function () { return prepare(file, minSide).then(function (p) { prepared.push(p); }); });
    }, Promise.resolve()).then(function () {
      pending[key] = { docType: select.value, files: prepared, sent: 0, total: prepared.length, notes: [] };
      sendNext(key);
    });
  }

  function swapBlock(key, html) {
    var block = document.getElementById("attachments-" + key);
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("#attachments-" + key);
    if (!block || !fresh) { return null; }
    block.replaceWith(fresh);
    if (window.htmx) { htmx.process(fresh); }
    return fresh;
  }

  function sendNext(key) {
    var job = pending[key];
    var form = uploadForm(key);
    if (!job || !form) { return; }
    var item = job.files[0];
    var label = job.total > 1 ? "上传中（第 " + (job.sent + 1) + "/" + job.total + " 张）…" : "上传中…";
    setBusy(form, true, label);
    setStatus(form, item.note, false);
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("doc_type", job.docType);
    data.append("file", item.blob, item.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.timeout = 120000;
    xhr.upload.onprogress = function (evt) {
      var bar = form.querySelector("progress");
      if (bar && evt.lengthComputable) { bar.value = Math.round((evt.loaded / evt.total) * 100); }
    };
    xhr.onload = function () {
      if (xhr.status < 200 || xhr.status >= 300) { failed(key, failureText(xhr, "status")); return; }
      var fresh = swapBlock(key, xhr.responseText);
      if (!fresh) {
        // A refusal of the whole request (e.g. the dossier was submitted elsewhere): say it, keep the block.
        var holder = document.createElement("div");
        holder.innerHTML = xhr.responseText;
        failed(key, holder.textContent.trim() || failureText(xhr, "status"), true);
        return;
      }
      if (xhr.getResponseHeader("HX-Trigger") && window.htmx) { htmx.trigger(document.body, "dossier-saved"); }
      job.files.shift();
      job.sent += 1;
      if (item.note) { job.notes.push(item.note); }
      var refused = fresh.querySelector(".upload-error");
      if (refused) {
        refused.textContent = (job.total > 1 ? "“" + item.name + "”：" : "") + refused.textContent +
          (job.files.length ? "（其余 " + job.files.length + " 张未上传，请重新选择）" : "");
        delete pending[key];
        return;
      }
      if (job.files.length) { sendNext(key); return; }
      delete pending[key];
      setStatus(uploadForm(key), "已上传 " + job.sent + " 张。" + job.notes.join("；"), false);
    };
    xhr.onerror = function () { failed(key, failureText(null, "network")); };
    xhr.ontimeout = function () { failed(key, failureText(null, "timeout")); };
    xhr.send(data);
  }

  // The files not yet sent stay in `pending`; 重试 sends them again (the form is not reset).
  function failed(key, text, final) {
    var form = uploadForm(key);
    var job = pending[key];
    if (!form) { return; }
    setBusy(form, false);
    if (final || !job) { delete pending[key]; setStatus(form, text, true); return; }
    setStatus(form, "上传失败：" + text, true);
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "btn retry-upload";
    retry.setAttribute("data-key", key);
    retry.textContent = "重试（剩余 " + job.files.length + " 张）";
    form.querySelector(".upload-status").appendChild(retry);
  }

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form.upload-form[data-key]")) { return; }
    evt.preventDefault();
    startUpload(form);
  });

  document.addEventListener("click", function (evt) {
    var retry = evt.target.closest("button.retry-upload");
    if (retry) { evt.preventDefault(); sendNext(retry.getAttribute("data-key")); }
  });

  // ---- one section at a time on a small screen ----------------------------------------------------

  var small = window.matchMedia("(max-width: 760px)");
  var current = "overview";
  var style = document.createElement("style");
  style.id = "current-section-style";
  document.head.appendChild(style);

  function order() {
    return Array.prototype.map.call(document.querySelectorAll("#section-nav li[data-section]"), function (li) {
      return li.getAttribute("data-section");
    });
  }

  // A rule keyed by the section's name survives htmx swapping the section or the navigation.
  function show(key) {
    current = key;
    var sel = '[data-section="' + key + '"]';
    var css = '#section-nav li' + sel + ' > a { font-weight:700; background:#e8f1fb; }';
    if (small.matches) {
      css += ".dossier-section:not(" + sel + "), .dossier-overview:not(" + sel + ") { display:none; }";
    }
    style.textContent = css;
    document.body.classList.toggle("one-section", small.matches);
  }

  function fromHash() {
    var m = /^#section-([\w-]+)$/.exec(window.location.hash);
    return m && order().indexOf(m[1]) >= 0 ? m[1] : null;
  }

  function go(key) {
    show(key);
    var target = document.getElementById("section-" + key);
    if (target && small.matches) { target.scrollIntoView({ block: "start" }); }
  }

  window.addEventListener("hashchange", function () { var k = fromHash(); if (k) { go(k); } });
  small.addEventListener("change", function () { show(current); });

  document.addEventListener("click", function (evt) {
    var pager = evt.target.closest(".section-pager button[data-go]");
    if (!pager) { return; }
    var keys = order();
    var i = keys.indexOf(current) + (pager.getAttribute("data-go") === "next" ? 1 : -1);
    if (i >= 0 && i < keys.length) { window.location.hash = "#section-" + keys[i]; }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Opened without a section in the address: stay at the top, where the return reasons are.
    if (document.getElementById("section-nav")) { var k = fromHash(); if (k) { go(k); } else { show("overview"); } }
  });
})();
