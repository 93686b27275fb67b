"""Request guards that must run before Django reads a request body, and the
answer readers get while the database is unreachable."""

import logging
import sqlite3

from django.conf import settings
from django.contrib.redirects import middleware as redirects
from django.contrib.redirects.models import Redirect
from django.contrib.sites.shortcuts import get_current_site
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseGone
from django.template import loader
from django.utils.encoding import iri_to_uri

from posts.redirects import (
    answered_once_slashed,
    as_sent,
    as_stored_before,
    follow,
    live_at,
    matched,
    tried,
    with_query,
)

logger = logging.getLogger(__name__)


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than the blog accepts.

    Django limits form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams file
    uploads of any size to disk; checking Content-Length first refuses a huge
    upload before a byte of it is read. The front web server enforces the same
    limit (nginx ``client_max_body_size``) for requests without a length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
        if length > settings.MAX_REQUEST_BYTES:
            # A page, not a bare line: it is mostly an author's upload in the
            # admin. Rendered without the request, as this runs before the
            # session, and the body is never read.
            page = loader.render_to_string("413.html", {"limit": settings.MAX_REQUEST_BYTES})
            return HttpResponse(page, status=413)
        return self.get_response(request)


# PostgreSQL's SQLSTATE classes for "the server cannot answer now": 08
# connection exception, 53 insufficient resources (too many connections, disk
# full, out of memory), 57 operator intervention (shutdown, restart, statement
# timeout), 58 system error (I/O). Everything else is about the query.
POSTGRESQL_OUTAGE_CLASSES = frozenset({"08", "53", "57", "58"})
# SQLite's primary result codes for the same: BUSY, LOCKED, NOMEM, IOERR,
# FULL, CANTOPEN, PROTOCOL. "no such table" or "too many SQL variables" are
# SQLITE_ERROR, a bug like any other.
SQLITE_OUTAGE_CODES = frozenset({5, 6, 7, 10, 13, 14, 15})


def database_is_out(error: OperationalError | InterfaceError) -> bool:
    """Whether a database error means the database is unavailable, not that
    the query is wrong.

    Both kinds arrive as ``OperationalError``: PostgreSQL refusing a query
    with too many parameters does, and so does every SQLite "no such table".
    Those are bugs and must reach the error log with a traceback, as a 500;
    only an outage deserves "back soon". The driver's own error (Django keeps
    it as ``__cause__``) says which: its SQLSTATE or SQLite result code, else
    whether the connection is gone (a failed connection attempt, or a server
    that closed it mid-query).
    """
    if isinstance(error, InterfaceError):
        return True  # Django's or psycopg's "connection already closed"
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in SQLITE_OUTAGE_CODES
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in POSTGRESQL_OUTAGE_CLASSES
    if getattr(cause, "pgconn", None) is not None:
        return True  # psycopg sets it on the error of a failed connection attempt
    return any(db.connection is None or db.connection.closed for db in connections.all(initialized_only=True))


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` while the database is unreachable.

    A stopped, restarting or overloaded database raises ``OperationalError``
    (or ``InterfaceError`` on a connection it dropped) from whichever query
    comes first. That is an outage, not a bug: readers get a short "back
    soon" page instead of the generic error page, clients and crawlers get
    503 and ``Retry-After`` (a crawler keeps the page indexed), and the log a
    one-line warning instead of an error with a traceback. An
    ``OperationalError`` that is the query's fault (``database_is_out``)
    stays an error: a 500, logged with its traceback.

    ``templates/503.html`` is rendered without a request, so no context
    processor runs and nothing can touch the database. Django closes the
    broken connection at the end of the request; with ``CONN_HEALTH_CHECKS``
    (``settings/base.py``) the first request after the database returns gets
    a fresh one. SQLite's "database is locked" counts as an outage: it is
    just as temporary.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError) or not database_is_out(exception):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


class RedirectFallbackMiddleware(redirects.RedirectFallbackMiddleware):
    """``django.contrib.redirects``: a 404 whose address an editor listed
    under Redirects becomes a 301 to its new address, or a 410 when the new
    address is left empty (the page is gone for good). The 410 is the blog's
    page saying so, not Django's empty one.

    A new address that is a post's or a page's is followed only while it
    leads somewhere (``posts.redirects``): a renamed post's new address in
    one hop, a 404 while it is not published, a 410 once it is deleted.

    An old address asked with a query string (``?utm_source=…``) is the
    listed one too, and the 301 keeps the query (``posts.redirects.with_query``):
    Django's matches the whole address only, and such links were 404s."""

    def process_response(self, request, response):
        if response.status_code != 404:
            return response
        found = self.listed(request)
        if found is None:
            return self.in_lower_case(request) or response
        if answered_once_slashed(request.path_info):
            return response  # (then CommonMiddleware adds the slash that leads to what answers)
        listed, query = found
        outcome = follow(listed.new_path)
        if outcome.status == 301:
            return self.response_redirect_class(with_query(outcome.location, query))
        if outcome.status == 410:
            return HttpResponseGone(loader.render_to_string("410.html", request=request))
        return response

    def in_lower_case(self, request):
        """A 301 to the address in small letters, where readers get a
        published post, page, tag or author (``live_at``), for an address
        with capitals (``/About/``, ``/posts/Django-vs-Flask/``), or None.
        Slugs are stored in small letters; WordPress answers any case, and
        links written by hand, or moved from it, were 404s here (found by QA).
        A draft's address stays a 404 that names nothing."""
        path = request.path_info
        lower = path.lower()
        if lower == path or not live_at([lower]):
            return None
        prefix = request.path[: len(request.path) - len(path)]  # the site's own mount point, as it is
        return self.response_redirect_class(
            with_query(iri_to_uri(prefix + lower), request.META.get("QUERY_STRING", ""))
        )

    @staticmethod
    def listed(request) -> tuple[Redirect, str] | None:
        """The redirect of the request's address (``posts.redirects.tried``:
        with its query string, else without; also with a slash added, as
        Django's middleware finds it), and the query string to carry on to
        its new address, in one query."""
        address = as_sent(request.get_full_path())  # a query's escapes too, as the stored one's
        paths = [old_path for old_path, _ in tried(address)]
        # Also as an import stored a WordPress address before (/%c3%bcber-uns/).
        paths += [as_stored_before(path) for path in paths]
        listed = Redirect.objects.filter(site=get_current_site(request), old_path__in=paths)
        found = {as_sent(r.old_path): r for r in listed}
        match = matched(address, found)
        return (found[match[0]], match[1]) if match else None
