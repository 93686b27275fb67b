"""Moving from WordPress or Ghost: what ``import_wordpress`` and
``import_ghost`` bring over, what they leave out, and that they send nothing."""

import io
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from authors.models import Author
from authors.roles import AUTHORS, MODERATORS
from posts import importers, subscriptions
from posts.comments import comments_for
from posts.models import CommentReview, HoldReason, Page, Post, PostNewsletter, Subscriber
from tests.factories import make_author, make_page, make_post, make_user

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
WXR = FIXTURES / "wordpress.xml"
GHOST = FIXTURES / "ghost.json"


def run(command: str, *args) -> str:
    """The command's output. The fixtures' images are on example.org, which
    tests never reach: here they stay where they are (``--no-images``);
    downloading them is tested against a local server in test_import_images.py."""
    out = io.StringIO()
    call_command(command, "--no-images", *map(str, args), stdout=out)
    return out.getvalue()


def rows() -> tuple:
    """Everything an import writes, to compare before and after."""
    return (
        list(Post.objects.values_list("slug", "title", "status", "published_at").order_by("slug")),
        list(Page.objects.values_list("slug", "title", "body", "published", "show_in_header").order_by("slug")),
        list(Author.objects.values_list("slug", "name", "user__username").order_by("slug")),
        get_user_model().objects.count(),
        Tag.objects.count(),
        list(XtdComment.objects.values_list("comment", "parent_id", "is_public").order_by("pk")),
        CommentReview.objects.count(),
    )


def by_text(post: Post) -> dict[str, XtdComment]:
    return {comment.comment.split("\n")[0]: comment for comment in comments_for(post, public_only=False)}


def pages() -> dict[str, tuple]:
    return {
        page.slug: (page.title, page.published, page.menu_order, page.show_in_header, page.show_in_footer)
        for page in Page.objects.all()
    }


def header_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)">', re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)[1])


# --- WordPress -------------------------------------------------------------------


def test_wordpress_posts_arrive_with_their_fields_statuses_and_tags():
    out = run("import_wordpress", WXR)

    assert "Authors: 2 created." in out
    assert "Posts: 4 created." in out
    assert "Pages: 3 created." in out
    assert "Comments: 4 created, 1 held for moderation." in out
    assert "1 × page (trash)" in out and "1 × attachment" in out and "1 × post (trash)" in out
    assert "1 × comment (spam)" in out and "1 × pingback or trackback" in out

    post = Post.objects.get(slug="marking-essays-with-rubrics")
    assert post.title == "Marking essays with rubrics & comment banks"
    assert post.excerpt == "How rubrics and comment banks make essay feedback faster & fairer."
    assert post.status == Post.Status.PUBLISHED and post.is_published
    assert post.published_at == datetime(2025, 11, 3, 8, 30, tzinfo=UTC)
    assert post.author.name == "Marta Rivera" and post.author.slug == "mrivera"
    # Categories and tags both become tags; WordPress's default category does not.
    assert sorted(tag.name for tag in post.tags.all()) == ["Assessment", "Feedback"]
    assert Tag.objects.get(name="Assessment").profile.description == "Marking, feedback and exams."

    draft = Post.objects.get(title="Python in the Year 9 classroom")
    assert draft.slug == "python-in-the-year-9-classroom"  # no slug in the file: made from the title
    assert (draft.status, draft.published_at, draft.allow_comments) == (Post.Status.DRAFT, None, False)
    scheduled = Post.objects.get(slug="spring-term-timetable")
    assert scheduled.is_scheduled and scheduled.published_at == datetime(2041, 3, 1, 8, tzinfo=UTC)
    assert not scheduled.tags.exists()
    assert Post.objects.get(slug="peer-review-that-works").status == Post.Status.REVIEW
    assert not Post.objects.filter(slug__startswith="old-announcement").exists()


def test_wordpress_bodies_are_sanitized_and_shaped_like_the_editors(client):
    run("import_wordpress", WXR)
    post = Post.objects.get(slug="marking-essays-with-rubrics")

    assert "<script" not in post.body and "stolen" not in post.body
    assert "wp:paragraph" not in post.body and "<!--" not in post.body
    assert '<h2 id="start-with-the-criteria">Start with the criteria</h2>' in post.body
    # Images keep their address on the old site; nothing is downloaded.
    assert 'src="https://classroom-notes.example.org/wp-content/uploads/2025/11/rubric.png"' in post.body
    page = client.get(post.get_absolute_url())
    assert page.status_code == 200
    assert b"A rubric turns <strong>feedback</strong>" in page.content
    assert b"stolen" not in page.content

    # A classic-editor post: blank lines are paragraphs, [caption] a figure, code kept as written.
    draft = Post.objects.get(title="Python in the Year 9 classroom")
    assert draft.body.startswith("<p>We started with turtle graphics.<br>")
    assert "<figcaption>A square, then a star</figcaption></figure>" in draft.body
    assert '<pre><code class="language-python">import turtle\n\nfor side in range(4):' in draft.body
    assert "<p>Then loops made sense.</p>" in draft.body


def test_a_caption_without_text_is_a_figure_without_an_empty_caption():
    body = importers.prepare_body('[caption id="attachment_7" width="300"]<img src="/a.png" alt="A chart"> [/caption]')

    assert body == '<figure><img src="/a.png" alt="A chart"></figure>'
    captioned = importers.prepare_body('[caption]<img src="/b.png" alt=""> Seen from above [/caption]')
    assert captioned == '<figure><img src="/b.png" alt=""><figcaption>Seen from above</figcaption></figure>'


