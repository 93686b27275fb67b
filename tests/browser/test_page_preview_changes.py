"""*Preview changes* on a page's form in a real browser: an editor rewrites
the Contact page's title and body in the prose editor, clicks the button
beside Save, and a new tab shows the page with them, while the form stays
open, unsaved, still asking before its changes are lost, and the page is as
it was. (tests/posts/test_page_preview_changes.py has the rest: what is not
stored, refused forms, permissions.)"""

from django.test import Client
from playwright.sync_api import Page, expect

from authors.roles import EDITORS
from tests.factories import make_page, make_user


def edit(page: Page, title: str, words: str) -> None:
    """Type ``title`` over the title and ``words`` at the end of the body."""
    page.locator("#id_title").fill(title)
    page.locator(".field-body .ProseMirror[contenteditable=true]").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text(words)


def opened_by_the_button(page: Page) -> Page:
    """The tab *Preview changes* opens, loaded."""
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview changes").click()
    opened.value.wait_for_load_state("load")
    return opened.value


def test_the_button_opens_the_edited_page_and_the_form_keeps_its_changes(page: Page, live_site):
    contact = make_page(title="Contact", slug="contact", body="<p>Write to us.</p>")
    editor = Client()
    editor.force_login(make_user("pages-editor", groups=[EDITORS]))
    page.context.add_cookies([{"name": "sessionid", "value": editor.cookies["sessionid"].value, "url": live_site.url}])
    page.goto(f"{live_site.url}/admin/posts/page/{contact.pk}/change/")
    page.wait_for_load_state("load")
    edit(page, "Contact us", " Or call.")

    preview = opened_by_the_button(page)
    expect(preview.locator(".preview-banner")).to_contain_text("Readers still see the page as it was last saved.")
    expect(preview.locator("h1.post-title")).to_have_text("Contact us")
    expect(preview.locator(".prose")).to_contain_text("Write to us. Or call.")
    contact.refresh_from_db()
    assert (contact.title, contact.body, contact.history.count()) == ("Contact", "<p>Write to us.</p>", 1)

    # The preview saved nothing: leaving the form still asks first.
    asked = []
    page.once("dialog", lambda dialog: asked.append(dialog.type) or dialog.accept())
    page.reload()
    page.wait_for_load_state("load")
    assert asked == ["beforeunload"]
