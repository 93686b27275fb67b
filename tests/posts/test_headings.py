"""Screen-reader users navigate by headings: no page skips a level (Lighthouse's heading-order).
And links lead to them: a post's headings never take an id the page uses."""

import importlib
import re
from collections import Counter
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from posts.html import add_heading_anchors
from posts.models import ChangeNote
from tests.comments.test_comment_section import comment_data
from tests.factories import make_author, make_comment, make_page, make_post

HEADING = re.compile(r"<h([1-6])[\s>]")


def heading_levels(html: str) -> list[int]:
    return [int(level) for level in HEADING.findall(html)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/", "/posts/django-vs-flask-vs-fastapi/", "/tags/django/", "/authors/skolr/", "/tags/", "/archive/2026/"],
)
def test_headings_start_at_one_and_never_skip_a_level(client, seed, path):
    make_comment(seed, comment="A comment, so the comment section has its headings.")
    response = client.get(path)

    assert response.status_code == 200
    levels = heading_levels(response.content.decode())
    assert levels[0] == 1, levels
    assert levels.count(1) == 1, levels
    skips = [(before, after) for before, after in pairwise(levels) if after > before + 1]
    assert skips == [], f"{path}: heading levels {levels}"


# --- A heading's id is never one the page uses ------------------------------

ID = re.compile(r'\sid="([^"]+)"')
CLASHING_BODY = (
    "<p>Intro.</p><h2>Naming</h2><p>Be clear.</p><h2>Comments</h2><p>When to write them.</p>"
    "<h2>Main</h2><p>The entry point.</p><h3>Comment status</h3><p>Resolved or not.</p>"
)


def ids_of(html: str) -> Counter:
    return Counter(ID.findall(html))


@pytest.mark.django_db
def test_a_heading_named_like_a_part_of_the_page_takes_an_id_of_its_own(client):
    """Found by QA: a section titled "Comments" took id="comments", so every
    "N comments" link (cards, byline, comment pages, reports) landed on it,
    not on the comments; "Main" took the skip link's target, "C12" a comment's."""
    post = make_post(title="Writing readable code", body=CLASHING_BODY)
    comment = make_comment(post, comment="Great piece.")
    post.body += f"<h2>C{comment.pk}</h2><p>The twelfth rule.</p>"
    post.save()
    url = post.get_absolute_url()

    html = client.get(url).content.decode()

    assert {name: n for name, n in ids_of(html).items() if n > 1} == {}
    assert f'href="{url}#comments"' in client.get("/").content.decode()  # the card's link…
    assert '<section class="comments" id="comments"' in html  # …leads to the comments
    assert '<main id="main"' in html and f'<li class="comment" id="c{comment.pk}">' in html
    for heading, anchor in [
        ("Naming", "naming"),  # no clash: the id it always had
        ("Comments", "comments-2"),
        ("Main", "main-2"),
        ("Comment status", "comment-status-2"),
        (f"C{comment.pk}", f"c{comment.pk}-2"),
    ]:
        assert f'id="{anchor}">{heading}</h' in html
        assert f'<a href="#{anchor}">{heading}</a>' in html  # the table of contents


@pytest.mark.django_db
def test_a_heading_about_the_author_keeps_its_id(client):
    """An author card's heading is "author--<slug>", which no heading's id can
    be, so a section titled "Author bio" keeps "author-bio", and links to it
    keep working."""
    post = make_post(body="<h2>Author bio</h2><p>Who writes here.</p>", author=make_author(slug="bio"))
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<h2 id="author-bio">Author bio</h2>' in html
    assert 'aria-labelledby="author--bio"' in html and ids_of(html)["author--bio"] == 1


def test_a_suffixed_id_is_never_another_headings():
    anchored = add_heading_anchors("<h2>Comments 2</h2><h2>Comments</h2><h2>Comments</h2><h2>Setup</h2><h2>Setup</h2>")
    assert ID.findall(anchored) == ["comments-2", "comments-3", "comments-4", "setup", "setup-2"]
    assert add_heading_anchors(anchored) == anchored


@pytest.mark.django_db
def test_no_id_of_the_article_or_a_page_can_be_a_headings(client):
    """Every id the templates give the article page (with a comment, a change
    note, related posts, a table of contents, the comment form and its
    errors) and a page: a heading of that name gets another."""
    make_post(title="Related", tags=["Style"])
    post = make_post(title="Writing readable code", body=CLASHING_BODY, tags=["Style"])
    make_comment(post)
    ChangeNote.objects.create(post=post, note="Added a section")
    page = make_page(body=CLASHING_BODY)
    shown = [
        client.get(post.get_absolute_url()).content.decode(),
        client.post("/comments/post/", comment_data(post, email="not an email")).content.decode(),
        client.get(page.get_absolute_url()).content.decode(),
    ]

    page_ids = set().union(*map(ids_of, shown)) - set(ID.findall(post.body + page.body))
    assert {
        "main",
        "comments",
        "comment-status",
        "toc-title",
        "related-title",
        "updates-title",
        "id_comment",
    } <= page_ids
    assert {name for name in page_ids if ID.findall(add_heading_anchors(f"<h2>{name}</h2>")) == [name]} == set()


@pytest.mark.django_db
def test_stored_posts_pages_and_revisions_get_their_headings_new_ids():
    """Migration 0027: bodies stored with a clashing id are rewritten as a save would."""
    migration = importlib.import_module("posts.migrations.0028_heading_ids_of_their_own")
    old = '<h2 id="naming">Naming</h2><p>…</p><h2 id="comments">Comments</h2><h2 id="main">Main</h2>'
    new = '<h2 id="naming">Naming</h2><p>…</p><h2 id="comments-2">Comments</h2><h2 id="main-2">Main</h2>'
    post, page = make_post(), make_page()
    for obj in (post, page):
        type(obj).objects.filter(pk=obj.pk).update(body=old)
        obj.history.update(body=old)

    migration.heading_ids_of_their_own(django_apps, SimpleNamespace(connection=connection))

    for obj in (post, page):
        obj.refresh_from_db()
        assert obj.body == new
        assert set(obj.history.values_list("body", flat=True)) == {new}
