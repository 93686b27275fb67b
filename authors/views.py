from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from posts.models import Post
from posts.views import PublishedPostListView

from .models import Author


class AuthorIndexView(TemplateView):
    """Everyone who has published on the blog, by name, with how much."""

    template_name = "authors/author_index.html"

    def get_context_data(self, **kwargs):
        # One query: a count per author off the (author, status, published_at)
        # index; authors with nothing published yet are not listed.
        published = Post.objects.published().filter(author=OuterRef("pk")).order_by().values("author")
        authors = (
            Author.objects.annotate(post_count=Subquery(published.annotate(n=Count("pk")).values("n")))
            .filter(post_count__gt=0)
            .defer("bio")
            .order_by("name", "pk")
        )
        return super().get_context_data(authors=list(authors), **kwargs)


class AuthorDetailView(PublishedPostListView):
    """An author's profile and their published posts."""

    template_name = "authors/author_detail.html"
    allow_empty = False

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(author=self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
