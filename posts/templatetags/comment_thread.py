"""``{% comment_thread nodes %}``: a page of comments as nested lists, and
``{{ field|widget }}`` for the comment form's inputs.

Written in Python rather than as a recursive template include: through the
include, each comment cost about 0.2 ms of variable lookups, filters and URL
reversing, most of an article page's render time (docs/performance.md);
here it costs a few microseconds. The markup is the template's as it was.
"""

from django import template
from django.conf import settings
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from posts import dates
from posts.comments import comment_html, commenter_name, edited_at

register = template.Library()

_PK = 2_147_483_647  # stands for a comment's pk in a reversed URL


def _url_for_pk(name: str):
    """Reverse a one-pk URL once; fill in each comment's pk by formatting."""
    return reverse(name, args=[_PK]).replace(str(_PK), "{}").format


@register.simple_tag(takes_context=True)
def comment_thread(context, nodes) -> str:
    """Render ``comment_tree`` nodes (posts.comments.CommentNode) with the
    comment section's context: post, comment_form, comment_page_query,
    max_thread_level, flagged and the signed-in user."""
    user = context.get("user")
    signed_in = bool(user and user.is_authenticated)
    csrf = csrf_input(context["request"]) if signed_in else ""
    can_reply = bool(context.get("comment_form"))
    max_level = context.get("max_thread_level", settings.COMMENTS_XTD_MAX_THREAD_LEVEL)
    flagged = str(context.get("flagged") or "")
    # A secret preview link's reader stays on it: the draft's own address is a 404 to them.
    shared = context.get("shared_preview")
    article = shared.get_preview_url() if shared else context["post"].get_absolute_url()
    link = escape(article + context.get("comment_page_query", ""))
    reply_url, flag_url = _url_for_pk("comments-xtd-reply"), _url_for_pk("comments-flag")
    # The article read its co-authors already, when it has any (for_article).
    post_author_users = {author.user_id for author in getattr(context["post"], "all_authors", ())} - {None}
    parts: list[str] = []

    def render(level_nodes) -> None:
        parts.append('<ol class="comment-list">')
        for node in level_nodes:
            comment = node.comment
            pk = comment.pk
            name = escape(commenter_name(comment))
            parts.append(f'<li class="comment" id="c{pk}">')
            if node.continued:
                parts.append('<p class="comment-continued muted">Continuing a thread from the previous page</p>')
            elif node.parent_hidden:
                parts.append('<p class="comment-continued muted">In reply to a comment that is not shown</p>')
            author = f'<a href="{escape(comment.url)}" rel="nofollow ugc noopener">{name}</a>' if comment.url else name
            parts.append(
                f'<article aria-label="Comment by {name}"><header class="comment-header">'
                f'<strong class="comment-author">{author}</strong> {_badge(comment, post_author_users)}'
                f'<a class="comment-date" href="{link}#c{pk}" title="Link to this comment">'
                f'<time datetime="{dates.iso(comment.submit_date)}">'
                f"{dates.day_and_time(comment.submit_date)}</time></a>"
                f'</header><div class="comment-body">{comment_html(comment)}</div>'
            )
            edited = edited_at(comment)
            if edited is not None:
                parts.append(_edited_note(edited))
            parts.append('<div class="comment-actions">')
            if can_reply and comment.level < max_level:
                parts.append(
                    f'<a class="comment-reply" href="{reply_url(pk)}" data-reply-to="{pk}">'
                    f'Reply<span class="visually-hidden"> to {name}</span></a> '
                )
            if flagged == str(pk):
                parts.append(
                    '<span class="comment-flagged" role="status">'
                    "Thank you: a moderator will look at this comment.</span>"
                )
            else:
                parts.append(
                    f'<form class="comment-flag" method="post" action="{flag_url(pk)}">{csrf}'
                    '<button type="submit" class="link-button">Report'
                    f'<span class="visually-hidden"> comment by {name}</span></button></form>'
                )
            parts.append("</div></article>")
            if node.children:
                render(node.children)
            parts.append("</li>")
        parts.append("</ol>")

    render(nodes)
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _badge(comment, post_author_users: set[int]) -> str:
    """ "Author" on comments by the post's own authors, "Team" on other staff's,
    so readers can tell an answer from the people behind the blog; "" for
    everyone else. The comment's user is already loaded (comment_page)."""
    if not comment.user_id:
        return ""
    if comment.user_id in post_author_users:
        return '<span class="comment-badge">Author<span class="visually-hidden"> of this article</span></span> '
    if comment.user.is_staff:
        return f'<span class="comment-badge">Team<span class="visually-hidden"> {_TEAM}</span></span> '
    return ""


_TEAM = escape(f"member of {settings.BLOG['NAME']}")


def _edited_note(edited) -> str:
    """Under a comment whose text a moderator changed: readers should not
    take the words as exactly the commenter's. Who edited is not shown."""
    return (
        f'<p class="comment-edited muted">Edited by a moderator on <time datetime="{dates.iso(edited)}">'
        f"{dates.day_and_time(edited)}</time></p>"
    )


@register.filter
def comment_text(comment) -> str:
    """``{{ comment|comment_text }}``: its text, formatted as in the thread
    (posts.comments.comment_html), with the note if a moderator edited it."""
    edited = edited_at(comment)
    note = _edited_note(edited) if edited is not None else ""
    return mark_safe(comment_html(comment) + note)  # noqa: S308 (sanitized HTML and our own markup)


_widgets: dict[tuple, str] = {}


@register.filter
def widget(field) -> str:
    """``{{ field|widget }}``: the field's input, as ``{{ field }}`` renders it.

    An empty field of an unbound form renders the same markup every time,
    given its widget's attributes: that markup is remembered per process.
    Through Django's widget templates, each input cost ~0.15 ms, a tenth of
    an article page. A filled, bound or invalid field is rendered afresh.
    """
    form = field.form
    if form.is_bound or field.value() not in (None, "", False):
        return str(field)
    options = field.field
    key = (
        type(form),
        field.name,
        field.auto_id,
        options.required and form.use_required_attribute,
        str(options.help_text),
        tuple(sorted(options.widget.attrs.items())),
    )
    markup = _widgets.get(key)
    if markup is None:
        markup = _widgets[key] = str(field)
    return markup
