"""The article on a phone (375 px wide): a long commenter name, the pages of
comments, the comment form's heading and the breadcrumb trail all fit and
read well. Measured in Chromium, since only a browser lays out CSS."""

import os

import pytest
from playwright.sync_api import Page

from tests.factories import make_comment

POST_PATH = "/posts/django-vs-flask-vs-fastapi/"
WIDTH = 375
LONG_NAME = "x" * 50

# Top of the first line box of an element, and how many lines it spans.
LINES = """(element) => {
  const rects = [...element.getClientRects()];
  const style = getComputedStyle(element);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
  const box = element.getBoundingClientRect();
  return {top: rects[0].top, bottom: box.bottom, lines: Math.round(box.height / line)};
}"""


@pytest.fixture
def paged_comments(seed_post, settings):
    """Five comments, two a page: three pages; the first by a 50-letter name."""
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 2}
    make_comment(seed_post, user_name=LONG_NAME)
    for _ in range(4):
        make_comment(seed_post)
    return seed_post


def test_the_article_fits_a_phone_screen_with_comments(page: Page, live_site, paged_comments):
    page.set_viewport_size({"width": WIDTH, "height": 800})
    response = page.goto(live_site.url + POST_PATH)
    assert response.status == 200
    if os.environ.get("SHOTS"):
        page.screenshot(path=os.environ["SHOTS"] + "/article-375.png", full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    author = page.locator("strong.comment-author", has_text=LONG_NAME)
    assert author.bounding_box()["width"] <= WIDTH

    # "Comments page 1 of 3" and "Later comments →" each stay on one line.
    pages = page.locator("nav.comment-pages")
    for text in ["Comments page 1 of 3", "Later comments →"]:
        assert pages.get_by_text(text).evaluate(LINES)["lines"] == 1, text

    # The form's heading stands apart from the page links above it.
    heading = page.get_by_role("heading", name="Leave a comment").evaluate(LINES)
    assert heading["top"] - pages.evaluate(LINES)["bottom"] >= 16

    # Each "›" of the breadcrumb trail starts the line of the name it precedes.
    for crumb in page.locator(".breadcrumbs li + li").all():
        li_top = crumb.evaluate(LINES)["top"]
        name_top = crumb.locator("a, span").first.evaluate(LINES)["top"]
        assert abs(li_top - name_top) < 4, crumb.inner_text()


@pytest.mark.parametrize(
    "text", ["```\n" + "a_very_long_unbroken_token_" * 20 + "\n```", "https://example.org/" + "x" * 200]
)
def test_a_previewed_comment_with_a_long_line_fits_a_phone_screen(page: Page, live_site, seed_post, text):
    """Found by QA: the preview of a long code line or address made the page
    thousands of pixels wide, the form's fields off screen; posted, the same
    comment scrolls in its code block and wraps its address."""
    page.set_viewport_size({"width": WIDTH, "height": 800})
    page.goto(live_site.url + POST_PATH)
    form = page.locator("form.comment-form").first
    form.locator("#id_name").fill("Ada")
    form.locator("#id_email").fill("ada@example.com")
    form.locator("#id_comment").fill(text)
    form.get_by_role("button", name="Preview").click()
    page.locator(".comment-preview").wait_for()

    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert page.locator("form.comment-form #id_email").bounding_box()["width"] <= WIDTH
