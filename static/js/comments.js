// Reply in place: move the comment form under the comment being answered.
// Without JavaScript, each "Reply" link opens a page with its own form.
(function () {
  "use strict";
  var form = document.querySelector(".comment-form");
  if (!form) return;
  var home = document.createComment("comment-form-home");
  form.parentNode.insertBefore(home, form);
  var replyTo = form.querySelector('input[name="reply_to"]');
  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "link-button comment-cancel";
  cancel.textContent = "Cancel reply";
  cancel.hidden = true;
  form.querySelector(".form-actions").appendChild(cancel);

  function restore() {
    home.parentNode.insertBefore(form, home.nextSibling);
    replyTo.value = "0";
    cancel.hidden = true;
    form.removeAttribute("data-replying");
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reply-to]");
    if (!link) return;
    event.preventDefault();
    var comment = link.closest("li.comment");
    comment.querySelector(".comment-actions").after(form);
    replyTo.value = link.getAttribute("data-reply-to");
    form.setAttribute("data-replying", replyTo.value);
    cancel.hidden = false;
    form.querySelector("textarea").focus();
  });
  cancel.addEventListener("click", restore);
})();
