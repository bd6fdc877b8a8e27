/* Tasuki entry form: keep the draft on the device, upload photos one by one
 * with retries, and send the entry exactly once (the submission key makes a
 * repeat return the first receipt). Without this script the form still posts
 * normally; with it, nothing the entrant wrote is lost to a dropped
 * connection, a reload or a closed tab. */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) return;
  var T = JSON.parse(document.getElementById("entry-messages").textContent);
  var DRAFT_KEY = "tasuki:draft:" + form.dataset.slug;
  var MAX_PHOTOS = parseInt(form.dataset.maxPhotos, 10);
  var SHRINK_ABOVE = 3 * 1048576; // bytes: larger photos are resized in the browser first
  var SHRINK_EDGE = 2560; // px: longest edge after resizing
  var problem = document.getElementById("problem");
  var draftStatus = document.getElementById("draft-status");
  var submitButton = document.getElementById("submit-button");
  var submitStatus = document.getElementById("submit-status");
  var photoList = document.getElementById("photo-list");
  var fileInput = document.getElementById("id_photos");
  var keyInput = form.elements.submission_key;
  var uploads = []; // {li, file, token, state: "queued"|"uploading"|"done"|"error", thumb}
  var sending = false;

  function fmt(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) {
      return params && name in params ? params[name] : "";
    });
  }
  function chars(value) { return Array.from(value).length; }

  /* ---------- live counters ---------- */
  function updateCounter(field) {
    var counter = document.getElementById(field.id + "_counter");
    if (!counter) return;
    var limit = parseInt(field.dataset.limit, 10);
    var count = chars(field.value);
    var over = count - limit;
    counter.textContent = over > 0
      ? fmt(T.over, { count: count, limit: limit, over: over })
      : fmt(T.chars, { count: count, limit: limit });
    counter.classList.toggle("is-over", over > 0);
  }
  Array.prototype.forEach.call(form.querySelectorAll("[data-limit]"), function (field) {
    var counter = document.getElementById(field.id + "_counter");
    if (counter) {
      var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      ids.push(counter.id);
      field.setAttribute("aria-describedby", ids.join(" "));
    }
    updateCounter(field);
    field.addEventListener("input", function () { updateCounter(field); });
  });

  /* ---------- guardian fields only for under-18s ---------- */
  var guardian = document.getElementById("guardian");
  function updateGuardian() {
    var minor = form.querySelector('input[name="age_group"][value="minor"]');
    guardian.hidden = !(minor && minor.checked);
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "age_group") updateGuardian();
  });

  /* ---------- draft on the device ---------- */
  function storage() {
    try { var s = window.localStorage; s.setItem("tasuki:probe", "1"); s.removeItem("tasuki:probe"); return s; }
    catch (e) { return null; }
  }
  var store = storage();

  function collect() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden" || el.name === "csrfmiddlewaretoken" ||
          el.name === "altcha" || el.name === "website") return;
      if (el.type === "checkbox") values[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) values[el.name] = el.value; }
      else values[el.name] = el.value;
    });
    return {
      key: keyInput.value,
      savedAt: new Date().toISOString(),
      values: values,
      photos: uploads.filter(function (u) { return u.state === "done"; })
        .map(function (u) { return { token: u.token, name: u.name, thumb: u.thumb || "" }; })
    };
  }

  // Every time the site shows is Japan time with the zone named, whatever the
  // device's own zone (an entrant abroad would otherwise see another clock).
  // JST is UTC+9 all year (no summer time), so no time-zone database is needed.
  function japanTime(date) {
    var t = new Date(date.getTime() + 9 * 3600 * 1000);
    return ("0" + t.getUTCHours()).slice(-2) + ":" + ("0" + t.getUTCMinutes()).slice(-2) + " JST";
  }

  var saveTimer = null;
  function saveDraft() {
    if (!store || sending === "done") return;
    try {
      store.setItem(DRAFT_KEY, JSON.stringify(collect()));
      draftStatus.textContent = fmt(T.draftSaved, { time: japanTime(new Date()) });
    } catch (e) {
      // Storage full (large thumbnails): save the text without thumbnails.
      try {
        var d = collect(); d.photos.forEach(function (p) { p.thumb = ""; });
        store.setItem(DRAFT_KEY, JSON.stringify(d));
      } catch (e2) { /* nothing more we can do; the server keeps uploaded photos */ }
    }
  }
  function scheduleSave() { clearTimeout(saveTimer); saveTimer = setTimeout(saveDraft, 300); }
  form.addEventListener("input", scheduleSave);
  form.addEventListener("change", scheduleSave);
  window.addEventListener("pagehide", saveDraft);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") saveDraft();
  });

  function formIsEmpty() {
    return !Array.prototype.some.call(form.querySelectorAll("textarea, input[type=text], input[type=email]"),
      function (el) { return el.name !== "website" && el.value.trim() !== ""; });
  }

  function restoreDraft() {
    if (!store) return;
    var raw = store.getItem(DRAFT_KEY);
    if (!raw) return;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    if (!draft || !draft.values || !formIsEmpty()) return;
    if (draft.key) keyInput.value = draft.key;
    Object.keys(draft.values).forEach(function (name) {
      var value = draft.values[name];
      var els = form.querySelectorAll('[name="' + name + '"]');
      Array.prototype.forEach.call(els, function (el) {
        if (el.type === "checkbox") el.checked = !!value;
        else if (el.type === "radio") el.checked = el.value === value;
        else el.value = value;
        if (el.dataset.limit) updateCounter(el);
      });
    });
    (draft.photos || []).forEach(function (p) { addRestoredPhoto(p); });
    draftStatus.textContent = T.draftRestored + " ";
    var again = document.createElement("button");
    again.type = "button";
    again.className = "link-button";
    again.textContent = T.startOver;
    again.addEventListener("click", function () {
      if (!window.confirm(T.confirmStartOver)) return;
      store.removeItem(DRAFT_KEY);
      window.location.reload();
    });
    draftStatus.appendChild(again);
  }

  /* ---------- photos ---------- */
  function photoCount() {
    return uploads.filter(function (u) { return u.state !== "removed"; }).length +
      photoList.querySelectorAll("li.is-done:not([data-js])").length;
  }

  function renderItem(u) {
    var li = u.li;
    li.className = "photo-item is-" + u.state;
    li.innerHTML = "";
    if (u.thumb) {
      var img = document.createElement("img");
      img.src = u.thumb; img.alt = ""; img.width = 64; img.height = 64;
      li.appendChild(img);
    }
    var text = document.createElement("span");
    text.className = "photo-name";
    text.textContent = u.name + " — " + u.message;
    li.appendChild(text);
    if (u.state === "done") {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "photo_tokens"; hidden.value = u.token;
      li.appendChild(hidden);
    }
    if (u.state === "error") {
      var retry = document.createElement("button");
      retry.type = "button"; retry.className = "link-button"; retry.textContent = T.retry;
      retry.addEventListener("click", function () { u.attempt = 0; startUpload(u); });
      if (u.retryable) li.appendChild(retry);
    }
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "link-button"; remove.textContent = T.remove;
    remove.setAttribute("aria-label", T.remove + ": " + u.name);
    remove.addEventListener("click", function () { removeUpload(u); });
    li.appendChild(remove);
  }

  function newItem(name) {
    var li = document.createElement("li");
    li.dataset.js = "1";
    photoList.appendChild(li);
    var u = { li: li, name: name, state: "queued", message: "", attempt: 0 };
    uploads.push(u);
    return u;
  }

  function addRestoredPhoto(p) {
    var u = newItem(p.name || "");
    u.state = "done"; u.token = p.token; u.thumb = p.thumb; u.message = T.uploaded;
    renderItem(u);
  }

  function removeUpload(u) {
    if (u.xhr) u.xhr.abort();
    u.state = "removed";
    u.li.remove();
    if (u.token) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      body.append("submission_key", keyInput.value);
      body.append("token", u.token);
      fetch(form.dataset.removeUrl, { method: "POST", body: body, credentials: "same-origin" }).catch(function () {});
    }
    uploads = uploads.filter(function (x) { return x !== u; });
    saveDraft();
  }

  function thumbnail(file) {
    return new Promise(function (resolve) {
      if (!window.createImageBitmap) return resolve("");
      createImageBitmap(file).then(function (bitmap) {
        var size = 96, c = document.createElement("canvas");
        var scale = Math.max(size / bitmap.width, size / bitmap.height);
        c.width = size; c.height = size;
        var ctx = c.getContext("2d");
        ctx.drawImage(bitmap, (size - bitmap.width * scale) / 2, (size - bitmap.height * scale) / 2,
          bitmap.width * scale, bitmap.height * scale);
        resolve(c.toDataURL("image/jpeg", 0.6));
      }).catch(function () { resolve(""); }); // HEIC and others the browser cannot draw
    });
  }

  function shrink(file) {
    // Phones take 5–15 MB photos; a 2560 px JPEG is plenty for the web and
    // uploads in a fraction of the time. Formats the browser cannot decode
    // (HEIC in most browsers) go up as they are and the server converts them.
    return new Promise(function (resolve) {
      if (file.size <= SHRINK_ABOVE || !window.createImageBitmap || !/^image\/(jpeg|png|webp)$/.test(file.type)) {
        return resolve(file);
      }
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, SHRINK_EDGE / Math.max(bitmap.width, bitmap.height));
        var c = document.createElement("canvas");
        c.width = Math.round(bitmap.width * scale); c.height = Math.round(bitmap.height * scale);
        c.getContext("2d").drawImage(bitmap, 0, 0, c.width, c.height);
        c.toBlob(function (blob) {
          resolve(blob && blob.size < file.size ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.88);
      }).catch(function () { resolve(file); });
    });
  }

  function startUpload(u) {
    if (u.state === "removed") return;
    if (!navigator.onLine) {
      u.state = "queued"; u.message = T.offlineWait; renderItem(u);
      window.addEventListener("online", function once() {
        window.removeEventListener("online", once); startUpload(u);
      });
      return;
    }
    u.state = "uploading"; u.message = fmt(T.uploading, { percent: 0 }); renderItem(u);
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.append("submission_key", keyInput.value);
    body.append("photo", u.file, u.file.name || "photo");
    var xhr = new XMLHttpRequest();
    u.xhr = xhr;
    xhr.open("POST", form.dataset.uploadUrl);
    xhr.setRequestHeader("X-Tasuki-Fetch", "1");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable && u.state === "uploading") {
        u.message = fmt(T.uploading, { percent: Math.round(e.loaded / e.total * 100) });
        u.li.querySelector(".photo-name").textContent = u.name + " — " + u.message;
      }
    };
    xhr.onload = function () {
      u.xhr = null;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: a proxy error page */ }
      if (xhr.status === 200 && data && data.ok) {
        u.state = "done"; u.token = data.token; u.message = T.uploaded; renderItem(u); saveDraft();
      } else if (data && data.message && xhr.status < 500) {
        u.state = "error"; u.retryable = xhr.status === 429; u.message = data.message; renderItem(u);
      } else {
        retryLater(u);
      }
      maybeContinueSubmit();
    };
    xhr.onerror = function () { u.xhr = null; retryLater(u); };
    xhr.ontimeout = xhr.onerror;
    xhr.send(body);
  }

  function retryLater(u) {
    if (u.state === "removed") return;
    u.attempt += 1;
    if (u.attempt > 4) {
      u.state = "error"; u.retryable = true; u.message = T.uploadFailed; renderItem(u);
      maybeContinueSubmit();
      return;
    }
    u.state = "uploading"; u.message = T.retrying; renderItem(u);
    setTimeout(function () { startUpload(u); }, Math.min(15000, 1000 * Math.pow(2, u.attempt)));
  }

  fileInput.addEventListener("change", function () {
    var files = Array.prototype.slice.call(fileInput.files);
    fileInput.value = "";
    files.forEach(function (file) {
      if (photoCount() >= MAX_PHOTOS) {
        showFieldError("photos", fmt(T.tooMany, { max: MAX_PHOTOS }));
        return;
      }
      var u = newItem(file.name);
      u.message = T.shrinking; renderItem(u);
      shrink(file).then(function (ready) {
        u.file = ready;
        return thumbnail(ready);
      }).then(function (thumb) {
        u.thumb = thumb;
        // Even a file over the size limit goes to the server, which words the
        // refusal: every message then comes from one catalogue.
        startUpload(u);
      });
    });
  });

  /* ---------- submit ---------- */
  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".errors"), function (box) { box.innerHTML = ""; });
    Array.prototype.forEach.call(form.querySelectorAll(".has-error"), function (f) { f.classList.remove("has-error"); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (f) { f.removeAttribute("aria-invalid"); });
  }

  function showFieldError(name, message) {
    var box = document.getElementById("id_" + name + "_errors") || document.getElementById(name + "_errors");
    if (!box) return false;
    var p = document.createElement("p"); p.className = "error"; p.textContent = message;
    box.appendChild(p);
    var field = document.getElementById("field-" + name);
    if (field) field.classList.add("has-error");
    var input = document.getElementById("id_" + name);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(box.id) < 0) { ids.push(box.id); input.setAttribute("aria-describedby", ids.join(" ")); }
    }
    return true;
  }

  function showProblem(message) {
    problem.textContent = message;
    problem.hidden = false;
    problem.focus();
  }

  function altchaReady() {
    var widget = form.querySelector("altcha-widget");
    var input = form.elements.altcha;
    if (input && input.value) return Promise.resolve();
    if (!widget) return Promise.resolve();
    submitStatus.textContent = T.waitingRobot;
    return new Promise(function (resolve) {
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      widget.addEventListener("statechange", function (e) {
        if (e.detail && (e.detail.state === "verified" || e.detail.state === "error")) finish();
      });
      if (typeof widget.verify === "function") { try { widget.verify(); } catch (e) { /* already running */ } }
      setTimeout(finish, 30000); // the server will say what to do if it is still missing
    });
  }

  var pendingSubmit = false;
  function maybeContinueSubmit() {
    if (pendingSubmit && !uploads.some(function (u) { return u.state === "uploading" || u.state === "queued"; })) {
      pendingSubmit = false;
      send();
    }
  }

  function setBusy(busy, text) {
    sending = busy;
    submitButton.disabled = busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
    submitStatus.textContent = text || "";
  }

  var retryTimer = null;
  function send() {
    if (uploads.some(function (u) { return u.state === "error"; })) {
      setBusy(false);
      showProblem(T.photoErrorsFirst);
      return;
    }
    if (uploads.some(function (u) { return u.state === "uploading" || u.state === "queued"; })) {
      pendingSubmit = true;
      setBusy(true, T.waitingPhotos);
      return;
    }
    setBusy(true, T.sending);
    altchaReady().then(function () {
      submitStatus.textContent = T.sending;
      var body = new FormData(form);
      body.delete("photos");
      return fetch(form.action || window.location.href, {
        method: "POST", body: body, credentials: "same-origin", headers: { "X-Tasuki-Fetch": "1" }
      });
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: null }; });
    }).then(function (result) {
      if (result.data && result.data.ok) {
        sending = "done";
        if (store) store.removeItem(DRAFT_KEY);
        window.location.assign(result.data.receipt_url);
        return;
      }
      if (!result.data || result.status >= 500) {
        setBusy(false);
        showProblem(result.data && result.data.message ? result.data.message : T.serverDown);
        scheduleRetry();
        return;
      }
      setBusy(false);
      clearErrors();
      var errors = result.data.errors || {};
      Object.keys(errors).forEach(function (name) {
        errors[name].forEach(function (m) { showFieldError(name, m); });
      });
      if (result.data.field) showFieldError(result.data.field, result.data.message);
      showProblem(result.data.message);
      if (result.data.field === "altcha") {
        var widget = form.querySelector("altcha-widget");
        if (widget && typeof widget.reset === "function") widget.reset();
      }
    }).catch(function () {
      setBusy(false);
      showProblem(navigator.onLine ? T.serverDown : T.offlineSubmit);
      scheduleRetry();
    });
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    if (!navigator.onLine) {
      window.addEventListener("online", function once() { window.removeEventListener("online", once); send(); });
    } else {
      retryTimer = setTimeout(send, 5000);
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (sending) return; // a double click sends once; the key guards the rest
    saveDraft();
    send();
  });

  restoreDraft();
  updateGuardian();
  Array.prototype.forEach.call(photoList.querySelectorAll("li.is-done:not([data-js])"), function (li) {
    var u = { li: li, name: li.querySelector(".photo-name").textContent, state: "done",
      token: li.dataset.token, message: T.uploaded, attempt: 0 };
    li.dataset.js = "1";
    uploads.push(u);
    renderItem(u);
  });
})();
