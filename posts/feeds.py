"""RSS 2.0 and Atom feeds: the whole blog, each tag and each author, and
the comments (the whole blog's, and each post's).

Items are the newest published posts (``Post.objects.published()``), with
the author, the tags as categories and the thumbnail as an enclosure (plus
``media:content``). ``BLOG["FEED_FULL_CONTENT"]`` adds each post's full body
(``content:encoded`` in RSS, ``<content>`` in Atom) next to the excerpt;
off, feeds carry the excerpt only.

Comment feeds carry the newest public comments on published posts, as
WordPress's do, for readers who follow discussions in a feed reader. Each
item links to the comment's permalink (``comment_permalink``), which finds
the comment's page of the thread when followed: that page changes as
replies arrive, so a link with it in would go stale in the reader.

Links are absolute from the request's host, like the rest of the site (see
``posts.seo``), so each request gets its own copy of the feed object.

What feed readers know an item by (its RSS guid, its Atom id) is not its
link, which a rename or another host changes: the reader would show the
item again as new. A post's is ``Post.feed_id``, set once; a comment's is
its permalink on the site's domain, as emailed links are (its number never
changes). A feed's own Atom id is likewise not its link (the blog's feed and
its comment feed both link to the home page, and a tag, an author or a post
may be renamed): the site's two feeds are known by their own addresses on
the site's domain, the others by an id made of what never changes in them
(``derived_id``).
"""

import copy
import mimetypes
import re
import uuid
from html import escape

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.db.models import BigIntegerField, Exists, OuterRef
from django.db.models.functions import Cast
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.text import Truncator
from taggit.models import Tag

from authors.models import Author

from .comments import comment_html, commenter_name, comments_for, edited_at, public_comments, with_their_post
from .models import CO_AUTHORS, Post, SlugRedirect, TaggedPost, with_co_writes
from .notifications import absolute_url
from .pagination import first_of_each
from .search import plain_text
from .tagging import moved_tag, tag_description

MEDIA_NS = "http://search.yahoo.com/mrss/"
_ROOT_RELATIVE = re.compile(r'(\s(?:src|href)=")/(?!/)')


# What XML 1.0 cannot hold: the control characters Django's feed writer
# refuses, and the two noncharacters U+FFFE and U+FFFF, which it writes and
# every XML parser then refuses (XML 1.0, 2.2 Characters).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]")


def _xml_safe(value):
    """``value`` (a string, or strings in a list or a dict) without the
    characters XML 1.0 cannot hold."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    return value


def derived_id(base: str, name: str) -> str:
    """An id of its own for ``name`` within ``base``, an id that never
    changes: a name-based UUID (RFC 4122, version 5), the same each time."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base}#{name}')}"


