"""Redirects in the admin (``django.contrib.redirects``), with what each one
does for readers now: a post or page it points at may since have been
renamed, unpublished or deleted (``posts.redirects``)."""

from django.contrib import admin
from django.contrib.redirects.admin import RedirectAdmin
from django.contrib.redirects.models import Redirect

from .redirects import follow, outcomes

admin.site.unregister(Redirect)


@admin.register(Redirect)
class CheckedRedirectAdmin(RedirectAdmin):
    list_display = [*RedirectAdmin.list_display, "readers_get"]
    readonly_fields = ["readers_get"]

    def get_changelist_instance(self, request):
        """The list, each row knowing what it does: three queries for the
        page of rows, rather than three for each."""
        changelist = super().get_changelist_instance(request)
        found = outcomes(redirect.new_path for redirect in changelist.result_list)
        for redirect in changelist.result_list:
            redirect.outcome = found[redirect.new_path]
        return changelist

    @admin.display(description="Readers get")
    def readers_get(self, redirect: Redirect) -> str:
        if redirect.pk is None:
            return "—"
        outcome = getattr(redirect, "outcome", None) or follow(redirect.new_path)
        return outcome.says
