"""Editors hear of a post submitted for review; an author hears that an
editor published their post. Sent after the save commits, one task each."""

import re

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
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(?:<li>)?(.*?)</", response.content.decode(), re.S)


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


def test_the_author_hears_when_an_editor_sends_their_post_back_to_draft(
    client, mailoutbox, team, django_capture_on_commit_callbacks
):
    author, editors = team
    editors[0].first_name, editors[0].last_name = "Ed", "Itor"
    editors[0].save()
    post = make_post(author=author, status="review", published_at=None, title="Fractions, visually")
    client.force_login(editors[0])

    save(client, post, django_capture_on_commit_callbacks, status="draft", excerpt="Area models.", author=author.pk)

    [message] = mailoutbox
    assert message.to == ["writer@example.com"]
    assert message.subject == "Back to draft: “Fractions, visually”"
    assert "Ed Itor sent “Fractions, visually” back to draft" in message.body
    assert f"http://testserver/admin/posts/post/{post.pk}/change/" in message.body

    # The author withdrawing their own post hears nothing, nor does anyone
    # when a draft is saved as a draft.
    mailoutbox.clear()
    Post.objects.filter(pk=post.pk).update(status="review")
    client.force_login(author.user)
    save(client, post, django_capture_on_commit_callbacks, status="draft", excerpt="Area models.")
    client.force_login(editors[1])
    save(client, post, django_capture_on_commit_callbacks, status="draft", excerpt="Again.", author=author.pk)
    assert mailoutbox == []


def test_a_returned_notice_that_fails_is_retried_naming_the_same_editor(team, mailoutbox, monkeypatch, settings):
    """The retry carries who sent the post back, like the first try."""
    from posts import editorial_mail

    author, _editors = team
    post = make_post(author=author, status="draft", published_at=None, title="Retried")
    retried = []
    monkeypatch.setattr(editorial_mail, "send_or_retry", lambda message, task, attempt, *args: retried.append(args))
    editorial_mail.deliver_editorial.call("returned", post.pk, "writer@example.com", "Ed Itor")
    assert retried == [("returned", post.pk, "writer@example.com", "Ed Itor")]
    monkeypatch.undo()
    assert editorial_mail.deliver_editorial.call("returned", post.pk, "writer@example.com", "Ed Itor", attempt=2) == 1
    assert "Ed Itor sent “Retried” back to draft" in mailoutbox[0].body
