"""Who sees a post when: the publish matrix, staff preview, and 404s."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authors.roles import AUTHORS
from posts.models import Post
from tests.factories import make_author, make_post, make_user

pytestmark = pytest.mark.django_db

PAST = timedelta(days=-2)
FUTURE = timedelta(days=2)
MATRIX = [
    # (status, publish offset, visible to readers)
    (Post.Status.PUBLISHED, PAST, True),
    (Post.Status.PUBLISHED, FUTURE, False),
    (Post.Status.DRAFT, PAST, False),
    (Post.Status.DRAFT, FUTURE, False),
]


@pytest.mark.parametrize(("status", "offset", "visible"), MATRIX)
def test_publish_matrix_on_every_public_page(client, status, offset, visible):
    author = make_author(slug="writer")
    # A published companion keeps the tag and author pages themselves alive.
    make_post(author=author, tags=["Schools"], title="Companion post")
    post = make_post(
        author=author, status=status, published_at=timezone.now() + offset, tags=["Schools"], title="Matrix subject"
    )

    for url in [reverse("posts:list"), reverse("posts:tag", args=["schools"]), author.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert ("Matrix subject" in page) is visible, url
        assert "Companion post" in page

    detail = client.get(post.get_absolute_url())
    assert detail.status_code == (200 if visible else 404)


def test_drafts_have_no_date_requirement_but_published_posts_do():
    assert make_post(status=Post.Status.DRAFT, published_at=None).pk
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_post(status=Post.Status.PUBLISHED, published_at=None)


def test_staff_preview_of_a_draft_has_banner_noindex_and_no_cache(client):
    owner = make_user("writer", groups=[AUTHORS])
    post = make_post(author=make_author(user=owner), status=Post.Status.DRAFT, title="Work in progress")
    client.force_login(owner)

    response = client.get(post.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Work in progress" in page
    assert "<strong>Preview.</strong>" in page and "This is a draft" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # No comment form on something readers cannot see.
    assert 'class="comment-form"' not in page


def test_scheduled_post_preview_says_when(client):
    admin = make_user("boss", is_superuser=True, staff=True)
    post = make_post(published_at=timezone.now() + FUTURE)
    client.force_login(admin)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "This post is scheduled for" in page


def test_other_authors_and_readers_get_404_for_a_draft(client):
    post = make_post(author=make_author(user=make_user("owner", groups=[AUTHORS])), status=Post.Status.DRAFT)
    assert client.get(post.get_absolute_url()).status_code == 404
    client.force_login(make_user("someone-else", groups=[AUTHORS]))
    assert client.get(post.get_absolute_url()).status_code == 404


def test_published_post_is_not_marked_noindex(client):
    post = make_post()
    response = client.get(post.get_absolute_url())
    assert "X-Robots-Tag" not in response
    assert "noindex" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/posts/no-such-post/",
        "/tags/no-such-tag/",
        "/authors/no-such-author/",
        "/?before=abc",
        "/?before=2026-02-30T00:00:00.000000Z~1",
        "/tags/schools/?after=-1",
        "/tags/schools/?before=1999-01-01T00:00:00.000000Z~1",
        "/posts/bad%00slug/",
        "/posts/../../etc/passwd",
        "/nothing-here/",
    ],
)
def test_unknown_addresses_and_bad_pages_are_friendly_404s(client, url):
    make_post(tags=["Schools"])
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_home_paginates_newest_first(client, settings):
    author = make_author()
    for day in range(12):
        make_post(author=author, title=f"Day {day:02d}", published_at=timezone.now() - timedelta(days=day + 1))
    first = client.get("/").content.decode()
    older = re.search(r'href="([^"]+)" rel="next">Older posts', first)[1]
    second = client.get(f"/{older}").content.decode()
    assert first.index("Day 00") < first.index("Day 09")
    assert "Day 10" not in first and "Day 10" in second and "Day 11" in second
    assert 'rel="prev"' not in first and "Page 1" not in first
    assert 'rel="prev">← Newer posts</a>' in second and 'rel="next"' not in second


def test_empty_blog_says_so(client):
    page = client.get("/").content.decode()
    assert "No articles have been published yet." in page


def test_tag_or_author_without_published_posts_is_404(client):
    author = make_author(slug="quiet")
    make_post(author=author, status=Post.Status.DRAFT, tags=["Unpublished"])
    assert client.get("/authors/quiet/").status_code == 404
    assert client.get("/tags/unpublished/").status_code == 404


def dates_shown(client, post) -> dict:
    """When readers, feed readers and search engines are told ``post`` last
    changed: "Updated on" (or not), article:modified_time, its Atom entry's
    <updated>, the sitemap's lastmod."""
    page = client.get(post.get_absolute_url()).content.decode()
    feed = client.get("/feed/atom/").content.decode()
    entry = feed[feed.index("<entry>") :]
    return {
        "Updated on": "Updated on" in page,
        "modified": datetime.fromisoformat(re.search(r'"article:modified_time" content="([^"]*)"', page).group(1)),
        "feed": datetime.fromisoformat(re.search(r"<updated>([^<]*)<", entry).group(1)),
        "sitemap": date.fromisoformat(
            re.search(r"<lastmod>([^<]*)<", client.get("/sitemap-posts.xml").content.decode()).group(1)
        ),
    }


