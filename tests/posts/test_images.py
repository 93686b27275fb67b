"""Uploads are validated and cleaned; pages serve modern renditions."""

import io
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from posts.models import Post
from posts.templatetags import pictures
from tests.factories import admin_post_form, files_under, make_post, png_bytes

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes, content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg_with_gps_and_rotation() -> bytes:
    image = Image.new("RGB", (60, 30), "#336699")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def tiff_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "TIFF")
    return buffer.getvalue()


# The start of an iPhone's photo (a HEIF file, brand "heic"): Pillow has no decoder for it.
HEIC = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 200


def bmp_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "BMP")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"just some text, not an image", "Upload a valid image"),
        ("page.png", b"<html><script>alert(1)</script></html>", "Upload a valid image"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "Upload a valid image"),
        ("scan.tiff", tiff_bytes(), "Upload a JPEG, PNG, GIF or WebP image (this file is TIFF)"),
        ("old.bmp", bmp_bytes(), "Upload a JPEG, PNG, GIF or WebP image (this file is BMP)"),
        ("empty.png", b"", "The submitted file is empty."),
        ("cut.png", png_bytes(size=(300, 300))[:200], "either not an image or a corrupted image"),
        ("IMG_0001.heic", HEIC, "HEIC images are not supported: export it as JPEG, PNG or WebP."),
    ],
)
def test_bad_thumbnail_uploads_are_refused_and_nothing_is_stored(client, writer, settings, name, content, message):
    response = client.post(
        "/admin/posts/post/add/",
        admin_post_form(thumbnail=upload(name, content), thumbnail_alt="A picture"),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Post.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


def test_oversized_and_pixel_bomb_uploads_are_refused(client, writer, settings):
    settings.IMAGE_MAX_BYTES = 1000
    big = client.post(
        "/admin/posts/post/add/",
        admin_post_form(
            thumbnail=upload("big.png", png_bytes(size=(400, 400), colour="#123456") + b"\0" * 2000), thumbnail_alt="x"
        ),
    )
    assert "the limit is 1000" in big.content.decode()
    settings.IMAGE_MAX_BYTES = 5_000_000
    settings.IMAGE_MAX_PIXELS = 10_000
    bomb = client.post(
        "/admin/posts/post/add/",
        admin_post_form(thumbnail=upload("bomb.png", png_bytes(size=(200, 200))), thumbnail_alt="x"),
    )
    assert "200×200 pixels" in bomb.content.decode()
    assert not Post.objects.exists() and files_under(settings.MEDIA_ROOT) == []


def animated_gif(frames: int, size: tuple[int, int]) -> bytes:
    """A GIF of ``frames`` frames alternating two colours (each a real frame
    Pillow keeps when it re-encodes)."""
    images = [Image.new("RGB", size, "#123456" if n % 2 else "#abcdef") for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return buffer.getvalue()


def test_an_animation_is_held_to_the_pixel_limit_for_all_its_frames(client, writer, settings):
    """Every frame of an animation is re-encoded on save, so a GIF whose
    frames each pass the pixel limit can still cost gigabytes: the frames
    count together. (Small sizes under a small limit stand in for 20 frames
    of 6000×6000.)"""
    settings.IMAGE_MAX_PIXELS = 1_000_000
    response = client.post(
        "/admin/posts/post/add/",
        admin_post_form(thumbnail=upload("bomb.gif", animated_gif(3, (600, 600)), "image/gif"), thumbnail_alt="x"),
    )
    assert response.status_code == 200
    assert (
        "This animation is 3 frames of 600×600 pixels; the limit is 1 megapixels for all its frames together."
        in response.content.decode()
    )
    assert not Post.objects.exists() and files_under(settings.MEDIA_ROOT) == []


def test_an_animation_is_held_to_a_frame_limit(client, writer, settings):
    """Pillow's work per frame adds up over thousands of tiny frames."""
    settings.IMAGE_MAX_FRAMES = 5
    response = client.post(
        "/admin/posts/post/add/",
        admin_post_form(thumbnail=upload("many.gif", animated_gif(6, (4, 4)), "image/gif"), thumbnail_alt="x"),
    )
    assert response.status_code == 200
    assert "This animation has 6 frames; the limit is 5." in response.content.decode()
    assert not Post.objects.exists() and files_under(settings.MEDIA_ROOT) == []


def test_a_small_animation_is_stored_with_all_its_frames(client, writer, settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    settings.IMAGE_MAX_FRAMES = 5
    response = client.post(
        "/admin/posts/post/add/",
        admin_post_form(thumbnail=upload("wave.gif", animated_gif(5, (400, 400)), "image/gif"), thumbnail_alt="x"),
    )
    assert response.status_code == 302, response.content.decode()[:500]
    with Image.open(Post.objects.get().thumbnail.path) as stored:
        assert stored.format == "GIF" and stored.n_frames == 5 and stored.size == (400, 400)


def moving_square(kind: str, **options) -> bytes:
    """Four frames of a red square moving across a transparent background,
    the last shown two seconds."""
    frames = []
    for n in range(4):
        frame = Image.new("RGBA", (80, 40), (0, 0, 0, 0))
        frame.paste((255, 0, 0, 255), (n * 15, 0, n * 15 + 20, 20))
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, kind, save_all=True, append_images=frames[1:], duration=[100, 100, 100, 2000], **options)
    return buffer.getvalue()


def played(content: bytes) -> list[tuple[bytes, int]]:
    """Where each frame, as a viewer shows it, is opaque, and for how long
    (a lossy WebP comes back in colours a little off)."""
    with Image.open(io.BytesIO(content)) as image:
        shown = []
        for n in range(image.n_frames):
            image.seek(n)
            image.load()
            opaque = image.convert("RGBA").getchannel("A").point(lambda alpha: 255 * (alpha > 127))
            shown.append((opaque.tobytes(), round(image.info.get("duration", 0))))
        return shown


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("loader.png", moving_square("PNG", loop=0)),  # an animated PNG was stored as its first frame
        ("sprite.gif", moving_square("GIF", loop=0, disposal=2)),  # each frame left a trail of the one before
        ("sprite.webp", moving_square("WEBP", loop=0)),
    ],
)
def test_an_animation_plays_as_uploaded(client, writer, name, content):
    """Found by QA: stripping an animation's metadata re-encodes it; an
    animated PNG came out still, a GIF's frames all took the first one's
    time (no pause on the last), and a GIF whose frames clear what they drew
    left a trail of red squares."""
    response = client.post(
        "/admin/posts/post/add/", admin_post_form(thumbnail=upload(name, content), thumbnail_alt="A square")
    )
    assert response.status_code == 302, response.content.decode()[:500]
    stored = Path(Post.objects.get().thumbnail.path).read_bytes()
    assert played(stored) == played(content)