def test_wordpress_comments_keep_threads_dates_and_moderation(client):
    run("import_wordpress", WXR)
    post = Post.objects.get(slug="marking-essays-with-rubrics")
    comments = by_text(post)

    question = comments["Do you share the rubric before the essay? I've found it changes what pupils write."]
    answer = comments["Yes, always: a week before."]
    thanks = comments["Thanks, trying it this term."]
    deepest = comments["Same here, and we moderate peer marks."]
    held = comments["Could you share your comment bank?"]
    assert question.comment.endswith("See this study (https://example.net/rubrics).")
    # Its HTML is stored as for a comment posted here, the address a link.
    assert question.body.html.endswith(
        'See this study (<a href="https://example.net/rubrics" rel="nofollow ugc noopener">'
        "https://example.net/rubrics</a>).</p>"
    )
    assert question.parent_id == question.pk and question.level == 0
    assert (answer.parent_id, answer.level) == (question.pk, 1)
    assert (thanks.parent_id, thanks.level) == (answer.pk, 2)
    # Four levels deep on WordPress; three here: it answers its parent's parent.
    assert (deepest.parent_id, deepest.level) == (answer.pk, 2)
    assert question.submit_date == datetime(2025, 11, 3, 10, 15, tzinfo=UTC)
    assert str(question.ip_address) == "203.0.113.7" and question.user_url == "https://priya.example.net"
    # Written signed in on WordPress: signed as the imported author here.
    assert answer.user == Author.objects.get(slug="mrivera").user

    assert all(comment.is_public for comment in (question, answer, thanks, deepest))
    assert question.review.status == CommentReview.Status.APPROVED
    assert not held.is_public
    assert held.review.status == CommentReview.Status.PENDING
    assert held.review.reason_codes == [HoldReason.IMPORTED]
    assert not XtdComment.objects.filter(comment__contains="Buy essays").exists()
    assert not XtdComment.objects.filter(user_name="Another Blog").exists()

    page = client.get(post.get_absolute_url()).content.decode()
    assert "Thanks, trying it this term." in page
    assert "Could you share your comment bank?" not in page


def test_wordpress_pages_arrive_flat_sanitized_and_in_no_menu(client):
    out = run("import_wordpress", WXR)

    assert pages() == {
        "about": ("About", True, 1, False, False),
        "team": ("Our team", True, 2, False, False),
        # /tags/ is the blog's tag index: the page comes over under another slug.
        "tags-page": ("Tags", False, 3, False, False),
    }
    assert "Imported pages are in neither menu: an editor chooses what the header and footer show" in out
    assert "page “Tags”: /tags/ is one of the blog's own addresses; imported at /tags-page/." in out
    assert (
        "page “Our team” was under “About” on WordPress (https://classroom-notes.example.org/about/team/): "
        "it is at /team/ here, as pages are not nested."
    ) in out
    # Pages have no comments here; the trashed page stays behind.
    assert "1 × comment on a page" in out and "1 × page (trash)" in out
    assert not XtdComment.objects.filter(comment__contains="Lovely to meet you").exists()
    assert not Page.objects.filter(title="Sample Page").exists()

    about = Page.objects.get(slug="about")
    assert about.description == "Who writes Classroom Notes & why."
    assert "<script" not in about.body and "about-stolen" not in about.body and "<!--" not in about.body
    assert '<h2 id="who-we-are">Who we are</h2>' in about.body  # an h1 in the body: our pages' title is the h1
    response = client.get("/about/")
    assert response.status_code == 200
    assert b"<strong>teachers</strong> for teachers" in response.content
    assert b"about-stolen" not in response.content
    assert "/about/" not in header_links(response.content.decode())
    # A classic-editor page: blank lines are paragraphs.
    team = client.get("/team/").content.decode()
    assert "<p>Marta writes about assessment.</p>\n<p>Tomaso teaches computing.</p>" in team
    # The draft is no reader's, and the blog's own /tags/ is still the tag index.
    assert client.get("/tags-page/").status_code == 404
    assert "Every topic we write about." not in client.get("/tags/").content.decode()


@pytest.mark.parametrize(
    ("status", "published", "note"),
    [
        ("publish", True, ""),
        ("draft", False, ""),
        ("pending", False, ""),
        ("private", False, "page “Our team” was private on WordPress: imported as a draft."),
        ("future", False, "page “Our team” was scheduled on WordPress: imported as a draft."),
        ("publish password", False, "page “Our team” was password-protected on WordPress: imported as a draft."),
    ],
)
def test_only_a_published_wordpress_page_readers_could_see_is_published(tmp_path, status, published, note):
    """Our team is published on WordPress; its status (and password) changed here."""
    status, _, password = status.partition(" ")
    before, team = WXR.read_text().split("<wp:post_id>3</wp:post_id>", 1)
    team = team.replace("[publish]", f"[{status}]", 1).replace(
        "<![CDATA[]]></wp:post_password>", f"{password}</wp:post_password>", 1
    )
    export = tmp_path / "export.xml"
    export.write_text(before + "<wp:post_id>3</wp:post_id>" + team)

    out = run("import_wordpress", export)

    assert Page.objects.get(slug="team").published is published
    assert note in out


def test_a_password_protected_wordpress_post_arrives_as_a_draft(tmp_path):
    """Readers needed a password for it there; published here, anyone could read it."""
    before, post = WXR.read_text().split("<wp:post_id>12</wp:post_id>", 1)
    post = post.replace("<![CDATA[]]></wp:post_password>", "staff-only</wp:post_password>", 1)
    export = tmp_path / "export.xml"
    export.write_text(before + "<wp:post_id>12</wp:post_id>" + post)

    out = run("import_wordpress", export)

    imported = Post.objects.get(slug="marking-essays-with-rubrics")
    # It keeps the date it went live there, as a draft taken down keeps it.
    assert (imported.status, imported.published_at) == (Post.Status.DRAFT, datetime(2025, 11, 3, 8, 30, tzinfo=UTC))
    assert (
        "post “Marking essays with rubrics & comment banks” was password-protected on WordPress: imported as a draft."
        in out
    )


@pytest.mark.parametrize(("wp_status", "status"), [("draft", "draft"), ("pending", "review"), ("private", "draft")])
def test_a_wordpress_post_taken_down_keeps_the_date_it_went_live(tmp_path, wp_status, status):
    """WordPress keeps a post's date (its wp:post_date_gmt) when it is taken
    back to draft, to review or made private; publishing it again there
    keeps it, and so does publishing it here. A draft never dated has none
    ("0000-00-00 00:00:00"): the fixture's Year 9 draft."""
    before, post = WXR.read_text().split("<wp:post_id>12</wp:post_id>", 1)
    export = tmp_path / "export.xml"
    export.write_text(before + "<wp:post_id>12</wp:post_id>" + post.replace("[publish]", f"[{wp_status}]", 1))

    run("import_wordpress", export)

    imported = Post.objects.get(slug="marking-essays-with-rubrics")
    assert (imported.status, imported.published_at) == (status, datetime(2025, 11, 3, 8, 30, tzinfo=UTC))
    assert not imported.is_published
    assert Post.objects.get(slug="python-in-the-year-9-classroom").published_at is None


