"""Migration 0020 gives every comment written before Markdown its HTML."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from posts.comment_format import render_markdown
from posts.models import CommentBody
from tests.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def test_existing_comments_get_their_html_in_batches(client, monkeypatch):
    migration = importlib.import_module("posts.migrations.0020_comment_body")
    monkeypatch.setattr(migration, "BATCH", 2)
    post = make_post()
    texts = ["Plain words\non two lines", "A `snippet`", "```python\nx = 1\n```", "<script>no</script>", "Last"]
    comments = [make_comment(post, comment=text, formatted=False) for text in texts]
    held = make_comment(post, comment="Held *too*", is_public=False, formatted=False)

    migration.render_existing_comments(django_apps, SimpleNamespace(connection=connection))

    stored = dict(CommentBody.objects.values_list("comment_id", "html"))
    assert stored == {comment.pk: render_markdown(comment.comment) for comment in [*comments, held]}
    assert not CommentBody.objects.exclude(edited_at=None).exists()
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<code class="language-python"><span class="n">x</span>' in page
    assert "&lt;script&gt;no&lt;/script&gt;" in page
