"""Readers' comments in a small Markdown subset, rendered to HTML once.

Readers of a developers' blog paste code: as plain text it lost its
indentation, and there was no way to write `inline code`, emphasis or a
link. Comments are now written in Markdown (markdown-it-py, CommonMark):
paragraphs and line breaks, `inline code`, fenced code blocks (coloured by
Pygments as in posts, when the fence names a language), *emphasis* and
**strong**, links (http, https and mailto only), quotes and lists. There
are no headings or rules (shown as the text typed), no images (an image is
a link to it) and no raw HTML (shown as text, escaped). Bare addresses
become links as before: only ``http(s)://…`` and ``www.…``, never
"views.py" or an email address.

nh3 then sanitizes the result against an allowlist, whatever markdown-it
produced: a bug or a surprise in the parser cannot put a script, an event
handler or a ``javascript:`` link on the page.

The HTML is stored with the comment when it is posted, imported or edited
(``CommentBody``), so an article page with many comments reads it instead of
parsing each one again.
"""

import re

import nh3
from django.utils.html import MAX_URL_LENGTH, Urlizer, linebreaks
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from pygments.token import STANDARD_TYPES

from .html import code_block_html

# Readers see a link's address, shortened past this many characters, so a
# long address cannot widen a phone's page.
LINK_TEXT_LIMIT = 60

# The hint under the comment box, and the admin's, saying what works.
HINT = "Markdown: `code`, ```blocks```, *emphasis*, [links](https://…)"

_SCHEME = re.compile(r"(?:https?|mailto):", re.IGNORECASE)


class _BareLinks:
    """What markdown-it's linkify rule asks of linkify-it, answered with the
    rules comments always had (Django's urlize, as ``posts.comments`` used
    it): ``http://``, ``https://`` and ``www.`` only, with urlize's handling
    of the punctuation around an address. linkify-it would also link
    "views.py" and "settings.py" (.py is a country's domain), which a
    developers' blog is full of."""

    _may_link = re.compile(r"https?://|www\.", re.IGNORECASE)
    _word = re.compile(r"\S+")
    _urlizer = Urlizer()

    class Match:
        def __init__(self, index: int, url: str, text: str):
            self.index, self.last_index = index, index + len(text)
            self.url, self.schema = url, "http:"
            self.text = text if len(text) <= LINK_TEXT_LIMIT else text[: LINK_TEXT_LIMIT - 1] + "…"

    def pretest(self, text: str) -> bool:
        return bool(self._may_link.search(text))

    def test(self, text: str) -> bool:
        return bool(self.match(text))

    def match(self, text: str) -> list[Match]:
        found = []
        for word in self._word.finditer(text):
            if not self._may_link.search(word.group()):
                continue
            lead, middle, _trail = self._urlizer.trim_punctuation(word.group())
            if len(middle) > MAX_URL_LENGTH:
                continue
            if self._urlizer.simple_url_re.match(middle):
                url = middle
            elif middle[:4].lower() == "www." and len(middle) > 4:
                url = f"https://{middle}"  # as urlize assumes (URLIZE_ASSUME_HTTPS)
            else:
                continue
            found.append(self.Match(word.start() + len(lead), url, middle))
        return found


def _fence(code: str, language: str, attrs: str) -> str:
    return code_block_html(language or None, code)


def _indented_code(self, tokens, idx, options, env) -> str:
    return code_block_html(None, tokens[idx].content) + "\n"


def _image_as_link(self, tokens, idx, options, env) -> str:
    """``![a diagram](https://…)`` as a link to it, named by its text: a
    stranger's image is not shown on the page (it could be anything, and
    the pages' Content-Security-Policy refuses other sites' images)."""
    token = tokens[idx]
    src = token.attrGet("src") or ""
    name = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(name)}</a>'


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": True, "highlight": _fence})
    md.disable(["heading", "lheading", "hr", "html_block", "html_inline"])
    md.core.ruler.enable("linkify")
    md.linkify = _BareLinks()
    # Links go where a reader may follow them: not javascript:, data: or
    # another page of this blog dressed up by a stranger.
    md.validateLink = lambda url: bool(_SCHEME.match(url))
    md.add_render_rule("code_block", _indented_code)
    md.add_render_rule("image", _image_as_link)
    return md


_md = _markdown()

_sanitizer = nh3.Cleaner(
    tags={"p", "br", "em", "strong", "code", "pre", "span", "a", "blockquote", "ul", "ol", "li"},
    attributes={"a": {"href"}, "code": {"class"}, "ol": {"start"}},
    allowed_classes={"pre": {"code"}, "span": {css for css in STANDARD_TYPES.values() if css}},
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    # Readers' links are theirs, not the blog's endorsement.
    link_rel="nofollow ugc noopener",
)


def render_markdown(text: str) -> str:
    """A comment's Markdown as sanitized HTML, ready to store and show."""
    rendered = _sanitizer.clean(_md.render(text)).strip()
    # A text that renders to nothing ("[a]: https://…" alone defines a link
    # and shows none) is shown as typed rather than as an empty comment.
    return rendered or linebreaks(text, autoescape=True)
