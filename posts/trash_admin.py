"""The trash in the admin (``posts.trash``), for posts and pages alike.

"Delete" (the button on the form, or the list's action) moves the post or
page to the trash; the list leaves the trash out unless its *state* filter
asks for "In the trash", where each one is read-only and offers *Restore as
a draft* and *Delete for good*; nothing outside the trash is deleted for
good. Who may move one to the trash and bring it back is who may delete it.
"""

from dataclasses import replace

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import trash

TRASH = "trash"
STATE = "state"  # the list filter's parameter, ``?state=trash``


def showing_trash(request) -> bool:
    """The list shows the trash (and offers its actions)."""
    return request.GET.get(STATE) == TRASH


class TrashStateFilter(admin.SimpleListFilter):
    """A list's *state* filter: its ``states`` narrow what is outside the
    trash (``narrow``), and "In the trash" lists only what is in it."""

    title = "state"
    parameter_name = STATE
    states: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return [*self.states, (TRASH, "In the trash")]

    def queryset(self, request, queryset):
        if self.value() == TRASH:
            return queryset.in_trash()
        return self.narrow(queryset.outside_trash(), self.value())

    def narrow(self, queryset, value):
        return queryset


class TrashScopedChangeList(ChangeList):
    """The list's "N results (M total)" counts the side of the trash it
    shows: the list leaves the trash out by default, and counting every
    row said "5 results (7 total)" beside a list that showed all there was.
    Only that count: the filters' counts ("Show counts") are each state's
    own, "In the trash" included."""

    def get_results(self, request):
        everything = self.root_queryset  # what Django counts for the total
        self.root_queryset = everything.in_trash() if showing_trash(request) else everything.outside_trash()
        try:
            super().get_results(request)
        finally:
            self.root_queryset = everything


