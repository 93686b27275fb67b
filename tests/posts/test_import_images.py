"""Imported posts and pages keep their pictures: ``import_wordpress`` and
``import_ghost`` download the old site's images (bodies, featured images,
author photos) and store them here, since readers' browsers load the blog's
own images only. The old site is a local server; nothing leaves the machine."""

import contextlib
import io
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from authors.models import Author
from authors.roles import EDITORS
from posts import importers
from posts.models import Page, PageImage, Post, PostImage
from skolr_blog.fetching import Policy, PrivateAddress, Refused, fetch, public_address
from tests.factories import files_under, make_user, png_bytes

pytestmark = pytest.mark.django_db

LIMIT = 60_000  # IMAGE_MAX_BYTES in these tests, so an oversize image is quick to serve


def camera_jpeg() -> bytes:
    """A photo as cameras write them: with the camera and the place in its EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PocketCam"  # Make
    exif[0x0131] = "PocketCam firmware 1.2"  # Software
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "JPEG", exif=exif)
    return out.getvalue()


class OldSite:
    """The blog being left: a threaded HTTP server on 127.0.0.1 that counts
    the requests for each path."""

    def __init__(self):
        self.requests: Counter = Counter()
        self.release = threading.Event()  # lets the slow answer go when the test is over
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests[self.path] += 1
                with contextlib.suppress(ConnectionError):  # the importer gave up on it
                    site.answer(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.files = {
            "/rubric.png": png_bytes(),
            "/rubric-large.png": png_bytes(size=(80, 60)),
            "/cover.jpg": camera_jpeg(),
            "/ines.png": png_bytes(size=(32, 32)),
        }

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        if path in self.files:
            return self.send(handler, 200, self.files[path], "image/png")
        if path == "/page.png":  # a page saying "not found", served as an image
            return self.send(handler, 200, b"<!doctype html><title>Not found</title>", "image/png")
        if path == "/huge.png":  # says how big it is
            return self.send(handler, 200, png_bytes() + b"\0" * LIMIT, "image/png")
        if path == "/endless.png":  # does not say, and does not stop
            handler.send_response(200)
            handler.send_header("Content-Type", "image/png")
            handler.end_headers()
            for _ in range(40):
                handler.wfile.write(b"\0" * 4096)
            return None
        if path == "/slow.png":
            self.release.wait(10)
            return self.send(handler, 200, self.files["/rubric.png"], "image/png")
        if path in ("/drip.png", "/trickle.png"):
            # A byte at a time, each in good time, so no read ever times out:
            # an endless header, or a body that never ends.
            handler.send_response(200)
            handler.send_header("Content-Length", "1000")
            if path == "/drip.png":
                handler.wfile.write(b"X-Slow: ")
            else:
                handler.end_headers()
            for _ in range(50):  # five seconds, far past the importer's patience
                if self.release.wait(0.1):
                    break
                handler.wfile.write(b"a")
                handler.wfile.flush()
            return None
        if path == "/moved.png":
            return self.redirect(handler, 301, "/rubric-large.png")
        if path == "/sneaky.png":  # to the same server under a name nobody allowed
            return self.redirect(handler, 302, f"http://localhost:{self.server.server_port}/rubric.png")
        return self.send(handler, 404, b"Not found", "text/plain")

    @staticmethod
    def send(handler, status: int, content: bytes, kind: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    @staticmethod
    def redirect(handler, status: int, location: str) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


@pytest.fixture
def old_site(settings):
    # The test client's host only: 127.0.0.1 is the old site here, not ours.
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.IMAGE_MAX_BYTES = LIMIT
    site = OldSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.release.set()
    site.server.shutdown()
    site.server.server_close()
    thread.join()


def wxr(items: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:author><wp:author_id>1</wp:author_id><wp:author_login>mrivera</wp:author_login>
    <wp:author_display_name>Marta Rivera</wp:author_display_name></wp:author>
  {items}
</channel>
</rss>"""


