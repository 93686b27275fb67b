// Reply in place: move the comment form under the comment being answered.
// Without JavaScript, each "Reply" link opens a page with its own form.
(function () {
  "use strict";
  var form = document.querySelector(".comment-form");
  if (!form) return;
  var home = document.createComment("comment-form-home");
  form.parentNode.insertBefore(home, form);
  var replyTo = form.querySelector('input[name="reply_to"]');
  // A refused reply comes back at the foot of the page saying what it answers.
  var note = form.querySelector("[data-replying-note]");
  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "link-button comment-cancel";
  cancel.textContent = "Cancel reply";
  cancel.hidden = true;
  form.querySelector(".form-actions").appendChild(cancel);

  function forget() {
    if (note) note.remove();
    note = null;
  }

  function replyUnder(id) {
    var comment = document.getElementById("c" + id);
    if (comment) {
      comment.querySelector(".comment-actions").after(form);
      forget(); // the form's place says what it answers
    }
    replyTo.value = id;
    form.setAttribute("data-replying", id);
    cancel.hidden = false;
  }

  function restore() {
    home.parentNode.insertBefore(form, home.nextSibling);
    replyTo.value = "0";
    cancel.hidden = true;
    form.removeAttribute("data-replying");
    forget();
  }

  // Focus goes back to the Reply link the reader came from (else to the
  // text, where the form is now): the cancel button had it, and hidden
  // and moved with the form, it dropped focus to the page's start.
  function cancelReply() {
    var comment = document.getElementById("c" + replyTo.value);
    var link = comment && comment.querySelector(".comment-actions .comment-reply"); // its own: the first
    restore();
    (link || form.querySelector("textarea")).focus();
  }

  if (note && replyTo.value && replyTo.value !== "0") {
    replyUnder(replyTo.value);
    if (location.hash === "#comment-status") form.scrollIntoView();
  }

  // "Remember me", as WordPress offers it: the reader's name, email and
  // website stay in this browser only (the page itself is the same for
  // everyone, so the server cannot fill them in).
  var KEY = "skolr-commenter";
  var fields = ["name", "email", "url"].map(function (name) {
    return form.querySelector('input[name="' + name + '"]');
  });
  if (fields[0]) {
    var remember = document.createElement("p");
    remember.className = "field field-check";
    remember.innerHTML =
      '<input type="checkbox" id="id_remember"> ' +
      '<label for="id_remember">Remember my name, email and website in this browser</label>';
    var box = remember.querySelector("input");
    form.querySelector(".form-actions").before(remember);
    var saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(KEY) || "null");
    } catch (error) {
      saved = null;
    }
    if (saved) {
      box.checked = true;
      fields.forEach(function (input, i) {
        if (input && !input.value) input.value = saved[i] || "";
      });
    }
    form.addEventListener("submit", function () {
      try {
        if (box.checked) {
          localStorage.setItem(KEY, JSON.stringify(fields.map(function (input) { return input ? input.value : ""; })));
        } else {
          localStorage.removeItem(KEY);
        }
      } catch (error) {
        // Storage refused (private mode, quota): the comment goes anyway.
      }
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reply-to]");
    if (!link) return;
    event.preventDefault();
    replyUnder(link.getAttribute("data-reply-to"));
    form.querySelector("textarea").focus();
  });
  cancel.addEventListener("click", cancelReply);
})();
