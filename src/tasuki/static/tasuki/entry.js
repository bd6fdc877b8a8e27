/* Tasuki entry form: keep the draft on the device, upload photos one by one
 * with retries, and send the entry exactly once (the submission key makes a
 * repeat return the first receipt). Without this script the form still posts
 * normally; with it, nothing the entrant wrote is lost to a dropped
 * connection, a reload, a closed tab, a second tab or the Back button. */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) return;
  var T = JSON.parse(document.getElementById("entry-messages").textContent);
  var DRAFT_KEY = "tasuki:draft:" + form.dataset.slug;
  var SENT_KEY = "tasuki:sent:" + form.dataset.slug;
  var MAX_PHOTOS = parseInt(form.dataset.maxPhotos, 10);
  var SHRINK_ABOVE = 3 * 1048576; // bytes: larger photos are resized in the browser first
  var SHRINK_EDGE = 2560; // px: longest edge after resizing
  var RETRY_FIRST = 5000; // ms before the first automatic resend; doubles each time
  var RETRY_LONGEST = 60000; // ms: the longest wait between automatic resends
  var RETRY_TRIES = 10; // automatic resends before the entrant is asked to press Send later
  var SENT_KEEP = 30 * 86400000; // ms a "sent" record is kept on the device
  var problem = document.getElementById("problem");
  var sentNotice = document.getElementById("sent-notice");
  var draftStatus = document.getElementById("draft-status");
  var submitButton = document.getElementById("submit-button");
  var submitStatus = document.getElementById("submit-status");
  var photoList = document.getElementById("photo-list");
  var fileInput = document.getElementById("id_photos");
  var keyInput = form.elements.submission_key;
  // {li, file, token, name, message, attempt, state}; state is one of
  // "queued" | "uploading" | "done" | "error" (refused or failed) |
  // "gone" (expired on the server) | "attached" (already part of a sent entry) |
  // "elsewhere" (sent with the other tab's entry) | "removed"
  var uploads = [];
  var COUNTED = { queued: 1, uploading: 1, done: 1, attached: 1 };
  var sending = false;
  // The server's signed proof that this key's first try arrived in time (the
  // page without JavaScript carries it in a hidden field).
  var arrival = form.elements.arrival ? form.elements.arrival.value : "";

  function fmt(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) {
      return params && name in params ? params[name] : "";
    });
  }
  function chars(value) { return Array.from(value).length; }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function whenOnline(fn) {
    window.addEventListener("online", function once() { window.removeEventListener("online", once); fn(); });
  }

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
  each(form.querySelectorAll("[data-limit]"), function (field) {
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

  /* ---------- question 1: pick the relay story that resonated ----------
   * Without this script the <select> of published stories is the picker. Here
   * it gives way to a search box (the ARIA combobox pattern with a list): type a
   * word of a title or a km number ("km 12", "12キロ"), choose with the arrow
   * keys and Enter, or tap. The <select> stays in the form, hidden, and holds
   * the pick, so the post, the draft and a restored draft are as without it. */
  var storyPick = (function () {
    var field = document.getElementById("field-resonated_with");
    var select = document.getElementById("id_resonated_with");
    var textsNode = document.getElementById("story-pick-messages");
    if (!field || !select || !textsNode) {
      return { sync: function () {}, drop: function () {}, hashPart: function () { return ""; } };
    }
    var S = JSON.parse(textsNode.textContent);
    var label = field.querySelector('label[for="id_resonated_with"]');
    var kmInput = form.elements.resonated_km;
    var items = []; // {value, text, km, haystack, el}
    var noneItem = null;
    var active = -1; // index in visible()
    var pickedKm = ""; // the km mark the current pick filled in, if it did

    function norm(text) { return (text || "").normalize("NFKC").toLowerCase(); }

    var box = document.createElement("div");
    box.className = "story-search";
    var input = document.createElement("input");
    input.type = "text";
    input.id = "id_resonated_with_search";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", "story-pick-list");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocapitalize", "off");
    input.setAttribute("spellcheck", "false");
    var described = (select.getAttribute("aria-describedby") || "id_resonated_with_helptext").split(" ");
    input.setAttribute("aria-describedby", described.concat(["story-pick-status"]).join(" "));
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "story-toggle";
    toggle.tabIndex = -1; // keyboard users open the list with the arrow keys
    toggle.setAttribute("aria-label", S.showAll);
    toggle.setAttribute("aria-controls", "story-pick-list");
    toggle.setAttribute("aria-expanded", "false");
    toggle.textContent = "▾";
    var list = document.createElement("div");
    list.id = "story-pick-list";
    list.className = "story-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", S.listLabel);
    list.hidden = true;
    var status = document.createElement("p");
    status.id = "story-pick-status";
    status.className = "help";
    status.setAttribute("aria-live", "polite");

    function addOption(parent, option, groupText) {
      var el = document.createElement("div");
      el.setAttribute("role", "option");
      el.id = "story-option-" + (option.value || "none");
      el.setAttribute("aria-selected", "false");
      el.textContent = option.text;
      if (!option.value) el.className = "story-none";
      parent.appendChild(el);
      var item = {
        value: option.value, text: option.text, km: option.dataset.km || "", el: el,
        haystack: norm([option.text, option.dataset.search || "", option.dataset.campaign || "",
          groupText].join(" ")),
        // Numbers are looked for in the story's own texts only: a campaign called
        // "… 2025" must not make every one of its stories match "20".
        ownText: norm([option.text, option.dataset.search || ""].join(" "))
      };
      el.addEventListener("click", function () { choose(item); input.focus(); });
      if (option.value) items.push(item); else noneItem = item;
    }
    each(select.children, function (child, i) {
      if (child.tagName === "OPTGROUP") {
        var group = document.createElement("div");
        group.setAttribute("role", "group");
        var head = document.createElement("div");
        head.id = "story-group-" + i;
        head.className = "story-group-label";
        head.setAttribute("role", "presentation");
        head.textContent = child.label;
        group.setAttribute("aria-labelledby", head.id);
        group.appendChild(head);
        each(child.children, function (option) { addOption(group, option, child.label); });
        list.appendChild(group);
      } else {
        addOption(list, child, "");
      }
    });
    // Keep the focus in the box while an option is pressed (or blur would close the list first).
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    toggle.addEventListener("mousedown", function (e) { e.preventDefault(); });

    box.appendChild(input);
    box.appendChild(toggle);
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(list, select.nextSibling);
    field.appendChild(status);
    select.hidden = true;
    select.tabIndex = -1;
    if (label) label.htmlFor = input.id;

    function current() {
      for (var i = 0; i < items.length; i++) if (items[i].value === select.value) return items[i];
      return null;
    }

    /* A query matches when each of its words does: a number is a km mark (or is
     * in a title), other words are found in either title, the pen name or the
     * campaign. "km", "キロ" and the like only say that a number is a km mark. */
    function matches(item, query) {
      var words = norm(query).replace(/(\d)(?=[^\d.\s])/g, "$1 ")
        .replace(/\b(?:km|k)\b|キロ(?:メートル)?|地点|付近/g, " ")
        .split(/[\s,、。·・—–-]+/).filter(Boolean);
      return words.every(function (word) {
        if (/^\d+(?:\.\d+)?$/.test(word)) {
          if (item.km && parseFloat(word) === parseFloat(item.km)) return true;
          return item.ownText.indexOf(word) >= 0;
        }
        return item.haystack.indexOf(word) >= 0;
      });
    }

    var shown = [];
    function filter(query) {
      setActive(-1);
      shown = items.filter(function (item) {
        var ok = matches(item, query);
        item.el.hidden = !ok;
        return ok;
      });
      each(list.querySelectorAll("[role=group]"), function (group) {
        group.hidden = !group.querySelector("[role=option]:not([hidden])");
      });
      // "None of these" heads the whole list and closes a filtered one.
      if (noneItem) {
        var empty = !norm(query).trim();
        list.insertBefore(noneItem.el, empty ? list.firstChild : null);
        if (empty) shown.unshift(noneItem); else shown.push(noneItem);
      }
    }
    function matchCount() { return shown.length - (noneItem ? 1 : 0); }

    function isOpen() { return !list.hidden; }
    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      toggle.setAttribute("aria-expanded", "true");
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      toggle.setAttribute("aria-expanded", "false");
      setActive(-1);
    }
    function setActive(index) {
      if (active >= 0 && shown[active]) shown[active].el.setAttribute("aria-selected", "false");
      active = index;
      var item = shown[active];
      if (item) {
        item.el.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", item.el.id);
        var top = item.el.offsetTop, bottom = top + item.el.offsetHeight;
        if (top < list.scrollTop) list.scrollTop = top;
        else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight;
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    var announceTimer = null;
    function announce(text, now) {
      clearTimeout(announceTimer);
      if (now) { status.textContent = text; return; }
      // Wait for a pause in the typing: a screen reader then reads one count, not every keystroke.
      announceTimer = setTimeout(function () { status.textContent = text; }, 600);
    }
    function announceCount() {
      var count = matchCount();
      announce(count === 0 ? S.matchesNone : count === 1 ? S.matchesOne : fmt(S.matchesMany, { count: count }));
    }

    function markPicked() {
      items.forEach(function (item) { item.el.classList.toggle("is-picked", item.value === select.value); });
    }

    function choose(item) {
      var before = select.value;
      var previous = current();
      select.value = item ? item.value : "";
      var now = current();
      input.value = now ? now.text : "";
      close();
      markPicked();
      var filled = false;
      // The km mark follows the pick when the entrant left it empty (or the last pick filled it).
      if (kmInput && now && now.km && (!kmInput.value.trim() || (previous && kmInput.value === previous.km))) {
        filled = kmInput.value !== now.km;
        kmInput.value = now.km;
        kmInput.dispatchEvent(new Event("input", { bubbles: true }));
      }
      announce(now ? fmt(filled ? S.pickedKm : S.picked, { story: now.text }) : S.cleared, true);
      if (select.value !== before) select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    /* Puts the box in step with the <select> (a restored draft, Back, a reset). */
    function sync() {
      var now = current();
      if (!now && select.value) select.value = ""; // a story no longer offered
      input.value = now ? now.text : "";
      markPicked();
      close();
    }

    input.addEventListener("input", function () {
      filter(input.value);
      open();
      announceCount();
    });
    input.addEventListener("click", function () {
      if (!isOpen()) { filter(input.value === (current() || {}).text ? "" : input.value); open(); }
    });
    toggle.addEventListener("click", function () {
      if (isOpen()) { close(); } else { filter(""); open(); announceCount(); }
      input.focus();
    });
    input.addEventListener("keydown", function (e) {
      var key = e.key;
      if (key === "ArrowDown" || key === "ArrowUp") {
        e.preventDefault();
        if (!isOpen()) {
          filter(input.value === (current() || {}).text ? "" : input.value);
          open();
          announceCount();
          if (e.altKey) return;
        }
        if (!shown.length) return;
        var next = key === "ArrowDown" ? active + 1 : active - 1;
        if (next >= shown.length) next = 0;
        if (next < 0) next = shown.length - 1;
        setActive(next);
      } else if (key === "Enter") {
        // Enter picks; it never sends the whole form from this box.
        e.preventDefault();
        if (isOpen() && shown[active]) choose(shown[active]);
        else if (isOpen() && matchCount() === 1 && input.value.trim()) choose(shown[0]); // the only match
      } else if (key === "Escape") {
        if (isOpen()) { e.preventDefault(); close(); var c = current(); input.value = c ? c.text : ""; }
        else if (input.value) { e.preventDefault(); input.value = ""; }
      } else if (key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      close();
      var now = current();
      if (!input.value.trim()) {
        if (now) choose(null);
      } else if (!now || input.value !== now.text) {
        // Typed but not chosen: the box shows what is picked, nothing half-typed.
        input.value = now ? now.text : "";
      }
    });

    /* The server refused the pick (the story came down since the page was loaded):
     * it leaves the list, so it cannot be picked again by mistake. */
    function drop() {
      var gone = current();
      if (!gone) return;
      items.splice(items.indexOf(gone), 1);
      gone.el.remove();
      each(select.querySelectorAll("option"), function (option) {
        if (option.value === gone.value) option.remove();
      });
      choose(null);
      filter("");
    }

    filter("");
    sync();
    return {
      sync: sync,
      drop: drop,
      // Part of the text that tells a sent story from a new one (only when there is a pick,
      // so a story without one hashes as it always did).
      hashPart: function () { return select.value ? "resonated_with=" + select.value : ""; }
    };
  })();

  /* ---------- draft on the device ---------- */
  function storage(name) {
    try { var s = window[name]; s.setItem("tasuki:probe", "1"); s.removeItem("tasuki:probe"); return s; }
    catch (e) { return null; }
  }
  var store = storage("localStorage");
  var sentStore = store || storage("sessionStorage");

  function collect() {
    var values = {};
    each(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden" || el.name === "csrfmiddlewaretoken" ||
          el.name === "altcha" || el.name === "website") return;
      if (el.type === "checkbox") values[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) values[el.name] = el.value; }
      else values[el.name] = el.value;
    });
    return {
      key: keyInput.value,
      arrival: arrival,
      savedAt: new Date().toISOString(),
      values: values,
      photos: uploads.filter(function (u) { return u.state === "done" || u.state === "attached"; })
        .map(function (u) { return { token: u.token, name: u.name, thumb: u.thumb || "" }; })
    };
  }

  // Every time the site shows is Japan time with the zone named, whatever the
  // device's own zone (an entrant abroad would otherwise see another clock).
  // JST is UTC+9 all year (no summer time), so no time-zone database is needed.
  function japanTime(date) {
    var t = new Date(date.getTime() + 9 * 3600 * 1000);
    return fmt(T.timeJst, {
      hours: ("0" + t.getUTCHours()).slice(-2), minutes: ("0" + t.getUTCMinutes()).slice(-2)
    });
  }

  function japanDateTime(date) {
    var t = new Date(date.getTime() + 9 * 3600 * 1000);
    function two(n) { return ("0" + n).slice(-2); }
    return fmt(T.dateTimeJst, {
      year: t.getUTCFullYear(), month: two(t.getUTCMonth() + 1), day: two(t.getUTCDate()),
      hours: two(t.getUTCHours()), minutes: two(t.getUTCMinutes())
    });
  }

  function formIsEmpty() {
    return !Array.prototype.some.call(form.querySelectorAll("textarea, input[type=text], input[type=email]"),
      function (el) { return el.name !== "website" && el.value.trim() !== ""; });
  }

  var saveTimer = null;
  function saveDraft() {
    if (!store || sending === "done") return;
    var draft = collect();
    if (formIsEmpty() && !draft.photos.length) { store.removeItem(DRAFT_KEY); return; }
    try {
      store.setItem(DRAFT_KEY, JSON.stringify(draft));
      showDraftStatus(fmt(T.draftSaved, { time: japanTime(new Date()) }));
    } catch (e) {
      // Storage full (large thumbnails): save the text without thumbnails.
      try {
        draft.photos.forEach(function (p) { p.thumb = ""; });
        store.setItem(DRAFT_KEY, JSON.stringify(draft));
      } catch (e2) { /* nothing more we can do; the server keeps uploaded photos */ }
    }
  }
  function showDraftStatus(text, withStartOver) {
    draftStatus.textContent = "";
    var span = document.createElement("span");
    span.textContent = text;
    draftStatus.appendChild(span);
    if (withStartOver) {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "link-button";
      again.textContent = T.startOver;
      again.addEventListener("click", function () {
        if (!window.confirm(T.confirmStartOver)) return;
        startNewEntry();
      });
      draftStatus.appendChild(again);
    }
  }
  function scheduleSave() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { saveDraft(); updateSentNotice(); }, 300);
  }
  form.addEventListener("input", scheduleSave);
  form.addEventListener("change", scheduleSave);
  window.addEventListener("pagehide", saveDraft);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") saveDraft();
  });

  function setKey(key) {
    // A new key is a new submission: the old arrival proof belongs to the old one.
    keyInput.value = key;
    arrival = "";
  }

  function restoreDraft() {
    if (!store) return;
    var raw = store.getItem(DRAFT_KEY);
    if (!raw) return;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    if (!draft || !draft.values || !formIsEmpty()) return;
    if (draft.key) setKey(draft.key);
    arrival = draft.key && draft.arrival ? draft.arrival : "";
    Object.keys(draft.values).forEach(function (name) {
      var value = draft.values[name];
      var els = form.querySelectorAll('[name="' + name + '"]');
      each(els, function (el) {
        if (el.type === "checkbox") el.checked = !!value;
        else if (el.type === "radio") el.checked = el.value === value;
        else el.value = value;
        if (el.dataset.limit) updateCounter(el);
      });
    });
    (draft.photos || []).forEach(function (p) { addRestoredPhoto(p); });
    storyPick.sync();
    showDraftStatus(T.draftRestored, true);
    checkPhotos(uploads.filter(function (u) { return u.state === "done"; }), "restored");
  }

  /* Empties the form for a new story with a new key (the old draft was sent, or
   * the entrant asked to start over). */
  function startNewEntry() {
    clearTimeout(retryTimer);
    if (store) store.removeItem(DRAFT_KEY);
    uploads.forEach(function (u) { if (u.state === "done" && u.token) forgetPhoto(u); });
    form.reset(); // a page the server filled in again resets to those values: empty them too
    each(form.querySelectorAll("textarea, input[type=text], input[type=email]"), function (el) { el.value = ""; });
    if (form.elements.resonated_with) form.elements.resonated_with.value = "";
    storyPick.sync();
    setKey(uuid4());
    uploads.forEach(function (u) { u.state = "removed"; if (u.xhr) u.xhr.abort(); u.li.remove(); });
    uploads = [];
    each(photoList.querySelectorAll("li"), function (li) { li.remove(); });
    each(form.querySelectorAll("[data-limit]"), updateCounter);
    updateGuardian();
    clearErrors();
    problem.hidden = true;
    sentNotice.hidden = true;
    sentMatch = null;
    setBusy(false);
    showDraftStatus(T.newEntryStarted);
  }

  /* ---------- entries already sent from this device ---------- */
  // A small record per sent entry: its key, receipt, a hash of its text and the
  // time. The Back button, a reload or a restored draft can bring the same story
  // back into the form; Send then leads to its receipt instead of a second entry.
  function textHash() {
    var parts = [];
    each(form.querySelectorAll("textarea, input[type=text], input[type=email]"), function (el) {
      if (el.name && el.name !== "website") parts.push(el.name + "=" + el.value.trim());
    });
    if (storyPick.hashPart()) parts.push(storyPick.hashPart());
    parts.sort();
    var text = parts.join("\u0000");
    // cyrb53: a fast 53-bit string hash; enough to recognise the same text again.
    var h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761); h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  }
  function sentRecords() {
    if (!sentStore) return [];
    try {
      var now = Date.now();
      return (JSON.parse(sentStore.getItem(SENT_KEY)) || []).filter(function (r) {
        return r && r.receipt_url && now - r.at < SENT_KEEP;
      });
    } catch (e) { return []; }
  }
  function rememberSent(record) {
    if (!sentStore) return;
    var records = sentRecords().filter(function (r) { return r.key !== record.key; });
    records.unshift(record);
    try { sentStore.setItem(SENT_KEY, JSON.stringify(records.slice(0, 20))); } catch (e) { /* full */ }
  }
  var sentMatch = null; // the sent record the form's text is, or null
  function updateSentNotice() {
    var hash = formIsEmpty() ? "" : textHash();
    var record = null;
    sentRecords().some(function (r) {
      if (hash && r.hash === hash) { record = r; return true; }
      return false;
    });
    var wasShown = sentMatch ? fmt(T.alreadySentHere, { receipt: sentMatch.receipt }) : "";
    sentMatch = record;
    if (!record) {
      if (sentNotice.dataset.kind === "receipt") sentNotice.hidden = true;
      if (wasShown && submitStatus.textContent === wasShown) submitStatus.textContent = "";
      return;
    }
    var when = new Date(record.at);
    showSentNotice("receipt", fmt(T.alreadySent, { receipt: record.receipt, time: japanDateTime(when) }),
      record.receipt_url);
    // Back puts the entrant where they pressed Send: say it there too.
    if (!sending) submitStatus.textContent = fmt(T.alreadySentHere, { receipt: record.receipt });
  }
  function showSentNotice(kind, text, receiptUrl) {
    sentNotice.dataset.kind = kind;
    sentNotice.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    sentNotice.appendChild(p);
    var actions = document.createElement("p");
    actions.className = "notice-actions";
    if (receiptUrl) {
      var link = document.createElement("a");
      link.href = receiptUrl;
      link.textContent = T.seeReceipt;
      actions.appendChild(link);
    }
    var fresh = document.createElement("button");
    fresh.type = "button"; fresh.className = "link-button"; fresh.textContent = T.startNew;
    fresh.addEventListener("click", startNewEntry);
    actions.appendChild(fresh);
    sentNotice.appendChild(actions);
    sentNotice.hidden = false;
  }

  /* ---------- photos ---------- */
  function photoCount() {
    return uploads.filter(function (u) { return COUNTED[u.state]; }).length +
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
    text.textContent = photoLine(u);
    li.appendChild(text);
    if (u.state === "done" || u.state === "attached") {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "photo_tokens"; hidden.value = u.token;
      li.appendChild(hidden);
    }
    if (u.state === "error" && u.retryable) {
      var retry = document.createElement("button");
      retry.type = "button"; retry.className = "link-button"; retry.textContent = T.retry;
      retry.addEventListener("click", function () { u.attempt = 0; u.robotTries = 0; startUpload(u); });
      li.appendChild(retry);
    }
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "link-button"; remove.textContent = T.remove;
    remove.setAttribute("aria-label", fmt(T.removeNamed, { name: u.name }));
    remove.addEventListener("click", function () { removeUpload(u); });
    li.appendChild(remove);
  }
  function photoLine(u) {
    // A photo the server listed itself (the page without JavaScript) has a
    // whole sentence for a name and no separate status.
    return u.message ? fmt(T.photoLine, { name: u.name, status: u.message }) : u.name;
  }
  function setPhotoState(u, state, message) {
    u.state = state; u.message = message; renderItem(u);
  }

  function newItem(name) {
    var li = document.createElement("li");
    li.dataset.js = "1";
    photoList.appendChild(li);
    var u = { li: li, name: name, state: "queued", message: "", attempt: 0, robotTries: 0 };
    uploads.push(u);
    return u;
  }

  function addRestoredPhoto(p) {
    var u = newItem(p.name || "");
    u.token = p.token; u.thumb = p.thumb;
    setPhotoState(u, "done", T.uploaded);
  }

  function forgetPhoto(u) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.append("submission_key", keyInput.value);
    body.append("token", u.token);
    fetch(form.dataset.removeUrl, { method: "POST", body: body, credentials: "same-origin" }).catch(function () {});
  }

  function removeUpload(u) {
    if (u.xhr) u.xhr.abort();
    var wasDone = u.state === "done" && u.token;
    u.state = "removed";
    u.li.remove();
    if (wasDone) forgetPhoto(u);
    uploads = uploads.filter(function (x) { return x !== u; });
    saveDraft();
    maybeContinueSubmit();
  }

  /* Asks the server what became of uploaded photos: an upload is kept two days,
   * and a draft may already have been sent. ``context`` is "restored" (a draft
   * brought back on this device) or "moved" (after the server gave this draft a
   * new key because its old one was used by another tab). */
  function checkPhotos(list, context, key) {
    var url = form.dataset.statusUrl;
    list = list.filter(function (u) { return u.token; });
    if (!url || !list.length) return Promise.resolve();
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.append("submission_key", key || keyInput.value);
    list.forEach(function (u) { body.append("tokens", u.token); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-Tasuki-Fetch": "1" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (!data || !data.ok || !data.photos) return;
      var attached = false;
      list.forEach(function (u) {
        var state = data.photos[u.token];
        if (u.state !== "done" && u.state !== "attached") return;
        if (state === "attached" && context === "moved") setPhotoState(u, "elsewhere", T.photoElsewhere);
        else if (state === "gone" && context !== "moved") setPhotoState(u, "gone", T.photoGone);
        else if (state === "attached") { setPhotoState(u, "attached", T.photoSent); attached = true; }
      });
      if (attached && !sentMatch) showSentNotice("attached", T.draftWasSent, "");
      saveDraft();
    }).catch(function () { /* unknown: the submit will say if a photo is missing */ });
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
      setPhotoState(u, "queued", T.offlineWait);
      whenOnline(function () { startUpload(u); });
      updateWaiting();
      return;
    }
    // Every upload carries the robot check's proof of work: wait for it first.
    setPhotoState(u, "uploading", robotPayload() ? fmt(T.uploading, { percent: 0 }) : T.photoWaitingRobot);
    altchaReady().then(function () { if (u.state !== "removed") sendPhoto(u); });
  }

  function sendPhoto(u) {
    setPhotoState(u, "uploading", fmt(T.uploading, { percent: 0 }));
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.append("submission_key", keyInput.value);
    body.append("altcha", robotPayload());
    body.append("photo", u.file, u.file.name || "photo");
    var xhr = new XMLHttpRequest();
    u.xhr = xhr;
    xhr.open("POST", form.dataset.uploadUrl);
    xhr.setRequestHeader("X-Tasuki-Fetch", "1");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable && u.state === "uploading") {
        u.message = fmt(T.uploading, { percent: Math.round(e.loaded / e.total * 100) });
        u.li.querySelector(".photo-name").textContent = photoLine(u);
      }
    };
    xhr.onload = function () {
      u.xhr = null;
      if (u.state === "removed") return;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: a proxy error page */ }
      if (xhr.status === 200 && data && data.ok) {
        u.token = data.token; u.robotTries = 0;
        setPhotoState(u, "done", T.uploaded);
        saveDraft();
      } else if (xhr.status === 403 && data && data.code === "robot" && u.robotTries < 2) {
        // The proof of work was missing, expired or refused: solve a new one
        // and send this photo again by itself.
        u.robotTries += 1;
        setPhotoState(u, "uploading", T.photoWaitingRobot);
        refreshRobot().then(function () { if (u.state !== "removed") sendPhoto(u); });
        return;
      } else if (data && data.message && (xhr.status < 500 || !data.retry)) {
        u.retryable = xhr.status === 429 || xhr.status === 403 || xhr.status >= 500;
        setPhotoState(u, "error", data.message);
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
    if (!navigator.onLine) { // offline is no failed try: wait for the connection
      startUpload(u);
      return;
    }
    u.attempt += 1;
    if (u.attempt > 4) {
      u.retryable = true;
      setPhotoState(u, "error", T.uploadFailed);
      maybeContinueSubmit();
      return;
    }
    setPhotoState(u, "uploading", T.retrying);
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
      setPhotoState(u, "queued", T.shrinking);
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

  /* ---------- the robot check (ALTCHA proof of work) ---------- */
  var robot = { state: null, payload: "", waiting: null };
  function altchaWidget() { return form.querySelector("altcha-widget"); }
  function robotPayload() {
    if (robot.state !== null) return robot.payload;
    var input = form.elements.altcha;
    return input ? input.value : "";
  }
  (function watchRobot() {
    var widget = altchaWidget();
    if (!widget) return;
    widget.addEventListener("statechange", function (e) {
      if (!e.detail) return;
      robot.state = e.detail.state;
      robot.payload = e.detail.state === "verified" ? e.detail.payload || "" : "";
    });
  })();

  /* Resolves once the widget has a solution (or has given up: the server then
   * says what to do). Several uploads and the submit share one wait. */
  function altchaReady(restart) {
    var widget = altchaWidget();
    if (!widget || (!restart && robotPayload())) return Promise.resolve();
    if (robot.waiting) return robot.waiting;
    robot.waiting = new Promise(function (resolve) {
      var timer = null;
      function finish() {
        clearTimeout(timer);
        widget.removeEventListener("statechange", onState);
        robot.waiting = null;
        resolve();
      }
      function onState(e) {
        var state = e.detail && e.detail.state;
        if (state === "verified" || state === "error") finish();
      }
      widget.addEventListener("statechange", onState);
      var busy = typeof widget.getState === "function" && widget.getState() === "verifying";
      if (restart) {
        robot.state = "unverified"; robot.payload = "";
        try { if (typeof widget.reset === "function") widget.reset(); } catch (e) { /* keep going */ }
        busy = false;
      }
      if (!busy && typeof widget.verify === "function") {
        try { widget.verify(); } catch (e) { /* already running */ }
      }
      timer = setTimeout(finish, 30000);
    });
    return robot.waiting;
  }
  function refreshRobot() { return altchaReady(true); }

  /* ---------- submit ---------- */
  function clearErrors() {
    each(form.querySelectorAll(".errors"), function (box) { box.innerHTML = ""; });
    each(form.querySelectorAll(".has-error"), function (f) { f.classList.remove("has-error"); });
    each(form.querySelectorAll("[aria-invalid]"), function (f) { f.removeAttribute("aria-invalid"); });
  }

  function showFieldError(name, message) {
    var box = document.getElementById("id_" + name + "_errors") || document.getElementById(name + "_errors");
    if (!box) return false;
    var p = document.createElement("p"); p.className = "error"; p.textContent = message;
    box.appendChild(p);
    var field = document.getElementById("field-" + name);
    if (field) field.classList.add("has-error");
    // A field the script replaced (the story search box) shows its error itself.
    var input = document.getElementById("id_" + name + "_search") || document.getElementById("id_" + name);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(box.id) < 0) { ids.push(box.id); input.setAttribute("aria-describedby", ids.join(" ")); }
    }
    return true;
  }

  function showProblem(message, quiet) {
    var changed = problem.hidden || problem.textContent !== message;
    problem.textContent = message;
    problem.hidden = false;
    // Focus moves to the message when it is new, not on every automatic retry
    // (that would pull the entrant away from a field they are editing).
    if (changed && !quiet) problem.focus();
  }

  var pendingSubmit = false;
  function pendingUploads() {
    return uploads.some(function (u) { return u.state === "uploading" || u.state === "queued"; });
  }
  function updateWaiting() {
    if (pendingSubmit) submitStatus.textContent = navigator.onLine ? T.waitingPhotos : T.offlineWaitingPhotos;
  }
  window.addEventListener("offline", updateWaiting);
  window.addEventListener("online", updateWaiting);
  function maybeContinueSubmit() {
    if (pendingSubmit && !pendingUploads()) {
      pendingSubmit = false;
      send();
    }
  }

  function setBusy(busy, text) {
    sending = busy;
    submitButton.disabled = !!busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
    submitStatus.textContent = text || "";
  }

  var retryTimer = null;
  var autoTries = 0; // automatic resends since the entrant last pressed Send
  var waitingOnline = false;
  function send() {
    clearTimeout(retryTimer);
    if (sentMatch) { // this very story was sent from this device: show its receipt
      setBusy(false);
      window.location.assign(sentMatch.receipt_url);
      return;
    }
    if (uploads.some(function (u) { return u.state === "error" || u.state === "gone"; })) {
      setBusy(false);
      pendingSubmit = false;
      showProblem(T.photoErrorsFirst);
      return;
    }
    if (pendingUploads()) {
      pendingSubmit = true;
      setBusy(true);
      updateWaiting();
      return;
    }
    setBusy(true, T.sending);
    altchaReady().then(function () {
      submitStatus.textContent = T.sending;
      var body = new FormData(form);
      body.delete("photos");
      body.set("altcha", robotPayload());
      body.delete("arrival");
      if (arrival) body.set("arrival", arrival);
      return fetch(form.action || window.location.href, {
        method: "POST", body: body, credentials: "same-origin", headers: { "X-Tasuki-Fetch": "1" }
      });
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: null }; });
    }).then(answer, function () {
      setBusy(false);
      scheduleRetry(T.serverDown);
    });
  }

  function answer(result) {
    var data = result.data && typeof result.data === "object" ? result.data : null;
    if (data && data.ok) { succeed(data); return; }
    setBusy(false);
    if (data && data.arrival) { arrival = data.arrival; saveDraft(); }
    // No JSON answer at all (a proxy's error page), or the server's own
    // temporary failure: send again by ourselves, a little later each time.
    if (!data || data.retry === true) { scheduleRetry(data && data.message ? data.message : T.serverDown); return; }
    autoTries = 0;
    if (data.code === "draft_already_sent") { sentFromAnotherTab(data); return; }
    // Any other answer says this request cannot succeed as it is: stop and say why.
    clearErrors();
    var errors = data.errors || {};
    Object.keys(errors).forEach(function (name) {
      errors[name].forEach(function (m) { showFieldError(name, m); });
    });
    if (errors.resonated_with) storyPick.drop();
    if (data.field) showFieldError(data.field, data.message);
    showProblem(data.message || T.cannotSend);
    if (data.field === "altcha") refreshRobot();
  }

  function succeed(data) {
    clearTimeout(retryTimer);
    sending = "done";
    rememberSent({ key: keyInput.value, receipt: data.receipt, receipt_url: data.receipt_url,
      hash: textHash(), at: Date.now() });
    if (store) store.removeItem(DRAFT_KEY);
    window.location.assign(data.receipt_url);
  }

  /* Another tab sent a different story with this draft's key. The server gave
   * this one a new key and moved its photos that were not part of the other
   * entry; everything stays here and Send sends it as a new entry. */
  function sentFromAnotherTab(data) {
    clearErrors();
    var oldKey = keyInput.value;
    setKey(data.new_key);
    var photos = uploads.filter(function (u) { return u.state === "done" || u.state === "attached"; });
    photos.forEach(function (u) { if (u.state === "attached") setPhotoState(u, "done", T.uploaded); });
    saveDraft();
    showProblem(data.message || T.cannotSend);
    // Photos that went with the other tab's entry are attached under the old
    // key; those that were still waiting now belong to the new key; what is in
    // neither has expired.
    checkPhotos(photos, "moved", oldKey).then(function () {
      return checkPhotos(photos.filter(function (u) { return u.state === "done"; }), "restored");
    });
  }

  function scheduleRetry(message) {
    clearTimeout(retryTimer);
    if (!navigator.onLine) {
      showProblem(T.offlineSubmit, autoTries > 0);
      if (!waitingOnline) {
        waitingOnline = true;
        whenOnline(function () { waitingOnline = false; send(); });
      }
      return;
    }
    if (autoTries >= RETRY_TRIES) {
      showProblem(T.retryGaveUp);
      return;
    }
    var delay = Math.min(RETRY_LONGEST, RETRY_FIRST * Math.pow(2, autoTries));
    autoTries += 1;
    showProblem(message, autoTries > 1);
    submitStatus.textContent = fmt(T.retryIn, { seconds: delay / 1000 });
    retryTimer = setTimeout(send, delay);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (sending) return; // a double click sends once; the key guards the rest
    autoTries = 0;
    saveDraft();
    updateSentNotice();
    send();
  });

  // Back after the receipt: the browser may show this page from its memory as
  // it was when the entry left (persisted), or load it afresh and fill the
  // fields in again itself, after this script has run. Either way it may be a
  // story that was sent, not a new one.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && sending === "done") setBusy(false);
    storyPick.sync();
    each(form.querySelectorAll("[data-limit]"), updateCounter);
    updateGuardian();
    updateSentNotice();
  });

  restoreDraft();
  updateGuardian();
  each(photoList.querySelectorAll("li.is-done:not([data-js])"), function (li) {
    var u = { li: li, name: li.querySelector(".photo-name").textContent, state: "done",
      token: li.dataset.token, message: "", attempt: 0, robotTries: 0 };
    li.dataset.js = "1";
    uploads.push(u);
    renderItem(u);
  });
  // The browser may have filled the fields in again itself (Back, reload).
  updateSentNotice();
})();
