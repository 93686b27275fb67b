"""Pages reached from links in the blog's emails."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import notifications
from .models import Post


# csrf_exempt: RFC 8058 one-click unsubscribe has mail clients POST here
# without a CSRF token. The view only ever turns emails off, and the signed
# token already proves the link came from an email we sent.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request, token: str):
    """Stop emails about new comments on one post, for one email address, without logging in."""
    found = notifications.read_unsubscribe_token(token)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    email, post_id = found
    notifications.stop_following(email, post_id)
    post = Post.objects.published().filter(pk=post_id).first()
    return render(request, "mail/unsubscribed.html", {"post": post})
