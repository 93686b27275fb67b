"""Pages: what a blog says about itself beside its posts (About, Contact,
Privacy policy), at the top of the site (``/about/``) like Ghost's and
WordPress's, and linked from the header or footer menu when an editor says so.

A page has no author, tags, date or comments: it is the blog speaking, and
it is kept current rather than published once. Otherwise it is written like
a post: with revisions, images uploaded for its body, video players, and its
old addresses redirecting after a rename.
"""

import html
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import URLResolver, get_resolver, reverse
from django.utils.html import strip_tags
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from . import seo
from .authoring_models import BodyImage, OldSlug
from .models import BODY_EXTENSIONS, Trashable, TrashQuerySet, clean_body


def _first_segments(patterns) -> set[str]:
    """The literal first path segment of every URL pattern (``posts``,
    ``admin``, ``sitemap.xml``…), following includes mounted at the root.
    A pattern that starts with a parameter (``<slug:slug>/``) reserves nothing."""
    found = set()
    for pattern in patterns:
        route = str(pattern.pattern).removeprefix("^")
        if isinstance(pattern, URLResolver) and route == "":
            found |= _first_segments(pattern.url_patterns)
            continue
        segment = route.split("/", 1)[0]
        if segment and not segment.startswith(("<", "(")):
            found.add(segment.casefold())
    return found


# nginx's own error pages (a 413, a 503 while the app is down), served from
# /__errors__/ before any request reaches the app.
NGINX_ERRORS = "__errors__"


@cache
def reserved_slugs() -> frozenset[str]:
    """First path segments the site already uses, which a page's address
    must not take: read from the URLconf, so a section added later is
    protected without a list to keep in step. Static files and uploads are
    served before the URLconf (whitenoise, nginx): their prefixes too, and
    the error pages nginx serves itself (deploy/nginx.conf)."""
    served = {url.strip("/").split("/", 1)[0].casefold() for url in (settings.STATIC_URL, settings.MEDIA_URL)}
    return frozenset(_first_segments(get_resolver().url_patterns) | served | {NGINX_ERRORS})


def validate_page_slug(slug: str) -> None:
    if slug.casefold() in reserved_slugs():
        raise ValidationError(
            "“/%(slug)s/” is already one of the blog's own addresses: choose another slug for this page.",
            code="reserved",
            params={"slug": slug},
        )


class PageQuerySet(TrashQuerySet):
    def published(self):
        """Pages readers may see."""
        return self.filter(published=True)

    def visible_to(self, user):
        """The pages ``user`` may know of: all of them to whoever may open
        pages in the admin (editors); to others those readers see."""
        if user.has_perm("posts.view_page") or user.has_perm("posts.change_page"):
            return self
        return self.published()


class Page(Trashable):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        validators=[validate_page_slug],
        help_text="The page's address: /slug/. Filled in from the title.",
    )
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences for search engines and link previews (the first 160 characters). "
        "Empty: the start of the page.",
    )
    body = ProseEditorField(extensions=BODY_EXTENSIONS, sanitize=clean_body, blank=True)
    published = models.BooleanField(
        default=False, help_text="Readers see the page only when this is ticked; until then it is a draft."
    )
    show_in_header = models.BooleanField("in the header menu", default=False)
    show_in_footer = models.BooleanField("in the footer", default=False)
    menu_order = models.PositiveSmallIntegerField(
        "menu position",
        default=0,
        help_text="Menus list their pages from the lowest number up (then by title), "
        "after the blog's own links in the header.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["menu_order", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="page_slug_not_empty"),
            # A page in the trash is a draft (posts.trash): readers, menus and the sitemap leave it out.
            models.CheckConstraint(
                condition=Q(trashed_at__isnull=True) | Q(published=False), name="page_trashed_is_draft"
            ),
        ]
        indexes = [models.Index(fields=["trashed_at"], condition=Q(trashed_at__isnull=False), name="page_trash_idx")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.derive_content()
        before = Page.objects.filter(pk=self.pk).values("slug", "published").first() if self.pk else None
        with transaction.atomic():
            super().save(*args, **kwargs)
            # Unlike a post's, a draft's rename is kept too: a page goes back
            # to draft to be reworked, and its links out there are older than
            # that. The view serves it only while the page is published.
            old_slug, was_published = (before["slug"], before["published"]) if before else (None, False)
            PageSlugRedirect.record_rename(self, old_slug, answered=was_published)

    def derive_content(self) -> None:
        """What a save derives from what is typed, before storing it:
        ``save()`` calls it, and so does the admin's *Preview changes*
        (posts.preview_changes). As for posts: whatever path the body came
        by, what is stored is sanitized, since the page renders it as
        trusted HTML."""
        self.body = clean_body(self.body)

    def get_absolute_url(self) -> str:
        return reverse("pages:detail", kwargs={"slug": self.slug})

    @property
    def summary(self) -> str:
        """For the page's meta and share description: its description, or
        else the start of its text, in at most 160 characters."""
        # A space before each tag, so that the words of two paragraphs stay apart.
        text = self.description or html.unescape(strip_tags(self.body.replace("<", " <")))
        return seo.description(text)

    def can_be_previewed_by(self, user) -> bool:
        """Staff who may edit pages see a draft before readers do; nobody
        sees one in the trash (restore it first)."""
        return not self.in_trash and user.is_active and user.is_staff and user.has_perm("posts.change_page")

    def make_draft(self) -> None:
        self.published = False

    @property
    def is_published(self) -> bool:
        """Readers see it (as ``Post.is_published`` says of a post)."""
        return self.published


class PageImage(BodyImage):
    """An image in a page's body, as ``PostImage`` is in a post's."""

    folder = "pages/inline"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="images")


class PageSlugRedirect(OldSlug):
    """An address a page used to have; it redirects permanently while the
    page is published (``PageView``). Pages are matched after every address
    of the blog's own, so an old one never hides a post, a tag or a section."""

    target = "page"
    old_slug = models.SlugField(max_length=200, unique=True)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="old_slugs")
