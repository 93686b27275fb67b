"""Full-text search over published posts: one function, two databases.

``search_posts(query)`` is all a view needs. Behind it, SQLite uses its FTS5
extension (``MATCH`` ranked by ``bm25()``) and PostgreSQL its text search
(``@@`` ranked by ``ts_rank()``), both over the ``posts_search`` table that
migration 0005 creates (see ``SearchDocument``). Both rank a match in the
title above one in the tags, the excerpt and then the body.

A reader's query never reaches either parser as an expression: only its
words are kept (quotes, brackets, ``AND``/``NEAR``, ``*``, column filters are
dropped) and each word is quoted, so no input can raise a syntax error. Each
word of three letters or more is searched as a prefix (``PREFIX_FROM``) of
the stems and of the words as written (migration 0035): the stem of
"university" is ``univers``, and "universit" must find it too.

The index is written from Python (see ``posts.search_signals``): when a post
is saved or its tags change, and when a tag is renamed or deleted. Status is
not indexed; the publish rule is applied when searching, through
``Post.objects.published()``, so a scheduled post appears by itself.
``manage.py rebuild_search_index`` repairs the index after bulk
``QuerySet.update()`` calls, which bypass signals.
"""

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.models import BooleanField, Case, Exists, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Post, TaggedPost
from .search_models import SearchDocument

# Highlighted words come back between these private-use characters; they are
# stripped from indexed text, so only the database can put them there, and
# ``mark_matches`` turns them into <mark> after escaping everything else.
START, STOP = "\ue000", "\ue001"
_NO_MARKERS = str.maketrans("", "", START + STOP)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
# Control, surrogate and private-use characters (Unicode categories).
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Co"})

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


def clean_query(query: str) -> str:
    """A reader's query as the page may use and repeat it: at most
    ``MAX_QUERY_LENGTH`` characters, with control characters (a NUL from
    ``?q=%00``, tabs, newlines), surrogates and private-use characters (our
    highlight markers) turned into spaces and runs of spaces made one.

    The query is echoed in the title, the search box and the summary; a NUL
    there is invalid HTML and garbles what screen readers and tabs show.
    """
    kept = (
        " " if unicodedata.category(char) in _CONTROL_CATEGORIES else char for char in (query or "")[:MAX_QUERY_LENGTH]
    )
    return " ".join("".join(kept).split())


def search_terms(query: str) -> list[str]:
    """The words of a reader's query (at most ``MAX_TERMS``), nothing else."""
    return _WORD.findall(clean_query(query))[:MAX_TERMS]


# Words this long or longer also find the words they begin: "djang" finds
# Django and "fast" FastAPI, as readers expect of a search box; a word of one
# or two letters would match most of the index.
PREFIX_FROM = 3


_INDEXED_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents, as FTS5's ``unicode61 remove_diacritics``
    tokenizer reads text ("Café" is ``cafe``)."""
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(char for char in text if not unicodedata.combining(char))


def vocabulary(texts: Iterable[str]) -> set[str]:
    """The words of these texts as SQLite's index of words holds them."""
    return set(_INDEXED_WORD.findall(fold(" ".join(texts))))


# SQLite: how many words of the vocabulary a typed beginning may stand for,
# the shortest first (those are the ones a stem can be shorter than).
MAX_EXPANSIONS = 50
_EXPANSIONS = """
    coalesce((SELECT group_concat(' OR "' || word || '"', '') FROM (
        SELECT word FROM posts_search_words WHERE word > %s AND word < %s
        ORDER BY length(word), word LIMIT %s
    )), '')
"""


def _fts5_match(words: list[str]) -> tuple[str, list]:
    """SQLite FTS5: an SQL expression giving the query for ``MATCH``, and its
    parameters. Every word is required, each quoted (words hold no quotes).

    The index holds stems ("university" is ``univers``), so ``"universit"*``
    alone finds nothing. A word long enough to be a beginning is searched as
    a prefix of stems or as any word of the vocabulary (``posts_search_words``)
    it begins, each of those as a whole word: ``("universit"* OR
    "universities" OR "university")``. Vocabulary words are letters and
    digits only, so they hold no quotes either.
    """
    parts, params = [], []
    for word in words:
        if len(word) >= PREFIX_FROM:
            parts.append(f"'(' || %s || {_EXPANSIONS} || ')'")
            params += [f'"{word}"*', fold(word), fold(word) + "\U0010ffff", MAX_EXPANSIONS]
        else:
            parts.append("%s")
            params.append(f'"{word}"')
    return " || ' AND ' || ".join(parts), params  # SQL of placeholders only


def _tsquery_terms(words: list[str]) -> list[str]:
    """PostgreSQL ``to_tsquery`` terms: each word, as a prefix when long
    enough. Words are ``\\w+``, so none holds an operator of the query syntax."""
    return [f"{word}:*" if len(word) >= PREFIX_FROM else word for word in words]


