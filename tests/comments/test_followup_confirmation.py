"""Emails about new comments go only to addresses whose owners confirmed
them (double opt-in): anyone can type anyone's address in the comment form
and tick "Email me about new comments on this post" (found by QA)."""

import importlib
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.apps import apps as django_apps
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django_comments import get_form
from django_comments_xtd.models import XtdComment

from authors.roles import MODERATORS
from posts import followups, moderation
from posts.forms import FOLLOWUP_HINT
from posts.models import CommentReview, FollowerAddress
from posts.views import posted_comment_token
from tests.comments.test_notifications import html_of, links
from tests.factories import confirm_followers, count_queries, make_author, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

CONFIRM_SUBJECT = "Confirm you want emails about new comments on “Parent portals”"
ASKS_FIRST = "an email will ask you to confirm your address first"
CHECK_INBOX = "check your inbox, an email asks you to confirm your address first"


@pytest.fixture
def post():
    # An author without an account: the only emails are the readers'.
    return make_post(title="Parent portals", author=make_author())


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as a request does: its on-commit work (the emails' tasks) runs after it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def moderator():
    client = Client()
    client.force_login(make_user("mod", groups=[MODERATORS], email="mod@example.com"))
    return client


def submit(client, post, **fields):
    """The article's comment form, as a signed-out reader fills it in."""
    data = get_form()(post).initial.copy() | {"reply_to": 0, "url": "", "comment": "Which portal do you use?"}
    data |= {"name": "Asha", "email": "asha@example.com", "followup": "on"}
    return client.post("/comments/post/", data | fields, REMOTE_ADDR="203.0.113.5")


def approve(moderator, committed, comment) -> None:
    with committed():
        response = moderator.post(
            "/admin/posts/pendingcomment/", {"action": "approve_comments", "_selected_action": [comment.pk]}
        )
    assert response.status_code == 302


def publish(committed, post, **fields) -> XtdComment:
    """Another reader's comment, published directly (a trusted commenter's)."""
    with committed():
        return moderation.record(make_unsaved(post, **fields), CommentReview.Status.APPROVED)


def make_unsaved(post, **fields) -> XtdComment:
    comment = make_comment(post, **fields)
    XtdComment.objects.filter(pk=comment.pk).delete()
    comment.pk = None
    return comment


def sent_to(mailoutbox) -> list[tuple[str, str]]:
    return [(message.to[0], message.subject) for message in mailoutbox]


def confirm_link(message) -> str:
    [link] = [link for link in links(message.body) if "/mail/comments/confirm/" in link]
    assert link in html_of(message)
    return urlsplit(link).path


def test_an_unconfirmed_follower_is_asked_once_and_followed_only_after_the_button(
    client, post, moderator, mailoutbox, committed
):
    with committed():
        response = submit(client, post)
    held = XtdComment.objects.get(user_email="asha@example.com")
    assert held.is_public is False and held.followup is True
    page = client.get(response["Location"]).content.decode()
    assert "Your comment is held for review." in page and f"once it is approved, {ASKS_FIRST}" in page
    assert [to for to, _ in sent_to(mailoutbox)] == ["mod@example.com"]  # the moderator's alert, nothing to Asha
    mailoutbox.clear()

    approve(moderator, committed, held)

    assert sent_to(mailoutbox) == [("asha@example.com", CONFIRM_SUBJECT)]
    message = mailoutbox[0]
    assert "List-Unsubscribe" not in message.extra_headers
    assert "Parent portals" in message.body and "works for 3 days" in message.body
    link = confirm_link(message)
    row = FollowerAddress.objects.get()
    assert (row.email, row.confirmed_at, row.confirmations_sent) == ("asha@example.com", None, 1)

    # Not followed yet: a new comment emails nobody (no second confirmation either).
    mailoutbox.clear()
    publish(committed, post, user_email="ben@example.com", comment="We use the second one.")
    assert mailoutbox == []

    # A mail scanner opens the link (GET, HEAD): the page asks, nothing is confirmed.
    asked = client.get(link)
    assert asked.status_code == 200
    assert asked["Cache-Control"].startswith("max-age=0")
    page = asked.content.decode()
    assert "Send asha@example.com an email about each new comment on “Parent portals”?" in page
    assert re.search(r'<form method="post" action="/mail/comments/confirm/[^"]+/">\s*<p><button type="submit">', page)
    assert client.head(link).status_code == 200
    assert FollowerAddress.objects.get().confirmed_at is None

    # The page's button: no CSRF token, the signed link is the authorization.
    done = Client(enforce_csrf_checks=True).post(link)
    assert done.status_code == 200
    assert "asha@example.com will get an email about each new comment on “Parent portals”" in done.content.decode()
    row = FollowerAddress.objects.get()
    assert row.confirmed_at is not None and row.confirmations_sent == 0
    Client().post(link)  # twice: nothing changes
    assert FollowerAddress.objects.get().confirmed_at == row.confirmed_at

    publish(committed, post, user_email="cy@example.com", comment="Ours is fine.")
    assert sent_to(mailoutbox) == [("asha@example.com", "New comment on “Parent portals”")]
    assert "Ours is fine." in mailoutbox[0].body


def test_a_confirmed_address_follows_other_posts_without_asking_again(client, mailoutbox, committed):
    confirm_followers("Asha@Example.com")
    other = make_post(title="Report cards", author=make_author())

    with committed():
        response = submit(client, other, comment="Back again.")
    assert ASKS_FIRST not in client.get(response["Location"]).content.decode()
    asha = XtdComment.objects.get(user_email="asha@example.com")
    with committed(), transaction.atomic():
        moderation.decide(asha, CommentReview.Status.APPROVED)
    assert mailoutbox == []  # no confirmation: the address confirmed before

    publish(committed, other, user_email="ben@example.com")
    assert sent_to(mailoutbox) == [("asha@example.com", "New comment on “Report cards”")]


def test_a_comment_published_at_once_says_to_check_the_inbox(client, post, mailoutbox, committed):
    earlier = make_comment(post, user_name="Asha", user_email="asha@example.com")
    CommentReview.objects.create(comment=earlier, status="approved")  # so the next publishes directly

    with committed():
        response = submit(client, post, comment="Published directly.")

    assert XtdComment.objects.get(comment="Published directly.").is_public
    page = client.get(response["Location"]).content.decode()
    assert "Your comment is published." in page and CHECK_INBOX in page
    assert sent_to(mailoutbox) == [("asha@example.com", CONFIRM_SUBJECT)]


@pytest.mark.parametrize("fate", ["held", "spam", "rejected", "spam by a moderator"])
def test_a_comment_that_is_not_published_emails_its_address_nothing(client, post, moderator, mailoutbox, fate):
    """Else the form would mail anyone: type their address, get held."""
    if fate == "spam":
        response = submit(client, post, honeypot="filled by a bot", email="victim@example.com")
        assert XtdComment.objects.get().review.status == "spam"
    else:
        response = submit(client, post, email="victim@example.com")
        comment = XtdComment.objects.get()
        if fate != "held":
            status = "rejected" if fate == "rejected" else "spam"
            with transaction.atomic():
                moderation.decide(comment, status)
    assert response.status_code == 302

    assert [message for message in mailoutbox if "victim@example.com" in message.to] == []
    assert not FollowerAddress.objects.exists()
    assert not XtdComment.objects.filter(is_public=True).exists()


def test_signed_in_commenters_follow_at_once(client, post, moderator, mailoutbox, committed):
    reader = make_user("fola", email="fola@example.com", first_name="Fola")
    client.force_login(reader)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Email me about new comments on this post" in page and FOLLOWUP_HINT not in page

    with committed():
        response = submit(client, post, comment="Signed in and following.")
    comment = XtdComment.objects.get(user=reader)
    assert comment.followup and ASKS_FIRST not in client.get(response["Location"]).content.decode()
    approve(moderator, committed, comment)

    assert [to for to, _ in sent_to(mailoutbox)] == ["mod@example.com"]  # its alert; no confirmation
    mailoutbox.clear()
    publish(committed, post, user_email="ben@example.com")
    assert sent_to(mailoutbox) == [("fola@example.com", "New comment on “Parent portals”")]
    assert not FollowerAddress.objects.exists()


def test_the_form_says_an_email_asks_to_confirm_first(client, post):
    page = client.get(post.get_absolute_url()).content.decode()
    assert FOLLOWUP_HINT in page
    assert 'aria-describedby="id_followup_helptext"' in page and 'id="id_followup_helptext"' in page


def test_a_confirmation_per_address_however_many_of_its_comments_are_published(post, mailoutbox, committed):
    """Found by QA for the newsletter: the limit is on the address's row,
    and the wait doubles with each email unanswered (CONFIRM_EMAIL_SECONDS)."""

    def published_comment():
        publish(committed, post, user_email="Asha@example.com", followup=True)
        return len(mailoutbox)

    assert published_comment() == 1
    assert published_comment() == 1  # within the ten minutes
    row = FollowerAddress.objects.get()
    FollowerAddress.objects.update(confirmation_sent_at=row.confirmation_sent_at - timedelta(minutes=11))
    assert published_comment() == 2
    FollowerAddress.objects.update(confirmation_sent_at=row.confirmation_sent_at - timedelta(minutes=11))
    assert published_comment() == 2  # the second unanswered: twenty minutes now
    FollowerAddress.objects.update(confirmation_sent_at=row.confirmation_sent_at - timedelta(minutes=21))
    assert published_comment() == 3
    assert FollowerAddress.objects.get().confirmations_sent == 3
    assert {message.to[0] for message in mailoutbox} == {"Asha@example.com"}


def test_the_database_keeps_one_row_per_address_in_any_case():
    FollowerAddress.objects.create(email="asha@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowerAddress.objects.create(email="ASHA@example.com")


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_or_altered_link_confirms_nothing_and_says_so(client, post, settings, method):
    token = followups.confirm_token("asha@example.com", post.pk)
    forged = signing.dumps({"email": "victim@example.com", "post": post.pk}, salt="something else")
    for bad in (token[:-2] + "xx", forged, "not-a-token", token.split(":")[0]):
        response = getattr(client, method)(reverse("mail:followup_confirm", args=[bad]))
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()

    settings.SUBSCRIPTIONS = settings.SUBSCRIPTIONS | {"CONFIRM_DAYS": -1}
    response = getattr(client, method)(reverse("mail:followup_confirm", args=[token]))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert not FollowerAddress.objects.exists()


def test_the_migration_keeps_current_followers(post, mailoutbox, committed):
    """Readers who got follow-ups before confirming existed keep them; an
    address whose comment waits for a moderator confirms when it is published."""
    migration = importlib.import_module("posts.migrations.0033_follower_addresses")
    make_comment(post, user_email="Fola@Example.com", followup=True)
    make_comment(make_post(), user_email="fola@example.com ", followup=True)
    make_comment(post, user_email="quiet@example.com", followup=False)
    make_comment(post, user_email="waiting@example.com", followup=True, is_public=False)
    make_comment(post, user=make_user(email="member@example.com"), user_email="member@example.com", followup=True)

    migration.confirm_current_followers(django_apps, SimpleNamespace(connection=connection))

    assert list(FollowerAddress.objects.values_list("email", flat=True)) == ["fola@example.com"]
    assert FollowerAddress.objects.get().confirmed_at is not None
    publish(committed, post, user_email="ben@example.com")
    assert sorted(to for to, _ in sent_to(mailoutbox)) == ["Fola@Example.com", "member@example.com"]


def test_the_page_after_posting_costs_no_query_more_for_a_follower(client, post):
    quiet = make_comment(post, followup=False, is_public=False)
    following = make_comment(post, followup=True, is_public=False)
    url = post.get_absolute_url() + "?comment="
    assert count_queries(client, url + posted_comment_token(quiet)) == count_queries(
        client, url + posted_comment_token(following)
    )


def test_erasing_a_commenter_forgets_their_confirmation(post):
    from posts import erasure

    make_comment(post, user_email="asha@example.com", followup=True)
    confirm_followers("Asha@Example.com", "ben@example.com")

    done = erasure.erase(["asha@example.com"])

    assert done.follower_address == 1
    assert list(FollowerAddress.objects.values_list("email", flat=True)) == ["ben@example.com"]
