"""Emails about comments. Every email is sent by a background task that is
enqueued only after the comment's transaction commits, so a comment is
always stored before any mail is attempted, and a mail failure is retried.

Entry points (called by the comment views and moderation actions, inside
their transaction; they defer their work with ``transaction.on_commit``):

- ``comment_held(comment)``: a comment waits in the queue → moderators.
- ``comment_published(comment)``: a comment became public (directly or by
  approval) → the post's author (each / daily digest / off) and the
  readers following the post (``following``: signed in, or from an address
  confirmed by ``posts.followups``, which the moderation also calls).

Tasks come in two kinds. *Fan-out* tasks (``notify_*``) work out who should
hear about a comment and enqueue one ``deliver`` task per recipient, so a
mail outage retries each message on its own and never sends anyone the same
email twice. ``deliver`` and ``send_digest`` send; when the mailer fails
(``OSError`` covers ``smtplib.SMTPException`` and connection errors) they
enqueue themselves again later with ``attempt + 1`` and re-raise, so the
failed attempt is recorded with its traceback. Task arguments are ids and
strings: the database backend stores them as JSON.
"""

import logging
import smtplib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models.functions import Cast, Coalesce, Greatest
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from authors.models import Author
from authors.roles import MODERATORS

from .comments import comment_link, public_comments
from .models import CommentReview, FollowerAddress, Post

logger = logging.getLogger(__name__)

MAIL_QUEUE = "mail"
# Wait after failed attempt n before attempt n + 1; after the last, give up.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
UNSUBSCRIBE_SALT = "posts.notifications.unsubscribe"
DIGEST_HOUR_UTC = 8
# A digest covers comments up to this long before it runs, so a comment whose
# transaction is still committing is not skipped: it goes in the next digest.
DIGEST_SETTLE = timedelta(seconds=30)


# --- Entry points -----------------------------------------------------------


def comment_held(comment) -> None:
    """Tell moderators a comment waits for them (after commit)."""
    comment_id = comment.pk
    transaction.on_commit(lambda: notify_moderators.enqueue(comment_id), robust=True)


def comment_published(comment) -> None:
    """Tell the author and followers about a newly public comment (after commit)."""
    comment_id = comment.pk

    def enqueue() -> None:
        notify_author.enqueue(comment_id)
        notify_followers.enqueue(comment_id)

    transaction.on_commit(enqueue, robust=True)


# --- Links ------------------------------------------------------------------


def absolute_url(path: str) -> str:
    """``path`` on this site, for emails (which have no request to build from).

    The domain is the current Site's, set from ``settings.SITE_DOMAIN`` after
    every migrate (``posts/site_domain.py``).
    """
    return f"{settings.SITE_SCHEME}://{Site.objects.get_current().domain}{path}"


def comment_url(post: Post, comment) -> str:
    return absolute_url(comment_link(post, comment))


