"""Stored XSS, server side: every payload of the corpus through every field a
stranger or an author controls, then every page that shows it, parsed.

A page passes when nothing in it could run script or send the reader
elsewhere (see ``hostile.UnsafeMarkupFinder``): no script we did not write, no
event handler, no ``javascript:``/``data:`` address, no frame, object, base,
meta refresh or foreign form. The browser test (tests/browser/test_xss.py)
loads the same kind of pages in Chromium and watches for execution.
"""

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from authors.roles import AUTHORS, EDITORS, MODERATORS
from posts.comment_models import PendingComment
from posts.discovery_views import SearchView
from posts.models import Post
from posts.views import PublishedPostListView
from tests.factories import make_author, make_post, make_user
from tests.security.hostile import (
    COMMENT_SINKS,
    PAYLOAD_FILE,
    Tally,
    add_posts,
    add_tags,
    approve,
    load_payloads,
    post_comments,
    post_with_every_payload,
    publish,
    set_author_profiles,
    unsafe_in_feed,
    unsafe_in_response,
    unsafe_markup,
)

pytestmark = pytest.mark.django_db

PAYLOADS = load_payloads()
# Pages that show one object each are checked for every SAMPLE-th object when
# a list page already shows all of them.
SAMPLE = 5
SEARCH_WORDS = ["xss", "script", "img", "javascript"]


def test_corpus_has_over_a_hundred_distinct_payloads_and_names_its_sources():
    header = PAYLOAD_FILE.read_text(encoding="utf-8")[:1500]
    assert "OWASP XSS Filter Evasion Cheat Sheet" in header
    assert "PortSwigger" in header
    assert len(PAYLOADS) >= 100
    assert len({payload.text for payload in PAYLOADS}) == len(PAYLOADS)


def test_the_checker_finds_what_it_looks_for():
    """The finder is only worth its silence if it speaks up on real payloads."""
    for html in [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<iframe srcdoc="x"></iframe>',
        '<meta http-equiv="refresh" content="0;url=https://evil.invalid/">',
        '<form action="https://evil.invalid/"></form>',
        '<button formaction="https://evil.invalid/">Go</button>',
        '<input type="submit" formaction="javascript:alert(1)">',
        '<div style="width: expression(alert(1))"></div>',
        '<script type="application/ld+json">{"a": "</script><img src=x onerror=alert(1)>"}</script>',
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    ]:
        assert unsafe_markup(html), html
    safe = (
        '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><a href="/posts/x/">x</a>'
        '<script src="/static/js/comments.js" defer></script><script type="application/ld+json">{"a": 1}</script>'
        '<input type="submit" formaction="/admin/posts/post/1/preview-changes/" formtarget="_blank">'
    )
    assert unsafe_markup(safe) == []


class Pages:
    """Fetch pages, check them, and charge any finding to the sinks shown there."""

    def __init__(self, tally: Tally):
        self.tally = tally
        self.count = 0

    def check(self, client, url: str, sinks, *, feed: bool = False, heading: bool = True, **params):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)
        if feed:
            findings = unsafe_in_feed(response.content)
        else:
            findings = unsafe_in_response(response)
            if heading:
                assert b"<h1" in response.content, url  # the page rendered, not an empty shell
        for sink in sinks:
            self.tally[sink].findings += [f"{url}: {finding}" for finding in findings]
        self.count += 1
        return response


def report(capsys, tally: Tally, title: str, pages: Pages) -> None:
    with capsys.disabled():
        print("\n" + tally.table(f"{title} ({pages.count} pages checked; executed = unsafe markup found)"))
    findings = sorted({finding for entry in tally.values() for finding in entry.findings})
    assert findings == [], "\n".join(findings[:40])
    assert all(entry.tried == len(PAYLOADS) for entry in tally.values())


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(make_user("root", is_superuser=True, staff=True))
    return client


@pytest.fixture
def everything_on_one_page(monkeypatch):
    """Lists and admin change lists show every row at once, so one request
    checks every payload."""
    monkeypatch.setattr(PublishedPostListView, "paginate_by", 10_000)
    monkeypatch.setattr(SearchView, "paginate_by", 10_000)
    for model in (Post, Tag, XtdComment, PendingComment):
        monkeypatch.setattr(admin.site._registry[model], "list_per_page", 10_000)


