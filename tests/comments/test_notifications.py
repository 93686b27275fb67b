"""Emails about comments: moderators hear about held comments, authors and
followers about published ones, followers leave with one click, and a mail
outage delays emails without losing comments."""

import email.policy
import io
import logging
import re
import signal
import unittest.mock
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.sites.models import Site
from django.core import signing
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus, task_backends
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from authors.models import Author
from authors.roles import MODERATORS
from posts import notifications
from posts.models import CommentReview
from tests.factories import confirm_followers, make_author, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

EACH, DAILY, OFF = Author.CommentNotifications
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
FAILING = {"default": {"BACKEND": "tests.comments.failing_mail.FailingBackend"}}


def author_with_account(preference=EACH, email="writer@example.com") -> Author:
    return make_author(user=make_user(email=email), comment_notifications=preference)


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """Call comment_published as the comment views do: inside their
    transaction, with the emails' tasks enqueued once it commits."""

    def publish(comment):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            notifications.comment_published(comment)

    return publish


@pytest.fixture
def held(django_capture_on_commit_callbacks):
    def hold(comment):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            notifications.comment_held(comment)

    return hold


@pytest.fixture
def db_tasks(settings):
    """Tasks stored in the database and run by `db_worker`, as in dev and production.

    Changing settings.TASKS sends setting_changed, on which django.tasks drops
    its cached backends; the check below proves the new backend is in use.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
    assert isinstance(task_backends["default"], DatabaseBackend)


def run_worker() -> None:
    """Run every task that is due, then stop, as `manage.py db_worker --batch` does.

    The worker installs its own signal handlers and log levels; they are put
    back so the rest of the test run is unaffected.
    """
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {sig: signal.getsignal(sig) for sig in signals}
    loggers = {name: logging.getLogger(name).level for name in ("django.tasks", "django_tasks_db")}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0, stdout=io.StringIO()
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for name, level in loggers.items():
            logging.getLogger(name).setLevel(level)


def make_due(results) -> None:
    results.update(run_after=timezone.now() - timedelta(seconds=1))


def ago(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


def links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def html_of(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


# --- Moderators ----------------------------------------------------------------


def test_held_comment_alerts_each_moderator_with_a_working_admin_link(client, mailoutbox, held):
    moderator = make_user(groups=[MODERATORS], email="mod@example.com")
    make_user(groups=[MODERATORS], email="MOD@example.com")  # the same address twice: one email
    make_user(groups=[MODERATORS], email="")
    make_user(groups=[MODERATORS], email="former@example.com", is_active=False)
    make_user(email="reader@example.com")
    post = make_post(title="Choosing a school ERP")
    comment = make_comment(
        post,
        user_name="Asha",
        user_email="asha@example.com",
        ip_address="203.0.113.7",
        comment="Which one handles timetables? See http://a.example and http://b.example",
        is_public=False,
    )
    CommentReview.objects.create(comment=comment, status="pending", reasons=",first_time,links,")

    held(comment)

    assert [message.to for message in mailoutbox] == [["mod@example.com"]]
    message = mailoutbox[0]
    assert message.subject == "Comment to moderate on “Choosing a school ERP”"
    for text in (message.body, html_of(message)):
        assert "Choosing a school ERP" in text
        assert "Asha" in text and "asha@example.com" in text and "203.0.113.7" in text
        assert "Which one handles timetables?" in text
        assert "First-time commenter, Too many links" in text
    admin_link = f"http://testserver/admin/django_comments_xtd/xtdcomment/{comment.pk}/change/"
    assert admin_link in links(message.body)
    assert admin_link in html_of(message)

    client.force_login(moderator)
    response = client.get(urlsplit(admin_link).path)
    assert response.status_code == 200
    assert "Which one handles timetables?" in response.content.decode()


def test_no_alert_once_a_moderator_has_decided(mailoutbox):
    make_user(groups=[MODERATORS], email="mod@example.com")
    comment = make_comment(make_post(), is_public=True)
    CommentReview.objects.create(comment=comment, status="approved")

    notifications.deliver.call("held", comment.pk, "mod@example.com")

    assert mailoutbox == []


# --- The post's author -----------------------------------------------------------


def test_author_gets_an_email_for_each_comment(mailoutbox, published):
    author = author_with_account(EACH)
    post = make_post(author=author, title="Attendance apps compared")
    comment = make_comment(post, user_name="Asha", comment="We use the second one.")

    published(comment)

    assert [message.to for message in mailoutbox] == [["writer@example.com"]]
    message = mailoutbox[0]
    assert message.subject == "New comment on “Attendance apps compared”"
    assert "Asha" in message.body and "We use the second one." in message.body
    comment_link = f"http://testserver{post.get_absolute_url()}#c{comment.pk}"
    assert comment_link in links(message.body)
    assert comment_link in html_of(message)
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_comment_hidden_and_approved_again_is_announced_once(mailoutbox, django_capture_on_commit_callbacks):
    from posts import moderation

    author = author_with_account(EACH)
    post = make_post(author=author)
    comment = make_comment(post, is_public=False, comment="Held for a moderator")
    CommentReview.objects.create(comment=comment, status=CommentReview.Status.PENDING)

    for status in ["approved", "rejected", "approved", "spam", "approved"]:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            moderation.decide(XtdComment.objects.get(pk=comment.pk), status)

    assert [message.to for message in mailoutbox] == [["writer@example.com"]]
    assert CommentReview.objects.get(pk=comment.pk).announced_at is not None
    assert XtdComment.objects.get(pk=comment.pk).is_public


def test_a_comment_approved_on_a_post_in_the_trash_tells_no_reader(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    """Found by QA: the author and the followers were emailed links to the
    post's page, a 404; the moderation queue now says where the post is."""
    from posts import moderation, trash

    post = make_post(author=author_with_account(EACH))
    make_comment(post, user_email="follower@example.com", followup=True)
    comment = make_comment(post, is_public=False, comment="Held for a moderator")
    CommentReview.objects.create(comment=comment, status=CommentReview.Status.PENDING)
    trash.move_to_trash(post)
    client.force_login(make_user("moderator", groups=[MODERATORS]))
    assert "(in the trash)</em>" in client.get("/admin/posts/pendingcomment/").content.decode()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        moderation.decide(XtdComment.objects.get(pk=comment.pk), "approved")

    assert mailoutbox == []


