"""Bring a WordPress or Ghost blog over: authors, posts, pages, tags and comments.

Each format is read into the same plain records (``Source``) first, checked
as a whole; a malformed file stops there with ``ImportProblem`` and nothing
is written. ``save_source`` then writes everything in one transaction.

Imports have no side effects beyond the rows: no comment or editorial email
and no newsletter. Mail goes out only from the named entry points the admin
and the comment view call (``posts.notifications``, ``editorial_mail``,
``subscriptions.post_saved``), and nothing here calls them; posts already
live are also recorded as mailed (to nobody), so saving one in the admin
later does not send it to subscribers as news; so are posts the file says
were sent, or are not to be (Jetpack's ``_jetpack_dont_email_post_to_subs``,
which ``export_wordpress`` writes too), drafts among them, and posts Ghost
emailed (its email-only posts, "sent", arrive as drafts).

Images come along (``posts.import_images``): those in bodies, posts'
featured images (WordPress's ``_thumbnail_id``, Ghost's ``feature_image``)
as thumbnails, and Ghost's ``profile_image`` as the author's photo. They are
downloaded before the transaction; an image that cannot be had keeps its old
address and is named in the summary. Without downloads (``--no-images``)
the summary names each body whose images stay on the old site, which
readers' browsers do not load here.

Pages (About, Contact…) become ``Page`` rows, flat and in no menu: which
pages the header and footer show is the editors' choice here, not the old
theme's. A page keeps its old slug unless the blog uses that address for
itself (``/tags/``): it then gets "-page" added, with a note, so its text
still comes over and nobody's address is taken.
"""

import contextlib
import html
import ipaddress
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.redirects.models import Redirect
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from authors.models import Author
from authors.roles import AUTHORS, ensure_groups
from skolr_blog.fetching import Policy

from .comment_format import render_markdown
from .comments import comments_for
from .import_images import ImageImport
from .import_seo import SearchSettings, checked, from_ghost, from_wordpress, page_description
from .models import (
    EARLIEST_PUBLISH_DATE,
    LATEST_PUBLISH_DATE,
    CoAuthor,
    CommentBody,
    CommentReview,
    HoldReason,
    Page,
    Post,
    PostNewsletter,
    TagProfile,
)
from .page_models import reserved_slugs
from .redirects import as_sent
from .revisions import changed_since_revision, put_back
from .tagging import tag_name_problem
from .wp_shortcodes import MediaLibrary, expander


class ImportProblem(Exception):
    """The file cannot be imported; the message says where and why."""


@dataclass
class AuthorRecord:
    key: str  # the author's login (WordPress) or id (Ghost)
    login: str
    name: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    bio: str = ""
    website: str = ""
    x: str = ""
    photo_url: str = ""

    @property
    def slug(self) -> str:
        """The author's address here, which an earlier import gave them too."""
        return slugify(self.login)[:100].strip("-") or slugify(self.name)[:100].strip("-") or f"author-{self.key}"


@dataclass
class CommentRecord:
    key: str
    parent_key: str  # "" for a comment that starts a thread
    name: str
    email: str
    url: str
    ip: str
    submitted_at: datetime
    text: str
    is_public: bool  # approved on the old blog; else held for a moderator here
    author_key: str = ""  # the comment was written signed in, as this author


@dataclass
class PostRecord:
    key: str
    title: str
    slug: str
    author_key: str
    body: str
    excerpt: str
    status: str
    published_at: datetime | None
    tags: list[str]
    allow_comments: bool = True
    featured: bool = False
    search: SearchSettings = field(default_factory=SearchSettings)  # meta title, description, canonical, noindex
    old_path: str = ""  # its address on the old site, to redirect from
    thumbnail_url: str = ""  # its featured image on the old site
    thumbnail_alt: str = ""
    comments: list[CommentRecord] = field(default_factory=list)
    # The second author on (Ghost's, or Co-Authors Plus's on WordPress), in the file's order.
    co_author_keys: list[str] = field(default_factory=list)
    mailed: bool = False  # sent to subscribers there (or never to be): publishing it here mails nobody


@dataclass
class PageRecord:
    key: str
    title: str
    slug: str
    body: str
    description: str
    published: bool
    menu_order: int = 0
    old_path: str = ""
    show_in_header: bool = False  # Ghost's navigation names it
    show_in_footer: bool = False  # Ghost's secondary navigation names it


@dataclass
class Source:
    authors: dict[str, AuthorRecord] = field(default_factory=dict)
    posts: list[PostRecord] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)
    tag_descriptions: dict[str, str] = field(default_factory=dict)  # by tag name
    left_out: Counter = field(default_factory=Counter)  # what the file has that is not imported, by kind
    notes: list[str] = field(default_factory=list)  # what was changed on the way in, for the summary


# --- Bodies, titles, excerpts --------------------------------------------------

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
_TOP_HEADING = re.compile(r"<(/?)h1\b", re.IGNORECASE)
_SMALL_HEADING = re.compile(r"<(/?)h[56]\b", re.IGNORECASE)
_DIV = re.compile(r"</?div\b[^>]*>", re.IGNORECASE)
_IFRAME = re.compile(r"<iframe\b[^>]*?\bsrc=[\"'](https?://[^\"']+)[\"'][^>]*>.*?</iframe>", re.IGNORECASE | re.DOTALL)
_CAPTION = re.compile(
    r"\[caption\b[^\]]*\]\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*?)\[/caption\]", re.IGNORECASE | re.DOTALL
)
_PRE = re.compile(r"<pre\b.*?</pre>", re.IGNORECASE | re.DOTALL)
_BLOCK_START = re.compile(
    r"</?(?:p|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|pre|figure|figcaption|table|thead|tbody|tfoot|tr|td|th|hr|"
    r"div|section|article|aside|header|footer|nav|address|details|summary|form|fieldset)\b|<!--",
    re.IGNORECASE,
)


