"""The body editor's "Upload an image" in a real browser: the add form asks to
save the draft first; on the saved draft, a refused file is named in the
dialog, a good one is uploaded with its alt text and lands in the text where
the cursor was, and the saved post shows it to readers."""

import base64
import contextlib

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from posts.models import Post, PostImage
from tests.browser.test_authoring import author_account, log_in, save
from tests.factories import make_post, png_bytes

ALT = "A school timetable on a whiteboard"
CAPTION = "Monday's timetable."
SIZE = (72, 40)


def test_author_uploads_an_image_from_the_editor_and_readers_see_it(page: Page, live_site):
    base = live_site.url
    user = author_account("ada", can_publish=False)
    post = make_post(author=user.author, status=Post.Status.DRAFT, published_at=None, body="<p>Before the image.</p>")
    log_in(page, base, "ada")

    # A post not saved yet has nowhere to keep images: the button says so.
    page.goto(base + "/admin/posts/post/add/")
    page.locator(".field-body").get_by_role("button", name="Upload an image").click()
    dialog = page.locator("dialog.prose-editor-dialog[open]")
    expect(dialog.get_by_role("heading")).to_have_text("Save the draft first to upload images")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_have_count(0)

    page.goto(f"{base}/admin/posts/post/{post.pk}/change/")
    field = page.locator(".field-body")
    content = field.locator(".ProseMirror[contenteditable=true]")
    paragraph = content.locator("p").first
    box = paragraph.bounding_box()
    paragraph.click(position={"x": box["width"] - 2, "y": box["height"] / 2})  # the cursor after its text
    field.get_by_role("button", name="Upload an image").click()
    expect(dialog.get_by_role("heading")).to_have_text("Upload an image")

    # A file that is no image: the server's reason, and nothing inserted or stored.
    dialog.locator("input[type=file]").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image at all"}
    )
    dialog.locator("input[name=alt]").fill(ALT)
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Upload a valid image")
    assert not PostImage.objects.exists()

    dialog.locator("input[type=file]").set_input_files(
        {"name": "timetable.png", "mimeType": "image/png", "buffer": png_bytes(size=SIZE)}
    )
    dialog.locator("input[name=caption]").fill(CAPTION)
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(dialog).to_have_count(0)
    image = PostImage.objects.get()
    address = image.image.url
    assert (image.post_id, image.alt) == (post.pk, ALT)
    figure = content.locator("figure")
    expect(figure.locator(f'img[src="{address}"]')).to_have_attribute("alt", ALT)
    expect(figure.locator("figcaption")).to_have_text(CAPTION)
    expect(content.locator(":scope > *")).to_have_count(2)  # after the paragraph the cursor was in
    expect(content.locator(":scope > *").first).to_have_text("Before the image.")

    save(page, "Save and continue editing")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert f'src="{address}"' in Post.objects.get(pk=post.pk).body

    page.goto(base + post.get_absolute_url())  # the draft, as its author previews it
    shown = page.locator(f".prose figure img[alt='{ALT}']")
    expect(shown).to_be_visible()
    expect(page.locator(".prose figcaption")).to_have_text(CAPTION)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=shown.element_handle())


def open_draft(page: Page, base: str, body: str) -> tuple[Post, Locator]:
    """Ada's draft in its change form, the cursor at the end of its first paragraph."""
    user = author_account("ada", can_publish=False)
    post = make_post(author=user.author, status=Post.Status.DRAFT, published_at=None, body=body)
    log_in(page, base, "ada")
    page.goto(f"{base}/admin/posts/post/{post.pk}/change/")
    content = page.locator(".field-body .ProseMirror[contenteditable=true]")
    content.locator("p").first.click()
    page.keyboard.press("End")
    return post, content


def upload_an_image(page: Page) -> Locator:
    """Upload an image from the toolbar with its alt text; the dialog."""
    page.locator(".field-body").get_by_role("button", name="Upload an image").click()
    dialog = page.locator("dialog.prose-editor-dialog[open]")
    dialog.locator("input[type=file]").set_input_files(
        {"name": "timetable.png", "mimeType": "image/png", "buffer": png_bytes(size=SIZE)}
    )
    dialog.locator("input[name=alt]").fill(ALT)
    dialog.get_by_role("button", name="Upload and insert").click()
    return dialog