def test_search_highlights_every_payload_escaped(client, everything_on_one_page):
    """Search results are the one page whose text the database writes: SQLite's
    FTS5 and PostgreSQL's text search each mark the matches in the title,
    excerpt, tags and body they return (``posts.search``). Every payload in
    every one of those, searched for by word and by its own text."""
    author = make_author(name="Searcher")
    title_length = Post._meta.get_field("title").max_length
    for payload in PAYLOADS:
        post = make_post(
            author=author,
            slug=f"search-xss-{payload.number}",
            title=f"xss {payload.text}"[:title_length],
            excerpt=f"script {payload.text}"[:300],
            body=f"<p>img javascript {payload.text}</p>",  # sanitized as any body (Post.save)
        )
        post.tags.add(f"tag {payload.number} {payload.text}"[:100])
    findings, shown = [], 0
    queries = [*SEARCH_WORDS, *(payload.text for payload in PAYLOADS[::SAMPLE])]
    for query in queries:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        findings += [f"q={query!r}: {finding}" for finding in unsafe_in_response(response)]
        shown += response.content.count(b'<li class="search-result">')
    assert shown >= len(PAYLOADS), shown  # "xss" alone finds every post
    assert findings == [], "\n".join(findings[:40])


def test_stranger_fields(
    client, superuser_client, everything_on_one_page, settings, django_capture_on_commit_callbacks, capsys
):
    """Comment body, name and URL: stored (held), shown to moderators in the
    queue and in their emails, approved, then shown to every reader."""
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 10_000}
    writer = make_user("writer", groups=[AUTHORS], email="writer@example.com")
    post = make_post(title="Comments under attack", slug="comments-under-attack", author=make_author(user=writer))
    make_user("moderator", groups=[MODERATORS], email="moderator@example.com")
    tally = Tally()
    pages = Pages(tally)
    sinks = list(COMMENT_SINKS)

    # Emails are rendered for a sample: every SAMPLE-th payload's comments
    # run their after-commit notifications (a moderator alert, then an
    # author notice once approved).
    emailed = PAYLOADS[::SAMPLE]
    with django_capture_on_commit_callbacks(execute=True):
        mailed = post_comments(client, post, emailed, tally)
    comments = mailed + post_comments(client, post, [p for p in PAYLOADS if p not in emailed], tally)
    assert XtdComment.objects.filter(is_public=True).count() == 0  # every one held for a moderator

    pages.check(superuser_client, "/admin/posts/pendingcomment/", sinks)
    with django_capture_on_commit_callbacks(execute=True):
        approve(mailed)
    approve(comments[len(mailed) :])
    pages.check(superuser_client, "/admin/django_comments_xtd/xtdcomment/", sinks)
    pages.check(superuser_client, "/admin/django_comments_xtd/xtdcomment/", sinks, q="script")
    # The lists above show every comment; one page per comment for a sample.
    for comment in comments[::SAMPLE]:
        pages.check(superuser_client, f"/admin/django_comments_xtd/xtdcomment/{comment.pk}/change/", sinks)
        pages.check(client, f"/comments/reply/{comment.pk}/", sinks)
    article = pages.check(client, post.get_absolute_url(), sinks)
    assert article.content.decode().count('class="comment"') == len(comments)

    emails = [html for message in mail.outbox for html, kind in message.alternatives if kind == "text/html"]
    assert len(emails) >= 2 * len(mailed)  # a moderator alert and an author notice for each
    for html in emails:
        findings = unsafe_markup(html)
        for sink in sinks:
            tally[sink].findings += [f"email: {finding}" for finding in findings]

    report(capsys, tally, "Stored XSS through strangers' fields", pages)


