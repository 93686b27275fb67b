"""*Preview changes* on the admin's post and page forms: the article or page
as readers would see it with what is typed in the form, before (or without)
saving it.

The button sends the form to this view's address in a new tab (its
``formaction`` and ``formtarget``), not to the change view, so the admin
saves nothing; the editing tab stays as it was. Here the form and every list
of its inlines (a post's co-authors, body images, change notes and preview
links; a page's body images) are checked as a save would check them, the post
or page gets what its ``save()`` derives (``derive_content``: the body
cleaned; a post's "Updated on …"), and the public page's own view renders the
result from memory (``ShowsUnsavedChanges``): what the preview shows is what a
save would publish. A form a save would refuse gets a page with what it would
say instead.

The address opened without the form (again, or after signing in: a session
that expired sends the preview's tab to the login page, which comes back with
a GET) leads to the form, which says to preview from there.

Nothing is written: no post, page, revision, tag, image or kept upload, and
so no page-cache change and no email. On top of that, the form is checked and
the preview built in a transaction that is rolled back, so a write nobody
meant to make (by a library, by code added later) is undone and no
``on_commit`` work runs. The page is rendered after it, as any page is:
renditions of the saved images it shows are made and remembered as readers'
visits make them, and the menus list the pages as saved.

``PreviewsChanges`` is the admin's part for any such model; ``PreviewsPostChanges``
adds what a post's page shows beside its own fields. A post's new thumbnail is
checked as on save but not shown: showing it means storing it and its
renditions. The page says the saved one is shown. A new body image (a post's
or a page's) is checked, and neither shown nor kept: the body shows it only
once it has an address, after a save.
"""

import copy

from django.contrib.admin.utils import unquote
from django.contrib.messages import INFO
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.forms.formsets import all_valid
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from taggit.models import Tag

from authors.models import Author

from .authoring_models import ChangeNote
from .models import CoAuthor, Post
from .tagging import as_existing_tags, typed_tag_names
from .views import PostDetailView, for_one_reader

# What the form says when the preview's address is opened without it.
PREVIEW_FROM_THE_FORM = (
    "Preview changes again from the {name}'s form: the preview shows what the form holds when you click it."
)


class ShowsUnsavedChanges:
    """For the public detail view of a post or page: the page for an object
    that carries unsaved values (``object``), answering the admin form's POST.

    The template gets ``changes_preview`` (its banner says nothing is saved,
    and whether readers see the saved version: ``published_as_saved``); the
    page is for one person and not for search engines, whatever the form says
    of publishing."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = kwargs["object"]
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "changes_preview": True,
            "published_as_saved": self.kwargs["published_as_saved"],
        }

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        for_one_reader(response)
        return response


class ChangesPreviewView(ShowsUnsavedChanges, PostDetailView):
    """The article page for a post that carries unsaved values (see
    ``carry``), with the preview banner and without the comment section: a
    preview posts and reports no comment."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "is_preview": True,
            "new_thumbnail_not_shown": self.kwargs["new_thumbnail"],
        }

    def comment_context(self) -> dict:
        """The count only (``for_article``'s): the comment section is left out."""
        return {"comment_count": self.object.comment_count, "comment_form": None, "posted_comment": None}


def carry(post: Post, tags: list[Tag], co_authors=None, change_notes=None) -> None:
    """Give the unsaved ``post`` the relations the form typed, where the
    article reads them: its tags, co-authors and change notes. ``None``:
    as saved.

    The template, the link-preview tags, the JSON-LD and the related posts
    read ``post.tags.all()``, ``post.all_authors`` and ``post.change_notes``;
    these are the caches a ``prefetch_related`` fills (and
    ``CoAuthorList``'s setter), so they read the typed values and make no
    query."""
    post._prefetched_objects_cache["tags"] = tags
    if co_authors is not None:
        post.co_author_list = co_authors
    if change_notes is not None:
        post._prefetched_objects_cache["change_notes"] = change_notes
        post.has_change_notes = bool(change_notes)