class TrashAdmin(admin.ModelAdmin):
    """For the admin of a ``Trashable`` model whose list filters by ``?state=``
    (a filter whose queryset leaves the trash out unless it says ``trash``).

    ``trash_list_display``: the list's columns when it shows the trash.
    """

    trash_list_display = ["__str__", "trashed_at", "deleted_for_good_on"]
    # Besides these, every other action applies to what is outside the trash.
    trash_actions = ("delete_selected", "restore_from_trash")

    def _url(self, name: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.in_trash:
            return False  # restore it first: it is shown read-only
        return super().has_change_permission(request, obj)

    # Read-only in the trash: the body as readers saw it (sanitized when
    # saved), not its HTML source, and without the form's own fields for
    # typing tags or catching a concurrent save.
    FORM_ONLY = ("new_tags", "opened_version")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.in_trash:
            return fieldsets
        shown = []
        for name, options in fieldsets:
            fields = [
                "body_as_shown" if field == "body" else field
                for field in options["fields"]
                if field not in self.FORM_ONLY
            ]
            shown.append((name, {**options, "fields": fields}))
        return shown

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "body_as_shown"] if obj is not None and obj.in_trash else readonly

    @admin.display(description="body")
    def body_as_shown(self, item) -> str:
        # In a box of its own, styled as prose (css/admin_body.css): the
        # admin's styles for its own headings and lists made every h2 of the
        # body a blue section bar and its lists bulletless.
        body = mark_safe(item.body)  # noqa: S308 (sanitized on every save: Post.save, Page.save)
        return format_html('<div class="body-as-shown">{}</div>', body)

    class Media:
        css = {"all": ["css/admin_body.css"]}

    def get_view_on_site_url(self, obj=None):
        # Readers cannot see what is in the trash: no link to its 404.
        return None if obj is not None and obj.in_trash else super().get_view_on_site_url(obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The delete button says where it leads (templates/admin/posts/submit_line.html).
        context = {"trashable": True} | (extra_context or {})
        try:
            return super().changeform_view(request, object_id, form_url, context)
        except PermissionDenied:
            # A save refused as the form of something in the trash is, which
            # nobody may change. Read once the save's transaction (its lock
            # on the row: revisions.one_save_at_a_time) has ended: a check
            # before the lock let a move to the trash slip in between, and
            # the save got the bare 403 (found by QA).
            item = self.get_object(request, unquote(object_id)) if request.method == "POST" and object_id else None
            if item is None or not item.in_trash:
                raise
            return self.trashed_while_editing(request, item)

    def trashed_while_editing(self, request, item) -> HttpResponseRedirect:
        """Moved to the trash while this form was open: say so, rather than
        the bare 403 of a form nobody may change. What was typed stays in the
        browser (static/js/admin_autosave.js) until the form is editable again."""
        name = self.opts.verbose_name
        self.message_user(
            request,
            f"“{item}” was moved to the trash while you were editing it, and nothing was saved. "
            f"Your changes are kept in this browser: restore the {name} from the trash, and its form "
            "offers them back.",
            messages.ERROR,
        )
        return HttpResponseRedirect(reverse(self._url("change"), args=[item.pk]))

    def delete_view(self, request, object_id, extra_context=None):
        item = self.get_object(request, unquote(object_id))
        if item is not None and not item.in_trash:
            return self.trash_view(request, item, extra_context)
        return super().delete_view(request, object_id, {"for_good": True} | (extra_context or {}))

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        if isinstance(response, HttpResponseRedirect):  # only ever from the trash: back to it
            response["Location"] = f"{reverse(self._url('changelist'))}?{STATE}={TRASH}"
        return response

    def trash_view(self, request, item, extra_context=None):
        """Asks, then moves ``item`` to the trash (the delete view of one not there yet)."""
        if not self.has_delete_permission(request, item):
            raise PermissionDenied
        if request.method == "POST":
            trash.move_to_trash(item)
            self.message_user(request, self.trashed_message([item]), messages.SUCCESS)
            return HttpResponseRedirect(reverse(self._url("changelist")))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "media": self.media,  # the page's script tags carry their nonce through it
            "object": item,
            "title": "Move to the trash?",
            "trash_days": trash.trash_days(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/posts/trash_confirmation.html", context)

    def restore_view(self, request, object_id):
        """Brings one back from the trash as a draft (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        item = self.get_object(request, unquote(object_id))
        if item is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, item):
            raise PermissionDenied
        if trash.restore(item):
            self.message_user(request, f"“{item}” is back from the trash, as a draft.", messages.SUCCESS)
        return HttpResponseRedirect(reverse(self._url("change"), args=[item.pk]))

    def get_urls(self):
        restore = path(
            "<path:object_id>/restore/",
            self.admin_site.admin_view(self.restore_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_restore",
        )
        return [restore, *super().get_urls()]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        item = self.get_object(request, unquote(object_id))
        if item is not None and item.in_trash:
            # simple-history asks for permission with the revision's own
            # state, which was not in the trash: as it is now says.
            name = self.opts.verbose_name
            self.message_user(
                request, f"Restore the {name} from the trash before restoring one of its revisions.", messages.WARNING
            )
            return HttpResponseRedirect(reverse(self._url("change"), args=[item.pk]))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def trashed_message(self, items) -> str:
        """What the list says after moving ``items`` to the trash."""
        names = ", ".join(f"“{item}”" for item in items[:3]) + (" and others" if len(items) > 3 else "")
        them = "it" if len(items) == 1 else "them"
        return (
            f"Moved {names} to the trash, where readers cannot see {them}: restorable from the list's "
            f"“In the trash” for {trash.trash_days()} days, then deleted for good."
        )

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if showing_trash(request):
            actions = {name: action for name, action in actions.items() if name in self.trash_actions}
            if "delete_selected" in actions:
                described = f"Delete the selected {self.opts.verbose_name_plural} for good"
                actions["delete_selected"] = replace(
                    actions["delete_selected"], description=described, plural_description=described
                )
        else:
            for name in self.trash_actions:
                actions.pop(name, None)
        return actions

    def get_list_display(self, request):
        if showing_trash(request):
            return self.trash_list_display
        return super().get_list_display(request)

    def get_changelist(self, request, **kwargs):
        return TrashScopedChangeList

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if showing_trash(request):
            changelist.list_editable = ()  # read-only there (a page's menu position had a stray Save)
        return changelist

    @admin.action(description="Move the selected %(verbose_name_plural)s to the trash", permissions=["delete"])
    def move_to_trash(self, request, queryset):
        items = [item for item in queryset.outside_trash().prefetch_related(None) if trash.move_to_trash(item)]
        if items:
            self.message_user(request, self.trashed_message(items), messages.SUCCESS)

    @admin.action(description="Restore the selected %(verbose_name_plural)s (as drafts)", permissions=["delete"])
    def restore_from_trash(self, request, queryset):
        count = sum(trash.restore(item) for item in queryset.in_trash().prefetch_related(None))
        if not count:
            self.message_user(request, "None of the selected was in the trash: nothing restored.", messages.WARNING)
            return
        names, drafts = (self.opts.verbose_name, "a draft") if count == 1 else (self.opts.verbose_name_plural, "drafts")
        self.message_user(request, f"Restored {count} {names} from the trash, as {drafts}.", messages.SUCCESS)

    def delete_queryset(self, request, queryset):
        # Only from the trash's list (get_actions): nothing else is deleted for good.
        super().delete_queryset(request, queryset.in_trash())

    @admin.display(description="Deleted for good on")
    def deleted_for_good_on(self, item) -> str:
        return date_format(timezone.localtime(item.deleted_for_good_on), "j M Y")
