"""sitemap.xml lists what readers can reach, with lastmod; robots.txt points at it."""

from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from posts.models import Post
from tests.factories import make_author, make_post

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://testserver"


def sitemap(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    return {url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS) for url in root}


def test_lists_published_posts_tags_authors_archives_and_index_pages(client):
    writer = make_author(slug="writer")
    march = timezone.make_aware(datetime(2025, 3, 14, 10))
    make_post(author=writer, slug="live", tags=["Schools"], published_at=march)
    make_post(author=make_author(slug="drafter"), slug="draft", tags=["Secret", "Schools"], status=Post.Status.DRAFT)
    make_post(slug="review", tags=["Secret"], status=Post.Status.REVIEW, author=writer)
    # Scheduled, and sharing a published tag: the tag's lastmod is still the published post's.
    make_post(slug="soon", tags=["Secret", "Schools"], published_at=timezone.now() + timedelta(days=1), author=writer)

    urls = sitemap(client)

    assert set(urls) == {
        f"{BASE}/",
        f"{BASE}/tags/",
        f"{BASE}/archive/",
        f"{BASE}/posts/live/",
        f"{BASE}/tags/schools/",
        f"{BASE}/authors/writer/",
        f"{BASE}/archive/2025/03/",
        f"{BASE}/archive/2025/",
    }
    assert all(lastmod and lastmod.startswith("2025-03-14") for lastmod in urls.values())


def test_post_lastmod_is_its_last_meaningful_change(client):
    published = timezone.now() - timedelta(days=10)
    post = make_post(slug="edited", published_at=published)
    Post.objects.filter(pk=post.pk).update(content_updated_at=published + timedelta(days=3))

    urls = sitemap(client)

    assert urls[f"{BASE}/posts/edited/"].startswith((published + timedelta(days=3)).date().isoformat())


def test_the_seed_article(client, seed):
    urls = sitemap(client)
    assert urls[f"{BASE}/posts/django-vs-flask-vs-fastapi/"].startswith("2026-03-19")
    for path in ["/tags/django/", "/tags/backend-development/", "/authors/skolr/", "/archive/2026/03/"]:
        assert f"{BASE}{path}" in urls
    assert not any("/search/" in url or "/preview/" in url for url in urls)


def test_an_empty_blog_has_a_sitemap_of_its_index_pages(client):
    assert set(sitemap(client)) == {f"{BASE}/", f"{BASE}/tags/", f"{BASE}/archive/"}


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "User-agent: *\n" in text
    assert "Disallow: /admin/\n" in text
    assert f"Sitemap: {BASE}/sitemap.xml\n" in text
    assert "Disallow: /search" not in text  # noindex must stay visible to crawlers
