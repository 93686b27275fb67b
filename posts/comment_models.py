"""What the blog records about comments beyond django-comments-xtd's model:
the moderation decision and its reasons, the text as shown, trusted
commenters, reader flags, addresses confirmed for follow-up emails."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django_comments_xtd.models import XtdComment


class HoldReason(models.TextChoices):
    """Why a comment was held or marked as spam, shown in the queue."""

    FIRST_TIME = "first_time", "First-time commenter"
    LINKS = "links", "Too many links"
    BLOCKED_WORD = "blocked_word", "Blocked word"
    BLOCKED_DOMAIN = "blocked_domain", "Blocked domain"
    PREVIOUS_SPAM = "previous_spam", "Earlier comment marked as spam"
    SPAM_ADDRESS = "spam_address", "Address used for spam recently"
    ACCOUNT_EMAIL = "account_email", "Email of a user account, posted signed out"
    TOO_FAST = "too_fast", "Posting too fast"
    FLAGGED = "flagged", "Flagged by readers"
    HONEYPOT = "honeypot", "Honeypot filled in"
    IMPORTED = "imported", "Awaiting moderation on the blog it was imported from"


class CommentReview(models.Model):
    """The moderation state of one comment.

    ``XtdComment.is_public`` stays the single thing public pages read; this
    record says how it got that way, so spam is kept (and can be undone) and
    the queue can say why each comment waits.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    comment = models.OneToOneField(XtdComment, on_delete=models.CASCADE, primary_key=True, related_name="review")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    # Reason codes wrapped in commas (",links,first_time,") so that "has
    # reason X" is a plain, portable `contains` filter on any database.
    reasons = models.CharField(max_length=200, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # When the post's author and the thread's followers were told about the
    # comment: once, however often a moderator hides and approves it again.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["status"], name="comment_review_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "rejected", "spam"]),
                name="comment_review_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: comment {self.comment_id}"

    @staticmethod
    def encode(reasons) -> str:
        return f",{','.join(reasons)}," if reasons else ""

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.reasons.split(",") if code]

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(HoldReason.choices)
        return [labels.get(code, code) for code in self.reason_codes]


class CommentBody(models.Model):
    """A comment's text as readers see it, and whether a moderator changed it.

    Comments are written in Markdown (``posts.comment_format``); the HTML is
    made when a comment is posted or edited and read with the comments of a
    page (``select_related``, no query of its own), rather than parsed again
    for every comment of every page shown. A comment without one (written by
    some other path) is rendered when shown.
    """

    comment = models.OneToOneField(XtdComment, on_delete=models.CASCADE, primary_key=True, related_name="body")
    html = models.TextField(help_text="The comment's Markdown, rendered and sanitized.")
    # Readers see "Edited by a moderator" and when; who is for the moderators.
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Text of comment {self.comment_id}"


class TrustedCommenter(models.Model):
    """A commenter whose comments publish without review ("trust this commenter")."""

    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    trusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class ReaderFlag(models.Model):
    """A reader's report that a comment is inappropriate.

    Readers need not log in, so a flag is keyed by a hash of who sent it
    (account or network address), which stops one reader flagging twice.
    """

    comment = models.ForeignKey(XtdComment, on_delete=models.CASCADE, related_name="reader_flags")
    reporter = models.CharField(max_length=64, help_text="Hash of the reporter's account or address.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="reader_flag_once")]

    def __str__(self) -> str:
        return f"Flag on comment {self.comment_id}"


class PendingComment(XtdComment):
    """The moderation queue: comments waiting for a moderator, as its own admin page."""

    class Meta:
        proxy = True
        verbose_name = "comment awaiting moderation"
        verbose_name_plural = "moderation queue"


class FollowerAddressQuerySet(models.QuerySet):
    def with_email(self, email: str):
        """The row of this address in any case (what the unique constraint compares)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower())

    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def of_commenter(self):
        """In a subquery on comments: the row of the comment's address, in any case."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=Lower(models.OuterRef("user_email")))


class FollowerAddress(models.Model):
    """An address that asked, by ticking "Email me about new comments on this
    post", for emails about new comments: followers get them only once the
    address's owner clicked the link emailed to it (double opt-in).

    Anyone can type any address in the comment form, so a comment's
    ``followup`` is only a request (found by QA: a reader could sign someone
    else up). One row per address, whatever its case, made when a comment
    asking for follow-ups is first published; it counts the confirmation
    emails as ``Subscriber`` does, so approving many comments from one address
    cannot flood its inbox. Once confirmed, the address follows any post it
    asks to without confirming again. Signed-in commenters need no row: their
    account's address is theirs.
    """

    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reader clicked the confirmation link; empty until then."
    )
    # Confirmation emails sent unanswered, and when the last went out
    # (posts.followups.comment_published): the next one waits longer.
    confirmations_sent = models.PositiveIntegerField(default=0, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = FollowerAddressQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="follower_address_email_unique_ci")]
        verbose_name_plural = "follower addresses"

    def __str__(self) -> str:
        return self.email