@pytest.mark.parametrize("same", ["account", "email"])
def test_author_is_not_told_about_their_own_comment(mailoutbox, published, same):
    author = author_with_account(EACH)
    post = make_post(author=author)
    if same == "account":
        comment = make_comment(post, user=author.user, user_email="another@example.com")
    else:
        comment = make_comment(post, user_email="Writer@Example.com")

    published(comment)

    assert mailoutbox == []


def test_author_who_chose_no_emails_gets_none(mailoutbox, published):
    post = make_post(author=author_with_account(OFF))
    published(make_comment(post))
    assert mailoutbox == []


def test_author_without_an_account_email_gets_none(mailoutbox, published):
    published(make_comment(make_post(author=make_author())))
    published(make_comment(make_post(author=author_with_account(EACH, email=""))))
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_daily_digest_is_scheduled_once_and_lists_the_days_comments(db_tasks, mailoutbox):
    author = author_with_account(DAILY)
    post = make_post(author=author, title="Timetables without tears")
    other_post = make_post(author=author, title="Report cards")
    earlier = timezone.now() - timedelta(minutes=5)
    first = make_comment(post, user_name="Asha", comment="First thoughts.", submit_date=earlier)
    second = make_comment(other_post, user_name="Ben", comment="Second thoughts.", submit_date=earlier)
    make_comment(post, user=author.user, comment="The author's own reply.", submit_date=earlier)

    for comment in (first, second):
        with transaction.atomic():
            notifications.comment_published(comment)
    run_worker()

    author.refresh_from_db()
    digests = DBTaskResult.objects.filter(task_path="posts.notifications.send_digest")
    assert digests.count() == 1
    digest = digests.get()
    assert digest.status == TaskResultStatus.READY
    assert digest.run_after == author.digest_due_at
    due = author.digest_due_at.astimezone(UTC)
    assert (due.hour, due.minute) == (8, 0) and timezone.now() < due <= timezone.now() + timedelta(days=1)
    assert mailoutbox == []

    make_due(digests)
    run_worker()

    assert [message.to for message in mailoutbox] == [["writer@example.com"]]
    message = mailoutbox[0]
    assert message.subject == "Daily digest: 2 new comments on your posts"
    for text in (message.body, html_of(message)):
        assert "Timetables without tears" in text and "Report cards" in text
        assert "First thoughts." in text and "Second thoughts." in text
        assert "The author's own reply." not in text
    assert f"http://testserver{post.get_absolute_url()}#c{first.pk}" in links(message.body)
    author.refresh_from_db()
    assert author.digest_due_at is None
    assert author.digest_covered_until > earlier


