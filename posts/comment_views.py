"""Posting, replying to and flagging comments.

The blog posts comments through its own view rather than
django-contrib-comments' ``post_comment``: the comment is stored at once
(never only inside an emailed link), the policy in ``posts.policy`` decides
its fate, and every refusal re-displays the article with the reader's text.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from django.views.decorators.csrf import csrf_exempt
from django_comments_xtd.models import XtdComment

from . import moderation
from .comment_format import render_markdown
from .comments import account_name, comment_link, comment_page_of, commenter_name, public_comments
from .embeds import allow_players, frame_origins
from .forms import CommentForm
from .models import Post
from .policy import claim_posting_slot, client_ip, earlier_copy_is_public, judge, policy, sent_from_another_site
from .views import comment_section, posted_comment_token

KEPT_FIELDS = ("name", "email", "url", "comment", "followup", "reply_to")


def kept_text(data) -> str:
    """The text a refused form hands back, at most what the form takes: its
    line breaks one character each, as the form counts them (the browser
    sends "\r\n", and a cut at the length sent lost the text's end)."""
    return normalize_newlines(data.get("comment") or "")[: settings.COMMENT_MAX_LENGTH]


def csrf_for_accounts(signed_in_since):
    """CSRF protection where it protects something: signed-in readers with
    a token, anonymous readers by where the browser says the form was.

    A cross-site request forgery borrows the victim's session. An anonymous
    reader has none to borrow, so the article page, which anonymous readers
    get from a shared cache, carries no per-reader token, and only requests
    made with a session are checked, as strictly as Django's middleware
    would. What an anonymous reader's request does carry is their address,
    which counts their reports (three hide a comment) and their comments
    (the posting limits): a page of another site could have had each of its
    visitors report a comment, or post, from theirs. So an anonymous request
    a browser sent from another site's page is refused, what was typed
    handed back (found by QA: a comment was hidden by forged reports).

    A request with a session that fails the check, from this site's own
    page, is most often a reader who opened the page signed out (the cached
    copy, without a token) and signed in since, in another tab. It is
    refused all the same, nothing done, but answered by
    ``signed_in_since(request, ...)``, which shows the form again, now with
    their token, and what they wrote (found by QA: Django's bare 403 page
    lost their comment). From another site's page, it is that site's refusal.
    """

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.is_authenticated:
                check = CsrfViewMiddleware(lambda req: None)
                check.process_request(request)
                if check.process_view(request, None, (), {}) is not None:
                    if sent_from_another_site(request):
                        return _sent_from_another_site(request)
                    return signed_in_since(request, *args, **kwargs)
            elif sent_from_another_site(request):
                return _sent_from_another_site(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _sent_from_another_site(request):
    context = {"kept_text": kept_text(request.POST), "other_site": True}
    return render(request, "comments/refused.html", context, status=403)


def sent_by_form_only(view):
    """POST only, as ``require_POST``, but any other request gets a page in
    the site's layout saying where the form is (405, ``Allow: POST``), not a
    blank 405: reloading or bookmarking the page a refused comment left
    shows its address, and a copied link or a crawler opens a Report's."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            response = render(request, "comments/posted_by_form_only.html", status=405)
            response["Allow"] = "POST"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _target_post(data) -> Post | None:
    """The published post the form says it belongs to, if any."""
    if data.get("content_type") != "posts.post":
        return None
    try:
        return Post.objects.published().for_article().get(pk=int(data.get("object_pk", "")))
    except (Post.DoesNotExist, ValueError):
        return None


def _render_article(
    request, post: Post, form: CommentForm | None, status: int, error: str = "", kept=None, preview: str = ""
):
    """The article page again, with a message or a preview and the reader's
    text (and, for a reply, which comment it answers: the form is at the
    foot of the page now, and still posts a reply).

    A reply comes back with the page of comments that shows its parent, so
    "Replying to" links to it and comments.js moves the form under it.
    """
    players = frame_origins(post.body)
    replying_to = form["reply_to"].value() if form is not None else None
    parent = _parent(post, _as_id(replying_to))
    context = {"post": post, "object": post, "is_preview": False, "video_players": players}
    context |= comment_section(request, post, form, page=comment_page_of(parent) if parent else 1)
    context |= {
        "comment_error": error,
        "comment_preview": mark_safe(preview),  # noqa: S308 (posts.comment_format.render_markdown sanitized it)
        "kept_text": kept or "",
        "replying_to": parent,
        "replying_to_name": commenter_name(parent) if parent else "",
    }
    response = render(request, "posts/post_detail.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return allow_players(response, players)


def _fresh_form(request, post: Post, data, **changes) -> CommentForm:
    """An unbound form carrying what the reader typed, with a new signature."""
    initial = {name: data.get(name) for name in KEPT_FIELDS if data.get(name) not in (None, "")}
    initial["followup"] = bool(data.get("followup"))
    return CommentForm(post, initial=initial | changes, signed_in=request.user.is_authenticated)


# The largest id a database integer column holds. A bigger number from a URL
# or a form names no comment (SQLite raises OverflowError rather than
# finding nothing, which was a 500).
MAX_ID = 2**63 - 1


def _public_comment_or_404(cid: int) -> XtdComment:
    if not 0 < cid <= MAX_ID:
        raise Http404("No comment has this number.")
    return get_object_or_404(public_comments().filter(content_type=ContentType.objects.get_for_model(Post)), pk=cid)


def _as_id(value) -> int:
    """A comment id from a form value; 0 for anything else."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 19 else 0


def _parent(post: Post, reply_to: int) -> XtdComment | None:
    if not 0 < reply_to <= MAX_ID:
        return None
    return (
        public_comments()
        .filter(content_type=ContentType.objects.get_for_model(Post), object_pk=str(post.pk), pk=reply_to)
        .first()
    )


def _comment_after_signing_in(request):
    """A signed-in reader's comment without a valid CSRF token, from this
    site (``csrf_for_accounts``): not posted, nothing judged or stored. The
    article again, with their text in a form that carries their token now,
    so that posting it again is one click."""
    post = _target_post(request.POST)
    if post is None or not post.comments_open:
        return render(request, "comments/refused.html", {"kept_text": kept_text(request.POST)}, status=403)
    return _render_article(
        request,
        post,
        _fresh_form(request, post, request.POST),
        403,
        f"You signed in after opening this page, so your comment was not posted. It is below, to be posted "
        f"as {account_name(request.user)}: check it and post it again.",
    )


@sent_by_form_only
@csrf_for_accounts(signed_in_since=_comment_after_signing_in)
def post_comment(request):
    data = request.POST.copy()
    post = _target_post(data)
    if post is None:
        # The article went (to the trash, back to draft) while the reader
        # wrote, or the form was forged: what was typed is handed back.
        return render(request, "comments/refused.html", {"kept_text": kept_text(data)}, status=400)
    if request.user.is_authenticated:
        # Signed-in readers comment as themselves, whatever the form says.
        data["name"] = account_name(request.user)[:50]
        data["email"] = request.user.email
    if not post.comments_open:
        return _render_article(request, post, None, 403, "Comments on this article are closed.", data.get("comment"))

    form = CommentForm(post, data=data, signed_in=request.user.is_authenticated)
    if form.security_errors():
        return _render_article(
            request,
            post,
            _fresh_form(request, post, data),
            400,
            "This form had expired or was altered. Your text is below: please post it again.",
        )
    if not form.is_valid():
        return _render_article(request, post, form, 400)
    if "preview" in data:
        # Nothing is stored or judged: the reader sees what readers would,
        # with the form as they left it, and posts it or changes it.
        return _render_article(request, post, form, 200, preview=render_markdown(form.cleaned_data["comment"]))

    cleaned = form.cleaned_data
    parent = _parent(post, cleaned["reply_to"])
    if cleaned["reply_to"] and (parent is None or parent.level >= settings.COMMENTS_XTD_MAX_THREAD_LEVEL):
        return _render_article(
            request,
            post,
            _fresh_form(request, post, data, reply_to=0),
            400,
            "The comment you replied to can no longer be answered. Your text is below: post it as a new comment.",
        )
    email = cleaned["email"].strip().lower()
    text = cleaned["comment"]  # trimmed by the form, indentation kept
    earlier_public = earlier_copy_is_public(post, email, text)
    if earlier_public is not None:
        said = "" if earlier_public else " It is waiting for a moderator: once approved it appears here."
        return _render_article(
            request, post, _fresh_form(request, post, data), 409, f"You have already posted this comment.{said}"
        )
    ip = client_ip(request)
    if not claim_posting_slot(ip, email, request.user):
        seconds = policy("MIN_SECONDS_BETWEEN")
        response = _render_article(
            request,
            post,
            _fresh_form(request, post, data),
            429,
            f"You are posting too quickly. Please wait {seconds} seconds and post again; your text is kept below.",
        )
        response["Retry-After"] = str(seconds)
        return response

    user = request.user if request.user.is_authenticated else None
    verdict = judge(
        user=user, name=cleaned["name"], email=email, url=cleaned["url"], text=text, ip=ip,
        honeypot=cleaned.get("honeypot", ""),
    )  # fmt: skip
    comment = XtdComment(
        content_type=ContentType.objects.get_for_model(Post),
        object_pk=str(post.pk),
        site_id=settings.SITE_ID,
        user=user,
        user_name=cleaned["name"][:50],
        user_email=email,
        user_url=cleaned["url"],
        comment=text,
        submit_date=timezone.now(),
        ip_address=ip or None,
        followup=cleaned["followup"],
        parent_id=parent.pk if parent else 0,
    )
    moderation.record(comment, verdict.status, verdict.reasons)
    return redirect(f"{post.get_absolute_url()}?comment={posted_comment_token(comment)}#comment-status")


def reply(request, cid: int):
    """The reply form for one comment, for readers without JavaScript.

    Replaces django-comments-xtd's view, which shows any comment by id,
    including ones still waiting for a moderator.
    """
    comment = _public_comment_or_404(cid)
    post = get_object_or_404(Post.objects.published(), pk=comment.object_pk)
    if not post.comments_open or comment.level >= settings.COMMENTS_XTD_MAX_THREAD_LEVEL:
        raise Http404("Replies to this comment are not possible.")
    form = CommentForm(post, comment=comment, signed_in=request.user.is_authenticated)
    context = {
        "comment": comment,
        "commenter": commenter_name(comment),
        "post": post,
        "form": form,
        "comment_url": comment_link(post, comment),
    }
    return render(request, "django_comments_xtd/reply.html", context)


def comment_target(request, content_type_id: int, object_id: str):
    """Where django-comments' links lead (``comment.get_absolute_url()`` is
    ``comments/cr/<type>/<id>/#c<pk>``): the published post, nothing else.

    Replaces django.contrib.contenttypes' ``shortcut``, which redirected
    anyone to the ``get_absolute_url()`` of any object of any model: counting
    ids gave away draft and scheduled posts' addresses.
    """
    if content_type_id != ContentType.objects.get_for_model(Post).pk or not (
        object_id.isascii() and object_id.isdigit() and len(object_id) <= 18
    ):
        raise Http404("No published post has this address.")
    return redirect(get_object_or_404(Post.objects.published(), pk=int(object_id)))


def permalink(request, cid: int):
    """A comment's lasting address (the comment feeds link to it): its
    page of the post's thread, found now. The page a comment is on changes
    as replies are added above it, so the redirect is not permanent. A
    comment readers cannot see, or one on a post they cannot, is a 404."""
    comment = _public_comment_or_404(cid)
    post = get_object_or_404(Post.objects.published(), pk=_as_id(comment.object_pk))
    return redirect(comment_link(post, comment))


def _reporter(request) -> str:
    who = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
    return hashlib.sha256(f"{settings.SECRET_KEY}:{who}".encode()).hexdigest()


def _report_after_signing_in(request, cid: int):
    """A signed-in reader's report without a valid CSRF token, from this
    site (``csrf_for_accounts``): not counted. A page that says so, with the
    comment and a Report button that carries their token now."""
    comment = _public_comment_or_404(cid)
    post = get_object_or_404(Post.objects.published(), pk=comment.object_pk)
    context = {"reported": comment, "commenter": commenter_name(comment), "comment_url": comment_link(post, comment)}
    response = render(request, "comments/refused.html", context, status=403)
    response["Cache-Control"] = "private, no-store"
    return response


@sent_by_form_only
@csrf_for_accounts(signed_in_since=_report_after_signing_in)
def flag(request, cid: int):
    """A reader reports a comment as inappropriate; enough reports hide it.

    The reader is thanked under the comment, on the page of comments that
    shows it: the article's own address is page 1 of them. A report that
    hides the comment leads to the comments, saying so: the comment is no
    longer on any page to be thanked under.
    """
    comment = _public_comment_or_404(cid)
    post = get_object_or_404(Post.objects.published(), pk=comment.object_pk)
    if moderation.flag(comment, _reporter(request)):
        return redirect(f"{post.get_absolute_url()}?reported=hidden#comments")
    return redirect(comment_link(post, comment, flagged=comment.pk))
