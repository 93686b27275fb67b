"""Addresses never confirmed are deleted after ``UNCONFIRMED_DAYS`` (7):
by a task each new address schedules, or by
``manage.py forget_unconfirmed_subscribers``. Readers who confirmed, even
those who left since, keep their rows."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from posts.models import Subscriber
from tests.comments.test_notifications import db_tasks, make_due, run_worker  # noqa: F401
from tests.posts.test_subscriptions import link_to, subscriber

pytestmark = pytest.mark.django_db

FORGET = "posts.subscriptions.forget_unconfirmed_subscribers"


def given_days_ago(row: Subscriber, days: float) -> None:
    Subscriber.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))


def emails() -> set[str]:
    return set(Subscriber.objects.values_list("email", flat=True))


@pytest.fixture
def rows():
    """An address of each kind, eight days old, and one given six days ago."""
    for address, kind in [
        ("never@example.com", {"confirmed": False}),
        ("fan@example.com", {}),
        ("gone@example.com", {"unsubscribed": True}),
    ]:
        given_days_ago(subscriber(address, **kind), 8)
    given_days_ago(subscriber("recent@example.com", confirmed=False), 6)


def test_the_command_deletes_only_old_unconfirmed_addresses(rows):
    out = io.StringIO()
    call_command("forget_unconfirmed_subscribers", stdout=out)

    assert out.getvalue().strip() == "Deleted 1 unconfirmed subscriber (after 7 days)."
    assert emails() == {"fan@example.com", "gone@example.com", "recent@example.com"}

    call_command("forget_unconfirmed_subscribers", stdout=out)
    assert "Deleted 0 unconfirmed subscribers" in out.getvalue()


def test_the_period_is_a_setting(rows, settings):
    settings.SUBSCRIPTIONS = settings.SUBSCRIPTIONS | {"UNCONFIRMED_DAYS": 5}

    call_command("forget_unconfirmed_subscribers", stdout=io.StringIO())

    assert emails() == {"fan@example.com", "gone@example.com"}


# The worker runs in its own transactions, as in production: see
# tests/posts/test_subscriptions.py.
@pytest.mark.django_db(transaction=True)
def test_a_new_address_is_forgotten_by_the_worker_when_unconfirmed_after_a_week(db_tasks, mailoutbox):  # noqa: F811
    given_days_ago(subscriber("fan@example.com"), 30)

    response = Client().post("/subscribe/", {"email": "maybe@example.com", "honeypot": ""})
    assert response.status_code == 200
    row = Subscriber.objects.get(email="maybe@example.com")
    [sweep] = DBTaskResult.objects.filter(task_path=FORGET)
    assert sweep.run_after == row.created_at + timedelta(days=7)
    # Asked again, from another network: the same row, no second sweep.
    Client(REMOTE_ADDR="203.0.113.9").post("/subscribe/", {"email": "Maybe@example.com", "honeypot": ""})
    assert DBTaskResult.objects.filter(task_path=FORGET).count() == 1
    run_worker()  # sends the confirmation email; the sweep is not due
    assert [message.to for message in mailoutbox] == [["maybe@example.com"]]
    assert emails() == {"fan@example.com", "maybe@example.com"}

    # A week on, never confirmed.
    given_days_ago(row, 7.01)
    make_due(DBTaskResult.objects.filter(pk=sweep.pk))
    run_worker()

    assert emails() == {"fan@example.com"}


def test_a_reader_whose_address_was_forgotten_can_still_confirm_a_valid_link(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    """The sweep never strands a reader: a link still valid makes the row again."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/subscribe/", {"email": "late@example.com", "honeypot": ""})
    settings.SUBSCRIPTIONS = settings.SUBSCRIPTIONS | {"UNCONFIRMED_DAYS": 0}
    call_command("forget_unconfirmed_subscribers", stdout=io.StringIO())
    assert not Subscriber.objects.exists()

    Client().post(link_to(mailoutbox[0], "/mail/subscription/confirm/"))

    assert Subscriber.objects.get(email="late@example.com").is_receiving
