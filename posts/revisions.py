"""Revisions of posts and pages in the admin: every save is kept
(django-simple-history), any two can be compared field by field, and one can
be restored: its writing, never how it is published."""

import difflib
import html
import re
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from itertools import pairwise

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import strip_tags
from django.utils.text import capfirst, get_text_list
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic

from skolr_blog.admin_site import fits

from .html import IMG, IMG_ALT, IMG_SRC
from .models import co_author_names

COMPARED_FIELDS = [
    "title", "slug", "excerpt", "body", "status", "published_at", "thumbnail", "thumbnail_alt", "featured",
    "meta_title", "meta_description", "canonical_url", "noindex", "co_authors",
]  # fmt: skip

# What a revision records beside the model's own fields, which simple-history
# does not compare: a post's co-authors (``models.PostRevision``). Compared,
# listed in the History and named by "someone saved first"; never restored.
RECORDED_BESIDE = ("co_authors",)

# What a save changes that revisions do not keep, by model: "someone saved
# first" names these when a revision since changed none of the fields.
UNRECORDED = {"post": "its tags, change notes, images or preview links", "page": "its images"}

# What restoring a revision brings back: the writing. Everything else on the
# post (status, publish date, address, author and co-authors, thumbnail,
# comment settings) says where and how it is published, and restoring a
# draft's wording onto a live post must not take it offline, move it, strip
# its image or change who signs it. (Revisions record the co-authors, for
# the History; the restore page has no co-author list to save.) Tags stay
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


def keep_publishing_state(revision, restored_fields=RESTORED_FIELDS) -> None:
    """Give a revision about to be restored everything but its writing
    (``restored_fields``) from the post or page as it is now.

    simple-history rebuilds the whole post as the revision saved it and
    saves that: a published post's early draft revision took the post
    offline and cleared its date and thumbnail.
    """
    model = type(revision)
    names = [f.attname for f in model._meta.concrete_fields if f.name not in restored_fields]
    current = model.objects.filter(pk=revision.pk).values(*names).first()
    # Stored values, set as loading from the database sets them: through the
    # image field's descriptor, the thumbnail was opened to be measured and
    # left closed, and the form could not read it back.
    revision.__dict__.update(current or {})


