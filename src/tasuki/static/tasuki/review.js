/* Tasuki review: keyboard shortcuts on the entry page (shown with "?").
 * j/k next/previous entry in the current view, f feature, e eligible,
 * d disqualify (opens the criterion picker), s scores, c comment.
 * Keys typed into a field are left alone. Without this script every action is
 * still a link or a button. */
(function () {
  "use strict";
  var form = document.getElementById("decide-form");
  if (!form) return;
  var help = document.getElementById("shortcuts");
  var helpButton = document.getElementById("shortcuts-button");
  var kind = document.getElementById("kind");
  var criterion = document.getElementById("criterion");

  function toggleHelp() {
    help.hidden = !help.hidden;
    helpButton.setAttribute("aria-expanded", help.hidden ? "false" : "true");
    if (!help.hidden) help.focus();
  }
  help.tabIndex = -1;
  helpButton.addEventListener("click", toggleHelp);

  function follow(id) {
    var link = document.getElementById(id);
    if (link) window.location.assign(link.href);
  }
  function decide(value) {
    kind.value = value;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    switch (event.key) {
      case "j": follow("next-entry"); break;
      case "k": follow("previous-entry"); break;
      case "f": decide("feature"); break;
      case "e": decide("eligible"); break;
      case "d": kind.value = "disqualify"; criterion.focus(); break;
      case "s": var first = document.querySelector("#scores input[type=radio]"); if (first) first.focus(); break;
      case "c": document.getElementById("comment-body").focus(); break;
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });
})();