def test_author_fields(client, superuser_client, everything_on_one_page, settings, capsys):
    """Post title, excerpt, body and new tags, tag names and author profiles,
    typed (or forged) in the admin; then the whole public site and the admin.

    On CI it runs on SQLite only (tests/conftest.py, CI_SHARES): the pages
    escape what is stored whichever database stored it, and the one part the
    database writes itself, search's highlighting, is checked on both by
    ``test_search_highlights_every_payload_escaped``."""
    settings.BLOG = settings.BLOG | {"FEED_ITEMS": 10_000}
    tally = Tally()
    pages = Pages(tally)

    authors = []
    for payload in PAYLOADS:
        user = make_user(f"writer{payload.number}", groups=[AUTHORS])
        authors.append(make_author(user=user, slug=f"writer-{payload.number}", name=f"Writer {payload.number}"))
    profile_client = Client()
    set_author_profiles(profile_client, authors, PAYLOADS, tally)

    editor = Client()
    editor.force_login(make_user("editor", groups=[EDITORS]))
    tags = add_tags(editor, PAYLOADS, tally)
    posts = add_posts(editor, PAYLOADS, tally, authors=authors, tags=tags)
    everything = post_with_every_payload(editor, "all-payloads", "All payloads", authors[0], PAYLOADS, "\n")
    publish([*posts, everything])

    post_sinks = ["post title", "post excerpt", "post body", "new tags", "tag name (tag admin)"]
    post_sinks += ["meta title", "meta description", "canonical URL"]
    author_sinks = ["author name", "author bio", "author expertise"]
    everywhere = post_sinks + author_sinks
    # Lists, archives, search and feeds: every post at once.
    for url in ["/", "/tags/", "/archive/"]:
        pages.check(client, url, everywhere)
    year, month = Post.objects.get(pk=posts[0].pk).published_at.strftime("%Y %m").split()
    pages.check(client, f"/archive/{year}/", everywhere)
    pages.check(client, f"/archive/{year}/{month}/", everywhere)
    for word in SEARCH_WORDS:
        pages.check(client, "/search/", everywhere, q=word)
    for payload in PAYLOADS[::SAMPLE]:
        pages.check(client, "/search/", everywhere, q=payload.text)  # the query is shown back
    for name in ["posts:feed", "posts:feed_atom"]:
        pages.check(client, reverse(name), everywhere, feed=True)
    # Each post with its author card; each author and tag page and feed.
    for post in posts:
        pages.check(client, post.get_absolute_url(), everywhere)
    for author in authors[::SAMPLE]:
        pages.check(client, author.get_absolute_url(), [*author_sinks, "post title", "post excerpt"])
        pages.check(client, reverse("authors:feed_atom", args=[author.slug]), everywhere, feed=True)
    # Tags on a post (two tag-admin names equal but for case are one tag to a post).
    for index, tag in enumerate(Tag.objects.filter(posts_taggedpost_items__isnull=False).distinct().order_by("pk")):
        try:
            url = reverse("posts:tag", args=[tag.slug])
        except NoReverseMatch:
            pytest.fail(f"tag {tag.name!r} has a slug no address can hold: {tag.slug!r}")
        if index % SAMPLE == 0:  # the tag cloud and every post page list them all
            pages.check(client, url, ["tag name (tag admin)", "new tags", "post title", "post excerpt"])
            pages.check(client, reverse("posts:tag_feed", args=[tag.slug]), ["tag name (tag admin)"], feed=True)
    pages.check(client, everything.get_absolute_url(), ["post body"])
    try:
        sitemap = reverse("sitemap")
    except NoReverseMatch:
        sitemap = None  # not built yet
    if sitemap:
        assert client.get(sitemap).status_code == 200

    # The admin: lists, searches, change forms, the revision comparison.
    for url in ["/admin/posts/post/", "/admin/taggit/tag/", "/admin/authors/author/"]:
        pages.check(superuser_client, url, everywhere)
        pages.check(superuser_client, url, everywhere, q="<script>")
    for post, author in zip(posts[::SAMPLE], authors[::SAMPLE], strict=True):
        pages.check(superuser_client, f"/admin/posts/post/{post.pk}/change/", post_sinks)
        pages.check(superuser_client, f"/admin/authors/author/{author.pk}/change/", author_sinks)
    for tag_id in list(tags.values())[::SAMPLE]:
        pages.check(superuser_client, f"/admin/taggit/tag/{tag_id}/change/", ["tag name (tag admin)"])
    pages.check(superuser_client, f"/admin/posts/post/{everything.pk}/history/", ["post body"])
    compare = pages.check(superuser_client, f"/admin/posts/post/{everything.pk}/history/compare/", ["post body"])
    assert b'class="diff"' in compare.content

    report(capsys, tally, "Stored XSS through authors' fields", pages)
