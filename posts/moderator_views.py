"""The moderators' own admin pages for comments: replying as themselves,
and erasing a commenter on request. Both are for people who may moderate
(``django_comments.can_moderate``), checked here on every request: the
admin's login shows them only to staff, and authors and editors are staff
who see no comments at all."""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from . import erasure, moderation
from .comment_format import HINT
from .comment_models import CommentReview
from .comments import account_name, comment_link, commenter_name
from .forms import CommentText
from .models import Post
from .policy import client_ip

Status = CommentReview.Status


def _admin_url(model_admin, name: str, *args) -> str:
    opts = model_admin.opts
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args)


def _page(model_admin, request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    context = model_admin.admin_site.each_context(request) | {"opts": model_admin.opts} | context
    return TemplateResponse(request, template, context, status=status)


def moderators_only(view):
    """Refuse anyone who may not moderate (403), and methods other than GET and POST."""

    @wraps(view)
    def wrapper(model_admin, request, *args, **kwargs):
        if not model_admin.has_moderate_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        return view(model_admin, request, *args, **kwargs)

    return wrapper


# --- Replying ---------------------------------------------------------------


class StaffReplyForm(forms.Form):
    comment = CommentText(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80, "maxlength": settings.COMMENT_MAX_LENGTH}),
        help_text=f"{HINT}. Up to {settings.COMMENT_MAX_LENGTH} characters, shown as readers' comments are.",
    )


def review_status(comment) -> str | None:
    review = getattr(comment, "review", None)
    return review.status if review else None


def may_be_answered(comment) -> bool:
    """Whether the admin offers a reply: not too deep, not turned down."""
    return comment.level < settings.COMMENTS_XTD_MAX_THREAD_LEVEL and not (
        comment.is_removed or review_status(comment) in (Status.REJECTED, Status.SPAM)
    )


def reply_refusal(comment, post: Post | None) -> str:
    """Why this comment cannot be answered in public; "" if it can."""
    if post is None:
        return "This comment's article is not published, so a reply could not be shown."
    if not post.comments_open:
        return "Comments on this article are closed."
    if comment.is_removed or review_status(comment) in (Status.REJECTED, Status.SPAM):
        return (
            "This comment was rejected or marked as spam: readers do not see it. "
            "Approve it first if it deserves a public answer."
        )
    if comment.level >= settings.COMMENTS_XTD_MAX_THREAD_LEVEL:
        return (
            "This comment is as deep as a thread goes: readers cannot answer it either. "
            "Reply to the comment it answers instead."
        )
    return ""


def _comment_to_answer(model_admin, request, object_id: str):
    """The comment, and the admin that lists it: ``model_admin``, else the
    list of all comments. The moderation queue lists pending comments only,
    and the reply it sends approves the comment: submitted a second time,
    the form must still find it, to say the reply is posted (not a 404)."""
    every_comment = model_admin.admin_site.get_model_admin(model_admin.model._meta.concrete_model)
    for admin_ in dict.fromkeys([model_admin, every_comment]):
        comment = admin_.get_object(request, object_id)
        if comment is not None:
            return comment, admin_
    raise Http404("No comment has this number.")


@moderators_only
def reply_view(model_admin, request, object_id: str):
    """A moderator answers a comment as themselves, public at once.

    Threaded under the comment and announced to the post's author and
    followers as any approved reply (``moderation.staff_reply``). A comment
    awaiting moderation is approved by the reply (the page says so first);
    a rejected or spam one is refused, since a reply would show under a
    comment readers cannot see, or publish what was turned down.
    """
    comment, listed_by = _comment_to_answer(model_admin, request, unquote(object_id))
    pk = comment.object_pk
    post = (
        Post.objects.published().filter(pk=int(pk)).first() if pk.isascii() and pk.isdigit() and len(pk) <= 18 else None
    )
    refusal = reply_refusal(comment, post)
    # Too deep to answer: the comment it answers can be, unless the article
    # itself takes no reply (closed, unpublished), which is then the reason.
    parent = None
    if comment.level >= settings.COMMENTS_XTD_MAX_THREAD_LEVEL:
        parent = type(comment).objects.filter(pk=comment.parent_id).first()
    answer_parent = parent is not None and not reply_refusal(parent, post)
    form = StaffReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not refusal and form.is_valid():
        text = form.cleaned_data["comment"]
        if type(comment).objects.filter(parent_id=comment.pk, user=request.user, comment=text).exists():
            refusal = "You have already posted this reply."
        else:
            reply = moderation.staff_reply(comment, request.user, text, client_ip(request))
            model_admin.message_user(
                request,
                format_html(
                    'Your reply is published: <a href="{}">see it on the article</a>.', comment_link(post, reply)
                ),
                messages.SUCCESS,
            )
            return redirect(_admin_url(model_admin, "changelist"))
    badge = "Author" if post is not None and post.is_written_by(request.user) else "Team"
    context = {
        "title": f"Reply to {commenter_name(comment)}",
        "comment": comment,
        "commenter": commenter_name(comment),
        "post": post,
        "form": form,
        "refusal": refusal,
        "approves": not comment.is_public,
        "signed_as": account_name(request.user),
        "badge": badge,
        "change_url": _admin_url(listed_by, "change", comment.pk),
        "answer_parent_url": _admin_url(model_admin, "reply", comment.parent_id) if answer_parent else "",
    }
    status = 400 if request.method == "POST" else 200
    return _page(model_admin, request, "admin/posts/comment_reply.html", context, status)