def post_item(key: str, title: str, body: str, *, thumbnail: str = "", kind: str = "post") -> str:
    meta = f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{thumbnail}</wp:meta_value>"
    return f"""<item>
    <title>{title}</title><dc:creator>mrivera</dc:creator>
    <content:encoded><![CDATA[{body}]]></content:encoded>
    <wp:post_id>{key}</wp:post_id><wp:post_date_gmt>2025-11-03 08:30:00</wp:post_date_gmt>
    <wp:post_name>{key}-{title.lower().replace(" ", "-")}</wp:post_name><wp:status>publish</wp:status>
    <wp:post_type>{kind}</wp:post_type>{meta + "</wp:postmeta>" if thumbnail else ""}
  </item>"""


def attachment(key: str, url: str, alt: str) -> str:
    return f"""<item>
    <title>cover</title><wp:post_id>{key}</wp:post_id><wp:status>inherit</wp:status>
    <wp:post_type>attachment</wp:post_type><wp:attachment_url>{url}</wp:attachment_url>
    <wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>{alt}</wp:meta_value></wp:postmeta>
  </item>"""


def export(tmp_path: Path, site: OldSite) -> Path:
    """A WordPress blog with images that come, images that cannot, and one
    image used twice in a post, in two posts and in a page."""
    b = site.base
    essay = (
        f'<p>Start with the criteria.</p><figure><img src="{b}/rubric.png" alt="A four-level rubric" '
        f'srcset="{b}/rubric.png 1x, {b}/rubric-large.png 2x" sizes="100vw"></figure>'
        f'<p><img src="{b}/rubric.png" alt="The rubric again"></p>'
        f'<p><img src="{b}/moved.png"></p>'
        f'<p><img src="{b}/missing.png" alt="Gone"></p><p><img src="{b}/page.png" alt="Not a picture"></p>'
    )
    practice = (
        f'<p>Three questions.</p><p><img src="{b}/rubric.png" alt="Same rubric"></p>'
        f'<p><img src="{b}/huge.png" alt="Huge"></p><p><img src="{b}/endless.png" alt="Endless"></p>'
        f'<p><img src="{b}/sneaky.png" alt="Sneaky"></p>'
    )
    about = f'<p>Who we are.</p><p><img src="{b}/rubric.png" alt="Our rubric"></p>'
    path = tmp_path / "export.xml"
    path.write_text(
        wxr(
            post_item("12", "Marking essays", essay, thumbnail="31")
            + post_item("13", "Retrieval practice", practice)
            + post_item("14", "About us", about, kind="page")
            + attachment("31", f"{b}/cover.jpg", "Pupils marking essays")
        )
    )
    return path


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *map(str, args), stdout=out)
    return out.getvalue()


def media_files(settings) -> list[Path]:
    return sorted(files_under(settings.MEDIA_ROOT))


def shown_images(html: str) -> list[str]:
    return re.findall(r'<img\b[^>]*?\bsrc="([^"]*)"', html)


