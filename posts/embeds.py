"""Videos in posts: a YouTube or Vimeo address alone in a paragraph is shown
as a player, which loads only when the reader asks for it.

The stored body keeps the author's paragraph, and the player is derived when
the body is shown, like code colouring (``posts.html.highlight_code``). An
``<iframe>`` stored in the body would not survive the next edit: the editor
(ProseMirror) has no node for it and drops it, video and all. So the
sanitizer keeps no ``<iframe>`` at all, whoever typed it and wherever it
points, and the page's HTML holds none either.

What the page holds is a link to the video on its host, built from the video's
id alone (never the author's text, and without a network call: no oEmbed). A
small deferred script of ours (``static/js/embeds.js``) turns a click on it
into the player's ``<iframe>``; until then the reader's browser contacts
neither YouTube nor Vimeo, and without JavaScript the link opens the video
there. Only an article that shows a player lets the host in its
Content-Security-Policy (``frame_policy``).

GitHub Gists are not embedded: their embed is a ``<script>`` from GitHub that
writes the gist into the page, which the policy (script-src 'self') refuses,
and which would block rendering on a third party. A gist's address stays the
link the author pasted; code meant to be read belongs in a code block.
"""

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings

YOUTUBE_PLAYER = "https://www.youtube-nocookie.com"  # YouTube's privacy-enhanced mode
VIMEO_PLAYER = "https://player.vimeo.com"

_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
_YOUTUBE_PLAYER_HOSTS = {"youtube-nocookie.com", "www.youtube-nocookie.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com"}
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"[0-9]{1,12}")
_VIMEO_HASH = re.compile(r"[0-9a-f]{6,32}")  # an unlisted video's key
_START = re.compile(r"(?:(\d{1,2})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s?)?")


@dataclass(frozen=True)
class Video:
    host: str  # "YouTube" or "Vimeo", as readers know them
    link: str  # the video's page on its host
    player: str  # the player's address, for the <iframe> the script makes
    portrait: bool = False  # YouTube Shorts are upright

    @property
    def origin(self) -> str:
        return YOUTUBE_PLAYER if self.host == "YouTube" else VIMEO_PLAYER


