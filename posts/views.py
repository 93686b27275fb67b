from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.generic import DetailView, View
from django.views.generic.base import ContextMixin, TemplateResponseMixin
from taggit.models import Tag

from skolr_blog.page_cache import changes_at, content_cached

from . import followups, seo
from .authoring_models import OldSlug
from .comments import comment_link, comment_page, comment_tree, comments_for, comments_per_page
from .embeds import ShowsVideoPlayers
from .forms import CommentForm
from .models import FEATURED_ON_HOME, Post, PreviewLink, SlugRedirect, TaggedPost
from .pagination import FirstPage, PageMoved, keyset_page
from .redirects import with_query
from .tagging import moved_tag, tag_description

POSTED_SALT = "posts.comment-posted"


class PublishedPostListView(TemplateResponseMixin, ContextMixin, View):
    """Base for every public list of posts: published only, carded, newest
    first, in pages of ``paginate_by`` linked "← Newer posts / Older posts →".

    Pages are found by keyset (``posts.pagination``), not by number: no
    count and no offset, so the oldest page is as quick as the first.
    ``allow_empty = False`` makes a list without any post a 404.
    """

    paginate_by = settings.BLOG["POSTS_PER_PAGE"]
    allow_empty = True

    def get_queryset(self):
        return Post.objects.published().for_cards()

    def get_positions(self):
        """Rows that pick and order the list's posts on an index of their
        own (see ``keyset_page``); ``None``: the queryset's own filter."""
        return None

    def get_parts(self):
        """Lists of posts whose union is the list, each read on an index of
        its own as far as the page (see ``keyset_page``); ``None``: the
        queryset's own filter."""
        return None

    def newest_possible(self) -> datetime:
        """The latest publish time a post in this list can have (nothing is
        published in the future); a ``?before=`` cursor beyond it is the
        first page."""
        return timezone.now()

    def get(self, request, *args, **kwargs):
        if "page" in request.GET:
            # Numbered pages (``?page=N``) were linked, and declared canonical,
            # until keyset pages replaced them. What page N showed moved with
            # every new post; the list itself is the honest place to send them.
            return HttpResponsePermanentRedirect(request.path)
        queryset = self.get_queryset()  # first: it finds what the list is of
        try:
            self.page = keyset_page(
                queryset,
                request.GET,
                self.paginate_by,
                self.get_positions(),
                newest=self.newest_possible(),
                parts=self.get_parts(),
            )
        except FirstPage:
            # Temporary: once more posts are published above it, that
            # address becomes a page of its own.
            return redirect(request.path)
        except PageMoved as moved:
            # Temporary too: a post published between the two would make
            # the cursor a page of its own again.
            return redirect(request.path + moved.query)
        if not self.page.posts and (not self.page.is_first or not self.allow_empty):
            raise Http404("No posts on this page.")
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        canonical = seo.absolute(self.request, self.request.path + self.page.query)
        return super().get_context_data(posts=self.page.posts, page=self.page, canonical=canonical, **kwargs)


class PostListView(PublishedPostListView):
    """The home page: the list of every post, under a "Featured" block on
    its first page.

    Featured posts stay in the list too, so its pages and cursors are those
    of every other list; the block costs one lean query on the first page
    and none on the others."""

    template_name = "posts/post_list.html"

    def get_context_data(self, **kwargs):
        featured = []
        if self.page.is_first:
            featured = list(Post.objects.published().featured().for_featured_block()[:FEATURED_ON_HOME])
        return super().get_context_data(featured_posts=featured, **kwargs)


class TagPostListView(PublishedPostListView):
    """A tag's published posts; a tag nobody may read about yet is a 404."""

    template_name = "posts/tag_detail.html"
    allow_empty = False

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A tag whose slug an editor changed keeps its old address.
            moved = moved_tag(request, kwargs["slug"])
            if moved is None:
                raise
            return moved

    def get_queryset(self):
        self.tag = get_object_or_404(Tag.objects.select_related("profile"), slug=self.kwargs["slug"])
        return super().get_queryset()

    def get_positions(self):
        return TaggedPost.objects.published().filter(tag=self.tag)

    def get_context_data(self, **kwargs):
        # "N articles tagged …" on every page: one range of the taggings'
        # (tag, published_at, post) index, without reading the posts, but as
        # long as the tag is popular (0.7 ms for 33,000 posts). Counted once
        # for all of the tag's pages until the blog changes.
        count = content_cached(f"tag-count:{self.tag.pk}", self.get_positions().count)
        return super().get_context_data(
            tag=self.tag, tag_description=tag_description(self.tag), post_count=count, **kwargs
        )


def for_one_reader(response) -> None:
    """A page shown to one person, a preview or a draft to its editor: never
    cached (not by the page cache, nginx or the browser), and not for search
    engines."""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"


def posted_comment_token(comment) -> str:
    """A signed reference to a just-posted comment, for the page that says what happened to it."""
    return signing.dumps(comment.pk, salt=POSTED_SALT)


