"""What authors work with around a post: images in its body, secret preview
links, old addresses that must keep working, and public change notes.
Pages share the first and third (``posts.page_models``)."""

import secrets
from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from skolr_blog.images import WebImageField, strip_metadata, validate_image
from skolr_blog.upload_paths import remove_its_folder, unguessable


def body_image_path(image: "BodyImage", filename: str) -> str:
    """``<folder>/<year>/<random>/<name>``: not to be guessed before the
    post or page that shows it is published (``skolr_blog.upload_paths``)."""
    return unguessable(f"{image.folder}/{timezone.now():%Y}", filename)


class BodyImage(models.Model):
    """An image uploaded for use inside a body (a post's or a page's).

    The editor inserts images by address; uploading them here (validated,
    metadata stripped) gives editors that address without leaving the admin,
    and the pages' Content-Security-Policy lets readers' browsers load only
    the blog's own images. An import downloads the old site's images into
    these too, and remembers where each came from, so a second run finds
    them instead of downloading again.
    """

    folder = ""  # under MEDIA_ROOT, then the year and a random folder (body_image_path)

    image = WebImageField(
        upload_to=body_image_path, validators=[validate_image], width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    alt = models.CharField("alt text", max_length=200, help_text="Describe the image for readers who cannot see it.")
    source_url = models.URLField(
        "imported from", max_length=2000, blank=True, editable=False, help_text="Its address on the old site."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.alt

    def save(self, *args, **kwargs):
        strip_metadata(self.image)
        super().save(*args, **kwargs)

    def is_shown_in(self, body: str) -> bool:
        """``body`` shows this image: deleting it would leave readers a broken one."""
        return self.image.url in (body or "")

    @staticmethod
    def shown_by(images, user, excluding=None) -> dict[int, str | None]:
        """Of ``images``, those a post's or a page's body shows, by pk, each
        with the title of one that does which ``user`` may know of
        (``visible_to``), or None if they may know of none. Any post or page
        counts, not only the one it was uploaded for, since an image's
        address may be pasted into any body (found by QA: an author deleted
        an image another author's live post showed); but a refusal names
        only what its reader may see (found by QA: it named another author's
        draft, an unpublished page, to an author deleting their own image).
        ``excluding``: a post or page whose body is checked apart (the one
        being saved, as sent). Two queries however many images."""
        from .models import Page, Post

        addresses = {image.pk: image.image.url for image in images}
        shown: dict[int, str | None] = {}
        if not addresses:
            return shown
        pasted = reduce(or_, (Q(body__contains=address) for address in set(addresses.values())))
        for model in (Post, Page):
            bodies = model.objects.filter(pasted)
            if isinstance(excluding, model) and excluding.pk:
                bodies = bodies.exclude(pk=excluding.pk)
            known = Exists(model.objects.visible_to(user).filter(pk=OuterRef("pk")))
            for title, body, may_know in bodies.annotate(known=known).values_list("title", "body", "known"):
                for pk, address in addresses.items():
                    if address in body and shown.get(pk) is None:
                        shown[pk] = title if may_know else None
        return shown


def delete_once_unused(model: type[models.Model], field: str, file) -> None:
    """Once the transaction commits, delete ``file`` (of ``model``'s image
    ``field``) and its renditions, unless a row still has it (an import
    stores an address once for all the posts that show it; a duplicated
    post shares its original's files) or a post's or a page's body shows it
    (its address pasted there, as the media library offers). A transaction
    that rolls back deletes nothing."""

    def delete() -> None:
        from .models import Page, Post

        shown = any(owner.objects.filter(body__contains=file.url).exists() for owner in (Post, Page))
        if not shown and not model._base_manager.filter(**{field: file.name}).exists():
            from sorl.thumbnail import delete as delete_with_renditions

            delete_with_renditions(file)
            remove_its_folder(file.storage, file.name)

    transaction.on_commit(delete, robust=True)


def delete_unused_file(field: str):
    """A ``post_delete`` receiver for models with an image ``field``: a
    deleted row's file and its renditions go too (``delete_once_unused``).
    Body images (from the media library, the post form's inline, or with
    their post or page), a post's thumbnail and an author's photo: left
    behind, an image deleted for good stayed public at its address; taken
    with it while another body showed it, the other's image broke."""

    def receiver(sender, instance, **kwargs) -> None:
        if (file := getattr(instance, field)).name:
            delete_once_unused(sender, field, file)

    return receiver


def delete_replaced_file(field: str):
    """A ``pre_save`` and a ``post_save`` receiver for the same models: the
    file a row had in its image ``field`` before a save replaced or cleared
    it goes, with its renditions, as a deleted row's does
    (``delete_once_unused``). Found by QA: an author's old photo, a post's
    old thumbnail stayed public at their addresses, which no row named any
    more. The first reads the name stored (one query, on saves of a row
    that exists and may change the field); the second, the row saved, hands
    on the file if the save left it (a save that fails hands on nothing)."""
    stored_before = f"_{field}_before_save"

    def before(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
        instance.__dict__.pop(stored_before, None)
        if raw or instance._state.adding or (update_fields is not None and field not in update_fields):
            return
        stored = sender._base_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
        instance.__dict__[stored_before] = stored

    def after(sender, instance, **kwargs) -> None:
        stored = instance.__dict__.pop(stored_before, None)
        if stored and stored != getattr(instance, field).name:
            image_field = sender._meta.get_field(field)
            delete_once_unused(sender, field, image_field.attr_class(instance, image_field, stored))

    return before, after


class PostImage(BodyImage):
    folder = "posts/inline"

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="images")


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _default_expiry():
    return timezone.now() + timedelta(days=7)


class PreviewLinkQuerySet(models.QuerySet):
    def usable(self):
        """Links that still show their draft: not revoked, not expired, and
        not to a post in the trash (restoring it brings them back)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), post__trashed_at__isnull=True)


class PreviewLink(models.Model):
    """A secret address showing a draft to someone without an account."""

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_default_expiry, help_text="The link stops working after this.")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set to stop the link working now.")

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # Shown in the post form's list of links, under the post's own title:
        # the post's number said nothing there (found by QA).
        return f"Preview link until {timezone.localtime(self.expires_at):%Y-%m-%d %H:%M}"

    def get_preview_url(self) -> str:
        """The secret address. Deliberately not ``get_absolute_url()``: Django's
        object redirects (the admin's "view on site", ``comments/cr/``) hand
        that to anyone who guesses the id, which would give every link away."""
        from django.urls import reverse

        return reverse("posts:preview", kwargs={"token": self.token})

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class OldSlug(models.Model):
    """An address something had before it was renamed, which keeps answering
    with a permanent redirect to where it is now: readers' links and search
    engines keep working.

    It points at the renamed thing, not at its next address, so a page
    renamed twice sends its first address straight to the newest one.
    ``target`` names the foreign key in each subclass.
    """

    target: str
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.old_slug

    @classmethod
    def record_rename(cls, instance, old_slug: str | None, *, answered: bool = True) -> None:
        """``instance`` now has its slug, and had ``old_slug`` (None: keep no
        redirect); ``answered``: readers saw it there.

        The address it takes back is no longer a redirect to it. Another's
        old address that it takes stays one until readers see ``instance``
        there (``answers``): a draft, a post in review or scheduled, an
        unpublished page or one in the trash shows them nothing, and the
        views send them on to the other meanwhile (found by QA: a new draft
        given a live post's old address ended its redirect for good, and the
        address was a 404). Once readers see it, the view serves it first,
        and its next save ends the redirect. So, leaving an address where
        it never ``answered``, it leaves the other's redirect there as it was."""
        if old_slug and old_slug != instance.slug:
            if answered:
                cls.objects.update_or_create(old_slug=old_slug, defaults={cls.target: instance})
            else:
                cls.objects.get_or_create(old_slug=old_slug, defaults={cls.target: instance})
        taken = cls.objects.filter(old_slug=instance.slug)
        if not cls.answers(instance):
            # Only its own old address (a tag is recorded before it is first saved: none).
            taken = taken.filter(**{cls.target: instance}) if instance.pk is not None else taken.none()
        taken.delete()

    @staticmethod
    def answers(instance) -> bool:
        """Readers see ``instance`` at its address."""
        return instance.is_published

    @classmethod
    def renamed(cls, old_slug: str):
        """What had the address ``old_slug``, or None."""
        found = cls.objects.select_related(cls.target).filter(old_slug=old_slug).first()
        return getattr(found, cls.target) if found else None


class SlugRedirect(OldSlug):
    """An address a published post used to have; it redirects permanently."""

    target = "post"
    old_slug = models.SlugField(max_length=200, unique=True)
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="old_slugs")


class TagRedirect(OldSlug):
    """An address a tag used to have, before an editor changed its slug; it
    redirects permanently (the tag's page and its feeds), like a post's."""

    target = "tag"
    old_slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, related_name="old_slugs")

    @staticmethod
    def answers(instance) -> bool:
        """A tag's page answers once it has a published post (before, a 404:
        ``TagPostListView``), and not on a save of the tag: an editor giving
        another tag's old address to a tag on drafts only, or on none, left
        the address a 404 for good (found by QA). Its redirect stays while
        the tag has no published post; the page answers first once it has
        one, and the tag's next save ends the redirect, as a post's does."""
        from .models import TaggedPost

        return instance.pk is not None and TaggedPost.objects.filter(tag=instance).published().exists()


class TagProfile(models.Model):
    """What a tag's page says about it, beyond its name: one or two
    sentences for readers, also the page's description for search engines
    and share cards. Beside taggit's table rather than in a custom tag model,
    which would mean moving every tagging to a new table."""

    tag = models.OneToOneField("taggit.Tag", on_delete=models.CASCADE, primary_key=True, related_name="profile")
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences on the tag's page, under its name; also its description for search engines "
        "(the first 160 characters).",
    )

    def __str__(self) -> str:
        return self.description


class ChangeNote(models.Model):
    """A short public note about a revision, listed at the bottom of the post."""

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="change_notes")
    note = models.CharField(max_length=200, help_text="E.g. “Updated the FastAPI benchmark figure”.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.note
