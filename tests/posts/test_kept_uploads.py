"""A refused post keeps the images uploaded with it: the author fixes what
the page asks and saves again, without choosing the files again."""

import re

import pytest
from django.core import signing
from django.core.cache import cache
from PIL import Image

from posts.models import Post, PostImage
from skolr_blog.staged_uploads import KeepsUploads, KeepsUploadsAdmin
from tests.factories import admin_post_form, files_under, image_upload, png_bytes

pytestmark = pytest.mark.django_db

ADD = "/admin/posts/post/add/"


def kept_key(page: str, name: str = "thumbnail") -> str:
    """The signed key the refused page carries for ``name``'s kept file."""
    return re.search(rf'name="{re.escape(name)}__staged" value="([^"]+)"', page).group(1)


def staged_entries() -> list:
    # The test cache is local memory; its entries are what the app servers would share.
    return [key for key in cache._cache if "staged-upload:" in key]


def test_a_refused_post_keeps_its_thumbnail_and_saves_it_next_time(client, writer):
    refused = client.post(ADD, admin_post_form(thumbnail=image_upload("cover.png", size=(60, 40))))
    page = refused.content.decode()
    assert "Describe the thumbnail for readers who cannot see it." in page
    assert "Kept from your last try: cover.png. Choose another file to replace it." in page

    response = client.post(ADD, admin_post_form(thumbnail_alt="A cover", thumbnail__staged=kept_key(page)))
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert post.thumbnail.name.startswith("posts/") and post.thumbnail.name.endswith(".png")
    assert (post.thumbnail_width, post.thumbnail_height) == (60, 40)
    with Image.open(post.thumbnail.path) as stored:
        assert stored.size == (60, 40)


def test_the_kept_entry_is_gone_once_the_post_is_saved(client, writer, django_capture_on_commit_callbacks):
    page = client.post(ADD, admin_post_form(thumbnail=image_upload())).content.decode()
    assert len(staged_entries()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, admin_post_form(thumbnail_alt="A picture", thumbnail__staged=kept_key(page)))
    assert response.status_code == 302
    assert staged_entries() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just some text, not an image", "Upload a valid image"),
        (png_bytes(size=(400, 400)) + b"\0" * 3000, "the limit is"),  # over IMAGE_MAX_BYTES, below
        (png_bytes(size=(200, 200)), "megapixels"),  # over IMAGE_MAX_PIXELS
    ],
)
def test_a_bad_image_is_refused_and_kept_nowhere(client, writer, settings, content, message):
    settings.IMAGE_MAX_BYTES = len(png_bytes(size=(400, 400))) + 1000
    settings.IMAGE_MAX_PIXELS = 100 * 100
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bad.png", content, content_type="image/png")
    # Refused for the image and for the missing title.
    page = client.post(ADD, admin_post_form(title="", thumbnail=upload, thumbnail_alt="x")).content.decode()
    assert message in page and "This field is required." in page
    assert "Kept from your last try" not in page and "__staged" not in page
    assert staged_entries() == []


