"""Uploaded images are stored at addresses nobody can guess, which still
end in the file's own name (skolr_blog.upload_paths): nginx serves /media/
to anyone who asks, so an embargoed draft's images are private only while
their addresses are unknown."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from authors.roles import EDITORS
from posts.models import Page, Post
from skolr_blog.upload_paths import ALPHABET, LENGTH, UnguessablePath
from tests.factories import admin_post_form, make_page, make_post, make_user, png_bytes
from tests.posts.test_images import upload

pytestmark = pytest.mark.django_db

RANDOM = rf"[{ALPHABET}]{{{LENGTH}}}"


def media_file(settings, address: str) -> Path:
    return Path(settings.MEDIA_ROOT) / address.removeprefix(settings.MEDIA_URL)


def body_of(page: str) -> str:
    return page.split('<div class="prose">')[1].split("</div>")[0]


def test_the_random_part_is_at_least_fifty_bits():
    assert len(set(ALPHABET)) ** LENGTH >= 2**60


def test_two_thumbnails_of_the_same_name_get_different_unguessable_addresses(client, writer, settings):
    """The story: a draft about an acquisition, its picture uploaded before
    the announcement. Its address ends in the name the author gave it, after
    a random folder, so the picture is not found by guessing
    /media/posts/<year>/acme-acquisition.png; a second upload of the same
    name gets another folder, not a name derived from the first's."""
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    for slug in ("embargoed", "second"):
        form = admin_post_form(
            title=slug,
            slug=slug,
            thumbnail=upload("acme-acquisition.png", png_bytes(size=(900, 500))),
            thumbnail_alt="A",
        )
        assert client.post("/admin/posts/post/add/", form).status_code == 302
    first, second = (Post.objects.get(slug=slug).thumbnail for slug in ("embargoed", "second"))

    for thumbnail in (first, second):
        assert re.fullmatch(rf"posts/\d{{4}}/{RANDOM}/acme-acquisition\.png", thumbnail.name), thumbnail.name
        assert media_file(settings, thumbnail.url).is_file()
    assert first.name != second.name
    guessable = Path(settings.MEDIA_ROOT) / Path(first.name).parent.parent / "acme-acquisition.png"
    assert not guessable.exists()

    # Its author previews the draft: the thumbnail shows through its renditions,
    # whose names give away neither the file's name nor its folder.
    page = client.get(Post.objects.get(slug="embargoed").get_absolute_url()).content.decode()
    figure = re.search(r'<figure class="post-thumbnail">(.*?)</figure>', page, re.S).group(1)
    assert f'<img src="{first.url}"' in figure
    renditions = re.findall(r"(/media/\S+) \d+w", figure)
    assert renditions and all(media_file(settings, address).is_file() for address in renditions)
    assert not any("acme" in address or Path(first.name).parent.name in address for address in renditions)


@pytest.mark.parametrize("owner", ["post", "page"])
def test_two_body_images_of_the_same_name_get_different_unguessable_addresses(client, settings, owner):
    """The editor's "Upload an image", into a post's body and into a page's:
    each upload its own random folder, and the article or page shows the
    image through its renditions."""
    client.force_login(make_user("chief", groups=[EDITORS]))
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    shown = make_post(status="draft", published_at=None) if owner == "post" else make_page(published=False)
    url = reverse(f"admin:posts_{owner}_upload_image", args=[shown.pk])
    addresses = []
    for _ in range(2):
        response = client.post(url, {"image": upload("acme-acquisition.png", png_bytes(size=(900, 500))), "alt": "A"})
        assert response.status_code == 201, response.content
        addresses.append(response.json()["url"])

    folder = "posts/inline" if owner == "post" else "pages/inline"
    for address in addresses:
        assert re.fullmatch(rf"/media/{folder}/\d{{4}}/{RANDOM}/acme-acquisition\.png", address), address
        assert media_file(settings, address).is_file()
    assert addresses[0] != addresses[1]

    model = Post if owner == "post" else Page
    model.objects.filter(pk=shown.pk).update(body=f'<p>Soon.</p><img src="{addresses[0]}" alt="A">')
    body = body_of(client.get(shown.get_absolute_url()).content.decode())
    assert f'<img src="{addresses[0]}" alt="A" width="900" height="500"' in body
    renditions = re.findall(r"(/media/\S+) \d+w", body)
    assert renditions and all(media_file(settings, address).is_file() for address in renditions)
    assert not any("acme" in address for address in renditions)


def test_an_authors_photo_gets_a_folder_of_its_own_too(client, writer, settings):
    change = f"/admin/authors/author/{writer.pk}/change/"
    profile = {"name": "Writer", "bio": "Writes.", "comment_notifications": "each"}
    response = client.post(change, profile | {"photo": upload("me.png", png_bytes(size=(32, 32)))})

    assert response.status_code == 302, response.content.decode()[:2000]
    writer.refresh_from_db()
    assert re.fullmatch(rf"authors/{RANDOM}/me\.png", writer.photo.name), writer.photo.name
    assert media_file(settings, writer.photo.url).is_file()


def test_an_image_stored_before_keeps_its_address(client, settings):
    """Nothing is renamed: a thumbnail stored as posts/<year>/<name> is
    still shown there, renditions and all."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    name = default_storage.save("posts/2025/old-cover.png", ContentFile(png_bytes(size=(900, 500))))
    post = make_post(thumbnail=name, thumbnail_alt="An old cover")

    page = client.get(post.get_absolute_url()).content.decode()
    assert f'<img src="/media/{name}"' in page and name == "posts/2025/old-cover.png"
    assert re.search(r'<source type="image/webp" srcset="/media/\S+ 480w', page)


def test_the_upload_to_is_named_in_migrations_by_its_folder():
    """A deconstructible ``upload_to``: its migration names the folder, and
    makemigrations sees no change while the folder is the same."""
    path = UnguessablePath("posts/%Y")
    assert path.deconstruct() == ("skolr_blog.upload_paths.UnguessablePath", ("posts/%Y",), {})
    assert path == UnguessablePath("posts/%Y") and path != UnguessablePath("authors")
    assert re.fullmatch(rf"posts/\d{{4}}/{RANDOM}/a\.png", path(None, "a.png"))
    assert re.fullmatch(rf"authors/{RANDOM}/b\.png", UnguessablePath("authors")(None, "some/where/b.png"))


def test_a_deleted_images_folder_goes_with_it(client, writer, settings, django_capture_on_commit_callbacks):
    """Each upload has a folder to itself: deleted, the image leaves no empty one behind."""
    post = make_post(author=writer, status="draft", published_at=None)
    url = reverse("admin:posts_post_upload_image", args=[post.pk])
    for name in ("first.png", "second.png"):
        assert client.post(url, {"image": upload(name, png_bytes()), "alt": "A"}).status_code == 201
    first, second = post.images.order_by("pk")
    folder = media_file(settings, first.image.url).parent

    with django_capture_on_commit_callbacks(execute=True):
        first.delete()

    assert not folder.exists()
    assert media_file(settings, second.image.url).is_file()  # the year's folder stays, and what it holds