def test_a_fix_made_while_unpublished_is_an_update_once_the_post_is_back(client):
    """Found by QA: a live post taken back to draft, corrected and published
    again with its date said nothing of the fix (no "Updated on"; its
    modified time, feed <updated> and sitemap lastmod kept its old date):
    only edits made while it was live counted. Readers saw an earlier
    version, so what counts is how it differs from the one they saw last."""
    ago = timezone.now() - timedelta(days=20)
    post = make_post(slug="fixme", published_at=ago, body="<p>Flask is fastest.</p>")
    post.make_draft()  # taken down
    post.save()
    post.body = "<p>Corrected: FastAPI is fastest.</p>"
    post.save()
    assert Post.objects.get(pk=post.pk).content_updated_at is None  # nobody sees the fix yet
    back = timezone.now()
    post.status = Post.Status.PUBLISHED  # back, with the same publish date
    post.save()

    assert "Corrected" in client.get("/posts/fixme/").content.decode()
    shown = dates_shown(client, post)
    assert shown["Updated on"] and shown["modified"] >= back and shown["feed"] >= back
    assert shown["sitemap"] > (ago + timedelta(days=1)).date()


@pytest.mark.parametrize("case", ["back unchanged", "edit undone", "never published", "pulled before its date"])
def test_a_post_back_as_readers_saw_it_or_first_seen_now_is_not_updated(client, case):
    """Taken down and back unchanged (or with an edit undone) is not an
    update; nor is a post's first publication, whatever its date, even after
    it was scheduled once and pulled before that date came."""
    ago = timezone.now() - timedelta(days=20)
    status = Post.Status.DRAFT if case == "never published" else Post.Status.PUBLISHED
    post = make_post(slug="back", published_at=ago, title="As seen", status=status)
    post.make_draft()
    post.save()
    if case == "pulled before its date":  # scheduled 30 days ago, back to draft 5 days later
        scheduled, pulled = post.history.order_by("history_date", "history_id")
        post.history.filter(pk=scheduled.pk).update(history_date=ago - timedelta(days=10))
        post.history.filter(pk=pulled.pk).update(history_date=ago - timedelta(days=5))
    if case != "back unchanged":
        post.title = "Being rewritten"
        post.save()
    if case == "edit undone":
        post.title = "As seen"
        post.save()
    post.status = Post.Status.PUBLISHED
    post.save()

    assert Post.objects.get(pk=post.pk).content_updated_at is None
    shown = dates_shown(client, post)
    assert not shown["Updated on"] and shown["modified"] == shown["feed"] == ago
    assert shown["sitemap"] < (ago + timedelta(days=2)).date()