def _pg_match(words: list[str]) -> tuple[str, list[str]]:
    """PostgreSQL: every word must match, as a prefix of a stem (``document``,
    English) or of a word as written (``words``, ``simple``): the stems alone
    miss "universit" ("university" is ``univers``)."""
    terms = _tsquery_terms(words)
    condition = """("posts_search"."document" @@ to_tsquery('english'::regconfig, %s)
        OR "posts_search"."words" @@ to_tsquery('simple'::regconfig, %s))"""
    return " AND ".join([condition] * len(terms)), [param for term in terms for param in (term, term)]


def _pg_any(words: list[str]) -> str:
    """PostgreSQL ``to_tsquery`` text matching any of the words (to rank and highlight)."""
    return " | ".join(_tsquery_terms(words))


@contextmanager
def planned_for_each_query(using: str = "default") -> Iterator[None]:
    """Have PostgreSQL plan the search's statements for the words searched.

    The site's connections prepare the statements they repeat
    (``DJANGO_DB_PREPARE``), and PostgreSQL soon plans a prepared statement
    once for any parameters. For a text search that generic plan cannot
    see how common the words are: ``django`` over 100,000 posts took 400
    ms instead of 290. Inside this block, plans are made per execution again.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("prepare_threshold"):
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


def ranked_post_ids(query: str) -> QuerySet:
    """Ids of the published posts matching every word of ``query``, best
    match first (newest first among equals). Count it and slice it to
    paginate, then load one page with ``search_results()``.

    The query starts from the index and checks each match against
    ``Post.objects.published()`` with a correlated EXISTS. Joining the posts
    table instead let SQLite run the full-text query once per published post
    (13–60 s for 20,000 matches, against about 65 ms this way).
    """
    post = Post.objects.published().filter(pk=OuterRef("post_id"))
    documents = SearchDocument.objects.filter(Exists(post)).annotate(published_at=Subquery(post.values("published_at")))
    words = search_terms(query)
    if not words:
        return documents.none().values_list("post_id", flat=True)
    vendor = connections[documents.db].vendor
    if vendor == "sqlite":
        match, params = _fts5_match(words)
        ranked = (
            documents.filter(RawSQL(f"posts_search MATCH {match}", params, output_field=BooleanField()))  # noqa: S611
            # Column weights in table order: title, excerpt, body, tags.
            .annotate(search_rank=RawSQL("bm25(posts_search, 10.0, 3.0, 1.0, 5.0)", [], output_field=FloatField()))
            .order_by("search_rank", "-published_at", "-post_id")  # bm25: lower is better
        )
    elif vendor == "postgresql":
        condition, params = _pg_match(words)
        text = _pg_any(words)
        ranked = (
            documents.filter(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611
            .annotate(
                search_rank=RawSQL(
                    """ts_rank("posts_search"."document", to_tsquery('english'::regconfig, %s))
                    + ts_rank("posts_search"."words", to_tsquery('simple'::regconfig, %s))""",
                    [text, text],
                    output_field=FloatField(),
                )
            )
            .order_by("-search_rank", "-published_at", "-post_id")
        )
    else:
        ranked = _like(documents, words)
    return ranked.values_list("post_id", flat=True)


def _like(documents: QuerySet, words: list[str]) -> QuerySet:
    """Other databases: every word somewhere, title matches first."""
    for word in words:
        documents = documents.filter(
            Q(title__icontains=word) | Q(tags__icontains=word) | Q(excerpt__icontains=word) | Q(body__icontains=word)
        )
    in_title = Q.create([("title__icontains", word) for word in words], connector=Q.OR)
    return documents.annotate(search_rank=Case(When(in_title, then=Value(1.0)), default=Value(0.0))).order_by(
        "-search_rank", "-published_at", "-post_id"
    )


def search_results(ids, query: str, queryset: QuerySet | None = None) -> list[Post]:
    """The published posts with these ids, in this order, highlighted.

    ``queryset`` chooses what is loaded (e.g. ``Post.objects.for_cards()``).
    """
    ids = list(ids)
    posts = (queryset if queryset is not None else Post.objects.all()).published().in_bulk(ids)
    return highlight([posts[pk] for pk in ids if pk in posts], query)


def search_posts(query: str, queryset: QuerySet | None = None, limit: int = 20) -> list[Post]:
    """The best ``limit`` published posts for ``query``, highlighted.

    One call for the whole search; a paginated page uses its two halves,
    ``ranked_post_ids()`` and ``search_results()``.
    """
    return search_results(ranked_post_ids(query)[:limit], query, queryset)


_SQLITE_HIGHLIGHTS = """
    SELECT rowid, highlight(posts_search, 0, %s, %s), highlight(posts_search, 1, %s, %s),
           snippet(posts_search, 2, %s, %s, '…', 24)
    FROM posts_search WHERE posts_search MATCH {match} AND rowid IN ({ids})
