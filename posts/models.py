import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Cast, Coalesce, Lead
from django.urls import reverse
from django.utils import timezone
from django_comments.models import Comment
from django_prose_editor.fields import ProseEditorField, create_sanitizer
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from authors.models import Author
from skolr_blog.images import WebImageField, strip_metadata, validate_image
from skolr_blog.upload_paths import UnguessablePath

from .comments import public_comments
from .embeds import iframes_as_addresses
from .html import add_heading_anchors, plain_code_blocks

# What an author can put in a post body. The editor offers exactly this and
# the sanitizer allows exactly this: nothing else survives a save.
BODY_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Underline": True,
    "Subscript": True,
    "Superscript": True,
    "Code": True,
    "CodeBlock": {"languageClassPrefix": "language-"},
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "Image": True,
    "Figure": True,
    "Caption": True,
    # Uploads an image from the editor and inserts it (static/js/editor_image_upload.js).
    "UploadImage": True,
    # The field's label names the text box (static/js/editor_field_label.js).
    "FieldLabel": True,
    # django-prose-editor turns the browser's spelling check off by default;
    # a body is the longest thing an author writes (found by QA).
    "NoSpellCheck": False,
}
sanitize_body_html = create_sanitizer(BODY_EXTENSIONS)


# Search engines show about this much of a page title and a description
# (posts.seo.DESCRIPTION_LENGTH); the overrides are held to it.
META_TITLE_LENGTH = 70
META_DESCRIPTION_LENGTH = 160
# A post first published elsewhere names that page as the original; only an
# address a browser and a crawler can fetch (not "javascript:", not "/x").
validate_canonical_url = URLValidator(
    schemes=["http", "https"],
    message="Give the whole address of the original, starting with https:// (or http://).",
)

# How many featured posts the home page shows above the list.
FEATURED_ON_HOME = 3


# Every page that shows a post links its month's archive, whose address has a
# four-digit year from 1000 to 2999 (posts.archive_views.YearConverter): a
# post dated 0999 made the home page, the article, the archives, the sitemap
# and the tag, author and search pages fail. Publish dates keep to years the
# archive can show, with a margin at the top: pages show dates in the site's
# time zone, up to 14 hours ahead of UTC. Before 1900 can only be a typo.
EARLIEST_PUBLISH_DATE = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_PUBLISH_DATE = datetime(2999, 1, 1, tzinfo=UTC)  # exclusive


def new_feed_id() -> str:
    """A new post's identity in feeds (``Post.feed_id``): a UUID URN
    (RFC 4122), which names no address, host or date that could change."""
    return f"urn:uuid:{uuid.uuid4()}"


