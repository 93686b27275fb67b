"""Small, deterministic transforms of sanitized post HTML."""

import html
import re

from django.utils.html import strip_tags
from django.utils.text import slugify
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

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


_CODE_BLOCK = re.compile(
    r'<pre(?:\s[^>]*)?>\s*<code(?:\s+class="(?:[^"]*\s)?language-([\w+#.-]+)[^"]*")?[^>]*>(.*?)</code>\s*</pre>',
    re.IGNORECASE | re.DOTALL,
)


def highlight_code(body: str) -> str:
    """Colour code blocks with Pygments, once, when the post is saved.

    The language comes from the editor's ``language-…`` class; without one,
    Pygments guesses. The output is Pygments' own escaped markup, so it is as
    safe as the sanitized text it came from.
    """

    def render(match: re.Match) -> str:
        language, inner = match.group(1), match.group(2)
        code = html.unescape(strip_tags(inner))
        try:
            lexer = get_lexer_by_name(language) if language else guess_lexer(code)
        except ClassNotFound:
            lexer = TextLexer()
        name = language or (lexer.aliases[0] if lexer.aliases else "text")
        highlighted = highlight(code, lexer, HtmlFormatter(nowrap=True)).rstrip("\n")
        return f'<pre class="code"><code class="language-{name}">{highlighted}</code></pre>'

    return _CODE_BLOCK.sub(render, body)
