"""Forged and tampered comment POSTs: refused or ignored as appropriate,
never a 500, and nothing stored that should not be.

CSRF: an anonymous comment carries no token by design (see
``posts.comment_views.csrf_for_accounts``: it borrows no session, so a
forged one is one anybody could post directly, and it still waits for a
moderator). Requests made with a session are checked as strictly as Django's
middleware would.
"""

import time
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from django_comments import get_form
from django_comments_xtd.models import XtdComment

from authors.roles import AUTHORS
from posts.comment_models import CommentReview, ReaderFlag
from posts.models import Post
from tests.factories import make_comment, make_post, make_user
from tests.security.hostile import comment_data

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.7"


@pytest.fixture
def post():
    return make_post(title="An open post", slug="open-post")


@pytest.fixture
def anonymous():
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def send(client, data, **extra):
    return client.post("/comments/post/", data, REMOTE_ADDR=ADDRESS, **extra)


def nothing_stored():
    return not XtdComment.objects.exists() and not CommentReview.objects.exists()


# CSRF


def test_signed_in_reader_without_a_csrf_token_is_refused(post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("reader", email="reader@example.com"))
    response = send(client, comment_data(post))
    assert response.status_code == 403
    assert nothing_stored()


def test_signed_in_reader_with_a_wrong_csrf_token_is_refused(post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("reader", email="reader@example.com"))
    client.get(post.get_absolute_url())  # sets the CSRF cookie
    assert client.cookies.get("csrftoken")
    response = send(client, comment_data(post, csrfmiddlewaretoken="x" * 64))
    assert response.status_code == 403
    response = send(client, comment_data(post), HTTP_X_CSRFTOKEN="y" * 32)
    assert response.status_code == 403
    assert nothing_stored()


def test_signed_in_staff_forged_post_cannot_publish_as_staff(post):
    """A forged request from another site arrives without the SameSite=Lax
    session cookie, so it is an anonymous comment held for review; with the
    session but without the token it is refused."""
    staff = make_user("writer", groups=[AUTHORS], email="writer@example.com")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert send(client, comment_data(post)).status_code == 403
    assert nothing_stored()


def test_anonymous_comment_without_a_token_waits_for_a_moderator(post, anonymous):
    response = send(anonymous, comment_data(post, email="stranger@example.com"))
    assert response.status_code == 302
    comment = XtdComment.objects.get()
    assert comment.is_public is False and comment.user is None
    assert comment.review.status == CommentReview.Status.PENDING


def test_signed_in_flag_without_a_token_is_refused(post):
    comment = make_comment(post)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("reader"))
    assert client.post(f"/comments/flag/{comment.pk}/").status_code == 403
    assert not ReaderFlag.objects.exists()


# Where the browser says it was: another site's page, the blog's own, or no page at all.
FROM_ANOTHER_SITE = [
    {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_SEC_FETCH_SITE": "same-site"},
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "null"},
    {"HTTP_REFERER": "https://evil.example/page"},
]
FROM_HERE = [
    {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
    {"HTTP_ORIGIN": "http://testserver"},
    {"HTTP_REFERER": "http://testserver/posts/open-post/"},
    {},
]


@pytest.mark.parametrize("sent_from", FROM_ANOTHER_SITE)
def test_a_signed_in_readers_forms_sent_from_another_sites_page_are_refused_so(post, sent_from):
    """With the reader's session but no token: refused as an anonymous one
    is, the text kept, and not answered with the article and a form that
    carries the reader's token (as a reader who signed in after opening the
    article is, from the blog's own page)."""
    comment = make_comment(post)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("reader", email="reader@example.com"))
    client.get(post.get_absolute_url())  # sets the CSRF cookie
    sent = [
        send(client, comment_data(post, comment="Words typed elsewhere"), **sent_from),
        client.post(f"/comments/flag/{comment.pk}/", REMOTE_ADDR=ADDRESS, **sent_from),
    ]
    for response in sent:
        assert response.status_code == 403
        page = response.content.decode()
        assert "This form was sent from a page of another website" in page
        assert "csrfmiddlewaretoken" not in page
    assert "Words typed elsewhere" in sent[0].content.decode()
    assert XtdComment.objects.count() == 1 and not CommentReview.objects.exists()
    assert not ReaderFlag.objects.exists()


@pytest.mark.parametrize("sent_from", FROM_ANOTHER_SITE)
def test_an_anonymous_report_sent_from_another_sites_page_is_refused(post, anonymous, sent_from):
    """Found by QA: a page elsewhere could have each of its visitors report
    a comment from their own address; three hid any comment."""
    comment = make_comment(post)
    for n in range(3):
        response = anonymous.post(f"/comments/flag/{comment.pk}/", REMOTE_ADDR=f"203.0.113.{n + 1}", **sent_from)
        assert response.status_code == 403
        assert "Sent from another site" in response.content.decode()
    assert not ReaderFlag.objects.exists()
    comment.refresh_from_db()
    assert comment.is_public


