"""What readers see of comments: one definition of "public", and the thread
tree built from one ordered query."""

from dataclasses import dataclass, field

from django.conf import settings
from django_comments_xtd.models import XtdComment


def public_comments():
    """Comments readers may see: approved and not removed. Named once here."""
    return XtdComment.objects.filter(is_public=True, is_removed=False, site_id=settings.SITE_ID)


def comments_for(post, *, public_only: bool = True):
    """A post's comments in thread order (public ones unless told otherwise)."""
    from django.contrib.contenttypes.models import ContentType

    queryset = public_comments() if public_only else XtdComment.objects.filter(site_id=settings.SITE_ID)
    return queryset.filter(content_type=ContentType.objects.get_for_model(post), object_pk=str(post.pk)).order_by(
        *settings.COMMENTS_XTD_LIST_ORDER
    )


@dataclass
class CommentNode:
    comment: XtdComment
    children: list["CommentNode"] = field(default_factory=list)


def comment_tree(comments: list[XtdComment]) -> list[CommentNode]:
    """Nest comments under their parents, keeping the given order.

    A reply whose parent is not public is left out with it: a thread is only
    shown from a visible root. (django-comments-xtd's own builder needs a user
    object and costs a query per comment for flags; this needs neither.)
    """
    nodes = {comment.pk: CommentNode(comment) for comment in comments}
    roots = []
    for comment in comments:
        node = nodes[comment.pk]
        if comment.parent_id == comment.pk:
            roots.append(node)
        elif comment.parent_id in nodes:
            nodes[comment.parent_id].children.append(node)
    return roots
