"""The media library (posts/media_admin.py): every image uploaded for a
post's or a page's body, listed with a preview, found by alt text, file
name or post, its address to reuse, and whether its body still shows it."""

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.utils import timezone

from authors.roles import AUTHORS, EDITORS, MODERATORS
from posts.models import PageImage, PostImage
from tests.factories import admin_post_form, image_upload, make_author, make_page, make_post, make_user

pytestmark = pytest.mark.django_db

POSTS = "/admin/posts/postimage/"
PAGES = "/admin/posts/pageimage/"


def upload(owner, alt: str, shown: bool = True, name: str = "picture.png"):
    """An image for ``owner``'s body, shown in it or not."""
    model, key = (PostImage, "post") if hasattr(owner, "author_id") else (PageImage, "page")
    image = model.objects.create(**{key: owner}, image=image_upload(name, size=(300, 200)), alt=alt)
    if shown:
        owner.body += f'<p><img src="{image.image.url}" alt="{alt}"></p>'
        owner.save()
    return image


def rows(page: str) -> list[str]:
    """The alt text of each listed image, in order."""
    return re.findall(r'<td class="field-alt"><a [^>]*>([^<]*)</a></td>', page) or re.findall(
        r'class="field-alt">(?:<a [^>]*>)?([^<]*)', page
    )


def test_an_author_sees_the_images_of_their_own_posts_with_what_each_is_for(client):
    user = make_user("writer", groups=[AUTHORS])
    mine = make_post(author=make_author(user=user), title="My post")
    shown = upload(mine, "A classroom")
    upload(mine, "Taken out of the text", shown=False)
    upload(make_post(title="Not mine"), "Someone else's")
    client.force_login(user)

    page = client.get(POSTS).content.decode()
    assert rows(page) == ["Taken out of the text", "A classroom"]  # newest first
    assert "Someone else" not in page
    assert f"<code>{shown.image.url}</code>" in page  # to paste into another body
    assert f'href="/admin/posts/post/{mine.pk}/change/">My post</a>' in page
    assert page.count('alt="True"') == 1 and page.count('alt="False"') == 1  # in its body, or not any more
    assert re.search(r'<img src="/media/cache/[^"]+" width="120" height="80" alt="" loading="lazy">', page)
    assert "300\xa0×\xa0200" in page
    assert "Add post image" not in page  # uploaded with a post, not here
    assert client.get(f"{POSTS}?q=classroom").content.decode().count("field-alt") == 1

    other = PostImage.objects.get(alt="Someone else's")
    assert client.get(f"{POSTS}{other.pk}/change/").status_code == 302  # not theirs: "not found"
    client.post(f"{POSTS}{other.pk}/change/", {"alt": "Hijacked"})
    client.post(f"{POSTS}{other.pk}/delete/", {"post": "yes"})
    other.refresh_from_db()
    assert other.alt == "Someone else's"


def test_the_library_is_read_only_since_readers_get_the_alt_text_of_the_body(client):
    """Found by QA: alt text fixed here did not reach the body's image, which
    keeps its own (the editor's image button)."""
    user = make_user("writer", groups=[AUTHORS])
    post = make_post(author=make_author(user=user))
    image = upload(post, "A whiteboard")
    client.force_login(user)
    form = client.get(f"{POSTS}{image.pk}/change/").content.decode()
    assert f"<code>{image.image.url}</code>" in form and "A whiteboard" in form
    assert re.search(r'<img src="/media/cache/[^"]+" width="300" height="200"', form)  # not enlarged
    assert 'name="alt"' not in form and 'name="_save"' not in form
    assert client.post(f"{POSTS}{image.pk}/change/", {"alt": "Changed"}).status_code == 403
    assert PostImage.objects.get(pk=image.pk).alt == "A whiteboard"


