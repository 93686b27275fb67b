"""The admin's home page: the work waiting for whoever signed in, above the
list of models.

Django's admin opens on a list of models, which tells an author nothing of
their drafts, an editor nothing of the posts submitted for review, and a
moderator nothing of the comments held for them: each had to open the right
list with the right filter. Each part below shows only to those who may act
on it (the permissions of the pages it links to), newest work first, in a
fixed number of queries whatever the blog's size.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django_comments_xtd.models import XtdComment

from .comments import with_their_post
from .models import Post

SHOWN = 5  # rows per part; its link leads to the rest

POSTS = "admin:posts_post_changelist"


@dataclass
class Row:
    label: str
    url: str
    note: str = ""
    when: object = None  # a datetime shown after the note

    @property
    def when_text(self) -> str:
        """ "3 hours ago", "just now", or the date of what is still to come."""
        now = timezone.now()
        if self.when > now:
            return date_format(timezone.localtime(self.when), "j M Y, H:i")
        if now - self.when < timedelta(minutes=1):
            return "just now"
        return f"{timesince(self.when, now)} ago"


@dataclass
class Part:
    title: str
    count: int
    rows: list[Row]
    more_url: str
    more_label: str
    empty: str
    extra_links: list[tuple[str, str]] = field(default_factory=list)


def _change(post: Post) -> str:
    return reverse("admin:posts_post_change", args=[post.pk])


def _own_posts(user) -> Part | None:
    """An author's own posts, co-written ones too: what is unfinished, and how many of each state."""
    author = getattr(user, "author", None)
    if author is None or not user.has_perm("posts.change_post"):
        return None
    now = timezone.now()
    mine = Post.objects.written_by_user(user)
    counts = mine.aggregate(
        drafts=Count("pk", filter=Q(status=Post.Status.DRAFT, trashed_at__isnull=True)),
        review=Count("pk", filter=Q(status=Post.Status.REVIEW)),
        scheduled=Count("pk", filter=Q(status=Post.Status.PUBLISHED, published_at__gt=now)),
        published=Count("pk", filter=Q(status=Post.Status.PUBLISHED, published_at__lte=now)),
        trash=Count("pk", filter=Q(trashed_at__isnull=False)),
    )
    unfinished = (
        mine.outside_trash()
        .filter(status__in=[Post.Status.DRAFT, Post.Status.REVIEW])
        .only("title", "status", "updated_at")
        .order_by("-updated_at")[:SHOWN]
    )
    rows = [
        Row(post.title, _change(post), f"{post.get_status_display()}, saved", post.updated_at) for post in unfinished
    ]
    changelist = reverse(POSTS)
    # Editors' lists show everyone's posts: narrowed to this author's.
    mine_only = f"&author__id__exact={author.pk}" if user.has_perm("posts.edit_all_posts") else ""
    links = [
        (f"{counts['drafts']} draft{'' if counts['drafts'] == 1 else 's'}", f"{changelist}?state=draft{mine_only}"),
        (f"{counts['review']} in review", f"{changelist}?state=review{mine_only}"),
        (f"{counts['scheduled']} scheduled", f"{changelist}?state=scheduled{mine_only}"),
        (f"{counts['published']} published", f"{changelist}?state=published{mine_only}"),
    ]
    if counts["trash"]:
        links.append((f"{counts['trash']} in the trash", f"{changelist}?state=trash{mine_only}"))
    if user.has_perm("posts.add_post"):
        links.insert(0, ("Write a new post", reverse("admin:posts_post_add")))
    return Part(
        title="Your drafts",
        count=counts["drafts"] + counts["review"],
        rows=rows,
        more_url="",
        more_label="",
        empty="No drafts, and nothing waiting for review.",
        extra_links=links,
    )


def _counted(rows: list[Row], queryset) -> int:
    """How many ``queryset`` holds, counted only when the rows shown may not be all."""
    return queryset.count() if len(rows) == SHOWN else len(rows)


def _editor_queues(user) -> list[Part]:
    """Every author's posts submitted for review, oldest first (an editor's
    queue), and what goes live next by itself."""
    if not (user.has_perm("posts.publish_post") and user.has_perm("posts.edit_all_posts")):
        return []
    changelist = reverse(POSTS)
    waiting = Post.objects.outside_trash().filter(status=Post.Status.REVIEW)
    posts = waiting.select_related("author").only("title", "updated_at", "author__name").order_by("updated_at")
    review = [Row(p.title, _change(p), f"by {p.author.name}, last saved", p.updated_at) for p in posts[:SHOWN]]
    coming = Post.objects.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())
    posts = coming.only("title", "published_at").order_by("published_at")
    scheduled = [Row(p.title, _change(p), "goes live", p.published_at) for p in posts[:SHOWN]]
    return [
        Part(
            title="Waiting for review",
            count=_counted(review, waiting),
            rows=review,
            more_url=f"{changelist}?state=review",
            more_label="All posts in review",
            empty="Nothing is waiting for review.",
        ),
        Part(
            title="Scheduled",
            count=_counted(scheduled, coming),
            rows=scheduled,
            more_url=f"{changelist}?state=scheduled",
            more_label="All scheduled posts",
            empty="Nothing is scheduled.",
        ),
    ]


def _held_comments(user) -> Part | None:
    """Comments held for a moderator, newest first, with the post each is on."""
    if not (user.has_perm("django_comments.can_moderate") and user.has_perm("posts.view_pendingcomment")):
        return None
    held = XtdComment.objects.filter(
        content_type=ContentType.objects.get_for_model(Post), review__status="pending"
    ).order_by("-submit_date")
    comments = with_their_post(held.select_related(None)).only("user_name", "submit_date")[:SHOWN]
    rows = [
        Row(
            f"{comment.user_name or 'Someone'} on “{comment.post_title or 'a deleted post'}”"
            + (" (in the trash)" if comment.post_trashed else ""),
            reverse("admin:posts_pendingcomment_change", args=[comment.pk]),
            "posted",
            comment.submit_date,
        )
        for comment in comments
    ]
    return Part(
        title="Comments waiting for a moderator",
        count=_counted(rows, held),
        rows=rows,
        more_url=reverse("admin:posts_pendingcomment_changelist"),
        more_label="The moderation queue",
        empty="No comment is waiting: the queue is empty.",
    )


def dashboard(user) -> list[Part]:
    """The parts of the admin's home page ``user`` may act on, in order."""
    if not (user.is_active and user.is_staff):
        return []
    parts = [_own_posts(user), *_editor_queues(user), _held_comments(user)]
    return [part for part in parts if part is not None]