def typed_tags(cleaned: dict) -> list[Tag]:
    """The tags a save would give the post (``PostAdminForm.save_tags``):
    those chosen, then the names typed, each the existing tag of that name in
    any case or of that address, or a new one, unsaved."""
    chosen = list(cleaned.get("tags") or [])
    known = {tag.name.casefold() for tag in chosen}
    typed = as_existing_tags(typed_tag_names(cleaned.get("new_tags") or ""))
    names = [name for name in dict.fromkeys(typed) if name.casefold() not in known]
    if not names:
        return chosen
    matching = Q()
    for name in names:
        matching |= Q(name__iexact=name)
    existing = {tag.name.casefold(): tag for tag in Tag.objects.filter(matching)}
    return chosen + [existing.get(name.casefold()) or Tag(name=name, slug=Tag().slugify(name)) for name in names]


class PreviewsChanges:
    """For the admin of a model with a public page (a post, a page): the
    view behind the change form's *Preview changes* button, at
    ``…/<id>/preview-changes/``. Who may preview is who may change the object
    in the admin, as the change view decides (``has_change_permission``).

    ``changes_preview_view``: the public page's view, with
    ``ShowsUnsavedChanges``. The model has ``derive_content()`` (what its
    ``save()`` derives from what is typed) and ``is_published``."""

    changes_preview_view: type

    def get_urls(self):
        preview = path(
            "<path:object_id>/preview-changes/",
            self.admin_site.admin_view(self.preview_changes_view),  # staff only, CSRF, never cached
            name=f"{self.opts.app_label}_{self.opts.model_name}_preview_changes",
        )
        return [preview, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The button shows where the form may be saved (submit_line.html).
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_preview_changes", args=[object_id])
        return super().change_view(request, object_id, form_url, {"preview_changes_url": url} | (extra_context or {}))

    def preview_changes_view(self, request, object_id):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        obj = self._to_preview(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied  # only viewable to them, or in the trash (restore it first)
        if request.method == "GET":
            # No form to preview: the address opened again, or the login
            # page's way back after a session expired (an empty 405 was).
            self.message_user(request, PREVIEW_FROM_THE_FORM.format(name=self.opts.verbose_name), INFO)
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
            return HttpResponseRedirect(url)
        with transaction.atomic():
            try:
                return self._preview(request, obj)
            finally:
                transaction.set_rollback(True)

    def preview_queryset(self, request) -> models.QuerySet:
        """Where the object to preview is found: those the admin lets this user open."""
        return self.get_queryset(request)

    def _to_preview(self, request, object_id) -> models.Model:
        """The object among ``preview_queryset``; else a 404, as the change view."""
        name = self.opts.verbose_name
        try:
            pk = self.opts.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404(f"No such {name}.") from None
        obj = self.preview_queryset(request).filter(pk=pk).first()
        if obj is None:
            raise Http404(f"No {name} you may change has this number.")
        return obj

    def _preview(self, request, obj) -> HttpResponse:
        saved = copy.copy(obj)  # as stored: the form writes what it holds onto ``obj``

        # Checked as the change view checks them (``_changeform_view``): the
        # form, then every inline's list, built on the form's result (the
        # object with the typed values, which the body images' check reads),
        # all of them also when the form is refused; an inline the user may
        # only view is taken as saved. A preview keeps no upload
        # (``KeepsUploads``), refused or not.
        form = self.get_form(request, obj, change=True)(request.POST, request.FILES, instance=obj)
        form.keeps_uploads = False
        form_valid = form.is_valid()
        formsets, inlines = self._create_formsets(request, obj, change=True)
        for formset in formsets:
            for row in formset.forms:
                row.keeps_uploads = False
        if not all_valid(formsets) or not form_valid:
            return self._refused(request, obj, str(saved), [form, *formsets])

        obj.derive_content()  # as its save(): the body cleaned (a post's "Updated on …")
        # The lists the page may show, as a save would leave them.
        lists = {
            inline.model: formset
            for formset, inline in zip(formsets, inlines, strict=True)
            if inline.has_change_permission(request, obj)
        }
        more = self.carry_changes(obj, saved, form, lists)
        view = self.changes_preview_view.as_view()
        return view(request, object=obj, published_as_saved=saved.is_published, **more)

    def carry_changes(self, obj, saved, form, lists: dict) -> dict:
        """Give ``obj`` (the form's result, ``saved`` as stored) what else of
        the form (``form``, and the inlines' formsets by model, ``lists``) its
        page shows; return more for ``changes_preview_view``."""
        return {}

    def _refused(self, request, obj, title: str, forms) -> TemplateResponse:
        """What a save would say, field by field, with what was typed."""
        problems = []
        for form in forms:
            for each in getattr(form, "forms", [form]):
                problems += _problems(each)
            if getattr(form, "non_form_errors", None) and form.non_form_errors():
                problems.append((None, list(form.non_form_errors()), ""))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": f"“{title}” cannot be previewed yet",
            "problems": problems,
        }
        return TemplateResponse(request, "admin/posts/preview_changes_refused.html", context)


class PreviewsPostChanges(PreviewsChanges):
    """For ``PostAdmin``: its authors (and co-authors) and editors preview a
    post, with its tags, co-authors and change notes as typed."""

    changes_preview_view = ChangesPreviewView

    def preview_queryset(self, request) -> models.QuerySet:
        return super().preview_queryset(request).for_article()  # as the article page reads it

    def carry_changes(self, post: Post, saved: Post, form, lists: dict) -> dict:
        new_thumbnail = isinstance(form.cleaned_data.get("thumbnail"), UploadedFile)
        if new_thumbnail:
            # Checked as on save; shown only once saved (see the module).
            for name in ("thumbnail", "thumbnail_width", "thumbnail_height"):
                setattr(post, name, getattr(saved, name))
        carry(
            post,
            typed_tags(form.cleaned_data),
            co_authors=_whole(
                _kept(
                    lists.get(CoAuthor),
                    key=lambda row: (row.position, row.pk is None, row.pk or 0),
                    field="author",
                )
            ),
            change_notes=_kept(lists.get(ChangeNote), key=lambda row: row.created_at),
        )
        return {"new_thumbnail": new_thumbnail}


def _problems(form) -> list[tuple[str | None, list[str], str]]:
    """A form's errors as (the field's label, its messages, what was typed)."""
    found = []
    for name, messages in form.errors.items():
        if name == "__all__":
            found.append((None, list(messages), ""))
            continue
        field = form.fields.get(name)
        label = str(form[name].label) if field is not None else name
        if form.prefix and "-" in form.prefix:  # an inline's row: "co-author 2: author"
            label = f"{form._meta.model._meta.verbose_name} {int(form.prefix.rsplit('-', 1)[1]) + 1}: {label}"
        typed = form.data.get(form.add_prefix(name), "") if field is not None else ""
        found.append((label, list(messages), typed if isinstance(typed, str) else ""))
    return found


def _kept(formset, key, field: str | None = None):
    """The rows a valid ``formset`` would leave saved, in ``key`` order, or
    each one's ``field`` (as the form cleaned it: no query); None when there
    is no formset (as saved)."""
    if formset is None:
        return None
    rows = [
        form
        for form in formset.forms
        if not form.cleaned_data.get("DELETE") and (form.instance.pk is not None or form.has_changed())
    ]
    rows.sort(key=lambda form: key(form.instance))
    return [form.cleaned_data[field] for form in rows] if field else [form.instance for form in rows]


def _whole(authors: list[Author] | None) -> list[Author] | None:
    """``authors`` read whole, in one query: the co-author list's choices
    hold only names, and each author card's other fields cost one query."""
    if not authors:
        return authors
    found = Author.objects.in_bulk([author.pk for author in authors])
    return [found[author.pk] for author in authors]
