"""What makes a usable tag name.

Every tag is linked by its slug (``posts:tag`` takes ``<slug:slug>``: ASCII
letters, digits, ``-`` and ``_``). A name that slugifies to nothing (``!!!``,
``<>``, an emoji) or to non-ASCII letters would get a slug no address can
hold, and any page listing that tag would fail to render. A name longer than
the tag table's column fails on PostgreSQL. The forms that create tags and
the content loader refuse such names with a message instead.
"""

from django.core.validators import slug_re
from taggit.models import Tag

MAX_LENGTH = Tag._meta.get_field("name").max_length


def tag_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a new tag, or None if it can."""
    if len(name) > MAX_LENGTH:
        return f"“{name[:40]}…” is too long for a tag ({len(name)} characters; the limit is {MAX_LENGTH})."
    # Tag.slugify follows TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING (settings), as saving does.
    if not slug_re.fullmatch(Tag().slugify(name)):
        return f"“{name}” cannot be a tag: its name needs at least one letter (A–Z) or digit."
    return None
