"""*Duplicate as a new draft* (posts/duplicate.py): a post's form and the
list make a new draft from a post, "<title> (copy)" at a new address, with
its writing, tags, images, settings and signatures, and none of its life
(status, date, comments, notes, preview links, revisions, old addresses).
The copy shares the original's image files, and deleting either post keeps
what the other shows."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from authors.roles import AUTHORS, EDITORS, MODERATORS
from posts import duplicate as duplicating
from posts import trash
from posts.models import ChangeNote, CoAuthor, Post, PostImage, PreviewLink, SearchDocument, SlugRedirect
from tests.factories import admin_post_form, image_upload, make_author, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/posts/post/"


def duplicate_url(post: Post) -> str:
    return f"/admin/posts/post/{post.pk}/duplicate/"


def message(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def the_copy() -> Post:
    return Post.objects.get(title__endswith=" (copy)")


def with_body_image(post: Post, name: str = "figure.png") -> PostImage:
    """An image uploaded for ``post``'s body, and shown there."""
    image = PostImage.objects.create(post=post, image=image_upload(name, size=(60, 40)), alt="A figure")
    post.body += f'<p><img src="{image.image.url}" alt="A figure"></p>'
    post.save()
    return image


@pytest.fixture
def original():
    """A live, featured post by Skolr, with Bo then Ada after it, and all
    that a post gathers: comments, notes, preview links, an old address,
    revisions, a thumbnail and an image in its body."""
    skolr = make_author(name="Skolr", slug="skolr")
    ada, bo = make_author(name="Ada", slug="ada"), make_author(name="Bo", slug="bo")
    post = make_post(
        author=skolr,
        title="Ten lessons from a year of data",
        slug="ten-lessons-first",
        excerpt="What a year of school data taught us.",
        tags=["Schools", "Data"],
        featured=True,
        thumbnail=image_upload("cover.png"),
        thumbnail_alt="A chart",
        meta_title="Ten lessons",
        meta_description="A year of school data.",
        canonical_url="https://example.com/ten-lessons",
        noindex=True,
        allow_comments=False,
        comment_days=30,
    )
    post.slug = "ten-lessons"  # renamed while live: the old address redirects
    post.save()
    CoAuthor.objects.create(post=post, author=ada, position=2)
    CoAuthor.objects.create(post=post, author=bo, position=1)
    with_body_image(post)
    make_comment(post)
    ChangeNote.objects.create(post=post, note="Fixed a figure.")
    PreviewLink.objects.create(post=post)
    return post


def test_the_copy_is_a_new_draft_with_the_writing_and_none_of_the_originals_life(client, editor, original):
    form = client.get(f"/admin/posts/post/{original.pk}/change/").content.decode()
    button = re.search(r'<form method="post" action="([^"]+)" class="duplicate-post">(.*?)</form>', form, re.S)
    assert button and button[1] == duplicate_url(original)
    assert 'name="csrfmiddlewaretoken"' in button[2] and "Duplicate as a new draft" in button[2]

    revisions = original.history.count()
    response = client.post(duplicate_url(original))
    copy = the_copy()
    assert response.status_code == 302 and response["Location"] == f"/admin/posts/post/{copy.pk}/change/"
    assert message(response) == "“Ten lessons from a year of data” was duplicated: this is the copy, a draft."

    assert copy.title == "Ten lessons from a year of data (copy)" and copy.slug == "ten-lessons-copy"
    assert (copy.status, copy.published_at, copy.featured, copy.trashed_at) == ("draft", None, False, None)
    assert copy.content_updated_at is None
    for name in duplicating.COPIED_FIELDS:
        assert getattr(copy, name) == getattr(original, name), name
    assert copy.thumbnail.name == original.thumbnail.name  # the same file (see the module)
    assert copy.body == Post.objects.get(pk=original.pk).body
    assert sorted(copy.tags.names()) == ["Data", "Schools"]
    assert not copy.tagged_items.exclude(published_at=None).exists()  # a draft: on no tag page
    assert [author.name for author in copy.all_authors] == ["Skolr", "Bo", "Ada"]
    image = PostImage.objects.get(post=copy)
    assert (image.image.name, image.alt, image.width, image.height) == (
        PostImage.objects.get(post=original).image.name,
        "A figure",
        60,
        40,
    )
    assert not copy.change_notes.exists() and not copy.preview_links.exists() and not copy.old_slugs.exists()
    assert not Post.objects.filter(pk=copy.pk).with_comment_count().get().comment_count
    [revision] = copy.history.all()
    assert revision.history_user == editor and revision.history_type == "+"
    assert revision.history_change_reason == "Created as a copy of “Ten lessons from a year of data”"
    assert revision.co_authors == "Bo\nAda" and revision.status == "draft"
    assert revision.history_date == copy.updated_at  # dated as the save: "someone saved first" counts it as seen
    assert "Schools" in SearchDocument.objects.get(post=copy).tags  # found by its tags in search

    # The original is as it was, and the copy's form opens with its button.
    original.refresh_from_db()
    assert (original.status, original.featured, original.slug) == ("published", True, "ten-lessons")
    assert original.history.count() == revisions and SlugRedirect.objects.get().post == original
    form = client.get(response["Location"]).content.decode()
    assert "Ten lessons from a year of data (copy)" in unescape(form) and "duplicate-post" in form


