"""The queries that must stay flat as the blog grows use the indexes made for
them, on both databases. Timings belong to ``make bench``; these tests pin
the plans, so that a change which makes a database pass an index by fails
here: SQLite ignored migration 0009's public-comment index until migration
0011, because its condition was not written as SQLite's queries write it.

A test table of a few rows is read sequentially by PostgreSQL whatever its
indexes, so sequential scans are turned off for each ``EXPLAIN``: the plan
then shows the index PostgreSQL would use.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_comments.models import Comment

from posts.comments import comment_page
from posts.models import CoAuthor, Post
from posts.pagination import Cursor
from tests.factories import make_author, make_comment, make_post

pytestmark = pytest.mark.django_db

XTD_THREAD_INDEX = "django_comments_xtd_xtdcomment_thread_id"  # django-comments-xtd's, on thread_id alone


def plan(sql: str, params=(), **settings: str) -> str:
    """``EXPLAIN`` of a query; on PostgreSQL with planner ``settings`` set for it."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        else:
            for name, value in settings.items():
                cursor.execute(f"SET LOCAL {name} = {value}")
            cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_comment_counts_on_lists_read_the_public_comment_index():
    posts = [make_post() for _ in range(20)]
    content_type = ContentType.objects.get_for_model(Post)
    Comment.objects.bulk_create(
        Comment(content_type=content_type, object_pk=str(post.pk), site_id=1, comment="Hello",
                submit_date=timezone.now(), is_public=n % 5 != 0)
        for n, post in enumerate(posts * 10)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics, as autovacuum keeps them: a site of many posts, each with a few
    sql, params = Post.objects.published().with_comment_count().query.sql_with_params()
    assert "comment_public_by_post_idx" in plan(sql, params, enable_seqscan="off")


def test_a_page_of_comments_is_found_from_the_post_not_by_walking_every_thread():
    """Asked for in one step (``ORDER BY thread_id, "order" LIMIT 50``), a
    page of comments could be read by walking the whole blog's comments in
    thread order, checking each for the post: PostgreSQL did so for a long
    discussion newer than most comments (490 ms at 400,000 comments;
    docs/performance.md). Here it is told that sorting is dear, which is
    what made that walk look cheap: the page's query must offer no such walk."""
    post = make_post()
    root = make_comment(post)
    make_comment(post, parent=root)
    # Other posts' comments, and statistics that say so: with a comment or
    # two and whatever statistics earlier tests (or autovacuum) had left,
    # PostgreSQL read a table "of one row" by the site's index, and the
    # test passed or failed with the order the tests ran in.
    for other in [make_post() for _ in range(30)]:
        for _ in range(5):
            make_comment(other)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        assert len(comment_page(post, page=1, size=50)) == 2
    (query,) = queries.captured_queries
    found = plan(query["sql"], enable_sort="off", enable_seqscan="off")
    assert XTD_THREAD_INDEX not in found
    # The post's comments, by an index on the post: the public comments' own,
    # or (PostgreSQL may prefer it) django-comments' index on object_pk,
    # whose other conditions are a filter on those rows.
    assert "comment_public_by_post_idx" in found or "Index Cond: ((object_pk)::text = " in found


def test_the_home_pages_featured_block_reads_the_featured_index():
    """A handful of featured posts among many: the block reads its partial
    index (featured published posts, newest first) instead of walking every
    published post to find them."""
    for n in range(30):
        make_post(featured=n % 10 == 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    featured = Post.objects.published().featured().for_featured_block()[:3]
    sql, params = featured.query.sql_with_params()
    assert "post_featured_idx" in plan(sql, params, enable_seqscan="off")


def test_a_deep_page_starts_reading_at_its_cursor():
    """An ``?before=`` page reads the posts older than its cursor, not every
    newer one on the way: its index scan is bounded by the cursor's time.
    The list's own ``published_at <= now`` is an upper bound too, and SQLite
    bounds its scan by the first of the two written; the cursor's is a
    range, which it takes (15–22 ms of SQL at 100,000 posts before)."""
    posts = [make_post(published_at=timezone.now() - timedelta(days=n)) for n in range(30)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cursor_at = Cursor.of(posts[20])
    deep = Post.objects.published().filter(cursor_at.older(inclusive=True)).order_by("-published_at", "-pk")[:13]
    sql, params = deep.query.sql_with_params()
    assert [post.pk for post in deep] == [post.pk for post in posts[20:]]
    explained = plan(sql, params, enable_seqscan="off")
    if connection.vendor == "sqlite":
        assert "published_at>? AND published_at<?" in explained
    else:
        index_conditions = [line for line in explained.splitlines() if "Index Cond" in line]
        moment = cursor_at.published_at.strftime("%Y-%m-%d %H:%M:%S")
        assert any(f"published_at <= '{moment}" in line for line in index_conditions), explained


def test_a_co_writers_page_reads_their_posts_and_those_they_co_write_each_on_its_own(client):
    """An author who co-writes: their own posts are one range of the
    (author, status, published_at) index, the posts they co-write are
    joined from their rows of the co-authors' table, and the page reads as
    far as a page of each (``first_of_each``). The two in one OR made
    PostgreSQL walk the newest posts of every author (``post_ordering_idx``),
    testing each: 5,000 of them at 100,000 posts for an author of one post
    in 500 (docs/performance.md)."""
    # A hundred authors, ten posts each: with twenty, fifty each, reading the
    # newest posts of everyone until eleven were theirs cost PostgreSQL's
    # planner about as much as reading and sorting all fifty, and it took
    # one or the other from one machine to the next.
    authors = [make_author(slug=f"author-{n}") for n in range(100)]
    posts = Post.objects.bulk_create(
        Post(title=f"Post {n}", slug=f"post-{n}", author=authors[n % 100], status=Post.Status.PUBLISHED,
             published_at=timezone.now() - timedelta(hours=n))
        for n in range(1000)
    )  # fmt: skip
    # One post in ten, by an odd-numbered author, has an even-numbered co-author: ten each.
    CoAuthor.objects.bulk_create(CoAuthor(post=posts[n], author=authors[n // 10 % 10 * 2]) for n in range(5, 1000, 10))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/authors/author-0/").status_code == 200
    [page] = [query["sql"] for query in queries.captured_queries if " UNION " in query["sql"]]
    found = plan(page, enable_seqscan="off")
    # Their own posts through an index on the author (which one is the
    # planner's choice: the (author, status, published_at) one, or the
    # foreign key's for so few rows), never everyone's newest posts.
    on_author = "post_author_published_idx" if connection.vendor == "sqlite" else r"Index Cond: \(\(?author_id = "
    assert re.search(on_author, found), found
    assert "post_ordering_idx" not in found and "post_published_idx" not in found
