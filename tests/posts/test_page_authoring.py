"""Pages keep their old addresses: a renamed page's old address redirects to it."""

import pytest
from django.test import Client

from authors.roles import AUTHORS, EDITORS
from posts.models import Page, PageSlugRedirect
from tests.factories import admin_page_form, make_page, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_user("editor", groups=[EDITORS])
    client.force_login(user)
    return user


def rename(page: Page, slug: str) -> None:
    page.slug = slug
    page.save()


# Old addresses


def test_renaming_a_page_in_the_admin_leaves_its_old_address_redirecting(client, editor):
    page = make_page(title="About", slug="about")
    reader = Client()
    assert reader.get("/about/").status_code == 200  # now in the page cache

    form = admin_page_form(title="About us", slug="about-us")
    assert client.post(f"/admin/posts/page/{page.pk}/change/", form).status_code == 302

    moved = reader.get("/about/")
    assert (moved.status_code, moved["Location"]) == (301, "/about-us/")
    assert reader.get("/about-us/").status_code == 200
    assert PageSlugRedirect.objects.get().page == page


def test_a_page_renamed_twice_sends_both_old_addresses_straight_to_the_newest(client):
    page = make_page(slug="team")
    rename(page, "our-team")
    rename(page, "people")

    for old in ("/team/", "/our-team/"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/people/"), old


def test_renaming_back_and_a_new_page_at_an_old_address_win_over_the_redirect(client):
    page = make_page(title="Jobs", slug="jobs")
    rename(page, "careers")
    rename(page, "jobs")  # back where it was
    assert client.get("/jobs/").status_code == 200
    assert client.get("/careers/")["Location"] == "/jobs/"

    rename(page, "careers")
    make_page(title="Jobs board", slug="jobs")

    response = client.get("/jobs/")
    assert response.status_code == 200 and "Jobs board" in response.content.decode()
    assert client.get("/careers/").status_code == 200
    assert not PageSlugRedirect.objects.filter(old_slug="jobs").exists()


def test_a_drafts_old_address_is_a_404_that_tells_nothing_until_it_is_published(client):
    page = make_page(title="Events", slug="events")
    rename(page, "whats-on")
    page.published = False
    page.save()

    response = client.get("/events/")
    assert response.status_code == 404 and "Location" not in response
    assert "whats-on" not in response.content.decode()
    assert client.get("/whats-on/").status_code == 404
    # Also for staff who may not edit pages.
    client.force_login(make_user("writer", groups=[AUTHORS]))
    assert client.get("/events/").status_code == 404

    # Renamed again while a draft, then published: its old addresses lead to it.
    rename(page, "calendar")
    page.published = True
    page.save()
    client.logout()
    for old in ("/events/", "/whats-on/"):
        assert client.get(old)["Location"] == "/calendar/", old


def test_an_old_page_address_never_shadows_the_blogs_own(client):
    """Pages are matched after every address of the blog's own, and a
    page's old slug that is one of them is not followed."""
    post = make_post(slug="welcome", tags=["welcome"])
    page = make_page(slug="welcome")
    rename(page, "hello")
    # Pages stored with the blog's addresses by the shell, around validation.
    for slug in ("tags", "posts"):
        impostor = Page.objects.create(title="Impostor", slug=slug, body="<p>Not yours.</p>", published=True)
        rename(impostor, f"{slug}-page")

    assert client.get(post.get_absolute_url()).status_code == 200
    assert client.get("/tags/welcome/").status_code == 200
    tags = client.get("/tags/")
    assert tags.status_code == 200 and "Not yours." not in tags.content.decode()
    assert client.get("/posts/").status_code == 404
    assert client.get("/welcome/")["Location"] == "/hello/"


def test_an_old_address_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    page = make_page(slug="faq")
    rename(page, "questions")
    client.get("/")  # reads the menus

    with django_assert_max_num_queries(3):
        # The page looked for, its old address, and the page cache's next scheduled post.
        assert client.get("/faq/").status_code == 301