def and_join(items: list[str]) -> str:
    """ "A", "A and B", "A, B and C": how a byline, a feed and a card name a
    post's authors."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def clean_body(html: str) -> str:
    """Sanitize, then add heading anchors (which the sanitizer would drop) and
    store code blocks as plain text, each step idempotent. A YouTube or Vimeo
    ``<iframe>`` is first kept as its video's address (``posts.embeds``).

    Code is highlighted when shown (``posts.html.highlight_code``), not here:
    the editor loses the newlines of a highlighted block (see
    ``plain_code_blocks``), and this also turns the spans of bodies saved
    before that, such as a restored old revision, back into plain text."""
    return plain_code_blocks(add_heading_anchors(sanitize_body_html(iframes_as_addresses(html or ""))))


@lru_cache(maxsize=8)
def _comment_count(content_type_id: int, site_id: int) -> Coalesce:
    """The public-comment count of the outer query's post, as a subquery.

    Built once per process and content type (a test database may number
    them differently): each list and article page annotates it, and
    building it anew cost ~0.4 ms a page. An expression is not changed by
    being used; ``annotate`` resolves a copy.
    """
    counts = (
        public_comments(Comment)
        .filter(content_type_id=content_type_id, object_pk=Cast(OuterRef("pk"), models.CharField(max_length=64)))
        .order_by()
        .values("content_type")
        .annotate(n=Count("*"))  # not "pk": the count reads the index alone (migration 0009)
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


class TrashQuerySet(models.QuerySet):
    def in_trash(self):
        """What was moved to the trash (``posts.trash``): drafts nobody reads,
        deleted for good ``BLOG["TRASH_DAYS"]`` days after."""
        return self.filter(trashed_at__isnull=False)

    def outside_trash(self):
        """What the admin lists and works on unless the trash is asked for."""
        return self.filter(trashed_at__isnull=True)


class Trashable(models.Model):
    """A post or page that "Delete" moves to the trash (``posts.trash``): a
    draft then, which readers cannot see, restored as a draft, deleted for
    good with what hangs on it ``BLOG["TRASH_DAYS"]`` days after
    ``trashed_at``. Each model's constraint keeps one in the trash a draft."""

    trashed_at = models.DateTimeField("moved to the trash", null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def in_trash(self) -> bool:
        return self.trashed_at is not None

    @property
    def deleted_for_good_on(self):
        """When the trash's sweep deletes this, if it stays there."""
        if self.trashed_at is None:
            return None
        return self.trashed_at + timedelta(days=settings.BLOG["TRASH_DAYS"])

    def make_draft(self) -> None:
        """What readers see no more: set here, saved by ``posts.trash``."""
        raise NotImplementedError


class PostQuerySet(TrashQuerySet):
    def published(self):
        """Posts readers may see: published, with a publish time already past.

        A future ``published_at`` is a scheduled post; it appears by itself when
        the time comes, with no job to flip a flag.
        """
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def with_comment_count(self):
        """Annotate ``comment_count`` (public comments) in the same query."""
        return self.annotate(comment_count=_comment_count(ContentType.objects.get_for_model(Post).pk, settings.SITE_ID))

    def by(self, author: Author):
        """The posts ``author`` signs, as the primary author or a co-author.

        Most authors co-write nothing: their posts stay one range of the
        (author, status, published_at) index. The OR, which walks the
        newest posts of everyone testing each against the co-authored
        ones, is asked only of an author whose ``co_writes`` is true, or
        not known (``with_co_writes``); a list of theirs, newest first,
        reads ``by_each`` instead."""
        if not getattr(author, "co_writes", True):
            return self.filter(author=author)
        co_written = CoAuthor.objects.filter(author=author).values("post")
        return self.filter(Q(author=author) | Q(pk__in=co_written))

    def by_each(self, author: Author) -> list["PostQuerySet"]:
        """``by(author)`` as the two lists whose union it is, each read on
        an index of its own: their own posts, one range of the (author,
        status, published_at) index, and the posts they co-write, joined
        from their rows of the co-authors' table (one row each: (post,
        author) is unique; joined, not ``pk__in``, SQLite starts from them).

        For a list of a co-writer's posts, newest first, read as far as a
        page of each (``posts.pagination.first_of_each``): ``by``'s OR,
        ordered and cut, walked the newest posts of everyone testing each,
        5,000 of them at 100,000 posts for an author of one post in 500
        (docs/performance.md)."""
        return [self.filter(author=author), self.filter(co_author_links__author=author)]

    def written_by_user(self, user):
        """The posts ``user``'s profile signs: what an author without
        ``edit_all_posts`` may open and edit."""
        return self.filter(signed_by_user(user))

    def visible_to(self, user):
        """The posts ``user`` may know of: all of them to whoever may edit
        every post; to others those readers see and those they sign. What
        may be named to them (``BodyImage.shown_by``): another author's
        draft, scheduled post or post in the trash is theirs to tell."""
        if user.has_perm("posts.edit_all_posts"):
            return self
        return self.published() | self.written_by_user(user)

    def with_co_author_flag(self):
        """Annotate ``has_co_authors``: ``Post.co_author_list`` then costs a
        query only for the few posts that have co-authors, and none for the
        rest (the article's 4 queries, a list's one, stay as they were)."""
        return self.annotate(has_co_authors=_co_authorship_of("post"))

    def for_article(self):
        """Everything the article page shows of the post itself. Whether it
        has change notes and co-authors comes with it: most have neither,
        and those are then not queried for."""
        from .authoring_models import ChangeNote

        notes = ChangeNote.objects.filter(post=OuterRef("pk"))
        return (
            self.select_related("author")
            .prefetch_related("tags")
            .with_comment_count()
            .with_co_author_flag()
            .annotate(has_change_notes=Exists(notes))
        )

    def for_cards(self):
        """Everything a post card shows, in a fixed number of queries: the
        co-authors of the listed posts that have some in one more, none
        when no listed post has any (``CoAuthorList``)."""
        return (
            self.select_related("author")
            # A list, not a manager: ``post.tags.all()`` builds a taggit
            # manager and a queryset per call, ~0.1 ms a card.
            .prefetch_related(models.Prefetch("tags", to_attr="card_tags"), CO_AUTHORS)
            .with_comment_count()
            .with_co_author_flag()
            .defer("body", "author__bio", "author__expertise")
        )

    def featured(self):
        """Posts an editor chose to show first on the home page."""
        return self.filter(featured=True)

    def for_featured_block(self):
        """What the home page's "Featured" block shows, in one query: the
        title, excerpt, author and date, without the cards' tags, comment
        counts and pictures (``posts.templatetags.cards.featured_block``)."""
        return (
            self.select_related("author")
            .only("title", "slug", "excerpt", "published_at", "author__name", "author__slug")
            .with_co_author_flag()
            .prefetch_related(CO_AUTHORS)
        )


def signed_by_user(user, through: str = "") -> Q:
    """Posts whose primary author or a co-author is ``user``'s profile: the
    posts they may edit without ``edit_all_posts``. ``through``: the lookup
    path to the post from another model, e.g. ``"post__"`` from its images."""
    co_written = CoAuthor.objects.filter(author__user=user).values("post")
    return Q(**{f"{through}author__user": user}) | Q(**{f"{through}pk__in": co_written})


def signed_count(posts: models.QuerySet) -> models.Expression:
    """An expression for authors: how many of ``posts`` each signs, as the
    primary author or a co-author, as readers count them (the authors' page,
    the admin's list). Two subqueries rather than joins, which would count a
    post once per co-author: one off the (author, status, published_at)
    index, one over the few co-authors' rows of each author."""
    signed = posts.filter(author=OuterRef("pk")).order_by().values("author")
    co_written = CoAuthor.objects.filter(author=OuterRef("pk"), post__in=posts).order_by().values("author")
    return Coalesce(Subquery(signed.annotate(n=Count("pk")).values("n")), Value(0)) + Coalesce(
        Subquery(co_written.annotate(n=Count("pk")).values("n")), Value(0)
    )


def with_co_writes(authors: models.QuerySet) -> models.QuerySet:
    """``authors`` annotated ``co_writes``: whether each co-authors any post,
    in the same query, so that ``PostQuerySet.by`` keeps the others' index."""
    return authors.annotate(co_writes=_co_authorship_of("author"))


@lru_cache(maxsize=2)
def _co_authorship_of(side: str) -> Exists:
    """Whether the outer query's post has co-authors (``side="post"``), or
    its author co-writes (``"author"``), as a subquery. Built once per
    process, as ``_comment_count``: each list builds it, and building it
    anew cost a list page ~0.5 ms (measured)."""
    return Exists(CoAuthor.objects.filter(**{side: OuterRef("pk")}))


def published_taggings(through: str = "") -> Q:
    """Taggings of posts readers may see: ``Post.objects.published()``'s
    rule read off the copied publish date, which is empty unless the post is
    published (see ``TaggedPost.published_at``). ``through``: the lookup
    path from another model, e.g. ``"posts_taggedpost_items__"`` from tags."""
    return Q(**{f"{through}published_at__lte": timezone.now()})


class TaggedPostQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_taggings())

    def newest_posts(self, limit: int) -> models.QuerySet:
        """The ids of the newest ``limit`` of these taggings' posts, for
        ``Post.objects.filter(pk__in=...)``: one range of the (tag,
        published_at, post) index. Found through the posts instead, a tag's
        newest posts walk every tag's newest posts, probing each for the tag;
        under a prepared statement's generic plan, a tag whose posts are all
        old had its feed walk all 100,000 of them (~90 ms)."""
        return self.order_by("-published_at", "-content_object").values("content_object")[:limit]

    def copy_publish_dates(self) -> int:
        """Copy each post's publish date again, for rows written in bulk."""
        published = Post.objects.filter(pk=OuterRef("content_object"), status=Post.Status.PUBLISHED)
        return self.update(published_at=Subquery(published.values("published_at")[:1]))


