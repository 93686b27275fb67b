"""``{{ post.body|highlight_code }}``: a stored body made ready to show.

Stored bodies hold what the author wrote (see ``posts.models.clean_body``);
what is derived for readers, such as code colouring and video players, is
added here.
"""

from django import template

from ..embeds import embed_videos as _embed_videos
from ..html import highlight_code as _highlight_code

register = template.Library()


@register.filter
def highlight_code(body: str) -> str:
    """Code blocks coloured by Pygments; see ``posts.html.highlight_code``.

    Not marked safe: the article chains it into ``responsive_images``, which
    marks the sanitized body safe once."""
    return _highlight_code(body or "")


@register.filter
def embed_videos(body: str) -> str:
    """Video addresses alone in a paragraph shown as players; see
    ``posts.embeds``. Not marked safe, like ``highlight_code``."""
    return _embed_videos(body or "")
