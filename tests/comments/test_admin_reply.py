"""Moderators answer comments from the admin, as themselves, and fix a
comment's text there."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django_comments_xtd.models import XtdComment

from authors.roles import AUTHORS, MODERATORS
from posts.models import CommentReview, Post
from tests.factories import confirm_followers, make_author, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/django_comments_xtd/xtdcomment/"


def reply_url(comment) -> str:
    return f"{CHANGELIST}{comment.pk}/reply/"


def change_url(comment) -> str:
    return f"{CHANGELIST}{comment.pk}/change/"


@pytest.fixture
def writer():
    """The post's author, with an account that gets an email per comment."""
    return make_author(user=make_user("writer", groups=[AUTHORS], email="writer@example.com"), name="Wren Writer")


@pytest.fixture
def post(writer):
    return make_post(author=writer, title="Timetabling in spring")


@pytest.fixture
def moderator(client):
    user = make_user("mod", groups=[MODERATORS], email="mod@example.com", first_name="Mo", last_name="Derator")
    client.force_login(user)
    return user


def held(post, **fields):
    comment = make_comment(post, is_public=False, **fields)
    CommentReview.objects.create(comment=comment, status="pending", reasons=",first_time,")
    return comment


def test_a_moderator_replies_as_themselves_threaded_with_the_team_badge_and_followers_hear(
    client, post, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    confirm_followers("asha@example.com", "ben@example.com")
    question = make_comment(post, user_name="Asha", user_email="asha@example.com", followup=True, comment="Which day?")
    make_comment(post, user_name="Ben", user_email="ben@example.com", followup=True, comment="Also curious.")
    make_comment(post, user_name="Cy", user_email="cy@example.com", followup=False, comment="Not following.")

    assert f'href="{reply_url(question)}">Reply as yourself' in client.get(CHANGELIST).content.decode()
    assert f'href="{reply_url(question)}"' in client.get(change_url(question)).content.decode()
    form = client.get(reply_url(question)).content.decode()
    assert "Which day?" in form and 'name="comment"' in form and "Post reply as Mo Derator" in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reply_url(question), {"comment": "  Every Tuesday.  "})

    assert response.status_code == 302 and response["Location"] == CHANGELIST
    reply = XtdComment.objects.get(comment="Every Tuesday.")
    assert (reply.parent_id, reply.level, reply.user, reply.user_name) == (question.pk, 1, moderator, "Mo Derator")
    assert reply.is_public and reply.review.status == "approved" and reply.review.decided_by == moderator
    messages = client.get(CHANGELIST).content.decode()
    assert "see it on the article</a>" in messages and f"#c{reply.pk}" in messages

    page = Client().get(post.get_absolute_url()).content.decode()
    thread = re.search(rf'<li class="comment" id="c{question.pk}">(.*?)</li></ol></li>', page, re.S).group(1)
    assert f'<ol class="comment-list"><li class="comment" id="c{reply.pk}">' in thread
    header = re.search(rf'id="c{reply.pk}">.*?</header>', thread, re.S).group(0)
    assert '<strong class="comment-author">Mo Derator</strong>' in header and ">Team<" in header

    # As a reader's approved reply: the followers and the post's author, not the one replying.
    recipients = sorted(message.to[0] for message in mailoutbox)
    assert recipients == ["asha@example.com", "ben@example.com", "writer@example.com"]
    assert all("Every Tuesday." in message.body for message in mailoutbox)


def test_the_post_author_who_moderates_replies_with_the_author_badge(client, post, writer):
    writer.user.groups.add(*make_user("x", groups=[MODERATORS]).groups.all())
    client.force_login(writer.user)
    question = make_comment(post, comment="Did you write this?")
    assert "“Author” badge" in client.get(reply_url(question)).content.decode()
    assert client.post(reply_url(question), {"comment": "I did."}).status_code == 302
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<strong class="comment-author">Wren Writer</strong> <span class="comment-badge">Author' in page


def test_replying_to_a_held_comment_approves_it_first(client, post, moderator):
    question = held(post, comment="Is this still open?")
    form = client.get(reply_url(question)).content.decode()
    assert "This comment is awaiting moderation: posting your reply approves it too." in form

    assert client.post(reply_url(question), {"comment": "Yes, until June."}).status_code == 302

    question.refresh_from_db()
    assert question.is_public and question.review.status == "approved" and question.review.decided_by == moderator
    page = Client().get(post.get_absolute_url()).content.decode()
    assert "Is this still open?" in page and "Yes, until June." in page


