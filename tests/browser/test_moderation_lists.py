"""The moderators' lists on a laptop screen (1280 px), with the admin's menu
and the filters open: every column fits, so the status, why a comment was
held and "Reply as yourself" are not off the screen to the right (found by
QA: the table was 874 px wide in a 631 px space). Measured in Chromium,
since only a browser lays out CSS."""

import pytest
from django.test import Client
from playwright.sync_api import Page

from authors.roles import MODERATORS
from posts.models import CommentReview
from tests.factories import make_comment, make_user

LISTS = ["/admin/django_comments_xtd/xtdcomment/", "/admin/posts/pendingcomment/"]


@pytest.mark.parametrize("path", LISTS)
def test_the_comment_lists_fit_a_laptop_screen(page: Page, live_site, seed_post, path):
    for n in range(3):
        comment = make_comment(
            seed_post,
            comment=f"Held comment {n}: a question about the benchmarks that goes on for a while",
            is_public=False,
            user_name=f"A reader with a long name {n}",
            user_email=f"a.reader.with.a.long.address.{n}@school-district.example.org",
            ip_address=f"203.0.113.{n}",
        )
        CommentReview.objects.create(comment=comment, status="pending", reasons="first_time,links")
    client = Client()
    client.force_login(make_user("moderator", groups=[MODERATORS]))
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site.url}])
    page.set_viewport_size({"width": 1280, "height": 800})

    assert page.goto(live_site.url + path).status == 200

    table, space = page.evaluate(
        "[document.querySelector('#result_list').scrollWidth, document.querySelector('.results').clientWidth]"
    )
    assert table <= space, f"{path}: the table is {table} px wide in {space} px"
    assert page.locator("#result_list a", has_text="Reply as yourself").count() == 3
    reply = page.locator("#result_list a", has_text="Reply as yourself").first.bounding_box()
    assert reply["x"] + reply["width"] <= 1280
