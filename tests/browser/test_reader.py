"""What a reader and a moderator see, in a real browser, on the seed article.

The conftest marks these tests ``browser`` with a transactional database and
starts Chromium; ``seed_post`` loads ``content/`` into the live server's
database. Assertions are about text on pages, addresses and database rows.
"""

import re
import struct

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django_comments_xtd.models import XtdComment
from playwright.sync_api import Page, expect

from posts.models import Post

TITLE = "Django vs Flask vs FastAPI: Which Python Web Framework Should You Learn in 2025?"
POST_PATH = "/posts/django-vs-flask-vs-fastapi/"
TAGS = {"Django", "Flask", "FastAPI", "Python web framework", "REST API", "backend development"}
BIO_START = "Skolr Admin is responsible for managing and optimizing the Skolr education platform"
MODERATOR_PASSWORD = "a-moderator-password-for-tests"


def comments_on(post: Post):
    return XtdComment.objects.filter(content_type=ContentType.objects.get_for_model(Post), object_pk=str(post.pk))


def post_comment(page: Page, *, name: str, email: str, text: str, url: str = "") -> None:
    form = page.locator("form.comment-form")
    form.locator("#id_name").fill(name)
    form.locator("#id_email").fill(email)
    if url:
        form.locator("#id_url").fill(url)
    form.locator("#id_comment").fill(text)
    form.get_by_role("button", name="Post comment").click()


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_reader_opens_the_article_from_the_home_page_and_sees_its_metadata(page: Page, live_site, seed_post):
    response = page.goto(live_site.url + "/")
    assert response.status == 200

    card = page.locator("article.card").filter(has_text=TITLE)
    expect(card).to_have_count(1)
    card.get_by_role("link", name=TITLE).click()

    expect(page).to_have_url(live_site.url + POST_PATH)
    expect(page).to_have_title(re.compile(re.escape(TITLE)))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    byline = page.locator(".post-header .post-meta")
    expect(byline.locator(".post-author")).to_have_text("Skolr")
    expect(byline.locator("time")).to_have_text("19 Mar 2026")
    expect(byline.locator(".post-comments")).to_have_text("0 comments")

    tags = page.locator(".post-header .tag-list a.tag")
    expect(tags).to_have_count(len(TAGS))
    assert set(tags.all_inner_texts()) == TAGS

    thumbnail = page.locator(".post-thumbnail img")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_attribute("alt", re.compile(r"Three cards labelled Django, Flask and FastAPI"))
    # Visible is not enough: the image must have been served and decoded.
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") == 1600

    author_card = page.locator(".post-footer .author-card")
    expect(author_card).to_be_visible()
    expect(author_card.get_by_role("heading", level=2)).to_have_text("Written by Skolr")
    expect(author_card.locator(".author-bio")).to_contain_text(BIO_START)
    expect(author_card.locator(".expertise li").first).to_have_text("Educational ERP Management")
    expect(author_card.locator("img.author-photo")).to_be_visible()

    comments = page.locator("section#comments")
    expect(comments.get_by_role("heading", level=2)).to_have_text("0 comments")
    expect(comments.locator("form.comment-form")).to_be_visible()


def test_tag_and_author_links_lead_to_pages_listing_the_article(page: Page, live_site, seed_post):
    page.goto(live_site.url + POST_PATH)

    page.locator(".post-header .tag-list").get_by_role("link", name="FastAPI", exact=True).click()
    expect(page).to_have_url(live_site.url + "/tags/fastapi/")
    expect(page.locator("article.card").get_by_role("link", name=TITLE)).to_be_visible()

    page.locator("article.card .post-author").click()
    expect(page).to_have_url(live_site.url + "/authors/skolr/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Skolr")
    expect(page.locator("article.card").get_by_role("link", name=TITLE)).to_be_visible()


