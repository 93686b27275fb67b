"""Migration 0013 turns bodies highlighted on save back into plain code."""

import importlib

from tests.posts.test_code_blocks import HIGHLIGHTED, PYTHON_BLOCK


def test_migration_turns_highlighted_code_back_into_plain_text():
    migration = importlib.import_module("posts.migrations.0013_plain_code_blocks")
    assert migration.plain_code(f"<p>Before</p>{HIGHLIGHTED}") == f"<p>Before</p>{PYTHON_BLOCK}"
    guessed_fallback = '<pre class="code"><code class="language-text">a &amp;&lt; b\nc</code></pre>'
    assert migration.plain_code(guessed_fallback) == "<pre><code>a &amp;&lt; b\nc</code></pre>"
