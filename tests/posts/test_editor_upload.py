"""The body editor's "Upload an image": one file and its alt text go to the
post's (or page's) admin, which checks and stores it as the "images for the
body" inline does and answers its address for the editor to insert."""

import re
from pathlib import Path

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from PIL import Image

from authors.roles import AUTHORS, EDITORS
from posts.models import CoAuthor, PageImage, PostImage
from tests.factories import files_under, make_author, make_page, make_post, make_user, png_bytes
from tests.posts.test_images import HEIC, jpeg_with_gps_and_rotation, tiff_bytes, upload
from tests.security.test_uploads import png_claiming

pytestmark = pytest.mark.django_db


def upload_url(post) -> str:
    return reverse("admin:posts_post_upload_image", args=[post.pk])


@pytest.fixture
def post(writer):
    return make_post(author=writer, status="draft", published_at=None)


def test_a_png_is_stored_for_the_post_and_its_address_answered(client, post, settings):
    response = client.post(
        upload_url(post), {"image": upload("diagram.png", png_bytes(size=(64, 48))), "alt": "The request cycle"}
    )
    assert response.status_code == 201, response.content
    image = PostImage.objects.get()
    assert (image.post, image.alt, image.width, image.height) == (post, "The request cycle", 64, 48)
    assert response.json() == {"url": image.image.url, "alt": "The request cycle", "width": 64, "height": 48}
    assert image.image.url.startswith(f"{settings.MEDIA_URL}posts/inline/") and image.image.url.endswith(".png")
    assert [str(path) for path in files_under(settings.MEDIA_ROOT)] == [image.image.path]


def test_a_jpeg_loses_its_metadata_and_is_stored_under_its_own_formats_ending(client, post):
    """The inline's processing: orientation applied, EXIF and GPS gone, and
    the ending of what the file is, not of what it was called."""
    response = client.post(
        upload_url(post), {"image": upload("photo.png", jpeg_with_gps_and_rotation(), "image/png"), "alt": "A desk"}
    )
    assert response.status_code == 201, response.content
    image = PostImage.objects.get()
    assert response.json()["url"].endswith("/photo.jpg")
    assert (response.json()["width"], response.json()["height"]) == (30, 60)
    with Image.open(image.image.path) as stored:
        assert stored.format == "JPEG" and stored.size == (30, 60)
        assert not stored.getexif()


@pytest.mark.parametrize(
    ("image", "alt", "message"),
    [
        (upload("notes.png", b"just some text, not an image"), "Notes", "Upload a valid image"),
        (upload("page.png", b"<html><script>alert(1)</script></html>"), "A page", "Upload a valid image"),
        (upload("cut.png", png_bytes(size=(300, 300))[:200]), "Cut", "either not an image or a corrupted image"),
        (upload("diagram.png", png_bytes()), "", "Describe the image (alt text)"),
        (upload("diagram.png", png_bytes()), "   ", "Describe the image (alt text)"),
        (None, "A diagram", "Choose an image file to upload."),
    ],
    ids=["text", "html", "truncated", "no-alt", "blank-alt", "no-file"],
)
def test_a_bad_upload_is_refused_with_its_reason_and_nothing_is_stored(client, post, settings, image, alt, message):
    data = {"alt": alt} | ({"image": image} if image else {})
    response = client.post(upload_url(post), data)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not PostImage.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    ("name", "stored_as"),
    [("scan", "scan.png"), ("photo.heic", "photo.png"), ("😀.png", "image.png"), ("😀😀", "image.png")],
)
def test_an_image_is_judged_by_what_it_is_and_named_as_its_format(client, post, name, stored_as):
    """Found by QA: a PNG named ``scan`` or ``photo.heic`` was refused with
    the ~75 endings Pillow knows (a PNG named ``.pdf`` was taken, and named
    ``.png``); one named ``😀.png`` was stored as the hidden file ``.png``."""
    response = client.post(upload_url(post), {"image": upload(name, png_bytes()), "alt": "A scan"})
    assert response.status_code == 201, response.content
    assert Path(PostImage.objects.get().image.name).name == stored_as
    assert response.json()["url"].endswith(f"/{stored_as}")


