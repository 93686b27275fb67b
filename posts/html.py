"""Small, deterministic transforms of sanitized post HTML, and the code
blocks that posts and comments show alike."""

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.text import slugify
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

# An image of a sanitized body (its attributes double-quoted), its address
# and its alt text: here and in the revisions' comparison (posts.revisions).
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
IMG_SRC = re.compile(r"\ssrc=\"([^\"]*)\"", re.IGNORECASE)
IMG_ALT = re.compile(r"\salt=\"([^\"]*)\"", re.IGNORECASE)
_TITLE = re.compile(r"\stitle=\"([^\"]*)\"", re.IGNORECASE)
_SRCSET = re.compile(r"\s(?:srcset|sizes)=\"[^\"]*\"", re.IGNORECASE)


def _host(address: str) -> str | None:
    """The host an image address names, read as a browser reads it: tabs and
    newlines dropped, a backslash a slash ("/\\host/x.png" is another site's
    "//host/x.png"). None for an address on this site."""
    return urlsplit(re.sub(r"[\t\n\r]", "", address.strip()).replace("\\", "/")).hostname


def images_elsewhere(body: str) -> dict[str, str]:
    """The addresses of a sanitized body's images on other sites, which
    readers' browsers refuse to load here (the pages' Content-Security-Policy
    allows only this blog's own images: img-src 'self'), each with its alt
    text (else its title, else ""), in the order the body shows them."""
    ours = {host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"}
    found: dict[str, str] = {}
    for tag in IMG.findall(body):
        if (src := IMG_SRC.search(tag)) is None:
            continue
        address = html.unescape(src.group(1))
        host = _host(address)
        if host and host not in ours and not found.get(address):
            said = [
                " ".join(html.unescape(text.group(1)).split())
                for text in (IMG_ALT.search(tag), _TITLE.search(tag))
                if text
            ]
            found[address] = next(filter(None, said), "")
    return found


def image_hosts_elsewhere(body: str) -> list[str]:
    """The other sites a body's images are on (see ``images_elsewhere``)."""
    return sorted({_host(address) for address in images_elsewhere(body)})


def point_images_at(body: str, addresses: dict[str, str]) -> str:
    """A sanitized body with each image whose address is a key of
    ``addresses`` showing the value instead. Its ``srcset`` and ``sizes``
    go: they name the other site's copies in other sizes."""

    def moved(tag: re.Match) -> str:
        src = IMG_SRC.search(tag.group(0))
        new = addresses.get(html.unescape(src.group(1))) if src else None
        if new is None:
            return tag.group(0)
        start, end = src.span(1)
        return _SRCSET.sub("", tag.group(0)[:start] + html.escape(new) + tag.group(0)[end:])

    return IMG.sub(moved, body)


_HEADING = re.compile(r"<h([2-4])(?:\s[^>]*)?>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)

# The ids the article and page templates give their own elements: the skip
# link's target, the comments (every "N comments" link), the status and
# form messages, the table of contents, the updates, "Read next", the
# search and subscribe fields. A heading that took one came first in the
# page, and links meant for the page's part led to it (found by QA: a
# section titled "Comments"). tests/posts/test_headings.py checks that the
# pages' ids are all here.
PAGE_IDS = frozenset(
    {
        "main", "site-search", "toc-title", "updates-title", "related-title", "comments", "comments-title",
        "comment-status", "comment-form-title", "footer-subscribe-email", "footer-subscribe-email-status",
        "footer-subscribe-email-hp",
    }
)  # fmt: skip
# And the ids made from data: a comment's ("c12"), the comment form's fields
# and their hints and errors ("id_comment_helptext"). An author card's heading
# is "author--skolr", with two hyphens, which no heading's id has (slugify
# makes one of them): "Author bio" keeps "author-bio".
PAGE_ID_PATTERN = re.compile(r"c\d+|id_\w+")


def add_heading_anchors(body: str) -> str:
    """Give each h2–h4 an id made from its text, so sections can be linked.

    The id depends only on the body's headings up to it: its text, then "-2",
    "-3"… past an earlier heading's id or one of the page's own
    (``PAGE_IDS``), so saving a post again keeps every existing link working.
    """
    taken: set[str] = set()

    def anchor(match: re.Match) -> str:
        level, inner = match.group(1), match.group(2)
        base = slugify(html.unescape(strip_tags(inner)))[:60].strip("-") or "section"
        n = 2 if base in PAGE_IDS or PAGE_ID_PATTERN.fullmatch(base) else 1
        ident = base if n == 1 else f"{base}-{n}"
        while ident in taken or ident in PAGE_IDS:
            n += 1
            ident = f"{base}-{n}"
        taken.add(ident)
        return f'<h{level} id="{ident}">{inner}</h{level}>'

    return _HEADING.sub(anchor, body)


_CODE_BLOCK = re.compile(
    r"<pre(?:\s[^>]*)?>\s*<code(\s[^>]*)?>(.*?)</code>\s*</pre>",
    re.IGNORECASE | re.DOTALL,
)
_LANGUAGE = re.compile(r'\sclass="(?:[^"]*\s)?language-([\w+#.-]+)[^"]*"', re.IGNORECASE)


@lru_cache(maxsize=256)
def _lexer(language: str | None):
    """Pygments' lexer for a language the author chose, or None.

    Never a guess: ``guess_lexer`` took Python for Carbon, and the wrong
    class was then stored for good. Unknown names are shown as plain text.
    """
    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None


def _code_block(match: re.Match) -> tuple[str | None, str]:
    """The block's language, if the author chose a known one, and its text."""
    found = _LANGUAGE.search(match.group(1) or "")
    language = found.group(1) if found and _lexer(found.group(1)) else None
    return language, html.unescape(strip_tags(match.group(2)))


def plain_code_blocks(body: str) -> str:
    """Code blocks as the author wrote them: ``<pre><code>`` and escaped text.

    This is what is stored. The editor (ProseMirror) reads a code block's
    text only: markup inside it, such as the highlighting spans bodies were
    once stored with, loses the newlines between them when a post is edited
    again. Spans are dropped with their text and newlines kept; the
    ``language-…`` class is kept only when Pygments knows it. Idempotent.
    """

    def plain(match: re.Match) -> str:
        language, code = _code_block(match)
        css = f' class="language-{language}"' if language else ""
        return f"<pre><code{css}>{html.escape(code, quote=False)}</code></pre>"

    return _CODE_BLOCK.sub(plain, body)


def highlight_code(body: str) -> str:
    """Colour a stored body's code blocks with Pygments, for display.

    Highlighting is derived, so it is done when the body is shown, never
    stored (see ``plain_code_blocks``). Blocks with a language the author
    chose are coloured; the others are shown as escaped plain text in the
    same box. Bodies without code are returned at once; the others are
    remembered per body, so a page shown again costs a dictionary look-up.
    """
    return _highlighted(body) if "<pre" in body else body


@lru_cache(maxsize=128)
def _highlighted(body: str) -> str:
    return _CODE_BLOCK.sub(lambda match: code_block_html(*_code_block(match)), body)


def code_block_html(language: str | None, code: str) -> str:
    """One code block as readers see it, in posts and in comments alike: in
    the ``pre.code`` box, coloured when Pygments knows ``language`` (never
    guessed), else escaped plain text."""
    lexer = _lexer(language)
    if lexer is None:
        return f'<pre class="code"><code>{html.escape(code, quote=False)}</code></pre>'
    coloured = highlight(code, lexer, HtmlFormatter(nowrap=True))
    if not code.endswith("\n"):
        coloured = coloured.removesuffix("\n")  # Pygments ends every text with one
    return f'<pre class="code"><code class="language-{html.escape(language)}">{coloured}</code></pre>'
