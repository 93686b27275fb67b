"""What readers see of comments: one definition of "public", and the thread
tree built from one ordered query."""

from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import BigIntegerField, Exists, F, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils.safestring import SafeString, mark_safe
from django_comments_xtd.models import XtdComment

from .comment_format import render_markdown


def public_comments(model=XtdComment):
    """Comments readers may see: approved and not removed. Named once here.

    ``model=Comment`` (django-contrib-comments' base table, which holds these
    fields) counts them without joining XtdComment's table: every comment
    here is an XtdComment, and a count per post in a list is then one index
    range instead of a join.
    """
    return model.objects.filter(is_public=True, is_removed=False, site_id=settings.SITE_ID)


def with_their_post(comments: models.QuerySet) -> models.QuerySet:
    """``comments`` (of posts) with the title, slug and whether it is in the
    trash of the post each is on, as ``post_title``, ``post_slug`` and
    ``post_trashed``, in the same query: a comment names its post by a text
    id, which no foreign key joins. The moderation lists and the admin's
    home page show them."""
    from .models import Post

    post = Post.objects.filter(pk=Cast(OuterRef("object_pk"), BigIntegerField()))
    return comments.annotate(
        post_title=Subquery(post.values("title")[:1]),
        post_slug=Subquery(post.values("slug")[:1]),
        post_trashed=Exists(post.filter(trashed_at__isnull=False)),
    )


def comments_for(post, *, public_only: bool = True):
    """A post's comments in thread order (public ones unless told otherwise)."""
    from django.contrib.contenttypes.models import ContentType

    queryset = public_comments() if public_only else XtdComment.objects.filter(site_id=settings.SITE_ID)
    return queryset.filter(content_type=ContentType.objects.get_for_model(post), object_pk=str(post.pk)).order_by(
        *settings.COMMENTS_XTD_LIST_ORDER
    )


def comment_page(post, page: int, size: int) -> list[XtdComment]:
    """Page ``page`` of a post's public comments in thread order, with their
    commenters' users: one query, in two steps.

    The inner step picks the page's ids from the post's comments alone:
    found by the public-comment index, placed by the (comment, thread,
    order) index, both read without the tables (migration 0011). The outer
    step reads those ``size`` comments whole. Asked for in one step with
    ``LIMIT``, PostgreSQL walked the whole blog's ``thread_id`` index in
    order, checking each comment for the post: measured at 400,000 comments,
    a 2,000-comment discussion newer than most of them took 490 ms, and its
    last page 42 ms; now 2.5 ms for any page of it. ``thread_id + 0`` is what
    keeps the order off that index.
    """
    start = (page - 1) * size
    ids = comments_for(post).order_by((F("thread_id") + 0).asc(), "order").values("pk")[start : start + size]
    # The user and their author profile, for a signed-in commenter's name
    # and badge (posts.comments.commenter_name), and the text's stored HTML
    # (posts.comment_models.CommentBody); not the content type
    # django-comments-xtd's manager also joins: the page knows its post.
    # Put in order here, not by the database: ``ORDER BY thread_id`` again
    # would offer PostgreSQL that index once more.
    comments = (
        XtdComment.objects.select_related(None).select_related("user__author", "body").filter(pk__in=ids).order_by()
    )
    return sorted(comments, key=attrgetter("thread_id", "order"))


def author_profile(user):
    """``user``'s Author profile, or None. Without a query when the user was
    read with ``select_related("author")`` (a missing profile is remembered
    as None too)."""
    try:
        return user.author
    except ObjectDoesNotExist:
        return None


def account_name(user) -> str:
    """The name a signed-in user comments under: their author name, as their
    posts are signed ("Skolr", not the username "skolr"), else their full
    name, else their username."""
    author = author_profile(user)
    return (author.name if author else "") or user.get_full_name() or user.get_username()


def commenter_name(comment) -> str:
    """The name shown for a comment. A signed-in commenter's is their
    account's name today (an author renamed, or a comment stored with the
    username before author names were used, shows the author name);
    django-comments' ``comment.name`` prefers the user's full name to it.
    A comment kept after its commenter was erased (posts.erasure) has no
    name left: "Anonymous"."""
    if comment.user_id:
        author = author_profile(comment.user)
        if author is not None and author.name:
            return author.name
    return comment.name or "Anonymous"


@dataclass
class CommentNode:
    comment: XtdComment
    children: list["CommentNode"] = field(default_factory=list)
    continued: bool = False  # its parent is on an earlier page
    parent_hidden: bool = False  # its parent was rejected, marked as spam or removed


def comment_tree(comments: list[XtdComment], *, continues_page: bool = False) -> list[CommentNode]:
    """Nest comments under their parents, keeping the given order.

    Every comment given is shown: the count in the heading and the pages are
    of public comments, so a public reply to a comment a moderator took down
    starts a branch of its own, saying so, where its parent was. On a later
    page of a long discussion, a reply whose parent is on an earlier page
    does the same, marked as a continuation. (django-comments-xtd's own
    builder needs a user object and costs a query per comment for flags;
    this needs neither.)
    """
    nodes = {comment.pk: CommentNode(comment) for comment in comments}
    roots = []
    leading = continues_page  # replies before this page's first thread start continue the previous page's
    for comment in comments:
        node = nodes[comment.pk]
        if comment.parent_id == comment.pk:
            leading = False
            roots.append(node)
        elif comment.parent_id in nodes:
            nodes[comment.parent_id].children.append(node)
        else:
            node.continued, node.parent_hidden = leading, not leading
            roots.append(node)
    return roots


def comments_per_page() -> int:
    return settings.BLOG["COMMENTS_PER_PAGE"]


def comment_page_of(comment) -> int:
    """Which page of its post's comment section shows this comment."""
    before = (
        public_comments()
        .filter(content_type_id=comment.content_type_id, object_pk=comment.object_pk)
        .filter(
            models.Q(thread_id__lt=comment.thread_id) | models.Q(thread_id=comment.thread_id, order__lt=comment.order)
        )
        .count()
    )
    return before // comments_per_page() + 1


def comment_link(post, comment, **query) -> str:
    """The path to a comment on its post's page, on the right comment page
    (``query``: more of that page's parameters, such as ``flagged``)."""
    page = comment_page_of(comment)
    query = ({"cpage": page} if page > 1 else {}) | query
    return f"{post.get_absolute_url()}{'?' + urlencode(query) if query else ''}#c{comment.pk}"


def delete_post_comments(sender, instance, **kwargs) -> None:
    """A deleted post takes its comments with it (``post_delete`` of Post).

    django-comments-xtd stores a comment by content type and id, with no
    foreign key the database could cascade: left alone, the comments, with
    their readers' names, emails and addresses, outlived the post in the
    moderators' lists. Their reviews and flags go with them.
    """
    comments_for(instance, public_only=False).delete()


def _body(comment):
    """The comment's stored ``CommentBody``, or None. Without a query when
    the comments were read with ``select_related("body")``."""
    try:
        return comment.body
    except ObjectDoesNotExist:
        return None


def comment_html(comment) -> SafeString:
    """A comment's text as HTML: the Markdown rendered and sanitized when it
    was posted or edited (``posts.comment_format``), or now, for a comment
    stored without it."""
    body = _body(comment)
    return mark_safe(body.html if body is not None else render_markdown(comment.comment))  # noqa: S308 (sanitized by nh3)


def edited_at(comment):
    """When a moderator last edited the comment's text; None if never."""
    body = _body(comment)
    return body.edited_at if body is not None else None