def unsubscribe_token(email: str, post_id: int) -> str:
    """A signed token naming one reader and one post; it needs no login and never expires."""
    return signing.dumps({"email": email.strip().lower(), "post": post_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[str, int] | None:
    """(email, post id) from a token, or None if it was not signed by us for this purpose."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return email_and_post(data)


def email_and_post(data) -> tuple[str, int] | None:
    """(email, post id) from a signed token's data; None if it holds no such pair."""
    if not isinstance(data, dict):
        return None
    email, post_id = data.get("email"), data.get("post")
    if not isinstance(email, str) or not email or type(post_id) is not int:
        return None
    return email, post_id


def following(comments: models.QuerySet) -> models.QuerySet:
    """The comments whose commenter gets emails about new comments on their
    post: they asked (``followup``), signed in (their account's address is
    theirs) or from an address whose owner confirmed it (``posts.followups``:
    anyone can type anyone's address in the form)."""
    confirmed = models.Exists(FollowerAddress.objects.confirmed().of_commenter())
    return comments.filter(followup=True).filter(models.Q(user__isnull=False) | confirmed)


def stop_following(email: str, post_id: int) -> int:
    """Turn off emails about new comments on a post for every comment ``email`` left there."""
    return (
        _on_post(XtdComment.objects.all(), post_id)
        .filter(user_email__iexact=email, followup=True)
        .update(followup=False)
    )


# --- Who hears about what -----------------------------------------------------


def _on_post(comments: models.QuerySet, post_id) -> models.QuerySet:
    return comments.filter(content_type=ContentType.objects.get_for_model(Post), object_pk=str(post_id))


def _load(comment_id: int) -> tuple[XtdComment, Post] | tuple[None, None]:
    """The comment and its post, or (None, None) if either is gone (nothing to tell)."""
    comment = (
        XtdComment.objects.select_related("review")
        .filter(pk=comment_id, content_type=ContentType.objects.get_for_model(Post))
        .first()
    )
    if comment is None:
        return None, None
    post = Post.objects.select_related("author__user").filter(pk=comment.object_pk).first()
    if post is None:
        return None, None
    return comment, post


def distinct_emails(emails) -> list[str]:
    """Drop blanks and case-insensitive duplicates, keeping the first spelling."""
    seen: dict[str, str] = {}
    for email in emails:
        email = (email or "").strip()
        if email:
            seen.setdefault(email.lower(), email)
    return list(seen.values())


def moderator_emails() -> list[str]:
    """Active members of the Moderators group who have an email address."""
    users = get_user_model().objects.filter(is_active=True, groups__name=MODERATORS).order_by("pk")
    return distinct_emails(users.values_list("email", flat=True))


def author_email(author: Author) -> str | None:
    """Where notices for ``author`` go: their linked, active account's email."""
    user = author.user
    if user is None or not user.is_active or not user.email.strip():
        return None
    return user.email.strip()


def _is_own_comment(comment, author: Author) -> bool:
    if comment.user_id is not None and comment.user_id == author.user_id:
        return True
    email = author_email(author)
    return bool(email) and comment.user_email.strip().lower() == email.lower()


def _review_status(comment) -> str | None:
    try:
        return comment.review.status
    except CommentReview.DoesNotExist:
        return None


# --- Messages ---------------------------------------------------------------


def one_line(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def email_message(template: str, subject: str, context: dict, to: str, headers: dict | None = None):
    """A plain-text email with an HTML alternative, both from ``emails/<template>``."""
    context = {"blog": settings.BLOG, **context}
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def _held_message(comment, post, recipient):
    if _review_status(comment) not in (None, CommentReview.Status.PENDING):
        return None  # A moderator decided before this email went out.
    try:
        reasons = comment.review.reason_labels
    except CommentReview.DoesNotExist:
        reasons = []
    context = {
        "comment": comment,
        "post": post,
        "post_url": absolute_url(post.get_absolute_url()),
        "reasons": reasons,
        "admin_url": absolute_url(reverse("admin:django_comments_xtd_xtdcomment_change", args=[comment.pk])),
    }
    return email_message("comment_held", f"Comment to moderate on “{one_line(post.title)}”", context, recipient)


def _author_message(comment, post, recipient):
    if not (comment.is_public and not comment.is_removed):
        return None
    context = {"comment": comment, "post": post, "comment_url": comment_url(post, comment)}
    return email_message("comment_author", f"New comment on “{one_line(post.title)}”", context, recipient)


def _follower_message(comment, post, recipient):
    if not (comment.is_public and not comment.is_removed):
        return None
    still_following = following(_on_post(public_comments(), post.pk).filter(user_email__iexact=recipient)).exists()
    if not still_following:
        return None  # Unsubscribed since the comment was published (or erased).
    unsubscribe_url = absolute_url(reverse("mail:unsubscribe", args=[unsubscribe_token(recipient, post.pk)]))
    context = {
        "comment": comment,
        "post": post,
        "comment_url": comment_url(post, comment),
        "unsubscribe_url": unsubscribe_url,
    }
    headers = {
        # RFC 8058 one-click unsubscribe: mail clients POST to this URL. The
        # body's link is the same one, so both work wherever the site does;
        # clients want it https, which SITE_SCHEME is in production.
        "List-Unsubscribe": OneLineHeader("List-Unsubscribe", f"<{unsubscribe_url}>"),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return email_message("comment_follower", f"New comment on “{one_line(post.title)}”", context, recipient, headers)


class OneLineHeader(str):
    """A header value written on one line, up to RFC 5322's 998 characters.

    Python's email package folds a header longer than 78 characters, and
    splits a long word such as a URL into RFC 2047 encoded words, which mail
    clients do not decode in ``List-Unsubscribe`` (python/cpython#85725).
    The email package uses a value's own ``name`` and ``fold()`` when it has
    them, and Django passes ``str`` subclasses through unchanged.
    """

    name: str

    def __new__(cls, name: str, value: str):
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __getnewargs__(self):  # copy and pickle (the locmem mailer deep-copies messages)
        return (self.name, str(self))

    def fold(self, *, policy) -> str:
        return policy.clone(max_line_length=998).fold(self.name, str(self))


MESSAGES = {"held": _held_message, "author": _author_message, "follower": _follower_message}


# --- Retries ----------------------------------------------------------------


def _retry_later(the_task, error: Exception, attempt: int, *args) -> None:
    """Enqueue ``the_task(*args, attempt=attempt + 1)`` after a back-off, or give up."""
    name = f"{the_task.name}{args!r}"
    if attempt >= MAX_ATTEMPTS:
        logger.error("Giving up on %s after %d attempts: %s", name, attempt, error)
        return
    if not the_task.get_backend().supports_defer:
        logger.error("%s failed (%s) and the task backend cannot retry later.", name, error)
        return
    delay = RETRY_DELAYS[attempt - 1]
    the_task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1)
    logger.warning("%s failed (%s); attempt %d of %d in %s.", name, error, attempt + 1, MAX_ATTEMPTS, delay)


def refused_for_good(error: OSError) -> bool:
    """The mail server refused every recipient with a permanent (5xx) reply,
    "550 5.1.1 user unknown": sending again can only be refused again.

    Retried, an address that no longer exists was tried six times over nine
    hours for each post and comment (found by QA), which mail providers
    count against the sender as they would a list never cleaned. Other
    failures are retried: a refused sign-in or sender is the blog's own
    setting, which its administrator fixes, and 4xx replies are temporary
    by definition (RFC 5321, 4.2.1)."""
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(500 <= code < 600 for code, _reply in error.recipients.values())


def send_or_retry(message, the_task, attempt: int, *args) -> int:
    """Send ``message``; if the mailer fails, enqueue ``the_task(*args)`` again
    later (``_retry_later``) and re-raise, so the failure is recorded; not
    when the server refused the recipient for good (``refused_for_good``)."""
    try:
        return message.send()
    except OSError as error:
        if refused_for_good(error):
            logger.error("%s%r: the mail server refused the recipient for good: %s", the_task.name, args, error)
        else:
            _retry_later(the_task, error, attempt, *args)
        raise


# --- Tasks ------------------------------------------------------------------


@task(queue_name=MAIL_QUEUE)
def notify_moderators(comment_id: int) -> int:
    """Enqueue an alert to each moderator about a held comment."""
    comment, _post = _load(comment_id)
    if comment is None:
        return 0
    recipients = moderator_emails()
    for email in recipients:
        deliver.enqueue("held", comment_id, email)
    return len(recipients)


@task(queue_name=MAIL_QUEUE)
def notify_author(comment_id: int) -> int:
    """Tell the post's authors (its co-authors too), each as they chose: an
    email now, a daily digest, or nothing."""
    comment, post = _load(comment_id)
    if comment is None or not post.is_published:
        return 0  # a draft or a post in the trash: the link would be a 404
    sent = 0
    for author in post.all_authors:
        email = author_email(author)
        if email is None or _is_own_comment(comment, author):
            continue
        if author.comment_notifications == Author.CommentNotifications.EACH:
            deliver.enqueue("author", comment_id, email)
            sent += 1
        elif author.comment_notifications == Author.CommentNotifications.DAILY:
            schedule_digest(author)
    return sent


@task(queue_name=MAIL_QUEUE)
def notify_followers(comment_id: int) -> int:
    """Enqueue an email to each reader following the post (``following``), except the commenter."""
    comment, post = _load(comment_id)
    if comment is None or not post.is_published:
        return 0  # a draft or a post in the trash: the link would be a 404
    skip = {comment.user_email.strip().lower()}
    for author in post.all_authors:
        email = author_email(author)
        if email and author.comment_notifications != Author.CommentNotifications.OFF:
            skip.add(email.lower())  # The post's authors hear about every comment already.
    followers = (
        following(_on_post(public_comments(), post.pk))
        .order_by("submit_date", "pk")
        .values_list("user_email", flat=True)
    )
    recipients = [email for email in distinct_emails(followers) if email.lower() not in skip]
    for email in recipients:
        deliver.enqueue("follower", comment_id, email)
    return len(recipients)


@task(queue_name=MAIL_QUEUE)
def deliver(kind: str, comment_id: int, recipient: str, attempt: int = 1) -> int:
    """Send one email about one comment to one recipient; retry later if mail fails."""
    comment, post = _load(comment_id)
    if comment is None or (kind != "held" and not post.is_published):
        return 0  # gone meanwhile, or its post left the blog (a reader's link would be a 404)
    message = MESSAGES[kind](comment, post, recipient)
    if message is None:
        return 0
    return send_or_retry(message, deliver, attempt, kind, comment_id, recipient)


# --- Daily digest -------------------------------------------------------------


def next_digest_time(now: datetime) -> datetime:
    """The next 08:00 UTC after ``now``."""
    due = now.astimezone(UTC).replace(hour=DIGEST_HOUR_UTC, minute=0, second=0, microsecond=0)
    return due if due > now else due + timedelta(days=1)


def schedule_digest(author: Author) -> bool:
    """Schedule the author's next digest unless one is pending; True if this call did.

    A conditional UPDATE claims the slot, so two comments published at once
    schedule one digest. A digest overdue by a day counts as lost (its task
    was never run) and is scheduled afresh; the stale task then finds its due
    time no longer matches and does nothing.
    """
    now = timezone.now()
    due = next_digest_time(now)
    # Comments published before now were covered by an earlier digest or by
    # the author's earlier preference; a new digest never reaches back more
    # than a day.
    floor = models.Value(now - timedelta(days=1), output_field=models.DateTimeField())
    with transaction.atomic():
        claimed = (
            Author.objects.filter(pk=author.pk)
            .filter(models.Q(digest_due_at__isnull=True) | models.Q(digest_due_at__lt=now - timedelta(days=1)))
            .update(digest_due_at=due, digest_covered_until=Greatest(Coalesce("digest_covered_until", floor), floor))
        )
        if not claimed:
            return False
        if send_digest.get_backend().supports_defer:
            send_digest.using(run_after=due).enqueue(author.pk, due.isoformat())
        else:
            logger.warning("Digest for author %s due at %s: the task backend cannot run it later.", author.pk, due)
    return True


def preference_changed(author: Author, before: str) -> None:
    """``Author.save()`` stored another choice of emails about comments
    (inside its transaction): each comment is told once, as the choice of
    the time it was published says.

    A digest covers the time its author chose it: from then, not the day
    before (the comments of that day were each emailed already, or the
    author wanted none), until they choose otherwise: for an email each,
    the pending digest goes out at once with the comments it was waiting
    for, and those published afterwards are emailed one by one; for none,
    it is dropped. (Found by QA: a digest listed the day's comments each
    emailed before, and kept listing those emailed after the switch.)
    """
    now = timezone.now()
    authors = Author.objects.filter(pk=author.pk)
    if author.comment_notifications == Author.CommentNotifications.DAILY:
        # A digest still pending (one sending as its author switched back)
        # keeps its period; the next begins where it ends.
        authors.filter(digest_due_at__isnull=True).update(digest_covered_until=now)
    elif before == Author.CommentNotifications.DAILY:
        if author.comment_notifications == Author.CommentNotifications.EACH and authors.filter(
            digest_due_at__isnull=False
        ).update(digest_due_at=now):
            due = now.isoformat()
            transaction.on_commit(lambda: send_digest.enqueue(author.pk, due, due), robust=True)
        else:
            authors.update(digest_due_at=None, digest_covered_until=now)
    author.digest_due_at, author.digest_covered_until = authors.values_list(
        "digest_due_at", "digest_covered_until"
    ).get()


def digest_comments(author: Author, since: datetime, until: datetime | None = None) -> models.QuerySet:
    """Public comments by others on the author's published posts (co-written
    ones too) that became public after ``since`` (and up to ``until``).

    A comment becomes public once: when it was announced (``announced_at``:
    a moderator's first approval, or its submission when published
    directly), or, for one published before reviews were kept, when it was
    submitted. Not when a moderator last decided (``decided_at``): a comment
    readers' reports hid, or a moderator hid, and approved again is no new
    comment, and it came back in the next digest.
    """
    post_ids = (
        Post.objects.published()
        .by(author)
        .annotate(pk_text=Cast("pk", models.CharField(max_length=64)))
        .values("pk_text")
    )
    comments = (
        public_comments()
        .filter(content_type=ContentType.objects.get_for_model(Post), object_pk__in=post_ids)
        .annotate(published_at=Coalesce("review__announced_at", "submit_date"))
        .filter(published_at__gt=since)
    )
    if until is not None:
        comments = comments.filter(published_at__lte=until)
    if author.user_id is not None:
        comments = comments.exclude(user_id=author.user_id)
    if email := author_email(author):
        comments = comments.exclude(user_email__iexact=email)
    return comments.order_by("published_at", "pk")


def _digest_message(author: Author, comments: list, recipient: str):
    posts = Post.objects.in_bulk({int(comment.object_pk) for comment in comments})
    groups: dict[int, dict] = {}
    for comment in comments:
        post = posts[int(comment.object_pk)]
        group = groups.setdefault(post.pk, {"post": post, "url": absolute_url(post.get_absolute_url()), "items": []})
        group["items"].append({"comment": comment, "url": comment_url(post, comment)})
    count = len(comments)
    subject = f"Daily digest: {count} new comment{'s' if count != 1 else ''} on your posts"
    context = {"author": author, "groups": list(groups.values()), "count": count}
    return email_message("comment_digest", subject, context, recipient)


@task(queue_name=MAIL_QUEUE)
def send_digest(author_id: int, due_at: str, until: str = "", attempt: int = 1) -> int:
    """Send the author one email listing the comments since the last digest.

    ``due_at`` is the due time this task was scheduled for: if the author's
    pending digest is another one (or none), this task is stale and does
    nothing. Nothing new: no email, but the period still counts as covered.
    ``until``: the end of the period, when the author stopped choosing the
    digest (``preference_changed``); else up to now.
    """
    author = Author.objects.select_related("user").filter(pk=author_id).first()
    if author is None or author.digest_due_at is None or author.digest_due_at != datetime.fromisoformat(due_at):
        return 0
    end = datetime.fromisoformat(until) if until else timezone.now() - DIGEST_SETTLE
    since = author.digest_covered_until or end - timedelta(days=1)
    sent = 0
    recipient = author_email(author)
    if recipient and author.comment_notifications != Author.CommentNotifications.OFF:
        comments = list(digest_comments(author, since, end))
        if comments:
            message = _digest_message(author, comments, recipient)
            sent = send_or_retry(message, send_digest, attempt, author_id, due_at, until)
    Author.objects.filter(pk=author.pk, digest_due_at=author.digest_due_at).update(
        digest_due_at=None, digest_covered_until=end
    )
    # Comments published while this digest was pending did not schedule
    # another one; those it could not cover yet go in the next.
    author.refresh_from_db()
    if author.comment_notifications == Author.CommentNotifications.DAILY and digest_comments(author, end).exists():
        schedule_digest(author)
    return sent