@pytest.mark.parametrize("status", ["rejected", "spam"])
def test_a_rejected_or_spam_comment_is_not_answered(client, post, moderator, status):
    turned_down = make_comment(post, is_public=False, comment="Buy pills")
    CommentReview.objects.create(comment=turned_down, status=status)
    assert "—" in client.get(CHANGELIST).content.decode()  # no reply link in its row

    page = client.get(reply_url(turned_down)).content.decode()
    assert "This comment was rejected or marked as spam" in page and 'name="comment"' not in page
    response = client.post(reply_url(turned_down), {"comment": "Answer anyway"})

    assert response.status_code == 400
    assert "Approve it first if it deserves a public answer." in response.content.decode()
    assert not XtdComment.objects.filter(comment="Answer anyway").exists()
    assert XtdComment.objects.get(pk=turned_down.pk).is_public is False


def test_the_thread_depth_is_kept_as_on_the_public_page(client, post, moderator, settings):
    assert settings.COMMENTS_XTD_MAX_THREAD_LEVEL == 2
    root = make_comment(post, comment="Root")
    middle = make_comment(post, parent=root, comment="Middle")
    deepest = make_comment(post, parent=middle, comment="Deepest")
    assert deepest.level == 2

    page = client.get(reply_url(deepest)).content.decode()
    assert "This comment is as deep as a thread goes" in page
    assert f'href="{reply_url(middle)}">Reply to that comment' in page
    refused = client.post(reply_url(deepest), {"comment": "Too deep"})
    assert refused.status_code == 400 and not XtdComment.objects.filter(comment="Too deep").exists()
    # The public page offers no reply to it either.
    assert f'data-reply-to="{deepest.pk}"' not in Client().get(post.get_absolute_url()).content.decode()

    assert client.post(reply_url(middle), {"comment": "Deep enough"}).status_code == 302
    assert XtdComment.objects.get(comment="Deep enough").level == 2


def test_a_closed_article_or_an_unpublished_one_takes_no_reply(client, post, moderator):
    question = make_comment(post, comment="Late question")
    Post.objects.filter(pk=post.pk).update(allow_comments=False)
    assert client.post(reply_url(question), {"comment": "Closed"}).status_code == 400
    Post.objects.filter(pk=post.pk).update(allow_comments=True, status=Post.Status.DRAFT)
    refused = client.post(reply_url(question), {"comment": "Draft"})
    assert refused.status_code == 400 and "not published" in refused.content.decode()
    assert XtdComment.objects.count() == 1


def test_an_empty_reply_or_a_double_click_is_refused_with_a_message(client, post, moderator):
    question = make_comment(post)
    empty = client.post(reply_url(question), {"comment": "   "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    assert client.post(reply_url(question), {"comment": "Once"}).status_code == 302
    again = client.post(reply_url(question), {"comment": "Once"})
    assert again.status_code == 400 and "You have already posted this reply." in again.content.decode()
    assert XtdComment.objects.filter(comment="Once").count() == 1


def test_a_reply_sent_twice_from_the_moderation_queue_says_it_is_posted(client, post, moderator, writer):
    """Found by QA: the first reply approved the comment, which left the
    queue, and the second submit of the same form was a 404."""
    question = held(post, comment="Is this still open?")
    queue_reply = f"/admin/posts/pendingcomment/{question.pk}/reply/"
    assert 'value="Post reply as Mo Derator"' in client.get(queue_reply).content.decode()

    first = client.post(queue_reply, {"comment": "Yes, until June."})
    assert first.status_code == 302 and first["Location"] == "/admin/posts/pendingcomment/"
    again = client.post(queue_reply, {"comment": "Yes, until June."})

    assert again.status_code == 400
    page = again.content.decode()
    assert "You have already posted this reply." in page and "Is this still open?" in page
    assert f'href="{change_url(question)}"' in page  # it has left the queue: its page is in the list of all
    assert XtdComment.objects.filter(comment="Yes, until June.").count() == 1
    # Found outside the queue, and still only by those who may moderate.
    client.force_login(writer.user)
    assert client.post(queue_reply, {"comment": "Me too"}).status_code == 403
    assert not XtdComment.objects.filter(comment="Me too").exists()


def test_only_moderators_reply(client, post, writer):
    question = make_comment(post, comment="Anyone there?")
    # A reader (no staff account) is sent to log in.
    for response in [client.get(reply_url(question)), client.post(reply_url(question), {"comment": "Hi"})]:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_user("reader", staff=False))
    assert "/admin/login/" in client.post(reply_url(question), {"comment": "Hi"})["Location"]
    # The post's own author sees no comments in the admin: refused, on their own post too.
    client.force_login(writer.user)
    assert client.get(reply_url(question)).status_code == 403
    assert client.post(reply_url(question), {"comment": "Hi"}).status_code == 403
    assert XtdComment.objects.count() == 1


def test_the_reply_form_needs_its_csrf_token(post):
    question = make_comment(post)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("mod", groups=[MODERATORS]))
    assert client.post(reply_url(question), {"comment": "Forged"}).status_code == 403
    assert not XtdComment.objects.filter(comment="Forged").exists()


