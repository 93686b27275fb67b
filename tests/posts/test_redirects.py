"""Old addresses: an editor lists them under Redirects (django.contrib.redirects),
and a WordPress import lists its permalinks there, so links to the old blog
keep working."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.core.management import call_command

from authors.roles import AUTHORS, EDITORS, MODERATORS
from posts.models import Post
from tests.factories import make_page, make_post, make_user

pytestmark = pytest.mark.django_db

WXR = Path(__file__).parent / "fixtures" / "wordpress.xml"


def redirect(old_path: str, new_path: str) -> Redirect:
    return Redirect.objects.create(site_id=settings.SITE_ID, old_path=old_path, new_path=new_path)


def test_an_old_address_answers_with_a_permanent_redirect(client):
    post = make_post(slug="moved-here")
    redirect("/2019/05/an-old-permalink/", post.get_absolute_url())

    response = client.get("/2019/05/an-old-permalink/")

    assert (response.status_code, response["Location"]) == (301, "/posts/moved-here/")
    assert client.get("/2019/05/never-listed/").status_code == 404


def test_a_redirect_never_hides_a_live_page(client):
    """Only what would be a 404 is redirected: a post or page at that address wins."""
    make_page(slug="about", title="About us")
    redirect("/about/", "/posts/elsewhere/")

    response = client.get("/about/")

    assert response.status_code == 200 and "About us" in response.content.decode()


def test_an_address_listed_without_a_new_one_is_gone_with_the_blogs_page(client):
    redirect("/withdrawn-announcement/", "")

    response = client.get("/withdrawn-announcement/")

    assert response.status_code == 410
    page = response.content.decode()
    assert "This page is gone" in page and '<meta name="robots" content="noindex">' in page


def test_editors_manage_redirects_and_other_roles_cannot(client):
    for role in (AUTHORS, MODERATORS):
        client.force_login(make_user(groups=[role]))
        assert client.get("/admin/redirects/redirect/").status_code == 403
        assert (
            client.post(
                "/admin/redirects/redirect/add/", {"site": settings.SITE_ID, "old_path": "/x/", "new_path": "/"}
            ).status_code
            == 403
        )
    assert not Redirect.objects.exists()

    client.force_login(make_user(groups=[EDITORS]))
    response = client.post(
        "/admin/redirects/redirect/add/",
        {"site": settings.SITE_ID, "old_path": "/old-name/", "new_path": "/posts/new-name/"},
    )
    assert response.status_code == 302
    client.logout()
    assert client.get("/old-name/")["Location"] == "/posts/new-name/"


def test_a_wordpress_import_redirects_the_old_permalinks(client):
    out = io.StringIO()
    call_command("import_wordpress", str(WXR), stdout=out)

    # A pretty permalink of a post, and a child page's (pages are flat here).
    essay = Post.objects.get(slug="marking-essays-with-rubrics")
    for old, new in [
        ("/2025/11/marking-essays-with-rubrics/", essay.get_absolute_url()),
        ("/about/team/", "/team/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
    # Plain links (/?p=15) reach the home page here, never a 404: none is stored for them.
    assert not Redirect.objects.filter(old_path__startswith="/?").exists()
    assert "Redirects: 2 created." in out.getvalue()

    # A second run adds none; an address an editor pointed elsewhere stays theirs.
    Redirect.objects.filter(old_path="/about/team/").update(new_path="/about/")
    again = io.StringIO()
    call_command("import_wordpress", str(WXR), "--update", stdout=again)
    assert Redirect.objects.count() == 2
    assert Redirect.objects.get(old_path="/about/team/").new_path == "/about/"
    assert "Redirects: 2 kept." in again.getvalue()


def test_a_ghost_import_redirects_its_default_permalinks(client):
    """Ghost's posts live at /<slug>/ by default; here that is where pages live."""
    call_command("import_ghost", str(WXR.with_name("ghost.json")), stdout=io.StringIO())

    response = client.get("/retrieval-practice-in-five-minutes/")

    assert (response.status_code, response["Location"]) == (301, "/posts/retrieval-practice-in-five-minutes/")