def test_anonymous_comment_waits_for_a_moderator_then_appears_once_approved(
    page: Page, browser, live_site, seed_post, django_user_model
):
    text = "Which one has the best admin? Django, surely."

    # A reader comments; it is stored at once but not shown.
    page.goto(live_site.url + POST_PATH)
    post_comment(page, name="Ada Reader", email="ada@example.com", url="https://ada.example.com", text=text)
    expect(page.locator(".comment-status")).to_contain_text("Your comment is held for review")

    comment = comments_on(seed_post).get()
    assert comment.is_public is False
    assert comment.is_removed is False
    assert (comment.name, comment.email, comment.url) == ("Ada Reader", "ada@example.com", "https://ada.example.com")
    assert comment.comment == text

    page.goto(live_site.url + POST_PATH)
    expect(page.locator("section#comments h2")).to_have_text("0 comments")
    expect(page.locator("section#comments")).not_to_contain_text(text)

    # A moderator, in a browser session of their own, approves it in the admin.
    moderator = django_user_model.objects.create_user(
        "moderator", "moderator@example.com", MODERATOR_PASSWORD, is_staff=True
    )
    moderator.groups.add(Group.objects.get(name="Moderators"))
    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        admin.goto(live_site.url + "/admin/django_comments_xtd/xtdcomment/")
        expect(admin).to_have_url(re.compile(r"/admin/login/"))
        admin.locator("#id_username").fill("moderator")
        admin.locator("#id_password").fill(MODERATOR_PASSWORD)
        admin.get_by_role("button", name="Log in").click()

        expect(admin).to_have_url(live_site.url + "/admin/django_comments_xtd/xtdcomment/")
        row = admin.locator("#result_list tbody tr").filter(has_text="Ada Reader")
        expect(row).to_have_count(1)
        row.locator("input.action-select").check()
        admin.locator("select[name=action]").select_option("approve_comments")
        admin.get_by_role("button", name="Run").click()
        expect(admin.locator(".messagelist")).to_contain_text("1 comment was successfully approved.")
    finally:
        admin_context.close()

    comment.refresh_from_db()
    assert comment.is_public is True

    # The reader now sees it, and the count.
    page.goto(live_site.url + POST_PATH)
    comments = page.locator("section#comments")
    expect(comments.locator("h2")).to_have_text("1 comment")
    expect(page.locator(".post-header .post-comments")).to_have_text("1 comment")
    shown = comments.locator(f"li.comment#c{comment.pk}")
    expect(shown.locator(".comment-author")).to_have_text("Ada Reader")
    expect(shown.locator(".comment-body")).to_have_text(text)


def test_reader_replies_to_a_published_comment_without_javascript(browser, live_site, seed_post):
    """With JavaScript off, "Reply" opens a page with its own form."""
    page = browser.new_context(java_script_enabled=False).new_page()
    parent = XtdComment.objects.create(
        content_object=seed_post,
        site_id=1,
        user_name="Grace",
        user_email="grace@example.com",
        comment="FastAPI for APIs, Django for everything else.",
        is_public=True,
    )

    page.goto(live_site.url + POST_PATH)
    expect(page.locator("section#comments h2")).to_have_text("1 comment")
    page.locator(f"li.comment#c{parent.pk}").get_by_role("link", name="Reply to Grace").click()

    expect(page).to_have_url(live_site.url + f"/comments/reply/{parent.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to Grace")
    expect(page.locator("blockquote.comment-quote")).to_contain_text("FastAPI for APIs")
    post_comment(page, name="Linus", email="linus@example.com", text="Agreed, and Flask for tiny services.")
    expect(page.locator(".comment-status")).to_contain_text("Your comment is held for review")

    reply = comments_on(seed_post).exclude(pk=parent.pk).get()
    assert reply.parent_id == parent.pk
    assert reply.thread_id == parent.thread_id
    assert reply.level == 1
    assert reply.is_public is False
    assert reply.comment == "Agreed, and Flask for tiny services."


@pytest.mark.parametrize("width", [320, 1280])
def test_pages_fit_the_screen_without_horizontal_scrolling(page: Page, live_site, seed_post, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in [("home", "/"), ("post", POST_PATH)]:
        response = page.goto(live_site.url + path)
        assert response.status == 200
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{path} scrolls sideways at {width}px: scrollWidth is {scroll_width}"

        shot = tmp_path / f"{name}-{width}.png"
        page.screenshot(path=shot, full_page=True)
        shot_width, shot_height = png_size(shot)
        assert shot_width == width
        assert shot_height >= 900
