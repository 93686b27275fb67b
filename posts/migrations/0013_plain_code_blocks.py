"""Store code blocks as plain text again, in posts and in their revisions.

Bodies were highlighted with Pygments on save, which stored spans inside
``<pre><code>``; the editor dropped the newlines between them when a post
(or an old revision, whose form is filled from ``posts_historicalpost``) was
edited again. Code is now highlighted when shown (``posts.html``), so the
spans go: text and newlines are kept, and the ``language-…`` class only when
Pygments knows it. Blocks stored without a language got ``guess_lexer``'s
pick (Python as ``carbon``); that cannot be told from an author's choice
(guessing again also picks ``python`` for much Python), so only ``text``,
the guess's fallback that colours nothing, is dropped. The search index's
body text is rewritten for the posts changed. Written by hand, the
transforms frozen here.
"""

import html
import re

from django.db import migrations
from django.utils.html import strip_tags
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_CODE_BLOCK = re.compile(r"<pre(?:\s[^>]*)?>\s*<code(\s[^>]*)?>(.*?)</code>\s*</pre>", re.IGNORECASE | re.DOTALL)
_LANGUAGE = re.compile(r'\sclass="(?:[^"]*\s)?language-([\w+#.-]+)[^"]*"', re.IGNORECASE)


def _known(language: str) -> bool:
    try:
        get_lexer_by_name(language)
    except ClassNotFound:
        return False
    return True


def plain_code(body: str) -> str:
    """``body`` with each code block as ``<pre><code>`` and escaped plain text."""

    def plain(match: re.Match) -> str:
        found = _LANGUAGE.search(match.group(1) or "")
        code = html.unescape(strip_tags(match.group(2)))
        language = found.group(1) if found else None
        if language and (language == "text" or not _known(language)):
            language = None
        css = f' class="language-{language}"' if language else ""
        return f"<pre><code{css}>{html.escape(code, quote=False)}</code></pre>"

    return _CODE_BLOCK.sub(plain, body or "")


def _text(html_text: str) -> str:
    # posts.search.plain_text, frozen here.
    text = html.unescape(re.sub(r"<[^>]*>", " ", html_text or "")).replace("\ue000", "").replace("\ue001", "")
    return re.sub(r"\s+", " ", text).strip()


def _rewrite(model, db: str) -> list[tuple[int, str]]:
    """Rewrite the bodies with code blocks; return (pk, body) of those changed."""
    changed = []
    for pk, body in model.objects.using(db).filter(body__contains="<pre").values_list("pk", "body").iterator():
        plain = plain_code(body)
        if plain != body:
            model.objects.using(db).filter(pk=pk).update(body=plain)
            changed.append((pk, plain))
    return changed


def plain_code_blocks(apps, schema_editor):
    db = schema_editor.connection.alias
    SearchDocument = apps.get_model("posts", "SearchDocument")
    for pk, body in _rewrite(apps.get_model("posts", "Post"), db):
        SearchDocument.objects.using(db).filter(post_id=pk).update(body=_text(body))
    # Revisions: restoring one fills the editor from this table, before any save.
    _rewrite(apps.get_model("posts", "HistoricalPost"), db)


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0012_post_published_at_in_range"),
    ]

    operations = [
        migrations.RunPython(plain_code_blocks, migrations.RunPython.noop, elidable=True),
    ]
