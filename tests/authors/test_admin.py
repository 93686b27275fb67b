"""Editing in the admin: lists work, and authors stay within their own work."""

import contextlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from authors.roles import AUTHORS, EDITORS
from posts.models import CoAuthor, Post
from posts.templatetags.pictures import rendition
from tests.factories import admin_post_form, files_under, image_upload, make_author, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(client):
    user = make_user("writer", groups=[AUTHORS])
    author = make_author(user=user, name="Writer", slug="writer")
    client.force_login(user)
    return author


def test_superuser_admin_lists_render(client, seed):
    client.force_login(make_user("root", is_superuser=True, staff=True))
    for url in [
        "/admin/",
        "/admin/posts/post/",
        "/admin/posts/post/?status__exact=draft",
        f"/admin/posts/post/{seed.pk}/change/",
        "/admin/posts/post/add/",
        "/admin/authors/author/",
        f"/admin/authors/author/{seed.author.pk}/change/",
        "/admin/taggit/tag/",
        "/admin/django_comments_xtd/xtdcomment/",
        "/admin/posts/post/?q=FastAPI",
    ]:
        assert client.get(url).status_code == 200, url
    changelist = client.get("/admin/posts/post/").content.decode()
    assert seed.title in changelist and "Published" in changelist


def test_author_sees_and_changes_only_their_own_posts(client, writer):
    own = make_post(author=writer, title="My own post")
    other = make_post(title="Someone else's post")

    listing = client.get("/admin/posts/post/").content.decode()
    assert "My own post" in listing and "Someone else&#x27;s post" not in listing
    assert client.get(f"/admin/posts/post/{own.pk}/change/").status_code == 200
    # Another author's post does not exist as far as this author is concerned.
    response = client.get(f"/admin/posts/post/{other.pk}/change/")
    assert response.status_code == 302
    forged = client.post(f"/admin/posts/post/{other.pk}/change/", {"title": "Hijacked"})
    assert forged.status_code == 302
    other.refresh_from_db()
    assert other.title == "Someone else's post"
    assert client.post(f"/admin/posts/post/{other.pk}/delete/", {"post": "yes"}).status_code == 302
    assert Post.objects.filter(pk=other.pk).exists()


