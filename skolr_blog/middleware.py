"""Request guards that must run before Django reads a request body, and the
answer readers get while the database is unreachable."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

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
            limit = settings.MAX_REQUEST_BYTES // (1024 * 1024)
            return HttpResponse(
                f"This request is too large: the limit is {limit} MB.", status=413, content_type="text/plain"
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` while the database is unreachable.

    A stopped, restarting or overloaded database raises ``OperationalError``
    (or ``InterfaceError`` on a connection it dropped) from whichever query
    comes first. That is an outage, not a bug: readers get a short "back
    soon" page instead of the generic error page, clients and crawlers get
    503 and ``Retry-After`` (a crawler keeps the page indexed), and the log a
    one-line warning instead of an error with a traceback.

    ``templates/503.html`` is rendered without a request, so no context
    processor runs and nothing can touch the database. Django closes the
    broken connection at the end of the request; with ``CONN_HEALTH_CHECKS``
    (``settings/base.py``) the first request after the database returns gets
    a fresh one. SQLite's "database is locked" is an ``OperationalError`` too
    and is answered the same way: it is just as temporary.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
