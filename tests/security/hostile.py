"""Hostile input for the security tests: the XSS corpus, the real paths that
store it, and a checker for the HTML that comes back.

Payloads go in the way a stranger or an author would send them (the comment
form, the admin's post, tag and author forms, forged POSTs that never saw the
editor), so what is stored is exactly what those paths let through. The
server-side tests and the browser test share these helpers.
"""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from django.core.cache import cache
from django_comments import get_form
from django_comments_xtd.models import XtdComment

from authors.models import Author
from posts import moderation
from posts.comment_models import CommentReview
from posts.embeds import left_out
from posts.models import Post, TaggedPost
from tests.factories import admin_post_form

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
MARKER = "XSSID"


@dataclass(frozen=True)
class Payload:
    number: int
    text: str


def load_payloads() -> list[Payload]:
    """The corpus, numbered from 1; ``XSSID`` becomes the payload's number."""
    payloads: list[Payload] = []
    for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        number = len(payloads) + 1
        payloads.append(Payload(number, line.replace(MARKER, str(number))))
    return payloads


# --- Counting -----------------------------------------------------------------


@dataclass
class SinkTally:
    """What happened to the payloads sent through one field."""

    tried: int = 0
    stored: int = 0
    refused: int = 0
    executed: int = 0
    findings: list[str] = field(default_factory=list)


class Tally(dict):
    """Sink name → SinkTally, printed as the table the closing note quotes."""

    def __missing__(self, sink: str) -> SinkTally:
        self[sink] = SinkTally()
        return self[sink]

    def outcome(self, sink: str, stored: bool) -> None:
        entry = self[sink]
        entry.tried += 1
        if stored:
            entry.stored += 1
        else:
            entry.refused += 1

    def table(self, title: str) -> str:
        lines = [title, f"  {'sink':<34}{'tried':>6}{'stored':>8}{'refused':>9}{'executed':>10}"]
        for sink, entry in self.items():
            lines.append(
                f"  {sink:<34}{entry.tried:>6}{entry.stored:>8}{entry.refused:>9}"
                f"{entry.executed + len(entry.findings):>10}"
            )
        return "\n".join(lines)


# --- The HTML checker -----------------------------------------------------------

# Browsers drop ASCII whitespace and control characters inside a URL's scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript|livescript|mocha):|^data:(?!image/(?:png|gif|jpe?g|webp|avif)[;,])")
_DANGEROUS_CSS = re.compile(r"expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|@import", re.IGNORECASE)
# Elements our pages never use and untrusted content must never produce: they
# run script, load documents, change where links and forms go, or parse their
# content differently in a browser than in html.parser (mutation XSS).
_FORBIDDEN_ELEMENTS = {
    "applet", "base", "bgsound", "embed", "frame", "frameset", "iframe", "isindex", "keygen", "math",
    "noembed", "noframes", "noscript", "object", "plaintext", "portal", "template", "xmp",
}  # fmt: skip
_FORBIDDEN_ATTRIBUTES = {"srcdoc"}
# Attributes whose value a browser follows as an address (or, in SVG
# animations, writes into one).
_URL_ATTRIBUTES = {
    "action", "background", "cite", "code", "codebase", "data", "dynsrc", "formaction", "from", "href", "icon",
    "longdesc", "lowsrc", "manifest", "ping", "poster", "profile", "src", "srcset", "to", "usemap", "values",
    "xlink:href",
}  # fmt: skip
_SCRIPT_DATA_TYPES = {"application/json", "application/ld+json"}
_MARKERS = re.compile(r"__xss|alert\s*[(`]|confirm\s*[(`]|prompt\s*[(`]|XSS", re.IGNORECASE)


def _compact(value: str) -> str:
    return _URL_NOISE.sub("", value).lower()