def _start_seconds(value: str) -> int:
    """YouTube's ``t=`` (``90``, ``90s``, ``1m30s``, ``1h2m3s``) in seconds; 0 if unreadable."""
    found = _START.fullmatch(value)
    if not found:
        return 0
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def video_at(url: str) -> Video | None:
    """The video at ``url``, if it is one of the forms we embed, else None.

    youtube.com/watch?v=ID (with ``t=``), youtu.be/ID, youtube.com/shorts/ID,
    vimeo.com/ID and an unlisted vimeo.com/ID/KEY, and the players'
    addresses (youtube(-nocookie).com/embed/ID, player.vimeo.com/video/ID).
    The addresses we give are rebuilt from the id: other parameters (share
    trackers such as ``si=``) are dropped.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or parts.username or parts.port:
            return None
    except ValueError:  # e.g. an unclosed [ or a port out of range
        return None
    segments = parts.path.strip("/").split("/")
    query = parse_qs(parts.query)
    if host in _YOUTUBE_HOSTS | _YOUTUBE_PLAYER_HOSTS and len(segments) == 2 and segments[0] == "embed":
        return _youtube(segments[1], start=query.get("start", [""])[0])
    if host == "player.vimeo.com" and len(segments) == 2 and segments[0] == "video":
        segments = segments[1:]  # the player's address: the same id and ?h= key
        host = "vimeo.com"
    if host in _YOUTUBE_HOSTS and parts.path.rstrip("/") == "/watch":
        ident = query.get("v", [""])[0]
        return _youtube(ident, start=query.get("t", query.get("start", [""]))[0])
    if host in _YOUTUBE_HOSTS and len(segments) == 2 and segments[0] == "shorts":
        return _youtube(segments[1], portrait=True)
    if host == "youtu.be" and len(segments) == 1:
        return _youtube(segments[0], start=query.get("t", [""])[0])
    if host in _VIMEO_HOSTS and 1 <= len(segments) <= 2 and _VIMEO_ID.fullmatch(segments[0]):
        key = segments[1] if len(segments) == 2 else query.get("h", [""])[0]
        if key and not _VIMEO_HASH.fullmatch(key):
            return None
        ident = segments[0]
        options = {"autoplay": 1, "dnt": 1} | ({"h": key} if key else {})
        return Video(
            host="Vimeo",
            link=f"https://vimeo.com/{ident}" + (f"/{key}" if key else ""),
            player=f"{VIMEO_PLAYER}/video/{ident}?{urlencode(options)}",
        )
    return None


def _youtube(ident: str, *, start: str = "", portrait: bool = False) -> Video | None:
    if not _YOUTUBE_ID.fullmatch(ident):
        return None
    seconds = _start_seconds(start)
    if portrait:
        link = f"https://www.youtube.com/shorts/{ident}"
    else:
        link = f"https://www.youtube.com/watch?v={ident}" + (f"&t={seconds}s" if seconds else "")
    options = {"autoplay": 1} | ({"start": seconds} if seconds else {})
    return Video(
        host="YouTube", link=link, player=f"{YOUTUBE_PLAYER}/embed/{ident}?{urlencode(options)}", portrait=portrait
    )


# The address of an <iframe>, read in its tag.
_SRC = re.compile(r"\ssrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"\s*</p>")
_LONGEST_TAG = 4000


def iframes_as_addresses(body: str) -> str:
    """Before sanitizing: a YouTube or Vimeo player's ``<iframe>`` (embed code
    from a Ghost or WordPress export, say) becomes its video's address, alone
    in a paragraph, which is shown as a player; the sanitizer then removes
    every other ``<iframe>``. Nothing of the tag but the video's id is kept.

    Read with ``find`` in bounded windows, not one regular expression: this
    is text not yet sanitized, and an unclosed tag must not make the search
    read the rest of the body again from every "<iframe".
    """
    lower = body.lower()
    if "<iframe" not in lower:
        return body
    parts, position = [], 0
    while (start := lower.find("<iframe", position)) != -1:
        tag_end = lower.find(">", start, start + _LONGEST_TAG)
        closing = lower.find("</iframe", tag_end, tag_end + _LONGEST_TAG) if tag_end != -1 else -1
        end = lower.find(">", closing, closing + 64) if closing != -1 else -1
        src = _SRC.search(body, start, tag_end) if end != -1 else None
        video = video_at(html.unescape(src.group(1))) if src else None
        if video is None:  # left for the sanitizer to remove
            parts.append(body[position : start + 1])
            position = start + 1
            continue
        before, position = body[position:start], end + 1
        if before.rstrip().endswith("<p>") and (paragraph_end := _PARAGRAPH_END.match(body, position)):
            before = before.rstrip().removesuffix("<p>")  # the paragraph the embed code sat in
            position = paragraph_end.end()
        parts += [before, f"<p>{html.escape(video.link)}</p>"]
    parts.append(body[position:])
    return "".join(parts)


# A paragraph that holds only an address, typed or pasted (the editor makes
# a pasted address a link whose text is the address); and the elements in
# which such a paragraph is a list item, a quotation or a table cell, where
# a player would be out of place. Bodies are sanitized: <p> has no attributes.
_SCAN = re.compile(
    r"<(?P<close>/?)(?:li|blockquote|td|th)\b[^>]*>"
    r"|(?P<paragraph><p>\s*(?:<a\s[^>]*?\bhref=\"(?P<href>[^\"]*)\"[^>]*>(?P<text>[^<]*)</a>|(?P<bare>[^<\s]+))\s*</p>)",
    re.IGNORECASE,
)


def _video_paragraph(match: re.Match) -> Video | None:
    href, text, bare = match["href"], match["text"], match["bare"]
    if bare is not None:
        return video_at(html.unescape(bare))
    if href is not None and html.unescape(text).strip() == html.unescape(href):
        return video_at(html.unescape(href))
    return None  # a link with words of its own stays a link


def _player(video: Video) -> str:
    shape = " embed-portrait" if video.portrait else ""
    return (
        f'<div class="embed{shape}"><a class="embed-play" href="{html.escape(video.link)}" '
        f'data-player="{html.escape(video.player)}">Play video on {video.host}</a></div>'
    )


def embed_videos(body: str) -> str:
    """The body with each video paragraph shown as a player (see the module).

    A body without a video address is returned as it is, unchanged to the
    byte; the others are remembered per body, like highlighted code.
    """
    return _embedded(body)[0] if _may_have_video(body) else body


def frame_origins(body: str) -> tuple[str, ...]:
    """The players' origins that the body's page must let frame, in order."""
    return _embedded(body)[1] if _may_have_video(body) else ()


def allow_players(response, origins: tuple[str, ...]):
    """Let ``response``'s page frame these players' origins, and only it.

    Django's ``csp_override`` decorator does this for every response of a
    view; an article needs it only when it shows a player. ``frame-src`` is
    otherwise left to fall back on ``default-src 'self'``. The page cache
    keeps the header with the page.
    """
    if origins and settings.SECURE_CSP:
        response._csp_config = settings.SECURE_CSP | {"frame-src": list(origins)}
    return response


class ShowsVideoPlayers:
    """For the detail view of anything with a body (a post, a page): the
    template gets ``video_players``, the origins its players need (it loads
    ``embeds.js`` when there are any), and the response lets exactly those
    be framed."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(video_players=frame_origins(self.object.body), **kwargs)

    def render_to_response(self, context, **kwargs):
        return allow_players(super().render_to_response(context, **kwargs), context["video_players"])