def autop(text: str) -> str:
    """Wrap text separated by blank lines in paragraphs, as WordPress's
    ``wpautop`` does when it shows a classic-editor post: such posts are
    stored as plain text with blank lines, not ``<p>``. A chunk that already
    starts with a block element is left alone; code blocks are untouched; a
    single newline in a paragraph is a line break."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    chunks = []
    for chunk in re.split(r"\n\s*\n", _PRE.sub(keep, text)):
        chunk = chunk.strip()
        if not chunk:
            continue
        if chunk.startswith("\x00") or _BLOCK_START.match(chunk):
            chunks.append(chunk)
        else:
            chunks.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return re.sub(r"\x00(\d+)\x00", lambda match: kept[int(match.group(1))], "\n".join(chunks))


def _figure(caption: re.Match) -> str:
    """A WordPress ``[caption]`` as a figure; one with no text gets no
    ``<figcaption>``, which would leave an empty line under the image."""
    image, text = caption.group(1), caption.group(2).strip()
    return f"<figure>{image}<figcaption>{text}</figcaption></figure>" if text else f"<figure>{image}</figure>"


def prepare_body(body: str, shortcodes: Callable[[str], str] | None = None) -> str:
    """An old blog's post HTML, shaped for our editor before the sanitizer
    (``Post.save``) runs: block comments gone, WordPress's ``shortcodes``
    expanded (``posts.wp_shortcodes``), headings moved into the h2–h4 the
    editor has (an h1 would lose its tag and run into the next line), divs
    unwrapped into paragraphs, embedded frames turned into links, WordPress
    captions into figures, and bare text into paragraphs."""
    body = _BLOCK_COMMENT.sub("", body or "")
    if shortcodes is not None:
        body = shortcodes(body)
    body = _TOP_HEADING.sub(r"<\1h2", body)
    body = _SMALL_HEADING.sub(r"<\1h4", body)
    body = _IFRAME.sub(lambda match: f'\n\n<p><a href="{match.group(1)}">{match.group(1)}</a></p>\n\n', body)
    body = _CAPTION.sub(_figure, body)
    body = _DIV.sub("\n\n", body)
    return autop(body)


def plain_text(value: str) -> str:
    """Text from a field that may hold markup or entities (titles, excerpts)."""
    return " ".join(html.unescape(strip_tags(value or "")).split())


def _anchor_text(match: re.Match) -> str:
    href, text = match.group(1), strip_tags(match.group(2)).strip()
    return href if not text or text == href else f"{text} ({href})"


_ANCHOR = re.compile(r"<a\b[^>]*?\bhref=[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)


def comment_text(value: str) -> str:
    """A WordPress comment (light HTML) as the text our comments are (read
    as Markdown, in which plain text stays itself): a link keeps its
    address, paragraphs their blank lines."""
    value = _ANCHOR.sub(_anchor_text, value or "")
    value = re.sub(r"</p>\s*<p[^>]*>", "\n\n", value, flags=re.IGNORECASE)
    value = re.sub(r"<br\s*/?>", "\n", value, flags=re.IGNORECASE)
    return html.unescape(strip_tags(value)).strip()


def _limit(value: str, limit: int, what: str, source: Source) -> str:
    if len(value) <= limit:
        return value
    source.notes.append(f"{what} was shortened to {limit} characters.")
    return value[: limit - 1].rstrip() + "…"


def _wanted_slug(raw: str, title: str, fallback: str) -> str:
    """The old address when it is a valid slug here (WordPress stores
    non-ASCII ones percent-encoded), else one made from the title."""
    return slugify(unquote(raw or ""))[:200].strip("-") or slugify(title)[:200].strip("-") or fallback


def _unique(slug: str, key: str, taken: set[str]) -> str:
    """``slug``, or with the item's id added when another item of the file
    has it. Deterministic, so a second run finds the same one."""
    if slug in taken:
        slug = f"{slug[:190]}-{key}"
    taken.add(slug)
    return slug


def _slug(raw: str, title: str, key: str, taken: set[str]) -> str:
    """The post's address (``/posts/<slug>/``): its old one, else from the
    title, else from its id."""
    return _unique(_wanted_slug(raw, title, f"post-{key}"), key, taken)


def _page_slug(raw: str, title: str, key: str, taken: set[str], what: str, source: Source) -> str:
    """The page's address (``/<slug>/``), in a namespace of its own: a page
    may share a post's slug. A slug the blog uses for itself (``tags``,
    ``search``…) would be refused, and skipping the page would lose its
    text, so it gets "-page" added (``/tags-page/``); that, or two pages of
    the file wanting one slug (WordPress child pages are unique only among
    their siblings), is said in a note."""
    wanted = _wanted_slug(raw, title, f"page-{key}")
    slug = f"{wanted[:195]}-page" if wanted in reserved_slugs() else wanted
    slug = _unique(slug, key, taken)
    if slug != wanted:
        why = "is one of the blog's own addresses" if wanted in reserved_slugs() else "is another page's in the file"
        source.notes.append(f"{what}: /{wanted}/ {why}; imported at /{slug}/.")
    return slug


def _menu_order(value: str, what: str, source: Source) -> int:
    try:
        order = int(value or 0)
    except ValueError:
        raise ImportProblem(f"{what}: the menu order {value!r} is not a whole number.") from None
    kept = min(max(order, 0), 32767)
    if kept != order:
        source.notes.append(f"{what}: menu order {order} is {kept} here (0 to 32767).")
    return kept


def _tags(names: list[str], title: str, source: Source) -> list[str]:
    tags: dict[str, str] = {}
    for name in names:
        name = plain_text(name)
        if not name:
            continue
        if problem := tag_name_problem(name):
            source.notes.append(f"“{title}”: tag left out. {problem}")
            continue
        tags.setdefault(name.casefold(), name)
    return list(tags.values())


def _old_path(link: str) -> str:
    """The path of a WordPress permalink, to redirect from; "" when it can
    never reach the redirects: a query string (``/?p=12``, WordPress's plain
    links: our home answers those), the home itself, or too long to store."""
    parts = urlsplit(link)
    path = as_sent(parts.path or "/")  # WordPress writes /%c3%bcber-uns/; readers' requests come as /%C3%BCber-uns/
    if parts.query or path == "/" or len(path) > Redirect._meta.get_field("old_path").max_length:
        return ""
    return path


def _save_redirect(old_path: str, new_path: str, live: bool, counts: Counter, waiting: list[str]) -> None:
    """Have the old site's address of a post or page answer with a 301 to
    its address here (``django.contrib.redirects``: only addresses that are
    otherwise a 404). One an editor already set is left as it is.

    A post or page that is not live here (a draft, in review, scheduled)
    gets its redirect too: it is followed only once the target is live
    (``posts.redirects``), and a 404 until then, never a 301 to a 404.
    ``waiting`` collects those addresses for the summary."""
    if old_path and old_path != new_path:
        _, created = Redirect.objects.get_or_create(
            site_id=settings.SITE_ID, old_path=old_path, defaults={"new_path": new_path}
        )
        counts["redirects", "created" if created else "kept"] += 1
        if created and not live:
            waiting.append(old_path)


def _check_date(value: datetime | None, what: str) -> datetime | None:
    if value is not None and not EARLIEST_PUBLISH_DATE <= value < LATEST_PUBLISH_DATE:
        first, last = EARLIEST_PUBLISH_DATE.year, LATEST_PUBLISH_DATE.year - 1
        raise ImportProblem(f"{what}: the date {value:%Y-%m-%d} is not in a year from {first} to {last}.")
    return value


# --- WordPress (WXR) -------------------------------------------------------------

# WXR names its namespaces by version (…/export/1.0/ to …/export/1.2/); tags
# are renamed to short prefixes once, whichever version wrote the file.
_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://purl.org/dc/elements/1.1/": "dc:",
    "http://wellformedweb.org/CommentAPI/": "wfw:",
}
_WP_NAMESPACE = re.compile(r"^\{http://wordpress\.org/export/[\d.]+/(excerpt/)?\}")

WP_STATUSES = {
    "publish": Post.Status.PUBLISHED,
    "future": Post.Status.PUBLISHED,  # scheduled: a future publish date
    "draft": Post.Status.DRAFT,
    "pending": Post.Status.REVIEW,
    "private": Post.Status.DRAFT,  # nobody but its author saw it; an editor decides
}
_NO_DATE = {"", "0000-00-00 00:00:00"}
# Jetpack's "Don't send this to subscribers", which it also sets once it has
# sent a post: a post with it is not mailed when it is published (again).
JETPACK_DONT_EMAIL = "_jetpack_dont_email_post_to_subs"


class _NoDoctype(ET.TreeBuilder):
    """WordPress writes no DOCTYPE. Refusing one refuses every entity
    declaration with it, so no file can expand entities (the "billion
    laughs") or name external ones; expat never fetches those anyway."""

    def doctype(self, name, pubid, system):
        raise ImportProblem("the file declares a DOCTYPE, which a WordPress export never has; refused.")


def _short_tag(tag: str) -> str:
    if match := _WP_NAMESPACE.match(tag):
        return ("excerpt:" if match.group(1) else "wp:") + tag[match.end() :]
    if tag.startswith("{"):
        uri, _, name = tag[1:].partition("}")
        return _NAMESPACES.get(uri, f"{{{uri}}}") + name
    return tag


def _parse_xml(path: Path) -> ET.Element:
    parser = ET.XMLParser(target=_NoDoctype())  # noqa: S314 (no DOCTYPE, hence no entities: see _NoDoctype)
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 16):
                parser.feed(chunk)
        root = parser.close()
    except ET.ParseError as error:
        raise ImportProblem(f"not well-formed XML ({error}).") from error
    for element in root.iter():
        element.tag = _short_tag(element.tag)
    return root


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((child for child in element if child.tag == name), None)


