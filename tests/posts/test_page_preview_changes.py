"""*Preview changes* on a page's form (posts.preview_changes, as a post's):
an editor sees About or Contact with the edits typed in its form, while
readers still see it as saved, and the preview saves, keeps and retires
nothing. Only who may change the page may preview it."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from authors.roles import AUTHORS, MODERATORS
from posts.models import Page, PageImage, PageSlugRedirect
from skolr_blog.page_cache import VERSION_KEY
from tests.factories import admin_page_form, files_under, image_upload, make_page, make_user

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
YOUTUBE = "https://www.youtube-nocookie.com"


@pytest.fixture
def about(editor):
    """A published page in the header menu, with a first revision (as the admin's save keeps)."""
    page = make_page(title="About", slug="about", body="<p>The old paragraph.</p>", show_in_header=True)
    page.history.update(history_user=editor)
    return page


def preview_url(page: Page) -> str:
    return reverse("admin:posts_page_preview_changes", args=[page.pk])


def change_url(page: Page) -> str:
    return reverse("admin:posts_page_change", args=[page.pk])


def edited(page: Page, **fields) -> dict:
    """The page's change form as the browser sends it, with ``fields`` typed over it."""
    data = admin_page_form(
        title=page.title,
        slug=page.slug,
        description=page.description,
        body=page.body,
        menu_order=str(page.menu_order),
        opened_version=page.updated_at.isoformat(),
    )
    for name in ("published", "show_in_header", "show_in_footer"):
        if getattr(page, name):
            data[name] = "on"
        else:
            data.pop(name, None)
    return data | fields


def state(page: Page) -> tuple:
    """Everything a save would change about ``page``, as stored."""
    return (
        Page.objects.filter(pk=page.pk).values().get(),
        page.history.count(),
        list(PageImage.objects.values_list("pk", "alt")),
        list(PageSlugRedirect.objects.values_list("old_slug", flat=True)),
    )


def previewed(response) -> str:
    """The preview's HTML, once it is sure to be one: its banner, and for
    the editor alone (neither kept by a cache nor indexed)."""
    html = response.content.decode()
    assert response.status_code == 200, html[:3000]
    assert "<strong>Preview of unsaved changes</strong> — nothing is saved; close this tab" in html
    assert (
        '<meta name="robots" content="noindex, nofollow">' in html and response["X-Robots-Tag"] == "noindex, nofollow"
    )
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    return html


def in_main_nav(html: str) -> str:
    return re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)[1]


def test_the_preview_shows_the_edits_while_readers_see_the_page_as_saved(
    client, about, mailoutbox, django_capture_on_commit_callbacks, django_assert_max_num_queries, settings
):
    """The story: an editor rewrites the About page's title, description and
    body (a video, and what the sanitizer takes out), renames it, and
    previews. The new tab shows the page as it would be; the public page,
    the database, the page cache and the mailbox are as before."""
    reader = Client()
    assert "The old paragraph." in reader.get("/about/").content.decode()  # now in the page cache
    before, files, version = state(about), files_under(settings.MEDIA_ROOT), cache.get(VERSION_KEY)
    form = edited(
        about,
        title="About the Skolr blog",
        slug="about-us",
        description="Who writes here, and why.",
        body=(
            '<p>The new paragraph.</p><script>alert("preview")</script><p onclick="steal()">Safe.</p>'
            "<p>https://youtu.be/dQw4w9WgXcQ</p>"
        ),
    )
    # 10 queries (the session, the user, the page, permissions, what the
    # form checks: the trash's slugs, someone saved first, the slug's
    # uniqueness, the constraint) and 4 savepoints on SQLite; the menus are
    # the process's own.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, django_assert_max_num_queries(16) as queries:
        response = client.post(preview_url(about), form)

    page = previewed(response)
    assert "Readers still see the page as it was last saved." in page
    assert "The menus list the pages as saved." in page and '/about/">About</a>' in in_main_nav(page)
    assert '<h1 class="post-title">About the Skolr blog</h1>' in page
    assert "<title>About the Skolr blog — " in page
    assert '<meta name="description" content="Who writes here, and why.">' in page
    assert "The new paragraph." in page and "The old paragraph." not in page
    assert 'alert("preview")' not in page and "steal()" not in page  # sanitized as on save
    assert f'data-player="{YOUTUBE}/embed/dQw4w9WgXcQ?autoplay=1"' in page
    assert f"frame-src {YOUTUBE}" in response["Content-Security-Policy"]  # the player plays in the preview too
    assert '<link rel="canonical" href="http://testserver/about-us/">' in page

    assert not [query["sql"] for query in queries.captured_queries if WRITES.match(query["sql"])]
    assert callbacks == [] and mailoutbox == []
    assert state(about) == before  # no revision, no old address kept for the rename
    assert files_under(settings.MEDIA_ROOT) == files
    assert cache.get(VERSION_KEY) == version

    public = reader.get("/about/")
    assert public["X-Page-Cache"] == "hit"
    assert (
        "The old paragraph." in public.content.decode() and "Preview of unsaved changes" not in public.content.decode()
    )
    assert reader.get("/about-us/").status_code == 404


def test_the_change_form_has_the_button_beside_save(client, about):
    page = client.get(change_url(about)).content.decode()
    assert re.search(rf'value="Preview changes" formaction="{preview_url(about)}" formtarget="_blank"', page)
    assert 'title="Opens the page as readers would see it' in page
    assert "Preview changes" not in client.get(reverse("admin:posts_page_add")).content.decode()


