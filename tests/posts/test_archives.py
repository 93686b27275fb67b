"""Date archives: years and months of published posts, paginated, with
empty months saying so."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from posts.models import Post
from tests.factories import make_author, make_post

pytestmark = pytest.mark.django_db


def at(year, month, day=15, hour=12):
    return timezone.make_aware(datetime(year, month, day, hour))


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def test_urls_round_trip_with_padded_months():
    assert reverse("posts:archive_month", args=[2026, 3]) == "/archive/2026/03/"
    assert reverse("posts:archive_year", args=[2026]) == "/archive/2026/"
    assert reverse("posts:archive") == "/archive/"


def test_month_lists_its_published_posts_only(client):
    make_post(title="March story", published_at=at(2024, 3, 10))
    make_post(title="April story", published_at=at(2024, 4, 2))
    make_post(title="March draft", status=Post.Status.DRAFT, published_at=at(2024, 3, 11))
    make_post(title="March in review", status=Post.Status.REVIEW, published_at=at(2024, 3, 12))

    html = page(client, "/archive/2024/03/")

    assert "<h1>March 2024</h1>" in html
    assert "March story" in html
    assert "April story" not in html and "March draft" not in html and "March in review" not in html
    assert "<title>Articles from March 2024 — Skolr Blog</title>" in html
    assert "noindex" not in html


def test_scheduled_posts_stay_out_of_the_archive_until_their_time(client):
    soon = timezone.now() + timedelta(days=1)
    make_post(title="Scheduled story", published_at=soon)
    html = page(client, f"/archive/{soon:%Y}/{soon:%m}/")
    assert "Scheduled story" not in html
    assert "Scheduled story" not in page(client, "/archive/")
    assert "Scheduled story" not in page(client, f"/archive/{soon:%Y}/")


def test_an_empty_month_says_so_points_to_neighbours_and_is_not_indexed(client):
    make_post(title="January story", published_at=at(2024, 1, 5))
    make_post(title="March story", published_at=at(2024, 3, 5))

    html = page(client, "/archive/2024/02/")

    assert "Nothing was published in February 2024." in html
    assert '<meta name="robots" content="noindex">' in html
    assert 'href="/archive/2024/03/" rel="next">← March 2024</a>' in html
    assert 'href="/archive/2024/01/" rel="prev">January 2024 →</a>' in html


def test_an_empty_year_says_so(client):
    html = page(client, "/archive/1999/")
    assert "Nothing was published in 1999." in html
    assert '<meta name="robots" content="noindex">' in html


def test_year_lists_months_with_counts_and_posts(client):
    author = make_author()
    for day in (3, 9):
        make_post(author=author, title=f"May {day}", published_at=at(2025, 5, day))
    make_post(author=author, title="July", published_at=at(2025, 7, 1))
    make_post(author=author, title="Other year", published_at=at(2024, 7, 1))

    html = page(client, "/archive/2025/")

    assert '<a href="/archive/2025/05/">May</a> <span class="muted">(2)</span>' in html
    assert '<a href="/archive/2025/07/">July</a> <span class="muted">(1)</span>' in html
    assert "May 3" in html and "July" in html and "Other year" not in html


def test_archive_index_groups_months_by_year_newest_first(client):
    make_post(published_at=at(2024, 11, 1))
    make_post(published_at=at(2025, 2, 1))
    make_post(published_at=at(2025, 2, 20))
    make_post(status=Post.Status.DRAFT, published_at=at(2023, 6, 1))

    html = page(client, "/archive/")

    assert html.index('id="year-2025"') < html.index('id="year-2024"')
    assert "year-2023" not in html
    assert '<a href="/archive/2025/02/">February</a> <span class="muted">2 articles</span>' in html


def test_months_are_paginated(client, settings):
    author = make_author()
    for day in range(1, 13):
        make_post(author=author, title=f"Day {day:02d}", published_at=at(2024, 6, day))

    first = page(client, "/archive/2024/06/")
    older = re.search(r'href="([^"]+)" rel="next">Older posts', first)[1]
    second = page(client, f"/archive/2024/06/{older}")

    assert "Day 12" in first and "Day 03" in first and "Day 02" not in first
    assert "Day 02" in second and "Day 01" in second
    assert '<p class="lede">12 articles.</p>' in first and '<p class="lede">12 articles.</p>' in second
    assert "<title>Articles from June 2024, up to 2 June 2024, 12:00 — Skolr Blog</title>" in second
    assert 'rel="next"' not in second
    # Before the oldest post of the month: past the end.
    page(client, "/archive/2024/06/?before=2024-06-01T00:00:00.000000Z~1", status=404)


@pytest.mark.parametrize(
    "url",
    ["/archive/2024/13/", "/archive/2024/00/", "/archive/2024/3/", "/archive/999/", "/archive/0999/01/", "/archive/x/"],
)
def test_impossible_dates_are_404(client, url):
    page(client, url, status=404)


def test_month_boundaries_follow_the_site_time_zone(client, settings):
    settings.TIME_ZONE = "Europe/London"
    # 23:30 UTC on 30 April is 00:30 on 1 May in London (summer time).
    make_post(title="Just after midnight", published_at=datetime(2024, 4, 30, 23, 30, tzinfo=UTC))
    assert "Just after midnight" in page(client, "/archive/2024/05/")
    assert "Just after midnight" not in page(client, "/archive/2024/04/")


def test_post_date_links_to_its_month(client, seed):
    html = page(client, seed.get_absolute_url())
    assert '<a class="post-date" href="/archive/2026/03/"' in html
    archive = page(client, "/archive/2026/03/")
    assert seed.title in archive
