"""A shared cache of the pages anonymous readers get, that is never stale.

Every entry records the site's *content version* it was rendered under, a
number in the shared cache that changes whenever anything readers can see
changes (a post, a tag, an author, a public comment), and is served only
while that is still the version. Changing it retires every cached page at
once: a blog changes rarely and is read often, so "invalidate everything"
is both the simplest and the safest rule. The version and the page's entry
are read in one or two round trips to the cache. Entries also carry the time the
next scheduled post goes live, and are not used past it, so scheduled posts
appear on time, nor past the time a page says it changes by itself
(``changes_at``: an article's comment form goes when its comments close).

A page's ETag is a digest of the page itself, kept in its entry with the
time it was rendered (its Last-Modified): a browser's conditional request
is answered 304 from that same cache read while the page holds what the
browser has. Not the content version: a page rendered again under the same
version is not the same page, since its comment form's signed timestamp is
new (the old one is refused after two hours), and a browser told 304 kept
a copy whose form no longer posted (found by QA). A page rendered again
just as it was (a feed, a list) keeps its ETag, so it is still a 304.

Each process also keeps the pages it served last (``LocalPages``): the
version, a few bytes, is still read from the shared cache on every request,
and a page kept under that same version is served without fetching its
~40 KB again. A version change anywhere retires those copies too.

A page is kept per host and address (tracking parameters aside): it holds
absolute links in the host it was asked for.

Only requests without a session cookie are cached or served from the cache,
and only responses that set no cookie and are not marked private: a page
never carries one reader's session or CSRF token to another.
"""

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, parse_etags, urlencode

