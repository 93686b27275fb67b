"""What search engines and link previews read about a page: absolute
addresses, the share image, and schema.org data as JSON-LD.

Addresses are built from the request's host (which ``ALLOWED_HOSTS``
restricts), like the canonical link, so a development server, a staging host
and production each describe themselves. Feeds and the sitemap use the same
helper.
"""

import json
import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import to_locale

# The social-card size recommended by Facebook, LinkedIn and X.
SHARE_SIZE = (1200, 630)
# Search engines show about this many characters of a description; the
# excerpts that describe posts are held to it when published.
DESCRIPTION_LENGTH = 160

_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def description(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """``text`` on one line, at most ``limit`` characters: cut after the last
    whole word that fits, with "…", so a result page never shows half a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–—-") + "…"


def language_tag() -> str:
    """The site language as a BCP 47 tag (``en-GB``)."""
    return to_locale(settings.LANGUAGE_CODE).replace("_", "-")


def absolute(request, url: str) -> str:
    """``url`` made absolute with the request's scheme and host (unchanged
    without a request, e.g. a template rendered outside a view)."""
    return request.build_absolute_uri(url) if request is not None else url


# What a post tells search engines and link previews. Each reads the post's
# "Search and social" override first, then what the post shows readers; the
# page head, the link-preview tags and the JSON-LD all ask here.


def post_title(post) -> str:
    """The post's title for link previews (og:title, twitter:title)."""
    return post.meta_title or post.title


def post_document_title(post) -> str:
    """The page's ``<title>``: the meta title as the editor wrote it, else
    the post's title and the blog's name."""
    return post.meta_title or f"{post.title} — {settings.BLOG['NAME']}"


def post_description(post) -> str:
    """The meta, og:, twitter: and JSON-LD description."""
    return post.meta_description or post.excerpt


def post_canonical(post, request) -> str:
    """The post's one address for search engines: the original's, for a
    post first published elsewhere, else its own here."""
    return post.canonical_url or absolute(request, post.get_absolute_url())


@dataclass(frozen=True)
class ShareImage:
    url: str  # may be relative; pass through absolute()
    width: int | None
    height: int | None
    alt: str
    mime_type: str


def share_image(post) -> ShareImage | None:
    """The post's thumbnail as a 1200×630 rendition for link previews.

    With renditions off (``BLOG["RESPONSIVE_IMAGES"] = False``, the test
    settings) the original thumbnail is used as it is.
    """
    if not post.thumbnail:
        return None
    if settings.BLOG.get("RESPONSIVE_IMAGES", True):
        from .templatetags.pictures import rendition  # remembered per process, like every rendition

        width, height = SHARE_SIZE
        # flatten: on a white background (THUMBNAIL_FLATTEN), under a name of its
        # own, so none made black before is reused.
        url, width, height = rendition(
            post.thumbnail, f"{width}x{height}", crop="center", format="JPEG", quality=85, flatten=True
        )
        return ShareImage(url, width, height, post.thumbnail_alt, "image/jpeg")
    mime_type = mimetypes.guess_type(post.thumbnail.name)[0] or "image/jpeg"
    return ShareImage(post.thumbnail.url, post.thumbnail_width, post.thumbnail_height, post.thumbnail_alt, mime_type)


def default_share_image() -> ShareImage:
    width, height = SHARE_SIZE
    return ShareImage(static(settings.BLOG["SHARE_IMAGE"]), width, height, settings.BLOG["NAME"], "image/png")


def json_ld(data: dict) -> SafeString:
    """A ``<script type="application/ld+json">`` element; <, > and & are
    escaped inside the JSON so no value can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


def publisher(request) -> dict:
    return {
        "@type": "Organization",
        "name": settings.BLOG["PUBLISHER"],
        "url": absolute(request, "/"),
        "logo": {
            "@type": "ImageObject",
            "url": absolute(request, static(settings.BLOG["LOGO"])),
            "width": 512,
            "height": 512,
        },
    }


def author_entity(author, request) -> dict:
    """An author as a Person, or as an Organization when the blog says so
    (``BLOG["ORGANIZATION_AUTHORS"]``: Skolr signs as the company)."""
    kind = "Organization" if author.slug in settings.BLOG["ORGANIZATION_AUTHORS"] else "Person"
    return {"@type": kind, "name": author.name, "url": absolute(request, author.get_absolute_url())}


def blog_posting(post, request) -> dict:
    """The article as schema.org data. ``headline`` stays the title readers
    see above the article; the description and addresses follow the
    post's overrides (a republished post is the original's entity)."""
    url = post_canonical(post, request)
    authors = [author_entity(author, request) for author in post.all_authors]
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "@id": f"{url}#article",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": post.title,
        "description": post_description(post),
        "inLanguage": language_tag(),
        # One entity, as before co-authors, or a list of everyone who signs it.
        "author": authors[0] if len(authors) == 1 else authors,
        "publisher": publisher(request),
        "keywords": [tag.name for tag in post.tags.all()],
    }
    if post.published_at:
        data["datePublished"] = post.published_at.isoformat()
        data["dateModified"] = (post.content_updated_at or post.published_at).isoformat()
    image = share_image(post)
    if image:
        data["image"] = {
            "@type": "ImageObject",
            "url": absolute(request, image.url),
            "width": image.width,
            "height": image.height,
        }
    return data


def profile_page(author, request) -> dict:
    entity = author_entity(author, request) | {"description": " ".join(author.bio.split())}
    if author.expertise_list:
        entity["knowsAbout"] = author.expertise_list
    if author.links:
        entity["sameAs"] = [url for _, url in author.links]
    if author.photo:
        entity["image"] = absolute(request, author.photo.url)
    return {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": absolute(request, author.get_absolute_url()),
        "mainEntity": entity,
    }


def website(request) -> dict:
    search = absolute(request, reverse("posts:search"))
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": settings.BLOG["NAME"],
        "description": settings.BLOG["TAGLINE"],
        "url": absolute(request, "/"),
        "publisher": publisher(request),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }


def breadcrumb_list(crumbs: list[tuple[str, str]], request) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute(request, url)}
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }
