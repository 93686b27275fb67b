"""Hostile uploads, by class, through the admin's real forms.

Every refused file gets a message on its field and leaves nothing in
MEDIA_ROOT and no row behind. A complete image with something appended (a
polyglot) is a real image: it is accepted, and what is stored is Pillow's
re-encoding, with the appended bytes gone. The pixel bomb is refused from its
header, without decoding: a separate process measures that validating it
stays far below 50 MB (peak RSS, which counts Pillow's C allocations, and
tracemalloc's peak for Python's).

tests/posts/test_images.py covers the basic cases (text, HTML, SVG, TIFF,
BMP, empty, truncated, byte and pixel limits, EXIF) one by one.
"""

import io
import json
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from posts.models import Post, PostImage
from tests.factories import admin_post_form, files_under, png_bytes

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.domain)</script>"


def encoded(fmt: str, size=(12, 10), mode="RGB", **params) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 3 if mode == "P" else "#2a6").save(buffer, fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose IHDR says width×height (8-bit greyscale), tiny on disk."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return (
        b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", idat or zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b"")
    )


def real_png_bomb(side: int) -> bytes:
    """A complete greyscale PNG of side×side black pixels: kilobytes on disk,
    side² bytes once decoded."""
    row = b"\0" + b"\0" * side  # filter byte + pixels
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return png_claiming(side, side, body)