def _comment_page(request, total: int) -> int:
    """The requested page of comments; a page that does not exist is a 404.
    (``isascii``: a superscript two is a digit to ``isdigit`` but not to ``int``.)"""
    raw = request.GET.get("cpage", "1")
    pages = max(1, -(-total // comments_per_page()))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= pages:
        raise Http404("No such page of comments.")
    return int(raw)


def comment_section(request, post: Post, form: CommentForm | None = None, page: int | None = None) -> dict:
    """Context for the comment section, shared by the post page and the
    comment view that re-displays it with a rejected form.

    Long discussions are paginated in thread order, so a page stays light
    however many comments a post collects. The page is the request's
    ``?cpage=``, unless the caller knows better (``page``): the comment
    view answers the form's POST, which carries none.
    """
    total = getattr(post, "comment_count", None)  # annotated by the post page's query
    if total is None:
        total = comments_for(post).count()
    if page is None:
        page = _comment_page(request, total)
    size = comments_per_page()
    comments = comment_page(post, page, size)
    pages = max(1, -(-total // size))
    if form is None and post.comments_open:
        form = CommentForm(post, signed_in=request.user.is_authenticated)
    context = {
        "comment_tree": comment_tree(comments, continues_page=page > 1),
        "comment_count": total,
        "comment_page": page,
        "comment_pages": pages,
        "comment_page_query": f"?cpage={page}" if page > 1 else "",
        "max_thread_level": settings.COMMENTS_XTD_MAX_THREAD_LEVEL,
        "comment_form": form,
        "posted_comment": None,
        "flagged": request.GET.get("flagged", ""),
        "reported_hidden": request.GET.get("reported") == "hidden",
    }
    token = request.GET.get("comment")
    if token:
        try:
            pk = signing.loads(token, salt=POSTED_SALT, max_age=3600)
            posted = (
                comments_for(post, public_only=False)
                .select_related("review", "body")
                .annotate(awaits_confirmation=followups.awaits_confirmation())
                .get(pk=pk)
            )
            context["posted_comment"] = posted
            if posted.is_public:
                context["posted_comment_link"] = comment_link(post, posted)
        except (signing.BadSignature, ValueError, TypeError, comments_for(post).model.DoesNotExist):
            pass  # a stale or altered link: show the page without the notice
    return context


def moved(
    request, old_slugs: type[OldSlug], slug: str, readable: Callable[[Any], bool]
) -> HttpResponsePermanentRedirect:
    """The permanent redirect from a renamed post's or page's old address to
    its address now, with the query string (a page of comments, ``?cpage=2``,
    is the same page there; without it readers landed on the first), as a
    tag's old address does (``moved_tag``); the 404 again when ``slug`` is no
    old address, or leads to what readers may not see (a draft's new address
    is not told)."""
    renamed = old_slugs.renamed(slug)
    if renamed is None or not readable(renamed):
        raise Http404("Nothing readers may see had this address.")
    return HttpResponsePermanentRedirect(with_query(renamed.get_absolute_url(), request.META.get("QUERY_STRING", "")))


class PostDetailView(ShowsVideoPlayers, DetailView):
    template_name = "posts/post_detail.html"
    context_object_name = "post"

    def get_queryset(self):
        # Built per request: the comment count's subquery looks up a content type.
        return Post.objects.for_article()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A published post that was renamed keeps its old address.
            return moved(request, SlugRedirect, kwargs["slug"], lambda post: post.is_published)

    def get_object(self, queryset=None):
        post = get_object_or_404(self.get_queryset(), slug=self.kwargs["slug"])
        # A draft or scheduled post is a plain 404 for anyone who may not
        # edit it: its existence is not revealed.
        if not post.is_published and not post.can_be_previewed_by(self.request.user):
            raise Http404("No published post has this address.")
        return post

    def get_context_data(self, **kwargs):
        context = super().get_context_data(is_preview=not self.object.is_published, **kwargs)
        return context | self.comment_context()

    def comment_context(self) -> dict:
        return comment_section(self.request, self.object)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["is_preview"]:
            for_one_reader(response)
        elif context["posted_comment"]:
            add_never_cache_headers(response)  # "your comment is held" is for one person too
        if context["comment_form"] is not None and self.object.comments_close_at is not None:
            changes_at(response, self.object.comments_close_at)  # the form goes
        return response


class SharedPreviewView(PostDetailView):
    """A draft shown through a secret link, until the link expires or is revoked."""

    def get(self, request, *args, **kwargs):
        self.link = get_object_or_404(PreviewLink.objects.usable().select_related("post"), token=self.kwargs["token"])
        if self.link.post.is_published:
            return redirect(self.link.post.get_absolute_url())
        return super(PostDetailView, self).get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.get_queryset().get(pk=self.link.post_id)

    def get_context_data(self, **kwargs):
        return super().get_context_data(shared_preview=self.link, **kwargs)
