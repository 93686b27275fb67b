"""Erasing a commenter on request (GDPR article 17): everything the blog
keeps under their email address.

The rule for comments: a comment goes, unless someone else's public reply
hangs under it (at any depth). Such a comment stays in its place with its
text replaced by ``ERASED_TEXT`` and its name, email, website, address and
account link blanked: deleting it would leave the other readers' answers
replying to nothing ("In reply to a comment that is not shown"), and
their words are theirs to keep. The erased person's own replies follow the
same rule, so a thread keeps its shape and loses every word of theirs.

Their trusted-commenter entry, their follow-up emails (the ``followup``
flag of their comments, and their address's confirmation for them), their
email subscription and the task worker's
rows of emails to them go too, and the admin's history entries of their
comments lose the excerpt Django keeps as their name.
"""

import json
from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.tasks import TaskResultStatus
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment
from django_tasks_db.models import DBTaskResult

from skolr_blog.page_cache import content_changed

from .comment_format import render_markdown
from .comment_models import CommentBody, FollowerAddress, PendingComment, TrustedCommenter
from .subscription_models import Subscriber

ERASED_TEXT = "[removed at the commenter's request]"
ERASED_LOG_NAME = "[erased comment]"


@dataclass
class Erasure:
    """What erasing ``emails`` removes (planned, or done)."""

    emails: list[str]
    deleted: list[int] = field(default_factory=list)  # comment ids
    anonymized: list[int] = field(default_factory=list)  # comment ids
    replies_kept: int = 0  # others' public replies under the anonymized comments
    follows: int = 0  # articles whose new comments they were emailed about
    follower_address: int = 0  # their address's row for follow-up emails (confirmed or asked)
    trusted: int = 0
    subscriptions: int = 0
    mail_tasks: int = 0  # the task worker's rows of emails to them, waiting or sent

    @property
    def comments(self) -> int:
        return len(self.deleted) + len(self.anonymized)

    @property
    def anything(self) -> bool:
        return bool(self.comments or self.follower_address or self.trusted or self.subscriptions or self.mail_tasks)


def normalized(emails) -> list[str]:
    """Distinct addresses in lower case, as the tables compare them."""
    return list(dict.fromkeys(email.strip().lower() for email in emails if email and email.strip()))


def _their_comments(emails: list[str]):
    return XtdComment.objects.alias(email_lower=Lower("user_email")).filter(email_lower__in=emails)


def plan(emails) -> Erasure:
    """What erasing these addresses would remove; nothing is changed."""
    erasure = Erasure(normalized(emails))
    if not erasure.emails:
        return erasure
    theirs = list(_their_comments(erasure.emails).values("pk", "thread_id", "object_pk", "followup"))
    mine = {row["pk"] for row in theirs}
    # What readers see of their threads: a reply shows under its parent only
    # while every comment above it is public.
    visible = dict(
        XtdComment.objects.filter(
            thread_id__in={row["thread_id"] for row in theirs}, is_public=True, is_removed=False
        ).values_list("pk", "parent_id")
    )
    kept = set()
    for pk in visible.keys() - mine:
        above = _ancestors(pk, visible) & mine
        kept |= above
        erasure.replies_kept += bool(above)
    erasure.anonymized = sorted(kept)
    erasure.deleted = sorted(mine - kept)
    erasure.follows = len({row["object_pk"] for row in theirs if row["followup"]})
    erasure.follower_address = _their_follower_addresses(erasure.emails).count()
    erasure.trusted = TrustedCommenter.objects.filter(email__in=erasure.emails).count()
    erasure.subscriptions = _their_subscriptions(erasure.emails).count()
    erasure.mail_tasks = _their_mail_tasks(erasure.emails).count()
    return erasure


def _ancestors(pk: int, parents: dict[int, int]) -> set[int]:
    """The comments above ``pk`` in ``parents``, up to the first one not in
    it (a thread's first comment is its own parent)."""
    found = set()
    while (parent := parents.get(pk)) in parents and parent != pk and parent not in found:
        found.add(parent)
        pk = parent
    return found


def _their_follower_addresses(emails: list[str]):
    return FollowerAddress.objects.alias(email_lower=Lower("email")).filter(email_lower__in=emails)


def _their_subscriptions(emails: list[str]):
    return Subscriber.objects.alias(email_lower=Lower("email")).filter(email_lower__in=emails)


def _their_mail_tasks(emails: list[str]):
    """The task worker's rows whose arguments hold one of these addresses:
    emails waiting to go, and those sent or failed (django-tasks-db keeps a
    finished task's arguments). The address is matched as a whole JSON
    string, quotes included, so erasing ann@ leaves joann@'s rows; in both
    spellings the databases store it (PostgreSQL's jsonb keeps non-ASCII
    letters, SQLite the ``\\u`` escapes of ``json.dumps``). A row running
    now is left to finish: every send looks the address up again first."""
    mentions = Q()
    for email in emails:
        for spelling in {json.dumps(email), json.dumps(email, ensure_ascii=False)}:
            mentions |= Q(args_kwargs__icontains=spelling)
    return DBTaskResult.objects.filter(mentions).exclude(status=TaskResultStatus.RUNNING)


@transaction.atomic
def erase(emails) -> Erasure:
    """Erase these addresses now (planned again, in the transaction); say what was done."""
    erasure = plan(emails)
    if not erasure.anything:
        return erasure
    XtdComment.objects.filter(pk__in=erasure.anonymized).update(
        comment=ERASED_TEXT, user_name="", user_email="", user_url="", ip_address=None, user=None, followup=False
    )
    # Their words go from the HTML readers are shown too (a moderator's
    # earlier edit of those words with them).
    CommentBody.objects.filter(comment_id__in=erasure.anonymized).delete()
    erased = render_markdown(ERASED_TEXT)
    CommentBody.objects.bulk_create(CommentBody(comment_id=pk, html=erased) for pk in erasure.anonymized)
    # Their reviews and reader flags go with them (cascades).
    XtdComment.objects.filter(pk__in=erasure.deleted).delete()
    TrustedCommenter.objects.filter(email__in=erasure.emails).delete()
    _their_follower_addresses(erasure.emails).delete()
    _their_subscriptions(erasure.emails).delete()
    _their_mail_tasks(erasure.emails).delete()
    # Django names a comment in its history as "<name>: <first 50 characters>...".
    kinds = ContentType.objects.get_for_models(XtdComment, PendingComment, Comment, for_concrete_models=False)
    ids = [str(pk) for pk in erasure.deleted + erasure.anonymized]
    LogEntry.objects.filter(Q(content_type__in=kinds.values()), object_id__in=ids).update(object_repr=ERASED_LOG_NAME)
    content_changed()
    return erasure
