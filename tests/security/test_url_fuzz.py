"""Every public URL pattern and every query parameter the public views read,
filled with hostile values: the answer is 200, 301/302, 400 or 404, never a
500, and no page reflects the value as live markup.

The patterns are read from the resolver (everything outside the admin), so a
view added later is fuzzed without touching this file.
"""

from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from posts.models import Post, PreviewLink
from posts.notifications import unsubscribe_token
from tests.factories import make_comment, make_page, make_post, make_user
from tests.security.hostile import unsafe_in_response

pytestmark = pytest.mark.django_db

# Decoded values: each is percent-encoded into a path segment or a query string.
HOSTILE = [
    "x" * 5000,
    "é",
    "עברית\u202eabc",
    "😀" * 20,
    "e\u0301\u0301\u0301\u0301",
    "\ufeff\u200b",
    "\x00",
    "a\x00b",
    "%00",
    "../",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f",
    "' OR 1=1--",
    '" OR ""="',
    "1; DROP TABLE posts_post;--",
    "1 UNION SELECT password FROM auth_user",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "9" * 40,
    "9223372036854775808",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "0x10",
    "1.5",
    "١٢",
    "%s%s%s%n",
    "{0}{1}{{7*7}}",
    "%(SECRET_KEY)s",
    '{"a": [1, 2], "b": null}',
    "[]",
    " ",
    "\r\nSet-Cookie: pwned=1",
    'NEAR(a b) "unbalanced * ^ -title:x',
    "a AND OR NOT",
]
# List cursors (``<UTC time>Z~<id>``, posts.pagination): well formed, then each part out of range.
CURSORS = [
    "2026-03-19T08:30:00.000000Z~1",
    "2026-02-30T08:30:00.000000Z~1",
    "2026-13-01T00:00:00Z~1",
    "0000-01-01T00:00:00Z~1",
    "9999-12-31T23:59:59.999999Z~9223372036854775807",
    "0001-01-01T00:00:00.000000Z~9223372036854775808",
    "2026-03-19T08:30:00.000000Z~0",
    "2026-03-19T08:30:00.000000Z~" + "9" * 40,
    "2026-03-19T08:30:00.0000000Z~1",
    "2026-03-19T08:30:00+00:00~1",
    "2026-03-19T08:30:00.000000Z~1\x00",
    "２０２６-03-19T08:30:00Z~1",
    "2026-03-19T08:30:00Z~١",
    "2026-03-19T08:30:00Z",
    "~",
]
# Raw path segments, sent as they are (the server decodes them).
RAW_SEGMENTS = ["%00", "%2e%2e%2f", "..%2f..%2f", "%c0%ae%c0%ae%2f", "%ff%fe", "%", "%zz", "..;", "a%2fb"]
QUERY_PARAMETERS = ["page", "before", "after", "q", "comment", "flagged", "cpage", "p"]
ALLOWED = {200, 301, 302, 400, 404}
# Endpoints that only take POST answer other methods 405; they are fuzzed with POST.
POST_ONLY = {"comments-post-comment", "comments-flag"}


