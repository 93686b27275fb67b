"""The comment feeds (the whole blog's and each post's, RSS and Atom) and
the comment permalink their items lead to: only public comments on
published posts, the commenter's name and never their email, the text as
the thread shows it."""

from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from posts.models import CommentBody, Post
from posts.moderation import edit_text
from tests.factories import make_comment, make_post, make_user
from tests.posts.test_feeds import NS, atom, rss

pytestmark = pytest.mark.django_db


def rss_items(channel) -> list[tuple[str, str, str]]:
    """(title, link, description) of each item, in order."""
    return [
        (item.findtext("title"), item.findtext("link"), item.findtext("description"))
        for item in channel.findall("item")
    ]


@pytest.fixture
def discussion():
    """Public comments on a published post, and every comment that must stay out."""
    now = timezone.now()
    post = make_post(title="Assessment in 2026", slug="assessment")
    first = make_comment(post, user_name="Ada", user_email="ada@example.com", comment="First **point**.",
                         submit_date=now - timedelta(minutes=3))  # fmt: skip
    make_comment(post, parent=first, user_name="Bo", comment="A reply.", submit_date=now - timedelta(minutes=2))
    make_comment(post, user_name="Held", comment="Held for review.", is_public=False)
    make_comment(post, user_name="Removed", comment="Taken down.", is_removed=True)
    for status, published_at in [(Post.Status.DRAFT, None), (Post.Status.PUBLISHED, now + timedelta(hours=1))]:
        hidden = make_post(title=f"Not live {status}", status=status, published_at=published_at)
        make_comment(hidden, user_name="On a hidden post", comment="Secret.")
    return post


def test_the_blogs_comment_feed_holds_public_comments_on_published_posts_newest_first(client, discussion):
    channel = rss(client, "/comments/feed/")
    assert channel.findtext("title") == "Comments on the Skolr Blog"
    items = rss_items(channel)
    assert [title for title, _, _ in items] == [
        "Comment on Assessment in 2026 by Bo",
        "Comment on Assessment in 2026 by Ada",
    ]
    assert items[1][2] == "<p>First <strong>point</strong>.</p>"  # the thread's HTML, as HTML
    assert all(link.startswith("http://testserver/comments/") for _, link, _ in items)
    assert "ada@example.com" not in client.get("/comments/feed/").content.decode()

    feed = atom(client, "/comments/feed/atom/")
    entries = feed.findall("atom:entry", NS)
    assert [entry.findtext("atom:author/atom:name", namespaces=NS) for entry in entries] == ["Bo", "Ada"]


@pytest.mark.parametrize("url", ["/comments/feed/", "/posts/assessment/comments/feed/"])
def test_a_comments_identity_is_its_permalink_on_the_sites_domain_whatever_host_asked(client, discussion, url):
    """A comment's number never changes, and its guid (RSS) and id (Atom) are
    its permalink on the site's domain, as emailed links are, not on the
    host the feed was asked from: readers are not shown it again as new."""
    expected = [f"http://testserver/comments/{comment_by(name).pk}/" for name in ("Bo", "Ada")]
    for host in ("testserver", "localhost"):
        channel = ElementTree.fromstring(client.get(url, HTTP_HOST=host).content).find("channel")
        assert [item.findtext("guid") for item in channel.findall("item")] == expected, host
        assert all(item.findtext("link").startswith(f"http://{host}/") for item in channel.findall("item"))
        feed = ElementTree.fromstring(client.get(f"{url}atom/", HTTP_HOST=host).content)
        assert [entry.findtext("atom:id", namespaces=NS) for entry in feed.findall("atom:entry", NS)] == expected


@pytest.mark.parametrize("url", ["/comments/feed/atom/", "/posts/assessment/comments/feed/atom/"])
def test_each_atom_entry_says_when_the_comment_was_last_updated(client, discussion, url):
    """RFC 4287 (4.1.2): an entry has exactly one <updated>. A comment's is
    when it was posted, or when a moderator last edited its text, which the
    thread shows readers as well ("Edited by a moderator on ...")."""

    def updated(feed) -> dict[str, list[datetime]]:
        return {
            entry.findtext("atom:author/atom:name", namespaces=NS): [
                datetime.fromisoformat(element.text) for element in entry.findall("atom:updated", NS)
            ]
            for entry in feed.findall("atom:entry", NS)
        }

    ada, bo = comment_by("Ada"), comment_by("Bo")
    assert updated(atom(client, url)) == {"Bo": [bo.submit_date], "Ada": [ada.submit_date]}

    edit_text(ada, "First point, with the typo fixed.")
    edited = CommentBody.objects.get(comment=ada).edited_at
    feed = atom(client, url)
    assert updated(feed) == {"Bo": [bo.submit_date], "Ada": [edited]}
    assert datetime.fromisoformat(feed.findtext("atom:updated", namespaces=NS)) == edited  # the feed's newest