def _text(element: ET.Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def _meta(item: ET.Element, key: str) -> str:
    """A custom field of an item (``<wp:postmeta>``), e.g. ``_thumbnail_id``."""
    for meta in item.iter("wp:postmeta"):
        if _text(meta, "wp:meta_key") == key:
            return _text(meta, "wp:meta_value")
    return ""


def _raw(element: ET.Element, name: str) -> str:
    """Text kept as written (bodies: their blank lines are paragraphs)."""
    child = _child(element, name)
    return child.text or "" if child is not None else ""


def _wp_date(value: str, what: str) -> datetime | None:
    if value in _NO_DATE:
        return None
    try:
        return _check_date(datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC), what)
    except ValueError:
        raise ImportProblem(f"{what}: {value!r} is not a date (YYYY-MM-DD HH:MM:SS).") from None


def _undated_live_post(item: ET.Element, what: str, source: Source) -> datetime:
    """The date of a published or scheduled post WordPress has no UTC date
    for (``wp:post_date_gmt`` "0000-00-00 00:00:00", as some importers and
    old clients left it): its ``pubDate``, unless that is how WordPress
    writes no date ("Mon, 30 Nov -0001 …", which Python reads as a day of
    the year 2000), else its ``wp:post_date``, the old blog's local time,
    taken as UTC and said in a note (the file does not say the zone)."""
    if (published := _text(item, "pubDate")) and "-0001" not in published:
        with contextlib.suppress(TypeError, ValueError):
            return _check_date(parsedate_to_datetime(published), what)
    if local := _wp_date(_text(item, "wp:post_date"), what):
        source.notes.append(
            f"{what} has no UTC date in the file: its local date there, {local:%Y-%m-%d %H:%M}, was taken as UTC; "
            "correct it if the old blog was in another time zone."
        )
        return local
    raise ImportProblem(f"{what} is published but has no date (<wp:post_date_gmt>, <pubDate> or <wp:post_date>).")


def read_wordpress(path: Path) -> Source:
    """A WordPress export (Tools → Export, WXR 1.0 to 1.2) as records."""
    root = _parse_xml(path)
    channel = _child(root, "channel") if root.tag == "rss" else None
    if channel is None or not _text(channel, "wp:wxr_version"):
        raise ImportProblem("not a WordPress export: no <rss><channel> with a <wp:wxr_version>.")
    source = Source()
    site = [_text(channel, "wp:base_site_url"), _text(channel, "wp:base_blog_url"), _text(channel, "link")]
    logins_by_id: dict[str, str] = {}
    for element in channel.iter("wp:author"):
        login = _text(element, "wp:author_login")
        if not login:
            raise ImportProblem("an author (<wp:author>) has no <wp:author_login>.")
        logins_by_id[_text(element, "wp:author_id")] = login
        source.authors[login] = AuthorRecord(
            key=login,
            login=login,
            name=plain_text(_text(element, "wp:author_display_name")) or login,
            email=_text(element, "wp:author_email"),
            first_name=plain_text(_text(element, "wp:author_first_name")),
            last_name=plain_text(_text(element, "wp:author_last_name")),
        )
    for element in channel:
        if element.tag in ("wp:tag", "wp:category"):
            name = plain_text(_text(element, "wp:tag_name") or _text(element, "wp:cat_name"))
            description = plain_text(_text(element, "wp:tag_description") or _text(element, "wp:category_description"))
            if name and description:
                source.tag_descriptions[name] = description
    slugs: set[str] = set()
    page_slugs: set[str] = set()
    parents: dict[str, tuple[str, str]] = {}  # a child page's key: its parent's, its old address
    # The media library first: a gallery or a featured image may come before its items.
    library = MediaLibrary()
    for item in channel.iter("item"):
        if _text(item, "wp:post_type") == "attachment":
            ident = _text(item, "wp:post_id")
            alt = plain_text(_meta(item, "_wp_attachment_image_alt")) or plain_text(_text(item, "title"))
            library.items[ident] = (_text(item, "wp:attachment_url"), alt)
            library.attached.setdefault(_text(item, "wp:post_parent"), []).append(ident)
    featured: dict[str, str] = {}  # a post's key: its featured image's attachment id
    for item in channel.iter("item"):
        post_type, wp_status = _text(item, "wp:post_type") or "post", _text(item, "wp:status")
        if post_type == "page":
            if page := _wp_page(item, page_slugs, site, source, library):
                source.pages.append(page)
                if _text(item, "wp:post_parent") not in ("", "0"):
                    parents[page.key] = (_text(item, "wp:post_parent"), _text(item, "link"))
                if _meta(item, "_thumbnail_id"):
                    source.notes.append(f"page “{page.title}”: featured image not imported (pages have none here).")
            continue
        if post_type != "post":
            source.left_out[post_type.replace("_", " ")] += 1
            continue
        if wp_status not in WP_STATUSES:
            source.left_out[f"post ({wp_status or 'no status'})"] += 1
            continue
        key = _text(item, "wp:post_id") or str(len(source.posts) + 1)
        title = plain_text(_text(item, "title")) or f"Untitled post {key}"
        what = f"post “{title}”"
        login = _text(item, "dc:creator")
        if not login:
            raise ImportProblem(f"{what} has no author (<dc:creator>).")
        source.authors.setdefault(login, AuthorRecord(key=login, login=login, name=login))
        co_authors = _co_authors_plus(item, login, source)
        status = WP_STATUSES[wp_status]
        if status == Post.Status.PUBLISHED and _text(item, "wp:post_password"):
            # Readers needed a password there; here it would be open to all.
            source.notes.append(f"{what} was password-protected on WordPress: imported as a draft.")
            status = Post.Status.DRAFT
        # A draft keeps its date too, as WordPress does: one taken back from
        # publishing keeps the date it went live (publishing it again here
        # keeps it, as WordPress would); one never dated has none.
        published_at = _wp_date(_text(item, "wp:post_date_gmt"), what)
        if status == Post.Status.PUBLISHED and published_at is None:
            published_at = _undated_live_post(item, what, source)
        if wp_status == "private":
            source.notes.append(f"{what} was private on WordPress: imported as a draft.")
        if wp_status == "future" and published_at is not None and published_at <= timezone.now():
            # WordPress's "Missed schedule": its time passed and it never went
            # live there; published here at once, readers would see it first.
            source.notes.append(
                f"{what} was scheduled on WordPress for {published_at:%Y-%m-%d %H:%M} UTC and never went live "
                "(a missed schedule): imported as a draft."
            )
            status = Post.Status.DRAFT
        categories = [
            element.text or ""
            for element in item.iter("category")
            if element.get("domain") == "post_tag"
            or (element.get("domain") == "category" and element.get("nicename") != "uncategorized")
        ]
        title = _limit(title, 200, f"The title of {what}", source)
        excerpt = _limit(plain_text(_raw(item, "excerpt:encoded")), 300, f"The excerpt of {what}", source)
        found = from_wordpress(_postmeta(item), title=title, excerpt=excerpt, site=site, what=what, notes=source.notes)
        post = PostRecord(
            key=key,
            title=title,
            slug=_slug(_text(item, "wp:post_name"), title, key, slugs),
            author_key=login,
            body=prepare_body(_raw(item, "content:encoded"), expander(library, key, what, source.notes)),
            excerpt=excerpt,
            status=status,
            published_at=published_at,
            tags=_tags(categories, title, source),
            allow_comments=_text(item, "wp:comment_status") != "closed",
            # A sticky post stays at the top of WordPress's front page: featured here.
            featured=_text(item, "wp:is_sticky") == "1",
            search=checked(found, what, source.notes),
            old_path=_old_path(_text(item, "link")),
            co_author_keys=co_authors,
            mailed=_meta(item, JETPACK_DONT_EMAIL) not in ("", "0"),
        )
        post.comments = _wp_comments(item, what, logins_by_id, source)
        if thumbnail_id := _meta(item, "_thumbnail_id"):
            featured[key] = thumbnail_id
        source.posts.append(post)
    # Attachments may come after the posts that feature them.
    for post in source.posts:
        if post.key in featured:
            post.thumbnail_url, post.thumbnail_alt = library.items.get(featured[post.key], ("", ""))
            if not post.thumbnail_url:
                source.notes.append(
                    f"post “{post.title}”: its featured image (attachment {featured[post.key]}) is not in the file."
                )
    # Parents may come after their children in the file: named once all are read.
    pages = {page.key: page for page in source.pages}
    for page in source.pages:
        if page.key in parents:
            parent_key, link = parents[page.key]
            under = f"under “{pages[parent_key].title}”" if parent_key in pages else "under another page"
            was = f" ({link})" if link else ""
            source.notes.append(
                f"page “{page.title}” was {under} on WordPress{was}: it is at /{page.slug}/ here, "
                "as pages are not nested."
            )
    return source