def test_editors_see_every_posts_and_pages_images_and_moderators_none(client):
    upload(make_post(title="Anyone's"), "On a post")
    upload(make_page(title="About"), "On a page")
    client.force_login(make_user("editor", groups=[EDITORS]))
    assert rows(client.get(POSTS).content.decode()) == ["On a post"]
    page = client.get(PAGES).content.decode()
    assert rows(page) == ["On a page"] and 'href="/admin/posts/page/' in page

    client.force_login(make_user("moderator", groups=[MODERATORS]))
    assert client.get(POSTS).status_code == 403 and client.get(PAGES).status_code == 403


def test_the_library_costs_the_same_queries_for_many_images(client, django_assert_max_num_queries):
    client.force_login(make_user("editor", groups=[EDITORS]))
    for n in range(12):
        upload(make_post(), f"Image {n}", shown=n % 2 == 0, name=f"image-{n}.png")
    client.get(POSTS)  # the previews are made once
    with django_assert_max_num_queries(9):
        page = client.get(POSTS).content.decode()
    assert len(rows(page)) == 12


def test_only_images_no_body_shows_are_deleted(client):
    """Deleting an image its body shows would break the post for readers."""
    client.force_login(make_user("editor", groups=[EDITORS]))
    post = make_post()
    shown, unused = upload(post, "Shown"), upload(post, "Unused", shown=False, name="unused.png")

    form = client.get(f"{POSTS}{shown.pk}/change/").content.decode()
    assert 'class="deletelink"' not in form
    refused = client.post(f"{POSTS}{shown.pk}/delete/", {"post": "yes"}, follow=True)
    assert "“Shown” is shown in the body of" in refused.content.decode()
    assert 'class="deletelink"' in client.get(f"{POSTS}{unused.pk}/change/").content.decode()

    selected = {"action": "delete_selected", "_selected_action": [shown.pk, unused.pk]}
    ask = client.post(POSTS, selected).content.decode()
    assert "1 of the selected images is still shown in a body and stays" in ask
    assert "Unused" in ask and "Are you sure" in ask
    client.post(POSTS, selected | {"post": "yes"})
    assert list(PostImage.objects.values_list("alt", flat=True)) == ["Shown"]


def test_an_image_another_posts_or_pages_body_shows_is_not_deleted(client, django_assert_max_num_queries):
    """Found by QA: an author deleted an image of their own post that
    another author's live post showed (its address pasted there, as the
    library offers), leaving that post a broken image."""
    writer = make_author(user=make_user("writer", groups=[AUTHORS]))
    client.force_login(writer.user)
    own = make_post(author=writer, title="Mine")
    taken_out = upload(own, "Taken out of mine", shown=False)
    in_a_page = upload(own, "In a page", shown=False, name="page.png")
    unused = upload(own, "Unused", shown=False, name="unused.png")
    others = make_post(title="Someone else's live post")
    others.body += f'<p><img src="{taken_out.image.url}" alt="Borrowed"></p>'
    others.save()
    page = make_page(title="About us")
    page.body += f'<p><img src="{in_a_page.image.url}" alt="Borrowed too"></p>'
    page.save()

    refused = client.post(f"{POSTS}{taken_out.pk}/delete/", {"post": "yes"}, follow=True)
    assert "“Taken out of mine” is shown in the body of “Someone else&#x27;s live post”" in refused.content.decode()
    assert 'class="deletelink"' not in client.get(f"{POSTS}{in_a_page.pk}/change/").content.decode()

    selected = {"action": "delete_selected", "_selected_action": [taken_out.pk, in_a_page.pk, unused.pk]}
    with django_assert_max_num_queries(12):
        ask = client.post(POSTS, selected).content.decode()
    assert "2 of the selected images are still shown in a body and stay" in ask
    client.post(POSTS, selected | {"post": "yes"})
    assert set(PostImage.objects.values_list("alt", flat=True)) == {"Taken out of mine", "In a page"}


