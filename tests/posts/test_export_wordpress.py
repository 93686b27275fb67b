"""``export_wordpress``: a WordPress export (WXR 1.2) of the blog that
WordPress's importer reads, and that ``import_wordpress`` brings back whole."""

import io
import threading
import xml.etree.ElementTree as ET
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from authors.models import Author
from posts.comments import public_comments
from posts.models import CoAuthor, Page, Post, PostNewsletter, Subscriber, TagProfile
from posts.tagging import tag_description
from tests.factories import image_upload, make_author, make_comment, make_page, make_post

pytestmark = pytest.mark.django_db

WXR = Path(__file__).parent / "fixtures" / "wordpress.xml"
WP = "{http://wordpress.org/export/1.2/}"


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *map(str, args), stdout=out)
    return out.getvalue()


def blog() -> dict:
    """What readers and editors see of the blog: posts with their fields,
    search settings and tags, each post's public comment threads (who
    answered whom), and pages with their text, state and menu position."""
    posts = {}
    for post in Post.objects.select_related("author").order_by("slug"):
        comments = public_comments().filter(object_pk=str(post.pk)).order_by("thread_id", "order")
        text = {comment.pk: comment.comment for comment in comments}
        posts[post.slug] = {
            "fields": (post.title, post.author.slug, post.author.name, post.excerpt, post.body, post.status),
            "dates": (post.published_at, post.allow_comments, post.featured),
            "search": (post.meta_title, post.meta_description, post.canonical_url, post.noindex),
            "tags": sorted((tag.name, tag_description(tag)) for tag in post.tags.all()),
            "comments": [
                (c.user_name, c.user_email, c.user_url, c.comment, c.submit_date, c.level, text.get(c.parent_id))
                for c in comments
            ],
        }
    pages = {
        page.slug: (page.title, page.description, page.body, page.published, page.menu_order)
        for page in Page.objects.all()
    }
    return {"posts": posts, "pages": pages}


def postmeta(item: ET.Element) -> dict[str, str]:
    return {meta.findtext(f"{WP}meta_key"): meta.findtext(f"{WP}meta_value") for meta in item.iter(f"{WP}postmeta")}


def empty_the_blog() -> None:
    """What importing "into an empty database" starts from: no posts (their
    comments go with them), pages, authors, accounts or tags."""
    Post.objects.all().delete()
    Page.objects.all().delete()
    Author.objects.all().delete()
    get_user_model().objects.all().delete()
    Tag.objects.all().delete()
    assert not XtdComment.objects.exists()


@pytest.fixture
def media_online(settings):
    """The blog's uploads served over HTTP on 127.0.0.1, as its web server
    serves them at /media/, with the Site named so: the export's addresses
    of files lead there, and an import downloads them as from any old site
    (``--allow-image-host 127.0.0.1``)."""

    class Media(SimpleHTTPRequestHandler):
        def translate_path(self, path):
            return str(Path(settings.MEDIA_ROOT) / urlsplit(path).path.removeprefix(settings.MEDIA_URL))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Media)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = Site.objects.get_current()
    site.domain = f"127.0.0.1:{server.server_port}"
    site.save()
    yield
    Site.objects.clear_cache()  # the rolled-back name stays in its cache otherwise
    server.shutdown()
    server.server_close()
    thread.join()


def test_export_then_import_into_an_empty_database_gives_the_same_blog(tmp_path):
    run("import_wordpress", WXR, "--no-images")
    # A post written here, with a comment whose text WordPress would read as markup.
    post = make_post(slug="written-here", author=make_author(slug="skolr", name="Skolr"), tags=["Django"])
    post.body = "<p>Made <em>here</em>.</p><pre><code>a &lt; b\n\nc</code></pre>"
    post.published_at = post.published_at.replace(microsecond=0)  # as the admin saves it; WXR has seconds
    post.featured = True  # WordPress calls it sticky
    # Its search and social settings go out as Yoast's (a title without variables is taken whole).
    post.meta_title, post.meta_description = "Made here: 100% of it", "How & why we made it."
    post.canonical_url, post.noindex = "https://magazine.example/made-here?ref=skolr", True
    post.save()
    TagProfile.objects.create(tag=Tag.objects.get(name="Django"), description="The web framework.")
    make_comment(post, comment="Use <div> & not\n\na <table>.", submit_date=post.published_at.replace(microsecond=0))
    # A page written here, in both menus; and a draft page.
    make_page(
        slug="contact",
        title="Contact & press",
        description="How to reach us.",
        body='<p>Write to <a href="mailto:hello@example.org">us</a>.</p>',
        menu_order=9,
        show_in_header=True,
        show_in_footer=True,
    )
    make_page(slug="privacy", title="Privacy", published=False)
    before = blog()
    assert len(before["pages"]) == 5
    file = tmp_path / "blog.xml"

    out = run("export_wordpress", file)

    assert "Exported 5 post(s), 5 page(s), 4 tag(s), 3 author(s) and 5 public comment(s)" in out
    empty_the_blog()

    out = run("import_wordpress", file, "--no-images")

    assert "Posts: 5 created." in out and "Pages: 5 created." in out
    assert blog() == before
    # WordPress keeps menus apart from pages: the file has none, editors choose again.
    assert not Page.objects.filter(show_in_header=True).exists()
    assert not Page.objects.filter(show_in_footer=True).exists()


