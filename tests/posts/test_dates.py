"""Dates written in Python (cards, comment threads) read as the templates' date filter writes them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template

from posts import dates
from posts.models import ChangeNote, Post
from posts.moderation import edit_text
from tests.factories import make_comment, make_post

LATE_EVENING_UTC = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
FORMATS = {dates.iso: "c", dates.day: "j M Y", dates.day_and_time: "j M Y, H:i", dates.month: "F Y"}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/Los_Angeles"])
def test_each_format_matches_the_date_filter_in_the_sites_time_zone(settings, zone):
    settings.TIME_ZONE = zone
    for function, fmt in FORMATS.items():
        expected = Template("{{ value|date:fmt }}").render(Context({"value": LATE_EVENING_UTC, "fmt": fmt}))
        assert function(LATE_EVENING_UTC) == expected, (zone, fmt)


@pytest.mark.django_db
def test_article_and_cards_show_dates_in_the_sites_time_zone(client, settings):
    settings.TIME_ZONE = "Asia/Kolkata"  # 23:30 UTC on 31 March is 05:00 on 1 April there
    post = make_post(title="Late post", published_at=LATE_EVENING_UTC)
    make_comment(post, submit_date=LATE_EVENING_UTC)

    article = client.get(post.get_absolute_url()).content.decode()
    assert "1 Apr 2026, 05:00" in article  # the comment
    assert 'href="/archive/2026/04/" title="More from April 2026"' in article
    home = client.get("/").content.decode()
    assert '<time datetime="2026-04-01T05:00:00+05:30">1 Apr 2026</time>' in home


# The HTML standard's date, or date and time with a time-zone offset, as a
# <time datetime> may hold them: a second has at most three decimals.
VALID_DATETIME = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?(?:Z|[+-]\d\d:?\d\d))?")


@pytest.mark.django_db
def test_every_time_element_has_a_datetime_the_html_standard_allows(client, writer):
    """Found by QA (Nu Html Checker): dates were written with microseconds
    ("2026-12-07T22:13:09.359680+00:00"), as saved, and the checker refused
    every card's, byline's and comment's date."""
    moment = datetime(2026, 3, 31, 9, 15, 30, 359680, tzinfo=UTC)
    post = make_post(title="Exact", author=writer, tags=["Timing"], featured=True, published_at=moment)
    make_post(title="Related", author=writer, tags=["Timing"], published_at=moment)
    Post.objects.filter(pk=post.pk).update(content_updated_at=moment + timedelta(days=2))
    ChangeNote.objects.create(post=post, note="Fixed a figure.", created_at=moment + timedelta(days=2))
    comment = make_comment(post, submit_date=moment + timedelta(hours=1))
    edit_text(comment, "Edited by a moderator.")
    make_post(title="Unfinished", author=writer, status=Post.Status.DRAFT, published_at=None)  # the dashboard's

    pages = ["/", post.get_absolute_url(), "/tags/timing/", "/authors/writer/", "/archive/2026/03/", "/search/?q=exact"]
    found = {
        page: re.findall(r'<time datetime="([^"]*)"', client.get(page).content.decode()) for page in [*pages, "/admin/"]
    }
    assert all(found.values()), found
    invalid = [
        (page, value) for page, values in found.items() for value in values if not VALID_DATETIME.fullmatch(value)
    ]
    assert invalid == []
    # Published, updated, the change note, the related post, the comment and its edit.
    assert len(found[post.get_absolute_url()]) == 6
    assert "2026-03-31T09:15:30+00:00" in found["/"]
