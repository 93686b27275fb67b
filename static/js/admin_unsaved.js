// Admin change forms (posts, author profiles): leaving the page with changes
// that were not saved asks first, as Ghost and WordPress do. Before this, a
// click on "View site" or a history link dropped an hour's writing silently.
//
// What the form holds is compared as a whole, not tracked by events: the body
// editor (ProseMirror) writes its hidden textarea without firing "input" or
// "change". The first snapshot is taken once every script of the page has
// run, after the editor has normalized what it loaded.
"use strict";
(function () {
  function snapshot(form) {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      parts.push(name + "=" + (typeof value === "string" ? value : value.name + ":" + value.size));
    });
    return parts.join("\n");
  }

  window.addEventListener("load", function () {
    var form = document.querySelector("#content-main form[method=post][enctype], #content-main form[method=post]");
    if (!form) return;
    var saved = snapshot(form);
    var submitting = false;
    form.addEventListener("submit", function (event) {
      // "Preview changes" sends the form to a new tab: this page stays, unsaved.
      if (event.submitter && event.submitter.formTarget) return;
      submitting = true;
    });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || snapshot(form) === saved) return;
      event.preventDefault();
      event.returnValue = ""; // older browsers need a value to ask
    });
  });
})();