@pytest.mark.parametrize("bad", ["abc", "99999999999999999999", "0"])
def test_a_reply_address_naming_no_comment_is_a_404(client, moderator, bad):
    assert client.get(f"{CHANGELIST}{bad}/reply/").status_code == 404


# --- Editing ------------------------------------------------------------------


def test_an_edited_text_shows_on_the_next_request_and_the_history_says_who(client, post, moderator):
    comment = make_comment(post, comment="Call me on 0123 456 789 about it.")
    CommentReview.objects.create(comment=comment, status="approved")
    pending_reply = held(post, parent=comment, comment="Held reply")
    reader = Client()
    assert "0123 456 789" in reader.get(post.get_absolute_url()).content.decode()
    assert reader.get(post.get_absolute_url())["X-Page-Cache"] == "hit"

    response = client.post(change_url(comment), {"decision": "approved", "comment": "Ask me about it here."})

    assert response.status_code == 302
    page = reader.get(post.get_absolute_url()).content.decode()
    assert "Ask me about it here." in page and "0123 456 789" not in page
    entry = LogEntry.objects.get(object_id=str(comment.pk))
    assert entry.user == moderator and entry.get_change_message() == "Changed Comment."
    history = client.get(f"{CHANGELIST}{comment.pk}/history/").content.decode()
    assert "Changed Comment." in history and "Mo Derator" in history
    # Only the text changed: no new decision, and the held reply under it stays held.
    review = CommentReview.objects.get(comment=comment)
    assert review.decided_by is None and review.decided_at is None
    assert XtdComment.objects.get(pk=pending_reply.pk).is_public is False


def test_an_edit_made_in_the_queue_is_in_the_comments_one_history(client, post, moderator):
    """Found by QA: the text fixed and the comment approved on the
    moderation queue's page were logged under the queue's model: once
    approved, the comment's History among all comments said it had none."""
    comment = held(post, comment="Call me on 0123 456 789 about it.")
    queue_page = f"/admin/posts/pendingcomment/{comment.pk}/"
    assert client.post(f"{queue_page}change/", {"decision": "approved", "comment": "Ask me here."}).status_code == 302

    history = client.get(f"{CHANGELIST}{comment.pk}/history/").content.decode()
    assert "Changed decision and Comment." in history and "Mo Derator" in history
    assert client.get(f"{queue_page}history/")["Location"] == f"{CHANGELIST}{comment.pk}/history/"


def test_the_queues_history_of_before_moves_to_the_comments(client, post, moderator):
    """Migration 0031: entries the queue's page logged before are in the comment's History."""
    import importlib

    from django.apps import apps
    from django.contrib.admin.models import CHANGE
    from django.contrib.contenttypes.models import ContentType

    from posts.models import PendingComment

    comment = held(post, comment="Logged in the queue")
    queue = ContentType.objects.get_for_model(PendingComment, for_concrete_model=False)
    LogEntry.objects.create(
        user=moderator, content_type=queue, object_id=str(comment.pk), object_repr="Logged", action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Comment"]}}]',
    )  # fmt: skip

    importlib.import_module("posts.migrations.0031_comment_history_in_one_place").queue_entries_to_comments(apps, None)

    assert "Changed Comment." in client.get(f"{CHANGELIST}{comment.pk}/history/").content.decode()


