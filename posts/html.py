"""Small, deterministic transforms of sanitized post HTML."""

import html
import re

from django.utils.html import strip_tags
from django.utils.text import slugify

_HEADING = re.compile(r"<h([2-4])(?:\s[^>]*)?>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)


def add_heading_anchors(body: str) -> str:
    """Give each h2–h4 an id made from its text, so sections can be linked.

    The id depends only on the heading's text and position among equal texts,
    so saving a post again keeps every existing link working.
    """
    seen: dict[str, int] = {}

    def anchor(match: re.Match) -> str:
        level, inner = match.group(1), match.group(2)
        base = slugify(html.unescape(strip_tags(inner)))[:60].strip("-") or "section"
        seen[base] = seen.get(base, 0) + 1
        ident = base if seen[base] == 1 else f"{base}-{seen[base]}"
        return f'<h{level} id="{ident}">{inner}</h{level}>'

    return _HEADING.sub(anchor, body)
