"""Moderation decisions, in one place for the comment view, the reader
flag and the admin actions. Side effects (emails) are explicit calls to
``notifications`` and happen after commit."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from skolr_blog.page_cache import content_changed

from . import followups, notifications
from .comment_format import render_markdown
from .comment_models import CommentBody, CommentReview, HoldReason, ReaderFlag, TrustedCommenter
from .comments import account_name
from .policy import policy


@transaction.atomic
def record(comment: XtdComment, status: str, reasons=(), decided_by=None) -> XtdComment:
    """Store a new comment with its moderation record, and say so: to the
    post's author and followers if it is public (and, if it asks for
    follow-ups from an unconfirmed address, to that address, asking it to
    confirm), to moderators if it waits.

    One path for readers' comments (the comment view, after the policy
    judged them) and moderators' replies from the admin, so both are stored,
    threaded and announced alike.
    """
    comment.is_public = status == CommentReview.Status.APPROVED
    comment.save()
    CommentBody.objects.create(comment=comment, html=render_markdown(comment.comment))
    CommentReview.objects.create(
        comment=comment,
        status=status,
        reasons=CommentReview.encode(reasons),
        decided_by=decided_by,
        decided_at=comment.submit_date if decided_by is not None else None,
        announced_at=comment.submit_date if comment.is_public else None,
    )
    if comment.is_public:
        notifications.comment_published(comment)
        followups.comment_published(comment)
    elif status == CommentReview.Status.PENDING:
        notifications.comment_held(comment)
    return comment


@transaction.atomic
def staff_reply(parent: XtdComment, user, text: str, ip: str = "") -> XtdComment:
    """A moderator's reply to ``parent``, public at once and signed as they
    sign comments on the site (their author name; the thread shows the
    "Author" or "Team" badge from their account).

    A parent still awaiting moderation is approved first: answering a
    comment in public is judging it fit to be read (the caller refuses
    rejected and spam comments). Checking the thread's depth is the
    caller's too: django-comments-xtd raises past it.
    """
    if not parent.is_public:
        decide(parent, CommentReview.Status.APPROVED, user)
    reply = XtdComment(
        content_type_id=parent.content_type_id,
        object_pk=parent.object_pk,
        site_id=settings.SITE_ID,
        user=user,
        user_name=account_name(user)[:50],
        user_email=user.email,
        comment=text,  # as the form gave it: an opening indented code block keeps its indentation
        submit_date=timezone.now(),
        ip_address=ip or None,
        parent_id=parent.pk,
    )
    return record(reply, CommentReview.Status.APPROVED, decided_by=user)


@transaction.atomic
def edit_text(comment: XtdComment, text: str, user=None) -> None:
    """Replace a comment's text (a moderator fixing a typo or removing a
    phone number), with its HTML, and retire the cached pages that show it.

    Readers see that a moderator edited it, and when; ``edited_by`` keeps
    who for the moderators (as does the admin's history entry). Written with
    ``update()``, like ``is_public`` in ``decide``: saving the model runs
    django-comments-xtd's signal that publishes or hides every reply under it.
    """
    XtdComment.objects.filter(pk=comment.pk).update(comment=text)
    comment.comment = text
    editor = user if user is not None and user.is_authenticated else None
    CommentBody.objects.update_or_create(
        comment=comment, defaults={"html": render_markdown(text), "edited_at": timezone.now(), "edited_by": editor}
    )
    content_changed()


@transaction.atomic
def decide(comment: XtdComment, status: str, user=None) -> bool:
    """Set a comment's moderation status; return whether it became public.

    ``is_public`` is written with ``update()``: saving the model would run
    django-comments-xtd's signal that publishes or hides every reply in the
    thread along with it, spam replies included.
    """
    review, _ = CommentReview.objects.select_for_update().get_or_create(comment=comment)
    was_public = comment.is_public
    # A comment that was public before (one readers flagged back into the
    # queue, or one a moderator hid and now approves again) has been
    # announced to the post's author and the followers already.
    announced = review.announced_at is not None or HoldReason.FLAGGED in review.reason_codes
    comment.is_public = status == CommentReview.Status.APPROVED
    became_public = comment.is_public and not was_public
    announce = became_public and not announced
    review.status = status
    review.decided_by = user if user is not None and user.is_authenticated else None
    review.decided_at = timezone.now()
    if announce:
        review.announced_at = review.decided_at
    review.save()
    XtdComment.objects.filter(pk=comment.pk).update(is_public=comment.is_public)
    if comment.is_public != was_public:
        content_changed()
    if announce:
        notifications.comment_published(comment)
        followups.comment_published(comment)
    return became_public


def trust(comment: XtdComment, user) -> TrustedCommenter:
    """Trust the comment's author: their later comments publish directly."""
    trusted, _ = TrustedCommenter.objects.get_or_create(
        email=comment.user_email.strip().lower(), defaults={"trusted_by": user}
    )
    return trusted


@transaction.atomic
def flag(comment: XtdComment, reporter: str) -> bool:
    """Record a reader's flag; return True if it sent the comment back to the queue."""
    _, created = ReaderFlag.objects.get_or_create(comment=comment, reporter=reporter)
    if not created or not comment.is_public:
        return False
    review, _ = CommentReview.objects.select_for_update().get_or_create(
        comment=comment, defaults={"status": CommentReview.Status.APPROVED}
    )
    # Reports since a moderator last decided: one who approved a reported
    # comment again had it hidden by the next single report.
    flags = ReaderFlag.objects.filter(comment=comment)
    if review.decided_at is not None:
        flags = flags.filter(created_at__gt=review.decided_at)
    if flags.count() < policy("FLAGS_TO_HIDE"):
        return False
    review.status = CommentReview.Status.PENDING
    review.reasons = CommentReview.encode(dict.fromkeys([*review.reason_codes, HoldReason.FLAGGED]))
    review.save()
    XtdComment.objects.filter(pk=comment.pk).update(is_public=False)
    comment.is_public = False
    content_changed()
    notifications.comment_held(comment)
    return True