@pytest.mark.parametrize(
    ("name", "content", "stored_as"),
    [
        ("diagram.pdf", png_bytes(), "diagram.png"),
        ("photo.png", jpeg_with_gps_and_rotation(), "photo.jpg"),
        ("photo.JPEG", jpeg_with_gps_and_rotation(), "photo.JPEG"),
        ("diagram.png", png_bytes(), "diagram.png"),
        ("scan", png_bytes(), "scan.png"),  # found by QA: refused with the ~75 endings Pillow knows
        ("photo.heic", png_bytes(), "photo.png"),
        ("😀.png", png_bytes(), "image.png"),  # found by QA: stored as the hidden file ".png"
    ],
)
def test_an_image_named_as_another_kind_of_file_is_stored_under_its_own_formats_ending(
    client, writer, name, content, stored_as
):
    """Found by QA: a PNG uploaded as ``x.pdf`` was stored and served as a PDF."""
    response = client.post(
        "/admin/posts/post/add/", admin_post_form(thumbnail=upload(name, content), thumbnail_alt="x")
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert Path(Post.objects.get().thumbnail.name).name == stored_as


def test_exif_and_gps_are_stripped_and_orientation_applied(client, writer):
    response = client.post(
        "/admin/posts/post/add/",
        admin_post_form(thumbnail=upload("photo.jpg", jpeg_with_gps_and_rotation(), "image/jpeg"), thumbnail_alt="x"),
    )
    assert response.status_code == 302, response.content.decode()[:500]
    post = Post.objects.get()
    with Image.open(post.thumbnail.path) as stored:
        assert stored.size == (30, 60)  # rotated into place
        assert not stored.getexif()
    assert (post.thumbnail_width, post.thumbnail_height) == (30, 60)


def test_article_serves_avif_and_webp_renditions_with_srcset(client, seed, settings):
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    page = client.get(seed.get_absolute_url()).content.decode()
    figure = re.search(r'<figure class="post-thumbnail">(.*?)</figure>', page, re.S).group(1)
    avif = re.search(r'<source type="image/avif" srcset="([^"]+)" sizes="([^"]+)">', figure)
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)"', figure)
    assert avif and webp
    widths = re.findall(r" (\d+)w", avif.group(1))
    assert widths == ["480", "800", "1200", "1600"]
    first = avif.group(1).split(" ")[0]
    with Image.open(Path(settings.MEDIA_ROOT) / first.removeprefix("/media/")) as rendition:
        assert rendition.format == "AVIF" and rendition.width == 480
    assert 'width="1600" height="900"' in figure and 'fetchpriority="high"' in figure
    assert 'alt="Three cards labelled Django, Flask and FastAPI' in figure
    # Cards below the first load lazily.
    make_post(author=seed.author, thumbnail=seed.thumbnail.name, thumbnail_alt="Another picture")
    home = client.get("/").content.decode()
    assert home.count('loading="lazy"') >= 1 and 'loading="eager"' in home