def test_the_file_uses_wordpress_names_and_leaves_out_held_comments(tmp_path):
    run("import_wordpress", WXR, "--no-images")
    file = tmp_path / "blog.xml"
    run("export_wordpress", file)

    raw = file.read_bytes()
    # WordPress's importer looks elements up by these prefixes.
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b'xmlns:wp="http://wordpress.org/export/1.2/"' in raw
    assert b'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"' in raw
    assert b'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in raw
    channel = ET.fromstring(raw).find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert {author.findtext(f"{WP}author_login") for author in channel.iter(f"{WP}author")} == {"mrivera", "tomaso"}
    items = {(item.findtext(f"{WP}post_type"), item.findtext(f"{WP}post_name")): item for item in channel.iter("item")}
    statuses = {key: item.findtext(f"{WP}status") for key, item in items.items()}
    assert statuses == {
        ("post", "marking-essays-with-rubrics"): "publish",
        ("post", "python-in-the-year-9-classroom"): "draft",
        ("post", "spring-term-timetable"): "future",
        ("post", "peer-review-that-works"): "pending",
        ("page", "about"): "publish",
        ("page", "team"): "publish",
        ("page", "tags-page"): "draft",
    }
    # One sequence of ids for posts and pages, as WordPress's importer maps items by it.
    ids = [item.findtext(f"{WP}post_id") for item in items.values()]
    assert len(set(ids)) == len(ids)
    team = items["page", "team"]
    assert team.findtext(f"{WP}menu_order") == "2" and team.findtext(f"{WP}post_parent") == "0"
    assert team.findtext("link") == "http://testserver/team/"
    assert team.findtext(f"{WP}comment_status") == "closed" and team.findtext("{*}creator") == ""
    assert items["page", "about"].findtext("{*}encoded").startswith("<p>Classroom Notes is written by")
    items = {slug: item for (_, slug), item in items.items()}
    rubrics = items["marking-essays-with-rubrics"]
    assert rubrics.findtext(f"{WP}post_date_gmt") == "2025-11-03 08:30:00"
    assert items["python-in-the-year-9-classroom"].findtext(f"{WP}post_date_gmt") == "0000-00-00 00:00:00"
    tags = {(c.get("domain"), c.get("nicename"), c.text) for c in rubrics.iter("category")}
    assert tags == {("post_tag", "assessment", "Assessment"), ("post_tag", "feedback", "Feedback")}
    comments = list(rubrics.iter(f"{WP}comment"))
    texts = [comment.findtext(f"{WP}comment_content") for comment in comments]
    assert len(comments) == 4 and "Could you share your comment bank?" not in texts  # held: not public
    ids = [comment.findtext(f"{WP}comment_id") for comment in comments]
    for comment in comments:  # parents come first, as WordPress's importer needs
        parent = comment.findtext(f"{WP}comment_parent")
        assert parent == "0" or ids.index(parent) < ids.index(comment.findtext(f"{WP}comment_id"))


def test_thumbnails_go_out_as_wordpress_featured_images_and_come_back(media_online, tmp_path):
    """A thumbnail (which publishing requires) and its alt text go out as
    WordPress exports a featured image, and an import downloads the file
    from the address the file gives, as WordPress's importer would."""
    post = make_post(slug="with-thumb", author=make_author(slug="skolr"), tags=["Django"])
    post.thumbnail, post.thumbnail_alt = image_upload("cover.png", size=(64, 48)), "Pupils around a whiteboard"
    post.save()
    post.refresh_from_db()
    file = tmp_path / "blog.xml"
    run("export_wordpress", file)

    items = {item.findtext(f"{WP}post_id"): item for item in ET.parse(file).iter("item")}
    attachment = items[postmeta(items[str(post.pk)])["_thumbnail_id"]]
    assert attachment.findtext(f"{WP}post_type") == "attachment" and attachment.findtext(f"{WP}status") == "inherit"
    assert attachment.findtext(f"{WP}post_parent") == str(post.pk)
    url = attachment.findtext(f"{WP}attachment_url")
    assert url == f"http://{Site.objects.get_current().domain}{post.thumbnail.url}"
    assert postmeta(attachment) == {"_wp_attachment_image_alt": "Pupils around a whiteboard"}
    with post.thumbnail.open("rb") as stored:
        exported = stored.read()
    empty_the_blog()

    out = run("import_wordpress", file, "--allow-image-host", "127.0.0.1")

    assert "Posts: 1 created." in out and "Images: 1 downloaded." in out, out
    back = Post.objects.get(slug="with-thumb")
    assert back.thumbnail_alt == "Pupils around a whiteboard"
    assert back.thumbnail.name != post.thumbnail.name  # a copy of its own, in a folder of its own
    with back.thumbnail.open("rb") as stored:
        assert stored.read() == exported
    assert (back.thumbnail_width, back.thumbnail_height) == (64, 48)


