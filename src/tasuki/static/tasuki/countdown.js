/* Counts down to the deadline shown on the landing page.
 *
 * The server decides whether entries are open: it renders this element (and
 * loads this script) only for an open period, with the deadline and its own
 * clock at render time. The script keeps no rule of its own for "open": it
 * counts the server's time forward (so a phone whose clock is wrong still
 * counts right) and, at zero, says the deadline has passed and asks for a
 * reload, where the server decides again.
 *
 * Its sentences come from the Django catalogue through the json_script block
 * "countdown-messages": whole sentences with placeholders, so the word order is
 * the translation's, never English order with Japanese words in it. */
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown]");
  var source = document.getElementById("countdown-messages");
  if (!el || !source) return;
  var messages = JSON.parse(source.textContent);
  var deadline = new Date(el.dataset.countdown).getTime();
  var serverNow = new Date(el.dataset.serverNow).getTime();
  // How far the device's clock is from the server's, measured once at load.
  var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
  var lang = document.documentElement.lang || "ja";
  var plural = null;
  try {
    plural = new Intl.PluralRules(lang);
  } catch (e) {
    plural = null;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function unit(name, count) {
    var forms = messages.units[name];
    var category = plural ? plural.select(count) : count === 1 ? "one" : "other";
    return fill(forms[category] || forms.other, { count: String(count) });
  }

  function text(left) {
    if (left <= 0) return messages.sentences.closed;
    var minutes = Math.floor(left / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    if (days) {
      return fill(messages.sentences.days, { days: unit("days", days), hours: unit("hours", hours) });
    }
    if (hours) {
      return fill(messages.sentences.hours, {
        hours: unit("hours", hours),
        minutes: unit("minutes", minutes % 60),
      });
    }
    if (minutes) return fill(messages.sentences.minutes, { minutes: unit("minutes", minutes) });
    return messages.sentences.underAMinute;
  }

  function tick() {
    var left = deadline - (Date.now() + skew);
    el.textContent = text(left);
    el.hidden = false;
    if (left > 0) setTimeout(tick, Math.min(30000, Math.max(1000, left % 60000 || 60000)));
  }
  tick();
})();
