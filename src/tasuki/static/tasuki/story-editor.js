/* The story editor, made a little easier: live character counts, the focal point
   set by clicking the photo, and a warning before leaving unsaved changes.
   Everything works without it: the counters then state the limit, and the
   focal point is typed into its two number fields. */
(function () {
  "use strict";
  var form = document.getElementById("story-form");
  if (!form) return;
  var texts = {
    count: form.getAttribute("data-count") || "{count} / {limit}",
    over: form.getAttribute("data-over") || "{count} / {limit} (+{over})"
  };

  function countText(count, limit) {
    var text = count > limit ? texts.over : texts.count;
    return text
      .replace("{count}", count)
      .replace("{limit}", limit)
      .replace("{over}", count - limit);
  }

  // Characters as the server counts them (code points, after trimming).
  function length(value) {
    return Array.from(value.replace(/\r\n/g, "\n").trim()).length;
  }

  Array.prototype.forEach.call(form.querySelectorAll("[data-limit]"), function (field) {
    var counter = document.getElementById(field.id + "-count");
    if (!counter) return;
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    function update() {
      var count = length(field.value);
      counter.textContent = countText(count, limit);
      counter.classList.toggle("over", count > limit);
    }
    field.addEventListener("input", update);
    update();
  });

  // Focal point: a click on the photo sets both numbers; the dot follows them.
  Array.prototype.forEach.call(form.querySelectorAll(".focal-frame"), function (frame) {
    var x = document.getElementById(frame.getAttribute("data-focal-x"));
    var y = document.getElementById(frame.getAttribute("data-focal-y"));
    var img = frame.querySelector("img");
    if (!x || !y || !img) return;
    var dot = document.createElement("span");
    dot.className = "focal-dot";
    dot.setAttribute("aria-hidden", "true");
    frame.appendChild(dot);
    frame.classList.add("picking");
    function clamp(value) {
      var n = parseFloat(value);
      if (isNaN(n)) n = 0.5;
      return Math.min(1, Math.max(0, n));
    }
    function place() {
      dot.style.left = clamp(x.value) * 100 + "%";
      dot.style.top = clamp(y.value) * 100 + "%";
    }
    img.addEventListener("click", function (event) {
      var box = img.getBoundingClientRect();
      x.value = clamp((event.clientX - box.left) / box.width).toFixed(3);
      y.value = clamp((event.clientY - box.top) / box.height).toFixed(3);
      x.dispatchEvent(new Event("input", { bubbles: true }));
      place();
    });
    x.addEventListener("input", place);
    y.addEventListener("input", place);
    place();
  });

  // Unsaved changes: ask before leaving the page, not when saving.
  var changed = false;
  form.addEventListener("input", function () { changed = true; });
  form.addEventListener("change", function () { changed = true; });
  form.addEventListener("submit", function () { changed = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!changed) return;
    event.preventDefault();
    event.returnValue = form.getAttribute("data-unsaved") || "";
  });
})();
