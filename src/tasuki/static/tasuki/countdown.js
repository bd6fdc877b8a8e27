/* Counts down to the deadline shown on the landing page. The deadline itself
 * is printed by the server in Japan time; this only adds "how long from now". */
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown]");
  if (!el) return;
  var deadline = new Date(el.dataset.countdown).getTime();
  function tick() {
    var left = Math.max(0, deadline - Date.now());
    var minutes = Math.floor(left / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) parts.push(days + " " + el.dataset.labelDays);
    if (days || hours) parts.push(hours + " " + el.dataset.labelHours);
    parts.push((minutes % 60) + " " + el.dataset.labelMinutes);
    el.textContent = parts.join(" ") + " " + el.dataset.labelLeft;
    el.hidden = false;
    if (left > 0) setTimeout(tick, 30000);
  }
  tick();
})();
