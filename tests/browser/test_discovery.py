"""Discovery in a real browser: searching from the header, following the
table of contents, and every discovery page fitting a 320 px wide screen."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_comment, make_post

POST_PATH = "/posts/django-vs-flask-vs-fastapi/"
PAGES = [
    "/",
    POST_PATH,
    "/tags/",
    "/tags/django/",
    "/authors/skolr/",
    "/archive/",
    "/authors/",
    "/archive/2026/",
    "/archive/2026/03/",
    "/archive/2020/01/",
    "/search/?q=django",
    "/search/?q=nothing-like-this",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_320px_screen(page: Page, live_site, seed_post, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_site.url + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    expect(page.get_by_role("search").first).to_be_visible()


def test_reader_searches_from_the_header_and_opens_a_result(page: Page, live_site, seed_post):
    page.goto(live_site.url + "/tags/")
    page.get_by_role("searchbox", name="Search articles").first.fill("microservices")
    page.get_by_role("searchbox", name="Search articles").first.press("Enter")

    expect(page).to_have_url(live_site.url + "/search/?q=microservices")
    expect(page.locator(".search-summary")).to_have_text("1 article matches “microservices”.")
    expect(page.locator(".search-result mark").first).to_have_text("microservices")
    page.locator(".search-result-title a").click()
    expect(page).to_have_url(live_site.url + POST_PATH)


def test_table_of_contents_links_to_its_sections(page: Page, live_site, seed_post):
    page.goto(live_site.url + POST_PATH)
    toc = page.get_by_role("navigation", name="Contents")
    toc.get_by_role("link", name="Performance Comparison").click()
    expect(page).to_have_url(live_site.url + POST_PATH + "#performance-comparison")
    expect(page.locator("#performance-comparison")).to_be_in_viewport()


def test_a_comments_link_leads_to_the_comments_past_a_section_of_that_name(page: Page, live_site):
    """Found by QA: a post's "Comments" section took id="comments", and the
    card's "N comments" link landed on it; its table of contents still
    leads to it."""
    post = make_post(
        title="Writing readable code",
        body="<h2>Naming</h2><p>Be clear.</p><h2>Comments</h2><p>When to write them.</p><h2>Tests</h2><p>…</p>",
    )
    make_comment(post, comment="Great piece.")
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(live_site.url + "/")

    page.locator(f'a[href="{post.get_absolute_url()}#comments"]').first.click()

    expect(page.locator(":target")).to_have_attribute("class", "comments")
    expect(page.get_by_role("heading", name="1 comment")).to_be_in_viewport()
    page.get_by_role("navigation", name="Contents").get_by_role("link", name="Comments").click()
    expect(page.locator(":target")).to_have_text("Comments")
    expect(page.locator(":target")).to_be_in_viewport()
