"""The subscribe form and the pages behind the subscription emails' links.

``/subscribe/`` is an ordinary page, cached for anonymous readers like the
rest; its form (also in every page's footer) carries no CSRF token, so one
cached copy serves everyone. The POST is ``csrf_exempt`` on purpose: it
reads no session and acts for no account, so a forged request can do only
what anyone can do by posting the form themselves, which is to have a
confirmation email sent to an address. Nothing is subscribed until the
owner of the address confirms.
"""

from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import subscriptions
from .forms import SubscribeForm
from .policy import claim_slot, client_ip, sent_from_another_site


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    """GET: the form. POST: "Check your inbox", whether or not the address
    was subscribed already (the page gives nobody's subscription away)."""
    if request.method != "POST":
        return render(request, "subscriptions/subscribe.html", {"subscribe_form": SubscribeForm()})
    form = SubscribeForm(request.POST)
    if sent_from_another_site(request):
        # Each visitor of that page would ask from their own address, past the limit per address.
        context = {
            "subscribe_form": form,
            "subscribe_error": "This form was sent from a page of another website; subscribe here instead.",
        }
        return _private(render(request, "subscriptions/subscribe.html", context, status=403))
    if not form.is_valid():
        return _private(render(request, "subscriptions/subscribe.html", {"subscribe_form": form}, status=400))
    if form.cleaned_data["honeypot"]:
        # A bot: it is told what a person would be, and nothing is stored or sent.
        return _private(render(request, "subscriptions/check_inbox.html"))
    email = form.cleaned_data["email"]
    seconds = subscriptions.setting("SECONDS_BETWEEN")
    if not claim_slot("subscribe:ip", client_ip(request), seconds):
        context = {
            "subscribe_form": form,
            "subscribe_error": f"Too many requests from your network. Please wait {seconds} seconds and try again.",
        }
        response = _private(render(request, "subscriptions/subscribe.html", context, status=429))
        response["Retry-After"] = str(seconds)
        return response
    # Emails to one address are limited however many networks ask
    # (request_subscription): the form cannot flood an inbox. The page is the same.
    subscriptions.request_subscription(email)
    return _private(render(request, "subscriptions/check_inbox.html"))


# The emailed links: GET and HEAD only ask, POST acts (mail scanners and
# link previews open every link in an email, some with HEAD: a 405 there
# made the link look broken). No CSRF token: the signed token
# in the address is the authorization, as in mail_views.unsubscribe.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def confirm(request, token: str):
    try:
        email = subscriptions.read_confirm_token(token)
    except signing.SignatureExpired:
        return render(request, "subscriptions/link_expired.html", status=410)
    if email is None:
        raise Http404("This confirmation link is not valid.")
    if request.method != "POST":
        return render(request, "subscriptions/confirm.html", {"email": email})
    subscriptions.confirm(email)
    return render(request, "subscriptions/confirmed.html", {"email": email})


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def unsubscribe(request, token: str):
    """Also RFC 8058 one-click: mail clients POST ``List-Unsubscribe=One-Click`` here."""
    email = subscriptions.read_unsubscribe_token(token)
    if email is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method != "POST":
        return render(request, "subscriptions/unsubscribe.html", {"email": email})
    subscriptions.unsubscribe(email)
    return render(request, "subscriptions/unsubscribed.html", {"email": email})