class UnsafeMarkupFinder(HTMLParser):
    """Everything in a page that could run script or redirect a reader.

    Attribute values arrive entity-decoded (as a browser sees them). Our own
    templates use none of these constructs, so anything found came from
    stored input.
    """

    def __init__(self, *, nonce: str = "", hosts: tuple[str, ...] = ("testserver",)):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.hosts = hosts
        self.findings: list[str] = []
        self._script: dict | None = None

    def _flag(self, tag: str, what: str) -> None:
        self.findings.append(f"<{tag}> {what}"[:300])

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag in _FORBIDDEN_ELEMENTS:
            self._flag(tag, "element")
        if tag == "meta" and "http-equiv" in values:
            self._flag(tag, f"http-equiv={values['http-equiv']!r}")
        if tag == "link" and "import" in values.get("rel", "").lower():
            self._flag(tag, "rel=import")
        # A form's address, or a submit button's own (our "Preview changes"): this site only.
        for name in ("action", "formaction") if tag == "form" else ("formaction",):
            host = urlsplit(values.get(name, "").strip()).netloc
            if host and host not in self.hosts:
                self._flag(tag, f"{name} to another site: {values[name]!r}")
        for name, value in values.items():
            if name.startswith("on"):
                self._flag(tag, f"event handler {name}={value!r}")
            elif name in _FORBIDDEN_ATTRIBUTES:
                self._flag(tag, f"{name}={value!r}")
            elif name in _URL_ATTRIBUTES and _SCRIPT_URL.match(_compact(value)):
                self._flag(tag, f"script URL {name}={value!r}")
            elif name == "style" and _DANGEROUS_CSS.search(value):
                self._flag(tag, f"style={value!r}")
        if tag == "script":
            self._script = {"attrs": values, "text": ""}
        elif tag == "style":
            self._script = {"style": True, "text": ""}

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data

    def handle_endtag(self, tag):
        if tag not in ("script", "style") or self._script is None:
            return
        element, self._script = self._script, None
        text = element["text"]
        if element.get("style"):
            if _DANGEROUS_CSS.search(text):
                self._flag("style", f"stylesheet {text!r}")
            return
        attrs = element["attrs"]
        src = attrs.get("src", "").strip()
        kind = attrs.get("type", "").strip().lower()
        if src:
            host = urlsplit(src).netloc
            if text.strip() or (host and host not in self.hosts) or not (src.startswith("/") or host):
                self._flag("script", f"src={src!r}")
        elif kind in _SCRIPT_DATA_TYPES:
            try:
                json.loads(text)
            except ValueError:
                self._flag("script", f"{kind} that is not JSON: {text[:120]!r}")
        elif self.nonce and attrs.get("nonce") == self.nonce:
            if _MARKERS.search(text):
                self._flag("script", f"nonce'd inline script carrying a payload: {text[:120]!r}")
        else:
            self._flag("script", f"inline script {text[:120]!r}")


def csp_nonce(response) -> str:
    match = re.search(r"'nonce-([^']+)'", response.get("Content-Security-Policy", ""))
    return match.group(1) if match else ""


def unsafe_markup(html: str, *, nonce: str = "", hosts: tuple[str, ...] = ("testserver",)) -> list[str]:
    finder = UnsafeMarkupFinder(nonce=nonce, hosts=hosts)
    finder.feed(html)
    finder.close()
    return finder.findings


def unsafe_in_response(response) -> list[str]:
    return unsafe_markup(response.content.decode(), nonce=csp_nonce(response))


_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"


def feed_html_fields(xml: bytes) -> list[str]:
    """The parts of an RSS or Atom feed that feed readers render as HTML.

    RSS: each item's ``description`` and ``content:encoded``. Atom: any
    element with ``type="html"`` (its text is HTML) or ``type="xhtml"``.
    Titles and other plain-text elements are shown as text.
    """
    root = ET.fromstring(xml)
    fields = []
    for item in root.iter("item"):
        for name in ("description", _CONTENT_ENCODED):
            element = item.find(name)
            if element is not None and element.text:
                fields.append(element.text)
    for element in root.iter():
        kind = element.get("type")
        if element.tag.startswith(_ATOM) and kind == "html" and element.text:
            fields.append(element.text)
        elif element.tag.startswith(_ATOM) and kind == "xhtml":
            fields.append(ET.tostring(element, encoding="unicode"))
    return fields


def unsafe_in_feed(xml: bytes) -> list[str]:
    return [finding for html in feed_html_fields(xml) for finding in unsafe_markup(html)]


# --- Submitting payloads through the real forms ------------------------------------


def _ip(sink: int, number: int) -> str:
    return f"10.{sink}.{number // 250}.{number % 250 + 1}"


def comment_data(post: Post, **fields) -> dict:
    """What the article's comment form submits, with a fresh signed timestamp."""
    data = get_form()(post).initial.copy() | {"reply_to": 0, "name": "Reader", "url": "", "comment": "Hello"}
    return data | fields


