"""Readers who get new posts by email, and which posts have been sent.

Both tables carry the invariants the mail depends on, so that no code path
(a double click, two app servers, a task run twice) can break them:

- one ``Subscriber`` per address, whatever its case;
- one ``PostNewsletter`` per post: the row is inserted in the transaction
  that hands the post to the mail queue, so a post goes out at most once.
"""

from django.db import models
from django.db.models.functions import Lower


class SubscriberQuerySet(models.QuerySet):
    def receiving(self):
        """Readers who confirmed their address and have not unsubscribed since."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def with_email(self, email: str):
        """The subscriber with this address in any case (what the unique constraint compares)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower())


class Subscriber(models.Model):
    """A reader who asked for new posts by email (double opt-in).

    The row exists from the first request, unconfirmed: nothing is sent to
    it but the confirmation email until its owner clicks the emailed link.
    Unsubscribing keeps the row (with the time), so a later request starts
    the confirmation again instead of silently resuming.
    """

    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reader clicked the confirmation link; empty until then."
    )
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reader stopped the emails; empty while they receive them."
    )
    # Confirmation emails since the address last confirmed, and when the
    # last went out: whoever asks, from whichever app process, the next one
    # waits longer (posts.subscriptions.request_subscription).
    confirmations_sent = models.PositiveIntegerField(default=0, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_receiving(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class PostNewsletter(models.Model):
    """The one email-out of a post to its subscribers.

    Its unique post is the claim: the task that inserts it fans the post out,
    any other run (a second save, a retimed post's old task, a task run
    twice) finds it and sends nothing.
    """

    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, related_name="newsletter")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Subscribers it was sent to. Empty: the post was live before subscriptions existed; never sent.",
    )

    def __str__(self) -> str:
        return f"Newsletter of post {self.post_id}"