def _co_authors_plus(item: ET.Element, login: str, source: Source) -> list[str]:
    """The logins of a post's co-authors, from the terms the Co-Authors Plus
    plugin gives it (WordPress core has one author a post): one of taxonomy
    ``author`` for each author, ``<category domain="author"
    nicename="cap-{nicename}">{login}</category>``, the post's own author
    (``dc:creator``) among them. The others are its co-authors here, in the
    file's order (WordPress's export lists terms by name; the plugin's own
    order is not in the file). A login that is not among the file's authors
    (one of the plugin's guest authors) becomes an author as an unknown
    ``dc:creator`` does, matched by its slug to an author already here."""
    logins: list[str] = []
    for element in item.iter("category"):
        if element.get("domain") == "author":
            name = (element.text or "").strip() or (element.get("nicename") or "").removeprefix("cap-")
            if name and name != login and name not in logins:
                logins.append(name)
                source.authors.setdefault(name, AuthorRecord(key=name, login=name, name=name))
    return logins


# Pages have no review and no date here: only a published page is public.
WP_PAGE_STATUSES = {"publish": True, "future": False, "draft": False, "pending": False, "private": False}


def _wp_page(
    item: ET.Element, taken: set[str], site: list[str], source: Source, library: MediaLibrary
) -> PageRecord | None:
    """A WordPress page as a record, or None when it is left out (trash,
    auto-draft). Its author is not needed: a page is the blog speaking. Its
    comments are left out and counted. Its description is the one Yoast or
    Rank Math gave search engines, else its excerpt."""
    wp_status = _text(item, "wp:status")
    if wp_status not in WP_PAGE_STATUSES:
        source.left_out[f"page ({wp_status or 'no status'})"] += 1
        return None
    if comments := sum(1 for _ in item.iter("wp:comment")):
        source.left_out["comment on a page"] += comments
    key = _text(item, "wp:post_id") or f"p{len(source.pages) + 1}"
    title = plain_text(_text(item, "title")) or f"Untitled page {key}"
    what = f"page “{title}”"
    published = WP_PAGE_STATUSES[wp_status]
    if wp_status in ("private", "future"):
        was = "private" if wp_status == "private" else "scheduled"
        source.notes.append(f"{what} was {was} on WordPress: imported as a draft.")
    elif published and _text(item, "wp:post_password"):
        # Readers needed a password there; here it would be open to all.
        published = False
        source.notes.append(f"{what} was password-protected on WordPress: imported as a draft.")
    title = _limit(title, 200, f"The title of {what}", source)
    excerpt = _limit(plain_text(_raw(item, "excerpt:encoded")), 300, f"The description of {what}", source)
    found = from_wordpress(_postmeta(item), title=title, excerpt=excerpt, site=site, what=what, notes=source.notes)
    return PageRecord(
        key=key,
        title=title,
        slug=_page_slug(_text(item, "wp:post_name"), title, key, taken, what, source),
        body=prepare_body(_raw(item, "content:encoded"), expander(library, key, what, source.notes)),
        description=page_description(found, excerpt, what, source.notes),
        published=published,
        menu_order=_menu_order(_text(item, "wp:menu_order"), what, source),
        old_path=_old_path(_text(item, "link")),
    )


def _postmeta(item: ET.Element) -> dict[str, str]:
    """An item's custom fields by key (the first of a key, as WordPress's
    ``get_post_meta(…, single: true)`` reads it)."""
    meta: dict[str, str] = {}
    for element in item.iter("wp:postmeta"):
        meta.setdefault(_text(element, "wp:meta_key"), _raw(element, "wp:meta_value"))
    return meta


