"""Pages written like posts: a renamed page's old address redirects to it,
every save is a revision an editor can compare and restore, images for the
body are uploaded with the page (and other sites' refused), and a video
address alone in a paragraph is a click-to-load player."""

import importlib
import io
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from authors.roles import AUTHORS, MODERATORS
from posts.models import Page, PageImage, PageSlugRedirect, Post
from tests.factories import (
    admin_page_form,
    admin_post_form,
    files_under,
    image_upload,
    make_author,
    make_page,
    make_post,
    make_user,
)

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube-nocookie.com"
VIDEO = "https://youtu.be/dQw4w9WgXcQ"


def rename(page: Page, slug: str) -> None:
    page.slug = slug
    page.save()


def frame_src(response) -> str | None:
    policy = response["Content-Security-Policy"]
    return next((part.strip() for part in policy.split(";") if part.strip().startswith("frame-src")), None)


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
    response = client.get("/team/?utm_source=newsletter")
    assert (response.status_code, response["Location"]) == (301, "/people/?utm_source=newsletter")


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


def test_a_draft_page_at_an_old_address_leaves_it_redirecting_until_it_is_published(client):
    """As for posts (found by QA): a draft page given a published page's old
    address ended its redirect for good, though readers saw nothing there."""
    page = make_page(title="Jobs", slug="jobs")
    rename(page, "careers")
    draft = make_page(title="Jobs board", slug="jobs", published=False)
    assert client.get("/jobs/?utm_source=mail")["Location"] == "/careers/?utm_source=mail"
    rename(draft, "jobs-board")
    assert client.get("/jobs/")["Location"] == "/careers/"

    rename(draft, "jobs")
    draft.published = True
    draft.save()
    response = client.get("/jobs/")
    assert response.status_code == 200 and "Jobs board" in response.content.decode()
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


# Revisions


def test_editors_see_compare_and_restore_a_pages_earlier_writing(client, editor):
    page = make_page(title="About", slug="about", description="Who we are.", body="<p>First words.</p>")
    first = page.history.get()
    edited = admin_page_form(
        title="About Skolr", slug="about-skolr", description="Who we are now.", body="<p>Second words.</p>"
    )
    assert client.post(f"/admin/posts/page/{page.pk}/change/", edited | {"show_in_header": "on"}).status_code == 302

    revisions = list(page.history.order_by("history_date"))
    assert [(r.title, r.slug, r.history_user) for r in revisions] == [
        ("About", "about", None),
        ("About Skolr", "about-skolr", editor),
    ]
    listing = client.get(f"/admin/posts/page/{page.pk}/history/").content.decode()
    assert "editor" in listing and f'href="/admin/posts/page/{page.pk}/history/compare/"' in listing

    compare = client.get(f"/admin/posts/page/{page.pk}/history/compare/")
    diff = compare.content.decode()
    assert compare.status_code == 200
    assert "<h2>Title</h2>" in diff and "<h2>Body</h2>" in diff and "<h2>In the header menu</h2>" in diff
    assert '<span class="diff_sub">First&nbsp;words.</span>' in diff
    assert '<span class="diff_add">Second&nbsp;words.</span>' in diff
    assert f'href="/admin/posts/page/{page.pk}/history/{first.history_id}/"' in diff

    restore_url = f"/admin/posts/page/{page.pk}/history/{first.history_id}/"
    form_page = client.get(restore_url).content.decode()
    assert "Restoring brings back the title, description and body of this revision" in form_page
    assert "First words." in form_page
    trail = form_page.split('<ol class="breadcrumbs">')[1].split("</ol>")[0]
    assert '<a href="/admin/posts/page/">Pages</a>' in trail and "Historical" not in trail
    # What the browser sends: the revision's writing. The locked fields
    # (address, published, menus) are not sent; anything sent is ignored.
    restored = admin_page_form(title="About", slug="about", description="Who we are.", body="<p>First words.</p>")
    del restored["published"]
    response = client.post(restore_url, restored, follow=True)

    when = timezone.localtime(first.history_date).strftime("%-d %b %Y %H:%M")
    assert f"Restored the revision of {when}." in response.content.decode()
    page.refresh_from_db()
    assert (page.title, page.description, page.body) == ("About", "Who we are.", "<p>First words.</p>")
    assert (page.slug, page.published, page.show_in_header) == ("about-skolr", True, True)
    assert page.history.count() == 3 and page.history.latest().title == "About"
    reader = Client()
    assert "First words." in reader.get("/about-skolr/").content.decode()
    assert reader.get("/about/")["Location"] == "/about-skolr/"


