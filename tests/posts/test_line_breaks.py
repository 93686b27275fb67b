"""The admin's textareas count line breaks as the browser does.

A textarea's ``maxlength`` counts a line break as one character; the
browser sends it as "\\r\\n", which the server counted as two (found by QA
on comments, tests/comments/test_line_breaks.py). An excerpt, a meta
description or a tag description the textarea let through was refused as
too long; the excerpt was stored with "\\r\\n".
"""

import importlib
import re
from html import unescape
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.db import connection
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from authors.roles import AUTHORS, EDITORS
from posts.models import Post, TagProfile
from tests.factories import admin_post_form, image_upload, make_author, make_comment, make_post, make_user
from tests.factories import complete_post_form as complete

pytestmark = pytest.mark.django_db


def lines(length: int, newline: str) -> str:
    """``length`` characters as the browser counts them, a line break every 20."""
    text = ("x" * 19 + "\n") * (length // 20) + "y" * (length % 20)
    return text.rstrip("\n").ljust(length, "z").replace("\n", newline)


def errors(response) -> list[str]:
    return [
        unescape(error)
        for error in re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', response.content.decode())
    ]


@pytest.fixture
def editor(client):
    client.force_login(make_user("editor", groups=[EDITORS]))


def test_an_excerpt_the_textarea_let_through_is_saved_with_one_character_line_breaks(client, editor):
    author = make_author(photo=image_upload("a.png"))
    page = client.get("/admin/posts/post/add/").content.decode()
    assert re.search(r'<textarea name="excerpt"[^>]*maxlength="300"', page)

    response = client.post("/admin/posts/post/add/", admin_post_form(author=author.pk, excerpt=lines(300, "\r\n")))

    assert response.status_code == 302, errors(response)
    assert Post.objects.get(slug="fresh-draft").excerpt == lines(300, "\n")
    too_long = client.post(
        "/admin/posts/post/add/", admin_post_form(author=author.pk, slug="other", excerpt=lines(301, "\r\n"))
    )
    assert "Ensure this value has at most 300 characters (it has 301)." in errors(too_long)


def test_publishing_counts_the_excerpts_line_breaks_as_the_browser(client):
    """The publishing rule (160 characters, for search snippets) counts as the field does."""
    writer = make_user("writer", groups=[AUTHORS])
    make_author(user=writer, slug="writer", photo=image_upload("me.png"))
    writer.user_permissions.add(Permission.objects.get(codename="publish_post"))
    client.force_login(writer)

    response = client.post("/admin/posts/post/add/", complete(status="published") | {"excerpt": lines(160, "\r\n")})

    assert response.status_code == 302, errors(response)
    post = Post.objects.get()
    assert post.is_published and post.excerpt == lines(160, "\n")


def test_a_meta_description_with_a_line_break_is_counted_as_typed_and_kept_on_one_line(client, editor):
    post = make_post(status="draft", published_at=None, slug="syndicated")
    description = "d" * 80 + "\r\n" + "e" * 79

    response = client.post(
        f"/admin/posts/post/{post.pk}/change/",
        admin_post_form(title=post.title, slug=post.slug, author=post.author.pk, meta_description=description),
    )

    assert response.status_code == 302, errors(response)
    post.refresh_from_db()
    assert post.meta_description == "d" * 80 + " " + "e" * 79


def test_a_tag_description_the_textarea_let_through_is_saved(client, editor):
    make_post(tags=["Assessment"])
    tag = Tag.objects.get(name="Assessment")
    described = lines(300, "\r\n")

    response = client.post(
        f"/admin/taggit/tag/{tag.pk}/change/", {"name": "Assessment", "slug": tag.slug, "description": described}
    )

    assert response.status_code == 302, errors(response)
    assert TagProfile.objects.get(tag=tag).description == lines(300, " ")  # one paragraph


def test_saving_an_excerpt_stored_with_newlines_unchanged_is_no_update(client, seed):
    """An excerpt stored with "\\n" (load_posts, imports) came back from the
    browser with "\\r\\n" and was stored so: a Save with nothing changed
    told readers and feeds the article was "Updated on" that day, and kept
    a revision."""
    Post.objects.filter(pk=seed.pk).update(excerpt="Which framework to learn first?\nA comparison for 2025.")
    seed.refresh_from_db()
    seed.save()  # its revision has this excerpt
    revisions = seed.history.count()
    client.force_login(make_user("editor", groups=[EDITORS]))
    data = admin_post_form(
        title=seed.title, slug=seed.slug, author=seed.author.pk, excerpt=seed.excerpt.replace("\n", "\r\n"),
        body=seed.body, thumbnail_alt=seed.thumbnail_alt, status="published",
        published_at_0="2026-03-19", published_at_1="09:00:00", tags=[tag.pk for tag in seed.tags.all()],
    )  # fmt: skip

    response = client.post(f"/admin/posts/post/{seed.pk}/change/", data)

    assert response.status_code == 302, errors(response)
    seed.refresh_from_db()
    assert seed.excerpt == "Which framework to learn first?\nA comparison for 2025."
    assert seed.content_updated_at is None and seed.history.count() == revisions
    client.logout()
    assert "Updated on" not in client.get(seed.get_absolute_url()).content.decode()


def test_the_migration_stores_excerpts_revisions_and_comments_with_one_character_line_breaks():
    migration = importlib.import_module("posts.migrations.0027_one_character_line_breaks")
    post = make_post(excerpt="Two\nlines")
    Post.objects.filter(pk=post.pk).update(excerpt="Two\r\nlines\rand a third")
    post.history.update(excerpt="Two\r\nlines")
    comment = make_comment(post, comment="A poem\r\nin two lines\r\n\r\nand a verse")
    untouched = make_comment(post, comment="One line")

    migration.one_character_line_breaks(django_apps, SimpleNamespace(connection=connection))

    assert Post.objects.get(pk=post.pk).excerpt == "Two\nlines\nand a third"
    assert set(post.history.values_list("excerpt", flat=True)) == {"Two\nlines"}
    assert XtdComment.objects.get(pk=comment.pk).comment == "A poem\nin two lines\n\nand a verse"
    assert XtdComment.objects.get(pk=untouched.pk).comment == "One line"
