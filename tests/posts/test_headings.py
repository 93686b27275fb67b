"""Screen-reader users navigate by headings: no page skips a level (Lighthouse's heading-order)."""

import re
from itertools import pairwise

import pytest

from tests.factories import make_comment

HEADING = re.compile(r"<h([1-6])[\s>]")


def heading_levels(html: str) -> list[int]:
    return [int(level) for level in HEADING.findall(html)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/", "/posts/django-vs-flask-vs-fastapi/", "/tags/django/", "/authors/skolr/", "/tags/", "/archive/2026/"],
)
def test_headings_start_at_one_and_never_skip_a_level(client, seed, path):
    make_comment(seed, comment="A comment, so the comment section has its headings.")
    response = client.get(path)

    assert response.status_code == 200
    levels = heading_levels(response.content.decode())
    assert levels[0] == 1, levels
    assert levels.count(1) == 1, levels
    skips = [(before, after) for before, after in pairwise(levels) if after > before + 1]
    assert skips == [], f"{path}: heading levels {levels}"
