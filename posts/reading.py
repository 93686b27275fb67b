"""Reading time and a table of contents, derived from a post's stored HTML.

Headings already carry stable ids (``posts.html.add_heading_anchors`` runs on
save), so the table of contents only has to find them.
"""

import html
import re
from dataclasses import dataclass

from .search import plain_text

WORDS_PER_MINUTE = 230
TOC_MIN_HEADINGS = 3

_HEADING = re.compile(r'<h([2-4]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


def reading_minutes(body_html: str) -> int:
    """Whole minutes at an adult's silent reading pace, never less than one."""
    words = len(plain_text(body_html).split())
    return max(1, round(words / WORDS_PER_MINUTE))


def headings(body_html: str) -> list[Heading]:
    """The h2–h4 headings of a body, in order, with their anchors."""
    return [
        Heading(int(level), html.unescape(anchor), html.unescape(_TAG.sub("", inner)).strip())
        for level, anchor, inner in _HEADING.findall(body_html or "")
    ]


def table_of_contents(body_html: str) -> list[Heading]:
    """Headings worth a table of contents: only when there are three or more."""
    found = headings(body_html)
    return found if len(found) >= TOC_MIN_HEADINGS else []
