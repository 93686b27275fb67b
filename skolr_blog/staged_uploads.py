"""Uploads a refused admin form keeps, so the author does not choose the file again.

A browser never fills a file input back in: when the admin refuses a post
for a missing alt text, the thumbnail the author chose is gone from the page,
and the post is easily saved again without it. So a refused form keeps each
upload that passed its own field's checks (a bad upload is kept nowhere) in
the default cache, shared by every app server (Redis in production), for an
hour; the page carries the entry's key, signed for that form's field, and
says which file it kept. The next try with no new file puts the kept file
back among the form's files, where it meets the same validation as a fresh
upload and is saved the same way. A newly chosen file, or "Clear", wins. A
key that is forged, expired or signed for another field is ignored.

Not django-file-resubmit: it stores every upload before the form has looked
at it, under an unsigned key any form takes.
"""

import secrets
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.boundfield import BoundField
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html

KEEP_SECONDS = 60 * 60
SUFFIX = "__staged"  # the hidden input next to the file input: "thumbnail__staged"


class Kept(NamedTuple):
    name: str  # the file's name, as the author chose it
    signed: str  # the cache entry's token, signed for one form field


def _cache_key(token: str) -> str:
    return f"staged-upload:{token}"


class KeptUploadField(BoundField):
    """An image field that, when its upload was kept, says so and carries the key."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.name in self.form.kept_uploads:
            attrs.pop("required", None)  # the kept file answers it: the browser must not insist
        return attrs

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        html = super().as_widget(widget, attrs, only_initial)
        kept = self.form.kept_uploads.get(self.name)
        if kept is None or only_initial:
            return html
        return html + format_html(
            '<input type="hidden" name="{}" value="{}">'
            '<div class="help">Kept from your last try: {}. Choose another file to replace it.</div>',
            self.html_name + SUFFIX,
            kept.signed,
            kept.name,
        )


class KeepsUploads:
    """A ModelForm mixin that keeps the image uploads of a refused form (see the module)."""

    # False: the form keeps nothing, refused or not (the admin's *Preview
    # changes*, which stores nothing: posts.preview_changes).
    keeps_uploads = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_uploads: dict[str, Kept] = {}  # field name: what the page shows as kept
        self._restored: dict[str, str] = {}  # field name: token of the entry put back into files
        for name in self._image_fields():
            self.fields[name].bound_field_class = KeptUploadField
        if self.is_bound:
            self._restore()

    def _image_fields(self) -> list[str]:
        # A disabled field takes no upload (the revision restore page locks the thumbnail).
        fields = self.fields.items()
        return [name for name, field in fields if isinstance(field, forms.ImageField) and not field.disabled]

    def _signer(self, name: str) -> signing.TimestampSigner:
        return signing.TimestampSigner(salt=f"skolr_blog.staged_uploads:{self._meta.model._meta.label}.{name}")

    def _restore(self) -> None:
        """Put each kept file whose field got no new file back into a copy of
        the form's files (the request's own stay as they came)."""
        files = None
        for name in self._image_fields():
            key = self.add_prefix(name)
            widget = self.fields[name].widget
            clear = isinstance(widget, forms.ClearableFileInput) and forms.CheckboxInput().value_from_datadict(
                self.data, self.files, widget.clear_checkbox_name(key)
            )
            value = self.data.get(key + SUFFIX)
            if self.files.get(key) or clear or not isinstance(value, str):
                continue
            try:
                token = self._signer(name).unsign(value, max_age=KEEP_SECONDS)
            except signing.BadSignature:
                continue
            staged = cache.get(_cache_key(token))
            if staged is None:
                continue
            if files is None:
                files = MultiValueDict()
                files.update(self.files)
            files[key] = SimpleUploadedFile(staged["name"], staged["content"], staged["content_type"])
            self._restored[name] = token
        if files is not None:
            self.files = files

    def full_clean(self):
        super().full_clean()
        if self._errors:
            self.keep_uploads()

    def keep_uploads(self) -> None:
        """Keep this request's uploads that passed their field's checks: the
        form was refused, or the page it is on (``KeepsUploadsAdmin``)."""
        if not self.keeps_uploads:
            return
        for name in self._image_fields():
            upload = self.files.get(self.add_prefix(name))
            # The field's validators held the upload to IMAGE_MAX_BYTES; the
            # size check only keeps a field without them from filling the cache.
            if not upload or name in self.kept_uploads or self.has_error(name):
                continue
            if upload.size > settings.IMAGE_MAX_BYTES:
                continue
            token = self._restored.get(name)
            if token is None or not cache.touch(_cache_key(token), KEEP_SECONDS):
                token = secrets.token_urlsafe(16)  # 128 bits
                upload.seek(0)
                entry = {"name": upload.name, "content_type": upload.content_type, "content": upload.read()}
                upload.seek(0)
                if cache.set(_cache_key(token), entry, KEEP_SECONDS) is False:
                    continue  # the cache is down (skolr_blog.cache): promise nothing
            self.kept_uploads[name] = Kept(upload.name, self._signer(name).sign(token))

    def _save_m2m(self):
        # Called once the instance is saved: by save(), or the admin's
        # save_related() (and save_formset()) after save(commit=False).
        super()._save_m2m()
        if keys := [_cache_key(token) for token in self._restored.values()]:
            transaction.on_commit(lambda: cache.delete_many(keys))


class UploadKeepingForm(KeepsUploads, forms.ModelForm):
    """The admin's default form, keeping uploads: for admins and inlines with
    image fields and no form of their own."""


class KeepsUploadsAdmin:
    """A model admin whose refused page keeps the uploads of all its forms.

    A form keeps its uploads when it is refused itself; but the page is also
    refused when only another form on it is (an inline image without alt
    text), and this form's upload would be lost the same way.
    """

    def render_change_form(self, request, context, *args, **kwargs):
        if request.method == "POST":  # a successful POST redirects instead
            inlines = context.get("inline_admin_formsets", [])
            for form in [context["adminform"].form, *(form for inline in inlines for form in inline.formset.forms)]:
                if isinstance(form, KeepsUploads):
                    form.keep_uploads()
        return super().render_change_form(request, context, *args, **kwargs)
