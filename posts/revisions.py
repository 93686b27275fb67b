"""Compare any two saved revisions of a post, field by field."""

import difflib
import html
import re
from datetime import datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import strip_tags

COMPARED_FIELDS = [
    "title", "slug", "excerpt", "body", "status", "published_at", "thumbnail", "thumbnail_alt", "featured",
    "meta_title", "meta_description", "canonical_url", "noindex",
]  # fmt: skip

# What restoring a revision brings back: the writing. Everything else on the
# post (status, publish date, address, author, thumbnail, comment settings)
# says where and how it is published, and restoring a draft's wording onto a
# live post must not take it offline, move it or strip its image. Tags stay
# too: revisions do not record them (the history table has no tags), and they
# place the post on tag pages and feeds, which is publishing, not wording.
# The home page's "featured" flag and the search and social settings stay
# as well: they too say how the post is published.
RESTORED_FIELDS = ("title", "excerpt", "body")
PUBLISHING_FIELDS = (
    "slug", "author", "thumbnail", "thumbnail_alt", "status", "published_at",
    "tags", "new_tags", "allow_comments", "comment_days", "featured",
    "meta_title", "meta_description", "canonical_url", "noindex",
)  # fmt: skip


def keep_publishing_state(revision) -> None:
    """Give a revision about to be restored everything but its writing from the post as it is now.

    simple-history rebuilds the whole post as the revision saved it and
    saves that: a published post's early draft revision took the post
    offline and cleared its date and thumbnail.
    """
    model = type(revision)
    names = [f.attname for f in model._meta.concrete_fields if f.name not in RESTORED_FIELDS]
    current = model.objects.filter(pk=revision.pk).values(*names).first()
    # Stored values, set as loading from the database sets them: through the
    # image field's descriptor, the thumbnail was opened to be measured and
    # left closed, and the form could not read it back.
    revision.__dict__.update(current or {})


# Where a block of the body ends: one line of the diff each, so a change to
# one paragraph shows that paragraph, not the whole body, as changed.
BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|h[1-6]|li|blockquote|pre|tr|th|td|figcaption|div)\s*>", re.IGNORECASE)


def _text(value) -> list[str]:
    """A field's value as lines of text; the body's markup is dropped for reading.

    Block ends become line breaks before the tags are stripped (stripping
    first left the body one long line), and entities are decoded because
    the diff escapes the text itself.
    """
    text = html.unescape(strip_tags(BLOCK_END.sub("\n", str(value or ""))))
    return [line for line in text.splitlines() if line.strip()] or [""]


def saved_since(post, opened: str) -> str | None:
    """Why a save must be refused: someone saved the post after this form was opened.

    ``opened`` is the post's ``updated_at`` when the form was shown. Without
    this check the last save silently won, reverting what the other person
    had just written. The message says who, when and which fields, from the
    revisions saved since.
    """
    try:
        opened_at = datetime.fromisoformat(opened)
    except ValueError:
        return None
    model = type(post)
    updated_at = model.objects.filter(pk=post.pk).values_list("updated_at", flat=True).first()
    if timezone.is_naive(opened_at) or updated_at is None or updated_at <= opened_at:
        return None
    history = post.history.order_by("history_date")
    latest, seen = history.last(), history.filter(history_date__gte=opened_at).first()
    who = f"{latest.history_user}" if latest and latest.history_user else "Someone else"
    changed = ""
    if latest and seen and latest != seen:
        names = [str(model._meta.get_field(name).verbose_name) for name in latest.diff_against(seen).changed_fields]
        listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        changed = f" (changing the {listed})" if names else ""
    when = format_date(timezone.localtime(updated_at), "j M, H:i")  # the day too: it may not be today
    return (
        f"{who} saved this post at {when} since you opened it{changed}: nothing was saved. "
        "Copy your changes, reload the page, and apply them again."
    )


def compare_view(model_admin, request, object_id):
    post = model_admin.get_object(request, unquote(object_id))
    if post is None:
        raise Http404("No post with that id.")
    if not model_admin.has_view_or_change_permission(request, post):
        raise PermissionDenied
    revisions = list(post.history.select_related("history_user").order_by("-history_date"))
    by_id = {str(revision.history_id): revision for revision in revisions}
    older = by_id.get(request.GET.get("a", ""), revisions[1] if len(revisions) > 1 else None)
    newer = by_id.get(request.GET.get("b", ""), revisions[0] if revisions else None)
    rows = []
    if older and newer:
        differ = difflib.HtmlDiff(wrapcolumn=70)
        for name in COMPARED_FIELDS:
            before, after = getattr(older, name), getattr(newer, name)
            if before != after:
                table = differ.make_table(_text(before), _text(after), "Older", "Newer", context=True, numlines=2)
                rows.append((post._meta.get_field(name).verbose_name, table))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": post._meta,
        "original": post,
        "title": f"Compare revisions: {post}",
        "revisions": revisions,
        "older": older,
        "newer": newer,
        "rows": rows,
    }
    return TemplateResponse(request, "admin/posts/post/compare.html", context)