def test_images_come_along_and_the_pages_show_them(client, old_site, settings, tmp_path):
    out = run("import_wordpress", export(tmp_path, old_site), "--allow-image-host", "127.0.0.1")

    essay = Post.objects.get(title="Marking essays")
    images = {image.source_url: image for image in essay.images.all()}
    rubric, moved = images[f"{old_site.base}/rubric.png"], images[f"{old_site.base}/moved.png"]
    assert rubric.alt == "A four-level rubric"
    assert moved.alt == "Marking essays"  # no alt text on the old site: the post's title
    assert (moved.width, moved.height) == (80, 60)  # the redirect was followed
    assert rubric.image.url.startswith(settings.MEDIA_URL) and rubric.image.name.endswith(".png")
    # Stored as an upload is, in a random folder of its own (skolr_blog.upload_paths).
    assert re.fullmatch(r"posts/inline/\d{4}/[a-z0-9]{12}/rubric\.png", rubric.image.name), rubric.image.name
    # Both uses of the rubric point at its copy here; the old site's other sizes are gone.
    assert essay.body.count(f'src="{rubric.image.url}"') == 2
    assert "srcset" not in essay.body and "sizes=" not in essay.body
    assert f'src="{moved.image.url}"' in essay.body

    page = client.get(essay.get_absolute_url())
    assert page.status_code == 200
    shown = shown_images(page.content.decode())
    assert rubric.image.url in shown and moved.image.url in shown
    assert not any(src.startswith(old_site.base + "/rubric") for src in shown)

    # The featured image is the thumbnail, described by its alt text on WordPress, its metadata gone.
    assert essay.thumbnail.name.startswith("posts/") and essay.thumbnail_alt == "Pupils marking essays"
    assert (essay.thumbnail_width, essay.thumbnail_height) == (64, 48)
    with essay.thumbnail.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif()

    # Each address was downloaded once, however often it is used.
    assert old_site.requests["/rubric.png"] == 1
    about = Page.objects.get(slug="14-about-us")
    (page_image,) = about.images.all()
    assert page_image.alt == "Our rubric" and page_image.image.name.startswith("pages/inline/")
    assert f'src="{page_image.image.url}"' in about.body
    assert shown_images(client.get(about.get_absolute_url()).content.decode()) == [page_image.image.url]
    practice = Post.objects.get(title="Retrieval practice")
    assert practice.images.get().alt == "Same rubric"
    assert out.startswith("Downloading 8 images from the old site…")
    assert "Images: 3 downloaded, 2 reused, 5 failed." in out


def test_images_that_cannot_be_had_keep_their_address_and_are_named(old_site, tmp_path):
    out = run("import_wordpress", export(tmp_path, old_site), "--allow-image-host", "127.0.0.1")

    b = old_site.base
    essay, practice = Post.objects.get(title="Marking essays"), Post.objects.get(title="Retrieval practice")
    for post, path in [
        (essay, "missing.png"),
        (essay, "page.png"),
        (practice, "huge.png"),
        (practice, "endless.png"),
        (practice, "sneaky.png"),
    ]:
        assert f'src="{b}/{path}"' in post.body, path
        assert not post.images.filter(source_url=f"{b}/{path}").exists()
    problem = "; it stays on the old site, which readers' browsers do not load here."
    assert f"“Marking essays”: image {b}/missing.png not imported (the server answered 404 Not Found){problem}" in out
    assert (
        f"post “Marking essays”: image {b}/page.png not imported "
        f"(this file is not a complete JPEG, PNG, GIF or WebP image){problem}"
    ) in out
    assert f"post “Retrieval practice”: image {b}/huge.png not imported (larger than 58.6 KB){problem}" in out
    assert f"post “Retrieval practice”: image {b}/endless.png not imported (larger than 58.6 KB){problem}" in out
    # The redirect led to a name that was not allowed: it was not followed.
    assert re.search(
        f"post “Retrieval practice”: image {b}/sneaky.png not imported "
        rf"\(localhost resolves to (127\.0\.0\.1|::1), which is a private or local address\){re.escape(problem)}",
        out,
    )
    assert old_site.requests["/rubric.png"] == 1
    assert "Posts: 2 created." in out and "Pages: 1 created." in out


def test_a_slow_image_is_given_up_and_the_rest_come(old_site, tmp_path):
    b = old_site.base
    path = tmp_path / "export.xml"
    body = (
        f'<p><img src="{b}/slow.png" alt="Slow"></p><p><img src="{b}/drip.png" alt="Drip"></p>'
        f'<p><img src="{b}/trickle.png" alt="Trickle"></p>'
        f'<p><img src="{b}/rubric.png" alt="Quick"></p>'
    )
    path.write_text(wxr(post_item("12", "Marking essays", body)))

    out = run("import_wordpress", path, "--allow-image-host", "127.0.0.1", "--image-timeout", "0.5")

    post = Post.objects.get()
    assert f'src="{b}/slow.png"' in post.body
    assert f"image {b}/slow.png not imported (no complete answer within 0.5 seconds)" in out
    assert f"image {b}/drip.png not imported (no complete answer within 0.5 seconds)" in out
    assert f"image {b}/trickle.png not imported (no complete answer within 0.5 seconds)" in out
    assert post.images.get().alt == "Quick"
    assert "Images: 1 downloaded, 3 failed." in out


