"""The moderators' side of comments: one queue, reasons, bulk decisions."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.defaultfilters import truncatechars
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst, normalize_newlines
from django_comments.models import CommentFlag
from django_comments_xtd.models import BlackListedDomain, XtdComment

from . import dates, erasure, moderation, moderator_views
from .comment_format import HINT
from .comment_models import CommentBody, CommentReview, HoldReason, PendingComment, ReaderFlag, TrustedCommenter
from .comments import comment_html, with_their_post
from .forms import CommentText
from .models import Post
from .pagination import DeferredJoinPaginator
from .policy import blocked_domain

Status = CommentReview.Status


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(review__status=self.value()) if self.value() else queryset


class ReasonFilter(admin.SimpleListFilter):
    title = "reason held"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return HoldReason.choices

    def queryset(self, request, queryset):
        if self.value() not in HoldReason.values:
            return queryset
        return queryset.filter(review__reasons__contains=f",{self.value()},")


class ReportFilter(admin.SimpleListFilter):
    """Comments readers reported ("Report" under each comment), which stay
    up until ``FLAGS_TO_HIDE`` readers have: moderators may look first."""

    title = "reader reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", "Reported by readers"), ("no", "Not reported")]

    def queryset(self, request, queryset):
        reported = Exists(ReaderFlag.objects.filter(comment=OuterRef("pk")))
        return {"yes": queryset.filter(reported), "no": queryset.exclude(reported)}.get(self.value(), queryset)


def post_id(value: str | None) -> int | None:
    """A comment's ``object_pk`` or a filter value as a post id; None for
    none, or for a value no post id can be (a NUL byte, 20 digits, a
    superscript two: refused or misread by the database or by ``int``)."""
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


class PostFilter(admin.SimpleListFilter):
    """The articles with the newest of these comments, and the chosen one.

    Not every commented article: a blog's thousands made a sidebar nobody
    could use, and past 65,535 of them a query PostgreSQL refuses (the page
    failed). The newest comments are read off the ``submit_date`` index.

    The chosen one is listed only if some comment is on it: moderators may
    see nothing of posts, so ``?post=<a draft's id>`` must not show its title.
    """

    title = "article"
    parameter_name = "post"
    LISTED = 20
    SCANNED = 500  # newest comments looked at to find them

    def lookups(self, request, model_admin):
        newest = model_admin.get_queryset(request).order_by("-submit_date").values_list("object_pk", flat=True)
        ids = [pk for pk in dict.fromkeys(map(post_id, newest[: self.SCANNED])) if pk is not None][: self.LISTED]
        chosen = post_id(self.value())
        if chosen is not None and chosen not in ids and self.commented(chosen):
            ids.append(chosen)
        titles = dict(Post.objects.filter(pk__in=ids).values_list("pk", "title"))
        return [(str(pk), truncatechars(titles[pk], 60)) for pk in ids if pk in titles]

    @staticmethod
    def commented(pk: int) -> bool:
        """Whether any comment, in any queue, is on post ``pk``."""
        return XtdComment.objects.filter(
            content_type=ContentType.objects.get_for_model(Post), object_pk=str(pk)
        ).exists()

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        chosen = post_id(self.value())
        if chosen is None:
            raise IncorrectLookupParameters(f"No article has the id {self.value()!r}.")
        return queryset.filter(object_pk=str(chosen))


class CountedOnceChangeList(ChangeList):
    """Without a filter or a search, the one count is the total.

    With ``show_full_result_count`` off Django knows no total, so it said
    "6 results (Show all)" beside a list that already showed them all.
    """

    def get_results(self, request):
        super().get_results(request)
        if self.full_result_count is None and not self.has_active_filters and not self.query:
            self.full_result_count = self.result_count


class ModerationForm(forms.ModelForm):
    """The moderator's decision, and the comment's text: a typo fixed, a
    phone number taken out. Nothing else a reader typed is changed here."""

    decision = forms.ChoiceField(choices=Status.choices)
    # The text as the comment form takes it: an opening indented code block keeps its indentation.
    comment = CommentText(
        label=capfirst(XtdComment._meta.get_field("comment").verbose_name),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        error_messages={"required": "A comment needs some text: to take it down, reject it."},
        help_text=f"{HINT}. Readers see an edit at once, marked “Edited by a moderator” with the date "
        "(not your name). The comment's history records that you changed it "
        "(not the old text, so a removed phone number is gone).",
    )

    class Meta:
        model = XtdComment
        fields = ["comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        review = getattr(self.instance, "review", None) if self.instance.pk else None
        # A comment older than reviews is as public as it is: saving an edit
        # must not move it to the queue.
        shown = Status.APPROVED if self.instance.is_public else Status.PENDING
        self.fields["decision"].initial = review.status if review else shown
        self.allow_its_length()

    def allow_its_length(self) -> None:
        """Let the text be as long as it is, when that is longer than readers
        may write: a comment imported from WordPress or Ghost may be (found
        by QA: an imported held comment of 4,600 characters could not be
        approved or corrected on its page, "Ensure this value has at most
        3000 characters"). An edit may still not make it longer."""
        stored = len(normalize_newlines(self.instance.comment or ""))
        field = self.fields["comment"]
        if stored <= field.max_length:
            return
        field.max_length = stored
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.validators.append(MaxLengthValidator(stored))
        field.widget.attrs["maxlength"] = str(stored)


def _who(user) -> str:
    """A moderator's name in the comments' admin."""
    return (user.get_full_name() or user.get_username()) if user else "an account since deleted"


@admin.register(XtdComment)
class CommentAdmin(admin.ModelAdmin):
    """All comments, with their moderation status and reasons."""

    form = ModerationForm
    # Status and reasons share a column, and the address sits under the
    # commenter: at 1280 pixels, with the admin's menu and the filters open,
    # the status, the reasons and "Reply" were off the screen to the right.
    list_display = ["excerpt", "commenter", "article", "submitted", "state", "reply"]
    list_filter = [StatusFilter, ReasonFilter, ReportFilter, PostFilter, "submit_date"]
    search_fields = ["user_name", "user_email", "comment", "ip_address"]
    ordering = ["-submit_date"]
    # No date hierarchy and no "N total" beside a filtered count: each read
    # every comment of the blog (~0.2 s apiece at 300,000 comments). The
    # "submit date" filter narrows by date on the index instead.
    show_full_result_count = False
    list_per_page = 50
    paginator = DeferredJoinPaginator
    actions = ["approve_comments", "reject_comments", "mark_spam", "trust_commenters", "erase_commenters"]
    fields = [
        "decision",
        "decided",
        "comment",
        "shown",
        "edited",
        "reply",
        "commenter",
        "user_url",
        "article",  # the commenter's address is under their name
        "submit_date",
        "reasons",
        "reports",
    ]
    # A moderator changes the decision and the text; the rest is shown.
    readonly_fields = [name for name in fields if name not in ModerationForm.base_fields]
    change_list_template = "admin/posts/comment_change_list.html"

    def get_changelist(self, request, **kwargs):
        return CountedOnceChangeList

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        own = [
            path("erase/", self.admin_site.admin_view(partial(moderator_views.erase_view, self)), name=f"{name}_erase"),
            path(
                "<path:object_id>/reply/",
                self.admin_site.admin_view(partial(moderator_views.reply_view, self)),
                name=f"{name}_reply",
            ),
        ]
        return [*own, *super().get_urls()]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if self.has_moderate_permission(request) else [name for name in shown if name != "reply"]

    def get_fields(self, request, obj=None):
        shown = super().get_fields(request, obj)
        return shown if self.has_moderate_permission(request) else [name for name in shown if name != "reply"]

    def changelist_view(self, request, extra_context=None):
        context = {"may_erase": self.has_moderate_permission(request)}
        return super().changelist_view(request, (extra_context or {}) | context)

    def get_queryset(self, request):
        flags = ReaderFlag.objects.filter(comment=OuterRef("pk")).order_by().values("comment")
        return with_their_post(
            super()
            .get_queryset(request)
            .filter(content_type=ContentType.objects.get_for_model(Post))  # an id: no join to count through
            .select_related("review__decided_by", "user", "content_type")
            .annotate(
                report_count=Coalesce(Subquery(flags.annotate(n=Count("*")).values("n")), 0),
                reported_at=Subquery(flags.annotate(last=Max("created_at")).values("last")),
            )
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Spam and rejected comments are kept: they teach the filter and a
        # decision can be undone. Only a superuser may erase one.
        return request.user.is_superuser

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("django_comments.can_moderate")

    def save_model(self, request, obj, form, change):
        # Never save the comment itself (see moderation.decide and
        # edit_text), and decide only when the decision changed: deciding
        # again would move the comment's publication time, and with it,
        # put it in its author's next daily digest a second time.
        if "comment" in form.changed_data:
            moderation.edit_text(obj, form.cleaned_data["comment"], request.user)
        if "decision" in form.changed_data:
            moderation.decide(obj, form.cleaned_data["decision"], request.user)

    def save_related(self, request, form, formsets, change):
        pass

    @admin.display(description="comment")
    def excerpt(self, comment) -> str:
        return truncatechars(comment.comment, 80)

    @admin.display(description="as readers see it")
    def shown(self, comment) -> str:
        return format_html('<div style="max-width: 70ch">{}</div>', comment_html(comment))

    @admin.display(description="edited")
    def edited(self, comment) -> str:
        body = CommentBody.objects.filter(comment=comment).select_related("edited_by").first()
        if body is None or body.edited_at is None:
            return "—"
        return f"By {_who(body.edited_by)}, {dates.day_and_time(body.edited_at)}"

    @admin.display(description="decided")
    def decided(self, comment) -> str:
        """Which moderator made the comment's last decision, and when: the
        status alone did not say who approved, rejected or marked it as
        spam (found by QA). A comment the policy published or held as it
        was posted has no one's decision; one readers' reports sent back to
        the queue keeps the last."""
        review = getattr(comment, "review", None)
        if review is None:  # imported, or from before moderation was recorded
            return "—"
        if review.decided_at is None:
            return "No one yet" if review.status == Status.PENDING else "The comment policy, on posting"
        last = "Last by" if review.status == Status.PENDING else "By"
        return f"{last} {_who(review.decided_by)}, {dates.day_and_time(review.decided_at)}"

    @admin.display(description="reply")
    def reply(self, comment) -> str:
        if not moderator_views.may_be_answered(comment):
            return "—"
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_reply", args=[comment.pk])
        return format_html('<a href="{}">Reply as yourself</a>', url)

    class Media:
        css = {"all": ["css/admin_comments.css"]}

    @admin.display(description="commenter", ordering="user_name")
    def commenter(self, comment) -> str:
        return format_html(
            "{}<br><small>{}<br>{}</small>", comment.user_name, comment.user_email, comment.ip_address or ""
        )

    @admin.display(description="submitted")  # newest first; not sortable: its sort icons took the room "Reply" needed
    def submitted(self, comment) -> str:
        return dates.day_and_time(comment.submit_date)

    @admin.display(description="article")
    def article(self, comment) -> str:
        if not comment.post_slug:
            return "—"
        title = truncatechars(comment.post_title, 50)
        if comment.post_trashed:  # its page is a 404, and approving tells no reader
            return format_html("{} <em>(in the trash)</em>", title)
        return format_html('<a href="{}">{}</a>', self.view_on_site(comment), title)

    def view_on_site(self, comment) -> str | None:
        """Where readers see the comment: its lasting address, which finds
        the page of comments that shows it when followed (one redirect, no
        query a row). The article's address with "#c<id>" was its first
        page of comments, without the comment on a longer discussion (found
        by QA), as was django-comments' own link ("View on site"). A comment
        readers do not see is shown with its article."""
        if not comment.post_slug or comment.post_trashed:
            return None
        if comment.is_public and not comment.is_removed:
            return reverse("comment-permalink", args=[comment.pk])
        return reverse("posts:detail", args=[comment.post_slug])

    @admin.display(description="status")
    def status(self, comment) -> str:
        review = getattr(comment, "review", None)
        return review.get_status_display() if review else ("Approved" if comment.is_public else "—")

    @admin.display(description="status")
    def state(self, comment) -> str:
        """The status, and why it was held, and readers' reports, under it."""
        reports = self.reports(comment) if comment.report_count else ""
        review = getattr(comment, "review", None)
        by = f"by {_who(review.decided_by)}" if review and review.decided_at and review.status != Status.PENDING else ""
        return format_html(
            "{}{}<br><small>{}</small>{}",
            self.status(comment),
            format_html(" <small>{}</small>", by) if by else "",
            self.reasons(comment),
            format_html('<br><small class="comment-reports">{}</small>', reports) if reports else "",
        )

    @admin.display(description="reader reports")
    def reports(self, comment) -> str:
        """How many readers reported it ("Report" under each comment), and when last."""
        count = comment.report_count  # with the comment (get_queryset), in the list and on its page
        if not count:
            return "No reader has reported it."
        readers = "1 reader" if count == 1 else f"{count} readers"
        return f"Reported by {readers}, last {dates.day_and_time(comment.reported_at)}"

    @admin.display(description="why held")
    def reasons(self, comment) -> str:
        review = getattr(comment, "review", None)
        return ", ".join(review.reason_labels) if review else ""

    def _decide(self, request, queryset, status: str, verb: str):
        """Decide the selected comments; those already so are left as they
        were (who decided them and when stays), and the message counts
        them apart: "3 were approved" for two approved and one approved
        already was untrue."""
        decided = already = 0
        for comment in queryset:
            review = getattr(comment, "review", None)
            current = review.status if review is not None else (Status.APPROVED if comment.is_public else None)
            if current == status and comment.is_public == (status == Status.APPROVED):
                already += 1
                continue
            moderation.decide(comment, status, request.user)
            # In the comment's History, as a decision on its page is (found
            # by QA: the list's actions left no trace there).
            self.log_change(request, comment, f"{verb.removeprefix('successfully ').capitalize()} from the list.")
            decided += 1
        message = f"{decided} comment{'s' if decided != 1 else ''} {'was' if decided == 1 else 'were'} {verb}."
        if already:
            state = verb.removeprefix("successfully ")
            message += f" {already} {'was' if already == 1 else 'were'} {state} already."
        self.message_user(request, message, messages.SUCCESS if decided else messages.WARNING)

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve_comments(self, request, queryset):
        self._decide(request, queryset, Status.APPROVED, "successfully approved")

    @admin.action(description="Reject selected comments", permissions=["moderate"])
    def reject_comments(self, request, queryset):
        self._decide(request, queryset, Status.REJECTED, "rejected")

    @admin.action(description="Mark selected comments as spam", permissions=["moderate"])
    def mark_spam(self, request, queryset):
        self._decide(request, queryset, Status.SPAM, "marked as spam")

    @admin.action(
        description="Trust these commenters (publish their later comments directly)", permissions=["moderate"]
    )
    def trust_commenters(self, request, queryset):
        emails = {moderation.trust(comment, request.user).email for comment in queryset if comment.user_email}
        self.message_user(
            request, f"Now trusted: {', '.join(sorted(emails)) or 'nobody (no email given)'}.", messages.SUCCESS
        )

    @admin.action(description="Erase these commenters (on their request)…", permissions=["moderate"])
    def erase_commenters(self, request, queryset):
        """The erasure's confirmation page for the selected comments' addresses."""
        emails = sorted(erasure.normalized(queryset.values_list("user_email", flat=True)))
        if not emails:
            self.message_user(request, "None of these comments has an email address to erase.", messages.WARNING)
            return None
        return moderator_views.erase_confirmation(self, request, emails)


@admin.register(PendingComment)
class ModerationQueueAdmin(CommentAdmin):
    """Pending comments only, newest first: the moderators' inbox."""

    list_display = ["excerpt", "commenter", "article", "submitted", "reasons", "reply"]  # all are pending
    list_filter = [ReasonFilter, PostFilter]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(review__status=Status.PENDING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A comment that left the queue opens on its page among all comments,
        saying so: decided by this page's own save ("Save and continue
        editing", or the form sent twice) or by another moderator. Its queue
        address said "There is no comment awaiting moderation … that you can
        open: it may have been deleted", as if the decision had lost it."""
        if self.get_object(request, unquote(object_id)) is None:
            every_comment = self.admin_site.get_model_admin(XtdComment)
            comment = every_comment.get_object(request, unquote(object_id))
            if comment is not None:
                decided = {Status.REJECTED: "rejected", Status.SPAM: "marked as spam"}
                status = getattr(getattr(comment, "review", None), "status", None)
                self.message_user(
                    request,
                    f"This comment is no longer awaiting moderation: it was {decided.get(status, 'approved')}.",
                    messages.INFO,
                )
                return redirect(reverse("admin:django_comments_xtd_xtdcomment_change", args=[comment.pk]))
        return super().change_view(request, object_id, form_url, extra_context)

    # One history a comment, among all comments, wherever a moderator
    # changed it. Django logs a change under the model of the page it was
    # made on: an edit or a decision made here was in the queue's history
    # alone, which the comment's page among all comments, where it goes
    # once decided, did not show (found by QA: "This object doesn't have a
    # change history" for a phone number removed and approved here).

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        entry.content_type = ContentType.objects.get_for_model(XtdComment)
        entry.save(update_fields=["content_type"])
        return entry

    def history_view(self, request, object_id, extra_context=None):
        return redirect(reverse("admin:django_comments_xtd_xtdcomment_history", args=[unquote(object_id)]))


class TrustedCommenterForm(forms.ModelForm):
    class Meta:
        model = TrustedCommenter
        fields = ["email"]

    def clean_email(self):
        # Lower case before the unique check, which runs before save()
        # lowercases: else NEW@example.com passed it and failed in the database.
        email = self.cleaned_data["email"].strip().lower()
        if TrustedCommenter.objects.filter(email=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"“{email}” is trusted already.")
        return email


@admin.register(TrustedCommenter)
class TrustedCommenterAdmin(admin.ModelAdmin):
    form = TrustedCommenterForm
    list_display = ["email", "trusted_by", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["trusted_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.trusted_by = request.user
        super().save_model(request, obj, form, change)


class BlockedDomainForm(forms.ModelForm):
    """A domain as the comment policy compares it, entered once.

    The policy matches commenters' domains in lower case and without
    "www.": an entry saved any other way (a capital, a pasted address with
    a path) could never match. django-comments-xtd's table has no unique
    constraint to add one to; a duplicate is refused here.
    """

    class Meta:
        model = BlackListedDomain
        fields = ["domain"]
        help_texts = {
            "domain": "E.g. spam.example: blocks comments linking to it or its subdomains, or from an email there. "
            "A pasted address or email is read as its domain."
        }

    def clean_domain(self):
        entered = self.cleaned_data["domain"]
        domain = blocked_domain(entered)
        if not domain:
            raise forms.ValidationError(f"“{entered}” names no domain: enter one like spam.example.")
        if BlackListedDomain.objects.filter(domain__iexact=domain).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"“{domain}” is blocked already.")
        return domain


admin.site.unregister(BlackListedDomain)
# django-comments' own flags, which its flag view (not mounted) writes:
# readers' reports are ReaderFlag, shown in the comments' lists. Listed,
# it said "0 comment flags" under any number of reports.
admin.site.unregister(CommentFlag)


@admin.register(BlackListedDomain)
class BlockedDomainAdmin(admin.ModelAdmin):
    form = BlockedDomainForm
    search_fields = ["domain"]
    ordering = ["domain"]