def _wp_comments(item: ET.Element, what: str, logins_by_id: dict[str, str], source: Source) -> list[CommentRecord]:
    comments, local_dates = [], 0
    for element in item.iter("wp:comment"):
        approved, kind = _text(element, "wp:comment_approved"), _text(element, "wp:comment_type")
        if kind in ("pingback", "trackback"):
            source.left_out["pingback or trackback"] += 1
            continue
        if approved not in ("1", "0"):  # spam, trash, post-trashed
            source.left_out[f"comment ({approved or 'no status'})"] += 1
            continue
        key, parent = _text(element, "wp:comment_id"), _text(element, "wp:comment_parent")
        date = _wp_date(_text(element, "wp:comment_date_gmt"), f"a comment on {what}")
        if date is None and (date := _wp_date(_text(element, "wp:comment_date"), f"a comment on {what}")):
            local_dates += 1  # the old blog's local time, its zone unknown
        if not key or date is None:
            raise ImportProblem(f"a comment on {what} has no <wp:comment_id> or date.")
        comments.append(
            CommentRecord(
                key=key,
                parent_key="" if parent in ("", "0") else parent,
                name=plain_text(_text(element, "wp:comment_author")),
                email=_text(element, "wp:comment_author_email"),
                url=_text(element, "wp:comment_author_url"),
                ip=_text(element, "wp:comment_author_IP"),
                submitted_at=date,
                text=comment_text(_raw(element, "wp:comment_content")),
                is_public=approved == "1",
                author_key=logins_by_id.get(_text(element, "wp:comment_user_id"), ""),
            )
        )
    if local_dates:
        source.notes.append(
            f"{local_dates} comment{'s' if local_dates > 1 else ''} on {what} "
            f"{'have' if local_dates > 1 else 'has'} no UTC date in the file: the local time there was taken as UTC."
        )
    return comments


# --- Ghost (JSON) -----------------------------------------------------------------

GHOST_STATUSES = {
    "published": Post.Status.PUBLISHED,
    "scheduled": Post.Status.PUBLISHED,
    "draft": Post.Status.DRAFT,
    "sent": Post.Status.DRAFT,  # a newsletter-only post: never on the old site
}


def _ghost_mailed(row: dict, emailed: set[str]) -> bool:
    """Whether Ghost sent the post to its members. An email-only post is
    "sent" once it went out; a full backup's ``emails`` table has a row for
    each post emailed; the default export has no such table, but Ghost
    resets a post's ``newsletter_id`` when it is taken back to draft only
    if it has no email yet, so a draft or a live post naming one was
    emailed (or the email failed, perhaps after some batches: sending it
    again is left to an editor, as on Ghost). A scheduled post names the
    newsletter it will go to: it is mailed here when it goes live."""
    if row.get("status") == "sent" or str(row.get("id", "")) in emailed:
        return True
    return row.get("status") != "scheduled" and bool(row.get("newsletter_id"))


def _text_only_in_editor_format(row: dict) -> bool:
    """Whether a Ghost post has no ``html`` but text in its editor's own
    format (``lexical``, or ``mobiledoc`` before Ghost 5), as exports some
    tools write have: only the HTML is read here, so it would go live empty."""
    if str(row.get("html") or "").strip():
        return False
    for name in ("lexical", "mobiledoc"):
        with contextlib.suppress(TypeError, ValueError):
            if _has_content(json.loads(row.get(name) or "null")):
                return True
    return False


def _has_content(node) -> bool:
    """Whether a lexical or mobiledoc document holds anything to read: a
    node's text, a card's image, HTML or Markdown (lexical nodes and cards'
    payloads), or a mobiledoc marker's text (``[0, [], 0, "text"]``)."""
    if isinstance(node, dict):
        if any(isinstance(node.get(key), str) and node[key].strip() for key in ("text", "src", "html", "markdown")):
            return True
        return any(_has_content(value) for value in node.values())
    if isinstance(node, list):
        if len(node) == 4 and node[0] in (0, 1) and isinstance(node[3], str) and node[3].strip():
            return True
        return any(_has_content(value) for value in node)
    return False


def _ghost_date(value, what: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ImportProblem(f"{what}: {value!r} is not a date.") from None
    return _check_date(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), what)


def _ghost_table(data: dict, name: str) -> list[dict]:
    rows = data.get(name) or []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ImportProblem(f"db[0].data.{name} must be a list of objects.")
    return rows


def _site_url(value: str, site_url: str, source: Source) -> str:
    """Ghost writes its own address as ``__GHOST_URL__`` in links and images."""
    if "__GHOST_URL__" in value and not site_url:
        source.notes.append("Links and images start with __GHOST_URL__: give --site-url to point them at the old site.")
    return value.replace("__GHOST_URL__", site_url.rstrip("/"))


