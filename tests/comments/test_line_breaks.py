"""A comment's line breaks count as the browser counts them.

The textarea's ``maxlength`` counts a line break as one character; the
browser then sends it as "\\r\\n" (HTML form submission), which the server
counted as two. Found by QA: a poem of 2,994 characters, let through by the
browser, came back "at most 3000 characters (it has 3065)". Readers' and
moderators' forms count and store each line break as one "\\n".
"""

import re

import pytest
from django.test import Client
from django_comments_xtd.models import XtdComment

from authors.roles import MODERATORS
from posts.comment_models import CommentBody, CommentReview, TrustedCommenter
from posts.models import Post
from tests.comments.test_comment_section import comment_data
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/django_comments_xtd/xtdcomment/"
LINE = "Line of a poem that the reader pasted in."  # 41 characters


def poem(length: int, newline: str = "\n") -> str:
    """A text of ``length`` characters as the browser counts them (a line
    break is one), its lines joined by ``newline``, ending in "end."."""
    lines, count = [], 0
    while count + len(LINE) + 1 < length - 4:
        lines.append(LINE)
        count += len(LINE) + 1
    lines.append("x" * (length - 4 - count) + "end.")
    return newline.join(lines)


def test_the_helper_counts_as_the_browser_does():
    breaks = poem(2994).count("\n")
    assert len(poem(2994)) == 2994 and breaks == 71
    assert len(poem(2994, "\r\n")) == 2994 + breaks


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_a_comment_the_textarea_let_through_is_accepted_and_stored_with_one_character_line_breaks(
    client, newline, settings
):
    post = make_post()
    TrustedCommenter.objects.create(email="poet@example.com")  # published at once
    sent = poem(settings.COMMENT_MAX_LENGTH - 6, newline)

    response = client.post("/comments/post/", comment_data(post, email="poet@example.com", comment=sent))

    assert response.status_code == 302, re.findall(r'class="field-error"[^>]*>([^<]*)', response.content.decode())
    comment = XtdComment.objects.get()
    assert comment.comment == poem(settings.COMMENT_MAX_LENGTH - 6)
    assert CommentBody.objects.get(comment=comment).html.count("<br>") == 71
    page = Client().get(post.get_absolute_url()).content.decode()
    assert f"{LINE}<br>\n{LINE}" in page and "end.</p>" in page


def test_a_comment_longer_than_the_textarea_takes_is_refused_counting_as_the_browser(client, settings):
    post = make_post()
    sent = poem(settings.COMMENT_MAX_LENGTH + 1, "\r\n")

    response = client.post("/comments/post/", comment_data(post, comment=sent))

    assert response.status_code == 400
    limit = settings.COMMENT_MAX_LENGTH
    assert f"Ensure this value has at most {limit} characters (it has {limit + 1})." in response.content.decode()
    assert not XtdComment.objects.exists()


def test_a_preview_counts_and_shows_line_breaks_as_a_post_would(client, settings):
    post = make_post()
    data = comment_data(post, comment=poem(settings.COMMENT_MAX_LENGTH, "\r\n")) | {"preview": "1"}

    response = client.post("/comments/post/", data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="comment-preview"' in page and f"{LINE}<br>\n{LINE}" in page
    assert not XtdComment.objects.exists()


def test_a_comment_handed_back_keeps_all_the_reader_typed(client, settings):
    """An article taken down while the reader wrote: the whole text comes
    back, not the first 3,000 characters of what the browser sent."""
    post = make_post()
    sent = poem(settings.COMMENT_MAX_LENGTH, "\r\n")
    data = comment_data(post, comment=sent)
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)

    response = client.post("/comments/post/", data)

    assert response.status_code == 400
    kept = re.search(r'<textarea id="kept-comment"[^>]*>(.*?)</textarea>', response.content.decode(), re.DOTALL)[1]
    assert kept == poem(settings.COMMENT_MAX_LENGTH)


@pytest.fixture
def moderator(client):
    client.force_login(make_user("mod", groups=[MODERATORS]))


def test_a_moderators_reply_and_edit_count_line_breaks_as_readers_do(client, moderator, settings):
    post = make_post()
    question = make_comment(post, comment="Any poems?")
    sent = poem(settings.COMMENT_MAX_LENGTH, "\r\n")

    assert client.post(f"{CHANGELIST}{question.pk}/reply/", {"comment": sent}).status_code == 302
    reply = XtdComment.objects.get(parent_id=question.pk, level=1)
    assert reply.comment == poem(settings.COMMENT_MAX_LENGTH)

    edited = client.post(f"{CHANGELIST}{question.pk}/change/", {"decision": "approved", "comment": sent})
    assert edited.status_code == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', edited.content.decode())
    question.refresh_from_db()
    assert question.comment == poem(settings.COMMENT_MAX_LENGTH)


def test_approving_a_comment_stored_with_crlf_does_not_mark_it_edited(client, moderator):
    """Comments stored before this kept the browser's "\\r\\n": the form
    sends the same text back, which is no edit."""
    comment = make_comment(make_post(), comment="Two lines\r\nof comment.", is_public=False)
    CommentReview.objects.create(comment=comment, status="pending")

    response = client.post(f"{CHANGELIST}{comment.pk}/change/", {"decision": "approved", "comment": comment.comment})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_public
    assert CommentBody.objects.get(comment=comment).edited_at is None
    assert "Edited by a moderator" not in Client().get(make_post_url(comment)).content.decode()


def make_post_url(comment) -> str:
    return Post.objects.get(pk=comment.object_pk).get_absolute_url()
