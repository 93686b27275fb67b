"""The posts' trash: what "Delete" does to a post in the admin.

Deleting a post used to take it, its comments and its history of readers'
names and emails at once and for good (``posts.comments.delete_post_comments``):
one wrong row ticked in the list, and an article and its discussion were
gone. Now a post moved to the trash is a draft with ``trashed_at`` set:

- it leaves the blog on the next request, since nothing public reads drafts
  (pages, feeds, sitemaps, tag pages, search, preview links);
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

from .models import Post
from .subscriptions import enqueue_at


def trash_days() -> int:
    return settings.BLOG["TRASH_DAYS"]


def move_to_trash(post: Post) -> bool:
    """Take ``post`` off the blog into the trash; False if it was there already.

    Saved through ``Post.save()``, like any edit: the page cache is retired,
    the tag pages' copy of the publish date emptied, and the revision says
    what happened (simple-history takes who from the admin's request).
    """
    if post.in_trash:
        return False
    post.status, post.trashed_at = Post.Status.DRAFT, timezone.now()
    post._change_reason = "Moved to the trash"
    post.save()
    due = post.deleted_for_good_on
    transaction.on_commit(lambda: enqueue_at(empty_trash_task, due), robust=True)
    return True


def restore(post: Post) -> bool:
    """Bring ``post`` back from the trash as a draft; False if it was not there."""
    if not post.in_trash:
        return False
    post.trashed_at = None
    post._change_reason = "Restored from the trash (as a draft)"
    post.save()
    return True


def empty_expired(now=None) -> int:
    """Delete for good the posts in the trash for ``TRASH_DAYS`` or more;
    return how many. One at a time, through ``Post.delete()``: each takes its
    comments with it and retires the page cache (its ``post_delete``)."""
    cutoff = (now or timezone.now()) - timedelta(days=trash_days())
    deleted = 0
    for post in Post.objects.in_trash().filter(trashed_at__lte=cutoff).order_by("trashed_at"):
        with transaction.atomic():
            post.delete()
        deleted += 1
    return deleted


@task()
def empty_trash_task() -> int:
    """``empty_expired()`` on the worker, on the day a post's time in the
    trash ends; each run also deletes any older post whose own run was lost
    (a database restored from a backup, say)."""
    return empty_expired()
