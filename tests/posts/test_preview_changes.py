"""*Preview changes* in the admin (posts.preview_changes): an author sees a
live post with the edits typed in its form, while readers still see it as
saved, and nothing is saved, sent or forgotten by the preview."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from authors.roles import AUTHORS, EDITORS
from posts.models import ChangeNote, CoAuthor, Post, PostImage, TaggedPost
from skolr_blog.page_cache import VERSION_KEY
from tests.factories import admin_post_form, files_under, image_upload, make_author, make_post, make_user

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def writer(writer):
    """The signed-in author, with the photo a published post's author needs."""
    writer.photo = image_upload("me.png")
    writer.save()
    return writer


@pytest.fixture
def live(writer):
    """The writer's post, live for a year, with a tag, a thumbnail and a change note."""
    post = make_post(
        author=writer,
        title="Timetables without tears",
        body="<p>The old paragraph.</p>",
        published_at=timezone.now() - timedelta(days=365),
        tags=["Schools"],
        thumbnail=image_upload("thumb.png"),
        thumbnail_alt="A blue rectangle",
    )
    ChangeNote.objects.create(post=post, note="Fixed a date.")
    return post


def preview_url(post: Post) -> str:
    return reverse("admin:posts_post_preview_changes", args=[post.pk])


def edited(post: Post, **fields) -> dict:
    """The post's change form as the browser sends it, with ``fields`` typed over it."""
    local = timezone.localtime(post.published_at)
    data = admin_post_form(
        title=post.title,
        slug=post.slug,
        excerpt=post.excerpt,
        body=post.body,
        thumbnail_alt=post.thumbnail_alt,
        status=post.status,
        published_at_0=local.strftime("%Y-%m-%d"),
        published_at_1=local.strftime("%H:%M:%S"),
        tags=[str(tag.pk) for tag in post.tags.all()],
        opened_version=post.updated_at.isoformat(),
    )
    notes = list(post.change_notes.all())
    data |= {"change_notes-TOTAL_FORMS": str(len(notes)), "change_notes-INITIAL_FORMS": str(len(notes))}
    for index, note in enumerate(notes):
        created = timezone.localtime(note.created_at)
        data |= {
            f"change_notes-{index}-id": str(note.pk),
            f"change_notes-{index}-post": str(post.pk),
            f"change_notes-{index}-note": note.note,
            f"change_notes-{index}-created_at_0": created.strftime("%Y-%m-%d"),
            f"change_notes-{index}-created_at_1": created.strftime("%H:%M:%S"),
        }
    return data | fields


def state(post: Post) -> tuple:
    """Everything a save would change about ``post``, as stored."""
    post = Post.objects.get(pk=post.pk)
    return (
        Post.objects.filter(pk=post.pk).values().get(),
        post.history.count(),
        sorted(post.tags.names()),
        list(post.change_notes.values_list("note", flat=True)),
        list(CoAuthor.objects.filter(post=post).values_list("author", flat=True)),
        Tag.objects.count(),
        TaggedPost.objects.count(),
    )


