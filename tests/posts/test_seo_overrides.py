"""A post's "Search and social" settings: its own title and description for
search results and link previews, the original's address for a post first
published elsewhere, and hiding it from search engines."""

import pytest

from authors.roles import EDITORS
from posts.models import Post
from tests.factories import admin_post_form, make_post, make_user
from tests.posts.test_seo import BASE, Head, head
from tests.posts.test_sitemap import sitemap

pytestmark = pytest.mark.django_db

ORIGINAL = "https://magazine.example/2026/grading-in-django"


@pytest.fixture
def post():
    return make_post(title="Grading with Django", slug="grading", excerpt="How our gradebook works.")


def overridden(post, **fields) -> Post:
    for name, value in fields.items():
        setattr(post, name, value)
    post.save()
    return post


def test_overrides_fill_the_title_description_and_previews(client, post):
    overridden(post, meta_title="Django gradebooks, explained", meta_description="What we learnt building one.")
    page = head(client, post.get_absolute_url())

    assert page.title == "Django gradebooks, explained"  # as written: the blog's name is not added
    assert page.one("og:title") == page.one("twitter:title") == "Django gradebooks, explained"
    assert page.one("description") == page.one("og:description") == page.one("twitter:description")
    assert page.one("description") == "What we learnt building one."
    article = page.json_ld()["BlogPosting"]
    assert article["description"] == "What we learnt building one."
    assert article["headline"] == "Grading with Django"  # the title readers see above the article
    # Without a canonical URL, the post's own address everywhere.
    own = f"{BASE}/posts/grading/"
    assert page.canonical == [own] and page.one("og:url") == own and article["url"] == own
    assert "robots" not in page.meta


def test_empty_overrides_fall_back_to_the_post(client, post):
    page = head(client, post.get_absolute_url())

    assert page.title == "Grading with Django — Skolr Blog"
    assert page.one("og:title") == page.one("twitter:title") == "Grading with Django"
    assert page.one("description") == page.one("og:description") == page.one("twitter:description")
    assert page.one("description") == "How our gradebook works." == page.json_ld()["BlogPosting"]["description"]


def test_a_canonical_url_points_search_engines_at_the_original(client, post):
    overridden(post, canonical_url=ORIGINAL)
    page = head(client, post.get_absolute_url())

    assert page.canonical == [ORIGINAL] and page.one("og:url") == ORIGINAL
    article = page.json_ld()["BlogPosting"]
    assert article["url"] == ORIGINAL and article["mainEntityOfPage"]["@id"] == ORIGINAL
    assert article["@id"] == f"{ORIGINAL}#article"
    # The breadcrumbs stay this blog's own trail.
    assert page.json_ld()["BreadcrumbList"]["itemListElement"][-1]["item"] == f"{BASE}/posts/grading/"
    # A sitemap lists canonical addresses only.
    assert f"{BASE}/posts/grading/" not in sitemap(client)


def test_a_hidden_post_is_noindex_and_out_of_the_sitemap_but_still_on_the_blog_and_in_feeds(client, post):
    other = make_post(title="Indexed as usual", slug="indexed")
    overridden(post, noindex=True)

    assert head(client, post.get_absolute_url()).meta["robots"] == ["noindex"]
    assert "robots" not in head(client, other.get_absolute_url()).meta
    urls = sitemap(client)
    assert f"{BASE}/posts/indexed/" in urls and f"{BASE}/posts/grading/" not in urls
    assert "Grading with Django" in client.get("/feed/").content.decode()
    assert "Grading with Django" in client.get("/feed/atom/").content.decode()
    assert "Grading with Django" in client.get("/").content.decode()


def test_a_preview_of_a_hidden_post_says_noindex_once(client):
    draft = make_post(status="draft", published_at=None, noindex=True)
    client.force_login(make_user("editor", groups=[EDITORS]))
    assert head(client, draft.get_absolute_url()).meta["robots"] == ["noindex, nofollow"]


def test_overrides_are_escaped_in_every_tag(client, post):
    title = 'Say "hi" <script>alert(1)</script> & go'
    description = 'A "quoted" <b>bold</b> claim'
    overridden(post, meta_title=title, meta_description=description)
    response = client.get(post.get_absolute_url())
    html = response.content.decode()
    page = Head(html)

    assert "<script>alert(1)" not in html and "<b>bold" not in html
    assert "<title>Say &quot;hi&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; go</title>" in html
    assert page.title == title
    assert page.one("og:title") == page.one("twitter:title") == title
    assert page.one("description") == page.one("og:description") == page.one("twitter:description") == description
    assert page.json_ld()["BlogPosting"]["description"] == description


def test_a_changed_override_shows_on_the_next_request(client, post):
    assert head(client, post.get_absolute_url()).title == "Grading with Django — Skolr Blog"  # now cached
    overridden(post, meta_title="A sharper title", noindex=True)
    page = head(client, post.get_absolute_url())
    assert page.title == "A sharper title" and page.meta["robots"] == ["noindex"]


class TestAdminForm:
    @pytest.fixture
    def draft(self, client):
        client.force_login(make_user("editor", groups=[EDITORS]))
        return make_post(title="Syndicated", slug="syndicated", status="draft", published_at=None)

    def save(self, client, draft, **fields):
        form = admin_post_form(title="Syndicated, renamed", slug="syndicated", author=draft.author.pk, **fields)
        return client.post(f"/admin/posts/post/{draft.pk}/change/", form)

    def test_the_fieldset_is_collapsed_and_explains_each_field(self, client, draft):
        page = client.get(f"/admin/posts/post/{draft.pk}/change/").content.decode()
        assert "Search and social" in page and "collapse" in page
        for name in ("meta_title", "meta_description", "canonical_url", "noindex"):
            assert f'name="{name}"' in page
        assert "at most 70 characters" in page and "at most 160" in page
        assert "hide from search engines" in page.lower()

    def test_the_overrides_are_saved(self, client, draft):
        response = self.save(
            client,
            draft,
            meta_title="Syndicated: the search title",
            meta_description="  Two lines\n of description.  ",
            canonical_url=ORIGINAL,
            noindex="on",
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        draft.refresh_from_db()
        assert (draft.meta_title, draft.meta_description) == (
            "Syndicated: the search title",
            "Two lines of description.",
        )
        assert draft.canonical_url == ORIGINAL and draft.noindex

    @pytest.mark.parametrize(
        "canonical",
        ["ftp://files.example/post", "javascript:alert(1)", "/posts/elsewhere/", "https://", "mailto:a@example.com"],
    )
    def test_a_canonical_url_that_is_not_a_web_address_is_refused_and_nothing_is_saved(self, client, draft, canonical):
        response = self.save(client, draft, canonical_url=canonical, meta_title="Kept title")

        assert response.status_code == 200
        html = response.content.decode()
        assert "Give the whole address of the original, starting with https:// (or http://)." in html
        assert 'value="Kept title"' in html  # what was typed is shown again
        draft.refresh_from_db()
        assert (draft.title, draft.canonical_url, draft.meta_title) == ("Syndicated", "", "")

    def test_overlong_title_and_description_are_refused_with_their_lengths(self, client, draft):
        response = self.save(client, draft, meta_title="t" * 71, meta_description="d" * 161)

        assert response.status_code == 200
        html = response.content.decode()
        assert "Keep the meta title to 70 characters so search results show it whole (it has 71)." in html
        assert "Keep the meta description to 160 characters so search results show it whole (it has 161)." in html
        draft.refresh_from_db()
        assert draft.title == "Syndicated"
