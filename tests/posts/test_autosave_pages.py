"""What the server gives the browser's autosave (static/js/admin_autosave.js):
the script, deferred, on the forms where authors and editors write; the
page's last save to recognize an older copy; and on the logged-out page, the
same script told to drop every copy. The behaviour itself is tested in
Chromium (tests/browser/test_autosave.py)."""

import re

import pytest

from authors.roles import EDITORS
from tests.factories import make_page, make_post, make_user

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r'<script src="/static/js/admin_autosave\.js"([^>]*)>')


def scripts(html: str) -> list[set[str]]:
    """The autosave script tags of a page, each as its attributes' names (a nonce's value aside)."""
    return [{attribute.split("=")[0] for attribute in match[1].split()} - {"nonce"} for match in SCRIPT.finditer(html)]


def test_the_post_and_profile_forms_of_an_author_load_the_autosave_deferred(client, writer):
    post = make_post(author=writer, status="draft", published_at=None)
    for url in [
        "/admin/posts/post/add/",
        f"/admin/posts/post/{post.pk}/change/",
        f"/admin/authors/author/{writer.pk}/change/",
    ]:
        html = client.get(url).content.decode()
        assert scripts(html) == [{"defer"}], url
    # The post's version is the form's own conflict check: no second marker.
    assert 'id="autosave-version"' not in html
    assert 'name="opened_version"' in client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()


def test_a_page_form_carries_the_page_last_save_for_the_copy(client):
    client.force_login(make_user("editor", groups=[EDITORS]))
    page = make_page(title="Contact", slug="contact")
    html = client.get(f"/admin/posts/page/{page.pk}/change/").content.decode()
    assert scripts(html) == [{"defer"}]
    marker = re.search(r'<span hidden id="autosave-version" data-version="([^"]+)"></span>', html)
    assert marker and marker[1].startswith(page.updated_at.strftime("%Y-%m-%dT"))
    # A new page has no last save.
    assert 'id="autosave-version"' not in client.get("/admin/posts/page/add/").content.decode()


def test_logging_out_shows_the_admin_page_that_drops_the_copies(client, writer):
    response = client.post("/admin/logout/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Log in again" in html  # Django admin's page, extended
    assert scripts(html) == [{"data-forget", "defer"}]
    assert "_auth_user_id" not in client.session
