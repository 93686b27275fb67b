"""Editors hear of a post submitted for review; an author hears that an
editor published their post. Sent after the save commits, one task each."""

import pytest
from django.contrib.auth.models import Permission

from authors.roles import AUTHORS, EDITORS
from posts.models import Post
from tests.factories import admin_post_form, image_upload, make_author, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    writer = make_user("writer", groups=[AUTHORS], email="writer@example.com")
    author = make_author(user=writer, slug="writer", name="Wren Writer", photo=image_upload("me.png"))
    editors = [make_user(f"editor{n}", groups=[EDITORS], email=f"editor{n}@example.com") for n in (1, 2)]
    # An author who may publish their own posts is not an editor.
    solo = make_user("solo", groups=[AUTHORS], email="solo@example.com")
    solo.user_permissions.add(Permission.objects.get(codename="publish_post"))
    return author, editors


def save(client, post, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/posts/post/{post.pk}/change/", admin_post_form(title=post.title, slug=post.slug, **fields)
        )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_editors_hear_of_a_post_submitted_for_review(client, mailoutbox, team, django_capture_on_commit_callbacks):
    author, _editors = team
    post = make_post(author=author, status="draft", published_at=None, title="Fractions, visually")
    client.force_login(author.user)

    save(client, post, django_capture_on_commit_callbacks, status="review", excerpt="Area models for fractions.")

    assert sorted(message.to[0] for message in mailoutbox) == ["editor1@example.com", "editor2@example.com"]
    message = mailoutbox[0]
    assert message.subject == "Waiting for review: “Fractions, visually”"
    assert "Wren Writer submitted “Fractions, visually” for review." in message.body
    assert f"http://testserver/admin/posts/post/{post.pk}/change/" in message.body

    mailoutbox.clear()  # saving it again in review tells no one again
    save(client, post, django_capture_on_commit_callbacks, status="review", excerpt="Area models, again.")
    assert mailoutbox == []


def test_the_author_hears_when_an_editor_publishes_or_schedules(
    client, mailoutbox, team, django_capture_on_commit_callbacks
):
    author, editors = team
    ready = {
        "excerpt": "Area models for fractions.",
        "thumbnail": image_upload(),
        "thumbnail_alt": "A square cut in quarters",
        "new_tags": "Maths",
        "author": author.pk,
    }
    post = make_post(author=author, status="review", published_at=None, title="Fractions, visually")
    later = make_post(author=author, status="review", published_at=None, title="Decimals next")
    client.force_login(editors[0])

    save(client, post, django_capture_on_commit_callbacks, status="published", **ready)
    ready["thumbnail"] = image_upload()
    save(client, later, django_capture_on_commit_callbacks, status="published", **ready,
         published_at_0="2099-03-01", published_at_1="09:30:00")  # fmt: skip

    assert [message.to for message in mailoutbox] == [["writer@example.com"]] * 2
    assert mailoutbox[0].subject == "Published: “Fractions, visually”"
    assert Post.objects.get(pk=post.pk).get_absolute_url() in mailoutbox[0].body
    assert mailoutbox[1].subject == "Scheduled: “Decimals next”"
    assert "it goes live on 1 March 2099, 09:30 UTC" in mailoutbox[1].body


def test_no_notice_to_an_author_who_published_their_own_post(
    client, mailoutbox, team, django_capture_on_commit_callbacks
):
    author, _editors = team
    author.user.user_permissions.add(Permission.objects.get(codename="publish_post"))
    post = make_post(author=author, status="draft", published_at=None, title="Mine")
    client.force_login(author.user)
    save(client, post, django_capture_on_commit_callbacks, status="published", excerpt="Mine.",
         thumbnail=image_upload(), thumbnail_alt="A square", new_tags="Maths")  # fmt: skip
    assert Post.objects.get(pk=post.pk).is_published
    assert mailoutbox == []
