"""The benchmark's data: deterministic, and fast to build with bulk inserts.

Start: the Skolr article from content/ (``manage.py load_posts``). Then:

- ``add_comment_variants``: copies of the article with 0, 20, 200 and 2,000
  public comments (threads three levels deep); the article itself gets 20.
- ``grow_posts(n)``: filler posts (published before the article, with a
  thumbnail, three tags each from a pool that includes the article's, so
  related posts and tag pages have real work) until the blog has n posts.
  One filler post in 10,000 (the 5,000th, 15,000th…) also gets the tag
  "Rare find": a tag whose few posts lie far apart, where a query that
  walks the newest posts looking for the tag's reads them all.
  A co-writer (``CO_WRITER``, outside that rotation) signs one filler
  post in 1,000 (the 501st, 1,501st…) and co-writes another (the 751st,
  1,751st…, Bench Author 1's): an author page of few posts spread over
  the years, read through both branches of ``PostQuerySet.by``. None of
  them is among the newest or oldest posts or search's first results,
  the pages measured before, and nobody else co-writes.
  Each filler post also gets ``FILLER_COMMENTS`` public comments, so the
  comment tables are the size of a real blog's (300,000 at 100,000 posts).
- ``late_discussion(n)``: a post whose n comments are the blog's newest,
  written again after each growth. The article's copies were commented
  first; a query that walks every comment in thread order finds theirs at
  once and this one's last.

Everything comes from ``random.Random(SEED)`` and fixed dates: two runs build
the same rows. Bulk inserts send no signals, so the search index is rebuilt
afterwards (``manage.py rebuild_search_index``) and PostgreSQL's statistics
refreshed (``ANALYZE``), as a real import would.
"""

from __future__ import annotations

import io
import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from authors.models import Author
from posts.comment_format import render_markdown
from posts.models import CoAuthor, CommentBody, Post, TaggedPost

SEED = 20_26
ARTICLE_SLUG = "django-vs-flask-vs-fastapi"
BATCH = 2_000
WORDS = (  # noqa: SIM905 - a sentence is easier to read than 40 quoted words
    "django python framework request response template query index cache page reader author comment thread "
    "database migration model view form admin static deploy server worker queue search feed tag archive "
    "student teacher course lesson school classroom learning assessment curriculum software platform"
).split()
TAG_NAMES = [f"Topic {n:02d}" for n in range(1, 41)]
RARE_TAG = "Rare find"
RARE_EVERY = 10_000
CO_WRITER = "bench-co-writer"
CO_WRITER_EVERY = 1_000
CO_WRITER_SIGNS = 501  # of every CO_WRITER_EVERY filler posts: past the first 256, whose texts rank first in search
CO_WRITER_CO_WRITES = 751  # a post of Bench Author 1 (n % 10 == 1), as is the 501st
FILLER_COMMENTS = 3
LATE_SLUG = "bench-late-discussion"
LATE_COMMENTS = 2_000


def article() -> Post:
    return Post.objects.get(slug=ARTICLE_SLUG)


def variant_slug(comments: int) -> str:
    return f"{ARTICLE_SLUG}-{comments}-comments"


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _body(rng: random.Random) -> str:
    paragraphs = [f"<p>{' '.join(_sentence(rng, rng.randint(8, 18)) for _ in range(4))}</p>" for _ in range(4)]
    return f"{paragraphs[0]}<h2>{_sentence(rng, 4)}</h2>{''.join(paragraphs[1:])}"


def _authors() -> list[Author]:
    """The article's author and nine more, created once."""
    existing = list(Author.objects.filter(slug__startswith="bench-author-").order_by("slug"))
    if not existing:
        Author.objects.bulk_create(
            [Author(name=f"Bench Author {n}", slug=f"bench-author-{n}") for n in range(1, 10)], batch_size=BATCH
        )
        existing = list(Author.objects.filter(slug__startswith="bench-author-").order_by("slug"))
    return [article().author, *existing]


def co_writer() -> Author:
    """The author who co-writes (``CO_WRITER``), outside ``_authors()``'s
    rotation: the other authors keep the posts they had."""
    return Author.objects.get_or_create(slug=CO_WRITER, defaults={"name": "Bench Co-writer"})[0]


def _number(post: Post) -> int:
    """A filler post's n, from its slug ``bench-post-n``."""
    return int(post.slug.rsplit("-", 1)[1])


def _tags() -> list[Tag]:
    """A pool of tags: the article's own and 40 more."""
    have = set(Tag.objects.filter(name__in=TAG_NAMES).values_list("name", flat=True))
    Tag.objects.bulk_create(
        [Tag(name=name, slug=name.lower().replace(" ", "-")) for name in TAG_NAMES if name not in have]
    )
    return [*article().tags.order_by("pk"), *Tag.objects.filter(name__in=TAG_NAMES).order_by("pk")]


