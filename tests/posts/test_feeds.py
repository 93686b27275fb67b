"""RSS and Atom feeds for the blog, each tag and each author: valid XML,
the expected items, never a draft, a post in review or a scheduled post."""

import importlib
from datetime import timedelta
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from posts.models import Post
from tests.factories import image_upload, make_author, make_comment, make_post

pytestmark = pytest.mark.django_db

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}
SEED_TAGS = {"Django", "Flask", "FastAPI", "Python web framework", "REST API", "backend development"}


def get_xml(client, url, content_type):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith(content_type)
    return ElementTree.fromstring(response.content)


def rss(client, url):
    root = get_xml(client, url, "application/rss+xml")
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel")


def atom(client, url):
    root = get_xml(client, url, "application/atom+xml")
    assert root.tag == f"{{{NS['atom']}}}feed"
    return root


def rss_titles(channel):
    return [item.findtext("title") for item in channel.findall("item")]


def atom_titles(feed):
    return [entry.findtext("atom:title", namespaces=NS) for entry in feed.findall("atom:entry", NS)]


@pytest.fixture
def matrix():
    """A published post and every kind of post that must stay out of feeds."""
    author = make_author(slug="writer", name="Writer")
    make_post(author=author, title="Published", tags=["Schools"])
    make_post(author=author, title="Draft", tags=["Schools"], status=Post.Status.DRAFT)
    make_post(author=author, title="In review", tags=["Schools"], status=Post.Status.REVIEW)
    make_post(author=author, title="Scheduled", tags=["Schools"], published_at=timezone.now() + timedelta(hours=1))
    return author


FEEDS = [
    ("/feed/", "rss"),
    ("/feed/atom/", "atom"),
    ("/tags/schools/feed/", "rss"),
    ("/tags/schools/feed/atom/", "atom"),
    ("/authors/writer/feed/", "rss"),
    ("/authors/writer/feed/atom/", "atom"),
]


@pytest.mark.parametrize(("url", "kind"), FEEDS)
def test_every_feed_parses_and_lists_published_posts_only(client, matrix, url, kind):
    titles = rss_titles(rss(client, url)) if kind == "rss" else atom_titles(atom(client, url))
    assert titles == ["Published"]


def test_tag_and_author_feeds_hold_only_their_posts(client, matrix):
    make_post(title="Other tag, other author", tags=["Cooking"])
    assert rss_titles(rss(client, "/tags/schools/feed/")) == ["Published"]
    assert rss_titles(rss(client, "/authors/writer/feed/")) == ["Published"]
    assert set(rss_titles(rss(client, "/feed/"))) == {"Published", "Other tag, other author"}


@pytest.mark.parametrize(
    "url",
    ["/tags/nope/feed/", "/tags/secret/feed/atom/", "/authors/nobody/feed/", "/authors/drafter/feed/atom/"],
)
def test_feeds_of_unknown_or_unpublished_tags_and_authors_are_404(client, url):
    make_post(author=make_author(slug="drafter"), tags=["Secret"], status=Post.Status.DRAFT)
    assert client.get(url).status_code == 404


def test_rss_items_carry_author_categories_enclosure_and_full_content(client, seed):
    channel = rss(client, "/feed/")

    assert channel.findtext("title") == "Skolr Blog"
    assert channel.findtext("link") == "http://testserver/"
    assert channel.find("atom:link", NS).get("href") == "http://testserver/feed/"
    [item] = channel.findall("item")
    url = f"http://testserver{seed.get_absolute_url()}"
    assert item.findtext("title") == seed.title
    assert item.findtext("link") == url
    assert item.findtext("guid") == seed.feed_id and item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "Thu, 19 Mar 2026 09:00:00 +0000"
    assert item.findtext("description") == seed.excerpt
    assert item.findtext("dc:creator", namespaces=NS) == "Skolr"
    assert {category.text for category in item.findall("category")} == SEED_TAGS
    enclosure = item.find("enclosure")
    assert enclosure.get("url").startswith("http://testserver/media/posts/")
    assert enclosure.get("type") == "image/png" and int(enclosure.get("length")) > 0
    media = item.find("media:content", NS)
    assert media.get("url") == enclosure.get("url") and (media.get("width"), media.get("height")) == ("1600", "900")
    content = item.findtext("content:encoded", namespaces=NS)
    assert '<h2 id="performance-comparison">Performance Comparison</h2>' in content


