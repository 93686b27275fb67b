"""Email subscriptions: readers get each new post by email.

- ``request_subscription(email)``: the subscribe form → a confirmation email
  with a signed link (double opt-in), unless the address already receives
  the posts. The form's answer is the same either way.
- ``confirm(email)`` / ``unsubscribe(email)``: the pages behind the emailed
  links (``posts/subscription_views.py``).
- ``post_went_live(post)``: ``Post.save()`` stored a post as published or
  scheduled that was not so before (whoever saved it: the admin,
  ``load_posts``, the shell) → ``send_newsletter`` runs when the post goes
  live (``run_after``: there is no cron), and mails it to every confirmed
  subscriber, once.
- ``forget_unconfirmed()``: addresses never confirmed are deleted
  ``UNCONFIRMED_DAYS`` after they were given, by a task each request
  schedules (``forget_unconfirmed_subscribers``), or by the management
  command of that name.

Mail goes out as the comment emails do (``posts.notifications``): tasks
enqueued after commit, one ``deliver_newsletter`` per recipient, retried
when the mail server fails.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from .models import Post, PostNewsletter, Subscriber
from .notifications import MAIL_QUEUE, OneLineHeader, absolute_url, email_message, one_line, send_or_retry

logger = logging.getLogger(__name__)

CONFIRM_SALT = "posts.subscriptions.confirm"
UNSUBSCRIBE_SALT = "posts.subscriptions.unsubscribe"


def setting(name: str):
    return settings.SUBSCRIPTIONS[name]


# --- Signed links -------------------------------------------------------------


def confirm_token(email: str) -> str:
    """A token naming one address, proof that whoever holds it reads that inbox."""
    return signing.dumps({"email": email.strip().lower()}, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> str | None:
    """The address in a confirmation token; None if not ours.

    Raises ``signing.SignatureExpired`` for a genuine token older than
    ``CONFIRM_DAYS``: the page then says so instead of "not found".
    """
    return _email_in(read_confirmation(token, CONFIRM_SALT))


def read_confirmation(token: str, salt: str):
    """What a confirmation link's token signed for ``salt`` holds, or None if
    it was not; raises ``signing.SignatureExpired`` after ``CONFIRM_DAYS``
    (also the comment follow-ups' links, ``posts.followups``)."""
    try:
        return signing.loads(token, salt=salt, max_age=timedelta(days=setting("CONFIRM_DAYS")))
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None


def unsubscribe_token(email: str) -> str:
    """A token naming one address; it needs no login and never expires (old emails keep working)."""
    return signing.dumps({"email": email.strip().lower()}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> str | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return _email_in(data)


def _email_in(data) -> str | None:
    email = data.get("email") if isinstance(data, dict) else None
    return email if isinstance(email, str) and email else None


def unsubscribe_url(email: str) -> str:
    return absolute_url(reverse("mail:newsletter_unsubscribe", args=[unsubscribe_token(email)]))


# --- Subscribing --------------------------------------------------------------


def confirmation_wait(sent: int) -> timedelta:
    """How long after the last of ``sent`` unanswered confirmation emails the
    next may go out: ``CONFIRM_EMAIL_SECONDS``, doubling with each one
    unanswered, up to a day."""
    if sent == 0:
        return timedelta(0)
    return min(timedelta(seconds=setting("CONFIRM_EMAIL_SECONDS")) * 2 ** min(sent - 1, 20), timedelta(days=1))


def request_subscription(email: str) -> None:
    """Record the request and, after commit, email a confirmation link.

    An address that already receives the posts gets nothing: the reader sees
    the same page, so the form tells no one who subscribes. Nor does one that
    had a confirmation email within ``confirmation_wait``: the form cannot be
    used to flood an inbox (found by QA: the limit was in the cache, each
    gunicorn worker's own by default, and none while Redis is down, so an
    address got one email per worker, or one per request; and every ten
    minutes, 144 a day, without end). Counted on the address's row, locked
    while it is read, so every app process sees the same count.
    """
    email = email.strip()
    with transaction.atomic():
        subscriber = Subscriber.objects.with_email(email).select_for_update().first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(email=email)
            except IntegrityError:  # the same address, at the same moment
                subscriber = Subscriber.objects.with_email(email).select_for_update().get()
            else:
                # Unconfirmed by then, it is deleted (the link expired before).
                forget_at = subscriber.created_at + timedelta(days=setting("UNCONFIRMED_DAYS"))
                transaction.on_commit(lambda: enqueue_at(forget_unconfirmed_subscribers, forget_at), robust=True)
        now = timezone.now()
        last, sent = subscriber.confirmation_sent_at, subscriber.confirmations_sent
        if subscriber.is_receiving or (last is not None and now < last + confirmation_wait(sent)):
            return
        Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=now, confirmations_sent=sent + 1)
        address = subscriber.email
        transaction.on_commit(lambda: send_confirmation.enqueue(address), robust=True)


def confirm(email: str) -> Subscriber:
    """Start (or resume) the emails to ``email``; confirming twice changes nothing.

    A valid token proves the reader asked and reads the inbox, so a row an
    editor deleted in the meantime is made again.
    """
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.with_email(email).select_for_update().first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    return Subscriber.objects.create(email=email, confirmed_at=now)
            except IntegrityError:
                # The same link clicked twice at once (found by QA: the
                # second click was a 500): the other click made the row.
                return Subscriber.objects.with_email(email).get()
        if not subscriber.is_receiving:
            # The owner answered: should they leave and come back, their
            # first confirmation email goes out at once.
            subscriber.confirmed_at, subscriber.unsubscribed_at, subscriber.confirmations_sent = now, None, 0
            subscriber.save(update_fields=["confirmed_at", "unsubscribed_at", "confirmations_sent"])
        return subscriber


def unsubscribe(email: str) -> int:
    """Stop the emails to ``email`` (the row stays, with the time, until an editor deletes it)."""
    return (
        Subscriber.objects.with_email(email).filter(unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
    )


def forget_unconfirmed(now=None) -> int:
    """Delete the addresses given more than ``UNCONFIRMED_DAYS`` ago and never
    confirmed; return how many.

    Nobody consented to mail at such an address, and its confirmation link
    expired long ago (``CONFIRM_DAYS``), so the row only holds someone's
    address. A reader who confirmed once and unsubscribed keeps their row
    (with its times) until an editor deletes it. Should a still-valid link be
    used after its row went (a setting shorter than ``CONFIRM_DAYS``),
    ``confirm`` makes the row again.
    """
    cutoff = (now or timezone.now()) - timedelta(days=setting("UNCONFIRMED_DAYS"))
    deleted, _ = Subscriber.objects.filter(confirmed_at__isnull=True, created_at__lte=cutoff).delete()
    return deleted


@task()
def forget_unconfirmed_subscribers() -> int:
    """``forget_unconfirmed()`` as a task: each new address schedules one for
    the day it would be forgotten (no cron); each run also sweeps any older
    row whose own run was lost."""
    return forget_unconfirmed()


def _confirm_message(email: str):
    context = {
        "confirm_url": absolute_url(reverse("mail:subscription_confirm", args=[confirm_token(email)])),
        "days": setting("CONFIRM_DAYS"),
    }
    subject = f"Confirm your subscription to {settings.BLOG['NAME']}"
    return email_message("subscription_confirm", subject, context, email)


@task(queue_name=MAIL_QUEUE)
def send_confirmation(email: str, attempt: int = 1) -> int:
    """Send the confirmation link, unless the address was confirmed meanwhile."""
    subscriber = Subscriber.objects.with_email(email).first()
    if subscriber is None or subscriber.is_receiving:
        return 0
    return send_or_retry(_confirm_message(subscriber.email), send_confirmation, attempt, email)


# --- New posts ----------------------------------------------------------------


def _too_old(post: Post, now) -> bool:
    """A backdated post, or one loaded from files, is not news."""
    return post.published_at < now - timedelta(days=setting("MAX_POST_AGE_DAYS"))


def enqueue_at(the_task, when, *args) -> None:
    """Enqueue ``the_task(*args)`` to run at ``when`` (at once if that has passed)."""
    if when <= timezone.now():
        the_task.enqueue(*args)
    elif the_task.get_backend().supports_defer:
        the_task.using(run_after=when).enqueue(*args)
    else:
        logger.warning("%s%r is due at %s: the task backend cannot run it then.", the_task.name, args, when)


def post_went_live(post: Post) -> None:
    """Have ``post`` mailed to subscribers when it goes live (after commit).

    ``Post.save()`` calls this when it stores a post as published (now or
    scheduled) whose status or publish date was different before, or that
    is new: the admin, ``load_posts`` and the shell all publish through it.
    Each call while the post is unsent enqueues a task for its publish time;
    only the first that runs at or after the post's time sends
    (``send_newsletter``), so publishing again, or moving the date, never
    sends twice. Nothing is enqueued until the save commits: a load or a
    form that fails later sends nothing.
    """
    if post.status != Post.Status.PUBLISHED or post.published_at is None:
        return
    if _too_old(post, timezone.now()) or PostNewsletter.objects.filter(post=post).exists():
        return
    post_id, when = post.pk, post.published_at
    transaction.on_commit(lambda: enqueue_at(send_newsletter, when, post_id), robust=True)


@task(queue_name=MAIL_QUEUE)
def send_newsletter(post_id: int) -> int:
    """Claim the post's one email-out and enqueue one delivery per subscriber.

    Does nothing for a post that is not live (unpublished, or retimed later
    than this task: that save enqueued another), too old, or already claimed.
    The claim is a ``PostNewsletter`` row, unique per post, inserted in the
    same transaction as the deliveries are enqueued (the database task
    backend stores them in it): both happen, or neither.
    """
    now = timezone.now()
    post = Post.objects.published().filter(pk=post_id).first()
    if post is None or _too_old(post, now):
        return 0
    with transaction.atomic():
        try:
            with transaction.atomic():
                newsletter = PostNewsletter.objects.create(post=post)
        except IntegrityError:
            return 0  # sent already, or being sent by another run
        recipients = list(Subscriber.objects.receiving().order_by("pk").values_list("pk", flat=True))
        newsletter.recipients = len(recipients)
        newsletter.save(update_fields=["recipients"])
        for subscriber_id in recipients:
            deliver_newsletter.enqueue(post_id, subscriber_id)
    return len(recipients)


def _post_message(post: Post, subscriber: Subscriber):
    url = unsubscribe_url(subscriber.email)
    context = {
        "post": post,
        "post_url": absolute_url(post.get_absolute_url()),
        "authors": [(author.name, absolute_url(author.get_absolute_url())) for author in post.all_authors],
        "unsubscribe_url": url,
    }
    headers = {
        # RFC 8058 one-click unsubscribe, as for comment follow-ups.
        "List-Unsubscribe": OneLineHeader("List-Unsubscribe", f"<{url}>"),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return email_message("new_post", one_line(post.title, 120), context, subscriber.email, headers)


@task(queue_name=MAIL_QUEUE)
def deliver_newsletter(post_id: int, subscriber_id: int, attempt: int = 1) -> int:
    """Send one post to one subscriber; retry later if mail fails.

    Checked again when sent: a reader who unsubscribed, or a post taken down,
    in the meantime gets nothing.
    """
    post = Post.objects.published().select_related("author").filter(pk=post_id).first()
    subscriber = Subscriber.objects.receiving().filter(pk=subscriber_id).first()
    if post is None or subscriber is None:
        return 0
    return send_or_retry(_post_message(post, subscriber), deliver_newsletter, attempt, post_id, subscriber_id)