def test_a_posts_comment_feed_holds_its_public_comments(client, discussion):
    other = make_post(title="Other", slug="other")
    make_comment(other, user_name="Elsewhere")
    channel = rss(client, "/posts/assessment/comments/feed/")
    assert channel.findtext("title") == "Comments on “Assessment in 2026”"
    assert channel.findtext("link") == "http://testserver/posts/assessment/#comments"
    assert [title for title, _, _ in rss_items(channel)] == [
        "Comment on Assessment in 2026 by Bo",
        "Comment on Assessment in 2026 by Ada",
    ]
    feed = atom(client, "/posts/assessment/comments/feed/atom/")
    assert len(feed.findall("atom:entry", NS)) == 2


def test_a_post_readers_cannot_see_has_no_comment_feed_and_a_renamed_ones_leads_on(client, discussion):
    for post in Post.objects.exclude(pk=discussion.pk):
        assert client.get(f"/posts/{post.slug}/comments/feed/").status_code == 404
    assert client.get("/posts/no-such-post/comments/feed/atom/").status_code == 404

    discussion.slug = "assessment-2026"
    discussion.save()
    response = client.get("/posts/assessment/comments/feed/atom/")
    assert (response.status_code, response["Location"]) == (301, "/posts/assessment-2026/comments/feed/atom/")


def test_a_comment_permalink_leads_to_the_comments_page_of_the_thread(client, settings, discussion):
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 2}
    later = make_comment(discussion, user_name="Cy", comment="On page two.")
    first = comment_by("Ada")
    response = client.get(f"/comments/{first.pk}/")
    assert (response.status_code, response["Location"]) == (302, f"/posts/assessment/#c{first.pk}")
    assert client.get(f"/comments/{later.pk}/")["Location"] == f"/posts/assessment/?cpage=2#c{later.pk}"
    assert f'id="c{later.pk}"' in client.get("/posts/assessment/?cpage=2").content.decode()


def comment_by(name: str) -> XtdComment:
    return XtdComment.objects.get(user_name=name)


def test_a_comment_readers_cannot_see_has_no_permalink(client, discussion):
    hidden = XtdComment.objects.filter(user_name__in=["Held", "Removed", "On a hidden post"])
    assert len(hidden) == 4
    for comment in hidden:
        assert client.get(f"/comments/{comment.pk}/").status_code == 404, comment.user_name
    assert client.get("/comments/999999999/").status_code == 404
    assert client.get("/comments/99999999999999999999999/").status_code == 404


def test_pages_announce_the_comment_feeds(client, discussion):
    article = client.get("/posts/assessment/").content.decode()
    assert 'title="Comments on “Assessment in 2026” (RSS)" href="/posts/assessment/comments/feed/"' in article
    assert '<a href="/posts/assessment/comments/feed/atom/" type="application/atom+xml">Atom</a>' in article
    assert 'title="Skolr Blog: comments (RSS)" href="/comments/feed/"' in client.get("/").content.decode()

    draft = Post.objects.get(status=Post.Status.DRAFT)
    client.force_login(make_user(is_superuser=True, staff=True))
    preview = client.get(draft.get_absolute_url()).content.decode()
    assert "/comments/feed/" not in preview.replace('href="/comments/feed/"', "")


def test_the_comment_feeds_ask_as_many_queries_for_twenty_comments_on_many_posts_as_for_one(client):
    def queries(posts: int) -> int:
        for n in range(posts):
            post = make_post(title=f"Post {n}")
            make_comment(post, user=make_user())
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/comments/feed/")
        assert response.status_code == 200
        ElementTree.fromstring(response.content)
        return len(captured)

    client.get("/comments/feed/")  # the content type, looked up once per process
    assert queries(1) == queries(20) == 1  # the comments, with their posts' titles