def test_a_long_file_name_is_shortened_to_fit_not_refused(client, post):
    name = "Screenshot of the timetable for the spring term with every class and room " * 3 + ".png"
    response = client.post(upload_url(post), {"image": upload(name, png_bytes()), "alt": "The timetable"})

    assert response.status_code == 201, response.content
    stored = PostImage.objects.get().image.name
    assert len(stored) <= PostImage._meta.get_field("image").max_length
    assert Path(stored).name.startswith("Screenshot_of_the_timetable") and stored.endswith(".png")
    # The file's name is shortened, never the random folder before it (skolr_blog.upload_paths).
    assert re.fullmatch(r"posts/inline/\d{4}/[a-z0-9]{12}", str(Path(stored).parent)), stored


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("IMG_0001.heic", HEIC, "HEIC images are not supported: export it as JPEG, PNG or WebP."),
        ("IMG_0001.jpg", HEIC, "HEIC images are not supported: export it as JPEG, PNG or WebP."),
        ("map.png", png_claiming(14_000, 14_000), "This image is over 178 megapixels; the limit is 40 megapixels."),
        ("scan.tiff", tiff_bytes(), "Upload a JPEG, PNG, GIF or WebP image (this file is TIFF)."),
    ],
    ids=["heic", "heic-named-jpg", "over-pillows-limit", "tiff"],
)
def test_a_refused_image_is_told_what_the_blog_takes(client, post, settings, name, content, message):
    """Found by QA: a HEIC photo was "not a valid image", and one of over
    178 megapixels (Pillow will not open it) "corrupted"."""
    response = client.post(upload_url(post), {"image": upload(name, content), "alt": "A photo"})
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert not PostImage.objects.exists() and files_under(settings.MEDIA_ROOT) == []


def test_an_image_over_the_size_or_pixel_limit_is_refused(client, post, settings):
    settings.IMAGE_MAX_BYTES = 1000
    big = client.post(
        upload_url(post), {"image": upload("big.png", png_bytes(size=(40, 30)) + b"\0" * 2000), "alt": "Big"}
    )
    assert big.status_code == 400
    assert "the limit is 1000" in big.json()["error"]
    settings.IMAGE_MAX_BYTES = 5_000_000
    settings.IMAGE_MAX_PIXELS = 10_000
    bomb = client.post(upload_url(post), {"image": upload("bomb.png", png_bytes(size=(200, 200))), "alt": "Bomb"})
    assert bomb.status_code == 400
    assert "200×200 pixels" in bomb.json()["error"]
    assert not PostImage.objects.exists() and files_under(settings.MEDIA_ROOT) == []


def test_an_image_whose_row_fails_to_save_leaves_no_file(client, post, settings, monkeypatch):
    """The file is stored first, then its row: a failed insert takes the file away again."""

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(PostImage, "_do_insert", fail)
    with pytest.raises(DatabaseError):
        client.post(upload_url(post), {"image": upload("a.png", png_bytes()), "alt": "A"})
    assert files_under(settings.MEDIA_ROOT) == []


def test_co_authors_and_editors_upload_too(client, post):
    co_author = make_author(user=make_user("co", groups=[AUTHORS]))
    CoAuthor.objects.create(post=post, author=co_author, position=1)
    client.force_login(co_author.user)
    assert client.post(upload_url(post), {"image": upload("a.png", png_bytes()), "alt": "A"}).status_code == 201
    client.force_login(make_user("editor", groups=[EDITORS]))
    assert client.post(upload_url(post), {"image": upload("b.png", png_bytes()), "alt": "B"}).status_code == 201
    assert list(PostImage.objects.filter(post=post).values_list("alt", flat=True)) == ["A", "B"]


def test_another_authors_post_is_refused(client, writer, settings):
    theirs = make_post()  # someone else's
    response = client.post(upload_url(theirs), {"image": upload("a.png", png_bytes()), "alt": "A"})
    assert response.status_code == 403
    assert response.json() == {"error": "You may not add images to this post."}
    assert not PostImage.objects.exists() and files_under(settings.MEDIA_ROOT) == []


