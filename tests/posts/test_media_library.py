"""The media library (posts/media_admin.py): every image uploaded for a
post's or a page's body, listed with a preview, found by alt text, file
name or post, its address to reuse, and whether its body still shows it."""

import re

import pytest

from authors.roles import AUTHORS, EDITORS, MODERATORS
from posts.models import PageImage, PostImage
from tests.factories import image_upload, make_author, make_page, make_post, make_user

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


def test_fixing_alt_text_in_the_library_shows_in_the_post(client):
    user = make_user("writer", groups=[AUTHORS])
    post = make_post(author=make_author(user=user))
    image = upload(post, "")
    client.force_login(user)
    form = client.get(f"{POSTS}{image.pk}/change/").content.decode()
    assert f"<code>{image.image.url}</code>" in form
    assert re.search(r'<img src="/media/cache/[^"]+" width="300" height="200"', form)  # not enlarged

    assert client.post(f"{POSTS}{image.pk}/change/", {"alt": "Pupils at a whiteboard"}).status_code == 302
    assert PostImage.objects.get(pk=image.pk).alt == "Pupils at a whiteboard"
    assert client.post(f"{POSTS}{image.pk}/change/", {"alt": ""}).status_code == 200  # required: refused
    assert PostImage.objects.get(pk=image.pk).alt == "Pupils at a whiteboard"


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
    assert client.post(f"{POSTS}{shown.pk}/delete/", {"post": "yes"}).status_code == 403

    selected = {"action": "delete_selected", "_selected_action": [shown.pk, unused.pk]}
    ask = client.post(POSTS, selected).content.decode()
    assert "1 of the selected images is still shown in a body and stays" in ask
    assert "Unused" in ask and "Are you sure" in ask
    client.post(POSTS, selected | {"post": "yes"})
    assert list(PostImage.objects.values_list("alt", flat=True)) == ["Shown"]
