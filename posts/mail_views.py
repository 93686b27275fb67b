"""Pages reached from links in the blog's emails."""

from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import followups, notifications
from .models import Post


# GET (and HEAD, which link checkers send and Django answers as a GET
# without the body) only asks: mail scanners and link previews open every
# link in an email, and must not unsubscribe anyone. POST unsubscribes: the page's
# button, and RFC 8058 one-click unsubscribe, where mail clients POST
# ``List-Unsubscribe=One-Click`` here without a CSRF token (hence
# csrf_exempt). The signed token in the address is the authorization: it
# names one email and one post, was only ever sent to that email, and the
# view can only turn emails off.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def unsubscribe(request, token: str):
    """Stop emails about new comments on one post, for one email address, without logging in."""
    found = notifications.read_unsubscribe_token(token)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    email, post_id = found
    post = Post.objects.published().filter(pk=post_id).first()
    if request.method != "POST":
        return render(request, "mail/unsubscribe.html", {"post": post, "email": email})
    notifications.stop_following(email, post_id)
    return render(request, "mail/unsubscribed.html", {"post": post})


# As the unsubscribe link: GET and HEAD only ask (a mail scanner opening the
# link confirms nothing), the page's button POSTs, and the signed token is
# the authorization (no CSRF token; the page is the same for everyone).
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm_following(request, token: str):
    """Confirm an address for emails about new comments (``posts.followups``),
    from the link emailed to it when its first such comment was published."""
    try:
        found = followups.read_confirm_token(token)
    except signing.SignatureExpired:
        return render(request, "mail/confirm_following_expired.html", status=410)
    if found is None:
        return render(request, "mail/confirm_following_invalid.html", status=400)
    email, post_id = found
    post = Post.objects.published().filter(pk=post_id).first()
    context = {"post": post, "email": email}
    if request.method != "POST":
        return render(request, "mail/confirm_following.html", context)
    followups.confirm(email)
    return render(request, "mail/following_confirmed.html", context)