@pytest.mark.parametrize("sent_from", FROM_HERE)
def test_an_anonymous_report_from_the_blogs_own_page_counts(post, anonymous, sent_from):
    comment = make_comment(post)
    response = anonymous.post(f"/comments/flag/{comment.pk}/", REMOTE_ADDR=ADDRESS, **sent_from)
    assert response.status_code == 302
    assert ReaderFlag.objects.filter(comment=comment).count() == 1


@pytest.mark.parametrize("sent_from", FROM_ANOTHER_SITE)
def test_an_anonymous_comment_sent_from_another_sites_page_is_refused_and_the_text_kept(post, anonymous, sent_from):
    response = send(anonymous, comment_data(post, comment="My long considered <reply>"), **sent_from)
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form was sent from a page of another website" in page
    assert "My long considered &lt;reply&gt;" in page
    assert nothing_stored()


@pytest.mark.parametrize("sent_from", FROM_HERE)
def test_an_anonymous_comment_from_the_blogs_own_page_is_taken(post, anonymous, sent_from):
    assert send(anonymous, comment_data(post, email="reader@example.com"), **sent_from).status_code == 302
    assert XtdComment.objects.count() == 1


def test_a_trusted_origin_is_the_blog_too(post, anonymous, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://blog.example.org"]
    data = comment_data(post, email="reader@example.com")
    assert send(anonymous, data, HTTP_ORIGIN="https://blog.example.org").status_code == 302
    assert XtdComment.objects.count() == 1


# The signed timestamp


@pytest.mark.parametrize(
    "change",
    [
        {"timestamp": "+1"},
        {"security_hash": "0" * 40},
        {"security_hash": "short"},
        {"security_hash": ""},
        {"timestamp": "not a number"},
        {"timestamp": "9" * 40},
        {"timestamp": "-1"},
        {"object_pk": "+1"},
    ],
    ids=lambda change: ",".join(f"{k}={v[:12]}" for k, v in change.items()),
)
def test_tampered_signature_is_refused_and_the_text_kept(post, anonymous, change):
    data = comment_data(post, email="stranger@example.com", comment="My careful words.")
    for name, value in change.items():
        data[name] = str(int(data[name]) + 1) if value == "+1" else value
    response = send(anonymous, data)
    assert response.status_code in (400, 403)
    if response.status_code == 400 and "object_pk" not in change:
        page = response.content.decode()
        assert "This form had expired or was altered" in page and "My careful words." in page
    assert nothing_stored()


def test_missing_signature_fields_are_refused(post, anonymous):
    for name in ["timestamp", "security_hash", "content_type", "object_pk"]:
        data = comment_data(post, email="stranger@example.com")
        del data[name]
        assert send(anonymous, data).status_code == 400, name
    assert nothing_stored()


def test_expired_form_is_refused_even_with_a_valid_signature(post, anonymous):
    form = get_form()(post)
    old = int(time.time()) - 3 * 60 * 60
    data = comment_data(post, email="stranger@example.com", timestamp=str(old))
    data["security_hash"] = form.initial_security_hash(old)
    response = send(anonymous, data)
    assert response.status_code == 400
    assert "expired or was altered" in response.content.decode()
    assert nothing_stored()


# Extra fields


def test_extra_fields_are_ignored(post, anonymous):
    staff = make_user("boss", is_superuser=True, staff=True)
    data = comment_data(post, email="stranger@example.com") | {
        "is_public": "True",
        "is_removed": "True",
        "user": str(staff.pk),
        "user_id": str(staff.pk),
        "user_name": "The Editor",
        "ip_address": "10.0.0.1",
        "site": "2",
        "site_id": "2",
        "submit_date": "2000-01-01 00:00:00",
        "level": "5",
        "thread_id": "1",
        "parent_id": "1",
        "status": "approved",
        "review": "approved",
    }
    assert send(anonymous, data).status_code == 302
    comment = XtdComment.objects.get()
    assert comment.is_public is False and comment.is_removed is False
    assert comment.user is None and comment.user_name == "Reader"
    assert comment.ip_address == ADDRESS
    assert comment.site_id == 1 and comment.level == 0 and comment.parent_id == comment.pk
    assert comment.submit_date > timezone.now() - timedelta(minutes=1)
    assert comment.review.status == CommentReview.Status.PENDING


def test_honeypot_keeps_the_comment_as_spam(post, anonymous):
    assert send(anonymous, comment_data(post, email="bot@example.com", honeypot="http://spam")).status_code == 302
    comment = XtdComment.objects.get()
    assert comment.is_public is False and comment.review.status == CommentReview.Status.SPAM


# Targets that take no comments


def signed_for(content_type: str, object_pk: str) -> dict:
    """A correctly signed form for any target, as an attacker can compute it
    from any page (the signature covers only type, id and time)."""
    form = get_form()(make_post(slug=f"signer-{time.monotonic_ns()}"))
    timestamp = str(int(time.time()))
    return comment_data(form.target_object, email="stranger@example.com") | {
        "content_type": content_type,
        "object_pk": object_pk,
        "timestamp": timestamp,
        "security_hash": form.generate_security_hash(content_type, object_pk, timestamp),
    }


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("draft", 400),
        ("scheduled", 400),
        ("in review", 400),
        ("comments off", 403),
        ("comments closed by age", 403),
        ("missing", 400),
        ("user", 400),
        ("content type", 400),
    ],
)
def test_targets_that_take_no_comments_are_refused(anonymous, target, status):
    now = timezone.now()
    posts = {
        "draft": lambda: make_post(status=Post.Status.DRAFT, published_at=None),
        "scheduled": lambda: make_post(published_at=now + timedelta(days=1)),
        "in review": lambda: make_post(status=Post.Status.REVIEW, published_at=None),
        "comments off": lambda: make_post(allow_comments=False),
        "comments closed by age": lambda: make_post(published_at=now - timedelta(days=30), comment_days=7),
    }
    if target in posts:
        data = signed_for("posts.post", str(posts[target]().pk))
    elif target == "missing":
        data = signed_for("posts.post", "999999")
    elif target == "user":
        data = signed_for("auth.user", str(make_user("victim").pk))
    else:
        data = signed_for("contenttypes.contenttype", str(ContentType.objects.get_for_model(Post).pk))
    response = send(anonymous, data)
    assert response.status_code == status
    assert nothing_stored()