def test_the_preview_shows_the_edits_while_readers_see_the_post_as_saved(
    client, live, mailoutbox, django_capture_on_commit_callbacks, django_assert_max_num_queries, settings
):
    """The story: an author edits a live post's title, body, tags, alt text
    and change notes, adds a co-author, and previews. The new tab shows the
    article as it would be; the public page, the database, the page cache
    and the mailbox are as before."""
    co_author = make_author(name="Ada Lovelace", photo=image_upload("ada.png"))  # a bio and photo: publishable
    assert client.get(live.get_absolute_url()).status_code == 200  # read before: its pictures' renditions exist
    # So do the co-author's photo's: read on a post they already co-write.
    elsewhere = make_post(slug="co-written-before")
    CoAuthor.objects.create(post=elsewhere, author=co_author, position=0)
    assert "Photo of Ada Lovelace" in client.get(elsewhere.get_absolute_url()).content.decode()
    before, files, version = state(live), files_under(settings.MEDIA_ROOT), cache.get(VERSION_KEY)
    form = edited(
        live,
        title="Timetables, finally without tears",
        body='<p>The new paragraph.</p><script>alert("preview")</script><p onclick="steal()">Safe.</p>',
        tags=[],
        new_tags="Exams, schools",  # a new tag, and one that exists already (in another case)
        thumbnail_alt="A calendar",
        thumbnail=image_upload("new-thumb.png", colour="#ff0000"),  # checked, never stored
        **{
            "change_notes-0-note": "Fixed a date and a name.",
            "co_author_links-TOTAL_FORMS": "1",
            "co_author_links-0-author": str(co_author.pk),
            "co_author_links-0-position": "0",
        },
    )
    # 25 queries (the session, permissions, the post, what the admin checks
    # on save, the related posts) and 14 savepoints (the model's constraint
    # checks, the preview's own transaction) on SQLite.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, django_assert_max_num_queries(40) as queries:
        response = client.post(preview_url(live), form)

    page = response.content.decode()
    assert response.status_code == 200, page[:3000]
    assert "Preview of unsaved changes" in page and "nothing is saved; close this tab" in page
    assert "Readers still see the post as it was last saved." in page
    assert "The thumbnail is the saved one" in page
    assert '<h1 class="post-title">Timetables, finally without tears</h1>' in page
    assert "The new paragraph." in page and "The old paragraph." not in page
    assert 'alert("preview")' not in page and "steal()" not in page  # sanitized as on save
    assert 'alt="A calendar"' in page and live.thumbnail.url in page
    assert re.findall(r'rel="tag">([^<]+)<', page) == ["Exams", "Schools"]
    assert "Fixed a date and a name." in page and "Ada Lovelace" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert 'class="comment-form"' not in page and "comment-flag" not in page

    assert not [query["sql"] for query in queries.captured_queries if WRITES.match(query["sql"])]
    assert callbacks == [] and mailoutbox == []
    assert state(live) == before
    assert files_under(settings.MEDIA_ROOT) == files
    assert cache.get(VERSION_KEY) == version

    client.logout()
    public = client.get(live.get_absolute_url()).content.decode()
    assert "Timetables without tears" in public and "The old paragraph." in public
    assert "Preview of unsaved changes" not in public and "Ada Lovelace" not in public


def test_the_change_form_has_the_button_for_those_who_may_change_the_post(client, live):
    page = client.get(reverse("admin:posts_post_change", args=[live.pk])).content.decode()
    assert re.search(rf'value="Preview changes" formaction="{preview_url(live)}" formtarget="_blank"', page)
    assert "Preview changes" not in client.get(reverse("admin:posts_post_add")).content.decode()