def test_a_draft_previewed_as_published_is_still_for_the_editor_alone(client, editor):
    """Ticking Published in the form does not make the preview a page for
    everyone: readers cannot see the draft yet, and the preview is neither
    cached nor indexed."""
    draft = make_page(title="Write for us", slug="write-for-us", published=False)
    response = client.post(preview_url(draft), edited(draft, published="on", body="<p>Pitch us.</p>"))
    page = previewed(response)
    assert "Readers cannot see this page yet." in page and "Pitch us." in page
    assert "<strong>Draft.</strong>" not in page  # the preview's banner, not the draft's
    assert not Page.objects.get(pk=draft.pk).published


def test_a_form_a_save_would_refuse_shows_why_with_what_was_typed(client, about):
    before = state(about)
    form = edited(
        about, title="", slug="feed", body='<p>Kept words.</p><iframe src="https://maps.example.com/x"></iframe>'
    )
    response = client.post(preview_url(about), form)
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert "No preview: saved like this, the page would be refused for these reasons." in page
    assert "Title</strong>: This field is required." in page
    assert "“/feed/” is already one of the blog's own addresses" in page
    assert "an embedded frame from maps.example.com" in page
    assert "<p>Kept words.</p>" not in response.content.decode()  # what was typed, as text
    assert "&lt;p&gt;Kept words.&lt;/p&gt;" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert state(about) == before


def test_a_form_opened_before_someone_elses_save_is_refused_as_its_save_would_be(client, about):
    opened = edited(about, title="About, as I saw it")
    other = Client()
    other.force_login(make_user("other", groups=["Editors"]))
    assert other.post(change_url(about), edited(about, title="About, corrected")).status_code == 302

    page = unescape(client.post(preview_url(about), opened).content.decode())
    assert "No preview: saved like this, the page would be refused" in page
    assert re.search(r"other saved this page at [^<]+ since you opened it \(changing the title\)", page)


def image_rows(page: Page, *rows: dict) -> dict:
    """The body images' inline, with ``rows`` (an ``id`` for a saved image)."""
    data = {"images-TOTAL_FORMS": str(len(rows)), "images-INITIAL_FORMS": str(sum("id" in row for row in rows))}
    for index, row in enumerate(rows):
        data |= {f"images-{index}-{name}": value for name, value in row.items()} | {f"images-{index}-page": page.pk}
    return data


def test_an_image_the_body_shows_is_not_deleted_in_a_preview_either(client, about):
    image = PageImage.objects.create(page=about, image=image_upload("team.png"), alt="The team")
    Page.objects.filter(pk=about.pk).update(
        body=f'<p>Us:</p><figure><img src="{image.image.url}" alt="The team"></figure>'
    )
    about.refresh_from_db()
    before = state(about)
    row = {"id": str(image.pk), "alt": "The team", "DELETE": "on"}
    page = client.post(preview_url(about), edited(about, **image_rows(about, row))).content.decode()
    assert "No preview: saved like this, the page would be refused" in page
    assert "“The team” is still shown in the body: take it out of the text before deleting" in page
    assert state(about) == before


def test_a_new_body_image_is_checked_and_neither_stored_nor_kept(client, about, settings):
    files = files_under(settings.MEDIA_ROOT)
    new = {"alt": "", "image": image_upload("map.png")}
    page = client.post(preview_url(about), edited(about, **image_rows(about, new))).content.decode()
    assert "No preview: saved like this, the page would be refused" in page
    assert "Alt text</strong>: This field is required." in page

    new = {"alt": "A map", "image": image_upload("map.png")}
    previewed(client.post(preview_url(about), edited(about, **image_rows(about, new))))

    assert [key for key in cache._cache if "staged-upload:" in key] == []
    assert files_under(settings.MEDIA_ROOT) == files and not PageImage.objects.exists()


def test_the_address_opened_without_the_form_leads_to_the_form(client, about, editor):
    """As a post's: the preview's tab after the session expired and the
    login page's way back, a GET, lead to the page's form, which says to
    preview from there."""
    anonymous = Client()
    response = anonymous.post(preview_url(about), edited(about, title="Typed before the session expired"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    anonymous.force_login(editor)
    response = anonymous.get(preview_url(about), follow=True)
    assert response.redirect_chain == [(change_url(about), 302)]
    assert "Preview changes again from the page&#x27;s form" in response.content.decode()
    assert client.put(preview_url(about)).status_code == 405
    assert Page.objects.get(pk=about.pk).title == "About"


@pytest.mark.parametrize("group", [AUTHORS, MODERATORS])
def test_who_may_not_change_pages_gets_a_403(client, about, group):
    """As the change view decides: staff without posts.change_page (authors,
    moderators) are refused, a preview or its address alike."""
    client.force_login(make_user("someone", groups=[group]))
    response = client.post(preview_url(about), edited(about, title="Taken over"))
    assert response.status_code == 403 and "Taken over" not in response.content.decode()
    assert client.get(preview_url(about)).status_code == 403


def test_who_may_only_view_pages_gets_a_403(client, about):
    viewer = make_user("viewer", staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_page"))
    client.force_login(viewer)
    assert client.get(change_url(about)).status_code == 200  # the form, read-only
    assert "Preview changes" not in client.get(change_url(about)).content.decode()
    assert client.post(preview_url(about), edited(about, title="Viewed")).status_code == 403


def test_a_page_in_the_trash_or_not_there_cannot_be_previewed(client, about):
    Page.objects.filter(pk=about.pk).update(trashed_at=timezone.now(), published=False)
    assert client.post(preview_url(about), edited(about)).status_code == 403
    assert (
        client.post(reverse("admin:posts_page_preview_changes", args=[about.pk + 1000]), edited(about)).status_code
        == 404
    )
    assert client.post(reverse("admin:posts_page_preview_changes", args=["abc"]), edited(about)).status_code == 404


def test_only_a_post_with_a_csrf_token(about, editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(preview_url(about), edited(about)).status_code == 403
