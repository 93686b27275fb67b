"""Discovery pages cost a fixed number of queries, however many posts,
tags and comments there are."""

from datetime import datetime

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import count_queries, make_author, make_comment, make_post

pytestmark = pytest.mark.django_db

URLS = {
    "tag": "/tags/common/",
    "author": "/authors/prolific/",
    "tag index": "/tags/",
    "archive index": "/archive/",
    "archive year": "/archive/2024/",
    "archive month": "/archive/2024/05/",
    "search": "/search/?q=common",
    "search, no match": "/search/?q=zzzz",
}


def add_posts(author, n: int, start: int = 0):
    for i in range(start, start + n):
        published = timezone.make_aware(datetime(2024, 5 if i % 2 else 6, 1 + i % 28, 12))
        post = make_post(
            author=author,
            title=f"Common story {i}",
            published_at=published,
            tags=[f"Tag {i}", f"Shared {i % 3}", "Common"],
        )
        make_comment(post)


def measure(client) -> dict[str, int]:
    return {name: count_queries(client, url) for name, url in URLS.items()}


def test_discovery_pages_do_not_grow_with_content(client):
    author = make_author(slug="prolific")
    add_posts(author, 2)
    small = measure(client)
    add_posts(author, 18, start=2)
    large = measure(client)

    assert small == large
    # What each page needs; +1 allows for a page cache looking up the next
    # scheduled post before it stores the page. A new query per page must be
    # a decision, not an accident.
    # On PostgreSQL a search first asks for plans made for its words
    # (posts.search.planned_for_each_query).
    plan = 1 if connection.vendor == "postgresql" else 0
    needs = {
        "tag": 4,  # the tag, page of posts (404 if none), their tags, count of the tag's posts
        "author": 3,  # the author, page of posts (404 if none), their tags
        "tag index": 1,  # tags with counts
        "archive index": 1,  # months with counts
        "archive year": 3,  # page, tags, months of the year (their counts add up to the year's)
        "archive month": 5,  # page, tags, count, nearest older and newer month
        "search": 5 + plan,  # count, page of ids, their cards, their tags, their highlights
        "search, no match": 2 + plan,  # count, suggested tags
    }
    for name, count in large.items():
        assert needs[name] <= count <= needs[name] + 1, (name, count)