def test_a_wordpress_post_whose_schedule_was_missed_arrives_as_a_draft(tmp_path):
    """Found by QA: a scheduled post whose time passed without WordPress
    publishing it ("Missed schedule") was never public there; imported as
    published, readers here saw it first. A scheduled post still ahead stays
    scheduled (the fixture's spring timetable)."""
    before, post = WXR.read_text().split("<wp:post_id>12</wp:post_id>", 1)
    export = tmp_path / "export.xml"
    export.write_text(before + "<wp:post_id>12</wp:post_id>" + post.replace("[publish]", "[future]", 1))

    out = run("import_wordpress", export)

    missed = Post.objects.get(slug="marking-essays-with-rubrics")
    assert (missed.status, missed.published_at) == (Post.Status.DRAFT, datetime(2025, 11, 3, 8, 30, tzinfo=UTC))
    assert (
        "post “Marking essays with rubrics & comment banks” was scheduled on WordPress for 2025-11-03 08:30 UTC "
        "and never went live (a missed schedule): imported as a draft." in out
    )
    ahead = Post.objects.get(title="Spring term timetable")
    assert ahead.status == Post.Status.PUBLISHED and ahead.is_scheduled


@pytest.mark.parametrize("pub_date", ["Mon, 30 Nov -0001 00:00:00 +0000", ""])
def test_a_live_wordpress_post_with_no_utc_date_keeps_its_local_one(tmp_path, pub_date):
    """A published post some old importer left without wp:post_date_gmt
    ("0000-00-00 00:00:00") has WordPress's way of writing no date as its
    pubDate (older versions), which Python reads as 30 November 2000, or
    none: it keeps its local wp:post_date, taken as UTC, and the summary
    says so, rather than dating it in 2000."""
    before, post = WXR.read_text().split("<wp:post_id>12</wp:post_id>", 1)
    post = post.replace("[2025-11-03 08:30:00]]></wp:post_date_gmt>", "[0000-00-00 00:00:00]]></wp:post_date_gmt>", 1)
    before = re.sub(r"<pubDate>[^<]*</pubDate>(?!.*<pubDate>)", f"<pubDate>{pub_date}</pubDate>", before, flags=re.S)
    export = tmp_path / "export.xml"
    export.write_text(before + "<wp:post_id>12</wp:post_id>" + post)

    out = run("import_wordpress", export)

    imported = Post.objects.get(slug="marking-essays-with-rubrics")
    assert imported.published_at == datetime(2025, 11, 3, 8, 30, tzinfo=UTC)
    assert "has no UTC date in the file: its local date there, 2025-11-03 08:30, was taken as UTC" in out


def test_comments_with_no_utc_date_keep_their_local_one_and_the_summary_says_so(tmp_path):
    """Found by QA: a comment without wp:comment_date_gmt took its local
    wp:comment_date as UTC, off by the old blog's time zone, silently."""
    text = WXR.read_text()
    local = re.search(r"<wp:comment_date><!\[CDATA\[([^\]]*)\]\]>", text)[1]  # the first comment's
    export = tmp_path / "export.xml"
    no_utc = "<wp:comment_date_gmt><![CDATA[0000-00-00 00:00:00]]>"
    export.write_text(re.sub(r"<wp:comment_date_gmt><!\[CDATA\[[^\]]*\]\]>", no_utc, text, count=1))

    out = run("import_wordpress", export)

    said = "has no UTC date in the file: the local time there was taken as UTC"
    assert re.search(rf"1 comment on post “[^”]+” {said}", out)
    taken = datetime.fromisoformat(local).replace(tzinfo=UTC)
    assert XtdComment.objects.filter(submit_date=taken).exists()


def test_a_draft_jetpack_sent_to_subscribers_is_recorded_as_sent(tmp_path):
    """Jetpack marks a post it sent to its subscribers (or that is not to be
    sent) with ``_jetpack_dont_email_post_to_subs``: taken back to draft
    there, it is recorded as sent here (to nobody), and publishing it later
    mails nobody. The other draft has no such mark: it is news once
    published."""
    before, post = WXR.read_text().split("<wp:post_id>12</wp:post_id>", 1)
    flag = "<wp:postmeta><wp:meta_key>_jetpack_dont_email_post_to_subs</wp:meta_key><wp:meta_value>1</wp:meta_value>"
    post = post.replace("[publish]", "[draft]", 1).replace("<wp:postmeta>", flag + "</wp:postmeta><wp:postmeta>", 1)
    export = tmp_path / "export.xml"
    export.write_text(before + "<wp:post_id>12</wp:post_id>" + post)

    run("import_wordpress", export)

    assert list(PostNewsletter.objects.values_list("post__slug", "recipients")) == [
        ("marking-essays-with-rubrics", None)
    ]


def test_sticky_wordpress_posts_and_featured_ghost_posts_are_featured(tmp_path):
    before, post = WXR.read_text().split("<wp:post_id>12</wp:post_id>", 1)
    export = tmp_path / "export.xml"
    export.write_text(before + "<wp:post_id>12</wp:post_id>" + post.replace("<wp:is_sticky>0", "<wp:is_sticky>1", 1))
    ghost = json.loads(GHOST.read_text())
    ghost["db"][0]["data"]["posts"][0]["featured"] = 1
    ghost_export = tmp_path / "ghost.json"
    ghost_export.write_text(json.dumps(ghost))

    run("import_wordpress", export)
    run("import_ghost", ghost_export)

    assert set(Post.objects.featured().values_list("slug", flat=True)) == {
        "marking-essays-with-rubrics",
        "retrieval-practice-in-five-minutes",
    }


