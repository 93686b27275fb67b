"""Videos in posts: a YouTube or Vimeo address alone in a paragraph is shown
as "Play video on …", which becomes the player on a click; the page lets
only that player's host be framed. Nothing else an author types becomes a
frame, and posts without a video are shown exactly as before."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings

from posts.content import parse_post
from posts.embeds import embed_videos, video_at
from posts.models import Post
from tests.factories import admin_post_form, make_post

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube-nocookie.com"
VIMEO = "https://player.vimeo.com"
ID = "dQw4w9WgXcQ"
WATCH = f"https://www.youtube.com/watch?v={ID}"
PLAY = f"{YOUTUBE}/embed/{ID}?autoplay=1"
VIMEO_PLAY = f"{VIMEO}/video/76979871?autoplay=1&amp;dnt=1"
FORMS = [
    # (what the author pastes, the link readers get, the player's address, upright)
    (WATCH, WATCH, PLAY, False),
    (
        f"https://youtube.com/watch?v={ID}&amp;t=1m30s&amp;si=tracker",
        f"{WATCH}&amp;t=90s",
        f"{PLAY}&amp;start=90",
        False,
    ),
    (f"https://youtu.be/{ID}?si=tracker", WATCH, PLAY, False),
    (f"https://www.youtube.com/shorts/{ID}", f"https://www.youtube.com/shorts/{ID}", PLAY, True),
    ("https://vimeo.com/76979871", "https://vimeo.com/76979871", VIMEO_PLAY, False),
    (
        "https://vimeo.com/76979871/0a1b2c3d4e",
        "https://vimeo.com/76979871/0a1b2c3d4e",
        f"{VIMEO_PLAY}&amp;h=0a1b2c3d4e",
        False,
    ),
]


def player(link: str, address: str, upright: bool = False) -> str:
    shape = " embed-portrait" if upright else ""
    host = "YouTube" if "youtube" in address else "Vimeo"
    return (
        f'<div class="embed{shape}"><a class="embed-play" href="{link}" data-player="{address}">'
        f"Play video on {host}</a></div>"
    )


def csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("pasted, link, address, upright", FORMS)
def test_a_pasted_video_address_is_shown_as_its_player(client, writer, pasted, link, address, upright):
    """Pasted in the editor, an address is a link with itself as its text;
    typed, it is plain text. Either way, alone in a paragraph, it is a video."""
    for body in [f'<p><a href="{pasted}">{pasted}</a></p>', f"<p>{pasted}</p>"]:
        response = client.post("/admin/posts/post/add/", admin_post_form(body=f"<p>Watch:</p>{body}"))
        assert response.status_code == 302
        post = Post.objects.get(slug="fresh-draft")
        assert pasted in post.body  # stored as the author wrote it: the editor can edit it again
        page = client.get(post.get_absolute_url()).content.decode()
        assert f"<p>Watch:</p>{player(link, address, upright)}" in page
        assert "<iframe" not in page  # the player comes with the reader's click
        post.delete()


def test_addresses_with_words_around_them_stay_links(client):
    body = (
        f'<p>Our talk is at <a href="https://youtu.be/{ID}">https://youtu.be/{ID}</a>, enjoy.</p>'
        f'<p><a href="https://youtu.be/{ID}">The keynote</a></p>'
        f"<ul><li><p>https://vimeo.com/76979871</p></li></ul>"
        f"<blockquote><p>https://youtu.be/{ID}</p></blockquote>"
        "<p>https://vimeo.com/channels/staffpicks/76979871</p>"
        f"<p>https://evil.example/watch?v={ID}</p>"
    )
    post = make_post(body=body)
    response = client.get(post.get_absolute_url())
    page = response.content.decode()
    assert 'class="embed' not in page
    assert post.body in page
    assert "frame-src" not in response["Content-Security-Policy"]
    assert "embeds.js" not in page


def test_typed_iframes_never_reach_the_page(client, writer):
    """Only the players we build are framed. A YouTube or Vimeo player's
    <iframe> (a Ghost or WordPress export's embed code) is kept as its
    video's address; any other is refused by the form, saying what it is,
    and removed by the sanitizer wherever else a body comes from."""
    videos = (
        f'<figure><IFRAME SRC="https://www.youtube.com/embed/{ID}?start=30" onload="alert(1)"></IFRAME></figure>'
        '<p>After</p><iframe src="https://player.vimeo.com/video/76979871?h=0a1b2c3d4e"></iframe>'
    )
    others = (
        '<p>Before</p><iframe src="https://evil.example/phish" width="600"></iframe>'
        '<p><iframe src="https://www.youtube.com.evil.example/embed/dQw4w9WgXcQ"></iframe></p>'
    )
    refused = client.post("/admin/posts/post/add/", admin_post_form(body=others + videos))
    said = html.unescape(refused.content.decode())
    assert refused.status_code == 200 and not Post.objects.exists()
    assert "an embedded frame from evil.example: only YouTube and Vimeo videos are shown" in said
    assert "an embedded frame from www.youtube.com.evil.example" in said
    assert "https://evil.example/phish" in said  # the body comes back as it was sent

    response = client.post("/admin/posts/post/add/", admin_post_form(body=videos))
    assert response.status_code == 302
    post = Post.objects.get(slug="fresh-draft")
    assert "iframe" not in post.body.lower() and "onload" not in post.body
    assert f"<p>https://www.youtube.com/watch?v={ID}&amp;t=30s</p>" in post.body
    assert "<p>https://vimeo.com/76979871/0a1b2c3d4e</p>" in post.body
    page = client.get(post.get_absolute_url()).content.decode()
    assert "iframe" not in page.lower()
    assert page.count('<a class="embed-play"') == 2

    unchecked = make_post(slug="saved-without-the-form", body=others)
    assert "iframe" not in unchecked.body.lower() and "evil" not in unchecked.body
    assert "evil.example" not in client.get(unchecked.get_absolute_url()).content.decode()


def test_the_page_lets_only_its_players_be_framed(client):
    youtube = make_post(body=f"<p>https://youtu.be/{ID}</p>")
    response = client.get(youtube.get_absolute_url())
    assert csp(response)["frame-src"] == f"frame-src {YOUTUBE}"
    # The rest of the policy is the site's.
    assert csp(response)["script-src"].startswith("script-src 'self'")
    assert csp(response)["default-src"] == "default-src 'self'"
    assert re.search(r'<script src="/static/js/embeds\.js" defer></script>', response.content.decode())
    # Kept with the page by the page cache.
    again = client.get(youtube.get_absolute_url())
    assert again["X-Page-Cache"] == "hit"
    assert csp(again)["frame-src"] == f"frame-src {YOUTUBE}"

    both = make_post(
        body=f"<p>https://vimeo.com/1</p><p>https://www.youtube.com/watch?v={ID}</p><p>https://vimeo.com/2</p>"
    )
    assert csp(client.get(both.get_absolute_url()))["frame-src"] == f"frame-src {VIMEO} {YOUTUBE}"

    # Nowhere else: not the lists that show these posts, not other articles.
    for url in ["/", make_post(body="<p>No video</p>").get_absolute_url(), "/search/?q=post"]:
        response = client.get(url)
        assert "frame-src" not in response["Content-Security-Policy"], url
        assert "embeds.js" not in response.content.decode(), url


def test_a_preview_shows_the_player_with_its_policy(client, writer):
    draft = make_post(author=writer, status=Post.Status.DRAFT, published_at=None, body=f"<p>https://youtu.be/{ID}</p>")
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert '<a class="embed-play"' in response.content.decode()
    assert csp(response)["frame-src"] == f"frame-src {YOUTUBE}"


def test_a_refused_comment_shows_the_article_with_its_player(client):
    post = make_post(body=f"<p>https://youtu.be/{ID}</p>")
    response = client.post("/comments/post/", {"content_type": "posts.post", "object_pk": str(post.pk)})
    assert response.status_code == 400
    assert '<a class="embed-play"' in response.content.decode()
    assert csp(response)["frame-src"] == f"frame-src {YOUTUBE}"


def test_a_video_added_to_a_post_shows_on_the_next_request(client):
    post = make_post(body="<p>Soon a video.</p>")
    assert '<a class="embed-play"' not in client.get(post.get_absolute_url()).content.decode()
    post.body += "<p>https://vimeo.com/76979871</p>"
    post.save()
    response = client.get(post.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert '<a class="embed-play" href="https://vimeo.com/76979871"' in response.content.decode()
    assert csp(response)["frame-src"] == f"frame-src {VIMEO}"


def test_the_address_survives_editing_again(client, writer):
    """The editor reloads the stored paragraph and sends it back unchanged."""
    body = f'<p><a href="https://youtu.be/{ID}">https://youtu.be/{ID}</a></p>'
    client.post("/admin/posts/post/add/", admin_post_form(body=body))
    post = Post.objects.get(slug="fresh-draft")
    change = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
    assert "To show a YouTube or Vimeo video, paste its address on a line of its own" in change
    client.post(
        f"/admin/posts/post/{post.pk}/change/",
        admin_post_form(body=post.body, opened_version=post.updated_at.isoformat()),
    )
    post.refresh_from_db()
    assert post.body == body


def test_posts_without_a_video_are_shown_unchanged(client, seed):
    """The seed article (and every post in content/) is what it was: the
    video step hands its body back as it is, and the page gets no script and
    no frame-src."""
    for path in sorted(Path(settings.BASE_DIR, "content", "posts").glob("*.html")):
        body = Post(body=parse_post(path).body).body
        assert embed_videos(body) is body, path
    assert embed_videos(seed.body) is seed.body
    response = client.get(seed.get_absolute_url())
    page = response.content.decode()
    assert seed.body.split("<h2")[0] in page
    assert "embed" not in page
    assert "frame-src" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "address",
    [
        'https://www.youtube.com/watch?v=dQw4w9WgXc"><script>alert(1)</script>',
        "https://www.youtube.com/watch?v=tooshort",
        "https://youtu.be/dQw4w9WgXcQ/extra",
        "https://www.youtube.com:99999/watch?v=dQw4w9WgXcQ",
        "https://[::1/watch?v=dQw4w9WgXcQ",
        "https://user@youtu.be/dQw4w9WgXcQ",
        "javascript://youtu.be/%0Aalert(1)",
        "ftp://vimeo.com/76979871",
        "https://vimeo.com/76979871/not-a-key",
        "https://vimeo.com/123456789012345",
    ],
)
def test_odd_addresses_are_not_videos(client, address):
    assert video_at(address) is None
    post = make_post(body=f"<p>{address}</p>")
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert '<a class="embed-play"' not in response.content.decode()
    assert "<script>alert" not in response.content.decode()