class TaggedPost(TaggedItemBase):
    """The typed through table between posts and tags.

    A real foreign key (not taggit's generic one) lets the database join tags
    to posts with an index. The post's publish date is copied here so that "a
    tag's newest published posts" is one range of one index, (tag,
    published_at, post), however many posts the blog has: tag pages and
    related posts read it without visiting the posts they skip.
    """

    content_object = models.ForeignKey("Post", on_delete=models.CASCADE, related_name="tagged_items")
    # The post's published_at while its status is "published", else empty.
    # Written by Post.save() and TaggedPost.save(); bulk writes call
    # TaggedPost.objects.copy_publish_dates(). Not a trigger: SQLite drops a
    # table's triggers whenever a migration rebuilds the table.
    published_at = models.DateTimeField(null=True, editable=False)

    objects = TaggedPostQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "content_object"], name="tagged_post_unique")]
        indexes = [models.Index(fields=["tag", "published_at", "content_object"], name="tagged_post_published_idx")]

    def save(self, *args, **kwargs):
        # taggit adds tags with get_or_create(content_object=post): the post
        # is in memory, so this costs no query.
        self.published_at = self.content_object.publish_date_for_tags
        super().save(*args, **kwargs)


class CoAuthorList:
    """``post.co_author_list``: the post's co-authors in order, a list of
    authors, read once and kept on the post.

    Most posts have none. A post read with ``has_co_authors`` annotated
    (``PostQuerySet.with_co_author_flag``) and False costs no query for it;
    and ``prefetch_related(CO_AUTHORS)`` reads the co-authors of only the
    posts of a list that have some, in one query, or none at all when no
    post has any. Django's prefetching asks ``is_cached`` of each post and
    leaves out those for which it is true, which a plain ``prefetch_related
    ("co_authors")`` cannot be told: it would cost every list a query.
    """

    cache_name = "_co_author_list"

    def __get__(self, post, owner=None):
        if post is None:
            return self
        if post.pk is None:
            return []  # nothing to read yet, and nothing to keep past its first save
        if not self.is_cached(post):
            post.__dict__[self.cache_name] = list(self._authors([post]))
        return post.__dict__.get(self.cache_name, [])

    def __set__(self, post, authors) -> None:
        post.__dict__[self.cache_name] = list(authors)

    def is_cached(self, post) -> bool:
        return self.cache_name in post.__dict__ or post.__dict__.get("has_co_authors") is False

    @staticmethod
    def _authors(posts):
        # Author rows named by their link's post and position: the prefetch
        # sorts them onto their posts in this order.
        return (
            Author.objects.filter(co_authorships__post__in=posts)
            .annotate(co_author_of=models.F("co_authorships__post"))
            .order_by("co_authorships__position", "co_authorships__pk")
        )

    def get_prefetch_querysets(self, posts, querysets=None):
        return (self._authors(posts), lambda author: author.co_author_of, lambda post: post.pk, False, None, False)


