"""Search and social settings come over from WordPress (Yoast SEO, Rank Math)
and Ghost: the imported article's head shows them, a bad value is named in
the summary instead of stopping the import, and the export writes them as
Yoast's post meta."""

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import call_command

from posts.models import Page, Post
from tests.factories import make_page, make_post
from tests.posts.test_seo import BASE, head

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
WP = "{http://wordpress.org/export/1.2/}"


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *map(str, args), stdout=out)
    return out.getvalue()


def settings_of(slug: str) -> tuple:
    post = Post.objects.get(slug=slug)
    return post.meta_title, post.meta_description, post.canonical_url, post.noindex


def test_yoast_settings_arrive_with_their_variables_filled_in(client):
    run("import_wordpress", FIXTURES / "wordpress-seo.xml")

    page = head(client, "/posts/marking-essays/")

    # "%%title%% for busy teachers %%page%% %%sep%% %%sitename%%": the post now lives on this blog.
    assert page.title == "Marking essays with rubrics for busy teachers — Skolr Blog"
    assert page.one("og:title") == "Marking essays with rubrics for busy teachers — Skolr Blog"
    assert page.one("description") == page.one("og:description") == "Rubrics & comment banks, step by step."
    assert page.canonical == ["https://teachers-weekly.example.com/rubrics"]
    assert page.meta["robots"] == ["noindex"]


def test_a_default_yoast_template_leaves_the_blogs_own_default(client):
    """Yoast shows "%%title%% %%sep%% %%sitename%%" when nobody wrote a
    title: left empty, the blog's default applies and follows a rename."""
    run("import_wordpress", FIXTURES / "wordpress-seo.xml")

    assert settings_of("homework") == ("", "", "", False)  # "2" is Yoast's explicit "index"
    page = head(client, "/posts/homework/")
    assert page.title == "Homework that works — Skolr Blog"
    assert page.one("description") == "Less homework, better homework."
    assert page.canonical == [f"{BASE}/posts/homework/"] and "robots" not in page.meta


def test_rank_math_settings_arrive(client):
    run("import_wordpress", FIXTURES / "wordpress-seo.xml")

    page = head(client, "/posts/peer-review/")

    assert page.title == "Peer marking pupils trust — Skolr Blog"
    # No search description: its Facebook card's serves both here.
    assert page.one("description") == page.one("og:description") == "Two stars and a wish, done well."
    assert page.canonical == ["https://teachers-weekly.example.com/peer-review"]
    assert page.meta["robots"] == ["noindex"]  # from its serialized robots list


def test_bad_values_are_named_in_the_summary_and_the_rest_comes_over(client):
    out = run("import_wordpress", FIXTURES / "wordpress-seo.xml")

    assert "Posts: 6 created." in out and "Pages: 1 created." in out
    title, description, canonical, noindex = settings_of("unchecked")
    # Yoast's title names a variable the blog cannot fill in; Rank Math's, next in line, is too long.
    assert "“Settings nobody checked”: its Yoast SEO title uses %%focuskw%%, which the blog cannot fill in" in out
    assert title == "A title far too long for any search result page, running on well past…"
    assert "its meta title had 88 characters, shortened to the 70 search results show" in out
    assert len(description) <= 160 and description.endswith("to shorten it at a word boundary…")
    assert "its meta description had 177 characters, shortened to the 160" in out
    assert (canonical, noindex) == ("", False)
    assert "its canonical URL “javascript:alert(1)” is not a whole web address (https://…): left out." in out
    # A canonical address on the old blog itself (any of its hosts) named this very post there.
    assert settings_of("moved-here")[2] == ""
    assert "“Moved here”: its canonical URL “https://www.classroom-notes.example.org/2025/07/moved-here/” was on" in out
    assert head(client, "/posts/moved-here/").canonical == [f"{BASE}/posts/moved-here/"]


def test_a_pages_search_description_becomes_its_description(client):
    out = run("import_wordpress", FIXTURES / "wordpress-seo.xml")

    assert Page.objects.get(slug="thank-you").description == "Your subscription to Classroom Notes is confirmed."
    assert head(client, "/thank-you/").one("description") == "Your subscription to Classroom Notes is confirmed."
    assert "page “Thank you”: pages here have a description only for search engines; not kept: hidden from" in out


def test_ghost_meta_fields_arrive_from_posts_meta_and_from_older_exports(client):
    out = run("import_ghost", "--site-url", "https://learning-lab.example.org", FIXTURES / "ghost-seo.json")

    page = head(client, "/posts/retrieval-practice/")
    assert page.title == "Retrieval practice in five minutes a day"
    assert page.one("description") == "Three questions & no grades."
    assert page.canonical == ["https://teachers-weekly.example.com/retrieval"]
    # Without a meta title or description, the Facebook card's, then the X card's.
    assert settings_of("spaced-repetition") == ("Spacing, explained", "Why spacing beats cramming.", "", False)
    # Ghost 1 and 2 kept them on the post.
    assert head(client, "/posts/interleaving/").title == "Interleaving: mix your practice"
    assert settings_of("interleaving")[1] == "Why mixed practice sticks."
    # A canonical URL on the old blog, and a description longer than the 160 characters here.
    _, description, canonical, _ = settings_of("dual-coding")
    assert canonical == "" and len(description) <= 160 and description.endswith("…")
    assert "its canonical URL “https://learning-lab.example.org/dual-coding/” was on the old blog" in out
    assert "its meta description had 319 characters, shortened" in out
    assert Page.objects.get(slug="contact").description == "How to reach the Learning Lab team."


def test_the_export_writes_yoasts_post_meta(tmp_path):
    make_post(
        slug="syndicated",
        meta_title="Grading, explained",
        meta_description="What we learnt & why.",
        canonical_url="https://magazine.example/grading",
        noindex=True,
    )
    make_post(slug="plain")
    make_page(slug="about", description="Who we are.")
    file = tmp_path / "blog.xml"

    run("export_wordpress", file)

    items = {item.findtext(f"{WP}post_name"): item for item in ET.parse(file).getroot().iter("item")}

    def meta(slug):
        return {m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value") for m in items[slug].iter(f"{WP}postmeta")}

    assert meta("syndicated") == {
        "_yoast_wpseo_title": "Grading, explained",
        "_yoast_wpseo_metadesc": "What we learnt & why.",
        "_yoast_wpseo_canonical": "https://magazine.example/grading",
        "_yoast_wpseo_meta-robots-noindex": "1",
    }
    assert meta("plain") == {}  # nothing for settings nobody filled in
    assert meta("about") == {"_yoast_wpseo_metadesc": "Who we are."}