def test_a_post_in_the_trash_takes_no_images(client, post):
    post.trashed_at = post.updated_at
    post.save()
    response = client.post(upload_url(post), {"image": upload("a.png", png_bytes()), "alt": "A"})
    assert response.status_code == 403
    assert not PostImage.objects.exists()


def test_staff_without_the_image_permission_are_refused(client, post, settings):
    """As the form's inline would not let them add an image either."""
    post.author.user.groups.clear()
    post.author.user.user_permissions.add(*_permissions("change_post", "view_post"))
    response = client.post(upload_url(post), {"image": upload("a.png", png_bytes()), "alt": "A"})
    assert response.status_code == 403
    assert not PostImage.objects.exists()


def _permissions(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="posts", codename__in=codenames)


def test_anonymous_visitors_are_sent_to_log_in(post, settings):
    response = Client().post(upload_url(post), {"image": upload("a.png", png_bytes()), "alt": "A"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not PostImage.objects.exists() and files_under(settings.MEDIA_ROOT) == []


def test_only_post_is_answered(client, post):
    assert client.get(upload_url(post)).status_code == 405


def test_the_csrf_token_is_required(post, writer, settings):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(writer.user)
    data = {"image": upload("a.png", png_bytes()), "alt": "A"}
    assert browser.post(upload_url(post), data).status_code == 403
    assert not PostImage.objects.exists() and files_under(settings.MEDIA_ROOT) == []
    # With the token the change form carries, the same upload goes through.
    form = browser.get(reverse("admin:posts_post_change", args=[post.pk]))
    token = form.context["csrf_token"]
    data = {"image": upload("a.png", png_bytes()), "alt": "A", "csrfmiddlewaretoken": str(token)}
    assert browser.post(upload_url(post), data).status_code == 201


def test_the_change_form_tells_the_editor_where_to_upload_and_the_add_form_does_not(client, post, settings):
    change = client.get(reverse("admin:posts_post_change", args=[post.pk])).content.decode()
    assert f'data-image-upload-url="{upload_url(post)}"' in change
    assert f'data-image-max-bytes="{settings.IMAGE_MAX_BYTES}"' in change
    assert "js/editor_image_upload.js" in change
    add = client.get(reverse("admin:posts_post_add")).content.decode()
    assert "data-image-upload-url" not in add
    assert "data-image-max-bytes" in add  # the button is there, and asks to save the draft first


def test_a_revisions_restore_page_tells_the_editor_where_to_upload(client, post, settings):
    """Found by QA: the restore page (simple-history's view) asked to save
    the draft first; restoring is a save of the post, whose images these are."""
    revision = post.history.first()
    page = client.get(reverse("admin:posts_post_simple_history", args=[post.pk, revision.history_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-image-upload-url="{upload_url(post)}"' in html
    assert f'data-image-max-bytes="{settings.IMAGE_MAX_BYTES}"' in html
    assert "js/editor_image_upload.js" in html


def test_an_editor_uploads_into_a_pages_body(client, editor, settings):
    page = make_page()
    url = reverse("admin:posts_page_upload_image", args=[page.pk])
    response = client.post(url, {"image": upload("team.png", png_bytes(size=(20, 10))), "alt": "The team"})
    assert response.status_code == 201, response.content
    image = PageImage.objects.get()
    assert (image.page, response.json()["url"]) == (page, image.image.url)
    assert image.image.url.startswith(f"{settings.MEDIA_URL}pages/")
    form = client.get(reverse("admin:posts_page_change", args=[page.pk])).content.decode()
    assert f'data-image-upload-url="{url}"' in form


def test_authors_upload_into_no_page(client, writer):
    page = make_page()
    url = reverse("admin:posts_page_upload_image", args=[page.pk])
    assert client.post(url, {"image": upload("team.png", png_bytes()), "alt": "The team"}).status_code == 403
    assert not PageImage.objects.exists()