@transaction.atomic
def grow_posts(total: int) -> dict[str, float]:
    """Add filler posts until there are ``total`` posts; return what was added, and the seconds it took.

    Texts come from a pool of 256 generated once: making 100,000 of each would
    cost more than inserting them.
    """
    have = Post.objects.count()
    missing = total - have
    if missing <= 0:
        return {"posts": 0}
    started = time.perf_counter()
    source = article()
    authors, tags, writer = _authors(), _tags(), co_writer()
    rng = random.Random(SEED + have)
    titles = [_sentence(rng, 6)[:-1] for _ in range(256)]
    excerpts = [_sentence(rng, 16) for _ in range(256)]
    bodies = [_body(rng) for _ in range(256)]
    start = Post.objects.filter(slug__startswith="bench-post-").count()
    created = Post.objects.bulk_create(
        (
            Post(
                title=f"{titles[n % 256]} ({n})",
                slug=f"bench-post-{n}",
                author=writer if n % CO_WRITER_EVERY == CO_WRITER_SIGNS else authors[n % len(authors)],
                excerpt=excerpts[(n * 7) % 256],
                body=bodies[(n * 13) % 256],
                thumbnail=source.thumbnail.name,
                thumbnail_width=source.thumbnail_width,
                thumbnail_height=source.thumbnail_height,
                thumbnail_alt="A filler picture",
                status=Post.Status.PUBLISHED,
                published_at=source.published_at - timedelta(hours=n),
            )
            for n in range(start + 1, start + missing + 1)
        ),
        batch_size=BATCH,
    )
    posts_done = time.perf_counter()
    TaggedPost.objects.bulk_create(
        (
            TaggedPost(tag=tag, content_object_id=post.pk, published_at=post.published_at)
            for post in created
            for tag in rng.sample(tags, 3)
        ),
        batch_size=BATCH * 3,
    )
    rare, _ = Tag.objects.get_or_create(name=RARE_TAG, defaults={"slug": "rare-find"})
    TaggedPost.objects.bulk_create(
        TaggedPost(tag=rare, content_object_id=post.pk, published_at=post.published_at)
        for post in created
        if _number(post) % RARE_EVERY == RARE_EVERY // 2
    )
    co_written = [post for post in created if _number(post) % CO_WRITER_EVERY == CO_WRITER_CO_WRITES]
    CoAuthor.objects.bulk_create(CoAuthor(post=post, author=writer) for post in co_written)
    tags_done = time.perf_counter()
    _filler_comments(created)
    return {
        "posts": len(created),
        "posts_seconds": posts_done - started,
        "tags_seconds": tags_done - posts_done,
        "comments_seconds": time.perf_counter() - tags_done,
    }


def _filler_comments(posts: list[Post]) -> None:
    """``FILLER_COMMENTS`` public comments on each of ``posts``, each opening
    a thread: two ``INSERT … SELECT`` statements that PostgreSQL and SQLite
    read alike (objects would take minutes at 300,000 comments)."""
    content_type = ContentType.objects.get_for_model(Post)
    quote = connection.ops.quote_name
    comments, threads = quote(Comment._meta.db_table), quote(XtdComment._meta.db_table)
    with connection.cursor() as cursor:
        for first in range(0, len(posts), BATCH):
            ids = [post.pk for post in posts[first : first + BATCH]]
            marks = ", ".join(["%s"] * len(ids))
            for n in range(FILLER_COMMENTS):
                cursor.execute(
                    f"INSERT INTO {comments} (object_pk, content_type_id, site_id, user_name, user_email, user_url, "  # noqa: S608 - names from the models
                    "comment, submit_date, is_public, is_removed) "
                    "SELECT CAST(id AS VARCHAR(64)), %s, %s, %s, %s, '', %s, published_at, %s, %s "
                    f"FROM {quote(Post._meta.db_table)} WHERE id IN ({marks})",
                    [content_type.pk, settings.SITE_ID, f"Reader {n}", f"reader{n}@example.com",
                     f"Filler comment {n}: " + " ".join(WORDS[n * 5 : n * 5 + 12]), True, False, *ids],
                )  # fmt: skip
        cursor.execute(
            f"INSERT INTO {threads} (comment_ptr_id, thread_id, parent_id, level, {quote('order')}, followup, "  # noqa: S608
            f"nested_count) SELECT c.id, c.id, c.id, 0, 1, %s, 0 FROM {comments} c "
            f"LEFT JOIN {threads} x ON x.comment_ptr_id = c.id WHERE x.comment_ptr_id IS NULL",
            [False],
        )
        # Their stored HTML, as posting stores it: a filler is one line of
        # plain words, which Markdown makes one paragraph.
        bodies = quote(CommentBody._meta.db_table)
        cursor.execute(
            f"INSERT INTO {bodies} (comment_id, html) SELECT c.id, '<p>' || c.comment || '</p>' FROM {comments} c "  # noqa: S608
            f"LEFT JOIN {bodies} b ON b.comment_id = c.id WHERE b.comment_id IS NULL"
        )


