"""The blog as a WordPress export (WXR 1.2): a way out that WordPress's own
importer (Tools → Import → WordPress) and ``manage.py import_wordpress``
read.

Element names and namespaces are WordPress's own, as its ``export.php``
writes them; WordPress's importer looks them up by those prefixes. Posts of
every state go out (review as ``pending``, a scheduled post as ``future``),
with their tags and their public comments in thread order, parents first,
which is the order WordPress's importer needs to rebuild threads. Pages go
out as WordPress pages (published as ``publish``, drafts as ``draft``, with
their menu position); which menus show them is not in the file, as WordPress
keeps menus apart from pages. Bodies go out as stored: sanitized HTML whose
images keep their addresses here.

A post's thumbnail goes out as WordPress exports a featured image: an
attachment item whose ``wp:post_parent`` is the post, its file's address
in ``wp:attachment_url`` (WordPress's importer, asked to import
attachments, downloads it from there, as ``import_wordpress`` does unless
given ``--no-images``) and its alt text as ``_wp_attachment_image_alt``;
the post names it in ``_thumbnail_id``. Attachments are numbered after the
pages, in WordPress's one sequence of ids.

A post's co-authors go out as the Co-Authors Plus plugin keeps them (WordPress
core has one author a post): a term of taxonomy ``author`` for each of its
authors, its own author first, ``<category domain="author"
nicename="cap-{slug}">{slug}</category>``, which the plugin reads once
installed and ``import_wordpress`` reads back; each is among the file's
authors. A post signed by its author alone has none, as WordPress's own
export without the plugin.

A post that was mailed to subscribers (or is never to be: its
``PostNewsletter``) says so as Jetpack does, ``_jetpack_dont_email_post_to_subs``:
neither Jetpack nor ``import_wordpress`` mails it when it is published
again, a draft taken down after it went out included.

A post's search and social settings go out as Yoast SEO's post meta, which
WordPress keeps whether or not the plugin is installed, Yoast reads once it
is, and ``import_wordpress`` reads back: the meta title (written whole, as
Yoast shows a title without variables), description, canonical URL and
noindex. A page's description goes out as its excerpt and its Yoast
description.
"""

import html
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .comments import public_comments
from .import_seo import YOAST_CANONICAL, YOAST_DESCRIPTION, YOAST_NOINDEX, YOAST_TITLE
from .importers import JETPACK_DONT_EMAIL
from .models import CoAuthor, Page, Post, PostNewsletter, TagProfile
from .notifications import absolute_url

WXR_VERSION = "1.2"
NAMESPACES = {
    "excerpt": f"http://wordpress.org/export/{WXR_VERSION}/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": f"http://wordpress.org/export/{WXR_VERSION}/",
}
WP_STATUS = {Post.Status.DRAFT: "draft", Post.Status.REVIEW: "pending"}
NO_DATE = "0000-00-00 00:00:00"


def _name(tag: str) -> str:
    prefix, _, name = tag.rpartition(":")
    return f"{{{NAMESPACES[prefix]}}}{name}" if prefix else name


def _add(parent: ET.Element, tag: str, text="", **attributes) -> ET.Element:
    element = ET.SubElement(parent, _name(tag), attributes)
    element.text = str(text)
    return element


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else NO_DATE