@pytest.mark.parametrize("seconds", ["0", "-1", "soon", "601"])
def test_a_time_limit_that_is_no_time_is_refused(old_site, tmp_path, seconds):
    with pytest.raises(CommandError, match="--image-timeout"):
        run("import_wordpress", export(tmp_path, old_site), "--image-timeout", seconds)
    assert not Post.objects.exists() and sum(old_site.requests.values()) == 0


def test_a_private_address_is_not_fetched_unless_the_import_allows_it(old_site, settings, tmp_path):
    """The file decides the addresses: an export pointing at the server's own
    network (127.0.0.1, 10.x, the cloud's metadata address) must not make
    the server fetch them for whoever uploaded it."""
    out = run("import_wordpress", export(tmp_path, old_site))

    assert sum(old_site.requests.values()) == 0
    essay = Post.objects.get(title="Marking essays")
    assert f'src="{old_site.base}/rubric.png"' in essay.body
    assert not PostImage.objects.exists() and not PageImage.objects.exists() and not essay.thumbnail
    assert (
        f"post “Marking essays”: image {old_site.base}/rubric.png not imported "
        "(127.0.0.1 is a private or local address)"
    ) in out
    assert "featured image" in out and "give --allow-image-host with its host." in out
    assert media_files(settings) == []


def test_running_the_import_again_downloads_nothing_and_doubles_nothing(old_site, settings, tmp_path):
    path = export(tmp_path, old_site)
    run("import_wordpress", path, "--allow-image-host", "127.0.0.1")
    requests, files = sum(old_site.requests.values()), media_files(settings)
    stored = sorted(PostImage.objects.values_list("post__slug", "source_url", "image"))
    bodies = sorted(Post.objects.values_list("body", "thumbnail"))

    again = run("import_wordpress", path, "--allow-image-host", "127.0.0.1")
    assert "Posts: 2 skipped." in again and "Images" not in again and "Downloading" not in again

    updated = run("import_wordpress", path, "--allow-image-host", "127.0.0.1", "--update")
    assert "Posts: 2 updated." in updated and "Images: 4 reused, 5 failed." in updated
    assert "Downloading 5 images" in updated

    # Only the images that failed were asked for again.
    assert sum(old_site.requests.values()) - requests == 5
    assert media_files(settings) == files
    assert sorted(PostImage.objects.values_list("post__slug", "source_url", "image")) == stored
    assert sorted(Post.objects.values_list("body", "thumbnail")) == bodies
    assert PageImage.objects.count() == 1


def test_a_rolled_back_import_leaves_no_files(monkeypatch, old_site, settings, tmp_path):
    def fail(*args):
        raise importers.ImportProblem("the tags could not be described.")

    monkeypatch.setattr(importers, "_describe_tags", fail)

    with pytest.raises(CommandError, match="Nothing was imported"):
        run("import_wordpress", export(tmp_path, old_site), "--allow-image-host", "127.0.0.1")

    assert old_site.requests["/rubric.png"] == 1  # downloaded, then removed with the rest
    assert not Post.objects.exists() and not PostImage.objects.exists() and not PageImage.objects.exists()
    assert media_files(settings) == []


def test_no_images_leaves_them_on_the_old_site_and_says_so(old_site, settings, tmp_path):
    out = run("import_wordpress", export(tmp_path, old_site), "--no-images")

    assert sum(old_site.requests.values()) == 0 and media_files(settings) == []
    assert f'src="{old_site.base}/rubric.png"' in Post.objects.get(title="Marking essays").body
    assert "post “Marking essays”: its images stay on 127.0.0.1" in out
    assert f"post “Marking essays”: featured image {old_site.base}/cover.jpg not imported (--no-images)" in out
    assert "Images:" not in out


