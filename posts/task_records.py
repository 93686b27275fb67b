"""The task worker's finished rows go after ``FINISHED_TASK_DAYS``.

django-tasks-db keeps the row of every task it ran, arguments included: for
each email sent (a comment's followers, a new post to each subscriber, a
confirmation link) that is the reader's address, kept for good unless
someone deletes it, in a table that grows with every newsletter. A sweep
on the worker deletes the rows finished longer ago than that (successful
or failed; a waiting row is never touched), and puts back in the queue a
task a worker started over ``ABANDONED_AFTER`` ago and never finished: a
worker killed outright (out of memory, a machine restarted) leaves its task
"running" for ever, and a newsletter's or a comment's emails were never
sent (found by QA). There is no cron:
every ``migrate`` (each deploy, ``make run``) and each sweep make sure one
sweep waits for the next day (``run_after``). Erasing a commenter deletes
their rows at once (``posts.erasure``).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

EVERY = timedelta(days=1)
# The blog's tasks take seconds (a newsletter to 10,000 readers enqueues its
# emails in one); one "running" for an hour has lost its worker.
ABANDONED_AFTER = timedelta(hours=1)


def forget_finished(now=None) -> int:
    """Delete the rows of tasks finished more than ``FINISHED_TASK_DAYS`` ago; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.FINISHED_TASK_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def requeue_abandoned(now=None) -> int:
    """Put back in the queue the tasks started more than ``ABANDONED_AFTER``
    ago and not finished; return how many. A worker that stops as it should
    (Ctrl-C, SIGTERM) finishes its task first; one killed outright cannot
    say so. Run again, a newsletter's fan-out enqueues nothing its run had
    committed (its claim row); a comment's notices, or an email cut off as
    it was sent, may go twice, which beats never."""
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    abandoned = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    count = abandoned.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("Put %d task(s) abandoned by a stopped worker back in the queue.", count)
    return count


def schedule_sweep() -> bool:
    """Have one sweep wait on the worker for a day from now, unless one
    already waits; return whether one was enqueued. Nothing with a backend
    that does not keep rows (the tests' immediate one)."""
    backend = forget_finished_tasks.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    waiting = DBTaskResult.objects.filter(task_path=forget_finished_tasks.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        return False
    forget_finished_tasks.using(run_after=timezone.now() + EVERY).enqueue()
    return True


@task()
def forget_finished_tasks() -> int:
    """``forget_finished()`` and ``requeue_abandoned()`` once a day: the
    next sweep is scheduled first, so a failing sweep does not end the chain."""
    schedule_sweep()
    requeue_abandoned()
    return forget_finished()


def on_post_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    """After ``migrate`` (once, for this app): the first sweep, or the one
    lost with a database restored from before it."""
    if app_config is not None and app_config.name == "posts":
        schedule_sweep()
        requeue_abandoned()  # each deploy, as well as daily