class XmlSafe:
    """A feed's texts without the characters XML 1.0 cannot hold.
    A control character pasted into a title, an excerpt, a body or an
    author's name (a vertical tab from a word processor) made every feed
    that post is in a 500: Django's writer refuses the whole document. A
    U+FFFE (a byte-order mark read the wrong way round) it writes, and feed
    readers then refuse the whole feed as not well-formed. The pages show
    them harmlessly; the feeds leave them out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_safe, args), **{key: _xml_safe(value) for key, value in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_safe, args), **{key: _xml_safe(value) for key, value in kwargs.items()})


class RssWithContent(XmlSafe, Rss201rev2Feed):
    def rss_attributes(self):
        return super().rss_attributes() | {
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:media": MEDIA_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])
        if item.get("media"):
            handler.addQuickElement("media:content", "", item["media"])


class AtomWithContent(XmlSafe, Atom1Feed):
    def root_attributes(self):
        return super().root_attributes() | {"xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        if item.get("media"):
            handler.addQuickElement("media:content", "", item["media"])


class BlogFeed(Feed):
    """What every feed of the blog shares: its channel, absolute links."""

    feed_type = RssWithContent

    def __call__(self, request, *args, **kwargs):
        feed = copy.copy(self)  # one instance serves every request: keep the request off it
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    def absolute(self, url: str) -> str:
        return self.request.build_absolute_uri(url)

    # The channel

    def get_object(self, request, *args, **kwargs):
        return None

    def title(self, obj) -> str:
        return settings.BLOG["NAME"]

    def description(self, obj) -> str:
        return settings.BLOG["TAGLINE"]

    def subtitle(self, obj) -> str:
        return self.description(obj)

    def link(self, obj) -> str:
        return self.absolute(reverse("posts:list"))

    def feed_url(self, obj) -> str:
        return self.absolute(self.request.path)

    def feed_copyright(self, obj) -> str:
        return f"© {settings.BLOG['PUBLISHER']}"

    def with_absolute_links(self, html: str) -> str:
        """``html`` with its root-relative links and images made absolute:
        a feed reader resolves them against no address of this site."""
        origin = self.absolute("/").rstrip("/")
        return _ROOT_RELATIVE.sub(rf"\1{origin}/", html)


class PostFeed(BlogFeed):
    """The whole blog, newest first (RSS)."""

    def feed_guid(self, obj) -> str:
        return absolute_url(reverse("posts:feed_atom"))

    def posts(self, obj):
        return Post.objects.published()

    def items(self, obj):
        posts = self.posts(obj).select_related("author").prefetch_related("tags", CO_AUTHORS).with_co_author_flag()
        return posts[: settings.BLOG["FEED_ITEMS"]]

    # Each post

    def item_title(self, post: Post) -> str:
        return post.title

    def item_description(self, post: Post) -> str:
        # Feed readers render an RSS description and an Atom summary
        # (type="html") as HTML; the excerpt and the body's text are plain
        # text, so they are escaped once more to arrive as the words written.
        return escape(post.excerpt or Truncator(plain_text(post.body)).words(60), quote=False)

    def item_link(self, post: Post) -> str:
        return self.absolute(post.get_absolute_url())

    def item_guid(self, post: Post) -> str:
        return post.feed_id

    item_guid_is_permalink = False  # RSS: an identity, not an address to open

    def item_pubdate(self, post: Post):
        return post.published_at

    def item_updateddate(self, post: Post):
        return post.content_updated_at or post.published_at

    def item_author_name(self, post: Post) -> str:
        # "A and B": RSS and Atom items here carry one author element.
        return post.author_names

    def item_author_link(self, post: Post) -> str:
        return self.absolute(post.author.get_absolute_url())  # the primary author's

    def item_categories(self, post: Post) -> list[str]:
        return [tag.name for tag in post.tags.all()]

    def item_enclosures(self, post: Post) -> list[Enclosure]:
        if not post.thumbnail:
            return []
        try:
            length = str(post.thumbnail.size)
        except OSError:  # file missing from storage: still describe it
            length = "0"
        return [Enclosure(self.absolute(post.thumbnail.url), length, self._mime_type(post))]

    def item_extra_kwargs(self, post: Post) -> dict:
        extra = {}
        if settings.BLOG["FEED_FULL_CONTENT"]:
            extra["content_html"] = self.with_absolute_links(post.body)
        if post.thumbnail:
            extra["media"] = {
                "url": self.absolute(post.thumbnail.url),
                "medium": "image",
                "type": self._mime_type(post),
                "width": str(post.thumbnail_width or ""),
                "height": str(post.thumbnail_height or ""),
            }
        return extra

    @staticmethod
    def _mime_type(post: Post) -> str:
        return mimetypes.guess_type(post.thumbnail.name)[0] or "application/octet-stream"


class AtomPostFeed(PostFeed):
    feed_type = AtomWithContent


class TagFeed(PostFeed):
    """A tag's posts; a tag without published posts has no feed (404)."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            moved = moved_tag(request, kwargs["slug"])  # the slug was changed
            if moved is None:
                raise
            return moved

    def get_object(self, request, slug):
        tag = get_object_or_404(Tag.objects.select_related("profile"), slug=slug)
        if not TaggedPost.objects.published().filter(tag=tag).exists():
            raise Http404("No published posts have this tag.")
        return tag

    def title(self, tag) -> str:
        return f"{settings.BLOG['NAME']}: {tag.name}"

    def description(self, tag) -> str:
        return tag_description(tag) or f"Articles tagged “{tag.name}” on the {settings.BLOG['NAME']}."

    def link(self, tag) -> str:
        return self.absolute(reverse("posts:tag", args=[tag.slug]))

    def feed_guid(self, tag) -> str:
        return derived_id(super().feed_guid(tag), f"tag-{tag.pk}")

    def posts(self, tag):
        newest = TaggedPost.objects.published().filter(tag=tag).newest_posts(settings.BLOG["FEED_ITEMS"])
        return Post.objects.published().filter(pk__in=newest)


class AtomTagFeed(TagFeed):
    feed_type = AtomWithContent