def _may_have_video(body: str) -> bool:
    return "youtu" in body or "vimeo.com" in body


@lru_cache(maxsize=128)
def _embedded(body: str) -> tuple[str, tuple[str, ...]]:
    depth = 0
    origins: list[str] = []

    def replace(match: re.Match) -> str:
        nonlocal depth
        if match["paragraph"] is None:  # a list item's, quotation's or cell's tag
            depth = max(0, depth - 1) if match["close"] else depth + 1
            return match.group(0)
        video = _video_paragraph(match) if depth == 0 else None
        if video is None:
            return match.group(0)
        if video.origin not in origins:
            origins.append(video.origin)
        return _player(video)

    return _SCAN.sub(replace, body), tuple(origins)


# An image's address in an author's HTML, not yet sanitized: quoted or not.
_IMG_SRC = re.compile(r"\ssrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.IGNORECASE)
_SCHEME = re.compile(r"\s*([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_TAG_END = re.compile(r"[\s/>]")


def _tags(body: str, name: str):
    """The opening tags ``<name …>`` of HTML not yet sanitized, each read
    in a bounded window (an unclosed one is skipped)."""
    lower, position = body.lower(), 0
    while (start := lower.find(f"<{name}", position)) != -1:
        position = start + 1
        after = start + 1 + len(name)
        end = lower.find(">", start, start + _LONGEST_TAG)
        if end != -1 and _TAG_END.match(lower, after):
            yield body[start : end + 1]


def left_out(body: str) -> list[str]:
    """What of an author's HTML the sanitizer (``posts.models.clean_body``)
    would take out that readers would miss, said for the author: an image
    whose address is no web address (pasted into the text as ``data:``,
    ``blob:`` and the like: it would be stored without one, showing
    nothing), and a frame that is not a YouTube or Vimeo video. Scripts,
    styles and the rest the editor never offers are removed unasked."""
    found = []
    for tag in _tags(body, "img"):
        src = _IMG_SRC.search(tag)
        address = html.unescape(next(filter(None, src.groups()), "")) if src else ""
        scheme = _SCHEME.match(address)
        if scheme is None or scheme.group(1).lower() in ("http", "https"):
            continue
        if scheme.group(1).lower() == "data":
            found.append("an image pasted into the text itself (a data: address), which is not stored")
        else:
            found.append(f"an image at “{address.strip()[:60]}”, which is no web address")
    for tag in _tags(body, "iframe"):
        src = _SRC.search(tag)
        address = html.unescape(src.group(1)) if src else ""
        if video_at(address) is None:
            try:
                where = urlsplit(address).hostname or "an unknown address"
            except ValueError:
                where = "an unknown address"
            found.append(f"an embedded frame from {where}: only YouTube and Vimeo videos are shown")
    return list(dict.fromkeys(found))
