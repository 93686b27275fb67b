"""Pages (About, Contact…): served at /<slug>/, drafts for editors only,
addresses of the blog's own refused, linked from the header and footer
menus at no query per page shown, listed in the sitemap, edited by editors."""

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from authors.roles import AUTHORS, EDITORS, MODERATORS
from posts import menus
from posts.models import Page
from tests.factories import admin_page_form, count_queries, make_page, make_post, make_user, png_bytes

pytestmark = pytest.mark.django_db


def main_nav(html: str) -> list[str]:
    return re.findall(
        r"<li><a href=\"[^\"]*\">([^<]+)</a></li>", re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)[1]
    )


def footer_links(html: str) -> list[str]:
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S)[1]
    return re.findall(r"<li><a href=\"[^\"]*\"(?: type=\"[^\"]*\")?>([^<]+)</a></li>", footer)


# Reading


def test_a_page_is_served_at_its_own_address_with_title_description_canonical_and_breadcrumbs(client):
    page = make_page(
        title="About",
        slug="about",
        description="Who writes this blog & why.",
        body="<p>We build Skolr.</p><h2>What we do</h2><p>Schools.</p>",
    )

    response = client.get("/about/")

    assert page.get_absolute_url() == "/about/"
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>About — Skolr Blog</title>" in html
    assert '<meta name="description" content="Who writes this blog &amp; why.">' in html
    assert '<link rel="canonical" href="http://testserver/about/">' in html
    assert '<meta property="og:title" content="About">' in html
    assert '<h1 class="post-title">About</h1>' in html
    assert '<h2 id="what-we-do">What we do</h2>' in html  # the posts' heading anchors
    assert '<li><a href="/">Skolr Blog</a></li><li><span aria-current="page">About</span></li>' in html
    assert '"@type":"BreadcrumbList"' in html
    # A page has no comments.
    assert "comment-form" not in html and "/comments/post/" not in html
    assert "noindex" not in html


def test_without_a_description_the_meta_description_is_the_start_of_the_text(client):
    make_page(slug="privacy", body="<p>We keep little.</p><p>" + "Nothing more. " * 30 + "</p>")

    html = client.get("/privacy/").content.decode()

    description = re.search(r'<meta name="description" content="([^"]*)">', html)[1]
    assert description.startswith("We keep little. Nothing more.")
    assert len(description) <= 160 and description.endswith("…")


