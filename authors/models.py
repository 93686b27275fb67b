from django.conf import settings
from django.db import models, transaction
from django.urls import reverse

from skolr_blog.images import WebImageField, strip_metadata, validate_image
from skolr_blog.upload_paths import UnguessablePath


class Author(models.Model):
    """A person or organisation that signs posts.

    The link to a user account is optional so that an author (Skolr itself,
    or a guest writer) can exist and sign posts before anyone logs in as them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
        help_text="The account that may edit this profile and its posts.",
    )
    name = models.CharField(max_length=100, help_text="Shown on posts, e.g. “Skolr”.")
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the author page's address.")
    bio = models.TextField(blank=True, help_text="A paragraph or two about the author, shown under each post.")
    photo = WebImageField(upload_to=UnguessablePath("authors"), blank=True, validators=[validate_image])
    expertise = models.TextField(
        "areas of expertise",
        blank=True,
        help_text="One area per line, e.g. “Data Analytics & Reporting”.",
    )
    website = models.URLField(blank=True)
    linkedin = models.URLField("LinkedIn", blank=True)
    x = models.URLField("X (Twitter)", blank=True)
    github = models.URLField("GitHub", blank=True)
    mastodon = models.URLField(blank=True)

    class CommentNotifications(models.TextChoices):
        EACH = "each", "An email for each comment"
        DAILY = "daily", "A daily digest"
        OFF = "off", "No emails"

    comment_notifications = models.CharField(
        "emails about comments on my posts",
        max_length=5,
        choices=CommentNotifications,
        default=CommentNotifications.EACH,
        help_text="Sent to the email address of the linked account when a comment is published.",
    )
    # When the next daily digest is due (None: none pending) and what the last one covered up to.
    digest_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    digest_covered_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        strip_metadata(self.photo)
        stored = Author.objects.filter(pk=self.pk).values_list("comment_notifications", flat=True).first()
        with transaction.atomic():
            super().save(*args, **kwargs)
            if stored is not None and stored != self.comment_notifications:
                from posts import notifications  # it reads this model

                notifications.preference_changed(self, stored)

    def get_absolute_url(self) -> str:
        return reverse("authors:detail", kwargs={"slug": self.slug})

    @property
    def expertise_list(self) -> list[str]:
        return [line.strip() for line in self.expertise.splitlines() if line.strip()]

    LINK_LABELS = {"website": "Website", "linkedin": "LinkedIn", "x": "X", "github": "GitHub", "mastodon": "Mastodon"}

    @property
    def links(self) -> list[tuple[str, str]]:
        """(label, url) pairs for the links the author filled in, in display order."""
        return [(label, getattr(self, name)) for name, label in self.LINK_LABELS.items() if getattr(self, name)]