def gif_claiming(width: int, height: int) -> bytes:
    """A GIF whose logical screen is width×height, with one 1×1 frame."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b";"


def psd_bytes() -> bytes:
    header = b"8BPS" + struct.pack(">H", 1) + b"\0" * 6 + struct.pack(">HIIHH", 3, 10, 10, 8, 3)
    return header + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + b"\0" * 300


def jpeg_with_comment(comment: bytes) -> bytes:
    jpeg = encoded("JPEG")
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return jpeg[:2] + segment + jpeg[2:]


PNG = png_bytes(size=(40, 30))
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
SVG_SCRIPT = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

# (class, file name, bytes, content type)
REFUSED = [
    ("non-image renamed", "notes.png", b"Just some text, honestly an image.", "image/png"),
    ("non-image renamed", "page.jpg", b"<!doctype html><html><body>" + SCRIPT + b"</body></html>", "image/jpeg"),
    ("non-image renamed", "shell.png", b"<?php system($_GET['c']); ?>", "image/png"),
    ("non-image renamed", "app.gif", b"alert(1);//" + b"A" * 100, "image/gif"),
    ("non-image renamed", "archive.webp", b"PK\x03\x04" + b"\0" * 100, "image/webp"),
    ("non-image renamed", "program.jpg", b"\x7fELF\x02\x01\x01" + b"\0" * 100, "image/jpeg"),
    ("non-image renamed", "report.png", encoded("PDF"), "image/png"),
    ("SVG", "drawing.svg", SVG, "image/svg+xml"),
    (
        "SVG",
        "drawing.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/png",
    ),
    (
        "SVG",
        "drawing.svgz",
        zlib.compress(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        "image/svg+xml",
    ),
    ("HTML after an image header", "polyglot.png", PNG[:33] + SCRIPT, "image/png"),
    ("HTML after an image header", "polyglot.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00/*" + SCRIPT, "image/gif"),
    ("HTML after an image header", "polyglot.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + SCRIPT, "image/jpeg"),
    ("unneeded decoder", "scan.tiff", encoded("TIFF"), "image/tiff"),
    ("unneeded decoder", "scan.png", encoded("TIFF"), "image/png"),
    ("unneeded decoder", "layers.psd", psd_bytes(), "image/vnd.adobe.photoshop"),
    ("unneeded decoder", "layers.png", psd_bytes(), "image/png"),
    ("unneeded decoder", "print.eps", encoded("EPS"), "application/postscript"),
    ("unneeded decoder", "print.jpg", encoded("EPS"), "image/jpeg"),
    ("unneeded decoder", "doc.pdf", encoded("PDF"), "application/pdf"),
    ("unneeded decoder", "old.bmp", encoded("BMP"), "image/bmp"),
    ("unneeded decoder", "icon.ico", encoded("ICO"), "image/x-icon"),
    ("unneeded decoder", "photo.avif", encoded("AVIF"), "image/avif"),
    ("unneeded decoder", "photo.jp2", encoded("JPEG2000"), "image/jp2"),
    ("zero-byte or truncated", "empty.png", b"", "image/png"),
    ("zero-byte or truncated", "cut.png", png_bytes(size=(300, 300))[:200], "image/png"),
    ("zero-byte or truncated", "cut.jpg", encoded("JPEG", size=(300, 300))[:300], "image/jpeg"),
    ("zero-byte or truncated", "cut.gif", encoded("GIF", size=(300, 300))[:100], "image/gif"),
    ("zero-byte or truncated", "cut.webp", encoded("WEBP", size=(300, 300))[:60], "image/webp"),
    ("zero-byte or truncated", "signature.png", b"\x89PNG\r\n\x1a\n", "image/png"),
    ("huge dimensions", "bomb.png", png_claiming(100_000, 100_000), "image/png"),
    ("huge dimensions", "wide.png", png_claiming(2**31 - 1, 1), "image/png"),
    ("huge dimensions", "real-bomb.png", real_png_bomb(7000), "image/png"),
    ("huge dimensions", "screen.gif", gif_claiming(65_535, 65_535), "image/gif"),
]

# A complete image with extra bytes (after its end, or in a comment or an
# EXIF block) is an image; what is stored is re-encoded without them.
CLEAN = "complete image + HTML (stored re-encoded)"
ACCEPTED_CLEAN = [
    (CLEAN, "tail.png", PNG + SCRIPT, "image/png"),
    (CLEAN, "comment.jpg", jpeg_with_comment(SCRIPT), "image/jpeg"),
    (CLEAN, "tail.gif", encoded("GIF") + SCRIPT, "image/gif"),
    (CLEAN, "tail.webp", encoded("WEBP") + SCRIPT, "image/webp"),
    (CLEAN, "comment.gif", encoded("GIF", mode="P", comment=SCRIPT), "image/gif"),
    (CLEAN, "exif.webp", encoded("WEBP", exif=b"Exif\0\0" + SCRIPT), "image/webp"),
    (CLEAN, "exif.png", encoded("PNG", exif=b"Exif\0\0" + SCRIPT), "image/png"),
]


def upload(name: str, content: bytes, kind: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=kind)


def thumbnail_errors(client, name, content, kind) -> list[str]:
    response = client.post(
        "/admin/posts/post/add/", admin_post_form(thumbnail=upload(name, content, kind), thumbnail_alt="A picture")
    )
    if response.status_code == 302:
        return []
    assert response.status_code == 200
    return list(response.context["adminform"].form.errors.get("thumbnail", []))


def test_hostile_thumbnails_by_class(client, writer, settings, capsys):
    tried, refused = Counter(), Counter()
    for category, name, content, kind in REFUSED:
        tried[category] += 1
        errors = thumbnail_errors(client, name, content, kind)
        assert errors, f"{name} was accepted"
        assert not Post.objects.exists(), name
        assert files_under(settings.MEDIA_ROOT) == [], name
        refused[category] += 1
    for category, name, content, kind in ACCEPTED_CLEAN:
        tried[category] += 1
        assert thumbnail_errors(client, name, content, kind) == [], name
        post = Post.objects.get()
        stored = Path(post.thumbnail.path).read_bytes()
        assert b"<script" not in stored, name
        with Image.open(io.BytesIO(stored)) as image:
            image.load()
        assert client.get(post.thumbnail.url).status_code in (200, 404)  # not served as HTML by Django either way
        post.thumbnail.delete(save=False)
        post.delete()
    with capsys.disabled():
        print("\nUploads (post thumbnail)")
        for category in tried:
            print(f"  {category:<44}tried {tried[category]:>3}  refused {refused[category]:>3}")
    assert sum(refused.values()) == len(REFUSED)


SAMPLE = [case for case in REFUSED if case[1] in {"drawing.svg", "polyglot.png", "layers.psd", "cut.png", "bomb.png"}]


@pytest.mark.parametrize(("category", "name", "content", "kind"), SAMPLE, ids=[case[1] for case in SAMPLE])
def test_author_photo_and_inline_images_refuse_the_same(client, writer, settings, category, name, content, kind):
    profile = {"name": writer.name, "bio": "", "expertise": "", "comment_notifications": "each"}
    response = client.post(
        f"/admin/authors/author/{writer.pk}/change/", profile | {"photo": upload(name, content, kind)}
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors.get("photo")
    writer.refresh_from_db()
    assert not writer.photo
    inline = admin_post_form(
        **{"images-TOTAL_FORMS": "1", "images-0-image": upload(name, content, kind), "images-0-alt": "x"}
    )
    response = client.post("/admin/posts/post/add/", inline)
    assert response.status_code == 200 and "images-0-image" in response.content.decode()
    assert not Post.objects.exists() and not PostImage.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


def test_a_pixel_bomb_is_refused_naming_the_pixel_limit(client, writer, settings):
    """Pillow will not open an image of over twice its own limit (~178
    megapixels): Django's field called it "not an image or a corrupted
    image" (found by QA). The thumbnail, the author photo and the body's
    images say the limit, as for any image over it."""
    message = "This image is over 178 megapixels; the limit is 40 megapixels."
    bomb = png_claiming(14_000, 14_000)
    assert thumbnail_errors(client, "map.png", bomb, "image/png") == [message]
    profile = {"name": writer.name, "bio": "", "expertise": "", "comment_notifications": "each"}
    response = client.post(
        f"/admin/authors/author/{writer.pk}/change/", profile | {"photo": upload("me.png", bomb, "image/png")}
    )
    assert response.context["adminform"].form.errors["photo"] == [message]
    inline = admin_post_form(
        **{"images-TOTAL_FORMS": "1", "images-0-image": upload("map.png", bomb, "image/png"), "images-0-alt": "A map"}
    )
    response = client.post("/admin/posts/post/add/", inline)
    images = next(
        inline.formset for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "images"
    )
    assert images.errors[0]["image"] == [message]
    assert files_under(settings.MEDIA_ROOT) == []


MEASURE = """
import json, sys, tracemalloc
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from skolr_blog.images import WebImageFormField, validate_image

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])  # kB