def test_ghost_feature_images_and_profile_images_come_along(client, old_site, tmp_path):
    data = {
        "posts": [
            {
                "id": "1",
                "title": "Retrieval practice",
                "slug": "retrieval-practice",
                "html": '<figure><img src="__GHOST_URL__/rubric.png" alt="A quiz" '
                'srcset="__GHOST_URL__/size/w600/rubric.png 600w"></figure>',
                "feature_image": "__GHOST_URL__/cover.jpg",
                "status": "published",
                "published_at": "2025-10-06T08:00:00.000Z",
                "type": "post",
            }
        ],
        "posts_meta": [{"post_id": "1", "feature_image_alt": "Pupils answering three questions"}],
        "posts_authors": [{"post_id": "1", "author_id": "1"}],
        "users": [{"id": "1", "name": "Ines Duarte", "slug": "ines", "profile_image": "__GHOST_URL__/ines.png"}],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"db": [{"data": data}]}))

    out = run("import_ghost", path, "--site-url", old_site.base, "--allow-image-host", "127.0.0.1")

    post = Post.objects.get()
    assert post.thumbnail and post.thumbnail_alt == "Pupils answering three questions"
    assert f'src="{post.images.get().image.url}"' in post.body and "srcset" not in post.body
    ines = Author.objects.get(slug="ines")
    assert ines.photo.name.startswith("authors/") and (ines.photo.width, ines.photo.height) == (32, 32)
    assert ines.photo.url in client.get(ines.get_absolute_url()).content.decode()
    assert "Images: 3 downloaded." in out


def test_editors_see_a_pages_images_in_its_form(client, old_site, tmp_path):
    run("import_wordpress", export(tmp_path, old_site), "--allow-image-host", "127.0.0.1")
    client.force_login(make_user(groups=[EDITORS]))
    page = Page.objects.get()

    form = client.get(f"/admin/posts/page/{page.pk}/change/")

    assert form.status_code == 200
    assert f"<code>{page.images.get().image.url}</code>" in form.content.decode()


# --- The fetching rules themselves ------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata services
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4 loopback written as IPv6
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
    ],
)
def test_only_public_addresses_count_as_public(address, public):
    assert public_address(address) is public


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/x.png", "only http and https addresses are fetched"),
        ("file:///etc/passwd", "only http and https addresses are fetched"),
        ("http:///x.png", "the address has no host"),
        ("http://127.0.0.1:99999/x.png", "not a valid address"),
        ("http://10.0.0.1/x.png", "10.0.0.1 is a private or local address"),
        ("http://localhost/x.png", "which is a private or local address"),
    ],
)
def test_addresses_that_are_refused_before_any_connection(url, message):
    with pytest.raises(Refused, match=re.escape(message)):
        fetch(url, io.BytesIO(), Policy(timeout=1))


def test_allowing_a_host_allows_that_host_only(old_site):
    policy = Policy(timeout=2, allowed_hosts=frozenset({"127.0.0.1"}))
    into = io.BytesIO()
    fetch(f"{old_site.base}/rubric.png", into, policy)
    assert into.getvalue() == old_site.files["/rubric.png"]

    with pytest.raises(PrivateAddress):
        fetch(f"http://localhost:{old_site.server.server_port}/rubric.png", io.BytesIO(), policy)


def test_an_image_pasted_as_data_is_named_in_the_summary(old_site, tmp_path):
    """The sanitizer keeps no ``data:`` address: the image is left out, and
    the summary says so rather than the post silently showing nothing there."""
    body = '<p>Look:</p><p><img src="data:image/png;base64,iVBORw0KGgo=" alt="Pasted"></p>'
    path = tmp_path / "export.xml"
    path.write_text(wxr(post_item("21", "Pasted screenshot", body)))

    out = run("import_wordpress", path)

    post = Post.objects.get(title="Pasted screenshot")
    assert "data:" not in post.body and "Look:" in post.body
    assert (
        "post “Pasted screenshot”: left out an image pasted into the text itself (a data: address), "
        "which is not stored."
    ) in out
