"""The shared page cache: fast for anonymous readers, never stale, never personal."""

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from posts import moderation
from posts.models import CommentReview
from posts.views import PublishedPostListView
from tests.factories import comment_form_fields, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


def test_second_anonymous_request_is_served_from_the_cache_without_queries(client, django_assert_num_queries):
    post = make_post(title="Cached article")
    first = client.get(post.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(post.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_conditional_requests_get_304(client):
    post = make_post()
    first = client.get(post.get_absolute_url())
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified and "public" in first["Cache-Control"]
    again = client.get(post.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    post.title = "Changed"
    post.save()
    changed = client.get(post.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_saved_post_shows_on_the_next_request(client):
    post = make_post(title="Before")
    assert "Before" in client.get("/").content.decode()
    post.title = "After"
    post.save()
    page = client.get("/").content.decode()
    assert "After" in page and "Before" not in page


def test_an_approved_comment_shows_on_the_next_request(client):
    post = make_post()
    comment = make_comment(post, is_public=False, comment="Waiting for approval")
    CommentReview.objects.create(comment=comment, status="pending")
    assert "Waiting for approval" not in client.get(post.get_absolute_url()).content.decode()
    moderation.decide(comment, "approved")
    page = client.get(post.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert "Waiting for approval" in page.content.decode()


def test_a_scheduled_post_appears_on_time_despite_cached_pages(client, monkeypatch):
    scheduled = make_post(title="Scheduled later", published_at=timezone.now() + timedelta(hours=1))
    make_post(title="Already out")
    assert "Scheduled later" not in client.get("/").content.decode()
    assert client.get("/")["X-Page-Cache"] == "hit"
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert "Scheduled later" in client.get("/").content.decode()
    assert client.get(scheduled.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("schedule_entry_expired", [False, True])
def test_a_scheduled_post_going_live_changes_the_etag(client, monkeypatch, schedule_entry_expired):
    """A reader's browser or feed reader that revalidates is not told 304
    once a scheduled post is out, and Last-Modified moves on."""
    from django.core.cache import cache

    from skolr_blog.page_cache import VERSION_KEY

    make_post(title="Already out")
    make_post(title="Scheduled later", published_at=timezone.now() + timedelta(hours=1))
    for path in ("/", "/feed/"):
        client.get(path)
    before = {path: client.get(path) for path in ("/", "/feed/")}
    assert all(response["X-Page-Cache"] == "hit" for response in before.values())
    if schedule_entry_expired:  # no request came for longer than the schedule is remembered
        cache.delete(f"pages:{cache.get(VERSION_KEY)}:next-publish")
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    monkeypatch.setattr("time.time_ns", lambda: int(later.timestamp() * 1e9))  # content versions' clock

    for path, response in before.items():
        again = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 200 and "Scheduled later" in again.content.decode()
        fresh = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
        assert fresh.status_code == 200 and fresh["ETag"] != response["ETag"]
        assert fresh["Last-Modified"] != response["Last-Modified"]
        assert client.get(path, HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 304


def _later(monkeypatch, delta: timedelta) -> None:
    """Move the clocks on: pages' times and cache entries' lifetimes (time.time), not content versions."""
    real_time, later = time.time(), timezone.now() + delta
    monkeypatch.setattr("time.time", lambda: real_time + delta.total_seconds())
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)


def test_a_page_rendered_again_is_a_new_page_to_a_revalidating_browser(client, monkeypatch):
    """Found by QA: the ETag and Last-Modified were the content version's.
    A page rendered again after its shared copy expired, nothing on the blog
    changed, has a new comment form (a new signed timestamp), yet kept them:
    a browser revalidating its copy of two hours before was told 304, kept a
    form the server had stopped accepting, and the reader's comment came
    back "This form had expired or was altered"."""
    url = make_post(title="A quiet article").get_absolute_url()
    first = client.get(url)  # the reader's browser keeps this copy
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304  # nothing changed yet

    _later(monkeypatch, timedelta(hours=2, minutes=5))
    assert Client().get(url)["X-Page-Cache"] == "miss"  # another reader's request renders it again
    revalidated = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 200 and revalidated["X-Page-Cache"] == "hit"
    assert revalidated["ETag"] != first["ETag"]
    assert revalidated["Last-Modified"] != first["Last-Modified"]
    form = comment_form_fields(revalidated.content.decode())
    assert form["timestamp"] != comment_form_fields(first.content.decode())["timestamp"]
    assert client.get(url, HTTP_IF_NONE_MATCH=revalidated["ETag"]).status_code == 304

    data = form | {"name": "Asha", "email": "asha@example.com", "url": "", "comment": "Hello", "reply_to": "0"}
    posted = client.post("/comments/post/", data, follow=True)
    assert "Your comment is held for review." in posted.content.decode()


def test_a_page_rendered_again_just_as_it_was_is_still_not_modified(client, monkeypatch):
    """A page without a comment form (a feed, a list) rendered again, with
    nothing changed, is the same page: its ETag says so, and a browser or a
    feed reader that revalidates is told 304."""
    make_post(title="In the feed")
    first = client.get("/feed/")
    _later(monkeypatch, timedelta(hours=2))
    again = client.get("/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert client.get("/feed/")["X-Page-Cache"] == "hit"  # rendered again for that 304, and kept


def test_a_cached_article_goes_when_its_comments_close(client, monkeypatch):
    """Comments close by themselves, days after publication, with no content
    change: the article's cached copy is not served past that time (it went
    on showing the form, and telling a revalidating browser 304, for up to
    PAGE_CACHE["SECONDS"] more)."""
    now = timezone.now()
    url = make_post(published_at=now - timedelta(days=7, minutes=-5), comment_days=7).get_absolute_url()
    first = client.get(url)
    assert 'class="comment-form"' in first.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    later = now + timedelta(minutes=6)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    closed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert closed.status_code == 200
    assert "Comments are closed." in closed.content.decode()
    assert 'class="comment-form"' not in closed.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"  # and the page without the form is kept


def test_signed_in_readers_bypass_the_cache_and_are_never_stored(client):
    post = make_post()
    client.force_login(make_user("reader", staff=False))
    response = client.get(post.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert response["Cache-Control"] == "private"  # no shared cache keeps it (found by QA)
    client.logout()
    anonymous = client.get(post.get_absolute_url())
    assert anonymous["X-Page-Cache"] == "miss"
    assert "csrfmiddlewaretoken" not in anonymous.content.decode()


def test_personal_pages_are_not_cached(client, seed):
    from django_comments import get_form

    data = get_form()(seed).initial | {"reply_to": 0, "name": "Asha", "email": "a@example.com", "comment": "Hello"}
    after = client.post("/comments/post/", data, follow=True)
    assert "Your comment is held for review." in after.content.decode()
    assert "X-Page-Cache" not in after and "no-cache" in after["Cache-Control"]
    plain = client.get(seed.get_absolute_url()).content.decode()
    assert "Your comment is held for review." not in plain
    assert "nonce-" not in client.get(seed.get_absolute_url())["Content-Security-Policy"]


def test_404s_and_admin_are_not_cached(client):
    assert "X-Page-Cache" not in client.get("/posts/nothing/")
    assert "X-Page-Cache" not in client.get("/admin/login/")


def test_a_process_serves_its_own_copy_while_the_version_holds(client, settings):
    """The page is fetched from the shared cache once per process and version;
    the copy goes with the version, and after PAGE_CACHE["SECONDS"] like the shared entry."""
    from django.core.cache import cache

    from skolr_blog import page_cache

    post = make_post(title="Kept in the process")
    url = post.get_absolute_url()
    client.get(url)
    cache.delete_many([key for key in page_cache.local_pages._entries])  # the shared copy is gone
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit" and "Kept in the process" in again.content.decode()

    post.title = "Changed everywhere"
    post.save()
    changed = client.get(url)
    assert changed["X-Page-Cache"] == "miss" and "Changed everywhere" in changed.content.decode()

    settings.PAGE_CACHE = settings.PAGE_CACHE | {"SECONDS": 0}
    client.get("/")  # stored with a lifetime of 0 seconds
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_campaign_links_share_the_page_they_point_to(client):
    """utm_* and ad-click parameters change nothing on the page, so not the cache entry either."""
    post = make_post(title="Shared on social media")
    url = post.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    for query in ("?utm_source=newsletter&utm_medium=email", "?fbclid=abc123", "?gclid=x&utm_campaign=spring"):
        response = client.get(url + query)
        assert response["X-Page-Cache"] == "hit", query
        assert "Shared on social media" in response.content.decode()
    # Parameters a page does read still make pages of their own.
    assert client.get(url + "?cpage=1&utm_source=x")["X-Page-Cache"] == "miss"
    assert client.get(url + "?utm_source=y&cpage=1")["X-Page-Cache"] == "hit"


def test_each_host_has_its_own_copy_of_a_page(client):
    """Pages carry absolute addresses in the request's host (canonical link,
    share tags): a copy made for one allowed host is not served to another."""
    post = make_post(title="Two hosts")
    url = post.get_absolute_url()
    first = client.get(url, HTTP_HOST="localhost")
    assert first["X-Page-Cache"] == "miss"
    assert f'<link rel="canonical" href="http://localhost{url}">' in first.content.decode()
    other = client.get(url, HTTP_HOST="127.0.0.1:8080")
    assert other["X-Page-Cache"] == "miss"
    assert f'<link rel="canonical" href="http://127.0.0.1:8080{url}">' in other.content.decode()
    assert client.get(url, HTTP_HOST="localhost")["X-Page-Cache"] == "hit"
    assert client.get(url, HTTP_HOST="127.0.0.1:8080")["X-Page-Cache"] == "hit"


def test_a_host_not_allowed_gets_400_even_for_a_cached_page(client):
    post = make_post()
    assert client.get(post.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(post.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def _queries(client, url) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response["X-Page-Cache"] == "miss", url
    return response.content.decode(), [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_tag_counts_and_suggested_tags_are_counted_once_and_never_stale(client, monkeypatch):
    """A tag's post count shows on each of its pages, and the tags suggested
    on every search without results are the same for all of them: each is
    counted once (``content_cached``), yet always matches the blog."""
    monkeypatch.setattr(PublishedPostListView, "paginate_by", 2)
    now = timezone.now()
    for n in range(4):
        make_post(title=f"Lantern {n}", tags=["Lanterns"], published_at=now - timedelta(days=n + 1))
    make_post(title="Kites", tags=["Kites"], published_at=now - timedelta(days=9))

    first, _ = _queries(client, "/tags/lanterns/")
    assert "4 articles tagged “Lanterns”" in unescape(first)
    older = re.search(r'href="([^"]+)" rel="next"', first)[1]
    second, queries = _queries(client, "/tags/lanterns/" + unescape(older))
    assert "4 articles tagged “Lanterns”" in unescape(second)
    assert len(queries) == 3, queries  # the tag, its page of posts, their tags: not counted again

    plan = 1 if connection.vendor == "postgresql" else 0  # posts.search.planned_for_each_query
    nothing, queries = _queries(client, "/search/?q=quantum")
    assert len(queries) == 2 + plan, queries  # no match; the suggested tags
    assert unescape(nothing).index("/tags/lanterns/") < unescape(nothing).index("/tags/kites/")
    other, queries = _queries(client, "/search/?q=warp")
    assert len(queries) == 1 + plan, queries  # no match; the same suggestions
    assert "/tags/lanterns/" in other

    # Changes show on the next request.
    for n in range(5):
        make_post(title=f"Kite {n}", tags=["Kites"], published_at=now - timedelta(hours=n + 1))
    assert "4 articles tagged “Lanterns”" in unescape(client.get("/tags/lanterns/" + unescape(older)).content.decode())
    suggestions = unescape(client.get("/search/?q=warp").content.decode())
    assert suggestions.index("/tags/kites/") < suggestions.index("/tags/lanterns/")
    make_post(title="Lantern 4", tags=["Lanterns"], published_at=now - timedelta(minutes=5))
    assert "5 articles tagged “Lanterns”" in unescape(client.get("/tags/lanterns/" + unescape(older)).content.decode())

    # A scheduled post counts from its publish time, with no save in between.
    make_post(title="Lantern 5", tags=["Lanterns"], published_at=now + timedelta(hours=1))
    assert "5 articles tagged “Lanterns”" in unescape(client.get("/tags/lanterns/" + unescape(older)).content.decode())
    later = now + timedelta(hours=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert "6 articles tagged “Lanterns”" in unescape(client.get("/tags/lanterns/" + unescape(older)).content.decode())
