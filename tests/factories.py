"""Small builders for test data. Each returns a saved object; keyword
arguments override the defaults. Also ``count_queries``, what a page costs,
and ``comment_form_fields``, what a page's comment form sends as it is."""

import io
import itertools
import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from PIL import Image

from authors.models import Author
from posts.comment_format import render_markdown
from posts.models import CommentBody, FollowerAddress, Page, Post

_sequence = itertools.count(1)


_SAVEPOINT = re.compile(r"(RELEASE |ROLLBACK TO )?SAVEPOINT ", re.IGNORECASE)


def count_queries(client, url) -> int:
    """Queries of a full render of ``url`` (the shared page cache is emptied first); it must be a 200.

    Savepoints are left out: they come from the test's own transaction, in
    which a view's transaction is nested; served, it has none.
    """
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return sum(1 for query in queries if not _SAVEPOINT.match(query["sql"]))


def comment_form_fields(page: str) -> dict[str, str]:
    """The hidden fields of the comment form on ``page`` (signature, timestamp, CSRF token if any)."""
    form = page.split('class="comment-form"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def png_bytes(size=(40, 30), colour="#1f5f8b", fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def image_upload(name="picture.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


def make_user(username=None, *, groups=(), staff=None, password="correct horse battery", **fields):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_sequence)}",
        password=password,
        is_staff=bool(groups) if staff is None else staff,
        **fields,
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_author(**fields) -> Author:
    n = next(_sequence)
    defaults = {"name": f"Author {n}", "slug": f"author-{n}", "bio": "Writes about schools."}
    return Author.objects.create(**(defaults | fields))


def make_post(*, tags=(), **fields) -> Post:
    n = next(_sequence)
    defaults = {
        "title": f"Post number {n}",
        "slug": f"post-{n}",
        "excerpt": f"Excerpt of post {n}.",
        "body": f"<p>Body of post {n}.</p>",
        "status": Post.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(days=1),
    }
    if "author" not in fields:
        fields["author"] = make_author()
    post = Post.objects.create(**(defaults | fields))
    if tags:
        post.tags.set(list(tags))
    return post


def make_page(**fields) -> Page:
    n = next(_sequence)
    defaults = {"title": f"Page {n}", "slug": f"page-{n}", "body": f"<p>Body of page {n}.</p>", "published": True}
    return Page.objects.create(**(defaults | fields))


def make_comment(post: Post, *, parent: XtdComment | None = None, formatted: bool = True, **fields) -> XtdComment:
    """A comment with its text's HTML stored, as the comment view and the
    admin store it (``formatted=False``: without, as other paths may)."""
    n = next(_sequence)
    defaults = {
        "content_type": ContentType.objects.get_for_model(Post),
        "object_pk": str(post.pk),
        "site_id": 1,
        "user_name": f"Reader {n}",
        "user_email": f"reader{n}@example.com",
        "comment": f"Comment number {n}.",
        "submit_date": timezone.now(),
        "is_public": True,
    }
    if parent is not None:
        defaults["parent_id"] = parent.pk
    comment = XtdComment.objects.create(**(defaults | fields))
    if formatted:
        CommentBody.objects.create(comment=comment, html=render_markdown(comment.comment))
    return comment


def confirm_followers(*emails: str) -> None:
    """Addresses whose owners confirmed them for emails about new comments
    (``posts.followups``): their comments with ``followup=True`` are followed."""
    FollowerAddress.objects.bulk_create(FollowerAddress(email=email, confirmed_at=timezone.now()) for email in emails)


INLINE_PREFIXES = ("co_author_links", "images", "change_notes", "preview_links")


def admin_post_form(**fields) -> dict:
    """The fields the admin's post form submits, with empty inline formsets."""
    data = {
        "title": "Fresh draft",
        "slug": "fresh-draft",
        "excerpt": "",
        "body": "<p>Hello</p>",
        "thumbnail_alt": "",
        "status": "draft",
        "allow_comments": "on",
        "new_tags": "",
    }
    for prefix in INLINE_PREFIXES:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | fields


def complete_post_form(**fields) -> dict:
    """A post form that satisfies every publishing rule of the post itself
    (its authors' profiles are theirs)."""
    return admin_post_form(
        excerpt="A short summary for search results.",
        thumbnail=image_upload(),
        thumbnail_alt="A blue rectangle",
        new_tags="Schools, Data",
        **fields,
    )


def admin_page_form(**fields) -> dict:
    """The fields the admin's page form submits, with no images."""
    data = {
        "title": "Contact",
        "slug": "contact",
        "description": "",
        "body": "<p>Write to us.</p>",
        "published": "on",
        "menu_order": "0",
        "images-TOTAL_FORMS": "0",  # the page's images inline, empty
        "images-INITIAL_FORMS": "0",
    }
    return data | fields


def files_under(root) -> list:
    """Every file below ``root`` (none if it does not exist): what an upload left on disk."""
    from pathlib import Path

    root = Path(root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