def test_atom_entries_carry_author_categories_enclosure_and_full_content(client, seed):
    feed = atom(client, "/feed/atom/")

    assert feed.find("atom:link[@rel='self']", NS).get("href") == "http://testserver/feed/atom/"
    [entry] = feed.findall("atom:entry", NS)
    assert entry.findtext("atom:published", namespaces=NS) == "2026-03-19T09:00:00+00:00"
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "Skolr"
    assert entry.findtext("atom:author/atom:uri", namespaces=NS) == "http://testserver/authors/skolr/"
    assert {c.get("term") for c in entry.findall("atom:category", NS)} == SEED_TAGS
    assert entry.find("atom:link[@rel='enclosure']", NS).get("type") == "image/png"
    assert entry.findtext("atom:summary", namespaces=NS) == seed.excerpt
    content = entry.find("atom:content", NS)
    assert content.get("type") == "html" and "Our Recommendation" in content.text


def identities(client, url, host="testserver") -> list[str]:
    """What feed readers know each item of the feed at ``url`` by: its RSS
    guid, or its Atom id (the feed asked from ``host``)."""
    root = ElementTree.fromstring(client.get(url, HTTP_HOST=host).content)
    if url.endswith("/atom/"):
        return [entry.findtext("atom:id", namespaces=NS) for entry in root.findall("atom:entry", NS)]
    return [item.findtext("guid") for item in root.findall("channel/item")]


def test_a_posts_identity_in_every_feed_survives_a_rename_and_any_host(client, matrix):
    """Found by QA: an item's RSS guid and Atom id were its link, so renaming
    a published post made every feed reader show it again as a new, unread
    item; and they changed with the host the feed was asked from."""
    post = Post.objects.get(title="Published")
    old_address = post.get_absolute_url()
    assert post.feed_id.startswith("urn:uuid:")
    for url, _ in FEEDS:
        assert identities(client, url) == [post.feed_id], url
    assert rss(client, "/feed/").find("item/guid").get("isPermaLink") == "false"  # not an address to open

    post.slug = "renamed"
    post.save()
    assert client.get(old_address).status_code == 301
    for url, _ in FEEDS:
        assert identities(client, url) == [post.feed_id], url
        assert identities(client, url, host="localhost") == [post.feed_id], url
    assert rss(client, "/feed/").findtext("item/link") == "http://testserver/posts/renamed/"  # the link follows
    assert make_post().feed_id not in {post.feed_id, ""}  # each post its own


def test_posts_stored_before_keep_the_guid_feed_readers_have(client, settings):
    """Feed readers know the items they have by the guid they were given, the
    item's link: a live post stored before ``feed_id`` keeps its link of then
    as its identity (so nothing reappears as new), and never changes it again.
    The others were in no feed: each gets a new one of its own."""
    migration = importlib.import_module("posts.migrations.0029_post_feed_id")
    settings.SITE_SCHEME = "https"
    live = make_post(slug="known-post")
    draft = make_post(status=Post.Status.DRAFT)
    scheduled = make_post(published_at=timezone.now() + timedelta(days=1))
    new = {draft.pk: draft.feed_id, scheduled.pk: scheduled.feed_id}

    migration.keep_the_guids_readers_have(django_apps, SimpleNamespace(connection=connection))

    ids = dict(Post.objects.values_list("pk", "feed_id"))
    assert ids[live.pk] == "https://testserver/posts/known-post/"
    assert ids[draft.pk].startswith("urn:uuid:") and ids[scheduled.pk].startswith("urn:uuid:")
    assert ids[draft.pk] != ids[scheduled.pk] and new[draft.pk] != ids[draft.pk]
    live.refresh_from_db()
    live.slug = "renamed"
    live.save()
    assert identities(client, "/feed/") == ["https://testserver/posts/known-post/"]