class AuthorFeed(PostFeed):
    """An author's posts, co-written ones too; an author without published posts has no feed (404)."""

    def get_object(self, request, slug):
        author = get_object_or_404(with_co_writes(Author.objects.all()), slug=slug)
        if not self.posts(author).exists():
            raise Http404("This author has no published posts.")
        return author

    def title(self, author) -> str:
        return f"{settings.BLOG['NAME']}: {author.name}"

    def description(self, author) -> str:
        return f"Articles by {author.name} on the {settings.BLOG['NAME']}."

    def link(self, author) -> str:
        return self.absolute(author.get_absolute_url())

    def feed_guid(self, author) -> str:
        return derived_id(super().feed_guid(author), f"author-{author.pk}")

    def posts(self, author):
        posts = Post.objects.published()
        if not author.co_writes:
            return posts.by(author)
        # The newest of their own posts and of those they co-write, each read on its own index.
        return first_of_each(posts, posts.by_each(author), ("-published_at", "-pk"), settings.BLOG["FEED_ITEMS"])


class AtomAuthorFeed(AuthorFeed):
    feed_type = AtomWithContent


class CommentFeed(BlogFeed):
    """The newest public comments on the blog's published posts (RSS)."""

    def title(self, obj) -> str:
        return f"Comments on the {settings.BLOG['NAME']}"

    def description(self, obj) -> str:
        return f"The newest comments on the {settings.BLOG['NAME']}'s articles."

    def feed_guid(self, obj) -> str:
        return absolute_url(reverse("comment-feed-atom"))

    def comments(self, obj):
        """Public comments on published posts: a comment names its post by a
        text id, which no foreign key joins (``posts.comments.with_their_post``)."""
        published = Post.objects.published().filter(pk=Cast(OuterRef("object_pk"), BigIntegerField()))
        return public_comments().filter(content_type=ContentType.objects.get_for_model(Post)).filter(Exists(published))

    def items(self, obj):
        # The user and their author profile for a signed-in commenter's name,
        # the stored HTML of the text (as the article's thread reads them),
        # and the post's title (``post_title``), in the same query.
        newest = with_their_post(self.comments(obj).select_related(None).select_related("user__author", "body"))
        return newest.order_by("-submit_date", "-pk")[: settings.BLOG["FEED_ITEMS"]]

    def item_title(self, comment) -> str:
        return f"Comment on {comment.post_title} by {commenter_name(comment)}"

    def item_description(self, comment) -> str:
        # The text as the thread shows it: Markdown rendered and sanitized
        # when it was posted, so it is sent as HTML, as a post's body is.
        return self.with_absolute_links(comment_html(comment))

    def item_link(self, comment) -> str:
        return self.absolute(reverse("comment-permalink", args=[comment.pk]))

    def item_guid(self, comment) -> str:
        return absolute_url(reverse("comment-permalink", args=[comment.pk]))

    def item_pubdate(self, comment):
        return comment.submit_date

    def item_updateddate(self, comment):
        # Atom requires one <updated> an entry: when a moderator last
        # edited the text, which the thread shows too, or else when it was posted.
        return edited_at(comment) or comment.submit_date

    def item_author_name(self, comment) -> str:
        return commenter_name(comment)


class AtomCommentFeed(CommentFeed):
    feed_type = AtomWithContent


class PostCommentFeed(CommentFeed):
    """One published post's newest public comments (RSS); none for a post
    readers cannot see (404). A renamed post's old address leads on."""

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            renamed = SlugRedirect.renamed(kwargs["slug"])
            if renamed is None or not renamed.is_published:
                raise
            return HttpResponsePermanentRedirect(reverse(request.resolver_match.view_name, args=[renamed.slug]))

    def get_object(self, request, slug):
        return get_object_or_404(Post.objects.published(), slug=slug)

    def title(self, post) -> str:
        return f"Comments on “{post.title}”"

    def description(self, post) -> str:
        return f"The newest comments on “{post.title}”, on the {settings.BLOG['NAME']}."

    def link(self, post) -> str:
        return self.absolute(f"{post.get_absolute_url()}#comments")

    def feed_guid(self, post) -> str:
        return derived_id(post.feed_id, "comments")

    def items(self, post):
        newest = comments_for(post).select_related(None).select_related("user__author", "body")
        comments = list(newest.order_by("-submit_date", "-pk")[: settings.BLOG["FEED_ITEMS"]])
        for comment in comments:
            comment.post_title = post.title
        return comments


class AtomPostCommentFeed(PostCommentFeed):
    feed_type = AtomWithContent