def _gmt(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else NO_DATE


def _status(post: Post) -> str:
    if post.in_trash:
        return "trash"  # WordPress's importer puts it in its trash (our importer leaves it out)
    if post.status == Post.Status.PUBLISHED:
        return "future" if post.is_scheduled else "publish"
    return WP_STATUS[post.status]


def build_wxr() -> tuple[ET.ElementTree, Counter]:
    """The export document and counts of what it holds. Six queries: posts
    with their authors, their tags, their co-authors, all public comments,
    tag descriptions, pages."""
    for prefix, uri in NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    mailed = Exists(PostNewsletter.objects.filter(post=OuterRef("pk")))
    posts = list(
        Post.objects.select_related("author__user").prefetch_related("tags").annotate(mailed=mailed).order_by("pk")
    )
    co_authors = defaultdict(list)
    for link in CoAuthor.objects.select_related("author__user").order_by("post", "position", "pk"):
        co_authors[link.post_id].append(link.author)
    comments = defaultdict(list)
    content_type = ContentType.objects.get_for_model(Post)
    for comment in public_comments().filter(content_type=content_type).order_by("thread_id", "order"):
        comments[comment.object_pk].append(comment)

    site = absolute_url("/").rstrip("/")
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _add(channel, "title", settings.BLOG["NAME"])
    _add(channel, "link", site)
    _add(channel, "description")
    _add(channel, "pubDate", format_datetime(timezone.now().astimezone(UTC), usegmt=False))
    _add(channel, "language", settings.LANGUAGE_CODE)
    _add(channel, "wp:wxr_version", WXR_VERSION)
    _add(channel, "wp:base_site_url", site)
    _add(channel, "wp:base_blog_url", site)

    authors = {author.pk: author for post in posts for author in [post.author, *co_authors[post.pk]]}
    author_of_user = {author.user_id: author.pk for author in authors.values() if author.user_id}
    for author in authors.values():
        element = _add(channel, "wp:author")
        user = author.user
        _add(element, "wp:author_id", author.pk)
        _add(element, "wp:author_login", author.slug)
        _add(element, "wp:author_email", user.email if user else "")
        _add(element, "wp:author_display_name", author.name)
        _add(element, "wp:author_first_name", user.first_name if user else "")
        _add(element, "wp:author_last_name", user.last_name if user else "")

    tags = {tag.pk: tag for post in posts for tag in post.tags.all()}
    descriptions = dict(
        TagProfile.objects.filter(tag__in=tags).exclude(description="").values_list("tag", "description")
    )
    for tag in sorted(tags.values(), key=lambda tag: tag.name.casefold()):
        element = _add(channel, "wp:tag")
        _add(element, "wp:term_id", tag.pk)
        _add(element, "wp:tag_slug", tag.slug)
        _add(element, "wp:tag_name", tag.name)
        if tag.pk in descriptions:
            _add(element, "wp:tag_description", descriptions[tag.pk])

    # WordPress numbers posts, pages and attachments in one sequence, and
    # its importer maps items by that number: pages are numbered after the
    # last post, thumbnails' attachments after the last page.
    first_page_id = max((post.pk for post in posts), default=0)
    pages = list(Page.objects.order_by("pk"))
    first_attachment_id = first_page_id + max((page.pk for page in pages), default=0)

    counts = Counter(posts=len(posts), authors=len(authors), tags=len(tags), pages=len(pages))
    for post in posts:
        item = ET.SubElement(channel, "item")
        url = absolute_url(post.get_absolute_url())
        _add(item, "title", post.title)
        _add(item, "link", url)
        _add(item, "pubDate", format_datetime(post.published_at.astimezone(UTC)) if post.published_at else "")
        _add(item, "dc:creator", post.author.slug)
        _add(item, "guid", url, isPermaLink="false")
        _add(item, "description")
        _add(item, "content:encoded", post.body)
        _add(item, "excerpt:encoded", post.excerpt)
        _add(item, "wp:post_id", post.pk)
        # A draft's date is when it was started; WordPress leaves its GMT date empty.
        _add(item, "wp:post_date", _local(post.published_at or post.created_at))
        _add(item, "wp:post_date_gmt", _gmt(post.published_at))
        _add(item, "wp:post_modified", _local(post.updated_at))
        _add(item, "wp:post_modified_gmt", _gmt(post.updated_at))
        _add(item, "wp:comment_status", "open" if post.allow_comments else "closed")
        _add(item, "wp:ping_status", "closed")
        _add(item, "wp:post_name", post.slug)
        _add(item, "wp:status", _status(post))
        _add(item, "wp:post_parent", 0)
        _add(item, "wp:menu_order", 0)
        _add(item, "wp:post_type", "post")
        _add(item, "wp:post_password")
        _add(item, "wp:is_sticky", int(post.featured))
        for tag in post.tags.all():
            _add(item, "category", tag.name, domain="post_tag", nicename=tag.slug)
        if co_authors[post.pk]:
            for author in [post.author, *co_authors[post.pk]]:
                _add(item, "category", author.slug, domain="author", nicename=f"cap-{author.slug}")
        if post.thumbnail:
            _add_meta(item, "_thumbnail_id", str(first_attachment_id + post.pk))
        _add_meta(item, YOAST_TITLE, post.meta_title)
        _add_meta(item, YOAST_DESCRIPTION, post.meta_description)
        _add_meta(item, YOAST_CANONICAL, post.canonical_url)
        _add_meta(item, YOAST_NOINDEX, "1" if post.noindex else "")
        _add_meta(item, JETPACK_DONT_EMAIL, "1" if post.mailed else "")
        if post.in_trash:
            # What WordPress records of a trashed post: its status before, and
            # since when (its own trash is emptied counting from then).
            _add_meta(item, "_wp_trash_meta_status", post.status)
            _add_meta(item, "_wp_trash_meta_time", str(int(post.trashed_at.timestamp())))
        exported = set()
        for comment in comments[str(post.pk)]:
            element = _add(item, "wp:comment")
            parent = comment.parent_id if comment.parent_id != comment.pk and comment.parent_id in exported else 0
            _add(element, "wp:comment_id", comment.pk)
            _add(element, "wp:comment_author", comment.user_name)
            _add(element, "wp:comment_author_email", comment.user_email)
            _add(element, "wp:comment_author_url", comment.user_url)
            _add(element, "wp:comment_author_IP", comment.ip_address or "")
            _add(element, "wp:comment_date", _local(comment.submit_date))
            _add(element, "wp:comment_date_gmt", _gmt(comment.submit_date))
            # WordPress stores comments as HTML; ours are plain text.
            _add(element, "wp:comment_content", html.escape(comment.comment, quote=False))
            _add(element, "wp:comment_approved", 1)
            _add(element, "wp:comment_type", "comment")
            _add(element, "wp:comment_parent", parent)
            _add(element, "wp:comment_user_id", author_of_user.get(comment.user_id, 0))
            exported.add(comment.pk)
        counts["comments"] += len(exported)

    for page in pages:
        _add_page(channel, page, first_page_id + page.pk)
    for post in posts:
        if post.thumbnail:
            _add_thumbnail(channel, post, first_attachment_id + post.pk)
    ET.indent(rss, space="\t")
    return ET.ElementTree(rss), counts


def _add_page(channel: ET.Element, page: Page, item_id: int) -> None:
    """A page as WordPress writes one. Pages have no author here: an empty
    ``dc:creator``, which WordPress's importer gives to whoever imports.
    Their only date is when they were written."""
    item = ET.SubElement(channel, "item")
    url = absolute_url(page.get_absolute_url())
    _add(item, "title", page.title)
    _add(item, "link", url)
    _add(item, "pubDate", format_datetime(page.created_at.astimezone(UTC)))
    _add(item, "dc:creator")
    _add(item, "guid", url, isPermaLink="false")
    _add(item, "description")
    _add(item, "content:encoded", page.body)
    _add(item, "excerpt:encoded", page.description)
    _add(item, "wp:post_id", item_id)
    _add(item, "wp:post_date", _local(page.created_at))
    _add(item, "wp:post_date_gmt", _gmt(page.created_at if page.published else None))
    _add(item, "wp:post_modified", _local(page.updated_at))
    _add(item, "wp:post_modified_gmt", _gmt(page.updated_at))
    _add(item, "wp:comment_status", "closed")
    _add(item, "wp:ping_status", "closed")
    _add(item, "wp:post_name", page.slug)
    _add(item, "wp:status", "publish" if page.published else "draft")
    _add(item, "wp:post_parent", 0)
    _add(item, "wp:menu_order", page.menu_order)
    _add(item, "wp:post_type", "page")
    _add(item, "wp:post_password")
    _add(item, "wp:is_sticky", 0)
    _add_meta(item, YOAST_DESCRIPTION, page.description)


def _add_thumbnail(channel: ET.Element, post: Post, item_id: int) -> None:
    """A post's thumbnail as WordPress exports a featured image: an
    attachment of the post, whose file its importer downloads from
    ``wp:attachment_url``. Its dates are the post's: when the image was
    uploaded is not kept."""
    url = post.thumbnail.url
    url = url if urlsplit(url).scheme else absolute_url(url)
    name = PurePosixPath(post.thumbnail.name).stem
    item = ET.SubElement(channel, "item")
    _add(item, "title", name)
    _add(item, "link", url)
    _add(item, "pubDate", format_datetime(post.created_at.astimezone(UTC)))
    _add(item, "dc:creator", post.author.slug)
    _add(item, "guid", url, isPermaLink="false")
    _add(item, "description")
    _add(item, "content:encoded")
    _add(item, "excerpt:encoded")
    _add(item, "wp:post_id", item_id)
    _add(item, "wp:post_date", _local(post.created_at))
    _add(item, "wp:post_date_gmt", _gmt(post.created_at))
    _add(item, "wp:post_modified", _local(post.updated_at))
    _add(item, "wp:post_modified_gmt", _gmt(post.updated_at))
    _add(item, "wp:comment_status", "closed")
    _add(item, "wp:ping_status", "closed")
    _add(item, "wp:post_name", name)
    _add(item, "wp:status", "inherit")
    _add(item, "wp:post_parent", post.pk)
    _add(item, "wp:menu_order", 0)
    _add(item, "wp:post_type", "attachment")
    _add(item, "wp:post_password")
    _add(item, "wp:is_sticky", 0)
    _add(item, "wp:attachment_url", url)
    _add_meta(item, "_wp_attachment_image_alt", post.thumbnail_alt)


def _add_meta(item: ET.Element, key: str, value: str) -> None:
    """A custom field (``wp:postmeta``), left out when empty: WordPress's own
    export has none for a setting nobody filled in."""
    if value:
        element = _add(item, "wp:postmeta")
        _add(element, "wp:meta_key", key)
        _add(element, "wp:meta_value", value)


def write_wxr(stream) -> Counter:
    """Write the export to a binary stream; return counts of what it holds."""
    document, counts = build_wxr()
    document.write(stream, encoding="UTF-8", xml_declaration=True)
    return counts
