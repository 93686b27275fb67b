from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from posts.models import Post, signed_count, with_co_writes
from posts.views import PublishedPostListView

from .models import Author


class AuthorIndexView(TemplateView):
    """Everyone who has published on the blog, by name, with how much."""

    template_name = "authors/author_index.html"

    def get_context_data(self, **kwargs):
        # One query, a count per author (``signed_count``); authors with
        # nothing published yet are not listed.
        signed = signed_count(Post.objects.published())
        authors = (
            Author.objects.annotate(post_count=signed).filter(post_count__gt=0).defer("bio").order_by("name", "pk")
        )
        return super().get_context_data(authors=list(authors), **kwargs)


class AuthorDetailView(PublishedPostListView):
    """An author's profile and their published posts, co-written ones too."""

    template_name = "authors/author_detail.html"
    allow_empty = False

    def get_queryset(self):
        # Whether they co-write comes with the profile: most do not, and
        # their list keeps its one index (``PostQuerySet.by``).
        self.author = get_object_or_404(with_co_writes(Author.objects.all()), slug=self.kwargs["slug"])
        posts = super().get_queryset()
        return posts if self.author.co_writes else posts.by(self.author)

    def get_parts(self):
        # A co-writer's own posts and those they co-write, each read on its
        # own index as far as the page.
        return Post.objects.published().by_each(self.author) if self.author.co_writes else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)
