"""The posts' trash (posts/trash.py): "Delete" in the admin moves a post off
the blog into the trash, where it keeps everything and comes back as a
draft; only there is it deleted for good, by hand or by the worker after
BLOG["TRASH_DAYS"] days, with its comments."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from django_tasks_db.models import DBTaskResult

from authors.roles import AUTHORS, EDITORS
from posts import trash
from posts.exporters import build_wxr
from posts.models import Page, Post, PostImage, PreviewLink, Subscriber
from tests.comments.test_notifications import db_tasks, make_due, run_worker  # noqa: F401
from tests.factories import (
    admin_page_form,
    admin_post_form,
    image_upload,
    make_author,
    make_comment,
    make_page,
    make_post,
    make_user,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/posts/post/"
TRASH_LIST = "/admin/posts/post/?state=trash"


def listed(client, url=CHANGELIST) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def message(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def public_pages(client, post, tag="schools") -> dict[str, str]:
    """What a reader gets of ``post`` from each page that lists or shows it."""
    pages = {}
    for url in ["/", f"/tags/{tag}/", "/feed/", "/sitemap-posts.xml", f"/search/?q={post.slug.split('-')[0]}"]:
        response = client.get(url)
        pages[url] = response.content.decode() if response.status_code == 200 else f"status {response.status_code}"
    return pages


def test_delete_asks_then_moves_a_live_post_to_the_trash_and_off_every_page(client, editor):
    post = make_post(title="Timetables explained", slug="timetables-explained", tags=["schools"])
    make_post(title="Another schools post", tags=["schools"])  # the tag page stays
    comments = [make_comment(post), make_comment(post)]
    assert client.get(post.get_absolute_url()).status_code == 200  # now in the page cache
    for url, page in public_pages(client, post).items():
        assert "/posts/timetables-explained/" in page, url

    ask = listed(client, f"/admin/posts/post/{post.pk}/delete/")
    assert "Move the post “Timetables explained” to the trash?" in ask
    assert "its text, tags, revisions and 2 comments stay with it" in ask
    assert "After 30 days in the trash it is deleted for good" in ask
    assert "nonce=" not in re.sub(r"<[^>]*>", "", ask)  # the nonce stays in its script tags
    Post.objects.get(pk=post.pk)  # asking changed nothing

    response = client.post(f"/admin/posts/post/{post.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    assert "Moved “Timetables explained” to the trash" in message(response)

    post.refresh_from_db()
    assert post.in_trash and post.status == Post.Status.DRAFT
    assert post.published_at is not None  # kept, as everything else
    assert set(XtdComment.objects.values_list("pk", flat=True)) == {c.pk for c in comments}
    # Off the blog on the next request, the page cache included.
    assert client.get(post.get_absolute_url()).status_code == 404
    for url, page in public_pages(client, post).items():
        assert "/posts/timetables-explained/" not in page, url
    # The revision says what happened, and who did it.
    last = post.history.first()
    assert last.history_change_reason == "Moved to the trash" and last.history_user == editor


def test_the_list_keeps_the_trash_apart_with_its_own_column_and_actions(client, editor):
    kept = make_post(title="Still here")
    draft = make_post(title="Plain draft", status="draft", published_at=None)
    gone = make_post(title="Binned post", status="draft", published_at=None)
    trash.move_to_trash(gone)

    everything = listed(client)
    assert "Still here" in everything and "Plain draft" in everything and "Binned post" not in everything
    assert "Binned post" not in listed(client, f"{CHANGELIST}?state=draft")  # a draft, but in the trash
    assert "Move the selected posts to the trash" in everything
    assert "delete_selected" not in everything and "Restore the selected" not in everything

    binned = listed(client, TRASH_LIST)
    assert "Binned post" in binned and "Still here" not in binned and "Plain draft" not in binned
    assert "Deleted for good on" in binned
    day = timezone.localtime(gone.trashed_at + timedelta(days=30))
    assert f"{day.day} {day:%b %Y}" in binned
    assert "Restore the selected posts (as drafts)" in binned and "Delete the selected posts for good" in binned
    assert "Move the selected posts to the trash" not in binned and "Feature the selected" not in binned
    assert kept.pk and draft.pk


@pytest.mark.parametrize("kind", ["post", "page"])
def test_the_lists_counts_are_of_the_side_of_the_trash_they_show(client, editor, kind):
    """Found by QA: the list without the trash said "2 results (3 total)"
    beside every row there was, counting what is in the trash."""
    make = make_post if kind == "post" else make_page
    make(title="Kept one"), make(title="Kept two")
    trash.move_to_trash(make(title="Binned one"))
    url = f"/admin/posts/{kind}/"

    def counted(page: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", page).split())

    outside, binned = counted(listed(client, url)), counted(listed(client, f"{url}?state=trash"))
    assert f"2 {kind}s" in outside and "total" not in outside
    assert f"1 {kind}" in binned and "total" not in binned
    searched = counted(listed(client, f"{url}?q=two"))
    assert "1 result ( 2 total )" in searched
    facets = counted(listed(client, f"{url}?_facets=True"))  # "Show counts": each state's own
    assert "In the trash (1)" in facets


def test_bulk_actions_move_restore_and_delete_for_good_only_from_the_trash(client, editor):
    first, second = make_post(title="First"), make_post(title="Second")
    make_comment(first)

    response = client.post(CHANGELIST, {"action": "move_to_trash", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    assert set(Post.objects.in_trash().values_list("title", flat=True)) == {"First", "Second"}
    assert "to the trash" in message(response) and "their comments" in message(response)

    # Deleting for good is not an action of the ordinary list, even forged.
    client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [first.pk], "post": "yes"})
    assert Post.objects.filter(pk=first.pk).exists()

    response = client.post(TRASH_LIST, {"action": "restore_from_trash", "_selected_action": [second.pk]})
    assert response.status_code == 302 and "Restored 1 post from the trash, as a draft." in message(response)
    second.refresh_from_db()
    assert not second.in_trash and second.status == Post.Status.DRAFT

    ask = client.post(TRASH_LIST, {"action": "delete_selected", "_selected_action": [first.pk]})
    assert "Their comments, with the commenters’ names, emails and addresses, will be deleted too." in (
        ask.content.decode()
    )
    client.post(TRASH_LIST, {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"})
    assert list(Post.objects.values_list("title", flat=True)) == ["Second"]  # only what was in the trash
    assert not XtdComment.objects.exists()


@pytest.mark.parametrize("kind", ["post", "page"])
def test_the_trash_keeps_what_was_saved_after_the_row_was_read(kind):
    """The list's action and the form's button hold a copy read before; a
    save in between (someone's edit) stays, in the trash and back from it
    (found by QA: the move saved the old copy over the edit)."""
    item = make_post(title="Before") if kind == "post" else make_page(title="Before")
    read_before = type(item).objects.get(pk=item.pk)
    edited = type(item).objects.get(pk=item.pk)
    edited.title, edited.body = "Edited", "<p>Edited body.</p>"
    edited.save()

    assert trash.move_to_trash(read_before)
    item.refresh_from_db()
    assert (item.title, item.body, item.in_trash) == ("Edited", "<p>Edited body.</p>", True)

    read_in_trash = type(item).objects.get(pk=item.pk)
    type(item).objects.filter(pk=item.pk).update(title="Edited again")
    assert trash.restore(read_in_trash)
    item.refresh_from_db()
    assert (item.title, item.in_trash) == ("Edited again", False)


@pytest.mark.parametrize("kind", ["post", "page"])
def test_a_form_opened_before_the_move_to_the_trash_saves_nothing_and_says_why(client, editor, kind):
    """Opened, then moved to the trash by someone else, then saved: the
    form's word of why, not a 403 (tests/posts/test_saves_at_once.py has the
    move made as the save begins)."""
    if kind == "post":
        item = make_post(title="Going", slug="going", status=Post.Status.DRAFT, published_at=None)
        typed = admin_post_form(title="Edited", slug="going", excerpt=item.excerpt, author=item.author.pk)
    else:
        item = make_page(title="Going", slug="going", body="<p>Here.</p>")
        typed = admin_page_form(title="Edited")
    url = f"/admin/posts/{kind}/{item.pk}/change/"
    opened = re.search(r'name="opened_version" value="([^"]+)"', listed(client, url))[1]
    trash.move_to_trash(type(item).objects.get(pk=item.pk))

    refused = client.post(url, typed | {"opened_version": opened})
    assert (refused.status_code, refused["Location"]) == (302, url)
    assert "“Going” was moved to the trash while you were editing it, and nothing was saved." in message(refused)
    item.refresh_from_db()
    assert (item.title, item.in_trash) == ("Going", True)


def test_a_post_in_the_trash_is_read_only_and_restored_as_a_draft_to_publish_again(client, editor):
    post = make_post(title="Back soon", author=make_author(photo=image_upload("a.png")))
    trash.move_to_trash(post)

    page = listed(client, f"/admin/posts/post/{post.pk}/change/")
    assert "This post is in the trash" in page and "Restore as a draft" in page
    assert post.body in page and "&lt;p&gt;" not in page  # the body as readers saw it, not its source
    # Styled as prose (found by QA: its headings were the admin's blue section bars).
    assert f'<div class="body-as-shown">{post.body}</div>' in page and "css/admin_body.css" in page
    assert "New tags" not in page
    assert ">Delete for good</a>" in page and 'name="_save"' not in page
    # A form opened before the move is refused with a word of why (what was
    # typed stays in the browser: tests/browser/test_autosave.py).
    refused = client.post(f"/admin/posts/post/{post.pk}/change/", admin_post_form(title="Edited", slug=post.slug))
    assert refused.status_code == 302 and refused["Location"] == f"/admin/posts/post/{post.pk}/change/"
    assert "“Back soon” was moved to the trash while you were editing it, and nothing was saved." in message(refused)
    version = post.history.last().history_id
    restore_revision = client.post(f"/admin/posts/post/{post.pk}/history/{version}/", admin_post_form())
    assert restore_revision.status_code == 302 and "before restoring one of its revisions" in message(restore_revision)
    post.refresh_from_db()
    assert post.title == "Back soon" and post.in_trash

    assert client.get(f"/admin/posts/post/{post.pk}/restore/").status_code == 405
    response = client.post(f"/admin/posts/post/{post.pk}/restore/")
    assert response.status_code == 302 and response["Location"] == f"/admin/posts/post/{post.pk}/change/"
    assert "“Back soon” is back from the trash, as a draft." in message(response)
    post.refresh_from_db()
    assert not post.in_trash and post.status == Post.Status.DRAFT
    history = listed(client, f"/admin/posts/post/{post.pk}/history/")
    assert "<td>Moved to the trash</td>" in history and "<td>Restored from the trash (as a draft)</td>" in history
    assert client.logout() is None and client.get(post.get_absolute_url()).status_code == 404  # not live yet

    client.force_login(editor)
    assert 'name="_save"' in listed(client, f"/admin/posts/post/{post.pk}/change/")  # editable again
    post.status = Post.Status.PUBLISHED  # as an editor publishes it again
    post.save()
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 200


def test_delete_for_good_from_the_trash_takes_the_comments_and_says_so_first(client, editor):
    post, other = make_post(), make_post()
    make_comment(post), make_comment(post, is_public=False)
    kept = make_comment(other)
    trash.move_to_trash(post)

    ask = listed(client, f"/admin/posts/post/{post.pk}/delete/")
    assert "Its 2 comments, with the commenters’ names, emails and addresses, will be deleted too." in ask
    assert "This deletes the post for good: it cannot be restored afterwards." in ask
    assert "Search document" not in ask  # the search index's copy, which nobody sees (found by QA)
    selected = {"action": "delete_selected", "_selected_action": [post.pk]}
    bulk = client.post(TRASH_LIST, selected).content.decode()
    assert "Are you sure" in bulk and "Search document" not in bulk
    response = client.post(f"/admin/posts/post/{post.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == TRASH_LIST  # back to what is left there
    assert not Post.objects.filter(pk=post.pk).exists()
    assert list(XtdComment.objects.all()) == [kept]


def test_a_post_showing_its_own_image_is_deleted_for_good_with_it(client, editor, django_capture_on_commit_callbacks):
    """Found by QA: the media library's "shown in its body" guard, asked of
    every image a deleted post takes with it, refused the deletion to all."""
    post = make_post(status="draft", published_at=None)
    image = PostImage.objects.create(post=post, image=image_upload("shown.png"), alt="Shown")
    post.body += f'<p><img src="{image.image.url}" alt="Shown"></p>'
    post.save()
    trash.move_to_trash(post)
    assert "permission" not in listed(client, f"/admin/posts/post/{post.pk}/delete/")

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/admin/posts/post/{post.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Post.objects.exists() and not PostImage.objects.exists()
    assert not Path(image.image.path).exists()


def test_authors_move_and_restore_their_own_posts_only(client):
    user = make_user("writer", groups=[AUTHORS])
    mine = make_post(author=make_author(user=user), title="Mine")
    theirs = make_post(title="Theirs")
    client.force_login(user)

    assert client.post(f"/admin/posts/post/{mine.pk}/delete/").status_code == 302
    client.post(f"/admin/posts/post/{theirs.pk}/delete/")
    client.post(CHANGELIST, {"action": "move_to_trash", "_selected_action": [theirs.pk]})
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.in_trash and not theirs.in_trash
    assert "Mine" in listed(client, TRASH_LIST)

    trash.move_to_trash(theirs)
    assert "Theirs" not in listed(client, TRASH_LIST)
    client.post(f"/admin/posts/post/{theirs.pk}/restore/")
    client.post(TRASH_LIST, {"action": "restore_from_trash", "_selected_action": [theirs.pk]})
    client.post(f"/admin/posts/post/{theirs.pk}/delete/", {"post": "yes"})
    theirs.refresh_from_db()
    assert theirs.in_trash
    assert client.post(f"/admin/posts/post/{mine.pk}/restore/").status_code == 302
    mine.refresh_from_db()
    assert not mine.in_trash


def test_previews_stop_for_a_post_in_the_trash_and_come_back_with_it(client, editor):
    draft = make_post(status="draft", published_at=None)
    link = PreviewLink.objects.create(post=draft, expires_at=timezone.now() + timedelta(days=2))
    assert client.get(link.get_preview_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 200  # the editor's own preview

    trash.move_to_trash(draft)
    assert client.get(link.get_preview_url()).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    form = listed(client, f"/admin/posts/post/{draft.pk}/change/")
    assert "View on site" not in form and "Paused while the post is in the trash" in form

    trash.restore(draft)
    assert client.get(link.get_preview_url()).status_code == 200


def test_the_database_keeps_a_post_in_the_trash_a_draft():
    post = make_post()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(trashed_at=timezone.now())  # still "published"
    Post.objects.filter(pk=post.pk).update(status="draft", trashed_at=timezone.now())


@pytest.mark.django_db(transaction=True)  # the worker closes the connection when it stops
def test_the_worker_deletes_posts_for_good_when_their_days_in_the_trash_are_over(
    db_tasks,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.BLOG = settings.BLOG | {"TRASH_DAYS": 30}
    old, recent, restored = make_post(title="Old"), make_post(title="Recent"), make_post(title="Restored")
    make_comment(old)
    for post in (old, recent, restored):
        with django_capture_on_commit_callbacks(execute=True):  # each move schedules the sweep for its day
            trash.move_to_trash(post)
    sweeps = DBTaskResult.objects.filter(task_path="posts.trash.empty_trash_task")
    assert sweeps.count() == 3
    due = timezone.now() + timedelta(days=30)
    assert all(abs(sweep.run_after - due) < timedelta(minutes=1) for sweep in sweeps)

    Post.objects.filter(pk__in=[old.pk, restored.pk]).update(trashed_at=timezone.now() - timedelta(days=31))
    trash.restore(Post.objects.get(pk=restored.pk))
    make_due(sweeps.filter(pk=sweeps.first().pk))
    run_worker()

    assert set(Post.objects.values_list("title", flat=True)) == {"Recent", "Restored"}
    assert not XtdComment.objects.exists()


def test_the_command_empties_the_trash_by_hand(settings):
    settings.BLOG = settings.BLOG | {"TRASH_DAYS": 7}
    old, recent = make_post(), make_post()
    trash.move_to_trash(old), trash.move_to_trash(recent)
    Post.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=8))
    out = io.StringIO()
    call_command("empty_trash", stdout=out)
    assert out.getvalue().strip() == "Deleted for good: 1 post, 0 pages (in the trash for 7 days or more)."
    assert list(Post.objects.all()) == [recent]


def test_the_export_gives_a_post_in_the_trash_to_wordpress_as_trash():
    post = make_post(title="Binned")
    trash.move_to_trash(post)
    document, _ = build_wxr()
    item = next(i for i in document.getroot().iter("item") if i.findtext("title") == "Binned")
    text = "".join(item.itertext())
    assert item.findtext("{http://wordpress.org/export/1.2/}status") == "trash"
    assert re.search(r"_wp_trash_meta_time\s*\d+", text)


def test_pages_go_to_the_trash_too_off_the_blog_and_its_menus_and_come_back_as_drafts(client, editor):
    page = make_page(title="About Skolr", slug="about-skolr", show_in_header=True)
    reader = Client()
    assert reader.get("/about-skolr/").status_code == 200
    assert "About Skolr" in reader.get("/").content.decode()  # in the header menu
    form = listed(client, f"/admin/posts/page/{page.pk}/change/")
    assert ">Move to the trash</a>" in form

    response = client.post(f"/admin/posts/page/{page.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/admin/posts/page/"
    page.refresh_from_db()
    assert page.in_trash and not page.published
    assert reader.get("/about-skolr/").status_code == 404
    assert "About Skolr" not in reader.get("/").content.decode()
    assert "/about-skolr/" not in reader.get("/sitemap-pages.xml").content.decode()

    form = listed(client, f"/admin/posts/page/{page.pk}/change/")
    assert "This page is in the trash" in form and ">Delete for good</a>" in form and 'name="_save"' not in form
    binned = listed(client, "/admin/posts/page/?state=trash")
    assert "Restore the selected pages (as drafts)" in binned
    assert 'name="_save"' not in binned and "form-0-menu_order" not in binned  # nothing to edit there
    client.post(f"/admin/posts/page/{page.pk}/restore/")
    page.refresh_from_db()
    assert not page.in_trash and not page.published  # a draft, for an editor to publish again


def test_the_apps_other_models_keep_a_plain_delete(client):
    client.force_login(make_user("boss", is_superuser=True, staff=True))
    subscriber = Subscriber.objects.create(email="reader@example.com")
    form = listed(client, f"/admin/posts/subscriber/{subscriber.pk}/change/")
    assert ">Delete</a>" in form and "trash" not in form.lower()


def test_the_sweep_deletes_pages_too(settings):
    settings.BLOG = settings.BLOG | {"TRASH_DAYS": 7}
    old, recent = make_page(), make_page()
    trash.move_to_trash(old), trash.move_to_trash(recent)
    Page.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=7, seconds=1))
    assert trash.empty_expired() == {"posts": 0, "pages": 1}
    assert list(Page.objects.all()) == [recent]


def test_an_address_kept_by_the_trash_says_so_when_taken(client):
    """Found by QA: an author got "Post with this Slug already exists" about
    a post in someone else's trash, which no list of theirs shows."""
    writer = make_user("writer", groups=[AUTHORS])
    make_author(user=writer)
    trash.move_to_trash(make_post(slug="second-trash"))
    trash.move_to_trash(make_page(slug="old-about"))
    client.force_login(writer)
    response = client.post(CHANGELIST + "add/", admin_post_form(slug="second-trash"))
    assert response.status_code == 200
    assert "“second-trash” is the address of a post in the trash: choose another slug" in response.content.decode()

    client.force_login(make_user("editor", groups=[EDITORS]))
    response = client.post("/admin/posts/page/add/", admin_page_form(slug="old-about"))
    assert "“old-about” is the address of a page in the trash" in response.content.decode()
    assert Post.objects.count() == 1 and Page.objects.count() == 1


def test_a_post_deleted_for_good_takes_its_thumbnail_file_unless_another_post_shows_it(
    client, editor, django_capture_on_commit_callbacks
):
    """Found by QA: the body's images went with a post deleted for good,
    its thumbnail stayed public at its address. An import gives posts with
    the same featured image one file: that one stays while a post shows it."""
    alone = make_post(title="Alone", thumbnail=image_upload("alone.png"), thumbnail_alt="A square")
    shared = make_post(title="Shared", thumbnail=image_upload("shared.png"), thumbnail_alt="A square")
    other = make_post(title="Other", thumbnail=shared.thumbnail.name, thumbnail_alt="A square")
    files = {post.title: Path(post.thumbnail.path) for post in (alone, shared)}
    assert all(path.exists() for path in files.values())
    for post in (alone, shared):
        trash.move_to_trash(post)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/admin/posts/post/{post.pk}/delete/", {"post": "yes"}).status_code == 302

    assert not files["Alone"].exists()
    assert files["Shared"].exists() and Post.objects.get(pk=other.pk).thumbnail.name == shared.thumbnail.name
