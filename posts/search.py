"""Full-text search over published posts: one function, two databases.

``search_posts(query)`` is all a view needs. Behind it, SQLite uses its FTS5
extension (``MATCH`` ranked by ``bm25()``) and PostgreSQL its text search
(``@@`` ranked by ``ts_rank()``), both over the ``posts_search`` table that
migration 0005 creates (see ``SearchDocument``). Both rank a match in the
title above one in the tags, the excerpt and then the body.

A reader's query never reaches either parser as an expression: only its
words are kept (quotes, brackets, ``AND``/``NEAR``, ``*``, column filters are
dropped) and each word is quoted, so no input can raise a syntax error.

The index is written from Python (see ``posts.search_signals``): when a post
is saved or its tags change, and when a tag is renamed or deleted. Status is
not indexed; the publish rule is applied when searching, through
``Post.objects.published()``, so a scheduled post appears by itself.
``manage.py rebuild_search_index`` repairs the index after bulk
``QuerySet.update()`` calls, which bypass signals.
"""

import html
import re
from collections.abc import Iterable

from django.db import connections
from django.db.models import BooleanField, Case, F, FloatField, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Post
from .search_models import SearchDocument

# Highlighted words come back between these private-use characters; they are
# stripped from indexed text, so only the database can put them there, and
# ``mark_matches`` turns them into <mark> after escaping everything else.
START, STOP = "\ue000", "\ue001"
_NO_MARKERS = str.maketrans("", "", START + STOP)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8


def plain_text(value: str) -> str:
    """Text of (sanitized) HTML, with a space where each tag was so words in
    neighbouring paragraphs, cells or headings stay apart."""
    text = html.unescape(_TAG.sub(" ", value or "")).translate(_NO_MARKERS)
    return _SPACE.sub(" ", text).strip()


def clean_text(value: str) -> str:
    """Plain text (titles, excerpts) as indexed: without highlight markers."""
    return (value or "").translate(_NO_MARKERS)


def search_terms(query: str) -> list[str]:
    """The words of a reader's query (at most ``MAX_TERMS``), nothing else."""
    return _WORD.findall((query or "")[:MAX_QUERY_LENGTH])[:MAX_TERMS]


def search_posts(query: str, queryset: QuerySet | None = None) -> QuerySet:
    """Published posts matching every word of ``query``, best match first.

    Each post is annotated with ``search_rank`` and with ``search_title``,
    ``search_excerpt`` and ``search_snippet`` (body text around the matches),
    which carry highlight markers for ``mark_matches``. Pass ``queryset`` to
    choose what is loaded (e.g. ``Post.objects.for_cards()``); it is narrowed
    to published posts either way.
    """
    posts = (queryset if queryset is not None else Post.objects.all()).published()
    words = search_terms(query)
    if not words:
        return posts.none()
    vendor = connections[posts.db].vendor
    backend = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor, _like)
    return backend(posts.filter(search_document__isnull=False), words)


def _sqlite(posts: QuerySet, words: list[str]) -> QuerySet:
    match = " ".join(f'"{word}"' for word in words)  # words hold no quotes
    markers = [START, STOP]
    return (
        posts.filter(RawSQL("posts_search MATCH %s", [match], output_field=BooleanField()))
        .annotate(
            # Column weights in table order: title, excerpt, body, tags.
            search_rank=RawSQL("bm25(posts_search, 10.0, 3.0, 1.0, 5.0)", [], output_field=FloatField()),
            search_title=RawSQL("highlight(posts_search, 0, %s, %s)", markers, output_field=TextField()),
            search_excerpt=RawSQL("highlight(posts_search, 1, %s, %s)", markers, output_field=TextField()),
            search_snippet=RawSQL("snippet(posts_search, 2, %s, %s, '…', 24)", markers, output_field=TextField()),
        )
        .order_by("search_rank", "-published_at", "-pk")  # bm25: lower is better
    )


_PG_WHOLE = f"HighlightAll=true, StartSel={START}, StopSel={STOP}"
_PG_FRAGMENTS = f'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'


def _postgresql(posts: QuerySet, words: list[str]) -> QuerySet:
    # Literal SQL only: the reader's words and the options are parameters.
    text = " ".join(words)
    english = "plainto_tsquery('english'::regconfig, %s)"
    document = '"posts_search"."document"'

    def headline(column: str, options: str) -> RawSQL:
        sql = f'ts_headline(\'english\'::regconfig, "posts_search"."{column}", {english}, %s)'
        return RawSQL(sql, [text, options], output_field=TextField())  # noqa: S611 (column is ours)

    return (
        posts.filter(RawSQL(f"{document} @@ {english}", [text], output_field=BooleanField()))  # noqa: S611
        .annotate(
            search_rank=RawSQL(f"ts_rank({document}, {english})", [text], output_field=FloatField()),  # noqa: S611
            search_title=headline("title", _PG_WHOLE),
            search_excerpt=headline("excerpt", _PG_WHOLE),
            search_snippet=headline("body", _PG_FRAGMENTS),
        )
        .order_by("-search_rank", "-published_at", "-pk")
    )


def _like(posts: QuerySet, words: list[str]) -> QuerySet:
    """Other databases: every word somewhere, title matches first, no highlights."""
    for word in words:
        posts = posts.filter(
            Q(search_document__title__icontains=word)
            | Q(search_document__tags__icontains=word)
            | Q(search_document__excerpt__icontains=word)
            | Q(search_document__body__icontains=word)
        )
    in_title = Q.create([("search_document__title__icontains", word) for word in words], connector=Q.OR)
    return posts.annotate(
        search_rank=Case(When(in_title, then=Value(1.0)), default=Value(0.0)),
        search_title=F("title"),
        search_excerpt=F("excerpt"),
        search_snippet=Value(""),
    ).order_by("-search_rank", "-published_at", "-pk")


def mark_matches(value: str) -> SafeString:
    """Escape a highlighted string and turn its markers into <mark> elements."""
    return mark_safe(escape(value or "").replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def index_post(post: Post) -> None:
    """Write (or rewrite) a post's row in the search index."""
    SearchDocument(
        post_id=post.pk,
        title=clean_text(post.title),
        excerpt=clean_text(post.excerpt),
        body=plain_text(post.body),
        tags=" ".join(sorted(post.tags.names())),
    ).save(using=post._state.db)


def index_posts(posts: Iterable[Post]) -> int:
    count = 0
    for post in posts:
        index_post(post)
        count += 1
    return count


def rebuild_index() -> int:
    """Index every post from scratch; returns how many were indexed."""
    SearchDocument.objects.all().delete()
    return index_posts(Post.objects.only("title", "excerpt", "body").iterator())
