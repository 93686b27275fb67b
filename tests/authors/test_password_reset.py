"""Staff who forgot their password reset it from the admin's login page,
without a superuser at the shell, even when failed attempts locked them out."""

import re

import pytest
from django.contrib.sites.models import Site
from django.test import Client

from authors.roles import AUTHORS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"
SENT = "We’ve emailed you instructions for setting your password"


@pytest.fixture
def skolr():
    return make_user("skolr", groups=[AUTHORS], email="skolr@example.com")


def sign_in(client, password: str, username: str = "skolr"):
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})


def ask_for_reset(client, email: str, captured, **extra):
    with captured(execute=True):
        return client.post("/admin/password_reset/", {"email": email}, follow=True, **extra)


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/admin/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_login_page_offers_a_password_reset(client):
    page = client.get("/admin/login/").content.decode()
    assert '<a href="/admin/password_reset/">Forgotten your login credentials?</a>' in page


def test_a_locked_out_author_resets_their_password_and_signs_in(
    client, skolr, mailoutbox, django_capture_on_commit_callbacks
):
    for _ in range(5):
        sign_in(client, "not my password")
    locked = sign_in(client, "correct horse battery").content.decode()
    assert "Too many sign-in attempts" in locked
    assert '<a href="/admin/password_reset/">Set a new one by email</a>' in locked

    form = client.get("/admin/password_reset/")
    assert "Enter your email address below" in form.content.decode()
    done = ask_for_reset(client, "Skolr@Example.com", django_capture_on_commit_callbacks)
    assert done.redirect_chain == [("/admin/password_reset/done/", 302)]
    assert SENT in done.content.decode()
    assert "Skolr Blog administration" in done.content.decode()  # the admin's own layout

    [message] = mailoutbox
    assert message.to == ["skolr@example.com"]
    assert "In case you’ve forgotten, you are: skolr" in message.body
    page = client.get(reset_link(message), follow=True)
    assert "Please enter your new password twice" in page.content.decode()
    set_password = page.redirect_chain[-1][0]
    complete = client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert "Your password has been set" in complete.content.decode()

    assert sign_in(client, "correct horse battery").status_code == 200  # the old one is gone
    signed_in = sign_in(client, NEW_PASSWORD)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # The link was for one use.
    assert "The password reset link was invalid" in client.get(reset_link(message), follow=True).content.decode()


def test_the_link_leads_to_the_sites_own_address(
    client, skolr, mailoutbox, settings, django_capture_on_commit_callbacks
):
    """Not to the Host header of whoever asked (a forged one would send the
    token to an attacker's site)."""
    Site.objects.filter(pk=settings.SITE_ID).update(domain="blog.skolr.example")
    Site.objects.clear_cache()
    settings.SITE_SCHEME = "https"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    ask_for_reset(client, "skolr@example.com", django_capture_on_commit_callbacks, HTTP_HOST="evil.example")
    [message] = mailoutbox
    assert re.search(r"^https://blog\.skolr\.example/admin/reset/\S+/$", message.body, re.M)
    assert "evil.example" not in message.body


def test_an_unknown_email_gets_the_same_page_and_no_email(
    client, skolr, mailoutbox, django_capture_on_commit_callbacks
):
    known = ask_for_reset(client, "skolr@example.com", django_capture_on_commit_callbacks)
    unknown = ask_for_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.status_code == known.status_code == 200
    # Word for word, but for the per-response CSRF token and CSP nonces.
    strip = lambda page: re.sub(r'(value|nonce)="[^"]+"', "", page.content.decode())  # noqa: E731
    assert strip(unknown) == strip(known)
    assert [message.to for message in mailoutbox] == [["skolr@example.com"]]


def test_asking_again_soon_sends_no_second_email(client, skolr, mailoutbox, django_capture_on_commit_callbacks):
    first = ask_for_reset(client, "skolr@example.com", django_capture_on_commit_callbacks)
    second = ask_for_reset(client, "skolr@example.com", django_capture_on_commit_callbacks)
    assert SENT in first.content.decode() and SENT in second.content.decode()
    assert len(mailoutbox) == 1


def test_an_address_asking_too_often_is_told_to_wait(client, skolr, mailoutbox, django_capture_on_commit_callbacks):
    for n in range(5):
        response = ask_for_reset(client, f"someone{n}@example.com", django_capture_on_commit_callbacks)
        assert SENT in response.content.decode()
    refused = ask_for_reset(client, "skolr@example.com", django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    assert 'value="skolr@example.com"' in refused.content.decode()
    assert mailoutbox == []
    # Another address is not slowed.
    other = ask_for_reset(client, "skolr@example.com", django_capture_on_commit_callbacks, REMOTE_ADDR="192.0.2.8")
    assert SENT in other.content.decode() and len(mailoutbox) == 1


def test_reset_pages_are_never_cached_and_carry_csrf(client, skolr, mailoutbox, django_capture_on_commit_callbacks):
    ask_for_reset(client, "skolr@example.com", django_capture_on_commit_callbacks)
    confirm = Client().get(reset_link(mailoutbox[0]), follow=True)
    for response in [
        Client().get("/admin/password_reset/"),
        Client().get("/admin/password_reset/"),  # a second visitor gets a page of their own
        Client().get("/admin/password_reset/done/"),
        confirm,
        Client().get("/admin/reset/done/"),
    ]:
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "X-Page-Cache" not in response
    for response in [Client().get("/admin/password_reset/"), confirm]:
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()
        assert "csrftoken" in response.cookies or response.client.cookies.get("csrftoken")

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/admin/password_reset/", {"email": "skolr@example.com"}).status_code == 403
