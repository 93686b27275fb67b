"""Template tags for finding more to read: related posts, reading time, a
table of contents and search highlights."""

from django import template

from ..discovery import related_posts as find_related_posts
from ..reading import reading_minutes, table_of_contents
from ..search import START, mark_matches

register = template.Library()


@register.simple_tag
def related_posts(post, limit: int = 3):
    """``{% related_posts post as related %}``: see ``posts.discovery``."""
    return find_related_posts(post, limit)


@register.filter
def reading_time(body_html: str) -> int:
    """Minutes to read a post body: ``{{ post.body|reading_time }} min read``."""
    return reading_minutes(body_html)


@register.simple_tag
def contents(body_html: str):
    """``{% contents post.body as toc %}``: headings, when there are three or more."""
    return table_of_contents(body_html)


@register.filter
def marked(value: str):
    """A search highlight, escaped, with its matches in <mark>."""
    return mark_matches(value)


@register.filter
def has_match(value: str) -> bool:
    """Whether a search snippet contains a highlighted match at all."""
    return START in (value or "")