def test_a_form_a_save_would_refuse_shows_why_with_what_was_typed(client, live, mailoutbox):
    before = state(live)
    response = client.post(
        preview_url(live),
        edited(
            live,
            title="",
            body='<p>Kept words.</p><iframe src="https://maps.example.com/embed"></iframe>',
            excerpt="",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "No preview: saved like this, the post would be refused" in page
    assert "Title</strong>: This field is required." in page
    assert "an embedded frame from maps.example.com" in page
    assert "&lt;p&gt;Kept words.&lt;/p&gt;" in page  # what was typed, as text
    assert "Write an excerpt before publishing" in page
    assert "no-store" in response["Cache-Control"]
    assert state(live) == before and mailoutbox == []


def test_another_authors_post_is_not_found_and_anonymous_users_log_in(client, writer):
    other = make_post(title="Someone else's draft", status="draft", published_at=None)
    response = client.post(preview_url(other), edited(make_post(author=writer), title="Mine now"))
    assert response.status_code == 404
    assert "Mine now" not in response.content.decode()

    anonymous = Client()
    response = anonymous.post(preview_url(other), admin_post_form(title="Anyone"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_a_co_author_previews_and_an_editor_previews_anyones_post(client, live):
    user = make_user("ada", groups=[AUTHORS])
    CoAuthor.objects.create(post=live, author=make_author(user=user, name="Ada"))
    client.force_login(user)
    response = client.post(preview_url(live), edited(live, title="Co-written better"))
    assert response.status_code == 200 and "Co-written better" in response.content.decode()

    client.force_login(make_user("ed", groups=[EDITORS]))
    form = edited(live, title="Edited by an editor", author=str(live.author_id))
    response = client.post(preview_url(live), form)
    assert response.status_code == 200 and "Edited by an editor" in response.content.decode()


def test_a_post_in_the_trash_cannot_be_previewed(client, live):
    Post.objects.filter(pk=live.pk).update(trashed_at=timezone.now(), status="draft")
    assert client.post(preview_url(live), edited(live)).status_code == 403


def test_only_a_post_with_a_csrf_token(live):
    client = Client(enforce_csrf_checks=True)
    client.force_login(live.author.user)
    assert client.post(preview_url(live), edited(live)).status_code == 403


def meta_dates(page: str) -> tuple:
    """The "Updated on" date the article shows, and the modified date its link-preview tags and JSON-LD give."""
    updated = re.search(r'class="post-updated">Updated on <time datetime="([^"]+)"', page)
    modified = re.search(r'<meta property="article:modified_time" content="([^"]+)"', page)
    json_ld = re.search(r'"dateModified":\s*"([^"]+)"', page)
    return (updated and updated.group(1), modified.group(1), json_ld.group(1))


def test_the_preview_says_updated_on_as_a_save_of_the_edits_would(client, live):
    """Found by QA: a save of a live post's new body says "Updated on …"
    and gives the new modified date to search engines and link previews;
    the preview showed neither. Both apply one rule (Post.derive_content)."""
    unchanged = client.post(preview_url(live), edited(live)).content.decode()
    assert meta_dates(unchanged) == (None, *[live.published_at.replace(microsecond=0).isoformat()] * 2)  # as typed

    before = timezone.now()
    page = client.post(preview_url(live), edited(live, body="<p>A brand new paragraph.</p>")).content.decode()
    updated, modified, json_ld = meta_dates(page)
    assert modified == json_ld
    assert updated == timezone.datetime.fromisoformat(modified).isoformat(timespec="seconds")  # as HTML allows
    assert before <= timezone.datetime.fromisoformat(modified) <= timezone.now()
    assert Post.objects.get(pk=live.pk).content_updated_at is None  # saved: still never updated

    response = client.post(reverse("admin:posts_post_change", args=[live.pk]), edited(live, body="<p>New.</p>"))
    assert response.status_code == 302
    assert meta_dates(client.get(live.get_absolute_url()).content.decode())[0] is not None


def test_a_draft_is_not_updated_on(client, writer):
    draft = make_post(author=writer, status="draft", published_at=None)
    page = client.post(preview_url(draft), edited(draft, body="<p>Rewritten.</p>")).content.decode()
    assert "Rewritten." in page and "Updated on" not in page


@pytest.fixture
def shown_image(live):
    """A body image the live post's body shows."""
    image = PostImage.objects.create(post=live, image=image_upload("body.png"), alt="A diagram")
    Post.objects.filter(pk=live.pk).update(
        body=f'<p>Text</p><figure><img src="{image.image.url}" alt="A diagram"></figure>'
    )
    live.refresh_from_db()
    return image


def image_rows(*rows: dict) -> dict:
    """The body images' inline, with ``rows`` (an ``id`` for a saved image)."""
    initial = sum("id" in row for row in rows)
    data = {"images-TOTAL_FORMS": str(len(rows)), "images-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data |= {f"images-{index}-{name}": value for name, value in row.items()}
    return data


def test_an_image_the_body_shows_is_not_deleted_in_a_preview_either(client, live, shown_image):
    """Found by QA: the preview left out the checks of the body images'
    and preview links' lists, and showed the article for a form a save
    refuses. Every inline's list is checked, as the change view checks them."""
    before = state(live)
    row = {"id": str(shown_image.pk), "post": str(live.pk), "alt": "A diagram", "DELETE": "on"}
    response = client.post(preview_url(live), edited(live, **image_rows(row)))
    page = response.content.decode()
    assert response.status_code == 200
    assert "No preview: saved like this, the post would be refused" in page
    assert "“A diagram” is still shown in the body: take it out of the text before deleting" in page
    assert state(live) == before and PostImage.objects.filter(pk=shown_image.pk).exists()


def test_a_new_body_image_is_checked_and_neither_stored_nor_kept(client, live, settings):
    """Found by QA: a new body image without alt text was previewed. It is
    refused as on save; and, refused or not, its file is neither stored nor
    kept for the next try (``KeepsUploads``): a preview stores nothing."""
    assert client.get(live.get_absolute_url()).status_code == 200  # its thumbnail's renditions exist
    files = files_under(settings.MEDIA_ROOT)
    new = {"post": str(live.pk), "alt": "", "image": image_upload("new.png")}
    page = client.post(preview_url(live), edited(live, **image_rows(new))).content.decode()
    assert "No preview: saved like this, the post would be refused" in page
    assert "Alt text</strong>: This field is required." in page
    assert "Kept from your last try" not in page

    new = {"post": str(live.pk), "alt": "A new diagram", "image": image_upload("new.png")}
    response = client.post(preview_url(live), edited(live, **image_rows(new)))
    assert response.status_code == 200 and "Preview of unsaved changes" in response.content.decode()

    assert [key for key in cache._cache if "staged-upload:" in key] == []
    assert files_under(settings.MEDIA_ROOT) == files and not PostImage.objects.exists()


def test_a_preview_link_a_save_would_refuse_is_refused(client, live):
    past = timezone.localtime() - timedelta(days=1)
    rows = {
        "preview_links-TOTAL_FORMS": "1",
        "preview_links-INITIAL_FORMS": "0",
        "preview_links-0-post": str(live.pk),
        "preview_links-0-expires_at_0": past.strftime("%Y-%m-%d"),
        "preview_links-0-expires_at_1": past.strftime("%H:%M:%S"),
    }
    page = client.post(preview_url(live), edited(live, **rows)).content.decode()
    assert "This time has passed: the link would never work." in page


def test_the_address_opened_without_the_form_leads_to_the_form(client, live, writer):
    """Found by QA: after a session expired, the preview's tab showed the
    login page, which led back to the preview's address with a GET: an
    empty 405. The post's form says to preview from there."""
    anonymous = Client()
    response = anonymous.post(preview_url(live), edited(live, title="Typed before the session expired"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    anonymous.force_login(writer.user)  # signed in again, the login page goes to its "next"
    response = anonymous.get(preview_url(live), follow=True)
    change = reverse("admin:posts_post_change", args=[live.pk])
    assert response.redirect_chain == [(change, 302)]
    assert "Preview changes again from the post&#x27;s form" in response.content.decode()

    other = make_post(slug="someone-elses", status="draft", published_at=None)
    assert client.get(preview_url(other)).status_code == 404  # as before: not theirs to open
    Post.objects.filter(pk=live.pk).update(trashed_at=timezone.now(), status="draft")
    assert client.get(preview_url(live)).status_code == 403
    assert client.put(preview_url(live)).status_code == 405


def test_a_tag_id_no_database_takes_is_refused_in_the_form(live):
    """Found by QA: 25 digits as a tag's id were an OverflowError on SQLite (a 500)."""
    client = Client(raise_request_exception=False)
    client.force_login(live.author.user)
    page = client.post(preview_url(live), edited(live, tags=["9" * 25])).content.decode()
    assert "No preview: saved like this, the post would be refused" in page
    assert f"Select a valid choice. {'9' * 25} is not one of the available choices." in page
