from django.shortcuts import get_object_or_404

from posts.views import PublishedPostListView

from .models import Author


class AuthorDetailView(PublishedPostListView):
    """An author's profile and their published posts."""

    template_name = "authors/author_detail.html"
    allow_empty = False

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