# ``prefetch_related(CO_AUTHORS)``: see ``CoAuthorList``.
CO_AUTHORS = models.Prefetch("co_author_list", to_attr="co_author_list")


def co_author_names(posts) -> dict[int, str]:
    """Each post's co-authors as its revisions record them: their names in
    order, one a line (the comparison's diff then shows each added,
    removed or moved name). One query for all ``posts``."""
    names: dict[int, list[str]] = {post.pk: [] for post in posts}
    links = CoAuthor.objects.filter(post__in=list(names)).order_by("position", "pk")
    for post_id, name in links.values_list("post", "author__name"):
        names[post_id].append(name)
    return {post_id: "\n".join(listed) for post_id, listed in names.items()}


class PostRevision(models.Model):
    """What a post's revision records beside the post's own fields: who
    co-signs it. The co-authors are rows of their own (``CoAuthor``), which
    simple-history does not copy; without them here, adding, removing or
    reordering co-authors left no trace in the History, and "someone saved
    first" could not name it. Never restored (see ``posts.revisions``)."""

    co_authors = models.TextField("co-authors", blank=True, default="", editable=False)

    class Meta:
        abstract = True

    @staticmethod
    def record_co_authors(sender, instance, history_instance, **kwargs) -> None:
        """``pre_create_historical_record``: a revision made by ``Post.save()``
        records the co-authors saved at that moment."""
        history_instance.co_authors = co_author_names([instance])[instance.pk]


class PostHistoryManager(HistoryManager):
    """``post.history``: revisions made in bulk (``bulk_update_with_history``,
    the admin's revision after its inlines) record the co-authors too, which
    simple-history's signal for them is not sent for."""

    def bulk_history_create(self, objs, *args, custom_historical_attrs=None, **kwargs):
        objs = list(objs)
        names = co_author_names(objs)
        created = []
        for recorded in dict.fromkeys(names.values()):  # one insert per distinct list, most often one
            group = [obj for obj in objs if names[obj.pk] == recorded]
            attrs = (custom_historical_attrs or {}) | {"co_authors": recorded}
            created += super().bulk_history_create(group, *args, custom_historical_attrs=attrs, **kwargs)
        return created