def test_inline_image_upload_gives_an_address_for_the_editor(client, writer, settings):
    data = admin_post_form(
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-image": upload("diagram.png", png_bytes(size=(120, 80))),
            "images-0-alt": "A diagram",
        }
    )
    assert client.post("/admin/posts/post/add/", data).status_code == 302
    post = Post.objects.get()
    image = post.images.get()
    page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
    assert f"<code>{image.image.url}</code>" in page
    # Its columns give way to fit the form (found by QA: "Delete?" was cut off; tests/browser/test_admin_widths.py).
    assert "css/admin_body_images.css" in page


def test_an_inline_image_is_judged_by_what_it_is_and_named_as_its_format(client, writer):
    """As the thumbnail and the editor's upload: their model field's."""
    data = admin_post_form(
        **{"images-TOTAL_FORMS": "1", "images-0-image": upload("scan", png_bytes()), "images-0-alt": "A scan"}
    )
    assert client.post("/admin/posts/post/add/", data).status_code == 302
    assert Path(Post.objects.get().images.get().image.name).name == "scan.png"


def test_a_post_with_a_thumbnail_saves_again_without_a_new_upload(client, writer):
    """The stored thumbnail is validated on every save, though Django has
    closed its file by then (reading its dimensions)."""
    client.post(
        "/admin/posts/post/add/",
        admin_post_form(thumbnail=upload("cover.png", png_bytes(size=(60, 40))), thumbnail_alt="A cover"),
    )
    post = Post.objects.get()
    response = client.post(
        f"/admin/posts/post/{post.pk}/change/", admin_post_form(title="Renamed", thumbnail_alt="A cover")
    )
    assert response.status_code == 302, response.content.decode()[:500]
    post.refresh_from_db()
    assert post.title == "Renamed" and post.thumbnail


def test_body_images_get_renditions_size_and_lazy_loading(client, writer, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("posts/inline/2026/diagram.png", ContentFile(png_bytes(size=(900, 600))))
    post = make_post(
        author=writer,
        body=(
            f'<p>See:</p><img src="/media/{name}" alt="A &quot;diagram&quot;">'
            '<img src="https://elsewhere.example/x.png" alt="x">'
        ),
    )
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    page = client.get(post.get_absolute_url()).content.decode()
    body = page.split('<div class="prose">')[1].split("</div>")[0]
    assert '<source type="image/avif" srcset="' in body and '<source type="image/webp" srcset="' in body
    assert " 480w" in body and " 800w" in body and " 1200w" not in body  # never wider than the original
    assert f'<img src="/media/{name}" alt="A &quot;diagram&quot;" width="900" height="600" loading="lazy"' in body
    assert '<img src="https://elsewhere.example/x.png" alt="x">' in body  # not ours: left alone


def test_an_animated_thumbnail_and_body_image_reach_readers_animated(client, writer, settings):
    """Found by QA: an animated GIF (a thumbnail, or an image in the text)
    was served in a <picture> whose AVIF and WebP sources, which browsers
    pick before the <img>, were renditions of its first frame: readers saw
    a still picture. An animation is served as uploaded, every frame kept."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    thumbnail = default_storage.save("posts/2026/wave.gif", ContentFile(animated_gif(4, (900, 500))))
    inline = default_storage.save("posts/inline/2026/steps.gif", ContentFile(animated_gif(3, (700, 400))))
    still = default_storage.save("posts/inline/2026/still.png", ContentFile(png_bytes(size=(900, 600))))
    post = make_post(
        author=writer,
        thumbnail=thumbnail,
        thumbnail_alt="A wave",
        body=f'<p>See:</p><img src="/media/{inline}" alt="Steps"><img src="/media/{still}" alt="Still">',
    )
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}

    page = client.get(post.get_absolute_url()).content.decode()

    figure = re.search(r'<figure class="post-thumbnail">(.*?)</figure>', page, re.S).group(1)
    assert "<source" not in figure
    assert f'<img src="/media/{thumbnail}" alt="A wave" width="900" height="500"' in figure
    body = page.split('<div class="prose">')[1].split("</div>")[0]
    assert f'<img src="/media/{inline}" alt="Steps" width="700" height="400" loading="lazy"' in body
    assert body.count("<source") == 2  # the still image's AVIF and WebP only
    assert body.index("<source") > body.index('alt="Steps"')


def test_a_body_image_named_in_any_script_gets_its_renditions_too(client, writer, settings):
    """Its address names it percent-encoded, as the storage gives it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("posts/inline/2026/Schülerinnen café 図.png", ContentFile(png_bytes(size=(900, 600))))
    post = make_post(author=writer, body=f'<p>See:</p><img src="{default_storage.url(name)}" alt="Pupils">')
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}

    body = client.get(post.get_absolute_url()).content.decode().split('<div class="prose">')[1].split("</div>")[0]

    assert "/posts/inline/2026/Sch%C3%BClerinnen%20caf%C3%A9%20%E5%9B%B3.png" in default_storage.url(name)
    assert '<source type="image/webp" srcset="' in body
    assert 'alt="Pupils" width="900" height="600" loading="lazy"' in body


