"""``{{ post.body|highlight_code }}``: a stored body made ready to show.

Stored bodies hold what the author wrote (see ``posts.models.clean_body``);
what is derived for readers, such as code colouring, is added here.
"""

from django import template

from ..html import highlight_code as _highlight_code

register = template.Library()


@register.filter
def highlight_code(body: str) -> str:
    """Code blocks coloured by Pygments; see ``posts.html.highlight_code``.

    Not marked safe: the article chains it into ``responsive_images``, which
    marks the sanitized body safe once."""
    return _highlight_code(body or "")
