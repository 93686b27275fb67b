"""A page (About, Contact…) at ``/<slug>/``."""

from django.http import Http404
from django.views.generic import DetailView

from .embeds import ShowsVideoPlayers
from .models import Page, PageSlugRedirect
from .page_models import reserved_slugs
from .preview_changes import ShowsUnsavedChanges
from .views import for_one_reader, moved


class PageView(ShowsVideoPlayers, DetailView):
    template_name = "posts/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return Page.objects.all()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A renamed page keeps its old address, like a post; a draft's
            # stays a 404, which tells nothing of where it went. An old slug
            # the blog now uses itself (``/posts/``, say) is the blog's.
            if kwargs["slug"].casefold() in reserved_slugs():
                raise
            return moved(request, PageSlugRedirect, kwargs["slug"], lambda page: page.published)

    def get_object(self, queryset=None):
        page = super().get_object(queryset)
        # A draft is a plain 404 for anyone who may not edit it, like a draft post.
        if not page.published and not page.can_be_previewed_by(self.request.user):
            raise Http404("No published page has this address.")
        return page

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if not self.object.published:
            for_one_reader(response)  # a draft shown to an editor
        return response


class ChangesPreviewView(ShowsUnsavedChanges, PageView):
    """The page with what its admin form holds, unsaved (*Preview changes*:
    ``PageAdmin``, posts.preview_changes)."""