def test_a_new_file_replaces_the_kept_one(client, writer):
    page = client.post(ADD, admin_post_form(thumbnail=image_upload("red.png", colour="red"))).content.decode()
    response = client.post(
        ADD,
        admin_post_form(
            thumbnail=image_upload("blue.png", size=(50, 20), colour="blue"),
            thumbnail_alt="Blue",
            thumbnail__staged=kept_key(page),
        ),
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert "blue" in post.thumbnail.name and (post.thumbnail_width, post.thumbnail_height) == (50, 20)
    with Image.open(post.thumbnail.path) as stored:
        assert stored.convert("RGB").getpixel((0, 0)) == (0, 0, 255)


def test_ticking_clear_wins_over_the_kept_file(client, writer):
    client.post(ADD, admin_post_form(thumbnail=image_upload("first.png"), thumbnail_alt="First"))
    post = Post.objects.get()
    change = f"/admin/posts/post/{post.pk}/change/"
    page = client.post(change, admin_post_form(thumbnail=image_upload("second.png"))).content.decode()
    response = client.post(change, admin_post_form(**{"thumbnail-clear": "on", "thumbnail__staged": kept_key(page)}))
    assert response.status_code == 302, response.content.decode()[:2000]
    post.refresh_from_db()
    assert not post.thumbnail


def forged(page: str) -> str:
    return "not-a-key:1tQZ0P:abc"


def tampered(page: str) -> str:
    key = kept_key(page)
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def for_another_field(page: str) -> str:
    """The entry's own token, signed for an author's photo instead."""
    token = signing.TimestampSigner(salt="skolr_blog.staged_uploads:posts.Post.thumbnail").unsign(kept_key(page))
    return signing.TimestampSigner(salt="skolr_blog.staged_uploads:authors.Author.photo").sign(token)


def after_it_expired(page: str) -> str:
    cache.clear()  # what an hour does to the entry
    return kept_key(page)


@pytest.mark.parametrize("key", [forged, tampered, for_another_field, after_it_expired])
def test_a_key_that_is_not_this_fields_is_ignored(client, writer, key):
    page = client.post(ADD, admin_post_form(thumbnail=image_upload())).content.decode()
    response = client.post(ADD, admin_post_form(thumbnail_alt="A picture", thumbnail__staged=key(page)))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Post.objects.get().thumbnail
    assert files_under(Post.objects.get().thumbnail.storage.location) == []


def test_a_required_image_with_a_bad_key_asks_for_the_file(client, writer):
    data = admin_post_form(
        **{"images-TOTAL_FORMS": "1", "images-0-alt": "A diagram", "images-0-image__staged": "forged:1tQZ0P:abc"}
    )
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not PostImage.objects.exists()


def test_body_images_are_kept_when_another_form_on_the_page_is_refused(
    client, writer, django_capture_on_commit_callbacks
):
    """The image's own row is fine; the post above it is not."""
    images = {"images-TOTAL_FORMS": "1", "images-0-alt": "A diagram"}
    page = client.post(
        ADD, admin_post_form(title="", **images, **{"images-0-image": image_upload("diagram.png")})
    ).content.decode()
    assert "This field is required." in page and "Kept from your last try: diagram.png." in page

    images["images-0-image__staged"] = kept_key(page, "images-0-image")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(ADD, admin_post_form(**images)).status_code == 302
    assert PostImage.objects.get().image.name.endswith(".png")
    assert staged_entries() == []


def test_a_kept_file_is_kept_again_when_the_next_try_is_refused_too(client, writer):
    page = client.post(ADD, admin_post_form(thumbnail=image_upload("cover.png"))).content.decode()
    again = client.post(ADD, admin_post_form(title="", thumbnail__staged=kept_key(page))).content.decode()
    assert "Kept from your last try: cover.png." in again
    response = client.post(ADD, admin_post_form(thumbnail_alt="A cover", thumbnail__staged=kept_key(again)))
    assert response.status_code == 302
    assert Post.objects.get().thumbnail


def test_the_kept_file_name_is_shown_as_text(client, writer):
    name = "<img src=x onerror=alert(1)>.png"
    page = client.post(ADD, admin_post_form(thumbnail=image_upload(name))).content.decode()
    assert "Kept from your last try: &lt;img src=x onerror=alert(1)&gt;.png." in page and name not in page


def test_every_image_field_in_the_admin_keeps_its_upload():
    """A new admin or inline with an image field needs the form mixin, and
    its admin the page-level one (see skolr_blog/staged_uploads.py)."""
    from django.contrib import admin
    from django.db import models

    def has_image(model, readonly=()) -> bool:
        """An image field this admin's form takes an upload for (the media
        library shows its images read-only: nothing to keep there)."""
        return any(
            isinstance(field, models.ImageField) and field.name not in readonly for field in model._meta.get_fields()
        )

    for model, model_admin in admin.site._registry.items():
        inlines = [inline for inline in model_admin.inlines if has_image(inline.model)]
        if has_image(model, model_admin.readonly_fields):
            assert issubclass(model_admin.form, KeepsUploads), model
        for inline in inlines:
            assert issubclass(inline.form, KeepsUploads), inline
        if has_image(model, model_admin.readonly_fields) or inlines:
            assert isinstance(model_admin, KeepsUploadsAdmin), model