# A paste event as the browser makes it from a clipboard: an image file, and
# the text (HTML and plain) when ``html`` is given, as Word or Excel copy.
PASTE = """([png, html, text]) => {
  const clipboard = new DataTransfer()
  if (html) clipboard.setData("text/html", html)
  if (text) clipboard.setData("text/plain", text)
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0))
  clipboard.items.add(new File([bytes], "image.png", { type: "image/png" }))
  const event = new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true })
  document.querySelector(".field-body .ProseMirror[contenteditable=true]").dispatchEvent(event)
}"""


def test_a_paste_of_text_with_a_picture_of_it_pastes_the_text(page: Page, live_site):
    """Found by QA: cells copied from Excel (or text from Word), which the
    clipboard holds with a picture of them, opened the upload dialog and
    dropped the text. An image pasted alone is uploaded, with its alt text."""
    _, content = open_draft(page, live_site.url, "<p>Before.</p>")
    png = base64.b64encode(png_bytes(size=SIZE)).decode()
    table = "<table><tr><td>Cell A1</td><td>Cell B1</td></tr></table>"
    page.evaluate(PASTE, [png, table, "Cell A1\tCell B1"])
    expect(content.locator("table td").first).to_have_text("Cell A1")
    expect(page.locator("dialog.prose-editor-dialog")).to_have_count(0)

    page.evaluate(PASTE, [png, '<meta charset="utf-8"><img src="https://example.com/a.png">', ""])  # "Copy image"
    dialog = page.locator("dialog.prose-editor-dialog[open]")
    expect(dialog.get_by_role("heading")).to_have_text("Upload an image")
    expect(dialog.locator(".prose-editor-upload-file")).to_have_text("image.png")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(content.locator("img")).to_have_count(0)


def test_cancel_while_uploading_abandons_the_upload(page: Page, live_site):
    """Found by QA: Cancel (or Escape) while "Uploading…" closed the dialog,
    and the figure was inserted when the server answered. The request is
    aborted, and nothing is inserted."""
    _, content = open_draft(page, live_site.url, "<p>Before.</p>")
    held = []  # the upload, held here until the test answers it
    page.route("**/images/upload/", lambda route: held.append(route))
    for close in ("Cancel", "Escape"):
        dialog = upload_an_image(page)
        expect(dialog.get_by_role("button", name="Uploading…")).to_be_disabled()
        with page.expect_event("requestfailed", timeout=5000) as failed:
            if close == "Cancel":
                dialog.get_by_role("button", name="Cancel").click()
            else:
                page.keyboard.press("Escape")
        assert failed.value.url.endswith("/images/upload/")
        expect(dialog).to_have_count(0)
        with contextlib.suppress(PlaywrightError):  # the page no longer waits for it
            held.pop().fulfill(status=201, json={"url": "/media/x.png", "alt": ALT, "width": 72, "height": 40})
    page.wait_for_timeout(200)
    expect(content.locator("img")).to_have_count(0)
    assert not PostImage.objects.exists()


def test_signed_out_the_dialog_says_to_sign_in_and_reload_and_that_works(page: Page, live_site):
    """Found by QA: it said to sign in again in another tab, then upload
    again; signing in gives a new CSRF token, which the page's form lacks, so
    that upload was refused too. Its advice now: sign in, reload the page,
    which offers back what was typed, and upload."""
    post, content = open_draft(page, live_site.url, "<p>Before.</p>")
    page.keyboard.type(" Typed before the session ended.")
    page.wait_for_function("() => Object.keys(localStorage).some((key) => key.startsWith('skolr-autosave:'))")
    page.context.clear_cookies(name="sessionid")
    dialog = upload_an_image(page)
    expect(dialog.get_by_role("alert")).to_have_text(
        "You were signed out. Sign in again in another tab, then reload this page: "
        "it offers to restore what you typed. Then upload the image again."
    )
    assert not PostImage.objects.exists()

    log_in(page.context.new_page(), live_site.url, "ada")
    page.once("dialog", lambda leave: leave.accept())
    page.reload()
    page.locator("#autosave-banner").get_by_role("button", name="Restore them").click()
    expect(content).to_have_text("Before. Typed before the session ended.")
    upload_an_image(page)
    expect(content.locator("figure img")).to_have_attribute("alt", ALT)
    assert PostImage.objects.get().post_id == post.pk