def test_every_atom_feed_has_an_id_of_its_own_that_no_rename_or_host_changes(client, matrix):
    """Found by QA: a feed's Atom id was its link, so the blog's feed and its
    comment feed were one feed to a reader (both the home page), and a tag's,
    an author's and a post's comment feed had another id once renamed, or
    asked from another host. The site's two are their own addresses on the
    site's domain; the others are made of what never changes (the tag's and
    the author's number, the post's ``feed_id``), none an item's id."""
    published = Post.objects.get(title="Published")
    other = make_post(title="Other", tags=["Cooking"])

    def feed_ids(host: str = "testserver") -> list[str]:
        published.refresh_from_db()
        other.refresh_from_db()
        urls = [
            reverse("posts:feed_atom"),
            reverse("comment-feed-atom"),
            *(reverse("posts:tag_feed_atom", args=[tag.slug]) for tag in Tag.objects.order_by("pk")),
            *(reverse("authors:feed_atom", args=[post.author.slug]) for post in (published, other)),
            *(reverse("posts:comment_feed_atom", args=[post.slug]) for post in (published, other)),
        ]
        responses = [client.get(url, HTTP_HOST=host) for url in urls]
        assert [response.status_code for response in responses] == [200] * 8
        return [ElementTree.fromstring(response.content).findtext("atom:id", namespaces=NS) for response in responses]

    ids = feed_ids()
    assert ids[:2] == ["http://testserver/feed/atom/", "http://testserver/comments/feed/atom/"]
    assert len(set(ids)) == len(ids)
    assert not set(ids) & set(Post.objects.values_list("feed_id", flat=True))
    assert feed_ids(host="localhost") == ids

    for tag in Tag.objects.all():
        tag.name, tag.slug = f"{tag.name} renamed", f"{tag.slug}-renamed"
        tag.save()
    for post in (published, other):
        post.author.slug = f"{post.author.slug}-renamed"
        post.author.save()
        post.slug = f"{post.slug}-renamed"
        post.save()
    assert feed_ids() == ids


def test_excerpt_only_when_full_content_is_off(client, settings, seed):
    settings.BLOG = settings.BLOG | {"FEED_FULL_CONTENT": False}
    item = rss(client, "/feed/").find("item")
    entry = atom(client, "/feed/atom/").find("atom:entry", NS)

    assert item.find("content:encoded", NS) is None
    assert entry.find("atom:content", NS) is None
    assert item.findtext("description") == seed.excerpt


def test_full_content_links_and_images_are_absolute(client):
    make_post(
        body='<p><a href="/tags/x/">x</a> <a href="https://example.org/">y</a> <img src="/media/a.png" alt="a"></p>'
    )
    content = rss(client, "/feed/").find("item").findtext("content:encoded", namespaces=NS)
    assert 'href="http://testserver/tags/x/"' in content
    assert 'href="https://example.org/"' in content
    assert 'src="http://testserver/media/a.png"' in content


def test_feed_without_thumbnail_has_no_enclosure_and_a_missing_file_does_not_break_it(client):
    make_post(title="Plain")
    post = make_post(title="Pictured", thumbnail=image_upload(), thumbnail_alt="A picture")
    post.thumbnail.storage.delete(post.thumbnail.name)

    items = {item.findtext("title"): item for item in rss(client, "/feed/").findall("item")}

    assert items["Plain"].find("enclosure") is None
    assert items["Pictured"].find("enclosure").get("length") == "0"


@pytest.mark.parametrize("url", ["/feed/", "/tags/lanterns/feed/"])
def test_feeds_hold_the_newest_twenty(client, url):
    author = make_author()
    for n in range(25):
        make_post(
            author=author, title=f"Post {n:02d}", published_at=timezone.now() - timedelta(days=n + 1), tags=["Lanterns"]
        )
    titles = rss_titles(rss(client, url))
    assert len(titles) == 20 and titles[0] == "Post 00" and titles[-1] == "Post 19"