def test_new_post_is_signed_by_the_author_whatever_the_form_says(client, writer):
    someone = make_author(slug="someone")
    response = client.post("/admin/posts/post/add/", admin_post_form(author=someone.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Post.objects.get(slug="fresh-draft").author == writer


def test_thumbnail_without_alt_text_is_refused_with_a_message(client, writer):
    response = client.post(
        "/admin/posts/post/add/", admin_post_form(title="Pictured", slug="pictured", thumbnail=image_upload())
    )
    assert response.status_code == 200
    assert "Describe the thumbnail for readers who cannot see it." in response.content.decode()
    assert not Post.objects.filter(slug="pictured").exists()


def test_publishing_without_a_date_is_refused_with_a_message(client, writer):
    writer.user.user_permissions.add(Permission.objects.get(codename="publish_post"))
    response = client.post("/admin/posts/post/add/", admin_post_form(title="Now", slug="now", status="published"))
    assert "Write an excerpt before publishing" in response.content.decode()
    assert not Post.objects.filter(slug="now").exists()


def test_author_edits_only_their_own_profile(client, writer):
    other = make_author(slug="other", bio="Original bio")
    assert client.get(f"/admin/authors/author/{writer.pk}/change/").status_code == 200
    assert client.get(f"/admin/authors/author/{other.pk}/change/").status_code == 302
    client.post(f"/admin/authors/author/{other.pk}/change/", {"name": "Other", "bio": "Defaced"})
    other.refresh_from_db()
    assert other.bio == "Original bio"
    listing = client.get("/admin/authors/author/").content.decode()
    assert "Writer" in listing and f"/admin/authors/author/{other.pk}/change/" not in listing


def test_author_photo_must_be_an_image(client, writer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/admin/authors/author/{writer.pk}/change/",
        {"name": "Writer", "photo": SimpleUploadedFile("photo.png", b"not an image at all", "image/png")},
    )
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    writer.refresh_from_db()
    assert not writer.photo


def test_a_refused_profile_keeps_the_photo_and_saves_it_next_time(client, writer):
    change = f"/admin/authors/author/{writer.pk}/change/"
    profile = {"name": "Writer", "bio": "Writes.", "comment_notifications": "each"}
    refused = client.post(change, profile | {"website": "my site", "photo": image_upload("me.png", size=(32, 32))})
    page = refused.content.decode()
    assert "Enter a valid URL." in page
    assert "Kept from your last try: me.png. Choose another file to replace it." in page
    kept = re.search(r'name="photo__staged" value="([^"]+)"', page).group(1)

    response = client.post(change, profile | {"website": "https://example.com/", "photo__staged": kept})
    assert response.status_code == 302, response.content.decode()[:2000]
    writer.refresh_from_db()
    assert writer.photo.name.startswith("authors/") and writer.photo.name.endswith("/me.png")
    assert writer.photo.width == 32 and writer.website == "https://example.com/"


def test_editor_lists_and_picks_any_author_for_a_new_post(client):
    someone = make_author(name="Someone Else", slug="someone-else")
    make_author(name="Another Writer", slug="another-writer")
    editor = make_user("editor", groups=[EDITORS])
    client.force_login(editor)

    listing = client.get("/admin/authors/author/").content.decode()
    assert "Someone Else" in listing and "Another Writer" in listing and "2 authors" in listing
    # Editors view authors; changing a profile stays with its owner.
    assert "Save" not in client.get(f"/admin/authors/author/{someone.pk}/change/").content.decode()

    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "posts", "model_name": "post", "field_name": "author", "term": "Someone"},
    ).json()
    assert [result["text"] for result in found["results"]] == ["Someone Else"]

    response = client.post("/admin/posts/post/add/", admin_post_form(author=found["results"][0]["id"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Post.objects.get(slug="fresh-draft").author == someone


def test_the_authors_list_counts_posts_as_readers_do_co_written_ones_too(client):
    """Found by QA: the list's *Posts* counted the posts an author signs
    first, drafts and the trash included, and none they co-wrote, while the
    authors' page counts their published posts, co-written ones too."""
    ada = make_author(name="Ada Lovelace", slug="ada")
    other = make_author(name="Other Writer", slug="other")
    make_post(author=ada)
    make_post(author=ada, status=Post.Status.DRAFT, published_at=None)
    make_post(author=ada, status=Post.Status.DRAFT, published_at=None, trashed_at=timezone.now())
    co_written = make_post(author=other)
    CoAuthor.objects.create(post=co_written, author=ada, position=1)
    client.force_login(make_user("editor", groups=[EDITORS]))

    listing = client.get("/admin/authors/author/", {"o": "4"}).content.decode()
    rows = {
        name: re.findall(r'<td class="field-(?:published|post)_count">(\d+)</td>', row)
        for name, row in re.findall(r"<tr>.*?>(Ada Lovelace|Other Writer)</a>(.*?)</tr>", listing, re.S)
    }
    assert rows == {"Ada Lovelace": ["2", "3"], "Other Writer": ["1", "1"]}
    assert re.search(r"column-published_count.*?Published.*?column-post_count.*?Posts", listing, re.S)
    assert client.get("/authors/").content.decode().count("2 articles") == 1  # the same as readers see


def test_an_authors_post_list_filters_only_their_own_posts(client, writer):
    make_post(author=writer, status="draft", published_at=None, tags=["Mine"])
    make_post(status="draft", published_at=None, tags=["Secret plans"])
    page = client.get("/admin/posts/post/").content.decode()
    assert "By Tags" in page and "Mine" in page
    assert "Secret plans" not in page
    assert "By author" not in page
    assert "Filter by publish date" not in page  # no post of theirs has one

    make_post(author=writer, published_at=timezone.now() - timedelta(days=400))
    assert "Filter by publish date" in client.get("/admin/posts/post/").content.decode()


def test_an_author_deleted_without_posts_takes_their_photo_file(client, django_capture_on_commit_callbacks):
    """An administrator deletes a profile that has no posts (the posts'
    author is protected): the photo is not left public at its address."""
    client.force_login(make_user("boss", is_superuser=True, staff=True))
    author = make_author(slug="leaving", photo=image_upload("leaving.png"))
    photo = Path(author.photo.path)
    assert photo.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/authors/author/{author.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not photo.exists()


def photo_and_rendition(author) -> list[Path]:
    """The files of ``author``'s photo as stored: itself and a rendition (sorl-thumbnail's)."""
    url = rendition(author.photo, "40x40", format="WEBP")[0]
    return [Path(author.photo.path), Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)]


@pytest.mark.parametrize("change", ["replaced", "cleared"])
def test_a_replaced_or_cleared_photo_goes_once_the_profile_is_saved(
    client, writer, change, django_capture_on_commit_callbacks
):
    """Found by QA: an author's old photo stayed public at its address,
    which no profile named any more."""
    writer.photo = image_upload("embarrassing.png")
    writer.save()
    old = photo_and_rendition(writer)
    assert all(path.exists() for path in old)
    profile = {"name": "Writer", "bio": writer.bio, "comment_notifications": "each"}
    new = {"replaced": {"photo": image_upload("new.png", colour="red")}, "cleared": {"photo-clear": "on"}}[change]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/authors/author/{writer.pk}/change/", profile | new)
    assert response.status_code == 302, response.content.decode()[:2000]
    writer.refresh_from_db()
    assert not any(path.exists() for path in old)
    assert [path.name for path in files_under(settings.MEDIA_ROOT / "authors")] == (
        [Path(writer.photo.name).name] if change == "replaced" else []
    )


def test_a_refused_or_undone_save_keeps_the_photo_it_would_have_replaced(
    client, writer, django_capture_on_commit_callbacks
):
    writer.photo = image_upload("kept.png")
    writer.save()
    old = Path(writer.photo.path)
    profile = {"name": "Writer", "bio": writer.bio, "comment_notifications": "each"}

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            f"/admin/authors/author/{writer.pk}/change/", profile | {"website": "my site", "photo-clear": "on"}
        )
    assert refused.status_code == 200 and old.exists()

    with django_capture_on_commit_callbacks(execute=True), contextlib.suppress(RuntimeError), transaction.atomic():
        writer.photo = image_upload("never.png")
        writer.save()
        raise RuntimeError("something after the save failed")
    assert old.exists()
    writer.refresh_from_db()
    assert writer.photo.path == str(old)


@pytest.mark.django_db(transaction=True)
def test_the_old_photo_goes_when_the_save_really_commits(client):
    """As served: the admin's save commits, and a save outside any
    transaction (a shell, a script) is committed as it returns."""
    user = make_user("writer", groups=[AUTHORS])
    author = make_author(user=user, photo=image_upload("first.png"))
    first = Path(author.photo.path)
    client.force_login(user)
    profile = {"name": author.name, "bio": author.bio, "comment_notifications": "each"}
    response = client.post(
        f"/admin/authors/author/{author.pk}/change/", profile | {"photo": image_upload("second.png")}
    )
    assert response.status_code == 302 and not first.exists()

    author.refresh_from_db()
    second = Path(author.photo.path)
    author.photo = image_upload("third.png")
    author.save()
    assert not second.exists() and Path(author.photo.path).exists()