@pytest.mark.parametrize(
    ("content_type", "object_pk"),
    [
        ("posts.post", "abc"),
        ("posts.post", "1 OR 1=1"),
        ("posts.post", "1' OR '1'='1"),
        ("posts.post", "9" * 40),
        ("posts.post", "-1"),
        ("posts.post", "９９９９９"),
        ("posts.post", "1\x00"),
        ("posts.post", ""),
        ("posts", "1"),
        ("posts.nothing", "1"),
        ("", ""),
        ("<script>", "<script>"),
        ("posts.post.extra", "1"),
    ],
)
def test_garbage_targets_are_refused_without_an_error(anonymous, content_type, object_pk):
    response = send(anonymous, signed_for(content_type, object_pk))
    assert response.status_code == 400
    assert nothing_stored()


def test_replies_only_to_visible_comments_on_the_same_post(post, anonymous):
    other = make_post()
    elsewhere = make_comment(other)
    pending = make_comment(post, is_public=False)
    deep = make_comment(post, parent=make_comment(post, parent=make_comment(post)))
    assert deep.level == 2
    before = XtdComment.objects.count()
    for n, reply_to in enumerate([elsewhere.pk, pending.pk, deep.pk, 999999, -1]):
        data = comment_data(post, email=f"r{n}@example.com", reply_to=str(reply_to))
        response = anonymous.post("/comments/post/", data, REMOTE_ADDR=f"192.0.2.{n + 1}")
        assert response.status_code == 400, reply_to
    assert XtdComment.objects.count() == before


def test_off_site_next_is_ignored(post, anonymous):
    data = comment_data(post, email="stranger@example.com") | {"next": "https://evil.invalid/phish"}
    response = send(anonymous, data)
    assert response.status_code == 302
    assert response["Location"].startswith(post.get_absolute_url() + "?comment=")
    comment = make_comment(post)
    response = anonymous.post(f"/comments/flag/{comment.pk}/?next=//evil.invalid/", {"next": "https://evil.invalid/"})
    assert response.status_code == 302 and response["Location"].startswith(post.get_absolute_url())


# Shapes of request


@pytest.mark.parametrize(
    "fields",
    [
        {"comment": "x" * 3001},
        {"comment": ""},
        {"comment": "null\x00byte"},
        {"name": "n" * 51},
        {"name": "nul\x00"},
        {"email": "not an email"},
        {"email": "a@b.c\x00"},
        {"url": "javascript:alert(1)"},
        {"url": "http://\x00"},
        {"reply_to": "abc"},
        {"reply_to": "9" * 40},
        {"followup": "maybe"},
    ],
    ids=lambda fields: ",".join(f"{k}={v[:10]!r}" for k, v in fields.items()),
)
def test_invalid_fields_are_refused_with_the_form(post, anonymous, fields):
    response = send(anonymous, comment_data(post, email="stranger@example.com") | fields)
    assert response.status_code in (302, 400)
    if "followup" not in fields:
        assert response.status_code == 400
        assert nothing_stored()


def test_broken_bodies_and_methods_do_not_raise(post, anonymous):
    assert anonymous.get("/comments/post/").status_code == 405
    broken = anonymous.generic(
        "POST", "/comments/post/", b"--x\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data; boundary=y"
    )
    assert broken.status_code == 400
    for body, kind in [
        (b"\xff\xfe\xfd", "application/x-www-form-urlencoded"),
        (b'{"comment": "json"}', "application/json"),
        (b"comment=" + b"%" * 100, "application/x-www-form-urlencoded"),
    ]:
        assert anonymous.generic("POST", "/comments/post/", body, kind).status_code == 400, body
    assert nothing_stored()