def test_the_copys_address_is_no_posts_in_the_trash_or_an_old_one(client, editor):
    post = make_post(slug="lesson", title="Lesson")
    trash.move_to_trash(make_post(slug="lesson-copy"))
    SlugRedirect.objects.create(old_slug="lesson-copy-2", post=make_post(slug="elsewhere"))
    make_post(slug="lesson-copy-3")
    client.post(duplicate_url(post))
    client.post(duplicate_url(post))
    assert list(Post.objects.filter(title="Lesson (copy)").order_by("pk").values_list("slug", flat=True)) == [
        "lesson-copy-4",
        "lesson-copy-5",
    ]
    assert SlugRedirect.objects.get().post.slug == "elsewhere"  # its redirect stays


def test_a_long_title_and_slug_are_shortened_to_fit(client, editor):
    post = make_post(title="T" * 200, slug="s" * 200)
    client.post(duplicate_url(post))
    client.post(duplicate_url(post))
    first, second = Post.objects.exclude(pk=post.pk).order_by("pk")
    assert first.title == "T" * 192 + "… (copy)" and len(first.title) == 200
    assert (first.slug, second.slug) == ("s" * 195 + "-copy", "s" * 193 + "-copy-2")
    assert len(first.history.get().history_change_reason) == 100  # the column's length, on PostgreSQL too


def test_a_taken_address_found_on_saving_is_replaced_by_the_next(client, editor, monkeypatch):
    """Two clicks on the button at once choose the same address; the second
    save takes the next one rather than failing."""
    post = make_post(slug="lesson")
    make_post(slug="lesson-copy")
    chosen = iter([["lesson-copy"]])  # as if the other click's copy were saved after the lookup
    real = duplicating.free_slugs
    monkeypatch.setattr(duplicating, "free_slugs", lambda slugs: next(chosen, None) or real(slugs))
    assert client.post(duplicate_url(post)).status_code == 302
    assert Post.objects.filter(slug="lesson-copy-2").exists()


def test_an_author_duplicates_their_own_posts_and_co_written_ones_as_allowed_to_sign(client):
    user = make_user("writer", groups=[AUTHORS])
    me, ada = make_author(user=user, name="Me"), make_author(name="Ada", user=make_user("ada", groups=[AUTHORS]))
    mine, theirs = make_post(author=me, title="Mine"), make_post(author=ada, title="Ada's")
    CoAuthor.objects.create(post=mine, author=ada, position=1)
    CoAuthor.objects.create(post=theirs, author=me, position=1)
    client.force_login(user)

    client.post(duplicate_url(mine))
    assert [author.name for author in Post.objects.get(title="Mine (copy)").all_authors] == ["Me", "Ada"]
    response = client.post(duplicate_url(theirs))
    copy = Post.objects.get(title="Ada's (copy)")
    assert copy.all_authors == [me]  # only Ada or an editor chooses who signs her post
    assert "It is signed by you alone: only the post's author or an editor chooses who signs it." in message(response)
    assert copy.history.get().co_authors == ""


def test_who_may_not_duplicate_gets_what_the_admin_answers_and_nothing_is_made(client, original):
    count = Post.objects.count()
    assert Client().post(duplicate_url(original))["Location"].startswith("/admin/login/")

    client.force_login(make_user("moderator", groups=[MODERATORS]))
    assert client.post(duplicate_url(original)).status_code == 403

    writer = make_user("writer", groups=[AUTHORS])
    make_author(user=writer)
    client.force_login(writer)
    response = client.post(duplicate_url(original))  # another author's post: not found, as the change form
    assert response.status_code == 302 and "There is no post with ID" in message(response)
    client.force_login(make_user("no-profile", groups=[AUTHORS]))  # no author profile: may add no post
    assert client.post(duplicate_url(make_post())).status_code == 403

    client.force_login(make_user("editor", groups=[EDITORS]))
    assert client.get(duplicate_url(original)).status_code == 405  # a GET changes nothing
    assert Post.objects.count() == count + 1  # the no-profile author's post above


def test_a_post_in_the_trash_is_not_duplicated_and_the_form_says_why(client, editor, original):
    trash.move_to_trash(original)
    form = client.get(f"/admin/posts/post/{original.pk}/change/").content.decode()
    assert "duplicate-post" not in form
    response = client.post(duplicate_url(original))
    assert response["Location"] == f"/admin/posts/post/{original.pk}/change/"
    assert (
        message(response)
        == "“Ten lessons from a year of data” is in the trash and cannot be duplicated: restore it first."
    )
    assert not Post.objects.filter(title__endswith="(copy)").exists()


