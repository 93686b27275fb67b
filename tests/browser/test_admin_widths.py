"""The post form and the post list on a laptop screen (1280 px, and 1024),
with the admin's menu open: what QA found cut off or squeezed there fits.
Measured in Chromium, since only a browser lays out CSS."""

import pytest
from django.test import Client
from playwright.sync_api import Page

from authors.roles import AUTHORS, EDITORS
from posts.models import PostImage
from tests.factories import image_upload, make_author, make_post, make_user

# How far a box's content reaches past it (0: it fits), for an element.
OVERFLOW = "(element) => element.scrollWidth - element.clientWidth"
LONG_TITLE = "Django vs Flask vs FastAPI: Which Python Web Framework Should You Learn in 2025?"


def sign_in(page: Page, live_site, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site.url}])


@pytest.fixture
def writer(live_site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = make_user("writer", groups=[AUTHORS])
    return make_author(user=user, name="Writer", slug="writer")


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_body_images_inline_fits_the_post_form(page: Page, live_site, writer, width):
    """Found by QA: its table was wider than its box, and "Delete?" read "DELE"."""
    post = make_post(author=writer, status="draft", published_at=None)
    PostImage.objects.create(post=post, image=image_upload("orange_diagram_for_the_body.png"), alt="A diagram")
    sign_in(page, live_site, writer.user)
    page.set_viewport_size({"width": width, "height": 800})

    assert page.goto(f"{live_site.url}/admin/posts/post/{post.pk}/change/").status == 200

    inline = page.locator("#images-group")
    assert inline.locator(".wrapper").evaluate(OVERFLOW) <= 0
    box, delete = inline.bounding_box(), inline.locator("th", has_text="Delete?").bounding_box()
    assert delete["x"] + delete["width"] <= box["x"] + box["width"]
    # The alt text, which editors type, keeps room to read what they typed.
    assert page.locator("#id_images-0-alt").bounding_box()["width"] >= 150


@pytest.mark.parametrize("role", ["author", "editor"])
def test_the_post_list_fits_a_laptop_screen_with_a_readable_title(page: Page, live_site, writer, role):
    """Found by QA: the table was 767 px wide in 631, its title column 93 px
    (a long title on nine lines), and "Comments" off the screen to the right."""
    make_post(author=writer, title=LONG_TITLE, featured=True)
    make_post(author=writer, title="Waiting for a second look", status="review", published_at=None)
    other = make_author(name="Grace Brewster Murray Hopper", slug="grace")
    make_post(author=other if role == "editor" else writer, title="Scheduled for later")
    user = writer.user if role == "author" else make_user("chief", groups=[EDITORS])
    sign_in(page, live_site, user)
    page.set_viewport_size({"width": 1280, "height": 800})

    assert page.goto(live_site.url + "/admin/posts/post/").status == 200

    table, space = page.evaluate(
        "[document.querySelector('#result_list').scrollWidth, document.querySelector('.results').clientWidth]"
    )
    assert table <= space, f"the table is {table} px wide in {space} px"
    assert page.locator("#result_list th.column-title").bounding_box()["width"] >= 170
    comments = page.locator("#result_list th.column-comments_open").bounding_box()
    assert comments["x"] + comments["width"] <= 1280
    assert (page.locator("#result_list th.column-author").count() == 1) == (role == "editor")


def test_on_a_smaller_screen_the_post_list_scrolls_rather_than_squeeze_the_title(page: Page, live_site, writer):
    """At 1024 px the menu and the filters leave the table about 400 px: it
    scrolls sideways in its box, and the title stays readable."""
    make_post(author=writer, title=LONG_TITLE)
    sign_in(page, live_site, make_user("chief", groups=[EDITORS]))
    page.set_viewport_size({"width": 1024, "height": 800})

    assert page.goto(live_site.url + "/admin/posts/post/").status == 200

    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    assert page.locator("#result_list th.column-title").bounding_box()["width"] >= 160
