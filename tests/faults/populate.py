"""A populated site for the backup tests: the seed article plus an author
with a photo, a tagged post with a thumbnail, a reader account, and threaded
comments in every moderation state. Used in-process and by subprocesses
(``from tests.faults.populate import populate``)."""

from datetime import timedelta

from django.utils import timezone

from posts.models import CommentReview, Post
from tests.factories import image_upload, make_author, make_comment, make_post, make_user

SEED_SLUG = "django-vs-flask-vs-fastapi"


def populate() -> Post:
    seed = Post.objects.get(slug=SEED_SLUG)
    author = make_author(name="Grace Hopper", slug="grace-hopper", photo=image_upload("grace.png", colour="#a33"))
    make_post(
        author=author,
        title="Timetables, naïvely — and then properly",
        slug="timetables",
        tags=["Scheduling", "Django"],
        thumbnail=image_upload("timetable.png", size=(64, 48)),
        thumbnail_alt="A timetable",
        published_at=timezone.now() - timedelta(days=2),
    )
    make_user("reader", email="reader@example.com")
    statuses = list(CommentReview.Status)
    for n, status in enumerate(statuses * 2):
        comment = make_comment(
            seed,
            comment=f"Comment {n}: ünïcode ✓ and <b>markup</b>",
            is_public=status == CommentReview.Status.APPROVED,
            ip_address=f"192.0.2.{n + 1}",
        )
        CommentReview.objects.create(comment=comment, status=status, reasons="first_time")
        if status == CommentReview.Status.APPROVED:
            make_comment(seed, parent=comment, comment=f"A reply to comment {n}")
    # Less than a millisecond past the second: what Django's JSON serializer
    # (the portable backup) writes as ".000Z" and reads back as a whole second.
    make_comment(seed, comment="Posted on the second", submit_date=timezone.now().replace(microsecond=420))
    return seed