def test_the_history_of_a_page_costs_the_same_however_many_revisions(client, editor, django_assert_max_num_queries):
    page = make_page(title="About")
    url = f"/admin/posts/page/{page.pk}/history/"
    for n in range(2):
        client.post(f"/admin/posts/page/{page.pk}/change/", admin_page_form(title=f"About {n}", slug=page.slug))
    client.get(url)
    with CaptureQueriesContext(connection) as three_revisions:
        assert client.get(url).status_code == 200
    budget = len(three_revisions)  # read now: the next request empties the log it reads

    for n in range(2, 12):
        client.post(f"/admin/posts/page/{page.pk}/change/", admin_page_form(title=f"About {n}", slug=page.slug))
    with django_assert_max_num_queries(budget):
        assert "About 11" in client.get(url).content.decode()


def test_saving_a_page_without_a_change_adds_no_revision(client, editor):
    page = make_page(title="Contact", slug="contact", body="<p>Write to us.</p>")
    form = admin_page_form(title="Contact", slug="contact", body="<p>Write to us.</p>")

    assert client.post(f"/admin/posts/page/{page.pk}/change/", form).status_code == 302

    assert page.history.count() == 1


@pytest.mark.parametrize("group", [AUTHORS, MODERATORS])
def test_only_editors_see_or_restore_a_pages_revisions(client, group):
    page = make_page(title="About", body="<p>First.</p>")
    first = page.history.get()
    page.body = "<p>Second.</p>"
    page.save()
    client.force_login(make_user("someone", groups=[group]))

    assert client.get(f"/admin/posts/page/{page.pk}/history/").status_code == 403
    assert client.get(f"/admin/posts/page/{page.pk}/history/compare/").status_code == 403
    restore_url = f"/admin/posts/page/{page.pk}/history/{first.history_id}/"
    assert client.get(restore_url).status_code == 403
    assert client.post(restore_url, admin_page_form(body="<p>First.</p>")).status_code == 403
    page.refresh_from_db()
    assert page.body == "<p>Second.</p>"


def test_an_odd_or_foreign_revision_id_is_a_404(client, editor):
    page, other = make_page(), make_page()

    for url in (
        f"/admin/posts/page/{page.pk}/history/abc/",
        f"/admin/posts/page/{page.pk}/history/{'9' * 20}/",
        f"/admin/posts/page/{page.pk}/history/{other.history.get().history_id}/",
    ):
        assert client.get(url).status_code == 404, url
    # No such page: back to the list, saying so, as its other pages do.
    response = client.get("/admin/posts/page/999999/history/")
    assert (response.status_code, response["Location"]) == (302, "/admin/posts/page/")


def test_the_migration_gives_each_existing_page_a_first_revision():
    migration = importlib.import_module("posts.migrations.0022_page_history")
    page = make_page(title="Privacy", body="<p>We keep little.</p>", show_in_footer=True)
    page.history.all().delete()

    migration.first_revisions(django_apps, SimpleNamespace(connection=connection))

    revision = page.history.get()
    assert (revision.title, revision.body, revision.show_in_footer) == ("Privacy", "<p>We keep little.</p>", True)
    assert (revision.history_type, revision.history_date) == ("+", page.updated_at)


# Images


def test_an_image_from_another_site_is_refused_with_what_was_typed_kept(client, editor):
    body = '<p>Our office.</p><figure><img src="https://images.example.net/office.jpg" alt="The office"></figure>'

    response = client.post("/admin/posts/page/add/", admin_page_form(title="Visit us", body=body))

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert (
        "An image in the body is on another site (images.example.net), which readers' browsers will not load. "
        "Upload it under “Images for the body” below and use its address instead." in html
    )
    assert 'value="Visit us"' in html and "Our office." in html
    assert not Page.objects.exists()

    ours = '<p>Our office.</p><figure><img src="/media/pages/inline/2026/office.png" alt="The office"></figure>'
    assert client.post("/admin/posts/page/add/", admin_page_form(title="Visit us", body=ours)).status_code == 302


