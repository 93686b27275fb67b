"""*Preview changes* in a real browser: the author edits a draft's title and
body in the prose editor, clicks the button, and a new tab shows the article
with them, while the form stays open, unsaved, and the post is as it was.
(tests/posts/test_preview_changes.py has the rest: a live post, tags,
co-authors, permissions, refused forms.)"""

from django.test import Client
from playwright.sync_api import Page, expect

from authors.models import Author
from authors.roles import AUTHORS
from posts.models import Post
from tests.factories import make_user

BODY = ".field-body .ProseMirror[contenteditable=true]"


def test_the_button_opens_the_edited_post_in_a_new_tab(page: Page, live_site):
    user = make_user("previewer", groups=[AUTHORS])
    author = Author.objects.create(user=user, name="Previewer", slug="previewer", bio="Previews.")
    post = Post.objects.create(
        title="As readers see it",
        slug="as-readers-see-it",
        author=author,
        excerpt="Short.",
        body="<p>The saved words.</p>",
    )
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site.url}])
    page.goto(f"{live_site.url}/admin/posts/post/{post.pk}/change/")
    page.wait_for_load_state("load")
    page.locator("#id_title").fill("As it is about to be")
    page.locator(BODY).click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text(" And the unsaved ones.")

    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview changes").click()
    preview = opened.value
    preview.wait_for_load_state("load")
    expect(preview.locator(".preview-banner")).to_contain_text("Preview of unsaved changes")
    expect(preview.locator("h1.post-title")).to_have_text("As it is about to be")
    expect(preview.locator(".prose")).to_contain_text("The saved words. And the unsaved ones.")

    expect(page.locator("#id_title")).to_have_value("As it is about to be")  # the form is still open, as typed
    post.refresh_from_db()
    assert (post.title, post.body) == ("As readers see it", "<p>The saved words.</p>")


def test_after_the_session_expired_signing_in_leads_back_to_the_form(page: Page, live_site):
    """Found by QA: the preview's tab showed the login page, and signing in
    there led to the preview's address without the form: Chromium's "HTTP
    ERROR 405". It leads to the post's form, which says to preview from there."""
    user = make_user("expired", groups=[AUTHORS])
    author = Author.objects.create(user=user, name="Expired", slug="expired", bio="Waits.")
    post = Post.objects.create(title="Before lunch", slug="before-lunch", author=author, body="<p>Words.</p>")
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site.url}])
    page.goto(f"{live_site.url}/admin/posts/post/{post.pk}/change/")
    page.wait_for_load_state("load")
    page.context.clear_cookies(name="sessionid")  # the session expired over lunch
    page.locator("#id_title").fill("After lunch")

    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview changes").click()
    preview = opened.value
    preview.wait_for_load_state("load")
    preview.locator("#id_username").fill("expired")
    preview.locator("#id_password").fill("correct horse battery")
    preview.locator("#id_password").press("Enter")
    preview.wait_for_load_state("load")

    assert preview.url == f"{live_site.url}/admin/posts/post/{post.pk}/change/"
    expect(preview.locator(".messagelist")).to_contain_text("Preview changes again from the post's form")
    post.refresh_from_db()
    assert post.title == "Before lunch"