def test_a_picture_whose_file_is_gone_still_gives_the_article(client, seed, settings):
    """A thumbnail lost from storage (a half-restored backup) costs the
    renditions, not the page: the article, its link-preview image tags and
    its JSON-LD still render, and the file comes back into use once restored."""
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    post = make_post(author=seed.author, thumbnail=seed.thumbnail.name, thumbnail_alt="Lost picture")
    original = Path(settings.MEDIA_ROOT) / post.thumbnail.name
    kept = original.read_bytes()
    original.unlink()
    try:
        response = client.get(post.get_absolute_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert '<meta property="og:image"' in page and '"@type":"BlogPosting"' in page
    finally:
        original.write_bytes(kept)
    cache.clear()  # the page cache kept the page rendered without the file
    restored = client.get(post.get_absolute_url()).content.decode()
    assert re.search(r'<meta property="og:image:width" content="1200">', restored)


def test_a_rendition_whose_file_went_is_made_again(client, seed, settings):
    """sorl-thumbnail remembers the renditions it made (its key-value store
    is in the database): one whose file went since, with media restored
    without its cache/ folder, was linked as a 404 for good (found running
    Lighthouse against a database another media folder had served)."""
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    page = client.get(seed.get_absolute_url()).content.decode()
    made = sorted(set(re.findall(r"/media/(cache/[^\" ,]+\.(?:avif|webp))", page)))
    assert made
    for name in made:
        (Path(settings.MEDIA_ROOT) / name).unlink()
    from posts.templatetags import pictures

    for memo in (pictures._renditions, pictures._pictures):
        memo.clear()  # a new process: what this one remembered is gone too
    cache.clear()

    again = client.get(seed.get_absolute_url()).content.decode()

    shown = sorted(set(re.findall(r"/media/(cache/[^\" ,]+\.(?:avif|webp))", again)))
    assert shown and all((Path(settings.MEDIA_ROOT) / name).exists() for name in shown)


@pytest.mark.parametrize("change", ["replaced", "cleared"])
def test_a_replaced_or_cleared_thumbnail_goes_once_the_post_is_saved(
    client, writer, settings, change, django_capture_on_commit_callbacks
):
    """Found by QA: a post's old thumbnail, and its renditions, stayed
    public at their addresses, which no post named any more."""
    post = make_post(
        author=writer, status="draft", published_at=None, thumbnail=upload("first.png", png_bytes()), thumbnail_alt="A"
    )
    url = pictures.rendition(post.thumbnail, "40x40", format="WEBP")[0]
    old = [Path(post.thumbnail.path), Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)]
    assert all(path.exists() for path in old)
    new = {
        "replaced": {"thumbnail": upload("second.png", png_bytes(colour="red")), "thumbnail_alt": "Another cover"},
        "cleared": {"thumbnail-clear": "on"},
    }[change]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/posts/post/{post.pk}/change/", admin_post_form(title=post.title, slug=post.slug, **new)
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    post.refresh_from_db()
    assert not any(path.exists() for path in old)
    left = [path.name for path in files_under(settings.MEDIA_ROOT) if "cache" not in path.parts]
    assert left == ([Path(post.thumbnail.name).name] if change == "replaced" else [])


def test_a_refused_post_keeps_the_thumbnail_it_would_have_replaced(client, writer, django_capture_on_commit_callbacks):
    post = make_post(
        author=writer, status="draft", published_at=None, thumbnail=upload("first.png", png_bytes()), thumbnail_alt="A"
    )
    form = admin_post_form(title=post.title, slug=post.slug, thumbnail=upload("second.png", png_bytes(colour="red")))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/posts/post/{post.pk}/change/", form)  # no alt text for the new one
    assert response.status_code == 200
    assert Path(post.thumbnail.path).exists()
    assert Post.objects.get().thumbnail.name == post.thumbnail.name
