"""Headers, limits and endpoints that make the blog hard to attack."""

import pytest
from django.test import override_settings

from authors.roles import AUTHORS
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db


def test_public_pages_carry_the_security_headers(client):
    post = make_post()
    response = client.get(post.get_absolute_url())
    csp = response["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]:
        assert directive in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in csp
    assert "nonce-" not in csp  # public pages use no nonce, so they can be cached
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_admin_gets_a_nonce_for_its_inline_tags(client):
    client.force_login(make_user("writer", groups=[AUTHORS]))
    response = client.get("/admin/")
    assert "'nonce-" in response["Content-Security-Policy"]


def test_security_txt(client):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("Contact: mailto:")
    assert "\nExpires: " in body and "Canonical: http://testserver/.well-known/security.txt" in body


def test_security_txt_and_the_favicon_answer_head(client):
    """Scanners and link checkers ask with HEAD, before any GET is cached."""
    security = client.head("/.well-known/security.txt")
    favicon = client.head("/favicon.ico")

    assert (security.status_code, security["Content-Type"]) == (200, "text/plain; charset=utf-8")
    assert (favicon.status_code, favicon["Location"]) == (301, client.get("/favicon.ico")["Location"])


@pytest.mark.parametrize(
    "path", ["/.git/config", "/.git/HEAD", "/.env", "/db.sqlite3", "/settings.py", "/media/../.env"]
)
def test_private_files_are_not_served(client, path):
    assert client.get(path).status_code == 404


def test_errors_show_no_traceback(client, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    from unittest import mock

    with mock.patch("posts.views.PostListView.get_queryset", side_effect=RuntimeError("secret detail")):
        response = client.get("/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "secret detail" not in page and "Traceback" not in page and "SECRET_KEY" not in page


def test_oversized_request_is_refused_before_it_is_read(client):
    with override_settings(MAX_REQUEST_BYTES=1000):
        response = client.generic(
            "POST", "/comments/post/", b"x" * 10, content_type="text/plain", CONTENT_LENGTH="5000000"
        )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_oversized_upload_gets_a_page_saying_the_limit(client, settings):
    settings.MAX_REQUEST_BYTES = 10 * 1024 * 1024
    response = client.generic(
        "POST", "/admin/posts/post/add/", b"x" * 10, content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(11 * 1024 * 1024),
    )  # fmt: skip
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<h1>Too large to send</h1>" in page and "the limit is 10.0\xa0MB" in page


def test_login_is_locked_after_repeated_failures_with_one_message(client):
    make_user("writer", groups=[AUTHORS], password="right password here")
    unknown = client.post("/admin/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="192.0.2.1")
    wrong = client.post("/admin/login/", {"username": "writer", "password": "x"}, REMOTE_ADDR="192.0.2.2")
    message = "Please enter the correct username and password for a staff account."
    assert message in unknown.content.decode() and message in wrong.content.decode()

    for n in range(4):
        client.post("/admin/login/", {"username": "writer", "password": f"guess {n}"}, REMOTE_ADDR=f"198.51.100.{n}")
    locked = client.post("/admin/login/", {"username": "writer", "password": "right password here"})
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()


def test_one_address_is_locked_across_usernames(client):
    for n in range(5):
        client.post("/admin/login/", {"username": f"user{n}", "password": "x"}, REMOTE_ADDR="203.0.113.9")
    response = client.post("/admin/login/", {"username": "another", "password": "x"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