class RevisionsAdmin(SimpleHistoryAdmin):
    """A model admin with the blog's revisions: the history list (who and
    when), *Compare two revisions*, and a restore that brings back
    ``restored_fields`` and shows ``kept_fields`` locked as they are now.
    A save that changes nothing adds no revision."""

    compared_fields: list[str]
    restored_fields: tuple[str, ...]
    kept_fields: tuple[str, ...]

    # simple-history names its own page templates, so Django's per-model
    # lookup never finds ours: name them. The history page extends
    # simple-history's, which includes the list template inside it.
    object_history_template = "admin/posts/revisions/object_history.html"
    object_history_list_template = "admin/posts/revisions/object_history_list.html"
    object_history_form_template = "admin/posts/revisions/object_history_form.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with one_save_at_a_time(self.model, request, object_id):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # simple-history shows the history of any id, even one outside this
        # user's queryset (it serves deleted posts' history too): refuse that.
        if self.get_object(request, object_id) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # says why, as the others
        return super().history_view(request, object_id, extra_context)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # simple-history adds select_related() of the tracked foreign keys; a
        # page has none, and select_related() without names (deprecated in
        # Django 6.1) replaced the join of history_user: a query per row.
        tracked = [field.name for field in history_manager.model.tracked_fields if field.is_relation]
        return history_manager.filter(**{pk_name: object_id}).select_related("history_user", *tracked)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, object_id) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        # The URL takes any text as the revision; simple-history looks it up as
        # given, and "abc" (or 20 digits, on SQLite) raised instead of "not found".
        if not fits(self.model.history.model._meta.pk, version_id):
            raise Http404("No revision with that id.")
        names = [str(self.opts.get_field(name).verbose_name) for name in self.restored_fields]
        context = {"restored": get_text_list(names, "and")} | (extra_context or {})
        # Restoring is saving, refused as the form's save is when someone
        # saved since (``saved_since``): one at a time with it.
        with one_save_at_a_time(self.model, request, object_id):
            return super().history_form_view(request, object_id, version_id, context)

    def get_urls(self):
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(partial(compare_view, self)),
            name=f"{self.opts.app_label}_{self.opts.model_name}_compare",
        )
        return [compare, *super().get_urls()]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # simple-history's history_form_view asks for the form with the
        # revision as the instance, then builds and saves the form on it: the
        # one place to keep the publishing state before the form reads its
        # initial values, and to lock those fields on the restore page.
        restoring = obj is not None and to_historic(obj) is not None
        if restoring:
            keep_publishing_state(obj, self.restored_fields)
        form = super().get_form(request, obj, change, **kwargs)
        if not restoring:
            return form
        kept = self.kept_fields

        class RestoreForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                for name in kept:
                    if name in self.fields:
                        self.fields[name].disabled = True
                        self.fields[name].help_text = "Stays as it is now: restoring brings back the writing only."

        return RestoreForm

    def response_change(self, request, obj):
        revision = to_historic(obj)
        if revision is None:
            return super().response_change(request, obj)
        when = format_date(timezone.localtime(revision.history_date), "j M Y H:i")
        self.message_user(request, f"Restored the revision of {when}.", messages.SUCCESS)
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        return HttpResponseRedirect(change_url)

    def save_model(self, request, obj, form, change):
        # The form's revision is made once its inlines are saved too
        # (save_related): a post's records its co-authors, saved after the
        # post. A restore saves no inlines, and no related objects at all:
        # its revision is made here, as the post is saved.
        if to_historic(obj) is None:
            obj.skip_history_when_saving = True
        elif change and not changed_since_revision(obj):
            return  # restoring what the post says already: no revision, and no new date over others' open forms
        form.updated_at_before = obj.updated_at  # what a save that changes nothing leaves it at (save_related)
        try:
            super().save_model(request, obj, form, change)
        finally:
            obj.__dict__.pop("skip_history_when_saving", None)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        # The revision is dated as the save it records (the post's
        # updated_at, not a moment after the inlines were saved), so that
        # "someone saved first" tells the revisions seen from those saved since.
        if not change or changed_since_revision(obj) or changed_beside_revisions(form, formsets):
            type(obj).history.bulk_history_create(
                [obj], update=change, default_user=request.user, default_date=obj.updated_at
            )
        else:
            # "Save" with nothing changed: no revision identical to the last,
            # and the post (or page) is as it was, not "saved" by this user
            # after someone opened it (``saved_since``).
            put_back(obj, form.updated_at_before)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The History's "Changes" column, with what simple-history does not
        compare (``RECORDED_BESIDE``): "Co-authors: Ada → Ada, Bo"."""
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for newer, older in pairwise(historical_records):
            beside = [
                {"field": capfirst(self.opts.get_field(name).verbose_name), "old": _listed(old), "new": _listed(new)}
                for name, old, new in _recorded_beside(newer, older)
            ]
            if beside:
                newer.history_delta_changes = [*getattr(newer, "history_delta_changes", []), *beside]


# Where a block of the body ends: one line of the diff each, so a change to
# one paragraph shows that paragraph, not the whole body, as changed.
BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|h[1-6]|li|blockquote|pre|tr|th|td|figcaption|div)\s*>", re.IGNORECASE)


def _image_line(tag: re.Match) -> str:
    """An image, which has no text, as a line of its own: [image: alt (file)]."""
    src, alt = IMG_SRC.search(tag[0]), IMG_ALT.search(tag[0])
    name = src[1].rsplit("/", 1)[-1] if src else "no address"
    return f"\n[image: {alt[1] if alt and alt[1] else 'no alt text'} ({name})]\n"


def _text(value) -> list[str]:
    """A field's value as lines of text; the body's markup is dropped for reading.

    Block ends become line breaks before the tags are stripped (stripping
    first left the body one long line), each image a line that names it (it
    has no text, so adding or changing one showed no change), and entities
    are decoded because the diff escapes the text itself.
    """
    text = html.unescape(strip_tags(IMG.sub(_image_line, BLOCK_END.sub("\n", str(value or "")))))
    return [line for line in text.splitlines() if line.strip()] or [""]


def _recorded_beside(newer, older) -> list[tuple[str, str, str]]:
    """(name, older value, newer value) of what changed between two
    revisions beside the fields simple-history compares (``RECORDED_BESIDE``)."""
    return [
        (name, getattr(older, name), getattr(newer, name))
        for name in RECORDED_BESIDE
        if hasattr(newer, name) and getattr(newer, name) != getattr(older, name)
    ]


def _listed(value: str) -> str:
    """A recorded list, one name a line, as "Ada, Bo" ("none" if empty)."""
    return ", ".join(value.splitlines()) or "none"


def changed_fields(obj, revision) -> list[str]:
    """The fields revisions record whose value on ``obj`` (a post or page as
    saved) is not ``revision``'s."""
    fields = type(obj).history.model.tracked_fields
    return [field.name for field in fields if getattr(obj, field.attname) != getattr(revision, field.attname)]


