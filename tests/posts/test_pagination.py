"""Keyset pagination of the public lists: "← Newer posts / Older posts →"
links carrying a cursor (``?before=`` / ``?after=``), no page numbers, no
count and no offset (posts.pagination)."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posts.comment_admin import CommentAdmin
from posts.models import CoAuthor, Post
from posts.pagination import Cursor, DeferredJoinPaginator
from posts.views import PublishedPostListView
from tests.factories import count_queries, make_author, make_comment, make_post

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
# Mid-month, so that a week of posts either side stays in March 2025.
NOON = datetime(2025, 3, 19, 12, tzinfo=UTC)
CARD_TITLE = re.compile(r'<h2 class="card-title"><a href="[^"]*">([^<]*)</a></h2>')


@pytest.fixture(autouse=True)
def three_per_page(monkeypatch):
    monkeypatch.setattr(PublishedPostListView, "paginate_by", 3)


def get(client, url, status=200) -> str:
    cache.clear()
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def titles(html: str) -> list[str]:
    return [unescape(title) for title in CARD_TITLE.findall(html)]


def link(html: str, rel: str) -> str | None:
    """The query of the "Older posts" (next) or "← Newer posts" (prev) link."""
    found = re.search(rf'<a href="([^"]*)" rel="{rel}">', html)
    return unescape(found[1]) if found else None


def walk(client, path: str) -> list[list[str]]:
    """Every page of a list, from its first page down the "Older posts" links."""
    pages, url = [], path
    while url:
        html = get(client, url)
        pages.append(titles(html))
        older = link(html, "next")
        url = path + older if older else None
    return pages


def canonical(html: str) -> str:
    return unescape(re.search(r'<link rel="canonical" href="([^"]*)">', html)[1])


def week(author=None, tags=(), **fields) -> list[Post]:
    """Seven published posts, one a day, newest first: "Day 0" … "Day 6"."""
    author = author or make_author(slug="weekly")
    return [
        make_post(title=f"Day {day}", author=author, tags=tags, published_at=NOON - timedelta(days=day), **fields)
        for day in range(7)
    ]


def test_the_first_page_is_the_newest_posts_with_a_link_to_older_ones(client):
    posts = week()
    html = get(client, "/")

    assert titles(html) == ["Day 0", "Day 1", "Day 2"]
    assert link(html, "next") == f"?before=2025-03-17T12:00:00.000000Z~{posts[2].pk}"  # Day 2's position
    assert link(html, "prev") is None
    assert "Page " not in html and "page=" not in html
    assert canonical(html) == f"{BASE}/"
    assert '"@type":"WebSite"' in html and "cards-lead" in html


def test_older_pages_follow_the_links_and_have_titles_and_addresses_of_their_own(client):
    posts = week()
    second_url = "/" + link(get(client, "/"), "next")
    second = get(client, second_url)

    assert titles(second) == ["Day 3", "Day 4", "Day 5"]
    assert "<title>Skolr Blog — articles up to 16 March 2025, 12:00</title>" in second
    assert "(articles up to 16 March 2025, 12:00)." in second  # the description
    assert canonical(second) == f"{BASE}{second_url}"
    assert f'<meta property="og:url" content="{BASE}{second_url}">' in unescape(second)
    assert '"@type":"WebSite"' not in second and "cards-lead" not in second
    assert 'name="robots"' not in second  # older pages are indexed, each under its own address
    assert link(second, "prev") == f"?after={Cursor.of(posts[3])}"

    last = get(client, "/" + link(second, "next"))
    assert titles(last) == ["Day 6"]
    assert link(last, "next") is None and link(last, "prev") == f"?after={Cursor.of(posts[6])}"


@pytest.mark.parametrize("path", ["/", "/tags/lanterns/", "/authors/weekly/", "/archive/2025/", "/archive/2025/03/"])
def test_pages_of_one_day_have_titles_and_descriptions_of_their_own(client, path):
    """Ten posts a day: every page of a list is "up to" the same day, and the
    README promises each page a title (and description) of its own."""
    author = make_author(slug="weekly")
    for hour in range(10):
        make_post(author=author, tags=["Lanterns"], published_at=NOON - timedelta(hours=hour))

    heads, url = [], path
    while url:
        html = get(client, url)
        heads.append(
            (re.search(r"<title>(.*)</title>", html)[1], re.search(r'name="description" content="(.*)"', html)[1])
        )
        older = link(html, "next")
        url = path + older if older else None

    assert len(heads) == 4
    assert len({title for title, _ in heads}) == 4, heads
    assert len({description for _, description in heads}) == 4, heads


def test_newer_links_walk_back_to_the_first_page(client):
    posts = week()
    last = get(client, f"/?before={Cursor.of(posts[5])}")

    # Newer than Day 6: Day 5, 4 and 3, with newer posts still above them.
    middle_url = "/" + link(last, "prev")
    middle = get(client, middle_url)
    assert titles(middle) == ["Day 3", "Day 4", "Day 5"]
    # The same page as the one reached going down: one canonical address.
    assert canonical(middle) == f"{BASE}/?before={Cursor.of(posts[2])}"
    assert link(middle, "next") == f"?before={Cursor.of(posts[5])}"

    # Newer than Day 3 is the newest posts: the first page, at its own address.
    response = client.get("/" + link(middle, "prev"))
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_whole_list_is_shown_once_in_order(client):
    posts = week()
    assert walk(client, "/") == [["Day 0", "Day 1", "Day 2"], ["Day 3", "Day 4", "Day 5"], ["Day 6"]]
    assert [post.title for post in posts] == [f"Day {day}" for day in range(7)]


@pytest.mark.parametrize("path", ["/", "/tags/burst/"])
def test_posts_published_at_the_same_moment_are_neither_skipped_nor_repeated(client, path):
    author = make_author(slug="burst")
    same = [make_post(title=f"Burst {n}", author=author, published_at=NOON, tags=["Burst"]) for n in range(8)]
    make_post(title="Earlier", author=author, published_at=NOON - timedelta(seconds=1), tags=["Burst"])
    make_post(title="Later", author=author, published_at=NOON + timedelta(microseconds=1), tags=["Burst"])

    pages = walk(client, path)
    shown = [title for page in pages for title in page]
    # Ties go by id, newest (highest) first.
    assert shown == ["Later", *[post.title for post in reversed(same)], "Earlier"]
    assert [len(page) for page in pages] == [3, 3, 3, 1]

    # And back up from the last page: the same pages, none lost at a tie.
    html = get(client, path + link(get(client, f"{path}?before={Cursor.of(same[0])}"), "prev"))
    assert titles(html) == ["Burst 2", "Burst 1", "Burst 0"]


def test_a_tag_page_reads_its_posts_off_the_taggings_index(client):
    """The page's positions come from the tag's taggings (tag, published_at,
    post) in one range, and only that page's posts are read: not the
    newest posts of every tag, each checked for the tag."""
    week(tags=["Lanterns"])
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        get(client, "/tags/lanterns/")
    [page_query] = [query["sql"] for query in captured if '"posts_post"."title"' in query["sql"]]
    picked = page_query[page_query.index("IN (SELECT") :]
    assert 'FROM "posts_taggedpost"' in picked and "LIMIT 4" in picked
    assert re.search(r'ORDER BY "\w+"\."published_at" DESC', picked)
    assert 'JOIN "posts_taggedpost"' not in page_query


def test_drafts_and_scheduled_posts_never_appear_on_any_page(client):
    author = make_author(slug="mixed")
    for day in range(9):
        status, when = Post.Status.PUBLISHED, NOON - timedelta(days=day)
        if day % 3 == 1:
            status = [Post.Status.DRAFT, Post.Status.REVIEW][day % 2]
        make_post(title=f"{status} {day}", author=author, status=status, published_at=when, tags=["Mixed"])
    make_post(title="Scheduled", author=author, published_at=datetime.now(UTC) + timedelta(days=1), tags=["Mixed"])

    expected = [["published 0", "published 2", "published 3"], ["published 5", "published 6", "published 8"]]
    for path in ["/", "/tags/mixed/", "/authors/mixed/", "/archive/2025/03/"]:
        assert walk(client, path) == expected, path
    # Up from the bottom, too.
    assert titles(get(client, f"/?after={Cursor(NOON - timedelta(days=30), 1)}")) == expected[1]


@pytest.mark.parametrize("kind", ["tag", "author", "year", "month"])
def test_tag_author_and_archive_lists_paginate_the_same_way(client, kind):
    author = make_author(slug="ada")
    posts = week(author=author, tags=["Lanterns"])
    make_post(title="Elsewhere", published_at=NOON - timedelta(hours=1))  # in no list but the home's and archives'
    path = {"tag": "/tags/lanterns/", "author": "/authors/ada/", "year": "/archive/2025/", "month": "/archive/2025/03/"}
    path = path[kind]
    pages = walk(client, path)
    if kind in ("year", "month"):
        assert pages == [["Day 0", "Elsewhere", "Day 1"], ["Day 2", "Day 3", "Day 4"], ["Day 5", "Day 6"]]
    else:
        assert pages == [["Day 0", "Day 1", "Day 2"], ["Day 3", "Day 4", "Day 5"], ["Day 6"]]

    second_url = path + link(get(client, path), "next")
    second = get(client, second_url)
    first_title = re.search(r"<title>(.*)</title>", get(client, path))[1]
    assert re.search(r"<title>(.*)</title>", second)[1] != first_title
    assert canonical(second) == f"{BASE}{second_url}"
    # Counts are the whole list's, on every page.
    counts = {
        "tag": "7 articles tagged “Lanterns”",
        "year": "8 articles published on the Skolr Blog in 2025 (up to 17 March 2025, 12:00).",
        "month": '<p class="lede">8 articles.</p>',
        "author": "Articles by Author",
    }
    assert counts[kind] in unescape(second)
    get(client, f"{path}?before={Cursor.of(posts[-1])}", status=404)  # past the end


def test_a_co_writers_list_holds_their_posts_and_those_they_co_write_in_one_order(client):
    """Their own posts and the ones they co-write are read apart, each as far
    as a page (``first_of_each``), and make one list: in order, ties between
    the two broken by id, nothing skipped or repeated either way, no draft."""
    ada, bo = make_author(slug="ada"), make_author(slug="bo")
    for n in range(12):  # two a moment: ties between Ada's own and co-written posts
        post = make_post(
            title=f"Post {n}", author=ada if n % 3 == 0 else bo, published_at=NOON - timedelta(hours=n // 2)
        )
        if n % 3 == 1:
            CoAuthor.objects.create(post=post, author=ada)
    CoAuthor.objects.create(post=make_post(title="Draft", author=bo, status=Post.Status.DRAFT), author=ada)
    expected = [post.title for post in Post.objects.published().by(ada)]
    assert len(expected) == 8 and "Post 2" not in expected  # Bo's alone

    path = "/authors/ada/"
    pages = walk(client, path)
    assert [title for page in pages for title in page] == expected
    assert [len(page) for page in pages] == [3, 3, 2]
    # Back up from the last page by its "← Newer posts" link (an ``?after=`` page).
    last = get(client, path + link(get(client, path + link(get(client, path), "next")), "next"))
    assert titles(last) == pages[2]
    assert titles(get(client, path + link(last, "prev"))) == pages[1]
    feed = get(client, f"{path}feed/")
    assert re.findall(r"<item><title>([^<]*)</title>", feed) == expected


def followed(client, url) -> tuple[str, str]:
    """(the address a redirect leads to, its page)."""
    cache.clear()
    response = client.get(url, follow=True)
    assert response.status_code == 200, (url, response.redirect_chain)
    return response.redirect_chain[-1][0], response.content.decode()


def test_a_cursor_keeps_working_after_its_post_is_deleted(client):
    posts = week()
    second_url = "/" + link(get(client, "/"), "next")  # before Day 2
    posts[2].delete()
    # The page of the post now above it, at that post's address.
    address, page = followed(client, second_url)
    assert address == f"/?before={Cursor.of(posts[1])}"
    assert titles(page) == ["Day 3", "Day 4", "Day 5"]
    posts[3].delete()
    assert titles(followed(client, second_url)[1]) == ["Day 4", "Day 5", "Day 6"]
    assert titles(get(client, f"/?after={Cursor.of(posts[6])}")) == ["Day 1", "Day 4", "Day 5"]


@pytest.mark.parametrize("path", ["/", "/tags/lanterns/", "/authors/weekly/", "/archive/2025/03/"])
def test_a_cursor_between_two_posts_leads_to_the_one_address_of_its_page(client, path):
    """Every cursor between Day 1 and Day 2 shows Day 2, Day 3, Day 4: one
    page, so one address, whose canonical link is that address."""
    posts = week(tags=["Lanterns"])
    real = f"{path}?before={Cursor.of(posts[1])}"
    assert titles(get(client, real)) == ["Day 2", "Day 3", "Day 4"]
    assert canonical(get(client, real)) == BASE + real
    between = [
        f"{path}?before={(NOON - timedelta(days=1, hours=3)).strftime('%Y-%m-%dT%H:%M:%S')}Z~{posts[1].pk}",
        f"{path}?before=2025-03-17T12:00:00Z~{posts[2].pk + 1000}",  # Day 2's time, a later id
        f"{path}?before=2025-03-17T12:00:00.5Z~1",  # half a second after Day 2
    ]
    for url in between:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, real), url
    # Between the newest post and now: the first page.
    assert client.get(f"{path}?before=2025-03-19T13:00:00Z~1")["Location"] == path


def test_a_page_past_the_oldest_post_is_404_and_an_empty_blog_is_not(client):
    assert "No articles have been published yet." in get(client, "/")
    get(client, "/?before=2025-03-19T12:00:00.000000Z~1", status=404)
    posts = week()
    get(client, f"/?before={Cursor.of(posts[-1])}", status=404)
    get(client, "/?before=0001-01-01T00:00:00Z~1", status=404)
    # Newer than anything: the newest posts are the first page.
    assert client.get("/?after=9999-12-31T23:59:59.999999Z~1")["Location"] == "/"


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/", "9999-12-31T23:59:59.999999Z~1"),
        ("/tags/lanterns/", "9999-12-31T23:59:59.999999Z~1"),
        ("/authors/weekly/", "9999-12-31T23:59:59.999999Z~1"),
        # Before now, but after every post an archive can hold.
        ("/archive/2025/", "2026-01-01T00:00:00Z~1"),
        ("/archive/2025/03/", "2025-04-01T00:00:00Z~1"),
    ],
)
def test_a_cursor_above_every_post_leads_to_the_first_page(client, path, cursor):
    """Such a page would show the first page's posts at an address (and
    canonical link) of its own; it is found out without a query."""
    week(tags=["Lanterns"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{path}?before={cursor}")
    assert response.status_code == 302 and response["Location"] == path
    assert not [query for query in queries if "posts_post" in query["sql"]]


@pytest.mark.parametrize(
    "query",
    [
        "before=",
        "before=abc",
        "before=2025-03-19",
        "before=2025-03-19T12:00:00Z",
        "before=2025-03-19T12:00:00Z~",
        "before=2025-03-19T12:00:00Z~0",
        "before=2025-03-19T12:00:00Z~-1",
        "before=2025-03-19T12:00:00Z~01",
        "before=2025-03-19T12:00:00Z~1.5",
        "before=2025-03-19T12:00:00Z~9223372036854775808",
        "before=2025-03-19T12:00:00Z~" + "9" * 40,
        "before=2025-02-29T12:00:00Z~1",
        "before=2025-03-19T25:00:00Z~1",
        "before=0000-01-01T00:00:00Z~1",
        "before=2025-03-19T12:00:00.1234567Z~1",
        "before=2025-03-19T12:00:00%2B00:00~1",
        "before=2025-03-19 12:00:00Z~1",
        "before=2025-03-19T12:00:00Z~1%00",
        "before=%00",
        "after=2025-03-19T12:00:00Z~%D9%A1",
        "after=%EF%BC%92025-03-19T12:00:00Z~1",
        "after=2025-03-19T12:00:00z~1",
        "before=2025-03-19T12:00:00Z~1&after=2025-03-19T12:00:00Z~1",
        "before=2025-03-19T12:00:00Z~1&before=2025-03-18T12:00:00Z~1",
    ],
)
@pytest.mark.parametrize("path", ["/", "/tags/lanterns/", "/authors/weekly/", "/archive/2025/03/"])
def test_a_malformed_cursor_is_a_friendly_404(client, path, query):
    week(tags=["Lanterns"])
    html = get(client, f"{path}?{query}", status=404)
    assert "Page not found" in html


@pytest.mark.parametrize(
    ("url", "to"),
    [
        ("/?page=1", "/"),
        ("/?page=2", "/"),
        ("/?page=abc", "/"),
        ("/?page=2&before=2025-03-17T12:00:00.000000Z~1", "/"),
        ("/tags/lanterns/?page=3", "/tags/lanterns/"),
        ("/authors/weekly/?page=2", "/authors/weekly/"),
        ("/archive/2025/03/?page=2", "/archive/2025/03/"),
    ],
)
def test_old_numbered_pages_move_permanently_to_the_first_page(client, url, to):
    """``?page=N`` was linked (and canonical) before keyset pages; what page N
    showed moved with every new post, so the list itself is where it leads."""
    week(tags=["Lanterns"])
    response = client.get(url)
    assert response.status_code == 301 and response["Location"] == to


LISTS = ["/", "/tags/lanterns/", "/authors/weekly/", "/archive/2025/", "/archive/2025/03/"]


def test_every_page_costs_the_same_queries_with_1_post_or_30(client):
    author = make_author(slug="weekly")
    make_post(author=author, tags=["Lanterns"], published_at=NOON)
    ContentType.objects.get_for_model(Post)  # cached for the process after its first lookup
    one = {path: count_queries(client, path) for path in LISTS}
    posts = [
        make_post(author=author, tags=["Lanterns", f"Tag {n}"], published_at=NOON - timedelta(hours=n + 1))
        for n in range(29)
    ]
    first = {path: count_queries(client, path) for path in LISTS}
    middle = {path: count_queries(client, f"{path}?before={Cursor.of(posts[10])}") for path in LISTS}
    last = {path: count_queries(client, f"{path}?before={Cursor.of(posts[-2])}") for path in LISTS}
    newer = {path: count_queries(client, f"{path}?after={Cursor.of(posts[-1])}") for path in LISTS}

    # The home page's first page also reads its "Featured" block: one query, on that page only.
    assert one == first and middle == last == newer == first | {"/": first["/"] - 1}
    # The page of posts (its last row only says whether more follow), their
    # tags, and the page cache's look at the next scheduled post; a tag page
    # adds the tag and its count, an author page the author, a year its
    # months, a month its count and neighbours. No count on the home page.
    assert middle == {"/": 3, "/tags/lanterns/": 5, "/authors/weekly/": 4, "/archive/2025/": 4, "/archive/2025/03/": 6}


def test_the_list_query_has_no_count_and_no_offset(client):
    posts = week()
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        get(client, f"/?before={Cursor.of(posts[2])}")
    [page_query] = [query["sql"].upper() for query in captured if '"POSTS_POST"."TITLE"' in query["sql"].upper()]
    # The posts' comment counts are the only count: none of the list itself.
    assert page_query.count("COUNT(") == 1 and '"DJANGO_COMMENTS"' in page_query
    assert not any(query["sql"].upper().startswith("SELECT COUNT(") for query in captured)
    assert "OFFSET" not in page_query
    # Three a page, one to know whether older posts follow, and the cursor's
    # own post, which shows that the cursor is this page's address.
    assert "LIMIT 5" in page_query


class TestCursor:
    def test_it_reads_back_what_it_writes(self):
        cursor = Cursor(datetime(2026, 3, 19, 8, 30, 0, 120, tzinfo=UTC), 42)
        assert str(cursor) == "2026-03-19T08:30:00.000120Z~42"
        assert Cursor.parse(str(cursor)) == cursor

    def test_it_writes_utc_whatever_the_time_zone(self):
        from zoneinfo import ZoneInfo

        moment = datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
        assert str(Cursor(moment, 7)) == "2026-07-01T08:00:00.000000Z~7"

    def test_a_shortened_fraction_is_accepted(self):
        assert Cursor.parse("2026-03-19T08:30:00Z~1") == Cursor(datetime(2026, 3, 19, 8, 30, tzinfo=UTC), 1)
        assert Cursor.parse("2026-03-19T08:30:00.5Z~1").published_at.microsecond == 500_000

    @pytest.mark.parametrize("value", ["", "~", "2026-03-19T08:30:00Z~١", "２026-03-19T08:30:00Z~1", "x" * 5000])
    def test_anything_else_is_a_value_error(self, value):
        with pytest.raises(ValueError):
            Cursor.parse(value)


# Numbered pages of the admin's long lists (posts.pagination.DeferredJoinPaginator)


def test_admin_pages_hold_what_plain_offset_pages_hold(django_assert_num_queries):
    """Each page is the same rows, in the same order, as Django's own
    paginator gives, with what the list selects along (here the author),
    whatever the ties and the orphans."""
    author = make_author(name="Ada")
    for n in range(8):  # pairs published at the same moment: the id decides
        make_post(author=author, title=f"Post {n}", published_at=NOON - timedelta(hours=n // 2))
    listing = Post.objects.select_related("author").order_by("-published_at", "-pk")
    plain, deferred = Paginator(listing, 3, orphans=1), DeferredJoinPaginator(listing, 3, orphans=1)

    assert deferred.num_pages == plain.num_pages == 3
    for number in deferred.page_range:
        expected = [post.title for post in plain.page(number)]
        with django_assert_num_queries(2):  # the page's ids, then their rows
            page = deferred.page(number)
            titles = [post.title for post in page]
            assert {post.author.name for post in page} == {"Ada"}
        assert titles == expected
    assert titles == ["Post 7", "Post 6"]  # the last page: the oldest moment, the higher id first
    with pytest.raises(EmptyPage):
        deferred.page(4)


def test_admin_lists_page_through_comments_newest_first(admin_client, monkeypatch):
    monkeypatch.setattr(CommentAdmin, "list_per_page", 2)
    post = make_post(title="Discussed")
    for n in range(5):
        make_comment(post, comment=f"Comment {n}", submit_date=NOON + timedelta(minutes=n))

    def listed(page: int) -> list[str]:
        html = admin_client.get(f"/admin/django_comments_xtd/xtdcomment/?p={page}").content.decode()
        return list(dict.fromkeys(re.findall(r"Comment \d", html)))  # each is in its row twice

    assert [listed(page) for page in (1, 2, 3)] == [
        ["Comment 4", "Comment 3"],
        ["Comment 2", "Comment 1"],
        ["Comment 0"],
    ]
    past_the_end = admin_client.get("/admin/django_comments_xtd/xtdcomment/?p=4")
    assert past_the_end.status_code == 302 and past_the_end["Location"].endswith("?e=1")
