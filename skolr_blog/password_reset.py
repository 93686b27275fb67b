"""Forgotten passwords, for the people who sign in to the admin.

Django's password reset views, mounted under ``/admin/`` with the admin's own
templates (``registration/password_reset_*.html`` of django.contrib.admin):
the admin's login page shows "Forgotten your password?" as soon as a URL
named ``admin_password_reset`` exists. Under ``/admin/`` the page cache
never stores them (``PAGE_CACHE["EXCLUDE_PREFIXES"]``), and each is marked
never-cache for browsers and proxies too: they carry a CSRF token, and the
confirmation page a reset token in its address.

What differs from Django's defaults, and why:

- The email is sent by a background task, like every other email of the
  blog (retried when the mail server is down), and the link is built in
  the task from the current Site's domain and ``SITE_SCHEME``, as the
  comment emails' links are (``posts.notifications.absolute_url``), not
  from whatever Host header the request came with. The task is given only
  the account's id: the reset token is made when the mail is written, never
  stored in the task queue.
- The page says the same thing whether or not an account has the email.
- An address may ask ``PASSWORD_RESET_LIMIT["REQUESTS"]`` times per
  ``WINDOW`` seconds (a 429 with the form again past that), and one account
  gets at most one email per ``EMAIL_SECONDS``, however many addresses ask:
  nobody can flood a colleague's inbox, and the answer is the same page.
- Five failed sign-ins lock an account for an hour (django-axes), and
  axes forgets failures only on a successful sign-in, which a locked
  account cannot have. Choosing a new password proves who they are, so it
  clears that account's failed attempts.
"""

import logging
from functools import partial

from axes.utils import reset as reset_axes_attempts
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.cache import never_cache

from posts.notifications import MAIL_QUEUE, send_or_retry
from posts.policy import claim_slot, client_ip, slot_key

logger = logging.getLogger(__name__)


def within_address_limit(ip: str) -> bool:
    """Count one request from ``ip``; False once it made more than its share
    in the window. A counter, not one slot: someone who mistyped their email
    tries again at once, and should be able to."""
    limit = settings.PASSWORD_RESET_LIMIT
    key = slot_key("password-reset:ip", ip)
    cache.add(key, 0, timeout=limit["WINDOW"])
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.add(key, 1, timeout=limit["WINDOW"])
        count = 1
    return count <= limit["REQUESTS"]


def claim_email_slot(user_id: int) -> bool:
    """One reset email per account per ``EMAIL_SECONDS`` (the comment slots' ``posts.policy.claim_slot``)."""
    return claim_slot("password-reset:user", str(user_id), settings.PASSWORD_RESET_LIMIT["EMAIL_SECONDS"])


class AdminResetForm(PasswordResetForm):
    def save(self, **options) -> None:
        """Enqueue an email to each active account with this address (none:
        nothing, and the same page). Django's form would send it here, in
        the request, with the request's host in the link. ``options`` (the
        view's templates, protocol, token generator) are Django's, unused."""
        for user in self.get_users(self.cleaned_data["email"]):
            if claim_email_slot(user.pk):
                transaction.on_commit(partial(send_reset_email.enqueue, user.pk), robust=True)


@task(queue_name=MAIL_QUEUE)
def send_reset_email(user_id: int, attempt: int = 1) -> int:
    """Write and send one reset email; retried later if the mail server fails."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return 0
    site = Site.objects.get_current()
    context = {
        "email": user.email,
        "domain": site.domain,
        "site_name": site.name,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": settings.SITE_SCHEME,
    }
    subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
    message = EmailMessage(
        subject=subject,
        body=render_to_string("registration/password_reset_email.html", context),
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    return send_or_retry(message, send_reset_email, attempt, user_id)


class AdminPage:
    """A page in the admin's layout: its header, title and links."""

    def get_context_data(self, **kwargs):
        return admin.site.each_context(self.request) | super().get_context_data(**kwargs)


@method_decorator(never_cache, name="dispatch")
class ResetRequestView(AdminPage, auth_views.PasswordResetView):
    form_class = AdminResetForm

    def post(self, request, *args, **kwargs):
        if not within_address_limit(client_ip(request)):
            form = self.get_form()
            form.is_valid()
            form.add_error("email", "Too many password reset requests from your network. Please try again later.")
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response["Retry-After"] = str(settings.PASSWORD_RESET_LIMIT["WINDOW"])
            return response
        return super().post(request, *args, **kwargs)


@method_decorator(never_cache, name="dispatch")
class ResetDoneView(AdminPage, auth_views.PasswordResetDoneView):
    pass


@method_decorator(never_cache, name="dispatch")
class ResetConfirmView(AdminPage, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # The failed sign-ins that locked this account (from any address).
        removed = reset_axes_attempts(username=self.user.get_username())
        if removed:
            logger.info("Password reset for %s cleared %d failed sign-in records.", self.user.pk, removed)
        return response


@method_decorator(never_cache, name="dispatch")
class ResetCompleteView(AdminPage, auth_views.PasswordResetCompleteView):
    pass


# Django's names: the admin's templates and views reverse them.
urlpatterns = [
    path("admin/password_reset/", ResetRequestView.as_view(), name="admin_password_reset"),
    path("admin/password_reset/done/", ResetDoneView.as_view(), name="password_reset_done"),
    path("admin/reset/<uidb64>/<token>/", ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("admin/reset/done/", ResetCompleteView.as_view(), name="password_reset_complete"),
]