def test_imported_authors_get_accounts_nobody_can_sign_in_to():
    moderator = make_user("mod", groups=[MODERATORS], email="mod@skolr.example")
    run("import_wordpress", WXR)

    author = Author.objects.get(slug="tomaso")
    user = author.user
    assert (user.username, user.email, user.first_name) == ("tomaso", "tomaso@classroom-notes.example.org", "Tomaso")
    assert not user.has_usable_password()
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == [AUTHORS]
    assert moderator.groups.count() == 1  # nobody else's account changed


def test_an_existing_account_of_the_same_email_is_linked_not_duplicated():
    """The person importing their own blog usually has an account here already."""
    owner = make_user("owner", email="M.Rivera@classroom-notes.example.org", staff=True)
    run("import_wordpress", WXR)

    assert Author.objects.get(slug="mrivera").user == owner
    owner.refresh_from_db()
    assert owner.has_usable_password() and owner.username == "owner"
    assert get_user_model().objects.filter(email__iexact=owner.email).count() == 1


def test_importing_sends_no_email(django_capture_on_commit_callbacks, caplog):
    """Moderators, the post's author and confirmed subscribers are all there
    to be mailed: an import tells none of them."""
    make_user("mod", groups=[MODERATORS], email="mod@skolr.example")
    Subscriber.objects.create(email="reader@example.net", confirmed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run("import_wordpress", WXR)
        run("import_ghost", GHOST)

    # After commit the page cache hears of it (every cached page is retired),
    # and the one scheduled post is due to subscribers when it goes live, in
    # 2041; the menus are read again too, since pages were saved.
    assert {callback.__module__ for callback in callbacks} == {
        "skolr_blog.page_cache",
        "posts.subscriptions",
        "posts.menus",
    }
    assert mail.outbox == []
    assert "send_newsletter" in caplog.text and "2041-03-01" in caplog.text
    # Posts already live are recorded as mailed, to nobody: saving one in
    # the admin later does not send it out as news.
    live = Post.objects.published()
    assert live.count() == 2
    assert set(PostNewsletter.objects.values_list("post__slug", "recipients")) == {
        ("marking-essays-with-rubrics", None),
        ("retrieval-practice-in-five-minutes", None),
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for post in live:
            subscriptions.post_went_live(post)
    assert callbacks == [] and mail.outbox == []


def test_a_second_run_skips_what_is_there():
    run("import_wordpress", WXR)
    before = rows()

    out = run("import_wordpress", WXR)

    assert "Authors: 2 skipped." in out
    assert "Posts: 4 skipped." in out
    assert "Pages: 3 skipped." in out
    assert (
        "Pages already here, left as they are (--update overwrites them from the file): /about/, /team/, /tags-page/."
    ) in out
    assert "Comments: none." in out
    assert "in neither menu" not in out
    assert rows() == before


def test_update_overwrites_posts_and_adds_only_new_comments(tmp_path):
    run("import_wordpress", WXR)
    changed = tmp_path / "export.xml"
    changed.write_text(
        WXR.read_text()
        .replace("Marking essays with rubrics &amp; comment banks", "Marking essays with rubrics")
        .replace("<wp:comment_id>105</wp:comment_id>", "<wp:comment_id>108</wp:comment_id>")
        .replace("Could you share your comment bank?", "Is there a template?")
    )

    out = run("import_wordpress", "--update", changed)

    assert "Posts: 4 updated." in out
    assert "Comments: 4 skipped, 1 held for moderation." in out
    post = Post.objects.get(slug="marking-essays-with-rubrics")
    assert post.title == "Marking essays with rubrics"
    texts = sorted(comment.comment for comment in comments_for(post, public_only=False))
    assert len(texts) == 6 and "Is there a template?" in texts


def test_update_overwrites_pages_keeps_the_editors_menus_and_readers_see_it_next_request(client, tmp_path):
    run("import_wordpress", WXR)
    Page.objects.filter(slug="about").update(show_in_header=True)  # an editor's choice after the import
    assert client.get("/about/").headers["X-Page-Cache"] == "miss"
    assert client.get("/about/").headers["X-Page-Cache"] == "hit"
    changed = tmp_path / "export.xml"
    changed.write_text(
        WXR.read_text()
        .replace("<title><![CDATA[About]]></title>", "<title><![CDATA[About us]]></title>")
        .replace("written by <strong>teachers</strong>", "written by <strong>two teachers</strong>")
        .replace("<wp:menu_order>1</wp:menu_order>", "<wp:menu_order>7</wp:menu_order>")
    )

    out = run("import_wordpress", "--update", changed)

    assert "Pages: 3 updated." in out and "left as they are" not in out
    assert pages()["about"] == ("About us", True, 7, True, False)
    response = client.get("/about/")
    assert response.headers["X-Page-Cache"] == "miss"
    html = response.content.decode()
    assert "<strong>two teachers</strong>" in html
    assert '<a href="/about/">About us</a>' in html  # still in the header menu, under its new title


def test_a_page_of_the_same_slug_here_is_left_alone_and_named():
    """The blog's own About page is the likeliest: an import never replaces
    it unasked."""
    ours = make_page(slug="about", title="About Skolr", body="<p>Ours.</p>", show_in_header=True)

    out = run("import_wordpress", WXR)

    assert "Pages: 1 skipped, 2 created." in out
    assert "Pages already here, left as they are (--update overwrites them from the file): /about/." in out
    ours.refresh_from_db()
    assert (ours.title, ours.body, ours.show_in_header) == ("About Skolr", "<p>Ours.</p>", True)


def test_a_page_may_share_a_posts_slug(client):
    """Different addresses: /posts/homework-policy/ and /homework-policy/."""
    run("import_ghost", GHOST)

    post, page = Post.objects.get(slug="homework-policy"), Page.objects.get(slug="homework-policy")
    assert (post.title, page.title) == ("Draft: homework policy", "Homework policy")
    assert b"Homework is set on" in client.get("/homework-policy/").content


def test_two_pages_of_one_slug_in_the_file_both_come_over(tmp_path):
    """WordPress child pages need unique slugs only among their siblings
    (/about/team/ and /courses/team/): flat here, the second gets its id."""
    export = tmp_path / "export.xml"
    export.write_text(WXR.read_text().replace("<![CDATA[tags]]></wp:post_name>", "<![CDATA[team]]></wp:post_name>"))

    out = run("import_wordpress", export)

    assert Page.objects.get(slug="team-4").title == "Tags"
    assert "page “Tags”: /team/ is another page's in the file; imported at /team-4/." in out
    assert "Pages: 3 skipped." in run("import_wordpress", export)


def test_an_existing_post_of_the_same_slug_is_left_alone_and_named():
    """Found by QA: the summary counted it among the skipped, and named it
    nowhere, where a page left alone is named."""
    mine = make_post(slug="marking-essays-with-rubrics", title="Our own post", author=make_author())
    out = run("import_wordpress", WXR)

    mine.refresh_from_db()
    assert mine.title == "Our own post"
    assert not comments_for(mine, public_only=False).exists()
    assert (
        "Posts already here, left as they are (--update overwrites them from the file): "
        "/posts/marking-essays-with-rubrics/."
    ) in out


def test_a_second_run_names_the_first_posts_it_left_and_counts_the_rest(monkeypatch):
    monkeypatch.setattr("posts.importers.KEPT_NAMED", 2)
    run("import_wordpress", WXR)

    out = run("import_wordpress", WXR)

    assert re.search(
        r"left as they are \(--update overwrites them from the file\): /posts/[^,]+/, /posts/[^,]+/ and 2 more\.", out
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda text: text[: len(text) // 2], "not well-formed XML"),
        (lambda text: text.replace("<wp:wxr_version>1.2</wp:wxr_version>", ""), "not a WordPress export"),
        (lambda text: text.replace("2025-11-03 08:30:00]]></wp:post_date_gmt>", "03/11/2025]]></wp:post_date_gmt>"),
         "post “Marking essays with rubrics & comment banks”: '03/11/2025' is not a date"),
        (lambda text: text.replace("<rss ", '<!DOCTYPE rss [<!ENTITY x "xx">]>\n<rss ', 1), "declares a DOCTYPE"),
        (lambda text: text.replace("2041-03-01 08:00:00]", "3041-03-01 08:00:00]"), "not in a year from 1900 to 2998"),
        (lambda text: text.replace("<wp:menu_order>2</wp:menu_order>", "<wp:menu_order>second</wp:menu_order>"),
         "page “Our team”: the menu order 'second' is not a whole number"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_refused_with_a_clear_message_and_nothing_saved(tmp_path, content, message):
    before = rows()
    broken = tmp_path / "export.xml"
    broken.write_text(content(WXR.read_text()))

    with pytest.raises(CommandError, match=message) as refused:
        run("import_wordpress", broken)

    assert "Nothing was imported." in str(refused.value)
    assert rows() == before


def test_a_failure_while_writing_leaves_nothing_half_imported(monkeypatch):
    """Authors and the first post are written before the comments fail:
    all of it is rolled back."""

    def fail(*args, **kwargs):
        raise importers.ImportProblem("the comments could not be stored.")

    monkeypatch.setattr(importers, "_save_comments", fail)
    before = rows()

    with pytest.raises(CommandError, match=r"the comments could not be stored\. Nothing was imported\."):
        run("import_wordpress", WXR)

    assert rows() == before


def test_a_page_that_fails_to_save_rolls_back_the_pages_and_posts_before_it(monkeypatch):
    save_page = importers._save_page

    def fail_on_the_last(record, *args):
        if record.slug == "tags-page":
            raise importers.ImportProblem("the page could not be stored.")
        return save_page(record, *args)

    monkeypatch.setattr(importers, "_save_page", fail_on_the_last)
    before = rows()

    with pytest.raises(CommandError, match=r"the page could not be stored\. Nothing was imported\."):
        run("import_wordpress", WXR)

    assert rows() == before and not Page.objects.exists()


def test_a_ghost_post_with_several_authors_has_them_all_in_ghosts_order(tmp_path):
    """The first of a post's authors (Ghost's sort_order) is its author, the others its co-authors in
    that order; --update sets them from the file again."""
    ghost = json.loads(GHOST.read_text())
    data = ghost["db"][0]["data"]
    data["users"].append({"id": "7", "name": "Ana Lopes", "slug": "ana", "email": "ana@example.org"})
    post_id = data["posts"][0]["id"]
    links = [row for row in data["posts_authors"] if row["post_id"] != post_id]
    # Listed out of order: sort_order decides. Ines (1) twice: named once.
    for n, (author, order) in enumerate([("7", 2), ("1", 1), ("6740a1f2c3d4e5f600000901", 0), ("1", 3)]):
        links.append({"id": f"x{n}", "post_id": post_id, "author_id": author, "sort_order": order})
    data["posts_authors"] = links
    export = tmp_path / "ghost.json"
    export.write_text(json.dumps(ghost))

    run("import_ghost", export)

    post = Post.objects.get(slug="retrieval-practice-in-five-minutes")
    assert [author.name for author in post.all_authors] == ["Kofi Mensah", "Ines Duarte", "Ana Lopes"]
    assert list(post.co_author_links.values_list("author__slug", "position")) == [("ines", 1), ("ana", 2)]
    assert post.history.get().co_authors == "Ines Duarte\nAna Lopes"  # its revision names them

    data["posts_authors"] = [row for row in links if not (row["post_id"] == post_id and row["author_id"] == "1")]
    export.write_text(json.dumps(ghost))
    run("import_ghost", "--update", export)
    post = Post.objects.get(slug="retrieval-practice-in-five-minutes")
    assert [author.name for author in post.all_authors] == ["Kofi Mensah", "Ana Lopes"]
    assert post.history.first().co_authors == "Ana Lopes"  # the update's revision, in the History


def test_co_authors_plus_terms_make_a_wordpress_posts_co_authors(tmp_path):
    """WordPress has one author a post; the Co-Authors Plus plugin names them
    all in terms of taxonomy ``author``, the post's author among them. The
    others are its co-authors, in the file's order: one of the file's
    authors, an author already here (by slug) and one of the plugin's guest
    authors, who is not among the file's. --update sets them from the file."""
    make_author(slug="ana", name="Ana Lopes")
    before, item = WXR.read_text().split("<wp:post_id>12</wp:post_id>", 1)
    export = tmp_path / "export.xml"

    def signed_by(*logins):
        terms = "".join(f'<category domain="author" nicename="cap-{x}"><![CDATA[{x}]]></category>' for x in logins)
        export.write_text(before + "<wp:post_id>12</wp:post_id>" + item.replace("<category ", terms + "<category ", 1))
        return export

    out = run("import_wordpress", signed_by("mrivera", "tomaso", "ana", "guest-writer", "tomaso"))

    post = Post.objects.get(slug="marking-essays-with-rubrics")
    assert [author.slug for author in post.all_authors] == ["mrivera", "tomaso", "ana", "guest-writer"]
    assert "Authors: 3 created, 1 skipped." in out  # Ana was here
    assert not Author.objects.get(slug="guest-writer").user.has_usable_password()  # as any imported author
    assert not Tag.objects.filter(name__in=["mrivera", "tomaso"]).exists()  # not tags
    assert not Post.objects.get(slug="python-in-the-year-9-classroom").co_authors.exists()

    # MRivera is Marta here too (her slug): she signs once.
    run("import_wordpress", "--update", signed_by("tomaso", "MRivera", "mrivera"))
    post = Post.objects.get(slug="marking-essays-with-rubrics")
    assert [author.slug for author in post.all_authors] == ["mrivera", "tomaso"]


def test_a_file_that_is_not_there_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("import_wordpress", tmp_path / "missing.xml")


# --- Ghost -------------------------------------------------------------------------


def test_ghost_posts_arrive_with_authors_tags_and_statuses(tmp_path):
    out = run("import_ghost", "--site-url", "https://learning-lab.example.org/", GHOST)

    assert "Authors: 2 created." in out and "Posts: 3 created." in out and "Pages: 3 created." in out
    assert "Not imported: 1 × internal tag." in out
    assert (
        "post “Retrieval practice in five minutes”: featured image "
        "https://learning-lab.example.org/content/images/2025/10/cover.jpg not imported (--no-images): "
        "upload a thumbnail."
    ) in out
    assert "Author “Ines Duarte”: profile image https://learning-lab.example.org/content/images/2025/01/ines.jpg" in out
    assert "was for members only: imported as a draft." in out

    post = Post.objects.get(slug="retrieval-practice-in-five-minutes")
    # Ghost's first author is its author here, the other its co-author; nothing to say about it.
    assert [author.name for author in post.all_authors] == ["Kofi Mensah", "Ines Duarte"]
    assert "authors on Ghost" not in out
    assert post.published_at == datetime(2025, 10, 6, 8, tzinfo=UTC) and post.is_published
    assert post.excerpt == "Three questions at the start of a lesson, and why recall beats rereading."
    assert [tag.name for tag in post.tags.order_by("name")] == ["Lesson planning", "Memory"]
    assert Tag.objects.get(name="Memory").profile.description == "How pupils remember."
    assert "onerror" not in post.body and "__GHOST_URL__" not in post.body
    assert 'src="https://learning-lab.example.org/content/images/2025/10/quiz.jpg"' in post.body
    assert "<figcaption>Three questions, no grades.</figcaption>" in post.body
    assert '<h2 id="why-it-works">Why it works</h2>' in post.body

    assert Post.objects.get(slug="homework-policy").status == Post.Status.DRAFT
    members = Post.objects.get(slug="mock-exams-guide")
    # It keeps the date members saw it on, as a private WordPress post does.
    assert (members.status, members.published_at) == (Post.Status.DRAFT, datetime(2025, 9, 1, 10, tzinfo=UTC))
    assert not Post.objects.filter(slug="contact").exists()
    ines = Author.objects.get(slug="ines")
    assert (ines.bio, ines.website, ines.x) == ("Head of science.", "https://ines.example.org", "https://x.com/ines")
    assert not ines.user.has_usable_password()

    again = run("import_ghost", GHOST)
    assert "Posts: 3 skipped." in again and "Pages: 3 skipped." in again


def ghost_export(tmp_path, data: dict) -> Path:
    """The fixture with ``data`` changed (its tables, by name), written out."""
    ghost = json.loads(GHOST.read_text())
    ghost["db"][0]["data"] |= data
    export = tmp_path / "ghost.json"
    export.write_text(json.dumps(ghost))
    return export


def test_a_ghost_post_taken_down_keeps_the_date_it_went_live(tmp_path):
    """Ghost keeps a post's published_at when it is taken back to draft
    (for a fix), as WordPress does; so does the import, and publishing it
    again here keeps it: it is the post of that date, not a new one. The
    fixture's other draft was never published and has none."""
    posts = json.loads(GHOST.read_text())["db"][0]["data"]["posts"]
    posts[0]["status"] = "draft"

    run("import_ghost", ghost_export(tmp_path, {"posts": posts}))

    imported = Post.objects.get(slug="retrieval-practice-in-five-minutes")
    assert (imported.status, imported.published_at) == (Post.Status.DRAFT, datetime(2025, 10, 6, 8, tzinfo=UTC))
    assert not imported.is_published
    assert Post.objects.get(slug="homework-policy").published_at is None


@pytest.mark.parametrize(
    "change",
    [
        {"lexical": json.dumps({"root": {"children": [{"children": [{"text": "Five questions"}]}]}})},
        {"mobiledoc": json.dumps({"version": "0.3.1", "sections": [[1, "p", [[0, [], 0, "Five questions"]]]]})},
    ],
    ids=["lexical", "mobiledoc"],
)
def test_a_ghost_post_with_no_html_but_its_editors_text_is_an_empty_draft_named(tmp_path, change):
    """Some tools write Ghost exports with a post's text only in its
    editor's format (lexical, or mobiledoc before Ghost 5), its ``html``
    null. Only the HTML is read here: published, the post would be live
    and blank. It arrives as a draft, and the summary says why."""
    posts = json.loads(GHOST.read_text())["db"][0]["data"]["posts"]
    posts[0] |= {"html": None, **change}

    out = run("import_ghost", ghost_export(tmp_path, {"posts": posts}))

    imported = Post.objects.get(slug="retrieval-practice-in-five-minutes")
    assert (imported.status, imported.is_published) == (Post.Status.DRAFT, False)
    assert "has its text only in Ghost's editor format (lexical or mobiledoc), not as HTML" in out


@pytest.mark.parametrize(
    ("change", "tables"),
    [
        # A full backup has the email Ghost sent of it.
        ({"status": "draft"}, {"emails": [{"id": "e1", "post_id": "6740a1f2c3d4e5f600000001", "status": "submitted"}]}),
        # The default export has no emails: Ghost keeps the newsletter of a
        # post taken back to draft only once it has an email.
        ({"status": "draft", "newsletter_id": "6740a1f2c3d4e5f600000401"}, {}),
        # An email-only post, once sent.
        ({"status": "sent"}, {}),
    ],
    ids=["emails-row", "draft-with-newsletter", "email-only"],
)
def test_a_post_ghost_emailed_is_recorded_as_sent(
    tmp_path, mailoutbox, django_capture_on_commit_callbacks, change, tables
):
    """Ghost mailed the post to its members two days ago, and it is not on
    the old site now (taken back to draft, or sent by email only). It comes
    as a draft with its date, recorded as sent (to nobody): its date alone
    would not stop a second email (a post up to a week old is news), its
    record does, and publishing it here mails no subscriber. A scheduled
    post names the newsletter it will go to, which it has not yet: it is
    mailed when it goes live, as any post scheduled here."""
    Subscriber.objects.create(email="fan@example.com", confirmed_at=timezone.now())
    when = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    posts = json.loads(GHOST.read_text())["db"][0]["data"]["posts"]
    posts[0] |= change | {"published_at": when.isoformat()}
    posts[1] |= {
        "status": "scheduled",
        "published_at": "2041-03-01T08:00:00Z",
        "newsletter_id": "6740a1f2c3d4e5f600000401",
    }

    out = run("import_ghost", ghost_export(tmp_path, {"posts": posts} | tables))

    assert list(PostNewsletter.objects.values_list("post__slug", "recipients")) == [
        ("retrieval-practice-in-five-minutes", None)
    ]
    post = Post.objects.get(slug="retrieval-practice-in-five-minutes")
    assert (post.status, post.published_at) == (Post.Status.DRAFT, when)
    sent_note = "was sent by email only on Ghost: imported as a draft, recorded as sent to subscribers."
    assert (sent_note in out) == (change["status"] == "sent")
    post.status = Post.Status.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        post.save()
    assert post.is_published and mailoutbox == []


def test_ghost_pages_arrive_sanitized_with_their_status_and_in_no_menu(client):
    out = run("import_ghost", "--site-url", "https://learning-lab.example.org", GHOST)

    assert pages() == {
        "contact": ("Contact", True, 0, False, False),
        "homework-policy": ("Homework policy", True, 0, False, False),
        "archive-page": ("Archive", False, 0, False, False),
    }
    assert "page “Archive”: /archive/ is one of the blog's own addresses; imported at /archive-page/." in out
    assert (
        "page “Homework policy”: feature image not imported (pages have none here): "
        "https://learning-lab.example.org/content/images/2025/09/homework.jpg"
    ) in out
    assert "in neither menu" in out
    policy = Page.objects.get(slug="homework-policy")
    assert policy.description == "When homework is set, when it is due, and who may skip it."
    assert '<a href="https://learning-lab.example.org/timetable/">Mondays</a>' in policy.body
    assert '<h2 id="exemptions">Exemptions</h2>' in policy.body
    assert "onclick" not in policy.body and "steal" not in policy.body
    html = client.get("/homework-policy/").content.decode()
    assert '<meta name="description" content="When homework is set, when it is due, and who may skip it.">' in html
    assert client.get("/contact/").status_code == 200
    assert client.get("/archive-page/").status_code == 404  # a draft
    assert client.get("/archive/").status_code == 200  # the blog's own archive


def test_pages_of_older_ghost_exports_and_pages_readers_could_not_see(tmp_path):
    """Ghost 1 and 2 marked pages ``page: true`` instead of a ``type``;
    members-only and scheduled pages arrive as drafts."""
    row = {"html": "<p>Text.</p>", "status": "published", "published_at": "2020-01-01T10:00:00.000Z"}
    export = tmp_path / "export.json"
    data = {
        "posts": [
            row | {"id": "1", "title": "Old about", "slug": "old-about", "page": True},
            row | {"id": "2", "title": "Old post", "slug": "old-post", "page": False, "author_id": "1"},
            row | {"id": "3", "title": "Members", "slug": "members", "type": "page", "visibility": "members"},
            row | {"id": "4", "title": "Soon", "slug": "soon", "type": "page", "status": "scheduled"},
        ],
        "users": [{"id": "1", "name": "Ines Duarte", "slug": "ines"}],
    }
    export.write_text(json.dumps({"db": [{"data": data}]}))

    out = run("import_ghost", export)

    assert "Posts: 1 created." in out and "Pages: 3 created." in out
    assert Post.objects.get().slug == "old-post"
    assert {slug: published for slug, (_, published, *_) in pages().items()} == {
        "old-about": True,
        "members": False,
        "soon": False,
    }
    assert "page “Members” was for members only: imported as a draft." in out
    assert "page “Soon” was scheduled on Ghost: imported as a draft." in out


def test_ghost_navigation_puts_its_pages_in_the_header_and_footer_menus(client, tmp_path):
    """Ghost's navigation is its header, its secondary navigation its
    footer: the pages they link are in those menus here, in their order;
    what is no page is named, and the home page needs nothing."""
    row = {"html": "<p>Text.</p>", "status": "published", "type": "page", "published_at": "2020-01-01T10:00:00.000Z"}
    navigation = [
        {"label": "Home", "url": "__GHOST_URL__/"},
        {"label": "Team", "url": "/team/"},
        {"label": "About us", "url": "https://learning-lab.example.org/about/"},
        {"label": "News", "url": "__GHOST_URL__/tag/news/"},
    ]
    footer = [{"label": "Privacy", "url": "/privacy/"}, {"label": "Shop", "url": "https://shop.example.com/"}]
    data = {
        "posts": [
            row | {"id": "1", "title": "About Learning Lab", "slug": "about"},
            row | {"id": "2", "title": "Our team", "slug": "team"},
            row | {"id": "3", "title": "Privacy policy", "slug": "privacy"},
            row | {"id": "4", "title": "Not linked", "slug": "elsewhere"},
        ],
        "users": [],
        "settings": [
            {"key": "navigation", "value": json.dumps(navigation)},
            {"key": "secondary_navigation", "value": json.dumps(footer)},
            {"key": "title", "value": "Learning Lab"},
        ],
    }
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"db": [{"data": data}]}))

    out = run("import_ghost", "--site-url", "https://learning-lab.example.org", export)

    assert pages() == {
        "about": ("About Learning Lab", True, 2, True, False),
        "team": ("Our team", True, 1, True, False),
        "privacy": ("Privacy policy", True, 0, False, True),
        "elsewhere": ("Not linked", True, 0, False, False),
    }
    assert "Ghost's header menu links “News” (__GHOST_URL__/tag/news/): not added" in out
    assert "Ghost's footer menu links “Shop” (https://shop.example.com/): not added" in out
    assert "Home" not in out and "in neither menu" not in out
    assert header_links(client.get("/").content.decode())[-2:] == ["/team/", "/about/"]

    Page.objects.filter(slug="team").update(show_in_header=False)  # an editor's choice since
    run("import_ghost", "--update", "--site-url", "https://learning-lab.example.org", export)
    assert pages()["team"][3] is False


def test_a_ghost_navigation_setting_that_is_no_list_of_links_leaves_the_menus(tmp_path):
    data = {"posts": [], "users": [], "settings": [{"key": "navigation", "value": "{not json"}]}
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"db": [{"data": data}]}))
    out = run("import_ghost", export)
    assert "Ghost's navigation setting is not a list of links: the header menu was left as it is." in out