@pytest.mark.parametrize(
    "src", ["/\\images.example.net/office.jpg", "\\\\images.example.net/office.jpg", "//images.example.net/x.jpg"]
)
def test_an_image_address_browsers_read_as_another_sites_is_refused_too(client, editor, src):
    """Found by QA: "/\\host/x.png" was saved as the blog's own image; a
    browser reads it as "//host/x.png", which the policy refuses."""
    body = f'<p>Our office.</p><figure><img src="{src}" alt="The office"></figure>'
    response = client.post("/admin/posts/page/add/", admin_page_form(title="Visit us", body=body))
    assert response.status_code == 200
    assert "An image in the body is on another site (images.example.net)" in unescape(response.content.decode())
    assert not Page.objects.exists()


def test_an_image_uploaded_with_a_page_is_stored_and_its_address_shown(client, editor):
    upload = SimpleUploadedFile("office.jpg", jpeg_with_comment(), content_type="image/jpeg")
    images = {"images-TOTAL_FORMS": "1", "images-0-image": upload, "images-0-alt": "The office"}

    assert client.post("/admin/posts/page/add/", admin_page_form(**images)).status_code == 302

    image = PageImage.objects.get()
    assert (image.page.slug, image.alt, image.width, image.height) == ("contact", "The office", 12, 10)
    assert image.image.name.startswith("pages/inline/") and image.image.name.endswith(".jpg")
    stored = Path(image.image.path).read_bytes()
    assert b"<script>" not in stored  # metadata stripped, as for a post's images
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.size == (12, 10) and not picture.info.get("comment")
    change = client.get(f"/admin/posts/page/{image.page.pk}/change/").content.decode()
    assert f"<code>{image.image.url}</code>" in change and "Images for the body" in change


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"just some text, not an image", "Upload a valid image"), (b"", "The submitted file is empty.")],
)
def test_a_bad_upload_saves_nothing_and_says_why(client, editor, content, message):
    upload = SimpleUploadedFile("office.png", content, content_type="image/png")
    images = {"images-TOTAL_FORMS": "1", "images-0-image": upload, "images-0-alt": "The office"}

    response = client.post("/admin/posts/page/add/", admin_page_form(title="Visit us", **images))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'value="Visit us"' in html
    assert not Page.objects.exists() and not PageImage.objects.exists()
    assert files_under(Path(PageImage._meta.get_field("image").storage.location)) == []


def test_an_upload_without_alt_text_is_refused_and_kept_for_the_next_try(client, editor):
    images = {"images-TOTAL_FORMS": "1", "images-0-image": image_upload("map.png"), "images-0-alt": ""}

    response = client.post("/admin/posts/page/add/", admin_page_form(**images))

    html = response.content.decode()
    assert response.status_code == 200 and "This field is required." in html
    assert "Kept from your last try: map.png." in html
    assert not Page.objects.exists() and not PageImage.objects.exists()
    kept = re.search(r'name="images-0-image__staged" value="([^"]+)"', html)[1]
    retry = {"images-TOTAL_FORMS": "1", "images-0-image__staged": kept, "images-0-alt": "A map"}
    assert client.post("/admin/posts/page/add/", admin_page_form(**retry)).status_code == 302
    assert PageImage.objects.get().alt == "A map"


def test_an_image_is_kept_when_the_page_above_it_is_refused(client, editor):
    images = {"images-TOTAL_FORMS": "1", "images-0-image": image_upload("map.png"), "images-0-alt": "A map"}

    html = unescape(client.post("/admin/posts/page/add/", admin_page_form(slug="feed", **images)).content.decode())

    assert "is already one of the blog's own addresses" in html and "Kept from your last try: map.png." in html
    kept = re.search(r'name="images-0-image__staged" value="([^"]+)"', html)[1]
    retry = {"images-TOTAL_FORMS": "1", "images-0-image__staged": kept, "images-0-alt": "A map"}
    assert client.post("/admin/posts/page/add/", admin_page_form(**retry)).status_code == 302
    assert PageImage.objects.get().page.slug == "contact"


def jpeg_with_comment() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 10), "#2a6").save(buffer, "JPEG", comment=b"<script>alert(1)</script>")
    return buffer.getvalue()


