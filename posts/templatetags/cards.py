"""Post cards, post meta lines and tag lists, rendered in Python.

A list page shows ten cards, each with a picture, a meta line and its tags;
as template includes they cost about a millisecond a card in variable
lookups, date filters and URL reversing, most of a list page's render time
(docs/performance.md). These functions write the same markup directly. URLs
are reversed once per process and address (``_url``): the URL configuration
never changes while a process runs.
"""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from posts import dates
from posts.models import and_join

from .pictures import picture

register = template.Library()

CARD_IMAGE_SIZES = "(min-width: 72rem) 40rem, (min-width: 48rem) 60vw, 100vw"


@lru_cache(maxsize=20_000)
def _reverse(prefix: str, name: str, args: tuple) -> str:
    return escape(reverse(name, args=args))


@receiver(setting_changed)
def _forget(setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


def _url(name: str, *args) -> str:
    """``reverse()``, escaped for an attribute, remembered per script prefix."""
    return _reverse(get_script_prefix(), name, args)


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def author_links(post, css_class: str = "") -> str:
    """Links to the pages of everyone who signs ``post``: "A", "A and B",
    "A, B and C" (``Post.all_authors``; read the co-authors with the post)."""
    attribute = f' class="{css_class}"' if css_class else ""
    links = [
        f'<a{attribute} href="{_url("authors:detail", author.slug)}">{escape(author.name)}</a>'
        for author in post.all_authors
    ]
    return and_join(links)


@register.filter
def iso(value) -> str:
    """``{{ value|iso }}``: a date and time as a ``<time datetime>`` holds it (``posts.dates.iso``)."""
    return dates.iso(value) if value else ""


@register.simple_tag
def tag_list(tags) -> SafeString:
    """``{% tag_list post.tags.all %}``: links to each tag's page."""
    items = "".join(
        f'<li><a class="tag" href="{_url("posts:tag", tag.slug)}" rel="tag">{escape(tag.name)}</a></li>' for tag in tags
    )
    return mark_safe(f'<ul class="tag-list" aria-label="Tags">{items}</ul>' if items else "")  # noqa: S308 (escaped)


@register.simple_tag
def post_meta(post, comment_count, show_updated=False, reading_minutes=None, url=None) -> SafeString:
    """``{% post_meta post comment_count %}``: author · date · (updated ·
    reading time ·) comments. ``url``: the post's, escaped, if known."""
    parts = [
        '<p class="post-meta">',
        author_links(post, "post-author"),
        ' <span aria-hidden="true">·</span> ',
    ]
    published = post.published_at
    if published:
        local = dates.local(published)
        month = _url("posts:archive_month", local.year, local.month)
        parts.append(
            f'<a class="post-date" href="{month}" title="More from {dates.month(published)}">'
            f'<time datetime="{dates.iso(published)}">{dates.day(published)}</time></a>'
        )
    else:
        parts.append("<span>Not yet published</span>")
    updated = post.content_updated_at
    # An edit on the day of publication is part of publishing it: "Updated
    # on" the same date as the date beside it would say nothing.
    if show_updated and updated and not (published and dates.day(updated) == dates.day(published)):
        parts.append(
            ' <span aria-hidden="true">·</span> <span class="post-updated">Updated on '
            f'<time datetime="{dates.iso(updated)}">{dates.day(updated)}</time></span>'
        )
    if reading_minutes:
        parts.append(
            f' <span aria-hidden="true">·</span> <span class="post-reading-time">{int(reading_minutes)} min read</span>'
        )
    comments = f"{url or escape(post.get_absolute_url())}#comments"
    parts.append(
        f' <span aria-hidden="true">·</span> <a class="post-comments" href="{comments}">'
        f"{int(comment_count)} comment{_plural(comment_count)}</a></p>"
    )
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def post_card(post, first=False) -> SafeString:
    """``{% post_card post forloop.first %}``: a post in a list (see
    ``PostQuerySet.for_cards``); the first card's image loads eagerly."""
    url = escape(post.get_absolute_url())
    image = ""
    if post.thumbnail:
        loading = "eager" if first else "lazy"
        image = (
            f'<a class="card-image" href="{url}" tabindex="-1" aria-hidden="true">'
            f"{picture(post.thumbnail, '', post.thumbnail_width, post.thumbnail_height, sizes=CARD_IMAGE_SIZES, widths='480,800,1200', loading=loading)}"  # noqa: E501
            "</a>"
        )
    excerpt = f'<p class="card-excerpt">{escape(post.excerpt)}</p>' if post.excerpt else ""
    return mark_safe(  # noqa: S308 (every value is escaped; picture() builds with format_html)
        f'<article class="card">{image}<div class="card-body">'
        f'<h2 class="card-title"><a href="{url}">{escape(post.title)}</a></h2>'
        f"{post_meta(post, post.comment_count, url=url)}{excerpt}{tag_list(post.card_tags)}</div></article>"
    )


RELATED_IMAGE_SIZES = "(min-width: 48rem) 14rem, 100vw"


@register.simple_tag
def related_cards(posts) -> SafeString:
    """``{% related_cards related %}``: the "Read next" section under an
    article (``posts.discovery.related_posts``); nothing when it is empty."""
    if not posts:
        return mark_safe("")
    items = []
    for post in posts:
        url = escape(post.get_absolute_url())
        image = ""
        if post.thumbnail:
            image = (
                f'<a class="related-image" href="{url}" tabindex="-1" aria-hidden="true">'
                f"{picture(post.thumbnail, '', post.thumbnail_width, post.thumbnail_height, sizes=RELATED_IMAGE_SIZES, widths='480,800')}"  # noqa: E501
                "</a>"
            )
        published = post.published_at
        shared = getattr(post, "shared_tags", 0)  # posts that only top the list up share none
        shared_note = f" · {int(shared)} shared tag{_plural(shared)}" if shared else ""
        items.append(
            f'<li class="related-item">{image}'
            f'<h3 class="related-title"><a href="{url}">{escape(post.title)}</a></h3>'
            f'<p class="related-meta"><time datetime="{dates.iso(published)}">{dates.day(published)}</time>'
            f"{shared_note}</p></li>"
        )
    return mark_safe(  # noqa: S308 (every value is escaped; picture() builds with format_html)
        '<section class="related" aria-labelledby="related-title"><h2 id="related-title">Read next</h2>'
        f'<ul class="related-list">{"".join(items)}</ul></section>'
    )


@register.simple_tag
def featured_block(posts) -> SafeString:
    """``{% featured_block featured_posts %}``: the home page's "Featured"
    posts, text only (``PostQuerySet.for_featured_block``: no pictures, tags
    or comment counts, so no query of its own and little weight above the
    list); nothing when none is featured."""
    if not posts:
        return mark_safe("")
    items = []
    for post in posts:
        published = post.published_at
        excerpt = f'<p class="featured-excerpt">{escape(post.excerpt)}</p>' if post.excerpt else ""
        items.append(
            f'<li class="featured-item"><h3 class="featured-title"><a href="{escape(post.get_absolute_url())}">'
            f"{escape(post.title)}</a></h3>{excerpt}"
            f'<p class="featured-meta">{author_links(post)}'
            f' <span aria-hidden="true">·</span> <time datetime="{dates.iso(published)}">{dates.day(published)}</time>'
            "</p></li>"
        )
    return mark_safe(  # noqa: S308 (every value is escaped)
        '<section class="featured" aria-labelledby="featured-heading"><h2 id="featured-heading">Featured</h2>'
        f'<ul class="featured-list">{"".join(items)}</ul></section>'
    )