class Post(Trashable):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "Submitted for review"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, help_text="The post's address; filled in from the title.")
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, related_name="posts", help_text="The primary author, named first."
    )
    # Ghost has several authors per post; here the first is ``author`` (its
    # foreign key and index serve every author page) and the others are
    # co-authors, in order, who are named beside it and may edit the post.
    co_authors = models.ManyToManyField(
        Author, through="CoAuthor", related_name="co_authored_posts", blank=True, verbose_name="co-authors"
    )
    excerpt = models.TextField(
        max_length=300, blank=True, help_text="One or two sentences for post lists, feeds and search results."
    )
    body = ProseEditorField(extensions=BODY_EXTENSIONS, sanitize=clean_body, blank=True)
    thumbnail = WebImageField(
        upload_to=UnguessablePath("posts/%Y"),
        blank=True,
        validators=[validate_image],
        width_field="thumbnail_width",
        height_field="thumbnail_height",
    )
    # Stored so pages can give <img> its size without opening the file.
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_alt = models.CharField(
        "thumbnail alt text",
        max_length=200,
        blank=True,
        help_text="Describe the image for readers who cannot see it. Required with a thumbnail.",
    )
    tags = TaggableManager(through=TaggedPost, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publish date",
        null=True,
        blank=True,
        help_text="When readers first see the post. A future date schedules it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    allow_comments = models.BooleanField(default=True, help_text="Untick to close the comment form.")
    comment_days = models.PositiveSmallIntegerField(
        "comments open for (days)",
        null=True,
        blank=True,
        help_text="Days after publication that readers may comment. Empty: the site default. 0: never close.",
    )

    featured = models.BooleanField(
        default=False,
        help_text=f"Show the post in the “Featured” block at the top of the home page (the newest "
        f"{FEATURED_ON_HOME} featured posts); it stays in the list below too.",
    )

    # Search and social: each overrides, when filled in, what the post's own
    # fields give (posts.seo: post_title, post_description, post_canonical).
    meta_title = models.CharField(
        max_length=META_TITLE_LENGTH,
        blank=True,
        help_text=f"The title in search results and link previews, as written (the blog's name is not "
        f"added), at most {META_TITLE_LENGTH} characters. Empty: the post's title and the blog's name.",
    )
    meta_description = models.CharField(
        max_length=META_DESCRIPTION_LENGTH,
        blank=True,
        help_text=f"The description in search results and link previews, at most {META_DESCRIPTION_LENGTH} "
        "characters. Empty: the excerpt.",
    )
    canonical_url = models.URLField(
        "canonical URL",
        max_length=500,
        blank=True,
        validators=[validate_canonical_url],
        help_text="For a post first published elsewhere: the original's full address. Search engines then "
        "credit that page. Empty: this post's own address.",
    )
    noindex = models.BooleanField(
        "hide from search engines",
        default=False,
        help_text="Ask search engines not to list the post (robots “noindex”) and leave it out of the "
        "sitemap. Readers still find it on the blog and in the feeds.",
    )

    content_updated_at = models.DateTimeField(
        "content updated",
        null=True,
        blank=True,
        editable=False,
        help_text="Last meaningful change to a published post's title, excerpt or body.",
    )

    # Feed readers tell an item they have from a new one by its RSS guid or
    # Atom id: one that changed (it was the link, so a rename or another
    # host changed it) showed the post again as new and unread.
    feed_id = models.CharField(
        "feed ID",
        max_length=500,
        unique=True,
        default=new_feed_id,
        editable=False,
        help_text="What feed readers know the post by (its RSS guid and Atom id), never changed: "
        "a renamed post is not a new item.",
    )

    # Changes to these that readers see, once they have seen the post, show
    # as "Updated on …" (derive_content).
    TRACKED = ("title", "excerpt", "body")

    objects = PostQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["updated_at", "feed_id"], bases=[PostRevision], history_manager=PostHistoryManager
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_post", "Can publish posts"),
            ("edit_all_posts", "Can edit every author's posts"),
        ]
        indexes = [
            # Matches published() plus its ordering, for lists and counts.
            models.Index(fields=["status", "-published_at"], name="post_published_idx"),
            models.Index(fields=["author", "status", "-published_at"], name="post_author_published_idx"),
            # The model's ordering across every status: the admin's list of
            # posts (74 ms at 100,000 posts without it, a sort of them all).
            models.Index(fields=["-published_at", "-id"], name="post_ordering_idx"),
            # The home page's featured block: the few featured published
            # posts, newest first, without walking every published post.
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(featured=True, status="published"),
                name="post_featured_idx",
            ),
            # The trash's list and its daily sweep: a few rows, whatever the blog's size.
            models.Index(fields=["trashed_at"], condition=Q(trashed_at__isnull=False), name="post_trash_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "review", "published"]), name="post_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "review"]) | Q(published_at__isnull=False),
                name="post_published_has_date",
            ),
            # A post in the trash is a draft: whatever reads "published"
            # (pages, feeds, sitemaps, tags, search) leaves it out by itself.
            models.CheckConstraint(
                condition=Q(trashed_at__isnull=True) | Q(status="draft"),
                name="post_trashed_is_draft",
            ),
            models.CheckConstraint(
                condition=Q(thumbnail="") | ~Q(thumbnail_alt=""),
                name="post_thumbnail_has_alt",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True)
                | Q(published_at__gte=EARLIEST_PUBLISH_DATE, published_at__lt=LATEST_PUBLISH_DATE),
                name="post_published_at_in_range",
            ),
        ]

    co_author_list = CoAuthorList()

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        strip_metadata(self.thumbnail)
        before = self.derive_content()
        was_live = self._was_live(before)
        # Stored as published (now or scheduled) and not so before: whoever
        # saves it (the admin, load_posts, the shell), subscribers get it
        # when it goes live.
        went_live = self.status == self.Status.PUBLISHED and (
            before is None or (before["status"], before["published_at"]) != (self.status, self.published_at)
        )
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.tagged_items.update(published_at=self.publish_date_for_tags)
            # Readers' links and search engines keep working after a rename.
            SlugRedirect.record_rename(self, before["slug"] if was_live else None)
            if went_live:
                from . import subscriptions  # it reads these models

                subscriptions.post_went_live(self)  # mail is enqueued once this commits

    def get_absolute_url(self) -> str:
        return reverse("posts:detail", kwargs={"slug": self.slug})

    def derive_content(self) -> dict | None:
        """What a save derives from the typed title, excerpt and body, before
        storing them: ``save()`` calls it, and so does the admin's *Preview
        changes* (posts.preview_changes), which shows what a save would
        publish without saving.

        Whatever path the body came by (admin, loader, shell), what is stored
        is sanitized: the public page renders it as trusted HTML. And a change
        to a ``TRACKED`` field of a post live as stored is "Updated on …"
        (``content_updated_at``, the feeds', sitemap's and link previews'
        modified date); so is one made while it was off the blog, as it comes
        back, if readers saw it before (found by QA: a post taken down for a
        fix came back with it unannounced), against what they saw last
        (``last_seen``). Returns the post as stored (``TRACKED``, slug,
        status, publish date), None if it is not stored yet."""
        self.body = clean_body(self.body)
        before = Post.objects.filter(pk=self.pk).values(*self.TRACKED, "slug", "status", "published_at").first()
        seen = before if self._was_live(before) else self.last_seen() if before and self.is_published else None
        if seen and any(seen[name] != getattr(self, name) for name in self.TRACKED):
            self.content_updated_at = timezone.now()
        return before

    def last_seen(self) -> dict | None:
        """The ``TRACKED`` fields as readers last saw them, from the
        revisions (every save keeps one): the newest that was live before the
        next one replaced it; None if readers never saw the post. One query."""
        next_one = Window(Lead("history_date"), order_by=[F("history_date").asc(), F("history_id").asc()])
        # Published, up to the next revision (a filter on the status alone
        # would leave out the others before the window read the next one).
        live_until = Case(When(status=self.Status.PUBLISHED, then=Coalesce(next_one, Value(timezone.now()))))
        live = self.history.annotate(live_until=live_until).filter(published_at__lt=F("live_until"))
        return live.order_by("-history_date", "-history_id").values(*self.TRACKED).first()

    @classmethod
    def _was_live(cls, stored: dict | None) -> bool:
        return bool(
            stored
            and stored["status"] == cls.Status.PUBLISHED
            and stored["published_at"]
            and stored["published_at"] <= timezone.now()
        )

    @property
    def all_authors(self) -> list[Author]:
        """Everyone who signs the post: the primary author, then the co-authors in order."""
        return [self.author, *self.co_author_list]

    @property
    def author_names(self) -> str:
        """ "A and B": the names of everyone who signs the post (feeds, mail)."""
        return and_join([author.name for author in self.all_authors])

    def is_written_by(self, user) -> bool:
        """``user``'s profile signs the post, as its primary author or a co-author."""
        return user.pk is not None and any(author.user_id == user.pk for author in self.all_authors)

    def clean(self):
        # The database enforces these too; here they become field messages.
        errors = {}
        if self.thumbnail and not self.thumbnail_alt.strip():
            errors["thumbnail_alt"] = "Describe the thumbnail for readers who cannot see it."
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            errors["published_at"] = "Give a publish date (a future date schedules the post)."
        if self.published_at is not None and not EARLIEST_PUBLISH_DATE <= self.published_at < LATEST_PUBLISH_DATE:
            errors["published_at"] = (
                f"Give a publish date from {EARLIEST_PUBLISH_DATE.year} to {LATEST_PUBLISH_DATE.year - 1} "
                f"(this one is in the year {self.published_at.year})."
            )
        if errors:
            raise ValidationError(errors)

    def make_draft(self) -> None:
        self.status = self.Status.DRAFT

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def publish_date_for_tags(self):
        """What TaggedPost.published_at holds for this post."""
        return self.published_at if self.status == self.Status.PUBLISHED else None

    @property
    def comments_close_at(self):
        """When the comment form closes by itself, or None if it never does."""
        days = self.comment_days
        if days is None:
            days = settings.COMMENTS_POLICY["CLOSE_AFTER_DAYS"]
        if not days or self.published_at is None:
            return None
        return self.published_at + timedelta(days=days)

    @property
    def comments_open(self) -> bool:
        """Readers may comment: published, comments allowed, not yet closed."""
        close_at = self.comments_close_at
        return self.is_published and self.allow_comments and (close_at is None or timezone.now() < close_at)

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.published_at is not None and not self.is_published

    def can_be_previewed_by(self, user) -> bool:
        """Staff who may edit this post see it before readers do; nobody
        sees one in the trash (restore it first)."""
        if self.in_trash or not (user.is_active and user.is_staff and user.has_perm("posts.change_post")):
            return False
        return user.has_perm("posts.edit_all_posts") or self.is_written_by(user)