def test_a_deleted_images_file_goes_too_unless_another_row_shares_it(client, django_capture_on_commit_callbacks):
    """Found by QA: deleting an image left its file public at its address."""
    client.force_login(make_user("editor", groups=[EDITORS]))
    post = make_post()
    unused = upload(post, "Unused", shown=False, name="unused.png")
    shared = upload(post, "Shared", shown=False, name="shared.png")
    twin = PostImage.objects.create(post=make_post(), image=shared.image.name, alt="Same file")
    files = [Path(unused.image.path), Path(shared.image.path)]
    assert all(path.exists() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{POSTS}{unused.pk}/delete/", {"post": "yes"})
        client.post(f"{POSTS}{shared.pk}/delete/", {"post": "yes"})
    assert not files[0].exists()
    assert files[1].exists()  # still the twin's
    assert client.get(f"{POSTS}{twin.pk}/change/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{POSTS}{twin.pk}/delete/", {"post": "yes"})
    assert not files[1].exists()


def delete_ticked(post, image) -> dict:
    """The post's form as saved, with Delete ticked for ``image``."""
    return admin_post_form(
        title=post.title, slug=post.slug, author=post.author.pk, body=post.body,
        **{"images-TOTAL_FORMS": "1", "images-INITIAL_FORMS": "1", "images-0-id": image.pk,
           "images-0-post": post.pk, "images-0-alt": image.alt, "images-0-DELETE": "on"},
    )  # fmt: skip


def test_the_post_form_will_not_delete_an_image_its_body_shows(client):
    """Found by QA: ticking Delete on an image the body still showed deleted it."""
    editor = make_user("editor", groups=[EDITORS])
    post = make_post(status="draft", published_at=None)
    image = upload(post, "Still shown")
    client.force_login(editor)
    form = delete_ticked(post, image)
    response = client.post(f"/admin/posts/post/{post.pk}/change/", form)
    assert response.status_code == 200
    assert "“Still shown” is still shown in the body: take it out of the text before deleting" in (
        response.content.decode()
    )
    assert PostImage.objects.filter(pk=image.pk).exists()

    form["body"] = "<p>No picture now.</p>"
    assert client.post(f"/admin/posts/post/{post.pk}/change/", form).status_code == 302
    assert not PostImage.objects.filter(pk=image.pk).exists()


def test_the_post_form_will_not_delete_an_image_another_body_shows(client):
    """Found by QA: the post form's Delete tick checked only its own body."""
    editor = make_user("editor", groups=[EDITORS])
    post = make_post(status="draft", published_at=None)
    image = upload(post, "Borrowed", shown=False)
    elsewhere = make_page(title="Our team")
    elsewhere.body += f'<p><img src="{image.image.url}" alt="The team"></p>'
    elsewhere.save()
    client.force_login(editor)
    form = delete_ticked(post, image)
    response = client.post(f"/admin/posts/post/{post.pk}/change/", form)
    assert response.status_code == 200
    assert "“Borrowed” is shown in the body of “Our team”: take it out of that text" in unescape(
        response.content.decode()
    )
    assert PostImage.objects.filter(pk=image.pk).exists()


# What shows an author's image and may not be named to them, by how it is made.
UNSEEN = {
    "another author's draft": lambda body: make_post(
        title="Embargoed: draft", status="draft", published_at=None, body=body
    ),
    "another author's scheduled post": lambda body: make_post(
        title="Embargoed: scheduled", published_at=timezone.now() + timedelta(days=1), body=body
    ),
    "another author's post in the trash": lambda body: make_post(
        title="Embargoed: trashed", status="draft", published_at=None, trashed_at=timezone.now(), body=body
    ),
    "an unpublished page": lambda body: make_page(title="Embargoed: page", published=False, body=body),
}


@pytest.mark.parametrize("unseen", UNSEEN)
def test_a_refusal_names_no_post_or_page_its_reader_may_not_see(client, writer, unseen):
    """Found by QA: deleting one's own image (from the library, or with the
    post form's Delete tick) was refused naming the post that showed it:
    another author's embargoed draft, a page not published yet. The image
    stays, and the refusal names only what its reader may open or read."""
    own = make_post(author=writer, title="Mine", status="draft", published_at=None)
    image = upload(own, "Chart", shown=False)
    UNSEEN[unseen](f'<p><img src="{image.image.url}" alt="x"></p>')

    refused = unescape(client.post(f"{POSTS}{image.pk}/delete/", {"post": "yes"}, follow=True).content.decode())
    assert "“Chart” is shown in the body of a post or page you cannot open: it stays while that text shows it." in (
        refused
    )
    form = delete_ticked(own, image)
    refused += unescape(client.post(f"/admin/posts/post/{own.pk}/change/", form).content.decode())
    assert "“Chart” is shown in the body of a post or page you cannot open: untick Delete" in refused
    assert "Embargoed" not in refused
    assert PostImage.objects.filter(pk=image.pk).exists()

    # Editors may open any post and page: they are told which one.
    client.force_login(make_user("editor", groups=[EDITORS]))
    refused = unescape(client.post(f"{POSTS}{image.pk}/delete/", {"post": "yes"}, follow=True).content.decode())
    assert "“Chart” is shown in the body of “Embargoed: " in refused


def test_a_refusal_names_a_post_its_reader_may_open_before_one_they_may_not(client, writer):
    own = make_post(author=writer, title="Mine", status="draft", published_at=None)
    image = upload(own, "Chart", shown=False)
    pasted = f'<p><img src="{image.image.url}" alt="x"></p>'
    make_post(title="Embargoed draft", status="draft", published_at=None, body=pasted)
    make_post(author=writer, title="My other draft", status="draft", published_at=None, body=pasted)

    refused = unescape(client.post(f"{POSTS}{image.pk}/delete/", {"post": "yes"}, follow=True).content.decode())
    assert "“Chart” is shown in the body of “My other draft”: take it out of the text first." in refused
    refused = unescape(client.post(f"/admin/posts/post/{own.pk}/change/", delete_ticked(own, image)).content.decode())
    assert "“Chart” is shown in the body of “My other draft”: take it out of that text before deleting" in refused
    assert "Embargoed" not in refused


def test_deleting_a_post_for_good_keeps_the_files_another_body_shows(django_capture_on_commit_callbacks):
    """Found by QA: a post deleted for good took its images' files, one of
    which another post showed (its address pasted there)."""
    post = make_post(status="draft", published_at=None)
    borrowed = upload(post, "Borrowed", shown=False)
    own_only = upload(post, "Own only", name="own.png")
    other = make_post(title="Still live")
    other.body += f'<p><img src="{borrowed.image.url}" alt="Borrowed"></p>'
    other.save()
    files = {image.alt: Path(image.image.path) for image in (borrowed, own_only)}

    with django_capture_on_commit_callbacks(execute=True):
        post.delete()
    assert files["Borrowed"].exists()
    assert not files["Own only"].exists()


def test_an_image_whose_file_is_replaced_in_the_post_form_leaves_no_file_behind(
    client, writer, django_capture_on_commit_callbacks
):
    """As a replaced thumbnail: the old file goes after the save, unless a
    body still shows it (a reader's page would break)."""
    post = make_post(author=writer, status="draft", published_at=None)
    unused, shown = upload(post, "Unused", shown=False, name="unused.png"), upload(post, "Shown", name="shown.png")
    old = {image.alt: Path(image.image.path) for image in (unused, shown)}
    form = admin_post_form(title=post.title, slug=post.slug, body=post.body)
    form |= {"images-TOTAL_FORMS": "2", "images-INITIAL_FORMS": "2"}
    for n, image in enumerate((unused, shown)):
        form |= {f"images-{n}-id": image.pk, f"images-{n}-post": post.pk, f"images-{n}-alt": image.alt}
        form[f"images-{n}-image"] = image_upload(f"new-{n}.png", colour="red")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/posts/post/{post.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not old["Unused"].exists()
    assert old["Shown"].exists()  # the body shows it still
    now = [Path(image.image.path) for image in PostImage.objects.all()]
    assert all(path.exists() and path not in old.values() for path in now)