VERSION_KEY = "pages:content-version"
NO_SCHEDULE = float("inf")


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns() // 1_000_000
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def content_changed() -> None:
    """Call when readers' content changed.

    The version changes now, for readers on this connection, and again when
    the transaction commits: a page rendered by another process between the
    two, from the not yet committed state's predecessor, is then retired too.
    """
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    # Milliseconds since the epoch: unique enough, increasing, and usable as Last-Modified.
    cache.set(VERSION_KEY, max(time.time_ns() // 1_000_000, (cache.get(VERSION_KEY) or 0) + 1), timeout=None)


def _next_publish_time(version: int) -> float:
    """When the next scheduled post goes live (once per content version).

    A scheduled post going live is a content change like a save: once its
    time has passed, the version changes, so the ETag and Last-Modified of
    every page do too (else a browser or a feed reader that revalidates
    would be told 304 and keep the page without the post). Found either from
    the time this version's pages were told, or, that entry gone, from a
    post published after the version began: the version is its start time.
    """
    key = f"pages:{version}:next-publish"
    upcoming = cache.get(key)
    now = timezone.now().timestamp()
    if upcoming is None or now >= upcoming:
        upcoming = _query_next_publish_time(after=version / 1000)
        if upcoming <= now:  # went live since this version began
            _bump()
            upcoming = _query_next_publish_time(after=now)
        cache.set(key, upcoming, timeout=settings.PAGE_CACHE["SECONDS"])
    return upcoming


def changes_at(response, moment) -> None:
    """Say that ``response``'s page changes by itself at ``moment`` (a
    datetime), with no content change: an article's comment form closes,
    days after publication. Its cached copy is not served past that time,
    as no page is past the next scheduled post's."""
    response.page_changes_at = min(getattr(response, "page_changes_at", NO_SCHEDULE), moment.timestamp())


def content_cached[T](name: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the shared cache under the page cache's rule.

    For an aggregate that reads many rows and that many different pages
    show, so that the page cache alone does not spare it: the tags with the
    most posts (on every search without results, each query a page of its
    own: 46 ms at 100,000 posts) and a tag's post count (on each of its
    pages). An entry is read only under the content version it was computed
    for and not past the next scheduled publish time, like a cached page;
    entries of older versions are never read again and expire.
    """
    version = content_version()
    key = f"pages:{version}:data:{name}"
    now = timezone.now().timestamp()
    entry = cache.get(key)
    if entry is not None and now < entry[1]:
        return entry[0]
    value = compute()
    until = min(_next_publish_time(version), now + settings.PAGE_CACHE["SECONDS"])
    cache.set(key, (value, until), timeout=max(1, math.ceil(until - now)))
    return value


def _query_next_publish_time(after: float) -> float:
    """The first publish time of a published post after ``after`` (Unix seconds)."""
    from datetime import UTC, datetime

    from posts.models import Post

    upcoming = (
        Post.objects.filter(status=Post.Status.PUBLISHED, published_at__gt=datetime.fromtimestamp(after, tz=UTC))
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else NO_SCHEDULE


def front_cache_expiry() -> str:
    """``X-Accel-Expires`` for nginx's micro-cache (deploy/nginx.conf).

    An absolute time ("@" and Unix seconds): nginx counts whole seconds, so a
    relative "1" would keep an entry until the end of the next second, up to
    two seconds after it was stored. "@now" keeps it to the end of the
    current second: never longer than ``FRONT_SECONDS`` (0 turns it off).
    """
    seconds = settings.PAGE_CACHE["FRONT_SECONDS"]
    return f"@{int(time.time()) + seconds - 1}" if seconds > 0 else "0"


# Query parameters that campaign links and ad networks add and no page reads:
# a link shared with them is the same page, so it is the same cache entry.
TRACKING_PARAMETERS = ("utm_", "fbclid", "gclid", "msclkid", "mc_cid", "mc_eid")


def page_key_path(request) -> str:
    """The path and query string that identify a page, without tracking parameters."""
    if not request.GET:
        return request.path
    kept = [
        (name, value)
        for name, values in request.GET.lists()
        if not name.startswith(TRACKING_PARAMETERS)
        for value in values
    ]
    return f"{request.path}?{urlencode(kept)}" if kept else request.path


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(settings.PAGE_CACHE["EXCLUDE_PREFIXES"])
        and len(request.get_full_path()) <= 512
    )


def _cacheable_response(response) -> bool:
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not response.streaming
        and "private" not in control
        and "no-cache" not in control
        and "no-store" not in control
    )


class LocalPages:
    """The pages this process served last, by cache key, at most ``size``.

    Only ever used under the content version the shared cache gives for the
    request, so a copy here is exactly the entry the shared cache holds.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._entries: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's gthread workers share a process

    def get(self, key: str, version: int, now: float) -> dict | None:
        with self._lock:
            until, entry = self._entries.get(key, (0.0, None))
            if entry is None or entry["version"] != version or now >= min(until, entry["expires"]):
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict, now: float) -> None:
        """Keep ``entry`` no longer than the shared cache does (a page's
        comment form carries a timestamp that expires)."""
        with self._lock:
            self._entries[key] = (now + settings.PAGE_CACHE["SECONDS"], entry)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


local_pages = LocalPages()


class AnonymousPageCacheMiddleware:
    """Outermost middleware: a cache hit costs one small cache read (two
    when this process has not served the page yet) and no database query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES and not response.has_header("Cache-Control"):
                # A signed-in reader's page carries their CSRF token and
                # name: no shared cache (a CDN, a school's proxy) may keep it,
                # whether or not it honours "Vary: Cookie".
                patch_cache_control(response, private=True)
            return response
        # The host too: pages carry absolute addresses in the request's host
        # (canonical link, share tags), and each allowed host gets its own.
        page = f"{request.get_host()}{page_key_path(request)}"
        digest = hashlib.blake2b(page.encode(), digest_size=12).hexdigest()
        key = f"pages:{digest}"
        version = cache.get(VERSION_KEY) or content_version()
        now = timezone.now().timestamp()
        entry = local_pages.get(key, version, now)
        if entry is None:
            entry = cache.get(key)
            # (An entry without an ETag was kept before they were digests of the page.)
            if entry is not None and entry.get("version") == version and now < entry["expires"] and "etag" in entry:
                local_pages.put(key, entry, now)
            else:
                entry = None
        if entry is not None:
            if _browser_has(request, entry["etag"]):
                return _not_modified(entry["etag"])
            response = HttpResponse(entry["content"], status=200)
            for header, value in entry["headers"]:
                response[header] = value
            response["X-Accel-Expires"] = front_cache_expiry()
            response["X-Page-Cache"] = "hit"
            return response

        response = self.get_response(request)
        if _cacheable_response(response):
            etag = f'"{hashlib.blake2b(response.content, digest_size=12).hexdigest()}"'
            response["ETag"] = etag
            response["Last-Modified"] = http_date(now)
            response["Cache-Control"] = "public, max-age=0, must-revalidate"
            headers = [(h, v) for h, v in response.items() if h.lower() not in ("x-page-cache",)]
            # nginx's micro-cache keeps the page this long (it strips this header).
            response["X-Accel-Expires"] = front_cache_expiry()
            entry = {
                "version": version,
                "etag": etag,
                "content": response.content,
                "headers": headers,
                "expires": min(_next_publish_time(version), getattr(response, "page_changes_at", NO_SCHEDULE)),
            }
            cache.set(key, entry, timeout=settings.PAGE_CACHE["SECONDS"])
            local_pages.put(key, entry, timezone.now().timestamp())
            response["X-Page-Cache"] = "miss"
            if _browser_has(request, etag):  # rendered again, just as the browser has it
                return _not_modified(etag)
        return response


def _browser_has(request, etag: str) -> bool:
    return etag in parse_etags(request.headers.get("If-None-Match", ""))


def _not_modified(etag: str) -> HttpResponseNotModified:
    not_modified = HttpResponseNotModified()
    not_modified["ETag"] = etag
    return not_modified
