"""Redirects in the admin (``django.contrib.redirects``), with what each one
does for readers now: a post or page it points at may since have been
renamed, unpublished or deleted (``posts.redirects``)."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.redirects.admin import RedirectAdmin
from django.contrib.redirects.models import Redirect
from django.db.models import Q

from .redirects import answered_here, as_sent, follow, live_at, loop, outcomes, path_here

admin.site.unregister(Redirect)

# What readers get at an old address where the blog answers (``live_at``),
# said in the list, then in the form refusing a new redirect there, and for
# how long.
ANSWERED_BY = {
    "post": ("the published post", "a published post", "while the post is there"),
    "page": ("the published page", "a published page", "while the page is there"),
    "tag": ("the tag's page", "the page of a tag with published posts", "while the tag has published posts"),
    "author": ("the author's page", "the page of an author", "while the author has published posts"),
    "tag feed": ("the tag's feed", "the feed of a tag with published posts", "while the tag has published posts"),
    "author feed": ("the author's feed", "the feed of an author", "while the author has published posts"),
    "comment feed": ("the post's comment feed", "the comment feed of a published post", "while the post is there"),
}


class RedirectForm(forms.ModelForm):
    """Django saves any text as either address: a target readers' browsers
    refuse (``javascript:…``, a 400) or read relative to the old address
    (``relative/path``) said "301" in the list and led nowhere."""

    class Meta:
        model = Redirect
        fields = ["site", "old_path", "new_path"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:  # one site: chosen already (else every first save was refused)
            self.fields["site"].initial = settings.SITE_ID

    def clean_old_path(self):
        old_path = self.cleaned_data["old_path"].strip()
        if not path_here(old_path):
            raise forms.ValidationError(
                f"Give the old address as a path on this blog, starting with / (/2019/05/old-post/), not “{old_path}”."
            )
        if "#" in old_path:
            raise forms.ValidationError(
                "Leave out the part from # on: browsers never send it, so an address with it never matches."
            )
        if answered_here(old_path):
            raise forms.ValidationError(
                f"The blog answers “{old_path}” itself, and only addresses that would be a 404 are redirected: "
                "this one would never be used."
            )
        # Stored as browsers ask for it: /café/ arrives as /caf%C3%A9/ (and
        # /%c3%a9/ as that too), and the raw text never matched.
        stored = as_sent(old_path)
        kind = live_at([stored]).get(stored) if "old_path" in self.changed_data else None
        if kind:
            _, what, until = ANSWERED_BY[kind]
            raise forms.ValidationError(
                f"Readers get {what} at “{old_path}”, and only addresses that would be a 404 are "
                f"redirected: this one would not be used {until}."
            )
        return stored

    def clean_new_path(self):
        new_path = self.cleaned_data["new_path"].strip()
        if not new_path or path_here(new_path):
            return new_path
        parts = urlsplit(new_path)
        if parts.scheme in ("http", "https") and parts.netloc and new_path.isprintable() and " " not in new_path:
            return new_path
        raise forms.ValidationError(
            "Give an address on this blog starting with / (/posts/new-name/), a whole address starting "
            f"with https:// (or http://), or nothing (“gone”): not “{new_path}”."
        )

    def clean(self):
        """Refuse a redirect that comes back to its old address, directly
        (/x/ → /x, which is /x/'s) or through the redirects listed (/c/ →
        /a/ → /b/ → /c/): readers' browsers give up with "too many
        redirects". Only a direct A → B → A was refused before."""
        cleaned = super().clean()
        site, old_path, new_path = cleaned.get("site"), cleaned.get("old_path"), cleaned.get("new_path")
        if not site or not old_path or not new_path or not path_here(new_path):
            return cleaned
        if chain := loop(site.pk, old_path, new_path, self.instance.pk):
            self.add_error(
                "new_path",
                f"“{new_path}” leads back to “{old_path}” ({' → '.join(chain)}): readers' browsers would go round "
                "in circles. Give the address the content has now.",
            )
        return cleaned


@admin.register(Redirect)
class CheckedRedirectAdmin(RedirectAdmin):
    form = RedirectForm
    list_display = [*RedirectAdmin.list_display, "readers_get"]
    readonly_fields = ["readers_get"]

    class Media:
        css = {"all": ["css/admin_redirects.css"]}

    def get_search_results(self, request, queryset, search_term):
        """Also as the addresses are stored: ``/café/`` typed in the form is
        kept as ``/caf%C3%A9/`` (``as_sent``), and searching for what the
        editor typed, or what the address bar shows, found nothing."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if (term := search_term.strip()) and (stored := as_sent(term)) != term:
            found |= queryset.filter(Q(old_path__icontains=stored) | Q(new_path__icontains=stored))
        return found, duplicates

    def get_changelist_instance(self, request):
        """The list, each row knowing what it does: the same few queries
        for the page of rows however many (``outcomes``, ``live_at``), rather
        than some for each."""
        changelist = super().get_changelist_instance(request)
        found = outcomes(redirect.new_path for redirect in changelist.result_list)
        live = live_at(redirect.old_path for redirect in changelist.result_list)
        for redirect in changelist.result_list:
            redirect.outcome = found[redirect.new_path]
            redirect.live_here = live.get(redirect.old_path, "")
        return changelist

    @admin.display(description="Readers get")
    def readers_get(self, redirect: Redirect) -> str:
        if redirect.pk is None:
            return "—"
        live_here = getattr(redirect, "live_here", None)
        if live_here is None:
            live_here = live_at([redirect.old_path]).get(redirect.old_path, "")
        if live_here:
            return f"Not used: {ANSWERED_BY[live_here][0]} at this address"
        outcome = getattr(redirect, "outcome", None) or follow(redirect.new_path)
        return outcome.says
