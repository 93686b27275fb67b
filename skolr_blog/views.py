"""Site-wide endpoints: plain-text files, the favicon, the admin's "View on site"."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_safe


# GET and HEAD (``require_safe``): scanners and link checkers ask with HEAD
# too, and a 405 there reads as "not here".
@require_safe
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


@require_safe
def favicon(request):
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def hello(request):
    """The benchmark's baseline (mounted only with DJANGO_BENCH_HELLO=1)."""
    return HttpResponse(b"Hello, world", content_type="text/plain")


def view_on_site(request, content_type_id: int, object_id: str):
    """The admin's "View on site" redirect (``admin/r/…``), for objects the
    user may see in the admin only.

    Django's own redirects any staff member to any object's address, so an
    author could learn the address of another author's unpublished draft by
    guessing ids. Here the object is looked up through its model admin's
    queryset, which for posts holds only the author's own.
    """
    content_type = ContentType.objects.filter(pk=content_type_id).first()
    model = content_type.model_class() if content_type else None
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        raise Http404("Nothing to view on the site.")
    try:
        obj = model_admin.get_queryset(request).get(pk=object_id)
    except (model.DoesNotExist, ValueError, ValidationError, OverflowError):
        raise Http404("Nothing to view on the site.") from None
    if not model_admin.has_view_permission(request, obj):
        raise Http404("Nothing to view on the site.")
    return contenttype_views.shortcut(request, content_type_id, object_id)
