"""Comparing revisions in the admin on a laptop screen: the diff fits the page."""

from django.test import Client
from playwright.sync_api import Page

from authors.roles import EDITORS
from tests.factories import make_user


def test_the_body_diff_fits_the_page(page: Page, live_site, seed_post):
    """A long body changed in one paragraph: the diff table wraps inside the page instead of widening it."""
    seed_post.body = seed_post.body.replace("</p>", " An added sentence.</p>", 1)
    seed_post.save()
    editor = Client()
    editor.force_login(make_user("editor", groups=[EDITORS]))
    page.context.add_cookies([{"name": "sessionid", "value": editor.cookies["sessionid"].value, "url": live_site.url}])
    page.set_viewport_size({"width": 1400, "height": 900})
    assert page.goto(f"{live_site.url}/admin/posts/post/{seed_post.pk}/history/compare/").status == 200
    widths = page.evaluate("() => [...document.querySelectorAll('table.diff')].map(t => t.clientWidth)")
    page_width = page.evaluate("() => document.documentElement.clientWidth")
    assert widths and max(widths) <= page_width
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page_width
