"""Pages for finding posts that are not a list of one thing: all tags and
search results."""

from django.conf import settings
from django.views.generic import ListView, TemplateView

from skolr_blog.page_cache import content_cached

from .discovery import alphabetical_key, popular_tags, tags_in_use, with_weights
from .models import Post
from .search import clean_query, planned_for_each_query, ranked_post_ids, search_results


class TagIndexView(TemplateView):
    """Every tag with published posts, sized by how many (a tag cloud)."""

    template_name = "posts/tag_index.html"

    def get_context_data(self, **kwargs):
        # In the order a reader looks for a name (see alphabetical_key).
        # Sorted here, where every tag is loaded anyway, so both databases
        # agree beyond ASCII (SQLite's LOWER() folds only A-Z).
        tags = sorted(tags_in_use(), key=lambda tag: alphabetical_key(tag.name))
        return super().get_context_data(tags=with_weights(tags), **kwargs)


class SearchView(ListView):
    """Search results, best match first. Never indexed by search engines:
    the page is ``noindex`` (header and meta) and is not in the sitemap.

    Only post ids are ranked and paginated; the page's cards and highlights
    are then loaded for those ids alone (see ``posts.search``). Unlike the
    lists, results keep numbered pages: their order is a per-query rank, and
    searchers rarely read past the first pages.
    """

    template_name = "posts/search.html"
    paginate_by = settings.BLOG["POSTS_PER_PAGE"]
    context_object_name = "posts"

    def get(self, request, *args, **kwargs):
        # The ranking and the page's cards are queried here, in get_context_data.
        with planned_for_each_query():
            return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        return ranked_post_ids(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        posts = search_results(context["object_list"], self.query, Post.objects.for_cards())
        context.update(posts=posts, object_list=posts)
        if not posts:
            # Every query without results is a page of its own for the page
            # cache; the tags it suggests are the same for all of them.
            context["suggested_tags"] = content_cached("popular-tags", popular_tags)
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response