def late_discussion(count: int) -> Post:
    """A post with ``count`` comments written after every other comment:
    created once, its comments replaced after each growth."""
    source = article()
    post, created = Post.objects.get_or_create(
        slug=LATE_SLUG,
        defaults={
            "title": f"{source.title} (a late discussion)",
            "author": source.author,
            "excerpt": source.excerpt,
            "body": source.body,
            "thumbnail": source.thumbnail.name,
            "thumbnail_alt": source.thumbnail_alt,
            "status": Post.Status.PUBLISHED,
            "published_at": source.published_at - timedelta(minutes=1),
            "comment_days": 0,
        },
    )
    if created:
        post.tags.set(list(source.tags.all()))
    Comment.objects.filter(content_type=ContentType.objects.get_for_model(Post), object_pk=str(post.pk)).delete()
    _comments(post, count, random.Random(SEED + count))
    return post


def _comments(post: Post, count: int, rng: random.Random) -> None:
    """``count`` public comments on ``post``: roots, replies and replies to replies.

    ``XtdComment`` extends django-contrib-comments' ``Comment`` through a
    second table, which ``bulk_create`` cannot fill: the base rows go in with
    it, the thread rows (as django-comments-xtd's ``save()`` would write
    them) with one ``executemany``.
    """
    content_type = ContentType.objects.get_for_model(Post)
    start = post.published_at + timedelta(hours=1)
    created = Comment.objects.bulk_create(
        [
            Comment(
                content_type=content_type,
                object_pk=str(post.pk),
                site_id=settings.SITE_ID,
                user_name=f"Reader {n % 97}",
                user_email=f"reader{n % 97}@example.com",
                comment="\n\n".join(_sentence(rng, rng.randint(10, 30)) for _ in range(rng.randint(1, 3))),
                submit_date=start + timedelta(minutes=n),
                is_public=True,
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    # A third of the comments open threads; the rest reply one or two levels deep.
    rows, roots, last_reply, order = [], [], {}, {}
    for n, comment in enumerate(created):
        if n % 3 == 0 or not roots:
            row = {"comment_ptr_id": comment.pk, "thread_id": comment.pk, "parent_id": comment.pk, "level": 0}
            roots.append(row)
            order[comment.pk] = 1
        else:
            root = roots[-1 - rng.randrange(min(len(roots), 3))]
            parent = root if n % 3 == 1 else last_reply.get(root["thread_id"], root)
            row = {
                "comment_ptr_id": comment.pk,
                "thread_id": root["thread_id"],
                "parent_id": parent["comment_ptr_id"],
                "level": parent["level"] + 1,
            }
            if row["level"] == 1:
                last_reply[root["thread_id"]] = row
            order[root["thread_id"]] += 1
        rows.append(row | {"order": order[row["thread_id"]], "followup": False, "nested_count": 0})
    fields = XtdComment._meta.local_concrete_fields
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, values as parameters
        quote(XtdComment._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[row[field.attname] for field in fields] for row in rows])
    # Each comment's HTML, as posting stores it (posts.comment_format).
    CommentBody.objects.bulk_create(
        [CommentBody(comment_id=comment.pk, html=render_markdown(comment.comment)) for comment in created],
        batch_size=BATCH,
    )


@transaction.atomic
def add_comment_variants(counts: list[int], article_comments: int = 20) -> dict[int, Post]:
    """The article with ``article_comments`` comments, and a copy for each count."""
    source = article()
    rng = random.Random(SEED)
    if not XtdComment.objects.filter(object_pk=str(source.pk)).exists():
        _comments(source, article_comments, rng)
    variants = {}
    for count in counts:
        post = Post.objects.filter(slug=variant_slug(count)).first()
        if post is None:
            post = Post.objects.create(
                title=f"{source.title} ({count} comments)",
                slug=variant_slug(count),
                author=source.author,
                excerpt=source.excerpt,
                body=source.body,
                thumbnail=source.thumbnail.name,
                thumbnail_alt=source.thumbnail_alt,
                status=Post.Status.PUBLISHED,
                published_at=source.published_at - timedelta(minutes=count + 1),
                comment_days=0,
            )
            post.tags.set(list(source.tags.all()))
            _comments(post, count, rng)
        variants[count] = post
    # Commenting stays open on the article (its comment form is part of the page).
    Post.objects.filter(pk=source.pk).update(comment_days=0)
    return variants


def refresh_indexes() -> dict[str, float]:
    """Search index, planner statistics and visibility map, as after any
    bulk import once autovacuum has passed (VACUUM lets index-only scans,
    such as a tag's post count, skip the table)."""
    started = time.perf_counter()
    call_command("rebuild_search_index", stdout=io.StringIO())
    indexed = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"search_index_seconds": indexed - started, "vacuum_analyze_seconds": time.perf_counter() - indexed}