def changed_since_revision(obj) -> bool:
    """What revisions record of ``obj`` (a post or page as saved) differs
    from its last revision: its fields, and a post's co-authors
    (``RECORDED_BESIDE``). Judged on what was saved, not by a form, which
    counted a body stored with "\n" (load_posts, imports) as changed when
    the browser sent it back with "\r\n", and kept an empty revision on
    every Save. The admin and the importers ask it."""
    last = obj.history.order_by("-history_date").first()
    if last is None or changed_fields(obj, last):
        return True
    return hasattr(last, "co_authors") and last.co_authors != co_author_names([obj])[obj.pk]


def put_back(obj, updated_at) -> None:
    """A save that changed nothing leaves ``obj`` dated as before it: not
    "saved" after someone else opened it (``saved_since``)."""
    obj.updated_at = updated_at
    type(obj).objects.filter(pk=obj.pk).update(updated_at=updated_at)


def changed_beside_revisions(form, formsets) -> bool:
    """The save changed what revisions do not record: an inline (a change
    note, an image, a preview link) or the tags. Every save keeps a revision,
    these too: the History and "someone saved first" then know who saved."""
    recorded = {field.name for field in form.instance.history.model.tracked_fields}
    unrecorded = [name for name in form.changed_data if name not in recorded and name != "opened_version"]
    return bool(unrecorded) or any(formset.has_changed() for formset in formsets)


def dated_as_saved(sender, instance, history_instance, **kwargs) -> None:
    """``pre_create_historical_record``: a revision made by ``save()`` (a
    restore, load_posts, the shell) is dated as the post or page it records
    (its ``updated_at``), as the admin's are (``RevisionsAdmin.save_related``)."""
    if getattr(instance, "updated_at", None) is not None:
        history_instance.history_date = instance.updated_at


@contextmanager
def one_save_at_a_time(model, request, object_id):
    """Around a view that may save the post or page ``object_id`` (a POST to
    its change form or to restore a revision): one transaction, which first
    locks its row until the save commits.

    "Someone saved first" (``saved_since``) reads ``updated_at``, and the
    save writes it later in the same transaction. On PostgreSQL, which reads
    what is committed when each statement starts, two saves at the same
    moment both read the date their forms were opened at, both passed, and
    the second silently undid the first (found by QA). With the row locked
    first, the second waits here until the first commits, then reads the
    post as saved and is refused, what its user typed shown again. SQLite
    has no row locks (Django leaves the clause out): its transactions are
    IMMEDIATE (settings), so writers take turns from their first statement.

    The lock is the one the save's UPDATE takes anyway (``FOR NO KEY
    UPDATE``: rows that refer to the post, its search entry or its images,
    are still written meanwhile), taken before the post is read for the form
    rather than once it is saved, and only by saves of this post: readers,
    the form's GET and saves of other posts never wait for it. Nothing is locked before
    it, so it closes no circle with the other paths that write the post, the
    Feature action's bulk update and the trash (the button and both list
    actions): each waits its turn, as for the save's UPDATE before. The
    browser's copy of unsaved changes (admin_autosave.js) is never sent.
    """
    if request.method != "POST" or object_id is None or not fits(model._meta.pk, unquote(object_id)):
        yield
        return
    using = router.db_for_write(model)
    with transaction.atomic(using=using):
        rows = model._base_manager.db_manager(using).select_for_update(no_key=True)
        rows.filter(pk=unquote(object_id)).values_list("pk", flat=True).first()
        yield


