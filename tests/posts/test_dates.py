"""Dates written in Python (cards, comment threads) read as the templates' date filter writes them."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template

from posts import dates
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
