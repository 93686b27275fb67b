"""Migration 0013 turns bodies highlighted on save back into plain code."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from posts.models import Post
from posts.search_models import SearchDocument
from tests.factories import make_post
from tests.posts.test_code_blocks import HIGHLIGHTED, PYTHON_BLOCK


def test_migration_turns_highlighted_code_back_into_plain_text():
    migration = importlib.import_module("posts.migrations.0013_plain_code_blocks")
    assert migration.plain_code(f"<p>Before</p>{HIGHLIGHTED}") == f"<p>Before</p>{PYTHON_BLOCK}"
    guessed_fallback = '<pre class="code"><code class="language-text">a &amp;&lt; b\nc</code></pre>'
    assert migration.plain_code(guessed_fallback) == "<pre><code>a &amp;&lt; b\nc</code></pre>"


@pytest.mark.django_db
def test_migration_rewrites_posts_their_revisions_and_search_text():
    migration = importlib.import_module("posts.migrations.0013_plain_code_blocks")
    post = make_post(body="<p>Roots</p>")
    Post.objects.filter(pk=post.pk).update(body=HIGHLIGHTED)
    post.history.update(body=HIGHLIGHTED)
    SearchDocument.objects.filter(post=post).update(body="stale")

    migration.plain_code_blocks(django_apps, SimpleNamespace(connection=connection))

    assert Post.objects.get(pk=post.pk).body == PYTHON_BLOCK
    assert set(post.history.values_list("body", flat=True)) == {PYTHON_BLOCK}
    assert SearchDocument.objects.get(post=post).body == "import math x = math.sqrt(2) print(x)"
