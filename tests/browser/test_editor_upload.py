"""The body editor's "Upload an image" in a real browser: the add form asks to
save the draft first; on the saved draft, a refused file is named in the
dialog, a good one is uploaded with its alt text and lands in the text where
the cursor was, and the saved post shows it to readers."""

from playwright.sync_api import Page, expect

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
