"""Comments by the blog's own people: shown under their author name, with a
badge saying who they are to the reader ("Author" of this article, or
"Team")."""

import re

import pytest
from django_comments import get_form
from django_comments_xtd.models import XtdComment

from authors.roles import AUTHORS, MODERATORS
from tests.factories import make_author, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def skolr():
    """The demo author: the account "skolr", signing posts as "Skolr"."""
    user = make_user("skolr", groups=[AUTHORS], email="skolr@example.com")
    return make_author(user=user, name="Skolr", slug="skolr")


@pytest.fixture
def post(skolr):
    return make_post(author=skolr, title="Frameworks compared")


def post_comment(client, post, **fields):
    data = get_form()(post).initial.copy() | {"reply_to": 0}
    data |= {"name": "", "email": "", "url": "", "comment": "Thanks for reading!"} | fields
    return client.post("/comments/post/", data, REMOTE_ADDR="203.0.113.9")


def header_of(page: str, text: str) -> str:
    """The header (name, badge, date) of the comment saying ``text``."""
    article = re.search(r'<article aria-label="[^"]*"><header class="comment-header">((?:(?!</header>).)*)</header>'
                        rf'<div class="comment-body"><p>{re.escape(text)}</p>', page, re.S)  # fmt: skip
    assert article, f"no comment saying {text!r}"
    return article.group(1)


def test_the_post_author_replies_under_their_author_name_with_an_author_badge(client, post, skolr):
    make_comment(post, user_name="Asha", user_email="asha@example.com", comment="Which one for a school?")
    reader = XtdComment.objects.get()
    client.force_login(skolr.user)
    response = post_comment(client, post, reply_to=reader.pk, comment="Django, for its admin.")
    assert response.status_code == 302

    page = client.get(post.get_absolute_url()).content.decode()
    header = header_of(page, "Django, for its admin.")
    assert '<strong class="comment-author">Skolr</strong>' in header
    assert "skolr<" not in header  # not the username
    assert '<span class="comment-badge">Author<span class="visually-hidden"> of this article</span></span>' in header
    assert 'aria-label="Comment by Skolr"' in page
    assert "comment-badge" not in header_of(page, "Which one for a school?")
    # Emails and the moderation queue read the stored name.
    assert XtdComment.objects.get(comment="Django, for its admin.").user_name == "Skolr"


def test_other_staff_get_a_team_badge(client, post):
    moderator = make_user("mod", groups=[MODERATORS], first_name="Mo", last_name="Derator")
    client.force_login(moderator)
    post_comment(client, post, comment="Please keep it civil.")
    other_writer = make_user("guest", groups=[AUTHORS])
    make_author(user=other_writer, name="Guest Writer")
    client.force_login(other_writer)
    post_comment(client, post, comment="I wrote the follow-up.")
    client.logout()

    page = client.get(post.get_absolute_url()).content.decode()
    for text, name in [("Please keep it civil.", "Mo Derator"), ("I wrote the follow-up.", "Guest Writer")]:
        header = header_of(page, text)
        assert f'<strong class="comment-author">{name}</strong>' in header
        assert ">Team<" in header and ">Author<" not in header


def test_readers_get_no_badge_whatever_they_call_themselves(client, post):
    reader = make_user("reader", staff=False, email="reader@example.com", first_name="Ravi")
    make_comment(post, user=reader, user_name="Ravi", comment="A reader with an account.")
    make_comment(post, user_name="Skolr Author", user_email="x@example.com", comment="Someone signed out.")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "comment-badge" not in page
    assert '<strong class="comment-author">Skolr Author</strong>' in page


def test_an_earlier_comment_stored_with_the_username_shows_the_author_name(client, post, skolr):
    """Comments posted before author names were used kept "skolr"; they show
    the profile's name now (and a renamed author's new name)."""
    make_comment(post, user=skolr.user, user_name="skolr", comment="An old answer.")
    skolr.name = "Skolr Team"
    skolr.save()
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<strong class="comment-author">Skolr Team</strong>' in header_of(page, "An old answer.")
    reply = client.get(f"/comments/reply/{XtdComment.objects.get().pk}/").content.decode()
    assert "Reply to Skolr Team" in reply


def test_a_long_author_name_still_posts(client, post, skolr):
    skolr.name = "S" * 80
    skolr.save()
    client.force_login(skolr.user)
    assert post_comment(client, post, comment="Long names fit.").status_code == 302
    assert XtdComment.objects.get().user_name == "S" * 50


def test_a_refused_reply_to_the_author_names_them_as_the_thread_does(client, post, skolr):
    make_comment(post, user=skolr.user, user_name="skolr", comment="Ask me anything.")
    answer = XtdComment.objects.get()
    data = {"name": "Asha", "email": "asha@example.com", "reply_to": answer.pk}
    assert post_comment(client, post, **data, comment="First question.").status_code == 302
    refused = post_comment(client, post, **data, comment="A second one, too soon.")
    assert refused.status_code == 429
    assert f'Replying to <a href="#c{answer.pk}">Skolr</a>’s comment.' in refused.content.decode()