def test_a_draft_is_a_404_for_readers_and_authors_and_shown_to_editors_marked_draft(client):
    make_page(slug="contact", title="Contact", published=False)

    assert client.get("/contact/").status_code == 404
    client.force_login(make_user("writer", groups=[AUTHORS]))
    assert client.get("/contact/").status_code == 404
    client.force_login(make_user("moderator", groups=[MODERATORS]))
    assert client.get("/contact/").status_code == 404

    client.force_login(make_user("editor", groups=[EDITORS]))
    response = client.get("/contact/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Draft.</strong> This page is not published" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_or_malformed_address_is_a_404(client):
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/" + "x" * 5000 + "/").status_code == 404
    assert client.get("/a%00b/").status_code == 404


# Addresses


@pytest.mark.parametrize(
    "slug",
    [
        "posts", "tags", "admin", "feed", "search", "authors", "archive", "subscribe",
        "comments", "mail", "preview", "static", "media", "Admin", "__errors__",
    ],
)  # fmt: skip
def test_a_slug_of_the_blogs_own_addresses_is_refused_with_a_clear_message(slug):
    page = Page(title="Clash", slug=slug, body="<p>Text.</p>")

    with pytest.raises(ValidationError) as refused:
        page.full_clean()

    assert refused.value.message_dict["slug"] == [
        f"“/{slug}/” is already one of the blog's own addresses: choose another slug for this page."
    ]


def test_the_admin_refuses_a_reserved_slug_and_keeps_what_was_typed(client, editor):
    response = client.post(
        "/admin/posts/page/add/", admin_page_form(title="Our feed", slug="feed", body="<p>Long text.</p>")
    )

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "“/feed/” is already one of the blog's own addresses: choose another slug for this page." in html
    assert 'value="Our feed"' in html and "Long text." in html
    assert not Page.objects.exists()


def test_a_page_never_hides_an_address_of_the_blog(client):
    """Pages are matched last: even a page stored with a taken slug (by the
    shell, around validation) leaves that address to its owner."""
    Page.objects.create(title="Impostor", slug="tags", body="<p>Not the tag index.</p>")

    response = client.get("/tags/")

    assert response.status_code == 200
    assert "Not the tag index." not in response.content.decode()


# Menus


def test_menus_show_published_pages_in_order_after_the_blogs_own_links(client):
    make_page(title="Write for us", show_in_header=True, menu_order=20)
    make_page(title="About", show_in_header=True, menu_order=10)
    make_page(title="Privacy policy", show_in_footer=True, menu_order=5)
    make_page(title="Contact", show_in_header=True, show_in_footer=True, menu_order=30)
    make_page(title="Draft page", show_in_header=True, show_in_footer=True, published=False)
    make_page(title="Unlisted", menu_order=1)

    html = client.get("/").content.decode()

    assert main_nav(html) == ["Articles", "Tags", "Archive", "About", "Write for us", "Contact"]
    assert footer_links(html) == ["RSS feed", "Atom feed", "All tags", "Archive", "Privacy policy", "Contact"]


def test_a_saved_page_shows_in_the_menus_on_the_next_request(client, editor):
    page = make_page(title="About", slug="about", show_in_header=True)
    reader = type(client)()
    assert "About" in main_nav(reader.get("/").content.decode())
    assert reader.get("/").headers["X-Page-Cache"] == "hit"

    form = admin_page_form(title="About Skolr", slug="about", show_in_header="on", menu_order="0")
    assert client.post(f"/admin/posts/page/{page.pk}/change/", form).status_code == 302

    home = reader.get("/")
    assert home.headers["X-Page-Cache"] == "miss"
    assert main_nav(home.content.decode())[-1] == "About Skolr"

    # Moved to the footer, then unpublished, then deleted.
    form |= {"show_in_header": "", "show_in_footer": "on"}
    del form["show_in_header"]
    client.post(f"/admin/posts/page/{page.pk}/change/", form)
    html = reader.get("/").content.decode()
    assert "About Skolr" not in main_nav(html) and "About Skolr" in footer_links(html)
    del form["published"]
    client.post(f"/admin/posts/page/{page.pk}/change/", form)
    assert "About Skolr" not in footer_links(reader.get("/").content.decode())
    assert reader.get("/about/").status_code == 404
    page.refresh_from_db()
    page.published = True
    page.save()
    assert "About Skolr" in footer_links(reader.get("/").content.decode())
    client.post(f"/admin/posts/page/{page.pk}/delete/")  # to the trash
    assert Page.objects.get().in_trash
    assert "About Skolr" not in reader.get("/").content.decode()
    client.post(f"/admin/posts/page/{page.pk}/restore/")
    assert "About Skolr" not in reader.get("/").content.decode()  # back as a draft


def test_a_page_saved_by_another_process_shows_on_the_next_render_here(client):
    """Each process keeps the menus it read; a save elsewhere sets a new
    menu version in the shared cache, and this process reads them again."""
    page = make_page(title="About", show_in_header=True)
    client.get("/tags/")
    kept_here = menus._kept

    page.title = "About us"
    page.save()  # as if in another process: this one's copy is put back
    menus._kept = kept_here

    assert main_nav(client.get("/archive/").content.decode())[-1] == "About us"


def test_the_menus_cost_the_article_no_query(client):
    post = make_post(tags=["One"])
    without_pages = count_queries(client, post.get_absolute_url())
    make_page(title="About", show_in_header=True)
    make_page(title="Privacy", show_in_footer=True)

    # The first render after a change reads the menus once, for every page.
    assert count_queries(client, post.get_absolute_url()) == without_pages + 1
    assert count_queries(client, post.get_absolute_url()) == without_pages
    assert count_queries(client, "/") == count_queries(client, "/")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "About" in main_nav(html) and "Privacy" in footer_links(html)


def test_a_page_costs_two_queries(client):
    make_page(slug="about", title="About", show_in_header=True)
    client.get("/about/")  # reads the menus

    # The page, and the page cache's look-up of the next scheduled post.
    assert count_queries(client, "/about/") == 2


# Sitemap


def test_the_sitemap_lists_published_pages_with_their_last_change(client):
    page = make_page(slug="about")
    make_page(slug="draft", published=False)

    xml = client.get("/sitemap-pages.xml").content.decode()

    assert f"<loc>http://testserver/about/</loc><lastmod>{page.updated_at.date().isoformat()}</lastmod>" in xml
    assert "/draft/" not in xml
    assert "http://testserver/sitemap-pages.xml" in client.get("/sitemap.xml").content.decode()


# Editing


def test_editors_add_change_and_delete_pages_in_the_admin(client, editor):
    assert client.get("/admin/posts/page/add/").status_code == 200
    response = client.post("/admin/posts/page/add/", admin_page_form(show_in_footer="on", menu_order="3"))
    assert response.status_code == 302
    page = Page.objects.get(slug="contact")
    assert (page.title, page.published, page.show_in_header, page.show_in_footer, page.menu_order) == (
        "Contact", True, False, True, 3,
    )  # fmt: skip

    listing = client.get("/admin/posts/page/?q=contact").content.decode()
    assert "Contact" in listing and "Footer" in listing and "View on site" in listing
    assert client.get(f"/admin/posts/page/{page.pk}/change/").status_code == 200
    # Deleting moves the page to the trash; deleted there, it is gone for good.
    assert (
        "Move the page “Contact” to the trash?" in client.get(f"/admin/posts/page/{page.pk}/delete/").content.decode()
    )
    assert client.post(f"/admin/posts/page/{page.pk}/delete/").status_code == 302
    assert Page.objects.get().in_trash and not Page.objects.get().published
    row = f'href="/admin/posts/page/{page.pk}/change/'
    assert row not in client.get("/admin/posts/page/").content.decode()
    assert row in client.get("/admin/posts/page/?state=trash").content.decode()
    ask = client.get(f"/admin/posts/page/{page.pk}/delete/").content.decode()
    assert "This deletes the page for good: it cannot be restored afterwards." in ask
    assert client.post(f"/admin/posts/page/{page.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Page.objects.exists()


def test_editors_upload_a_pages_images_and_get_their_address(client, editor):
    """As for posts: the page's Content-Security-Policy shows only the blog's
    own images, so a page's images are uploaded with it."""
    picture = SimpleUploadedFile("team.png", png_bytes(size=(120, 80)), content_type="image/png")
    data = admin_page_form(**{"images-TOTAL_FORMS": "1", "images-0-image": picture, "images-0-alt": "The team"})

    assert client.post("/admin/posts/page/add/", data).status_code == 302

    image = Page.objects.get().images.get()
    assert (image.alt, image.width, image.height) == ("The team", 120, 80)
    assert image.image.name.startswith("pages/inline/")
    form = client.get(f"/admin/posts/page/{image.page.pk}/change/").content.decode()
    assert f"<code>{image.image.url}</code>" in form


@pytest.mark.parametrize("group", [AUTHORS, MODERATORS])
def test_authors_and_moderators_cannot_touch_pages(client, group):
    page = make_page(title="About")
    client.force_login(make_user("someone", groups=[group]))

    assert client.get("/admin/posts/page/").status_code == 403
    assert client.get(f"/admin/posts/page/{page.pk}/change/").status_code == 403
    assert client.post("/admin/posts/page/add/", admin_page_form()).status_code == 403
    assert client.post(f"/admin/posts/page/{page.pk}/change/", admin_page_form(title="Taken")).status_code == 403
    assert client.post(f"/admin/posts/page/{page.pk}/delete/", {"post": "yes"}).status_code == 403
    page.refresh_from_db()
    assert page.title == "About" and Page.objects.count() == 1


def test_the_body_is_sanitized_however_it_is_saved(client, editor):
    hostile = '<p onclick="steal()">Hi<script>alert(1)</script></p><p><a href="javascript:alert(2)">x</a></p>'
    client.post("/admin/posts/page/add/", admin_page_form(body=hostile))
    shell = make_page(slug="shell", body=hostile)

    for page in (Page.objects.get(slug="contact"), shell):
        page.refresh_from_db()
        assert "<script" not in page.body and "onclick" not in page.body and "javascript:" not in page.body
        assert "Hi" in page.body
        html = client.get(page.get_absolute_url()).content.decode()
        assert "alert(1)" not in html and "steal()" not in html


def test_a_page_title_is_escaped_in_the_menus_and_on_the_page(client):
    make_page(slug="xss", title='<img src=x onerror="alert(1)">', show_in_header=True, show_in_footer=True)

    for url in ("/", "/xss/"):
        html = client.get(url).content.decode()
        assert "<img src=x" not in html
        assert html.count("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;") >= 2