def test_a_tag_feed_reads_its_posts_off_the_taggings_index(client):
    """Newer posts with other tags neither crowd a tag's feed nor are read
    for it: its twenty come from one range of the tag's taggings."""
    author = make_author()
    for n in range(3):
        make_post(
            author=author, title=f"Old {n}", tags=["Lanterns"], published_at=timezone.now() - timedelta(days=400 + n)
        )
    for n in range(25):
        make_post(author=author, title=f"New {n}", tags=["Kites"], published_at=timezone.now() - timedelta(hours=n + 1))
    with CaptureQueriesContext(connection) as captured:
        assert rss_titles(rss(client, "/tags/lanterns/feed/")) == ["Old 0", "Old 1", "Old 2"]
    [items] = [query["sql"] for query in captured if '"posts_post"."title"' in query["sql"]]
    picked = items[items.index("IN (SELECT") :]
    assert 'FROM "posts_taggedpost"' in picked and "LIMIT 20" in picked
    assert 'JOIN "posts_taggedpost"' not in items


def test_pages_announce_their_feeds(client, seed):
    home = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml" title="Skolr Blog (RSS)" href="/feed/">' in home
    assert '<link rel="alternate" type="application/atom+xml" title="Skolr Blog (Atom)" href="/feed/atom/">' in home

    tag = client.get("/tags/django/").content.decode()
    assert 'type="application/rss+xml" title="Skolr Blog: Django (RSS)" href="/tags/django/feed/"' in tag
    assert 'type="application/atom+xml" title="Skolr Blog: Django (Atom)" href="/tags/django/feed/atom/"' in tag

    author = client.get("/authors/skolr/").content.decode()
    assert 'title="Skolr Blog: Skolr (RSS)" href="/authors/skolr/feed/"' in author
    assert 'title="Skolr Blog: Skolr (Atom)" href="/authors/skolr/feed/atom/"' in author


def test_a_control_character_typed_anywhere_leaves_every_feed_valid(client):
    """Found by QA: a vertical tab in a title (or an escape in an excerpt, a
    form feed in a body, an author renaming themselves with one) made every
    feed the post is in a 500: XML 1.0 cannot hold them. The feeds leave
    them out; the article still shows its words."""
    author = make_author(name="Sk\x1bolr", slug="skolr-x")
    post = make_post(
        author=author,
        title="Widget guide with\x0bvtab",
        excerpt="Excerpt\x1b escape",
        body="<p>Body \x0c formfeed</p>",
        tags=["Widgets\x1b"],
    )
    tag = post.tags.get()
    for url in ["/feed/", "/feed/atom/", f"/tags/{tag.slug}/feed/", f"/tags/{tag.slug}/feed/atom/",
                "/authors/skolr-x/feed/", "/authors/skolr-x/feed/atom/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        text = ElementTree.tostring(ElementTree.fromstring(response.content), encoding="unicode")
        assert "Widget guide withvtab" in text and "Excerpt escape" in text and "Skolr" in text, url
    assert client.get(post.get_absolute_url()).status_code == 200


def test_a_noncharacter_typed_anywhere_leaves_every_feed_well_formed(client):
    """Found by QA: a U+FFFE (a byte-order mark read the wrong way round, from a
    badly converted file) in a title, a body or a comment was written into the
    feeds as it was, and XML 1.0 cannot hold it: feed readers refused the
    whole feed, every other post with it, as not well-formed. The feeds leave
    it and U+FFFF out; the article still shows its words."""
    marked = {"title": "Widget guide\ufffe with a mark", "excerpt": "Excerpt\uffff here", "body": "<p>\ufffe</p>"}
    post = make_post(author=make_author(name="Sk\ufffeolr", slug="skolr-x"), tags=["Widgets\ufffe"], **marked)
    make_comment(post, comment="A comment\ufffe here")
    tag = post.tags.get()
    for url in ["/feed/", "/feed/atom/", f"/tags/{tag.slug}/feed/", f"/tags/{tag.slug}/feed/atom/",
                "/authors/skolr-x/feed/", "/authors/skolr-x/feed/atom/", "/comments/feed/", "/comments/feed/atom/",
                f"/posts/{post.slug}/comments/feed/", f"/posts/{post.slug}/comments/feed/atom/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        text = ElementTree.tostring(ElementTree.fromstring(response.content), encoding="unicode")
        assert "Widget guide with a mark" in text and "Skolr" in text, url
    assert "A comment here" in client.get("/comments/feed/").content.decode()
    assert client.get(post.get_absolute_url()).status_code == 200