def public_patterns() -> list[tuple[str, URLPattern]]:
    """(route, pattern) for every URL outside the admin."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or str(pattern.pattern).startswith("admin/"):
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern

    return list(walk(get_resolver().url_patterns))


@pytest.fixture
def site():
    """One of everything, so each pattern has a valid address to vary."""
    post = make_post(slug="a-post", tags=["Django"])
    comment = make_comment(post)
    draft = make_post(status=Post.Status.DRAFT, published_at=None, author=post.author)
    make_page(slug=post.slug, show_in_header=True)  # /<slug>/ answers with a page
    staff = make_user("staffer", staff=True, email="staffer@example.com")
    return {
        "slug": post.slug,
        "year": post.published_at.strftime("%Y"),
        "month": post.published_at.strftime("%m"),
        "cid": str(comment.pk),
        "token": PreviewLink.objects.create(post=draft).token,
        "content_type_id": str(ContentType.objects.get_for_model(Post).pk),
        "object_id": str(post.pk),
        "author": post.author.slug,
        "tag": "django",
        "section": "posts",
        "unsubscribe": unsubscribe_token("reader@example.com", post.pk),
        # The admin's password reset pages are public too (skolr_blog/password_reset.py).
        "uidb64": urlsafe_base64_encode(force_bytes(staff.pk)),
        "reset": default_token_generator.make_token(staff),
    }


def valid_value(route: str, name: str, site: dict) -> str:
    if name == "slug":
        return site["author"] if route.startswith("authors/") else site["tag"] if "tags/" in route else site["slug"]
    if name == "token":
        if route.startswith("admin/reset/"):
            return site["reset"]
        return site["unsubscribe"] if route.startswith("mail/") else site["token"]
    return site[name]


def build(route: str, values: dict[str, str]) -> str:
    path = route
    for value in values.values():
        start = path.index("<")
        path = path[:start] + value + path[path.index(">", start) + 1 :]
    return "/" + path


class Fuzzer:
    def __init__(self):
        self.client = Client(raise_request_exception=False)
        self.requests = 0
        self.failures: list[str] = []

    def hit(self, name: str | None, url: str) -> None:
        response = self.client.post(url) if name in POST_ONLY else self.client.get(url)
        self.requests += 1
        if response.status_code not in ALLOWED:
            self.failures.append(f"{response.status_code} {url[:200]!r}")
        elif response.get("Content-Type", "").startswith("text/html") and len(response.content) < 500_000:
            findings = unsafe_in_response(response)
            if findings:
                self.failures.append(f"reflected markup at {url[:200]!r}: {findings[:2]}")


def parameters(route: str) -> list[str]:
    return [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]


def test_every_public_pattern_and_query_parameter(site, capsys):
    fuzzer = Fuzzer()
    patterns = public_patterns()
    assert len(patterns) >= 20  # posts, tags, archives, search, feeds, authors, comments, mail, well-known…
    for route, pattern in patterns:
        names = parameters(route)
        valid = {name: valid_value(route, name, site) for name in names}
        fuzzer.hit(pattern.name, build(route, valid))
        for name in names:
            for value in HOSTILE:
                fuzzer.hit(pattern.name, build(route, valid | {name: quote(value, safe="")}))
            for raw in RAW_SEGMENTS:
                fuzzer.hit(pattern.name, build(route, valid | {name: raw}))
        # Query parameters on every page, two at a time, every third hostile value.
        base = build(route, valid)
        for index, value in list(enumerate(HOSTILE))[::3]:
            first = QUERY_PARAMETERS[index % len(QUERY_PARAMETERS)]
            second = QUERY_PARAMETERS[(index + 1) % len(QUERY_PARAMETERS)]
            fuzzer.hit(pattern.name, f"{base}?{urlencode({first: value, second: HOSTILE[-index - 1]})}")
        fuzzer.hit(pattern.name, f"{base}?page=1&page=2&q=a&q=b&cpage=&comment=&flagged=")
        fuzzer.hit(pattern.name, f"{base}?before=2026-01-01T00:00:00Z~1&after=2026-01-01T00:00:00Z~1")
        fuzzer.hit(pattern.name, f"{base}?before=2026-01-01T00:00:00Z~1&before=2026-01-02T00:00:00Z~1")
    # Each parameter with each value on the views that read it.
    readers = {
        "page": ["/", "/tags/django/", f"/authors/{site['author']}/", f"/archive/{site['year']}/", "/search/?q=body"],
        "before": ["/", "/tags/django/", f"/authors/{site['author']}/", f"/archive/{site['year']}/{site['month']}/"],
        "after": ["/", "/tags/django/", f"/authors/{site['author']}/", f"/archive/{site['year']}/"],
        "q": ["/search/"],
        "comment": [f"/posts/{site['slug']}/"],
        "flagged": [f"/posts/{site['slug']}/"],
        "cpage": [f"/posts/{site['slug']}/"],
        "p": ["/sitemap-posts.xml"],
    }
    for parameter, urls in readers.items():
        for url in urls:
            for value in HOSTILE + (CURSORS if parameter in ("before", "after") else []):
                joiner = "&" if "?" in url else "?"
                fuzzer.hit(None, f"{url}{joiner}{urlencode({parameter: value})}")

    with capsys.disabled():
        print(
            f"\nURL fuzz: {len(patterns)} public patterns, {fuzzer.requests} requests, {len(fuzzer.failures)} failures"
        )
    assert fuzzer.failures == []