"""
_PG_WHOLE = f"HighlightAll=true, StartSel={START}, StopSel={STOP}"
_PG_FRAGMENTS = f'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
# Words as written ('simple'), marked when they begin with a typed word or
# with its stem (an English query's lexemes): "universit" marks University,
# "schools" school, schools and schooling, as found.
_PG_HIGHLIGHTS = """
    SELECT rowid, ts_headline('simple'::regconfig, title, query, %s),
           ts_headline('simple'::regconfig, excerpt, query, %s),
           ts_headline('simple'::regconfig, body, query, %s)
    FROM posts_search,
         (SELECT to_tsquery('english'::regconfig, %s) || to_tsquery('simple'::regconfig, %s) AS query) AS typed
    WHERE rowid = ANY(%s)
"""


def highlight(posts, query: str) -> list:
    """Give each post ``search_title``, ``search_excerpt`` and
    ``search_snippet`` (body text around the matches), with highlight markers
    for ``mark_matches``: one query, for these posts only."""
    posts = list(posts)
    words = search_terms(query)
    found: dict[int, tuple[str, str, str]] = {}
    if posts and words:
        ids = [post.pk for post in posts]
        connection = connections[posts[0]._state.db or "default"]
        if connection.vendor == "sqlite":
            match, match_params = _fts5_match(words)
            sql = _SQLITE_HIGHLIGHTS.format(match=match, ids=", ".join(["%s"] * len(ids)))  # only placeholders
            params = [START, STOP] * 3 + [*match_params, *ids]
        elif connection.vendor == "postgresql":
            text = _pg_any(words)
            sql, params = _PG_HIGHLIGHTS, [_PG_WHOLE, _PG_WHOLE, _PG_FRAGMENTS, text, text, ids]
        else:
            sql, params = "", []  # no highlighting on other databases
        if sql:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                found = {row[0]: row[1:] for row in cursor.fetchall()}
    for post in posts:
        post.search_title, post.search_excerpt, post.search_snippet = found.get(
            post.pk, (clean_text(post.title), clean_text(post.excerpt), "")
        )
    return posts


def mark_matches(value: str) -> SafeString:
    """Escape a highlighted string and turn its markers into <mark> elements."""
    return mark_safe(escape(value or "").replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def _document(post: Post, tag_names: Iterable[str]) -> SearchDocument:
    return SearchDocument(
        post_id=post.pk,
        title=clean_text(post.title),
        excerpt=clean_text(post.excerpt),
        body=plain_text(post.body),
        tags=" ".join(sorted(tag_names)),
    )


def index_post(post: Post) -> None:
    """Write (or rewrite) a post's row in the search index."""
    document = _document(post, post.tags.names())
    document.save(using=post._state.db)
    _add_words([document], using=document._state.db)  # the post's may be None: a revision being restored


def _add_words(documents: list[SearchDocument], using: str) -> None:
    """SQLite: add the documents' words to the vocabulary of the index.

    A word stays when the last post holding it changes or goes: it then
    stands for nothing in a query, as the index has no stem for it, and
    ``rebuild_search_index`` starts the vocabulary afresh.
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or not documents:
        return
    words = vocabulary(
        text for document in documents for text in (document.title, document.excerpt, document.body, document.tags)
    )
    with connection.cursor() as cursor:
        cursor.executemany("INSERT OR IGNORE INTO posts_search_words (word) VALUES (%s)", [(word,) for word in words])


def index_posts(posts: Iterable[Post]) -> int:
    count = 0
    for post in posts:
        index_post(post)
        count += 1
    return count


def rebuild_index(batch_size: int = 1000) -> int:
    """Index every post from scratch; returns how many were indexed.

    In batches: the tags of a batch in one query, its rows in one insert
    (100,000 posts take seconds, not the minutes of one post at a time).
    """
    SearchDocument.objects.all().delete()
    connection = connections[SearchDocument.objects.db]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM posts_search_words")
    count, batch = 0, []
    for post in Post.objects.only("title", "excerpt", "body").order_by("pk").iterator(chunk_size=batch_size):
        batch.append(post)
        if len(batch) == batch_size:
            count += _index_batch(batch)
            batch = []
    return count + _index_batch(batch)


def _index_batch(posts: list[Post]) -> int:
    tag_names = defaultdict(list)
    tagged = TaggedPost.objects.filter(content_object__in=posts).values_list("content_object_id", "tag__name")
    for post_id, name in tagged:
        tag_names[post_id].append(name)
    documents = SearchDocument.objects.bulk_create([_document(post, tag_names[post.pk]) for post in posts])
    _add_words(documents, using=SearchDocument.objects.db)
    return len(posts)
