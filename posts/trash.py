"""The trash: what "Delete" does to a post or a page in the admin.

Deleting a post used to take it, its comments and its history of readers'
names and emails at once and for good (``posts.comments.delete_post_comments``):
one wrong row ticked in the list, and an article and its discussion were
gone. Now a post or page moved to the trash is a draft with ``trashed_at``
set (``models.Trashable``):

- it leaves the blog on the next request, since nothing public reads drafts
  (pages, menus, feeds, sitemaps, tag pages, search, preview links);
- it keeps everything: body, tags, comments, revisions, old addresses;
- restored, it comes back as a draft, so an editor decides whether it goes
  live again (as WordPress does since 5.6) and nobody republishes by mistake;
- ``BLOG["TRASH_DAYS"]`` days after the move the task worker deletes it for
  good, comments included. Each move schedules that sweep for its day (no
  cron); ``manage.py empty_trash`` runs it by hand or from a cron job.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .models import Page, Post, Trashable
from .subscriptions import enqueue_at


def trash_days() -> int:
    return settings.BLOG["TRASH_DAYS"]


def move_to_trash(item: Trashable) -> bool:
    """Take a post or page off the blog into the trash; False if it was there already.

    Saved through its ``save()``, like any edit: the page cache and the
    menus are retired, a post's copy of its publish date on its tags
    emptied, and the revision says what happened (simple-history takes who
    from the admin's request).
    """
    with transaction.atomic():
        as_saved(item)
        if item.in_trash:
            return False
        item.make_draft()
        item.trashed_at = timezone.now()
        item._change_reason = "Moved to the trash"
        item.save()
    due = item.deleted_for_good_on
    transaction.on_commit(lambda: enqueue_at(empty_trash_task, due), robust=True)
    return True


def restore(item: Trashable) -> bool:
    """Bring a post or page back from the trash as a draft; False if it was not there."""
    with transaction.atomic():
        as_saved(item)
        if not item.in_trash:
            return False
        item.trashed_at = None
        item._change_reason = "Restored from the trash (as a draft)"
        item.save()
    return True


def as_saved(item: Trashable) -> None:
    """Read ``item`` again, locked until the transaction ends: it is saved
    whole, and the copy the admin read before (a list's rows, the form's
    object) would put back what anyone saved since (found by QA: a post
    moved to the trash just after an edit lost the edit). The lock has a
    concurrent admin save wait, as for two saves (revisions.one_save_at_a_time)."""
    item.refresh_from_db(from_queryset=type(item)._base_manager.select_for_update(no_key=True))


def empty_expired(now=None) -> dict[str, int]:
    """Delete for good the posts and pages in the trash for ``TRASH_DAYS``
    or more; return how many of each ("posts", "pages"). One at a time,
    through ``delete()``: a post takes its comments with it, and each
    retires the page cache."""
    cutoff = (now or timezone.now()) - timedelta(days=trash_days())
    deleted = {}
    for model in (Post, Page):
        expired = list(model.objects.in_trash().filter(trashed_at__lte=cutoff).order_by("trashed_at"))
        for item in expired:
            with transaction.atomic():
                item.delete()
        deleted[str(model._meta.verbose_name_plural)] = len(expired)
    return deleted


@task()
def empty_trash_task() -> dict[str, int]:
    """``empty_expired()`` on the worker, on the day a post's time in the
    trash ends; each run also deletes any older post whose own run was lost
    (a database restored from a backup, say)."""
    return empty_expired()
