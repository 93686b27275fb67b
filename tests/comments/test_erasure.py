"""Erasing a commenter on request: a confirmation page with counts first,
then every comment of theirs deleted, or emptied where others' public
replies hang under it, and their trust, follow-ups and subscription gone."""

from html import unescape

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from django_tasks_db.models import DBTaskResult

from authors.roles import AUTHORS, MODERATORS
from posts.erasure import ERASED_TEXT
from posts.models import CommentReview, TrustedCommenter
from posts.notifications import deliver
from posts.subscription_models import Subscriber
from posts.subscriptions import send_confirmation
from tests.comments.test_notifications import db_tasks  # noqa: F401
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/django_comments_xtd/xtdcomment/"
ERASE = f"{CHANGELIST}erase/"


@pytest.fixture
def moderator(client):
    user = make_user("mod", groups=[MODERATORS])
    client.force_login(user)
    return user


@pytest.fixture
def post():
    return make_post(title="Report cards")


def asha(post, **fields):
    fields = {"user_name": "Asha", "user_email": "asha@example.com", "ip_address": "198.51.100.7"} | fields
    return make_comment(post, **fields)


def ben(post, **fields):
    return make_comment(post, user_name="Ben", user_email="ben@example.com", **fields)


@pytest.fixture
def threads(post):
    """Asha's comments in every position a thread allows, among Ben's."""
    answered = asha(post, comment="Asha asks, Ben answers", user_url="https://asha.example", followup=True)
    ben_answer = ben(post, parent=answered, comment="Ben's answer stays")
    own_chain = asha(post, comment="Asha's first word")
    asha(post, parent=own_chain, comment="Asha talks to herself")
    ben_root = ben(post, comment="Ben starts", followup=True)
    asha(post, parent=ben_root, comment="Asha's reply to Ben", user_email="ASHA@Example.com")
    held = asha(post, comment="Asha held", is_public=False)
    CommentReview.objects.create(comment=held, status="pending")
    under_held = asha(post, comment="Asha under a pending reply")
    ben_held = ben(post, parent=under_held, comment="Ben's held reply", is_public=False)
    CommentReview.objects.create(comment=ben_held, status="pending")
    elsewhere = asha(make_post(), comment="Asha on another article", followup=True)
    TrustedCommenter.objects.create(email="asha@example.com")
    TrustedCommenter.objects.create(email="ben@example.com")
    Subscriber.objects.create(email="Asha@Example.com", confirmed_at=timezone.now())
    Subscriber.objects.create(email="ben@example.com", confirmed_at=timezone.now())
    return {"answered": answered, "ben_answer": ben_answer, "elsewhere": elsewhere, "ben_held": ben_held}


def test_the_confirmation_page_counts_and_changes_nothing(client, moderator, threads):
    form = client.get(ERASE)
    assert form.status_code == 200 and 'name="email"' in form.content.decode()
    before = XtdComment.objects.count()

    page = unescape(client.post(ERASE, {"email": " Asha@EXAMPLE.com "}).content.decode())

    assert "Erasing asha@example.com removes, for good:" in " ".join(page.split()).replace("<strong>", "").replace(
        "</strong>", ""
    )
    assert "<strong>6</strong> comments deleted" in page
    assert "<strong>1</strong> comment kept in place" in page and "public replies (1)" in page
    assert "follow-up emails on <strong>2</strong> articles" in page
    assert "<strong>1</strong> trusted-commenter entry;" in page
    assert "<strong>1</strong> email subscription to new posts" in page
    assert "Asha talks to herself" in page and "emptied (replies under it)" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert XtdComment.objects.count() == before and Subscriber.objects.count() == 2


def test_erasing_removes_everything_of_theirs_and_keeps_the_threads(client, moderator, threads, post):
    answered = threads["answered"]
    reader = Client()
    assert "Asha asks, Ben answers" in reader.get(post.get_absolute_url()).content.decode()
    LogEntry.objects.create(
        user=moderator,
        content_type=ContentType.objects.get_for_model(XtdComment),
        object_id=str(answered.pk),
        object_repr=str(answered),
        action_flag=CHANGE,
    )

    response = client.post(ERASE, {"email": "asha@example.com", "confirm": "yes"}, follow=True)

    message = unescape(response.content.decode())
    assert (
        "Erased asha@example.com: 6 comments deleted; 1 comment kept as “[removed at the commenter's request]” for the "
        "replies under them; follow-up emails stopped on 2 articles; 1 trusted-commenter entry and 1 email "
        "subscription removed; 0 records of emails to them (waiting or sent) deleted." in message
    )
    # Asha's words and details are gone from every table.
    assert not XtdComment.objects.filter(user_email__iexact="asha@example.com").exists()
    assert not XtdComment.objects.filter(user_name="Asha").exists()
    assert not XtdComment.objects.filter(comment__startswith="Asha").exists()
    kept = XtdComment.objects.get(pk=answered.pk)
    assert (kept.comment, kept.user_name, kept.user_email, kept.user_url) == (ERASED_TEXT, "", "", "")
    assert kept.ip_address is None and kept.user is None and kept.followup is False and kept.is_public
    assert LogEntry.objects.get(object_id=str(answered.pk)).object_repr == "[erased comment]"
    assert not TrustedCommenter.objects.filter(email="asha@example.com").exists()
    assert not Subscriber.objects.with_email("asha@example.com").exists()
    # Everyone else's: untouched, Ben's held reply included.
    assert XtdComment.objects.filter(user_email="ben@example.com").count() == 3
    assert XtdComment.objects.get(pk=threads["ben_held"].pk).comment == "Ben's held reply"
    assert TrustedCommenter.objects.filter(email="ben@example.com").exists()
    assert Subscriber.objects.with_email("ben@example.com").exists()
    assert XtdComment.objects.filter(user_email="ben@example.com", followup=True).exists()

    # The next reader sees the thread with Ben's answer under an emptied comment.
    page = unescape(reader.get(post.get_absolute_url()).content.decode())
    assert "Asha" not in page
    assert ERASED_TEXT in page and '<strong class="comment-author">Anonymous</strong>' in page
    start = page.index(f'id="c{answered.pk}"')
    assert start < page.index("Ben's answer stays") < page.index("</li></ol></li>", start)