def read_ghost(path: Path, *, site_url: str = "") -> Source:
    """A Ghost export (Settings → Labs → Export, JSON) as records. Ghost's
    export has no comments."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data = data["db"][0]["data"]
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportProblem(f"not valid JSON ({error}).") from error
    except (KeyError, IndexError, TypeError):
        raise ImportProblem("not a Ghost export: no db[0].data.") from None
    if not isinstance(data, dict):
        raise ImportProblem("not a Ghost export: db[0].data is not an object.")
    source = Source()
    for user in _ghost_table(data, "users"):
        key = str(user.get("id", ""))
        login = str(user.get("slug") or key)
        source.authors[key] = AuthorRecord(
            key=key,
            login=login,
            name=plain_text(str(user.get("name") or "")) or login,
            email=str(user.get("email") or ""),
            bio=str(user.get("bio") or "").strip(),
            website=str(user.get("website") or ""),
            x=f"https://x.com/{handle}" if (handle := str(user.get("twitter") or "").lstrip("@")) else "",
            photo_url=_site_url(str(user.get("profile_image") or ""), site_url, source),
        )
    tags = {}
    for tag in _ghost_table(data, "tags"):
        name = str(tag.get("name") or "")
        if tag.get("visibility") == "internal" or name.startswith("#"):
            source.left_out["internal tag"] += 1
            continue
        tags[str(tag.get("id"))] = name
        if description := plain_text(str(tag.get("description") or "")):
            source.tag_descriptions[plain_text(name)] = description
    post_tags: dict[str, list[tuple]] = {}
    for row in _ghost_table(data, "posts_tags"):
        post_tags.setdefault(str(row.get("post_id")), []).append((row.get("sort_order") or 0, str(row.get("tag_id"))))
    post_authors: dict[str, list[tuple]] = {}
    for row in _ghost_table(data, "posts_authors"):
        post_authors.setdefault(str(row.get("post_id")), []).append(
            (row.get("sort_order") or 0, str(row.get("author_id")))
        )
    # Ghost 3 and later keep a post's search and social fields (and its
    # feature image's alt text) in a table of their own.
    post_meta = {str(row.get("post_id")): row for row in _ghost_table(data, "posts_meta")}
    # A full backup (not the default export) has the emails Ghost sent, one a post.
    emailed = {str(row.get("post_id")) for row in _ghost_table(data, "emails") if row.get("status") == "submitted"}
    slugs: set[str] = set()
    page_slugs: set[str] = set()
    ghost_pages: dict[str, PageRecord] = {}  # by their slug on Ghost
    for row in _ghost_table(data, "posts"):
        # Ghost 5 says ``type``; exports of Ghost 1 and 2 say ``page: true``.
        kind = str(row.get("type") or ("page" if row.get("page") else "post"))
        if kind == "page":
            if page := _ghost_page(row, post_meta.get(str(row.get("id")), {}), page_slugs, site_url, source):
                source.pages.append(page)
                ghost_pages[str(row.get("slug") or "")] = page
            continue
        if kind != "post":
            source.left_out[kind] += 1
            continue
        key = str(row.get("id", ""))
        title = plain_text(str(row.get("title") or "")) or f"Untitled post {key}"
        what = f"post “{title}”"
        if row.get("status") not in GHOST_STATUSES:
            source.left_out[f"post ({row.get('status')})"] += 1
            continue
        status = GHOST_STATUSES[row["status"]]
        if status == Post.Status.PUBLISHED and row.get("visibility", "public") != "public":
            status = Post.Status.DRAFT
            source.notes.append(f"{what} was for members only: imported as a draft.")
        if status == Post.Status.PUBLISHED and _text_only_in_editor_format(row):
            status = Post.Status.DRAFT
            source.notes.append(
                f"{what} has its text only in Ghost's editor format (lexical or mobiledoc), not as HTML: "
                "imported as an empty draft; paste its text in from the old site."
            )
        if row["status"] == "sent":
            # Members had it by email; readers of the site never saw it there.
            source.notes.append(
                f"{what} was sent by email only on Ghost: imported as a draft, recorded as sent to subscribers."
            )
        published_at = _ghost_date(row.get("published_at"), what)
        if status == Post.Status.PUBLISHED and published_at is None:
            raise ImportProblem(f"{what} is published but has no published_at.")
        authors = [author for _, author in sorted(post_authors.get(key, []))] or [str(row.get("author_id", ""))]
        if authors[0] not in source.authors:
            raise ImportProblem(f"{what}: its author {authors[0]!r} is not among the export's users.")
        # Ghost's first author is the post's author here, the others its co-authors, in Ghost's order.
        co_authors = list(dict.fromkeys(key for key in authors[1:] if key in source.authors and key != authors[0]))
        found = from_ghost(row, post_meta.get(key, {}), site_url=site_url, what=what, notes=source.notes)
        source.posts.append(
            PostRecord(
                key=key,
                title=_limit(title, 200, f"The title of {what}", source),
                slug=_slug(str(row.get("slug") or ""), title, key, slugs),
                author_key=authors[0],
                body=prepare_body(_site_url(str(row.get("html") or ""), site_url, source)),
                excerpt=_limit(plain_text(str(row.get("custom_excerpt") or "")), 300, f"The excerpt of {what}", source),
                status=status,
                # A draft keeps its date too, as on WordPress: Ghost keeps the
                # date a post went live when it is taken back to draft, and a
                # members-only post has the one members saw it on.
                published_at=published_at,
                tags=_tags([tags[tag] for _, tag in sorted(post_tags.get(key, [])) if tag in tags], title, source),
                featured=bool(row.get("featured")),
                search=checked(found, what, source.notes),
                # Ghost's default permalink; its export holds no addresses.
                old_path=_old_path(f"/{row['slug']}/") if row.get("slug") else "",
                thumbnail_url=_site_url(str(row.get("feature_image") or ""), site_url, source),
                # Ghost 5 keeps the alt text apart, in posts_meta.
                thumbnail_alt=plain_text(str(post_meta.get(key, {}).get("feature_image_alt") or "")),
                co_author_keys=co_authors,
                mailed=_ghost_mailed(row, emailed),
            )
        )
    _ghost_menus(data, ghost_pages, site_url, source)
    source.notes = list(dict.fromkeys(source.notes))
    return source


def _ghost_menus(data: dict, pages: dict[str, PageRecord], site_url: str, source: Source) -> None:
    """Ghost's navigation (its header) and secondary navigation (its footer)
    put the pages they link in the header and footer menus here, in their
    order. The menus here list pages after the blog's own links (home,
    tags, archive…), so a link to the home page needs nothing, and any
    other (a tag, a post, another site) is named in the summary."""
    menus = {
        str(row.get("key")): row.get("value")
        for row in _ghost_table(data, "settings")
        if row.get("key") in ("navigation", "secondary_navigation")
    }
    ours = urlsplit(site_url).netloc
    for key, menu, flag in (
        ("navigation", "header", "show_in_header"),
        ("secondary_navigation", "footer", "show_in_footer"),
    ):
        try:
            links = json.loads(menus.get(key) or "[]")
        except (TypeError, json.JSONDecodeError):
            links = None
        if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
            source.notes.append(f"Ghost's {key} setting is not a list of links: the {menu} menu was left as it is.")
            continue
        for position, link in enumerate(links):
            label, url = plain_text(str(link.get("label") or "")), str(link.get("url") or "")
            try:
                parts = urlsplit(url.replace("__GHOST_URL__", "", 1))
            except ValueError:  # an unclosed [ in a host, say
                parts = urlsplit("//unreadable")
            path = parts.path.strip("/") if not parts.netloc or parts.netloc == ours else None
            if path == "" and not parts.query:
                continue  # the home page: the menus start with it
            page = pages.get(path or "") if path is not None and "/" not in path else None
            if page is None:
                source.notes.append(
                    f"Ghost's {menu} menu links “{label}” ({url}): not added, as the menus here list pages "
                    "(after the blog's own links); link to it from a page, or make it one."
                )
                continue
            if not (page.show_in_header or page.show_in_footer):
                page.menu_order = position
            setattr(page, flag, True)


def _ghost_page(row: dict, meta: dict, taken: set[str], site_url: str, source: Source) -> PageRecord | None:
    """A Ghost page as a record: published and public, it is published here;
    a draft, scheduled or members-only page arrives as a draft. Its
    description is its meta description, else its excerpt."""
    key = str(row.get("id", ""))
    title = plain_text(str(row.get("title") or "")) or f"Untitled page {key}"
    what = f"page “{title}”"
    status = row.get("status")
    if status not in GHOST_STATUSES:
        source.left_out[f"page ({status})"] += 1
        return None
    published = status == "published"
    if status == "scheduled":
        source.notes.append(f"{what} was scheduled on Ghost: imported as a draft.")
    if published and row.get("visibility", "public") != "public":
        published = False
        source.notes.append(f"{what} was for members only: imported as a draft.")
    if row.get("feature_image"):
        image = _site_url(str(row["feature_image"]), site_url, source)
        source.notes.append(f"{what}: feature image not imported (pages have none here): {image}")
    return PageRecord(
        key=key,
        title=_limit(title, 200, f"The title of {what}", source),
        slug=_page_slug(str(row.get("slug") or ""), title, key, taken, what, source),
        body=prepare_body(_site_url(str(row.get("html") or ""), site_url, source)),
        description=page_description(
            from_ghost(row, meta, site_url=site_url, what=what, notes=source.notes),
            _limit(plain_text(str(row.get("custom_excerpt") or "")), 300, f"The description of {what}", source),
            what,
            source.notes,
        ),
        published=published,
    )


# --- Writing ----------------------------------------------------------------------


def _valid_url(value: str, limit: int = 200) -> str:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value if len(value) <= limit else ""


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _username(login: str) -> str:
    User = get_user_model()
    base = re.sub(r"[^\w.@+-]", "", login)[:140] or "author"
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _account(record: AuthorRecord, counts: Counter):
    """The account for an imported author. The account of the same email,
    when it signs no posts yet, is that person's: it is linked and left as
    it is. Otherwise a new staff account in Authors with no usable password
    (nobody can sign in as it until an administrator sets one). An email
    whose account already signs as another author gets no second account:
    one account per address."""
    User = get_user_model()
    email = record.email.strip()
    if email:
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            if Author.objects.filter(user=existing).exists():
                return None
            counts["accounts", "linked"] += 1
            return existing
    user = User(
        username=_username(record.login),
        email=email[:254],
        first_name=record.first_name[:150],
        last_name=record.last_name[:150],
        is_staff=True,
    )
    user.set_unusable_password()
    user.save()
    if not Group.objects.filter(name=AUTHORS).exists():
        ensure_groups()
    user.groups.add(Group.objects.get(name=AUTHORS))
    counts["accounts", "created"] += 1
    return user


def _save_author(record: AuthorRecord, counts: Counter, images: ImageImport) -> Author:
    author = Author.objects.filter(slug=record.slug).first()
    if author is not None:
        counts["authors", "skipped"] += 1
        return author
    author = Author(
        slug=record.slug,
        name=record.name[:100],
        bio=record.bio,
        website=_valid_url(record.website),
        x=_valid_url(record.x),
        user=_account(record, counts),
    )
    if record.photo_url:
        problem = f"Author “{author.name}”: profile image {record.photo_url} not imported ({{}}): upload a photo."
        images.store(author, "photo", record.photo_url, problem)
    author.save()
    counts["authors", "created"] += 1
    return author


def _check(what: str, instance) -> None:
    """The model's own validation, as the admin's would run it; a refusal
    stops the import naming the record and every problem."""
    try:
        instance.full_clean(validate_unique=False)
    except ValidationError as error:
        problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
        raise ImportProblem(f"{what}: {problems}") from error


def _in_the_trash(item: Post | Page, what: str, notes: list[str]) -> bool:
    """Whether ``item``, of an imported record's slug, is in the trash here:
    then the record is left out, whatever ``--update`` says (an editor
    decides what becomes of what they deleted), and a note says so."""
    if not item.in_trash:
        return False
    kind = item._meta.verbose_name
    notes.append(
        f"{what}: {item.get_absolute_url()} is the address of a {kind} in the trash here, so it was left out: "
        f"restore that {kind}, or delete it for good, and import again."
    )
    return True


def _save_post(
    record: PostRecord,
    authors: list[Author],
    update: bool,
    counts: Counter,
    images: ImageImport,
    notes: list[str],
    kept: list[str],
) -> tuple[Post | None, bool]:
    """Create the post, or with ``update`` overwrite the one of its slug,
    signed by ``authors``: the first is its author, the others its
    co-authors in that order (``--update`` sets them from the file too).
    Without ``--update``, a post already at its slug is left as it is, and
    its address added to ``kept`` for the summary.
    Its featured image becomes its thumbnail unless it has one (an earlier
    run's, or an editor's)."""
    author, *co_authors = authors
    # Two logins of a file may be one author here (the same slug): signed once.
    co_authors = [co_author for co_author in dict.fromkeys(co_authors) if co_author != author]
    post = Post.objects.filter(slug=record.slug).first()
    if post is not None and (_in_the_trash(post, f"post “{record.title}”", notes) or not update):
        counts["posts", "skipped"] += 1
        if not post.in_trash:  # (the trash's note names it)
            kept.append(post.get_absolute_url())
        return None, False
    created = post is None
    post = post or Post(slug=record.slug)
    # What revisions and "someone saved first" go by, before this update.
    before = None if created else (post.updated_at, set(post.tags.names()))
    what = f"post “{record.title}”"
    post.body, body_images = images.localize(record.body, post, record.title, what)
    post.title, post.author, post.excerpt = record.title, author, record.excerpt
    post.status, post.published_at, post.allow_comments = record.status, record.published_at, record.allow_comments
    post.featured = record.featured
    search = record.search
    post.meta_title, post.meta_description = search.meta_title, search.meta_description
    post.canonical_url, post.noindex = search.canonical_url, search.noindex
    if record.thumbnail_url and not post.thumbnail:
        problem = f"{what}: featured image {record.thumbnail_url} not imported ({{}}): upload a thumbnail."
        if images.store(post, "thumbnail", record.thumbnail_url, problem):
            post.thumbnail_alt = (record.thumbnail_alt or record.title)[:200]
    _check(what, post)
    post.save_without_historical_record()  # its revision records the co-authors, set below
    _save_images(post, body_images, what)
    post.tags.set(record.tags)
    post.co_author_links.all().delete()
    CoAuthor.objects.bulk_create(
        CoAuthor(post=post, author=co_author, position=position) for position, co_author in enumerate(co_authors, 1)
    )
    if before and not changed_since_revision(post) and set(post.tags.names()) == before[1]:
        put_back(post, before[0])  # the file says what the post says: no revision, no save over an open form
    else:
        Post.history.bulk_history_create([post], update=not created, default_date=post.updated_at)
    if post.is_published or record.mailed:
        # Not news here: never mailed to subscribers, even if saved again, or
        # published again (a post the old blog sent out and took down since).
        PostNewsletter.objects.get_or_create(post=post, defaults={"recipients": None})
    counts["posts", "created" if created else "updated"] += 1
    return post, created


def _save_images(owner: Post | Page, images: list, what: str) -> None:
    for image in images:
        setattr(image, "post" if isinstance(owner, Post) else "page", owner)
        _check(f"an image of {what}", image)
        image.save()


def _save_page(record: PageRecord, update: bool, counts: Counter, images: ImageImport, notes: list[str]) -> str:
    """Create the page, or with ``update`` overwrite the one of its slug
    from the file; return "saved", or "kept" when a page of that slug is
    left as it is ("trash": the page of that slug is in the trash). A new
    page is in no menu; an updated one keeps the menus editors chose, which
    the file knows nothing of."""
    page = Page.objects.filter(slug=record.slug).first()
    if page is not None and _in_the_trash(page, f"page “{record.title}”", notes):
        counts["pages", "skipped"] += 1
        return "trash"
    if page is not None and not update:
        counts["pages", "skipped"] += 1
        return "kept"
    created = page is None
    page = page or Page(slug=record.slug)
    saved_at = None if created else page.updated_at
    what = f"page “{record.title}”"
    page.body, body_images = images.localize(record.body, page, record.title, what)
    page.title, page.description = record.title, record.description
    page.published, page.menu_order = record.published, record.menu_order
    if created:  # an updated page keeps the menus editors chose since
        page.show_in_header, page.show_in_footer = record.show_in_header, record.show_in_footer
    _check(what, page)
    page.save_without_historical_record()
    _save_images(page, body_images, what)
    if saved_at and not changed_since_revision(page):
        put_back(page, saved_at)  # as for a post: no revision, no save over an open form
    else:
        Page.history.bulk_history_create([page], update=not created, default_date=page.updated_at)
    counts["pages", "created" if created else "updated"] += 1
    return "saved"


def _save_comments(post: Post, records: list[CommentRecord], authors: dict[str, Author], counts: Counter) -> None:
    """Store a post's comments in thread order, parents first, with their
    dates; approved ones public, the rest in the moderation queue. A reply
    deeper than the blog's threads go is attached to the deepest comment
    that can take it. Comments already there (same email, time and text:
    the post was imported before) are kept, not doubled."""
    content_type = ContentType.objects.get_for_model(Post)
    existing = {
        (comment.user_email.lower(), comment.submit_date, comment.comment): comment
        for comment in comments_for(post, public_only=False)
    }
    by_key = {record.key: record for record in records}
    saved: dict[str, XtdComment] = {}
    by_pk: dict[int, XtdComment] = {}

    def save(record: CommentRecord, seen: frozenset = frozenset()) -> XtdComment:
        if record.key in saved:
            return saved[record.key]
        parent = None
        if record.parent_key in by_key and record.parent_key not in seen | {record.key}:
            parent = save(by_key[record.parent_key], seen | {record.key})
        while parent is not None and parent.level >= settings.COMMENTS_XTD_MAX_THREAD_LEVEL:
            parent = by_pk.get(parent.parent_id)
        found = existing.get((record.email.lower(), record.submitted_at, record.text))
        if found is not None:
            counts["comments", "skipped"] += 1
            saved[record.key] = by_pk[found.pk] = found
            return found
        author = authors.get(record.author_key)
        comment = XtdComment(
            content_type=content_type,
            object_pk=str(post.pk),
            site_id=settings.SITE_ID,
            user=author.user if author is not None else None,
            user_name=(record.name or "Anonymous")[:50],
            user_email=record.email[:254],
            user_url=_valid_url(record.url),
            comment=record.text,
            submit_date=record.submitted_at,
            ip_address=_valid_ip(record.ip),
            is_public=record.is_public,
            parent_id=parent.pk if parent is not None else 0,
        )
        comment.save()
        CommentBody.objects.create(comment=comment, html=render_markdown(comment.comment))
        CommentReview.objects.create(
            comment=comment,
            status=CommentReview.Status.APPROVED if record.is_public else CommentReview.Status.PENDING,
            reasons="" if record.is_public else CommentReview.encode([HoldReason.IMPORTED]),
            # Told to nobody, and never to be: approving a held one later
            # tells the post's author, as for any comment.
            announced_at=record.submitted_at if record.is_public else None,
        )
        counts["comments", "created" if record.is_public else "held for moderation"] += 1
        saved[record.key] = by_pk[comment.pk] = comment
        return comment

    for record in sorted(records, key=lambda record: (record.submitted_at, record.key)):
        save(record)


def _describe_tags(descriptions: dict[str, str]) -> None:
    """Give the imported tags their descriptions, where a tag has none yet."""
    for name, description in descriptions.items():
        tag = Tag.objects.filter(name__iexact=name, profile__isnull=True).first()
        if tag is not None:
            TagProfile.objects.create(tag=tag, description=description[:300])


def save_source(
    source: Source,
    *,
    update: bool = False,
    images: Policy | None = None,
    downloading: Callable[[int], None] | None = None,
) -> Counter:
    """Write what ``source`` holds, all or nothing; return counts by (kind,
    outcome). A post whose slug exists is skipped with its comments, or
    with ``update`` overwritten from the file (its new comments added); a
    page likewise, named in a note when skipped (it may be one of ours, such
    as the About page, rather than one imported before). With an image
    policy, images are downloaded first (``posts.import_images``), and
    ``downloading`` is told how many."""
    with ImageImport.fetching(images) as found:
        found.fetch_for(source, update, downloading)
        try:
            counts = _write(source, update, found)
        except BaseException:
            found.discard()
            raise
    for outcome in ("downloaded", "reused", "failed"):  # in this order in the summary
        counts["images", outcome] = found.counts["images", outcome]
    source.notes.extend(found.summary_notes())
    return counts


KEPT_NAMED = 20  # posts already here named in the summary; the rest counted


def _write(source: Source, update: bool, images: ImageImport) -> Counter:
    counts: Counter = Counter()
    with transaction.atomic():
        tags_before = Tag.objects.count()
        authors = {key: _save_author(record, counts, images) for key, record in source.authors.items()}
        waiting: list[str] = []
        kept_posts: list[str] = []
        for record in source.posts:
            signed = [authors[key] for key in [record.author_key, *record.co_author_keys]]
            post, _ = _save_post(record, signed, update, counts, images, source.notes, kept_posts)
            if post is not None:
                _save_comments(post, record.comments, authors, counts)
                _save_redirect(record.old_path, post.get_absolute_url(), post.is_published, counts, waiting)
        skipped = []
        for record in source.pages:
            outcome = _save_page(record, update, counts, images, source.notes)
            if outcome == "kept":
                skipped.append(f"/{record.slug}/")
            elif outcome == "saved":
                new_path = reverse("pages:detail", kwargs={"slug": record.slug})
                _save_redirect(record.old_path, new_path, record.published, counts, waiting)
        if kept_posts:
            # Named, as the pages are: another post may hold the address (found
            # by QA: the summary only counted them). A second run of the same
            # file keeps them all: the first few, and how many.
            shown = ", ".join(kept_posts[:KEPT_NAMED])
            more = f" and {len(kept_posts) - KEPT_NAMED} more" if len(kept_posts) > KEPT_NAMED else ""
            source.notes.append(
                f"Posts already here, left as they are (--update overwrites them from the file): {shown}{more}."
            )
        if skipped:
            source.notes.append(
                f"Pages already here, left as they are (--update overwrites them from the file): {', '.join(skipped)}."
            )
        if waiting:
            source.notes.append(
                "Old addresses of posts and pages not published here redirect once they are (a 404 until then): "
                f"{', '.join(waiting)}."
            )
        counts["tags", "created"] = Tag.objects.count() - tags_before
        _describe_tags(source.tag_descriptions)
    return counts


def summary(source: Source, counts: Counter) -> list[str]:
    """What the import did, a line per kind, then what it left out and changed."""
    lines = []
    for kind in ("authors", "accounts", "posts", "pages", "comments", "tags", "redirects", "images"):
        outcomes = {outcome: n for (k, outcome), n in counts.items() if k == kind and n}
        if outcomes or kind in ("authors", "posts", "pages", "comments"):
            said = ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items()) or "none"
            lines.append(f"{kind.capitalize()}: {said}.")
    if counts["pages", "created"] and not any(page.show_in_header or page.show_in_footer for page in source.pages):
        lines.append(
            "Imported pages are in neither menu: an editor chooses what the header and footer show (Posts → Pages)."
        )
    if source.left_out:
        lines.append("Not imported: " + ", ".join(f"{n} × {kind}" for kind, n in sorted(source.left_out.items())) + ".")
    lines.extend(source.notes)
    return lines