COMMENT_SINKS = ("comment body", "commenter name", "commenter URL", "commenter URL (in a valid URL)")


def _url_inside(payload: str) -> str:
    """The payload inside an otherwise valid https URL (whitespace encoded)."""
    return "https://example.com/" + re.sub(r"\s", lambda m: f"%{ord(m.group()):02X}", payload)


def post_comments(client, post: Post, payloads: list[Payload], tally: Tally) -> list[XtdComment]:
    """Post every payload through the comment form, once per field a stranger
    fills in. Each post comes from its own address and email so the rate
    limit (one comment per address or email every few seconds) lets it in."""
    stored = []
    for payload in payloads:
        n, text = payload.number, payload.text
        attempts = [
            ("comment body", {"comment": text}),
            ("commenter name", {"name": text, "comment": f"Comment with a hostile name ({n})."}),
            ("commenter URL", {"url": text, "comment": f"Comment with a hostile URL ({n})."}),
            ("commenter URL (in a valid URL)", {"url": _url_inside(text), "comment": f"Hostile URL path ({n})."}),
        ]
        for index, (sink, fields) in enumerate(attempts):
            email = f"xss{n}-{index}@example.com"
            data = comment_data(post, email=email, **fields)
            response = client.post("/comments/post/", data, REMOTE_ADDR=_ip(index + 1, n))
            assert response.status_code in (302, 400), (sink, n, response.status_code)
            comment = XtdComment.objects.filter(user_email=email).first()
            assert (response.status_code == 302) == (comment is not None), (sink, n)
            tally.outcome(sink, comment is not None)
            if comment is not None:
                stored.append(comment)
    return stored


def post_comments_together(client, post: Post, payloads: list[Payload], tally: Tally) -> list[XtdComment]:
    """One comment per payload, the payload in its body, name and URL (inside
    a valid URL) at once; fields the form refuses are sent again with benign
    values. Fewer requests than ``post_comments``, for the browser test."""
    fields = {"comment body": "comment", "commenter name": "name", "commenter URL (in a valid URL)": "url"}
    stored = []
    for payload in payloads:
        n = payload.number
        data = comment_data(post, email=f"all{n}@example.com", comment=payload.text, name=payload.text)
        data["url"] = _url_inside(payload.text)
        refused: set[str] = set()
        for _ in range(len(fields) + 1):
            response = client.post("/comments/post/", data, REMOTE_ADDR=_ip(9, n))
            if response.status_code == 302:
                break
            assert response.status_code == 400, (n, response.status_code)
            errors = response.context["comment_form"].errors
            bad = {sink for sink, name in fields.items() if name in errors and sink not in refused}
            assert bad, (n, errors.as_text()[:300])
            refused |= bad
            benign = {"comment": f"Comment {n}.", "name": "Reader", "url": ""}
            data |= {fields[sink]: benign[fields[sink]] for sink in bad}
        for sink in fields:
            tally.outcome(sink, sink not in refused)
        stored.append(XtdComment.objects.get(user_email=f"all{n}@example.com"))
    return stored


def approve(comments) -> None:
    for comment in comments:
        moderation.decide(comment, CommentReview.Status.APPROVED)


AUTHOR_FIELDS = {"author name": "name", "author bio": "bio", "author expertise": "expertise"}


def _author_form(author: Author, **fields) -> dict:
    data = {
        "name": author.name,
        "bio": author.bio,
        "expertise": author.expertise,
        "website": "",
        "linkedin": "",
        "x": "",
        "github": "",
        "mastodon": "",
        "comment_notifications": "each",
    }
    return data | fields


def _submit(client, url: str, data: dict, fields: dict[str, str], benign: dict[str, str]) -> set[str]:
    """POST an admin form; fields the form refuses are sent again with benign
    values so the others still get in. Returns the refused sinks."""
    refused: set[str] = set()
    for _ in range(len(fields) + 1):
        response = client.post(url, data)
        if response.status_code == 302:
            return refused
        assert response.status_code == 200, (url, response.status_code)
        errors = response.context["adminform"].form.errors
        bad = {sink for sink, name in fields.items() if name in errors and sink not in refused}
        assert bad, f"{url} refused something other than the payload fields: {errors.as_text()[:500]}"
        refused |= bad
        data = data | {fields[sink]: benign[fields[sink]] for sink in bad}
    raise AssertionError(f"{url} kept refusing the form")