def test_co_authors_go_out_as_co_authors_plus_terms_and_come_back(tmp_path):
    """WordPress has one author a post: co-authors go out as the Co-Authors
    Plus plugin keeps them, a term of taxonomy ``author`` for each of the
    post's authors, its own first, and come back in their order. Someone who
    only co-signs is among the file's authors too."""
    post = make_post(slug="written-together", author=make_author(slug="skolr", name="Skolr"), tags=["Django"])
    ada, bo = make_author(slug="ada", name="Ada Lovelace"), make_author(slug="bo", name="Bo Lindqvist")
    CoAuthor.objects.create(post=post, author=bo, position=1)
    CoAuthor.objects.create(post=post, author=ada, position=2)
    make_post(slug="written-alone", author=ada, tags=["Django"])
    file = tmp_path / "blog.xml"

    out = run("export_wordpress", file)

    assert "3 author(s)" in out
    channel = ET.parse(file).find("channel")
    logins = {
        a.findtext(f"{WP}author_login"): a.findtext(f"{WP}author_display_name") for a in channel.iter(f"{WP}author")
    }
    assert logins == {"skolr": "Skolr", "ada": "Ada Lovelace", "bo": "Bo Lindqvist"}
    items = {item.findtext(f"{WP}post_name"): item for item in channel.iter("item")}
    terms = {
        slug: [(term.get("nicename"), term.text) for term in item.iter("category") if term.get("domain") == "author"]
        for slug, item in items.items()
    }
    assert terms == {
        "written-together": [("cap-skolr", "skolr"), ("cap-bo", "bo"), ("cap-ada", "ada")],
        "written-alone": [],
    }
    empty_the_blog()

    run("import_wordpress", file, "--no-images")

    together = Post.objects.get(slug="written-together")
    assert [(author.slug, author.name) for author in together.all_authors] == [
        ("skolr", "Skolr"),
        ("bo", "Bo Lindqvist"),
        ("ada", "Ada Lovelace"),
    ]
    assert not Post.objects.get(slug="written-alone").co_authors.exists()


def test_a_post_taken_back_to_draft_keeps_its_publish_date(tmp_path):
    """A post that was live and was taken back to draft (for a fix) or to
    review keeps its publish date, in the file (wp:post_date_gmt, as
    WordPress keeps a date it was published on) and back from it: published
    again, it is the post of that date, not a new one. A draft never
    published has none."""
    when = (timezone.now() - timedelta(days=30)).replace(microsecond=0)  # WXR has seconds
    author = make_author(slug="skolr")
    for slug, status in (("taken-down", Post.Status.DRAFT), ("back-in-review", Post.Status.REVIEW)):
        post = make_post(slug=slug, author=author, tags=["Django"], published_at=when)
        post.status = status
        post.save()
    make_post(slug="never-published", author=author, status=Post.Status.DRAFT, published_at=None)
    file = tmp_path / "blog.xml"
    run("export_wordpress", file)
    empty_the_blog()

    run("import_wordpress", file, "--no-images")

    assert set(Post.objects.values_list("slug", "status", "published_at")) == {
        ("taken-down", Post.Status.DRAFT, when),
        ("back-in-review", Post.Status.REVIEW, when),
        ("never-published", Post.Status.DRAFT, None),
    }


def test_a_post_mailed_then_taken_down_is_not_mailed_again_after_the_round_trip(
    tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    """Subscribers got the post when it went live two days ago; it was taken
    back to draft for a fix. Its date alone would not stop a second email
    (a post up to a week old is news), its newsletter record does: the file
    says it was sent as Jetpack does, the import records it (to nobody), and
    publishing it again after the round trip mails nobody. A post never sent
    says nothing of the kind."""
    Subscriber.objects.create(email="fan@example.com", confirmed_at=timezone.now())
    author = make_author(slug="skolr")
    when = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    post = make_post(slug="sent-then-taken-down", author=author, tags=["Django"], published_at=when)
    PostNewsletter.objects.create(post=post, recipients=1)
    post.status = Post.Status.DRAFT
    post.save()
    make_post(slug="never-sent", author=author, status=Post.Status.DRAFT, published_at=when)
    file = tmp_path / "blog.xml"
    run("export_wordpress", file)
    items = {item.findtext(f"{WP}post_name"): item for item in ET.parse(file).iter("item")}
    assert postmeta(items["sent-then-taken-down"])["_jetpack_dont_email_post_to_subs"] == "1"
    assert "_jetpack_dont_email_post_to_subs" not in postmeta(items["never-sent"])
    empty_the_blog()
    run("import_wordpress", file, "--no-images")

    post = Post.objects.get(slug="sent-then-taken-down")
    post.status = Post.Status.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        post.save()

    assert post.published_at == when and post.is_published
    assert mailoutbox == []
    assert list(PostNewsletter.objects.values_list("post__slug", "recipients")) == [("sent-then-taken-down", None)]