def test_ghost_without_site_url_says_what_to_give(tmp_path):
    out = run("import_ghost", GHOST)
    assert "give --site-url" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"db": [{"data": {"posts": [', "not valid JSON"),
        ('{"posts": []}', "not a Ghost export"),
        ('{"db": [{"data": {"posts": {"id": 1}}}]}', "db\\[0\\].data.posts must be a list"),
    ],
)
def test_a_malformed_ghost_file_is_refused_and_nothing_saved(tmp_path, text, message):
    before = rows()
    broken = tmp_path / "export.json"
    broken.write_text(text)

    with pytest.raises(CommandError, match=message):
        run("import_ghost", broken)

    assert rows() == before


def test_a_ghost_post_by_an_unknown_author_stops_the_import(tmp_path):
    broken = tmp_path / "export.json"
    shutil.copy(GHOST, broken)
    broken.write_text(
        broken.read_text().replace('"author_id": "1", "sort_order": 0}', '"author_id": "9", "sort_order": 0}')
    )
    before = rows()

    with pytest.raises(CommandError, match="its author '9' is not among the export's users"):
        run("import_ghost", broken)

    assert rows() == before


def test_the_summary_names_the_bodies_whose_images_readers_will_not_see(client):
    """Found by QA: images keep their old site's address, which the pages'
    Content-Security-Policy (img-src 'self') has every reader's browser
    refuse; the import said nothing, and the posts showed broken images."""
    out = run("import_wordpress", WXR)

    assert (
        "post “Marking essays with rubrics & comment banks”: its images stay on classroom-notes.example.org, "
        "which readers' browsers do not load here (the blog shows its own images only): "
        "upload them here and change their addresses."
    ) in out
    post = Post.objects.get(slug="marking-essays-with-rubrics")
    response = client.get(post.get_absolute_url())
    assert "https://classroom-notes.example.org/wp-content/uploads/2025/11/rubric.png" in response.content.decode()
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]
    assert "“Our team”: its images" not in out  # no image, no note


@pytest.mark.parametrize("update", [False, True])
def test_a_post_or_page_in_the_trash_here_keeps_its_address_and_the_summary_says_so(update):
    """Found by QA: with --update the import stopped on a database constraint
    ("post_trashed_is_draft"), and without it a page was called "already
    here" at an address that answers 404."""
    from posts import trash

    run("import_wordpress", WXR)
    post = Post.objects.get(slug="marking-essays-with-rubrics")
    page = Page.objects.get(slug="team")
    trash.move_to_trash(post), trash.move_to_trash(page)

    out = run("import_wordpress", *(["--update"] if update else []), WXR)

    assert (
        "post “Marking essays with rubrics & comment banks”: /posts/marking-essays-with-rubrics/ is the address "
        "of a post in the trash here, so it was left out: restore that post, or delete it for good, and import again."
    ) in out
    assert "page “Our team”: /team/ is the address of a page in the trash here, so it was left out" in out
    already = [line for line in out.splitlines() if line.startswith("Pages already here")]
    assert not any("/team/" in line for line in already)  # not "already here": in the trash
    post.refresh_from_db(), page.refresh_from_db()
    assert post.in_trash and page.in_trash  # as the editor left them


@pytest.mark.parametrize(("command", "export"), [("import_wordpress", WXR), ("import_ghost", GHOST)])
def test_an_update_from_the_same_file_changes_nothing_an_editor_has_open(command, export):
    """Run again with --update from the same file: no revision, and every
    post and page keeps its date, so a form an editor opened before is not
    refused as saved over (found by QA: each got an empty revision)."""
    run(command, export)
    before = {
        f"{type(item).__name__} {item.slug}": (item.history.count(), item.updated_at)
        for item in [*Post.objects.all(), *Page.objects.all()]
    }

    run(command, "--update", export)

    after = {
        f"{type(item).__name__} {item.slug}": (item.history.count(), item.updated_at)
        for item in [*Post.objects.all(), *Page.objects.all()]
    }
    assert len(before) >= 4 and after == before
