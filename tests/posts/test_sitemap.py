"""sitemap.xml indexes sitemaps of what readers can reach, with lastmod, in
pages a crawler accepts; robots.txt points at it."""

from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from posts import sitemaps
from posts.models import Post
from tests.factories import make_author, make_post

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://testserver"


def xml(client, url: str) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def index(client) -> dict[str, str | None]:
    """The sitemap index: each sitemap's address and lastmod."""
    root = xml(client, "/sitemap.xml")
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    return {entry.findtext("sm:loc", namespaces=NS): entry.findtext("sm:lastmod", namespaces=NS) for entry in root}


def sitemap(client) -> dict[str, str | None]:
    """Every address of every sitemap the index lists, with its lastmod;
    none listed twice."""
    urls = {}
    for location in index(client):
        root = xml(client, location.removeprefix(BASE))
        for url in root:
            loc = url.findtext("sm:loc", namespaces=NS)
            assert loc not in urls, loc
            urls[loc] = url.findtext("sm:lastmod", namespaces=NS)
    return urls


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
        f"{BASE}/authors/",
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
    assert set(sitemap(client)) == {f"{BASE}/", f"{BASE}/tags/", f"{BASE}/authors/", f"{BASE}/archive/"}


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "User-agent: *\n" in text
    assert "Disallow: /admin/\n" in text
    assert f"Sitemap: {BASE}/sitemap.xml\n" in text
    assert "Disallow: /search" not in text  # noindex must stay visible to crawlers


@pytest.mark.parametrize("url", ["/robots.txt", "/sitemap.xml", "/sitemap-posts.xml", "/sitemap-pages.xml"])
def test_crawlers_asking_with_head_get_what_a_get_gets_without_the_body(client, url):
    """Crawlers and link checkers ask with HEAD; a 405 reads as "not here".
    The first ask of the day finds no cached GET to answer it."""
    make_post()

    response = client.head(url)

    assert response.status_code == 200
    assert response["Content-Type"] == client.get(url)["Content-Type"]
    assert response.content == b""


def test_a_large_section_is_split_into_pages_the_index_lists(client, monkeypatch):
    monkeypatch.setattr(sitemaps.RequestSitemap, "limit", 2)
    start = timezone.now() - timedelta(days=30)
    posts = [make_post(slug=f"post-{n}", published_at=start + timedelta(days=n)) for n in range(5)]

    listed = index(client)
    section = f"{BASE}/sitemap-posts.xml"
    assert [url for url in listed if url.startswith(section)] == [section, f"{section}?p=2", f"{section}?p=3"]
    # The index's lastmod of a section is its newest address's.
    assert listed[f"{section}?p=3"].startswith(posts[-1].published_at.date().isoformat())
    assert {f"{BASE}/posts/post-{n}/" for n in range(5)} <= set(sitemap(client))

    for page in ["4", "0", "two", "99999999999999999999"]:
        assert client.get(f"/sitemap-posts.xml?p={page}").status_code == 404, page
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_index_names_only_sections_with_addresses(client):
    assert set(index(client)) == {f"{BASE}/sitemap-pages.xml"}
