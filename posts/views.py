from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, ListView
from django_comments import get_form
from taggit.models import Tag

from .comments import comment_tree, public_comments
from .models import Post


class PublishedPostListView(ListView):
    """Base for every public list of posts: published only, paginated, carded."""

    paginate_by = settings.BLOG["POSTS_PER_PAGE"]
    context_object_name = "posts"

    def get_queryset(self):
        return Post.objects.published().for_cards()


class PostListView(PublishedPostListView):
    template_name = "posts/post_list.html"


class TagPostListView(PublishedPostListView):
    """A tag's published posts; a tag nobody may read about yet is a 404."""

    template_name = "posts/tag_detail.html"
    allow_empty = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class PostDetailView(DetailView):
    template_name = "posts/post_detail.html"
    context_object_name = "post"

    def get_object(self, queryset=None):
        post = get_object_or_404(
            Post.objects.select_related("author").prefetch_related("tags"), slug=self.kwargs["slug"]
        )
        # A draft or scheduled post is a plain 404 for anyone who may not
        # edit it: its existence is not revealed.
        if not post.is_published and not post.can_be_previewed_by(self.request.user):
            raise Http404("No published post has this address.")
        return post

    def get_context_data(self, **kwargs):
        post = self.object
        comments = list(
            public_comments()
            .filter(content_type=ContentType.objects.get_for_model(Post), object_pk=str(post.pk))
            .order_by(*settings.COMMENTS_XTD_LIST_ORDER)
        )
        return super().get_context_data(
            is_preview=not post.is_published,
            comment_tree=comment_tree(comments),
            comment_count=len(comments),
            max_thread_level=settings.COMMENTS_XTD_MAX_THREAD_LEVEL,
            comment_form=get_form()(post) if post.allow_comments and post.is_published else None,
            **kwargs,
        )

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["is_preview"]:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


def reply(request, cid: int):
    """The reply form for one comment, for readers without JavaScript.

    Replaces django-comments-xtd's view, which shows any comment by id,
    including ones still waiting for a moderator.
    """
    comment = get_object_or_404(public_comments().filter(content_type=ContentType.objects.get_for_model(Post)), pk=cid)
    post = get_object_or_404(Post.objects.published(), pk=comment.object_pk, allow_comments=True)
    if comment.level >= settings.COMMENTS_XTD_MAX_THREAD_LEVEL:
        raise Http404("Replies to this comment are not possible.")
    form = get_form()(post, comment=comment)
    return render(request, "django_comments_xtd/reply.html", {"comment": comment, "post": post, "form": form})
