"""Object redirects give nothing away.

Found by the hostile-input tests: ``/comments/cr/<type>/<id>/`` was Django's
content-type ``shortcut``, which redirects anyone to the
``get_absolute_url()`` of any object of any model. Counting ids gave away
draft posts' addresses and, through ``PreviewLink.get_absolute_url()``, the
secret token of every preview link (so anyone could read every previewed
draft). The admin's "view on site" redirect (``/admin/r/…``) is the same
shortcut for any staff member: authors and moderators could read every other
author's previewed drafts.
"""

import pytest
from django.contrib.contenttypes.models import ContentType

from authors.roles import AUTHORS, MODERATORS
from posts.models import Post, PreviewLink
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_with_link():
    draft = make_post(status=Post.Status.DRAFT, published_at=None, slug="secret-merger-plan")
    return draft, PreviewLink.objects.create(post=draft)


def type_id(model) -> int:
    return ContentType.objects.get_for_model(model).pk


def test_comment_redirects_lead_only_to_published_posts(client, draft_with_link):
    draft, link = draft_with_link
    post = make_post()
    comment = make_comment(post)
    response = client.get(comment.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    for path in [
        f"/comments/cr/{type_id(PreviewLink)}/{link.pk}/",
        f"/comments/cr/{type_id(Post)}/{draft.pk}/",
        f"/comments/cr/{type_id(Post)}/{post.pk + 1000}/",
        f"/comments/cr/{type_id(Post)}/{'9' * 40}/",
        f"/comments/cr/{type_id(Post)}/١/",
        f"/comments/cr/{type_id(Post)}/%00/",
        "/comments/cr/999999/1/",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert link.token not in response.content.decode() and "secret-merger-plan" not in response.content.decode()


@pytest.mark.parametrize("group", [AUTHORS, MODERATORS])
def test_staff_view_on_site_does_not_reveal_preview_tokens(client, draft_with_link, group):
    _, link = draft_with_link
    client.force_login(make_user("staff", groups=[group]))
    response = client.get(f"/admin/r/{type_id(PreviewLink)}/{link.pk}/")
    assert response.status_code == 404
    assert link.token not in response.get("Location", "")


def test_view_on_site_leads_staff_only_to_what_they_may_see_in_the_admin(client, draft_with_link):
    """An author learns no other author's draft address by counting ids; their own and an editor's work."""
    from authors.roles import EDITORS
    from tests.factories import make_author

    others_draft, _ = draft_with_link
    writer = make_user("writer", groups=[AUTHORS])
    own = make_post(author=make_author(user=writer, slug="writer"), status=Post.Status.DRAFT, published_at=None)
    client.force_login(writer)

    response = client.get(f"/admin/r/{type_id(Post)}/{others_draft.pk}/")
    assert response.status_code == 404 and "secret-merger-plan" not in response.get("Location", "")
    for path in [f"/admin/r/{type_id(Post)}/{'9' * 40}/", f"/admin/r/{type_id(Post)}/x/", "/admin/r/999999/1/"]:
        assert client.get(path).status_code == 404, path
    response = client.get(f"/admin/r/{type_id(Post)}/{own.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(own.get_absolute_url())

    client.force_login(make_user("editor", groups=[EDITORS]))
    response = client.get(f"/admin/r/{type_id(Post)}/{others_draft.pk}/")
    assert response.status_code == 302 and response["Location"].endswith("/posts/secret-merger-plan/")

    client.logout()
    assert client.get(f"/admin/r/{type_id(Post)}/{own.pk}/").status_code == 302  # to the admin's login
    assert "/admin/login/" in client.get(f"/admin/r/{type_id(Post)}/{own.pk}/")["Location"]