@pytest.mark.parametrize("deleted", ["original", "copy"])
def test_deleting_either_post_keeps_the_files_the_other_shows(
    client, editor, original, deleted, django_capture_on_commit_callbacks
):
    client.post(duplicate_url(original))
    posts = {"original": original, "copy": the_copy()}
    files = [Path(original.thumbnail.path), Path(PostImage.objects.get(post=original).image.path)]
    for post in (posts[deleted], *(post for name, post in posts.items() if name != deleted)):
        trash.move_to_trash(post)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/admin/posts/post/{post.pk}/delete/", {"post": "yes"}).status_code == 302
        if post is posts[deleted]:
            assert all(file.exists() for file in files)  # the other post shows them
    assert not Post.objects.exists() and not PostImage.objects.exists()
    assert not any(file.exists() for file in files)  # gone with the last post that showed them


def test_the_media_library_lists_the_copys_images_and_keeps_those_a_body_shows(client, editor, original):
    client.post(duplicate_url(original))
    page = client.get("/admin/posts/postimage/").content.decode()
    assert page.count('alt="True"') == 2  # each post's row, shown by its body
    image = PostImage.objects.get(post=original)
    response = client.post(f"/admin/posts/postimage/{image.pk}/delete/", {"post": "yes"}, follow=True)
    assert "“A figure” is shown in the body of" in response.content.decode()
    assert PostImage.objects.count() == 2


def test_the_lists_action_duplicates_the_selected_posts_and_links_the_copies(client, editor, original):
    other = make_post(title="Another one")
    listed = client.get(CHANGELIST).content.decode()
    assert '<option value="duplicate_selected">Duplicate the selected posts as new drafts</option>' in listed
    assert "duplicate_selected" not in client.get(f"{CHANGELIST}?state=trash").content.decode()

    response = client.post(CHANGELIST, {"action": "duplicate_selected", "_selected_action": [original.pk, other.pk]})
    assert response.status_code == 302
    copies = Post.objects.filter(title__endswith=" (copy)").order_by("pk")
    assert [copy.status for copy in copies] == ["draft", "draft"]
    said = client.get(response["Location"]).content.decode()
    links = "".join(f'“<a href="/admin/posts/post/{copy.pk}/change/">{copy.title}</a>”' for copy in copies)
    assert unescape(f"Duplicated 2 posts as new drafts: {links[:-1]}").replace("”“", "”, “") in unescape(said)


def test_the_lists_action_leaves_out_the_trash_and_other_authors_posts(client):
    user = make_user("writer", groups=[AUTHORS])
    me = make_author(user=user)
    mine, gone, theirs = make_post(author=me), make_post(author=me), make_post()
    trash.move_to_trash(gone)
    client.force_login(user)
    selected = {"action": "duplicate_selected", "_selected_action": [mine.pk, gone.pk, theirs.pk]}
    client.post(CHANGELIST, selected)
    assert list(Post.objects.filter(title__endswith=" (copy)").values_list("title", flat=True)) == [
        f"{mine.title} (copy)"
    ]
    client.force_login(make_user("moderator", groups=[MODERATORS]))
    assert client.post(CHANGELIST, selected).status_code == 403


def test_a_copy_costs_the_same_queries_however_many_tags_co_authors_and_images(
    client, editor, django_assert_max_num_queries
):
    def post_with(parts: int) -> Post:
        post = make_post(tags=[f"Tag {n}" for n in range(parts)])
        for n in range(parts):
            CoAuthor.objects.create(post=post, author=make_author(), position=n)
            with_body_image(post, f"image-{parts}-{n}.png")
        return post

    small, large = post_with(1), post_with(5)
    counts = []
    for post in (small, large):
        with django_assert_max_num_queries(34) as queries:  # 32 (SQLite and PostgreSQL alike)
            assert client.post(duplicate_url(post)).status_code == 302
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(55):  # the list's action (51): what saving a copy costs, for each post
        client.post(CHANGELIST, {"action": "duplicate_selected", "_selected_action": [small.pk, large.pk]})
    assert Post.objects.filter(title__endswith="(copy)").count() == 4


def test_a_thumbnail_replaced_on_either_post_stays_while_the_other_has_it(
    client, editor, original, django_capture_on_commit_callbacks
):
    client.post(duplicate_url(original))
    shared = Path(original.thumbnail.path)
    for post in (original, the_copy()):
        form = admin_post_form(
            title=post.title, slug=post.slug, author=post.author.pk, body=post.body,
            thumbnail=image_upload("new-cover.png", colour="red"), thumbnail_alt="A new chart",
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/admin/posts/post/{post.pk}/change/", form)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert shared.exists() == (post == original)  # the copy still has it; then gone with the last
