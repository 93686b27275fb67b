"""Double opt-in for emails about new comments ("Email me about new comments
on this post", ``XtdComment.followup``).

Anyone can type any address in the comment form, so ticking the box is only
a request (found by QA: a reader could have someone else emailed about every
new comment on a post). An address gets follow-ups once its owner has
clicked a link emailed to it, and then on any post it follows; a signed-in
commenter follows at once, their account's address being theirs
(``posts.notifications.following``, which the follow-ups go by).

- ``comment_published(comment)``: a comment asking for follow-ups became
  public (``posts.moderation``) from an address not confirmed → one
  confirmation email. Not when it is held, rejected or spam: the form cannot
  be used to mail people. Emails to one address wait longer with each one
  unanswered, as the newsletter's (``subscriptions.confirmation_wait``),
  counted on the address's row.
- ``confirm(email)``: the button of the page behind the emailed link
  (``posts.mail_views.confirm_following``).

The link works for the newsletter's ``CONFIRM_DAYS``; its rate limit is the
newsletter's ``CONFIRM_EMAIL_SECONDS`` (``SUBSCRIPTIONS`` in the settings).
"""

from django.core import signing
from django.db import IntegrityError, models, transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from .comment_models import FollowerAddress
from .models import Post
from .notifications import MAIL_QUEUE, absolute_url, email_and_post, email_message, one_line, send_or_retry
from .subscriptions import confirmation_wait, read_confirmation, setting

CONFIRM_SALT = "posts.followups.confirm"


def awaits_confirmation() -> models.Expression:
    """For ``annotate()`` on comments: the commenter asked for follow-ups,
    signed out, from an address that has not confirmed (yet), so an email
    asks it to first (the comment page says so)."""
    confirmed = models.Exists(FollowerAddress.objects.confirmed().of_commenter())
    asked = models.Q(followup=True, user__isnull=True) & ~models.Q(user_email="") & ~confirmed
    return models.ExpressionWrapper(asked, output_field=models.BooleanField())


# --- Signed link -----------------------------------------------------------------


def confirm_token(email: str, post_id: int) -> str:
    """A token naming one address (and the post it first followed, for the
    page's words): proof that whoever holds it reads that inbox."""
    return signing.dumps({"email": email.strip().lower(), "post": post_id}, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[str, int] | None:
    """(email, post id) from a token; None if not ours.

    Raises ``signing.SignatureExpired`` for a genuine token older than
    ``CONFIRM_DAYS``: the page then says so.
    """
    return email_and_post(read_confirmation(token, CONFIRM_SALT))


# --- Asking and confirming -------------------------------------------------------


def _row(email: str) -> FollowerAddress:
    """The address's row, locked (made if new; two at once make one)."""
    row = FollowerAddress.objects.with_email(email).select_for_update().first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return FollowerAddress.objects.create(email=email)
    except IntegrityError:  # the same address, at the same moment
        return FollowerAddress.objects.with_email(email).select_for_update().get()


def comment_published(comment) -> None:
    """Ask the commenter's address to confirm, if the comment asked for
    follow-ups from a signed-out, unconfirmed address (inside the caller's
    transaction; the email goes after commit).

    One email, however many of the address's comments are published: the
    next waits ``confirmation_wait`` of the ones unanswered, on the address's
    row, locked while read, so every app process counts the same.
    """
    if not comment.followup or comment.user_id is not None or not comment.user_email.strip():
        return
    post = Post.objects.published().filter(pk=comment.object_pk).only("pk").first()
    if post is None:
        return  # the link would lead to a 404; notify_followers tells nobody either
    with transaction.atomic():
        row = _row(comment.user_email.strip())
        now = timezone.now()
        last, sent = row.confirmation_sent_at, row.confirmations_sent
        if row.confirmed_at is not None or (last is not None and now < last + confirmation_wait(sent)):
            return
        FollowerAddress.objects.filter(pk=row.pk).update(confirmation_sent_at=now, confirmations_sent=sent + 1)
        address, post_id = row.email, post.pk
        transaction.on_commit(lambda: send_confirmation.enqueue(address, post_id), robust=True)


def confirm(email: str) -> FollowerAddress:
    """Confirm ``email`` for follow-ups; confirming twice changes nothing.

    A valid token proves the reader asked and reads the inbox, so a row
    erased in the meantime is made again.
    """
    with transaction.atomic():
        row = _row(email)
        if row.confirmed_at is None:
            row.confirmed_at, row.confirmations_sent = timezone.now(), 0
            row.save(update_fields=["confirmed_at", "confirmations_sent"])
        return row


# --- Email -----------------------------------------------------------------------


def _confirm_message(email: str, post: Post):
    context = {
        "post": post,
        "post_url": absolute_url(post.get_absolute_url()),
        "confirm_url": absolute_url(reverse("mail:followup_confirm", args=[confirm_token(email, post.pk)])),
        "days": setting("CONFIRM_DAYS"),
    }
    subject = f"Confirm you want emails about new comments on “{one_line(post.title)}”"
    return email_message("followup_confirm", subject, context, email)


@task(queue_name=MAIL_QUEUE)
def send_confirmation(email: str, post_id: int, attempt: int = 1) -> int:
    """Send the confirmation link, unless the address confirmed meanwhile or
    the post left the blog (the email names it and links to it)."""
    row = FollowerAddress.objects.with_email(email).first()
    post = Post.objects.published().filter(pk=post_id).first()
    if row is None or row.confirmed_at is not None or post is None:
        return 0
    return send_or_retry(_confirm_message(row.email, post), send_confirmation, attempt, email, post_id)