def test_an_emptied_comment_shows_on_the_next_request(client, moderator, post):
    """Only an update, no delete: the page cache is retired by the erasure itself."""
    answered = asha(post, comment="Only this one")
    ben(post, parent=answered, comment="A reply")
    reader = Client()
    assert "Only this one" in reader.get(post.get_absolute_url()).content.decode()
    assert reader.get(post.get_absolute_url())["X-Page-Cache"] == "hit"

    client.post(ERASE, {"email": "asha@example.com", "confirm": "yes"})

    page = reader.get(post.get_absolute_url())
    assert page["X-Page-Cache"] == "miss" and "Only this one" not in page.content.decode()


def test_the_task_workers_rows_of_emails_to_them_go_too(client, moderator, post, db_tasks):  # noqa: F811
    """django-tasks-db keeps each email task's arguments, the address among
    them, waiting or long sent. Erasing deletes those rows, whatever the
    case of the address or its letters, but not a look-alike address's,
    nor a row the worker is running at that moment."""
    comment = asha(post, comment="Following this")
    for address in ["asha@example.com", "ASHA@example.com", "sasha@example.com", "zoe@exämple.org"]:
        deliver.enqueue("follower", comment.pk, address)
    send_confirmation.enqueue("Asha@Example.com")
    sent = deliver.enqueue("author", comment.pk, "asha@example.com")
    running = deliver.enqueue("held", comment.pk, "asha@example.com")
    DBTaskResult.objects.filter(pk=sent.id).update(status=TaskResultStatus.SUCCESSFUL)
    DBTaskResult.objects.filter(pk=running.id).update(status=TaskResultStatus.RUNNING)

    page = unescape(client.post(ERASE, {"email": "asha@example.com"}).content.decode())
    assert "<strong>4</strong> records of emails to them, waiting to be sent or sent" in page
    done = unescape(client.post(ERASE, {"email": "asha@example.com", "confirm": "yes"}, follow=True).content.decode())
    assert "4 records of emails to them (waiting or sent) deleted" in done
    left = {(row.args_kwargs["args"][-1], row.status) for row in DBTaskResult.objects.all()}
    assert left == {
        ("sasha@example.com", TaskResultStatus.READY),
        ("zoe@exämple.org", TaskResultStatus.READY),
        ("asha@example.com", TaskResultStatus.RUNNING),
    }

    client.post(ERASE, {"email": "Zoe@Exämple.org", "confirm": "yes"})
    left = {row.args_kwargs["args"][-1] for row in DBTaskResult.objects.all()}
    assert left == {"sasha@example.com", "asha@example.com"}


def test_an_emptied_comment_loses_its_formatted_words_and_its_edit_note(client, moderator, post):
    """The page shows the stored HTML, not the text: it is emptied too."""
    answered = asha(post, comment="My number is **0123**")
    ben(post, parent=answered, comment="A reply")
    client.post(f"{CHANGELIST}{answered.pk}/change/", {"decision": "approved", "comment": "My number is [removed]"})
    assert "Edited by a moderator" in Client().get(post.get_absolute_url()).content.decode()

    client.post(ERASE, {"email": "asha@example.com", "confirm": "yes"})

    page = unescape(Client().get(post.get_absolute_url()).content.decode())
    assert f"<p>{ERASED_TEXT}</p>" in page
    assert "My number" not in page and "Edited by a moderator" not in page


def test_the_admin_action_confirms_for_the_selected_comments_authors(client, moderator, threads):
    selected = [threads["answered"].pk, threads["ben_answer"].pk]
    page = unescape(
        client.post(CHANGELIST, {"action": "erase_commenters", "_selected_action": selected}).content.decode()
    )
    assert "Erasing asha@example.com, ben@example.com removes, for good:" in page.replace("<strong>", "").replace(
        "</strong>", ""
    )
    assert '<input type="hidden" name="email" value="ben@example.com">' in page
    assert XtdComment.objects.filter(user_email="ben@example.com").count() == 3


def test_an_address_with_nothing_stored_says_so(client, moderator, threads):
    page = client.post(ERASE, {"email": "nobody@example.com"}).content.decode()
    assert "Nothing is stored under nobody@example.com" in page and 'name="confirm"' not in page


@pytest.mark.parametrize("entered", ["", "not an address", "a@b@example.com"])
def test_an_invalid_address_is_refused_and_kept(client, moderator, threads, entered):
    response = client.post(ERASE, {"email": entered, "confirm": "yes"})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert XtdComment.objects.filter(user_email="asha@example.com").exists()


def test_only_moderators_erase(client, threads):
    erase = {"email": "asha@example.com", "confirm": "yes"}
    response = client.post(ERASE, erase)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_user("writer", groups=[AUTHORS]))
    assert client.get(ERASE).status_code == 403
    assert client.post(ERASE, erase).status_code == 403
    assert XtdComment.objects.filter(user_email__iexact="asha@example.com").count() == 7
    assert Subscriber.objects.with_email("asha@example.com").exists()


def test_the_comment_list_links_to_the_erasure(client, moderator):
    assert f'href="{ERASE}">Erase a commenter…' in client.get(CHANGELIST).content.decode()