class CoAuthor(models.Model):
    """A co-author of a post, after its primary author (``Post.author``).

    The primary author keeps the post's own foreign key: the author pages
    and their index read it, and most posts have one author. A co-author is
    named in the byline, the author cards, the feeds and the structured
    data, finds the post on their author page and may edit it as its author
    does; only the primary author and editors change who signs it.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="co_author_links")
    # PROTECT, as Post.author: deleting an author would silently unsign posts.
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="co_authorships")
    position = models.PositiveSmallIntegerField(default=0, help_text="Co-authors are named in this order.")

    class Meta:
        verbose_name = "co-author"
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["post", "author"], name="co_author_unique")]

    def __str__(self) -> str:
        return str(self.author)


from .authoring_models import ChangeNote, PostImage, PreviewLink, SlugRedirect, TagProfile, TagRedirect  # noqa: E402
from .comment_models import (  # noqa: E402
    CommentBody,
    CommentReview,
    FollowerAddress,
    HoldReason,
    PendingComment,
    ReaderFlag,
    TrustedCommenter,
)
from .page_models import Page, PageImage, PageSlugRedirect  # noqa: E402
from .search_models import SearchDocument  # noqa: E402
from .subscription_models import PostNewsletter, Subscriber  # noqa: E402

__all__ = [
    "ChangeNote",
    "CoAuthor",
    "CommentBody",
    "CommentReview",
    "FollowerAddress",
    "HoldReason",
    "Page",
    "PageImage",
    "PageSlugRedirect",
    "PendingComment",
    "Post",
    "PostImage",
    "PostNewsletter",
    "PostQuerySet",
    "PreviewLink",
    "ReaderFlag",
    "SearchDocument",
    "SlugRedirect",
    "Subscriber",
    "TagProfile",
    "TagRedirect",
    "TaggedPost",
    "TrustedCommenter",
]