def saved_since(post, opened: str) -> str | None:
    """Why a save must be refused: someone saved the post (or page) after this form was opened.

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
    # A revision is dated as the save it records (``dated_as_saved``): those
    # up to ``opened_at`` were seen when the form was opened, those after
    # were saved since, the newest by whoever saved last.
    history = post.history.order_by("history_date")
    seen = history.filter(history_date__lte=opened_at).last()
    since = list(history.filter(history_date__gt=opened_at).select_related("history_user"))
    latest = since[-1] if since else None
    if latest is None and seen is not None and not changed_fields(model.objects.get(pk=post.pk), seen):
        return None  # saved since with nothing changed, and no revision (before such saves kept updated_at)
    # Everyone who saved since, in order: the fields listed may be any one's.
    savers = list(dict.fromkeys(f"{revision.history_user or 'someone else'}" for revision in since))
    who = get_text_list(savers, "and") if savers else "someone else"
    who = who[0].upper() + who[1:] if who.startswith("someone") else who
    changed = ""
    if latest and seen:
        fields = latest.diff_against(seen).changed_fields + [name for name, *_ in _recorded_beside(latest, seen)]
        names = [str(model._meta.get_field(name).verbose_name) for name in fields]
        listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        # A revision with no field changed records a save of what revisions
        # do not keep (``changed_beside_revisions``): say which those are.
        unrecorded = UNRECORDED.get(model._meta.model_name, "what the History does not list")
        changed = f" (changing the {listed})" if names else f" (changing {unrecorded})"
    when = format_date(timezone.localtime(updated_at), "j M, H:i")  # the day too: it may not be today
    at, last = (f" at {when}", "") if len(savers) < 2 else ("", f", the last at {when}")
    return (
        f"{who} saved this {model._meta.verbose_name}{at} since you opened it{last}{changed}: nothing was saved. "
        "Copy your changes, reload the page, and apply them again."
    )


def compare_view(model_admin, request, object_id):
    original = model_admin.get_object(request, unquote(object_id))
    if original is None:
        raise Http404(f"No {model_admin.opts.verbose_name} with that id.")
    if not model_admin.has_view_or_change_permission(request, original):
        raise PermissionDenied
    revisions = list(original.history.select_related("history_user").order_by("-history_date"))
    by_id = {str(revision.history_id): revision for revision in revisions}
    older = by_id.get(request.GET.get("a", ""), revisions[1] if len(revisions) > 1 else None)
    newer = by_id.get(request.GET.get("b", ""), revisions[0] if revisions else None)
    rows = []
    if older and newer:
        differ = difflib.HtmlDiff(wrapcolumn=70)
        for name in model_admin.compared_fields:
            before, after = getattr(older, name), getattr(newer, name)
            if before != after:
                table = differ.make_table(_text(before), _text(after), "Older", "Newer", context=True, numlines=2)
                rows.append((original._meta.get_field(name).verbose_name, table))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": original._meta,
        "original": original,
        "title": f"Compare revisions: {original}",
        "revisions": revisions,
        "older": older,
        "newer": newer,
        "rows": rows,
    }
    return TemplateResponse(request, "admin/posts/revisions/compare.html", context)