data = sys.stdin.buffer.read()
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # reset the peak (VmHWM) to the current resident size
before = status("VmRSS:")
tracemalloc.start()
messages = []
for check in (WebImageFormField().clean, validate_image):  # the form field, then the model validator
    try:
        check(SimpleUploadedFile("bomb.png", data, content_type="image/png"))
    except ValidationError as error:
        messages += error.messages
traced = tracemalloc.get_traced_memory()[1]
print(json.dumps({"rss_kb": status("VmHWM:") - before, "traced": traced, "messages": messages}))
"""


def measure(data: bytes) -> dict:
    """Peak resident-memory growth (kB) and Python allocation peak (bytes)
    while a fresh process runs the upload checks on ``data``."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE],
        input=data,
        capture_output=True,
        cwd=django_settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "skolr_blog.settings.test", "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


def test_the_memory_meter_sees_a_decoded_image(capsys):
    """The largest image the limits accept is decoded in full: the meter must
    see that, or its silence on the bombs below would mean nothing."""
    measured = measure(real_png_bomb(6000))  # 36 megapixels, under the 40 MP limit
    with capsys.disabled():
        print(f"\nAccepted 6000×6000 greyscale PNG: peak RSS +{measured['rss_kb'] / 1024:.1f} MB while validating")
    assert measured["messages"] == []
    assert measured["rss_kb"] > 30 * 1024


@pytest.mark.parametrize(
    "bomb",
    [png_claiming(100_000, 100_000), real_png_bomb(7000), gif_claiming(65_535, 65_535)],
    ids=["png-header-100000x100000", "png-real-7000x7000", "gif-65535x65535"],
)
def test_validating_a_pixel_bomb_keeps_memory_bounded(bomb, capsys):
    measured = measure(bomb)
    with capsys.disabled():
        print(
            f"\nPixel bomb, {len(bomb)} bytes on disk: refused ({measured['messages'][0]}); "
            f"peak RSS +{measured['rss_kb'] / 1024:.1f} MB, Python allocations peak {measured['traced'] / 2**20:.1f} MB"
        )
    assert measured["messages"], "the bomb was not refused"
    assert "megapixels" in measured["messages"][0]
    assert measured["rss_kb"] < 50 * 1024
    assert measured["traced"] < 50 * 1024 * 1024