def test_editing_a_comment_older_than_reviews_keeps_it_public(client, post, moderator):
    comment = make_comment(post, comment="Old typo: teh")
    form = client.get(change_url(comment)).content.decode()
    assert re.search(r'<option value="approved" selected>', form)
    assert client.post(change_url(comment), {"decision": "approved", "comment": "Old typo: the"}).status_code == 302
    comment.refresh_from_db()
    assert comment.is_public and comment.comment == "Old typo: the"


def test_an_edit_to_nothing_is_refused_and_keeps_the_text(client, post, moderator):
    comment = make_comment(post, comment="Keep me")
    response = client.post(change_url(comment), {"decision": "approved", "comment": "  "})
    assert response.status_code == 200 and "A comment needs some text" in response.content.decode()
    assert XtdComment.objects.get(pk=comment.pk).comment == "Keep me"


def test_an_edit_longer_than_readers_may_write_is_refused_and_keeps_the_text(client, post, moderator, settings):
    """Found by QA: a moderator's edit had no limit; readers' is COMMENT_MAX_LENGTH."""
    comment = make_comment(post, comment="Keep me")
    too_long = "x" * (settings.COMMENT_MAX_LENGTH + 1)
    response = client.post(change_url(comment), {"decision": "approved", "comment": too_long})
    assert response.status_code == 200
    assert f"Ensure this value has at most {settings.COMMENT_MAX_LENGTH} characters" in response.content.decode()
    assert XtdComment.objects.get(pk=comment.pk).comment == "Keep me"
    fits = "y" * settings.COMMENT_MAX_LENGTH
    assert client.post(change_url(comment), {"decision": "approved", "comment": fits}).status_code == 302


def test_an_imported_comment_longer_than_readers_may_write_can_be_decided_and_edited(client, post, moderator, settings):
    """Found by QA: a comment imported from WordPress (which takes 65,525
    characters) held for moderation could not be approved on its page, nor
    a typo in it fixed: "Ensure this value has at most 3000 characters"."""
    limit = settings.COMMENT_MAX_LENGTH
    text = "Our whole comment bank, line by line.\n" * (limit // 30)
    comment = held(post, comment=text.strip())
    as_sent = comment.comment.replace("\n", "\r\n")  # as the browser sends the textarea back

    response = client.post(change_url(comment), {"decision": "approved", "comment": as_sent})
    assert response.status_code == 302
    assert XtdComment.objects.get(pk=comment.pk).is_public is True
    assert "Edited by a moderator" not in client.get(post.get_absolute_url()).content.decode()

    fixed = comment.comment.replace("bank,", "list,", 1)  # a word changed: no longer
    assert client.post(change_url(comment), {"decision": "approved", "comment": fixed}).status_code == 302
    assert XtdComment.objects.get(pk=comment.pk).comment == fixed
    longer = client.post(change_url(comment), {"decision": "approved", "comment": fixed + " More."})
    assert f"Ensure this value has at most {len(fixed)} characters" in longer.content.decode()


def test_a_deep_comment_on_a_closed_article_offers_no_other_reply(client, post, moderator):
    """Found by QA: the refusal said the article was closed, then offered
    "Reply to that comment", which is refused for the same reason."""
    root = make_comment(post, comment="Root")
    middle = make_comment(post, parent=root, comment="Middle")
    deepest = make_comment(post, parent=middle, comment="Deepest")
    Post.objects.filter(pk=post.pk).update(allow_comments=False)

    page = client.get(reply_url(deepest)).content.decode()
    assert "Comments on this article are closed." in page
    assert "Reply to that comment" not in page


def test_a_moderators_reply_or_edit_opening_with_indented_code_keeps_it_a_block(client, post, moderator):
    """As a reader's comment: only the blank lines around the text go, so
    the four spaces that make its first line code stay."""
    code = "    def grade(score):\n        return score >= 50\n\nThat is the rule."
    question = make_comment(post)

    assert client.post(reply_url(question), {"comment": f"\n\n{code}\n"}).status_code == 302
    reply = XtdComment.objects.get(parent_id=question.pk, user=moderator)
    assert reply.comment == code

    response = client.post(change_url(question), {"decision": "approved", "comment": f"\n{code}  \n"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.comment == code
    page = Client().get(post.get_absolute_url()).content.decode()
    assert page.count('<pre class="code"><code>def grade(score):') == 2
    empty = client.post(change_url(question), {"decision": "approved", "comment": " \n "})
    assert "A comment needs some text: to take it down, reject it." in empty.content.decode()
