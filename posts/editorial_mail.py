"""Emails about posts moving through review, as comments' are sent.

- ``post_submitted(post, by)``: an author submitted a post for review → each
  editor (whoever may publish), so a post does not wait unseen.
- ``post_published(post, by)``: someone else published (or scheduled) an
  author's post → its authors (co-authors too), but whoever did it.
- ``post_returned(post, by)``: an editor sent a post in review back to
  draft → its authors, who would otherwise wait for a verdict already given.

The admin calls these when it saves a post, inside its transaction; the
work is deferred until the save commits, and each email is one task that
is retried if the mail server is down (``posts.notifications``). A message
is built when it is sent: a post that left review, or was unpublished, in
the meantime sends nothing.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from .models import Post
from .notifications import (
    MAIL_QUEUE,
    absolute_url,
    author_email,
    distinct_emails,
    email_message,
    one_line,
    send_or_retry,
)


def post_submitted(post: Post, by) -> None:
    post_id, by_id = post.pk, by.pk
    transaction.on_commit(lambda: notify_editors.enqueue(post_id, by_id), robust=True)


def post_published(post: Post, by) -> None:
    _tell_authors(post, by, "published")


def post_returned(post: Post, by) -> None:
    _tell_authors(post, by, "returned", by.get_full_name() or by.get_username())


def _tell_authors(post: Post, by, kind: str, by_name: str = "") -> None:
    """Tell the post's authors, each but ``by``, who knows (published it,
    withdrew it); nothing if ``by`` is the only author with an account."""
    if all(author.user_id in (None, by.pk) for author in post.all_authors):
        return
    post_id, by_id = post.pk, by.pk
    transaction.on_commit(lambda: notify_post_author.enqueue(post_id, kind, by_name, by_id), robust=True)


def editor_emails(exclude_user_id: int | None = None) -> list[str]:
    """Editors: active staff who may edit and publish every post (superusers
    too), with an email. An author who may publish their own posts is not one."""
    users = get_user_model().objects

    def having(perm: str):
        return users.with_perm(perm, backend="django.contrib.auth.backends.ModelBackend").values("pk")

    editors = users.filter(pk__in=having("posts.edit_all_posts")).filter(pk__in=having("posts.publish_post"))
    editors = editors.filter(is_active=True, is_staff=True).exclude(pk=exclude_user_id).order_by("pk")
    return distinct_emails(editors.values_list("email", flat=True))


def _review_message(post: Post, recipient: str, by: str = ""):
    if post.status != Post.Status.REVIEW:
        return None  # published, or sent back to draft, before this email went out
    context = {
        "post": post,
        "admin_url": absolute_url(reverse("admin:posts_post_change", args=[post.pk])),
        "preview_url": absolute_url(post.get_absolute_url()),
    }
    return email_message("post_review", f"Waiting for review: “{one_line(post.title)}”", context, recipient)


def _published_message(post: Post, recipient: str, by: str = ""):
    if post.status != Post.Status.PUBLISHED:
        return None
    scheduled = post.published_at > timezone.now()
    context = {
        "post": post,
        "post_url": absolute_url(post.get_absolute_url()),
        "scheduled": scheduled,
        "when": date_format(timezone.localtime(post.published_at), "j F Y, H:i T"),
    }
    subject = "Scheduled" if scheduled else "Published"
    return email_message("post_published", f"{subject}: “{one_line(post.title)}”", context, recipient)


def _returned_message(post: Post, recipient: str, by: str = ""):
    if post.status != Post.Status.DRAFT:
        return None  # submitted again, or published, before this email went out
    context = {"post": post, "by": by, "admin_url": absolute_url(reverse("admin:posts_post_change", args=[post.pk]))}
    return email_message("post_returned", f"Back to draft: “{one_line(post.title)}”", context, recipient)


MESSAGES = {"review": _review_message, "published": _published_message, "returned": _returned_message}


@task(queue_name=MAIL_QUEUE)
def notify_editors(post_id: int, submitted_by: int) -> int:
    """Enqueue a notice to each editor but the one who submitted it."""
    if not Post.objects.filter(pk=post_id).exists():
        return 0
    recipients = editor_emails(exclude_user_id=submitted_by)
    for email in recipients:
        deliver_editorial.enqueue("review", post_id, email)
    return len(recipients)


@task(queue_name=MAIL_QUEUE)
def notify_post_author(post_id: int, kind: str = "published", by: str = "", by_id: int | None = None) -> int:
    """Enqueue the notice to each of the post's authors, co-authors too,
    but the account ``by_id`` that acted."""
    post = Post.objects.select_related("author__user").filter(pk=post_id).first()
    authors = [author for author in post.all_authors if author.user_id != by_id] if post is not None else []
    recipients = distinct_emails(author_email(author) for author in authors)
    for email in recipients:
        deliver_editorial.enqueue(kind, post_id, email, by)
    return len(recipients)


@task(queue_name=MAIL_QUEUE)
def deliver_editorial(kind: str, post_id: int, recipient: str, by: str = "", attempt: int = 1) -> int:
    """Send one email about one post to one recipient; retry later if mail
    fails. ``by``: who acted, for the messages that name them."""
    post = Post.objects.select_related("author").filter(pk=post_id).first()
    message = MESSAGES[kind](post, recipient, by) if post is not None else None
    if message is None:
        return 0
    return send_or_retry(message, deliver_editorial, attempt, kind, post_id, recipient, by)
