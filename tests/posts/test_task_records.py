"""The task worker's finished rows, readers' addresses in their arguments,
are swept after FINISHED_TASK_DAYS by a daily task that keeps itself
scheduled (posts/task_records.py)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from posts.models import Subscriber
from posts.subscriptions import send_confirmation
from posts.task_records import forget_finished_tasks, schedule_sweep
from tests.comments.test_notifications import db_tasks, make_due, run_worker  # noqa: F401

pytestmark = pytest.mark.django_db

SWEEP = "posts.task_records.forget_finished_tasks"


def sent(address: str, days_ago: float, status=TaskResultStatus.SUCCESSFUL) -> str:
    """The row of a confirmation email to ``address`` that finished ``days_ago``."""
    result = send_confirmation.enqueue(address)
    finished = timezone.now() - timedelta(days=days_ago)
    DBTaskResult.objects.filter(pk=result.id).update(status=status, started_at=finished, finished_at=finished)
    return str(result.id)


def sweeps() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SWEEP, status=TaskResultStatus.READY))


def test_migrate_schedules_one_sweep_for_tomorrow(db_tasks):  # noqa: F811
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    [sweep] = sweeps()
    assert timedelta(hours=23) < sweep.run_after - timezone.now() <= timedelta(days=1)

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    assert len(sweeps()) == 1  # still one


# The worker closes the database connection when it stops: on PostgreSQL that
# ends a test's wrapping transaction, so tests that run it commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_sweep_deletes_rows_finished_before_the_period_and_schedules_the_next(db_tasks, settings):  # noqa: F811
    settings.FINISHED_TASK_DAYS = 14
    old_sent = sent("ann@example.com", days_ago=15)
    old_failed = sent("ben@example.com", days_ago=20, status=TaskResultStatus.FAILED)
    recent = sent("cy@example.com", days_ago=13)
    waiting = send_confirmation.using(run_after=timezone.now() + timedelta(days=3)).enqueue("dee@example.com")
    DBTaskResult.objects.filter(pk=waiting.id).update(enqueued_at=timezone.now() - timedelta(days=30))
    assert schedule_sweep() is True
    make_due(DBTaskResult.objects.filter(task_path=SWEEP))

    run_worker()

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert {str(pk) for pk in left} >= {recent, str(waiting.id)}
    assert old_sent not in {str(pk) for pk in left} and old_failed not in {str(pk) for pk in left}
    addresses = {row.args_kwargs["args"][0] for row in DBTaskResult.objects.filter(task_path__endswith="confirmation")}
    assert addresses == {"cy@example.com", "dee@example.com"}
    [done] = DBTaskResult.objects.filter(task_path=SWEEP, status=TaskResultStatus.SUCCESSFUL)
    assert done.return_value == 2
    [following] = sweeps()
    assert following.run_after > timezone.now() + timedelta(hours=23)


def test_the_period_is_a_setting(db_tasks, settings):  # noqa: F811
    settings.FINISHED_TASK_DAYS = 30
    kept = sent("ann@example.com", days_ago=20)
    forget_finished_tasks.call()
    assert DBTaskResult.objects.filter(pk=kept).exists()


def test_without_a_database_backend_nothing_is_scheduled():
    """The tests' immediate backend would run the sweep at once, and the sweep
    would schedule itself again without end."""
    assert schedule_sweep() is False
    assert forget_finished_tasks.call() == 0


def started(address: str, hours_ago: float) -> str:
    """The row of a confirmation email to ``address`` a worker started ``hours_ago`` and never finished."""
    result = send_confirmation.enqueue(address)
    when = timezone.now() - timedelta(hours=hours_ago)
    DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.RUNNING, started_at=when)
    return str(result.id)


@pytest.mark.django_db(transaction=True)
def test_a_task_its_worker_abandoned_runs_again(db_tasks, mailoutbox, caplog):  # noqa: F811
    """Found by QA: a worker killed outright (out of memory, a restarted
    machine) left its task "running" for ever: a newsletter's or a comment's
    emails were never sent. The sweep (daily, and at each migrate) puts a
    task started over an hour ago back in the queue; a recent one is left
    to the worker running it."""
    Subscriber.objects.create(email="lost@example.com")
    Subscriber.objects.create(email="busy@example.com")
    lost = started("lost@example.com", hours_ago=3)
    busy = started("busy@example.com", hours_ago=0.1)

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    rows = {str(row.pk): row for row in DBTaskResult.objects.filter(pk__in=[lost, busy])}
    assert rows[lost].status == TaskResultStatus.READY and rows[lost].started_at is None
    assert rows[busy].status == TaskResultStatus.RUNNING
    assert "Put 1 task(s) abandoned by a stopped worker back in the queue." in caplog.text

    run_worker()
    assert DBTaskResult.objects.get(pk=lost).status == TaskResultStatus.SUCCESSFUL
    assert [message.to for message in mailoutbox] == [["lost@example.com"]]
    assert DBTaskResult.objects.get(pk=busy).status == TaskResultStatus.RUNNING