# --- Erasing ------------------------------------------------------------------


class EraseForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Every comment, follow-up, trust and subscription under this address, in any case.",
    )


def _erase_form(model_admin, request, form: EraseForm, status: int = 200) -> TemplateResponse:
    context = {"title": "Erase a commenter", "form": form, "erase_url": _admin_url(model_admin, "erase")}
    return _page(model_admin, request, "admin/posts/comment_erase.html", context, status)


@moderators_only
def erase_view(model_admin, request):
    """Erase a commenter: ask for the address (GET), show what will go
    (POST), erase it (POST with ``confirm``).

    Addresses travel in the body of POST requests, never in a URL, so the
    person being erased is not written to access logs on the way.
    """
    if request.method != "POST":
        return _erase_form(model_admin, request, EraseForm())
    emails = request.POST.getlist("email")
    forms_ = [EraseForm({"email": email}) for email in emails] or [EraseForm({"email": ""})]
    invalid = next((form for form in forms_ if not form.is_valid()), None)
    if invalid is not None:
        return _erase_form(model_admin, request, invalid, status=400)
    emails = [form.cleaned_data["email"] for form in forms_]
    if request.POST.get("confirm") != "yes":
        return erase_confirmation(model_admin, request, emails)
    done = erasure.erase(emails)
    model_admin.message_user(request, report(done), messages.SUCCESS if done.anything else messages.INFO)
    return redirect(_admin_url(model_admin, "changelist"))


SHOWN = 20  # comments listed on the confirmation page


def erase_confirmation(model_admin, request, emails: list[str]) -> TemplateResponse:
    """What erasing ``emails`` will remove, with the button that does it
    (also the admin action's page, for the selected comments' authors)."""
    planned = erasure.plan(emails)
    anonymized = set(planned.anonymized)
    listed = (
        model_admin.model.objects.filter(pk__in=planned.deleted + planned.anonymized)
        .select_related(None)
        .only("pk", "comment", "submit_date", "is_public")
        .order_by("-submit_date")[:SHOWN]
    )
    context = {
        "title": "Erase a commenter: are you sure?",
        "erasure": planned,
        "listed": [(comment, comment.pk in anonymized) for comment in listed],
        "unlisted": planned.comments - SHOWN,
        "erase_url": _admin_url(model_admin, "erase"),
        "changelist_url": _admin_url(model_admin, "changelist"),
        "erased_text": erasure.ERASED_TEXT,
    }
    return _page(model_admin, request, "admin/posts/comment_erase_confirm.html", context)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def report(done: erasure.Erasure) -> str:
    """What an erasure did, in a sentence for the moderator."""
    who = ", ".join(done.emails)
    if not done.anything:
        return f"Nothing is stored under {who}."
    parts = [
        f"{_count(len(done.deleted), 'comment')} deleted",
        f"{_count(len(done.anonymized), 'comment')} kept as “{erasure.ERASED_TEXT}” for the replies under them",
        f"follow-up emails stopped on {_count(done.follows, 'article')}",
        f"{_count(done.trusted, 'trusted-commenter entry', 'trusted-commenter entries')} and "
        f"{_count(done.subscriptions, 'email subscription')} removed",
        f"{_count(done.mail_tasks, 'record')} of emails to them (waiting or sent) deleted",
    ]
    return f"Erased {who}: {'; '.join(parts)}."
