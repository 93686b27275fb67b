"""Moderation decisions, in one place for the comment view, the reader
flag and the admin actions. Side effects (emails) are explicit calls to
``notifications`` and happen after commit."""

from django.db import transaction
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from skolr_blog.page_cache import content_changed

from . import notifications
from .comment_models import CommentReview, HoldReason, ReaderFlag, TrustedCommenter
from .policy import policy


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
    if ReaderFlag.objects.filter(comment=comment).count() < policy("FLAGS_TO_HIDE"):
        return False
    review, _ = CommentReview.objects.select_for_update().get_or_create(
        comment=comment, defaults={"status": CommentReview.Status.APPROVED}
    )
    review.status = CommentReview.Status.PENDING
    review.reasons = CommentReview.encode(dict.fromkeys([*review.reason_codes, HoldReason.FLAGGED]))
    review.save()
    XtdComment.objects.filter(pk=comment.pk).update(is_public=False)
    comment.is_public = False
    content_changed()
    notifications.comment_held(comment)
    return True