# Videos


def test_a_video_address_alone_in_a_paragraph_is_a_player_the_page_lets_frame(client):
    make_page(slug="tour", body=f"<p>Take the tour:</p><p>{VIDEO}</p>")

    response = client.get("/tour/")

    html = response.content.decode()
    assert '<a class="embed-play" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert f'data-player="{YOUTUBE}/embed/dQw4w9WgXcQ?autoplay=1"' in html
    assert '<script src="/static/js/embeds.js" defer></script>' in html
    assert frame_src(response) == f"frame-src {YOUTUBE}"
    again = client.get("/tour/")
    assert again["X-Page-Cache"] == "hit" and frame_src(again) == f"frame-src {YOUTUBE}"


def test_a_page_without_a_video_lets_nothing_be_framed(client):
    make_page(slug="about", body=f'<p>Our <a href="{VIDEO}">launch video</a> is on YouTube.</p>')

    response = client.get("/about/")

    assert frame_src(response) is None
    html = response.content.decode()
    assert "embeds.js" not in html and "embed-play" not in html


def test_the_page_form_says_how_and_an_editor_previews_a_drafts_player(client, editor):
    form = client.get("/admin/posts/page/add/").content.decode()
    assert "To show a YouTube or Vimeo video, paste its address on a line of its own" in form
    make_page(slug="tour", body=f"<p>{VIDEO}</p>", published=False)

    response = client.get("/tour/")

    assert response.status_code == 200 and frame_src(response) == f"frame-src {YOUTUBE}"


def test_a_page_with_videos_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    make_page(slug="tour", body="".join(f"<p>https://vimeo.com/{n}</p>" for n in range(1, 21)))
    client.get("/")  # reads the menus

    with django_assert_max_num_queries(2):
        assert client.get("/tour/").status_code == 200


def test_a_page_saved_over_someone_elses_later_save_is_refused_and_keeps_what_was_typed(client, editor):
    """Found by QA: two editors on one page, the later save silently undid
    the earlier one (posts refused it; pages had no check)."""
    page = make_page(title="Footer Z", slug="footer-z", body="<p>Hello body</p>")
    url = f"/admin/posts/page/{page.pk}/change/"
    other = Client()
    other.force_login(make_user("other-editor", groups=["Editors"]))
    mine = re.search(r'name="opened_version" value="([^"]+)"', client.get(url).content.decode())[1]
    theirs = re.search(r'name="opened_version" value="([^"]+)"', other.get(url).content.decode())[1]

    correction = admin_page_form(title="Footer Z", slug="footer-z", body="<p>An important correction</p>")
    assert other.post(url, correction | {"opened_version": theirs}).status_code == 302
    response = client.post(
        url, admin_page_form(title="Footer Zed", slug="footer-z", body="<p>Hello body</p>") | {"opened_version": mine}
    )

    assert response.status_code == 200
    said = unescape(response.content.decode())
    assert "other-editor saved this page at" in said and "since you opened it (changing the body)" in said
    assert 'value="Footer Zed"' in said  # what was typed, shown again
    page.refresh_from_db()
    assert (page.title, page.body) == ("Footer Z", "<p>An important correction</p>")
    again = re.search(r'name="opened_version" value="([^"]+)"', client.get(url).content.decode())[1]
    assert (
        client.post(
            url, admin_page_form(title="Footer Zed", slug="footer-z", body=page.body) | {"opened_version": again}
        ).status_code
        == 302
    )


def test_a_slug_is_lower_case_so_no_two_addresses_differ_only_in_capitals(client, editor):
    """Found by QA: with /about/ there, a page "About" saved and /About/ was
    another page."""
    make_page(title="About us", slug="about")
    refused = client.post("/admin/posts/page/add/", admin_page_form(title="About again", slug="About"))
    assert refused.status_code == 200
    assert "Page with this Slug already exists." in unescape(refused.content.decode())
    assert client.post("/admin/posts/page/add/", admin_page_form(title="Team", slug="Our-Team")).status_code == 302
    assert Page.objects.filter(slug="our-team").exists()
    post_form = admin_post_form(slug="My-Post", author=make_author().pk)
    assert client.post("/admin/posts/post/add/", post_form).status_code == 302
    assert Post.objects.filter(slug="my-post").exists()
