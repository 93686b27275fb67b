"""The tag cloud, the search page, reading time and the table of contents,
as a reader meets them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from posts.models import Post
from tests.factories import make_author, make_post, make_user
from tests.posts.test_search import HOSTILE

pytestmark = pytest.mark.django_db


def page(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, (url, params)
    return response


# Tags


def test_tag_cloud_counts_published_posts_only(client):
    for _ in range(3):
        make_post(tags=["Django"])
    make_post(tags=["Flask"])
    make_post(tags=["Secret"], status=Post.Status.DRAFT)
    make_post(tags=["Django", "Later"], published_at=timezone.now() + timedelta(days=1))

    html = page(client, "/tags/").content.decode()

    assert 'href="/tags/django/" rel="tag">Django <span class="count">3<' in html
    assert 'weight-5" href="/tags/django/"' in html and 'weight-1" href="/tags/flask/"' in html
    assert "Secret" not in html and "Later" not in html
    assert "2 topics" in html


def test_tag_cloud_is_in_alphabetical_order_whatever_the_case(client):
    for name in ["Topic 40", "backend development", "Django", "api", "Éducation", "zebra"]:
        make_post(tags=[name])

    html = page(client, "/tags/").content.decode()

    names = re.findall(r'rel="tag">([^<]+?) <span class="count">', html)
    assert names == ["api", "backend development", "Django", "Éducation", "Topic 40", "zebra"]


def test_tag_cloud_without_posts_says_so(client):
    assert "there are no tags" in page(client, "/tags/").content.decode()


# Search page


def test_search_page_highlights_ranked_results_and_is_noindex(client):
    make_post(title="Report cards", slug="report-cards", body="<p>Comments for reports.</p>", tags=["Reports"])
    make_post(title="Attendance", slug="attendance", body="<p>Registers and reports.</p>")

    response = page(client, "/search/", q="reports")
    html = response.content.decode()

    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in html
    assert "2 articles match “reports”." in html
    assert html.index('href="/posts/report-cards/"') < html.index('href="/posts/attendance/"')
    assert "<mark>Report</mark> cards" in html  # stemmed: reports, report
    assert "<mark>reports</mark>" in html
    assert "<title>Search: reports — Skolr Blog</title>" in html


def test_search_escapes_what_the_reader_typed(client):
    html = page(client, "/search/", q='<script>alert("x")</script>').content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_control_characters_are_not_repeated_back(client):
    """A NUL (``?q=%00``) or a tab is no part of what the page shows."""
    html = page(client, "/search/", q="quantum\x00\tphysics\x1b").content.decode()

    assert "\x00" not in html and "\x1b" not in html
    assert "<title>Search: quantum physics — Skolr Blog</title>" in html
    assert 'name="q" value="quantum physics"' in html
    assert "No articles match “quantum physics”." in html

    html = page(client, "/search/", q="\x00").content.decode()
    assert "\x00" not in html and "<title>Search — Skolr Blog</title>" in html


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_get_a_page_not_an_error(client, query):
    make_post(title="Django tips", tags=["Django"])
    page(client, "/search/", q=query)


def test_hostile_page_numbers_are_404s(client):
    make_post(title="Django tips")
    for number in ["abc", "0", "-1", "999"]:
        page(client, "/search/", status=404, q="django", page=number)


def test_no_match_says_so_and_suggests_tags(client):
    make_post(tags=["Django", "Flask"])
    make_post(tags=["Django"])
    make_post(tags=["Hidden"], status=Post.Status.DRAFT)

    html = page(client, "/search/", q="quantum").content.decode()

    assert "No articles match “quantum”." in html
    assert html.index('href="/tags/django/"') < html.index('href="/tags/flask/"')
    assert "/tags/hidden/" not in html


def test_results_are_paginated_and_pages_keep_the_query(client):
    author = make_author()
    for n in range(12):
        make_post(
            author=author,
            title=f"Lantern {n}",
            slug=f"lantern-{n}",
            published_at=timezone.now() - timedelta(days=n + 1),
        )

    first = page(client, "/search/", q="lantern").content.decode()
    second = page(client, "/search/", q="lantern", page=2).content.decode()

    assert "12 articles match" in first
    assert 'href="?q=lantern&amp;page=2" rel="next"' in first
    assert "/posts/lantern-11/" in second and "/posts/lantern-0/" not in second


def test_every_page_has_the_search_box(client, seed):
    for url in ["/", "/tags/", "/tags/django/", "/authors/skolr/", seed.get_absolute_url(), "/archive/", "/nope/"]:
        html = client.get(url).content.decode()
        assert '<form class="search-form" role="search" method="get" action="/search/">' in html, url


def test_searching_the_seed_article_from_the_page(client, seed):
    html = page(client, "/search/", q="FastAPI async").content.decode()
    assert "1 article matches “FastAPI async”." in html
    assert f'href="{seed.get_absolute_url()}"' in html


# Reading time and table of contents


def test_article_shows_reading_time_and_contents(client, seed):
    html = client.get(seed.get_absolute_url()).content.decode()
    assert '<span class="post-reading-time">1 min read</span>' in html  # 267 words
    assert '<h2 id="toc-title">Contents</h2>' in html
    for anchor in ["django-the-batteries-included-framework", "performance-comparison", "our-recommendation"]:
        assert f'<a href="#{anchor}">' in html
        assert f'id="{anchor}"' in html


def test_two_headings_are_not_worth_a_table_of_contents(client):
    post = make_post(body="<h2>One</h2><p>Text.</p><h2>Two</h2><p>More.</p>")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "toc-title" not in html
    assert "1 min read" in html


def test_nested_headings_are_indented_in_the_contents(client):
    post = make_post(body="<h2>Setup</h2><h3>Install &amp; run</h3><h4>On Windows</h4><h2>Use</h2>")
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<li class="toc-level-3"><a href="#install-run">Install &amp; run</a></li>' in html
    assert '<li class="toc-level-4"><a href="#on-windows">On Windows</a></li>' in html


def test_readers_get_no_sign_in_link_they_could_not_use_and_staff_get_the_admin(client):
    """Readers have no accounts: a "Sign in" in the header led them to the
    admin's login, which refuses them. Signed-in staff find the admin there."""
    make_post()
    nav = re.compile(r'<nav aria-label="Main">.*?</nav>', re.S)
    anonymous = nav.search(page(client, "/").content.decode())[0]
    assert "/admin/" not in anonymous and "Sign in" not in anonymous
    client.force_login(make_user("staffer", staff=True))
    assert '<a href="/admin/">Admin</a>' in nav.search(page(client, "/").content.decode())[0]
