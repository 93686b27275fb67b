"""The admin's home page (posts/dashboard.py): each person sees the work
waiting for them, and only what they may act on."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from authors.roles import AUTHORS, EDITORS, MODERATORS
from posts import trash
from posts.models import CommentReview
from tests.factories import make_author, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

HOME = "/admin/"


def home(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def part(page: str, title: str) -> str:
    """The box of the home page headed ``title`` ("" when there is none)."""
    start = r'<div class="module work-module work-\d+">\s*<table>\s*<caption>(?:<a [^>]*>)?'
    found = re.search(start + re.escape(title), page)
    if not found:
        return ""
    return page[found.start() : page.index("</div>", found.start())]


def text(box: str) -> str:
    return re.sub(r"<[^>]+>", "", box)


def rows(box: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a></th>', box)


def test_an_author_sees_their_unfinished_posts_newest_first_and_how_many_of_each(client):
    user = make_user("writer", groups=[AUTHORS])
    me = make_author(user=user)
    for n in range(7):
        make_post(author=me, title=f"Draft {n}", status="draft", published_at=None)
    make_post(author=me, title="<b>Mine</b> in review", status="review", published_at=None)
    make_post(author=me, title="Out already")
    make_post(author=me, title="Tomorrow", published_at=timezone.now() + timedelta(days=1))
    trash.move_to_trash(make_post(author=me, title="Binned", status="draft", published_at=None))
    make_post(title="Someone else's draft", status="draft", published_at=None)
    client.force_login(user)

    page = home(client)
    box = part(page, "Your drafts")
    assert "Your drafts (8)" in text(box)
    assert rows(box) == ["&lt;b&gt;Mine&lt;/b&gt; in review", "Draft 6", "Draft 5", "Draft 4", "Draft 3"]
    assert "Submitted for review, saved" in box and "Draft, saved" in box
    for label, query in [
        ("7 drafts", "?state=draft"),
        ("1 in review", "?state=review"),
        ("1 scheduled", "?state=scheduled"),
        ("1 published", "?state=published"),
        ("1 in the trash", "?state=trash"),
    ]:
        assert f'<a href="/admin/posts/post/{query}">{label}</a>' in box
    assert '<a href="/admin/posts/post/add/">Write a new post</a>' in box
    assert "Someone else" not in page and "Binned" not in box.split("in the trash")[0]
    # Nothing of editors' or moderators' work.
    assert not part(page, "Waiting for review") and not part(page, "Scheduled") and not part(page, "Comments")


def test_an_editor_sees_the_review_queue_oldest_first_and_what_goes_live_next(client):
    editor = make_user("editor", groups=[EDITORS])
    ann, ben = make_author(name="Ann Lee"), make_author(name="Ben Ode")
    first = make_post(author=ann, title="Submitted first", status="review", published_at=None)
    make_post(author=ben, title="Submitted second", status="review", published_at=None)
    type(first).objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(days=2))
    soon = timezone.now() + timedelta(hours=3)
    make_post(author=ann, title="Goes live later", published_at=soon + timedelta(days=1))
    make_post(author=ben, title="Goes live soon", published_at=soon)
    client.force_login(editor)

    page = home(client)
    queue = part(page, "Waiting for review")
    assert rows(queue) == ["Submitted first", "Submitted second"]
    assert "by Ann Lee, last saved 2\xa0days ago" in text(queue)
    assert "by Ben Ode, last saved just now" in text(queue)
    assert f'href="/admin/posts/post/{first.pk}/change/"' in queue
    scheduled = part(page, "Scheduled")
    assert rows(scheduled) == ["Goes live soon", "Goes live later"]
    assert timezone.localtime(soon).strftime("%H:%M") in scheduled
    assert not part(page, "Your drafts")  # no author profile: nothing of their own
    assert not part(page, "Comments")


def test_a_moderator_sees_the_comments_held_for_them(client):
    moderator = make_user("moderator", groups=[MODERATORS])
    post = make_post(title="Timetables")
    held = make_comment(post, user_name="Dana", is_public=False)
    CommentReview.objects.create(comment=held, status="pending")
    rejected = make_comment(post, user_name="Eli", is_public=False)
    CommentReview.objects.create(comment=rejected, status="rejected")
    make_comment(post, user_name="Fay")  # public
    client.force_login(moderator)

    page = home(client)
    box = part(page, "Comments waiting for a moderator")
    assert "Comments waiting for a moderator (1)" in text(box)
    assert rows(box) == ["Dana on “Timetables”"]
    assert "posted just now" in text(box)
    assert f'href="/admin/posts/pendingcomment/{held.pk}/change/"' in box
    assert '<a href="/admin/posts/pendingcomment/">The moderation queue</a>' in box
    assert not part(page, "Your drafts") and not part(page, "Waiting for review")

    CommentReview.objects.filter(comment=held).update(status="approved")
    assert "No comment is waiting: the queue is empty." in part(home(client), "Comments waiting")


def test_empty_queues_say_so(client):
    client.force_login(make_user("editor", groups=[EDITORS]))
    page = home(client)
    assert "Nothing is waiting for review." in part(page, "Waiting for review")
    assert "Nothing is scheduled." in part(page, "Scheduled")


@pytest.mark.parametrize("many", [False, True])
def test_the_home_page_costs_the_same_queries_however_much_work_waits(client, django_assert_max_num_queries, many):
    boss = make_user("boss", is_superuser=True, staff=True)
    me = make_author(user=boss)
    post = make_post(author=me)
    for n in range(12 if many else 1):
        make_post(author=me, title=f"Draft {n}", status="draft", published_at=None)
        make_post(title=f"Review {n}", status="review", published_at=None)
        make_post(title=f"Later {n}", published_at=timezone.now() + timedelta(days=n + 1))
        comment = make_comment(post, is_public=False)
        CommentReview.objects.create(comment=comment, status="pending")
    client.force_login(boss)
    home(client)  # the session, the content types
    with django_assert_max_num_queries(12):
        page = home(client)
    assert all(part(page, title) for title in ("Your drafts", "Waiting for review", "Scheduled", "Comments"))


def test_a_held_comment_on_a_post_in_the_trash_says_so(client):
    post = make_post(title="Binned")
    held = make_comment(post, user_name="Dana", is_public=False)
    CommentReview.objects.create(comment=held, status="pending")
    trash.move_to_trash(post)
    client.force_login(make_user("moderator", groups=[MODERATORS]))
    assert rows(part(home(client), "Comments waiting")) == ["Dana on “Binned” (in the trash)"]
