"""Request guards that must run before Django reads a request body."""

from django.conf import settings
from django.http import HttpResponse


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