def test_digest_with_nothing_new_sends_nothing(mailoutbox):
    author = author_with_account(DAILY)
    make_comment(make_post(author=author), submit_date=timezone.now() - timedelta(days=3))
    due = datetime(2026, 1, 2, 8, tzinfo=UTC)
    Author.objects.filter(pk=author.pk).update(digest_due_at=due)

    notifications.send_digest.call(author.pk, due.isoformat())

    assert mailoutbox == []
    author.refresh_from_db()
    assert author.digest_due_at is None and author.digest_covered_until is not None


def test_a_comment_approved_again_is_not_new_in_the_next_digest(client, mailoutbox, monkeypatch, settings):
    """Found by QA: a comment readers' reports hid, which a moderator
    approved again, came back in its author's next daily digest as a new
    comment: the digest took a comment's last decision for the time it was
    published."""
    clock = {"now": datetime(2026, 3, 2, 10, tzinfo=UTC)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    author = author_with_account(DAILY)
    post = make_post(author=author, title="Timetables without tears")
    comment = make_comment(post, is_public=False, comment="Strong words about timetables.")
    CommentReview.objects.create(comment=comment, status="pending", reasons=",first_time,")
    moderator = Client()
    moderator.force_login(make_user(groups=[MODERATORS]))
    approve = {"action": "approve_comments", "_selected_action": [comment.pk]}
    assert moderator.post("/admin/posts/pendingcomment/", approve).status_code == 302

    def digest_at(moment):
        clock["now"] = moment
        Author.objects.filter(pk=author.pk).update(digest_due_at=moment)
        notifications.send_digest.call(author.pk, moment.isoformat())

    digest_at(datetime(2026, 3, 3, 8, tzinfo=UTC))
    assert [message.subject for message in mailoutbox] == ["Daily digest: 1 new comment on your posts"]
    assert "Strong words about timetables." in mailoutbox[0].body

    clock["now"] = datetime(2026, 3, 3, 12, tzinfo=UTC)
    for n in range(settings.COMMENTS_POLICY["FLAGS_TO_HIDE"]):
        client.post(f"/comments/flag/{comment.pk}/", REMOTE_ADDR=f"192.0.2.{n}")
    assert XtdComment.objects.get(pk=comment.pk).is_public is False
    clock["now"] = datetime(2026, 3, 3, 14, tzinfo=UTC)
    assert moderator.post("/admin/django_comments_xtd/xtdcomment/", approve).status_code == 302
    assert XtdComment.objects.get(pk=comment.pk).is_public is True

    digest_at(datetime(2026, 3, 4, 8, tzinfo=UTC))
    assert len(mailoutbox) == 1


def choose(author: Author, preference: str, minutes_ago: int = 0) -> None:
    """The author changes "Emails about comments on my posts" on their profile."""
    author.refresh_from_db()
    author.comment_notifications = preference
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    with unittest.mock.patch("django.utils.timezone.now", return_value=moment):
        author.save()


def announce(comment) -> None:
    """The comment is published, and the worker sends what that enqueued."""
    with transaction.atomic():
        notifications.comment_published(comment)
    run_worker()


@pytest.mark.django_db(transaction=True)
def test_an_author_who_switches_to_the_digest_is_not_sent_again_what_was_emailed(db_tasks, mailoutbox):
    """Found by QA: a digest reached back a day, so it listed again the
    comments emailed one by one before the author chose the digest."""
    author = author_with_account(EACH)
    post = make_post(author=author, title="Timetables without tears")
    before = make_comment(post, user_name="Asha", comment="Emailed at once.", submit_date=ago(minutes=20))
    announce(before)
    assert [message.subject for message in mailoutbox] == ["New comment on “Timetables without tears”"]

    choose(author, DAILY, minutes_ago=15)
    after = make_comment(post, user_name="Ben", comment="Kept for the digest.", submit_date=ago(minutes=10))
    announce(after)
    assert len(mailoutbox) == 1
    digests = DBTaskResult.objects.filter(task_path="posts.notifications.send_digest")
    make_due(digests)
    run_worker()

    digest = mailoutbox[-1]
    assert digest.subject == "Daily digest: 1 new comment on your posts"
    assert "Kept for the digest." in digest.body and "Emailed at once." not in digest.body


@pytest.mark.django_db(transaction=True)
def test_an_author_who_leaves_the_digest_gets_it_at_once_and_then_each_comment_once(db_tasks, mailoutbox):
    """Found by QA: the digest pending at 08:00 listed the comments
    published after the author chose an email each, emailed already."""
    author = author_with_account(DAILY)
    post = make_post(author=author, title="Timetables without tears")
    waiting = make_comment(post, user_name="Asha", comment="Waiting in the digest.", submit_date=ago(minutes=5))
    announce(waiting)
    assert mailoutbox == []

    choose(author, EACH)
    run_worker()  # the digest pending goes out now, with what it was waiting for

    assert [message.subject for message in mailoutbox] == ["Daily digest: 1 new comment on your posts"]
    assert "Waiting in the digest." in mailoutbox[0].body
    after = make_comment(post, user_name="Ben", comment="Emailed at once.")
    with transaction.atomic():
        notifications.comment_published(after)
    make_due(DBTaskResult.objects.filter(status=TaskResultStatus.READY))  # the digest once due at 08:00
    run_worker()

    assert [message.subject for message in mailoutbox[1:]] == ["New comment on “Timetables without tears”"]
    assert "Emailed at once." in mailoutbox[1].body
    author.refresh_from_db()
    assert author.digest_due_at is None


def test_an_author_who_chooses_no_emails_drops_the_pending_digest(mailoutbox, published):
    author = author_with_account(DAILY)
    published(make_comment(make_post(author=author), comment="Not wanted any more."))
    author.refresh_from_db()
    due = author.digest_due_at

    choose(author, OFF)
    notifications.send_digest.call(author.pk, due.isoformat())  # 08:00

    assert mailoutbox == []


# --- Readers following the post --------------------------------------------------


def test_followers_are_told_and_can_stop_with_one_click(client, mailoutbox, published):
    post = make_post(title="Parent portals", author=make_author())
    confirm_followers("fola@example.com", "waiting@example.com", "elsewhere@example.com", "asha@example.com")
    make_comment(post, user_email="fola@example.com", followup=True)
    make_comment(post, user_email="FOLA@example.com", followup=True)  # the same reader: one email
    make_comment(post, user_email="quiet@example.com", followup=False)
    make_comment(post, user_email="waiting@example.com", followup=True, is_public=False)
    make_comment(make_post(), user_email="elsewhere@example.com", followup=True)
    make_comment(post, user_email="asha@example.com", followup=True)
    new = make_comment(post, user_name="Asha", user_email="Asha@Example.com", followup=True, comment="Ours works.")

    published(new)

    assert [message.to for message in mailoutbox] == [["fola@example.com"]]
    message = mailoutbox[0]
    assert message.subject == "New comment on “Parent portals”"
    assert "Ours works." in message.body
    assert f"http://testserver{post.get_absolute_url()}#c{new.pk}" in links(message.body)
    [unsubscribe_link] = [link for link in links(message.body) if "/mail/unsubscribe/" in link]
    assert unsubscribe_link in html_of(message)

    # Opening the link (as a mail scanner would) only asks.
    response = client.get(urlsplit(unsubscribe_link).path)

    assert response.status_code == 200
    page = response.content.decode()
    assert "fola@example.com gets an email about each new comment on “Parent portals”." in page
    assert re.search(r'<form method="post" action="/mail/unsubscribe/[^"]+/">\s*<p><button type="submit">', page)
    assert XtdComment.objects.filter(user_email="fola@example.com", followup=True).count() == 1

    # The page's button: a form without a CSRF token, which the signed link replaces.
    response = Client(enforce_csrf_checks=True).post(urlsplit(unsubscribe_link).path)

    assert response.status_code == 200
    page = response.content.decode()
    assert "You will no longer get emails about new comments on “Parent portals”." in page
    assert not XtdComment.objects.filter(user_email__iexact="fola@example.com", followup=True).exists()
    assert XtdComment.objects.filter(user_email="elsewhere@example.com", followup=True).exists()

    mailoutbox.clear()
    published(make_comment(post, user_email="late@example.com", comment="Later news."))

    assert [message.to for message in mailoutbox] == [["asha@example.com"]]


def test_a_head_on_the_unsubscribe_link_answers_and_unsubscribes_nobody(client):
    """Link checkers ask with HEAD: it answers as the GET does (the page that
    asks), and like the GET it changes nothing."""
    post = make_post()
    make_comment(post, user_email="fola@example.com", followup=True)
    link = reverse("mail:unsubscribe", args=[notifications.unsubscribe_token("fola@example.com", post.pk)])

    response = client.head(link)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert XtdComment.objects.filter(user_email="fola@example.com", followup=True).count() == 1


def test_follower_email_offers_one_click_unsubscribe_to_mail_clients(mailoutbox, published):
    post = make_post(author=make_author())
    confirm_followers("fola@example.com")
    make_comment(post, user_email="fola@example.com", followup=True)
    published(make_comment(post))

    [message] = mailoutbox
    header = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<http://testserver/mail/unsubscribe/[^/]+/>", header)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As the SMTP mailer writes it: the URL on one line, not split into
    # RFC 2047 encoded words that mail clients would not decode.
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    assert f"\r\nList-Unsubscribe: {header}\r\n".encode() in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw

    # A mail client posts without a CSRF token (RFC 8058).
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(urlsplit(header[1:-1]).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not XtdComment.objects.filter(user_email="fola@example.com", followup=True).exists()


def test_emailed_links_lead_to_the_configured_site_after_migrate(settings, mailoutbox, published):
    """DJANGO_SITE_DOMAIN reaches the Site on migrate, and every link in a
    follower's email (body and List-Unsubscribe header alike) uses it."""
    settings.SITE_DOMAIN = "blog.skolr.example"
    settings.SITE_SCHEME = "https"

    call_command("migrate", verbosity=0, stdout=io.StringIO())

    assert Site.objects.get_current().domain == "blog.skolr.example"
    post = make_post(author=make_author())
    confirm_followers("fola@example.com")
    make_comment(post, user_email="fola@example.com", followup=True)
    new = make_comment(post)
    published(new)

    [message] = mailoutbox
    body_links = links(message.body)
    assert f"https://blog.skolr.example{post.get_absolute_url()}#c{new.pk}" in body_links
    assert all(link.startswith("https://blog.skolr.example/") for link in body_links)
    [unsubscribe_link] = [link for link in body_links if "/mail/unsubscribe/" in link]
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_link}>"


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def other_payload(token: str) -> str:
    """Someone else's address with this token's signature."""
    _, post_id = notifications.read_unsubscribe_token(token)
    forged = notifications.unsubscribe_token("victim@example.com", post_id)
    return forged.split(":")[0] + ":" + token.split(":", 1)[1]


def wrong_salt(token: str) -> str:
    email, post_id = notifications.read_unsubscribe_token(token)
    return signing.dumps({"email": email, "post": post_id})


@pytest.mark.parametrize("spoil", [tampered, other_payload, wrong_salt, lambda token: "not-a-token"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_invalid_unsubscribe_link_is_not_found_and_changes_nothing(client, spoil, method):
    post = make_post()
    make_comment(post, user_email="fola@example.com", followup=True)
    make_comment(post, user_email="victim@example.com", followup=True)
    token = spoil(notifications.unsubscribe_token("fola@example.com", post.pk))

    response = getattr(client, method)(reverse("mail:unsubscribe", args=[token]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert XtdComment.objects.filter(followup=True).count() == 2


# --- Mail outage -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_mail_outage_keeps_comments_and_retries_later(db_tasks, settings, mailoutbox):
    make_user(groups=[MODERATORS], email="mod@example.com")
    post = make_post(author=author_with_account(EACH))
    public = make_comment(post, comment="Published during the outage.")
    waiting = make_comment(post, comment="Held during the outage.", is_public=False)
    CommentReview.objects.create(comment=waiting, status="pending", reasons=",first_time,")
    settings.MAILERS = FAILING

    with transaction.atomic():
        notifications.comment_published(public)
        notifications.comment_held(waiting)
    run_worker()

    assert set(XtdComment.objects.values_list("comment", flat=True)) == {
        "Published during the outage.",
        "Held during the outage.",
    }
    assert mailoutbox == []
    deliveries = DBTaskResult.objects.filter(task_path="posts.notifications.deliver")
    failed = deliveries.filter(status=TaskResultStatus.FAILED)
    assert {result.exception_class_path for result in failed} == {"smtplib.SMTPServerDisconnected"}
    retries = deliveries.filter(status=TaskResultStatus.READY)
    assert retries.count() == failed.count() == 2
    assert all(result.run_after > timezone.now() for result in retries)
    assert all(result.args_kwargs["kwargs"] == {"attempt": 2} for result in retries)

    settings.MAILERS = LOCMEM
    make_due(retries)
    run_worker()

    assert sorted(message.to[0] for message in mailoutbox) == ["mod@example.com", "writer@example.com"]
    assert not deliveries.filter(status=TaskResultStatus.READY).exists()


def test_gives_up_after_the_last_attempt(db_tasks, settings, caplog):
    post = make_post(author=author_with_account(EACH))
    comment = make_comment(post)
    settings.MAILERS = FAILING

    with pytest.raises(OSError), caplog.at_level(logging.ERROR, logger="posts.notifications"):
        notifications.deliver.call("author", comment.pk, "writer@example.com", attempt=notifications.MAX_ATTEMPTS)

    assert not DBTaskResult.objects.exists()
    assert "Giving up on deliver" in caplog.text


@pytest.mark.parametrize(
    ("reply", "retried"),
    [((550, b"5.1.1 User unknown"), False), ((450, b"4.2.1 Mailbox busy, try later"), True)],
)
def test_an_address_the_mail_server_refuses_for_good_is_not_tried_again(db_tasks, settings, reply, retried, caplog):
    """Found by QA: "550 user unknown" was retried five more times over
    nine hours, for every email to that address; a 4xx reply is temporary."""
    post = make_post(author=author_with_account(EACH, email="gone@example.com"))
    comment = make_comment(post)
    settings.MAILERS = {"default": {"BACKEND": "tests.comments.failing_mail.RefusingBackend"}}

    with unittest.mock.patch("tests.comments.failing_mail.RefusingBackend.REPLY", reply), pytest.raises(OSError):
        notifications.deliver.call("author", comment.pk, "gone@example.com")

    assert DBTaskResult.objects.filter(task_path="posts.notifications.deliver").exists() is retried
    assert ("refused the recipient for good" in caplog.text) is not retried


def test_the_form_offers_what_the_followers_emails_are_about(client):
    """Found by QA: the box said "Email me when someone replies", and its
    ticker got an email about every new comment on the post, as its emails
    say ("each new comment")."""
    page = client.get(make_post(slug="followed").get_absolute_url()).content.decode()
    assert "Email me about new comments on this post" in page
    assert "replies" not in re.sub(r"<[^>]+>", "", page.split('id="comment-form-title"')[1]).lower()
