"""Site-wide plain-text endpoints."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET


@require_GET
def security_txt(request):
    """RFC 9116: where to report a vulnerability. Expires a year ahead, always."""
    expires = (timezone.now() + timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: en",
        f"Canonical: {request.build_absolute_uri('/.well-known/security.txt')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request):
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def hello(request):
    """The benchmark's baseline (mounted only with DJANGO_BENCH_HELLO=1)."""
    return HttpResponse(b"Hello, world", content_type="text/plain")