def set_author_profiles(client, authors: list[Author], payloads: list[Payload], tally: Tally) -> None:
    """Each author signs in and edits their own profile, one payload per author."""
    for author, payload in zip(authors, payloads, strict=True):
        client.force_login(author.user)
        url = f"/admin/authors/author/{author.pk}/change/"
        fields = dict(AUTHOR_FIELDS)
        data = _author_form(author, **dict.fromkeys(fields.values(), payload.text))
        benign = {"name": f"Author {payload.number}", "bio": "", "expertise": ""}
        refused = _submit(client, url, data, fields, benign)
        for sink in fields:
            tally.outcome(sink, sink not in refused)


def add_tags(client, payloads: list[Payload], tally: Tally) -> dict[int, int]:
    """Tags named with each payload, through the admin's tag form. Returns
    payload number → tag id for the tags that were accepted."""
    from taggit.models import Tag

    tags = {}
    for payload in payloads:
        slug = f"xss-tag-{payload.number}"
        response = client.post("/admin/taggit/tag/add/", {"name": payload.text, "slug": slug})
        assert response.status_code in (200, 302), response.status_code
        tag = Tag.objects.filter(slug=slug).first()
        tally.outcome("tag name (tag admin)", tag is not None)
        if tag is not None:
            tags[payload.number] = tag.pk
    return tags


POST_FIELDS = {
    "post title": "title",
    "post excerpt": "excerpt",
    "post body": "body",
    "new tags": "new_tags",
    "meta title": "meta_title",
    "meta description": "meta_description",
    "canonical URL": "canonical_url",
}


def add_posts(client, payloads: list[Payload], tally: Tally, *, authors=None, tags=None) -> list[Post]:
    """One draft per payload through the admin's add form, the payload in
    every field an author types (a forged POST: no editor ran). ``authors``
    signs post n with author n; ``tags`` (payload number → tag id) adds the
    tag made from the same payload."""
    posts = []
    for index, payload in enumerate(payloads):
        n, text = payload.number, payload.text
        slug = f"xss-{n}"
        data = admin_post_form(slug=slug, **dict.fromkeys(POST_FIELDS.values(), text))
        if authors:
            data["author"] = authors[index].pk
        if tags and n in tags:
            data["tags"] = [tags[n]]
        benign = {"title": f"Post {n}", "excerpt": "", "body": "<p>Plain.</p>", "new_tags": ""}
        benign |= {"meta_title": "", "meta_description": "", "canonical_url": ""}
        refused = _submit(client, "/admin/posts/post/add/", data, POST_FIELDS, benign)
        for sink in POST_FIELDS:
            tally.outcome(sink, sink not in refused)
        posts.append(Post.objects.get(slug=slug))
    return posts


def post_with_every_payload(client, slug: str, title: str, author, payloads: list[Payload], separator: str) -> Post:
    """A post whose body holds every payload, edited once so the revision
    comparison has them all to show. The form takes those it accepts; a
    frame or an image with no web address it refuses, saying what it is
    (``posts.embeds.left_out``), so the body with them too is stored as an
    import stores one, through the sanitizer in ``Post.save``."""
    form = admin_post_form(slug=slug, title=title, author=author.pk)
    assert client.post("/admin/posts/post/add/", form).status_code == 302
    post = Post.objects.get(slug=slug)
    accepted = separator.join(f"<p>{payload.text}</p>" for payload in payloads if not left_out(payload.text))
    assert client.post(f"/admin/posts/post/{post.pk}/change/", form | {"body": accepted}).status_code == 302
    post.refresh_from_db()
    post.body = separator.join(f"<p>{payload.text}</p>" for payload in payloads)
    post.save()
    return post


def publish(posts) -> None:
    """Make the drafts public, and featured (the home page's "Featured"
    block shows them too). Straight in the database: the publishing
    checklist (thumbnail, title length…) is not what these tests are about,
    and what readers see is exactly what the admin stored."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for index, post in enumerate(posts):
        Post.objects.filter(pk=post.pk).update(
            status=Post.Status.PUBLISHED, published_at=now - timedelta(minutes=index), featured=True
        )
    TaggedPost.objects.copy_publish_dates()  # what every bulk write of posts does (see TaggedPost)
    cache.clear()  # the shared page cache keys on a content version that update() does not bump
