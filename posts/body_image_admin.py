"""Images for a post's or a page's body: the inline of their forms (upload,
then paste the address into the editor's image button), and the body
editor's own "Upload an image" (``BodyImageUploadAdmin``), which uploads one
and inserts it where the cursor is."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet, modelform_factory
from django.http import HttpResponseNotAllowed, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from skolr_blog.staged_uploads import UploadKeepingForm

from .authoring_models import BodyImage


def shown_where(image: BodyImage, title: str | None) -> str:
    """Where a refusal says ``image`` is shown: in the body of ``title``
    (``BodyImage.shown_by``), or, where its reader may know of no post or
    page that shows it, in one they cannot open, as a tag on posts they
    cannot see yet is not named to them either."""
    if title is None:
        return f"“{image}” is shown in the body of a post or page you cannot open"
    return f"“{image}” is shown in the body of “{title}”"


class BodyImageFormSet(BaseInlineFormSet):
    user = None  # who saves, whom a refusal may name posts to: ``BodyImageInline.get_formset`` sets it

    def clean(self):
        """An image the body (as sent) still shows is not deleted: readers
        would get a broken image. Nor is one another post's or page's body
        shows. ``instance`` is the post or page with the form's values, the
        admin's form having been valid."""
        super().clean()
        body = getattr(self.instance, "body", "")
        deleted = [form.instance for form in self.deleted_forms if form.instance.pk]
        shown = [image for image in deleted if image.is_shown_in(body)]
        if shown:
            names = ", ".join(f"“{image}”" for image in shown)
            raise ValidationError(
                f"{names} {'is' if len(shown) == 1 else 'are'} still shown in the body: take "
                f"{'it' if len(shown) == 1 else 'them'} out of the text before deleting, or untick Delete."
            )
        elsewhere = BodyImage.shown_by(deleted, self.user, excluding=self.instance)
        if elsewhere:
            where = "; ".join(shown_where(image, elsewhere[image.pk]) for image in deleted if image.pk in elsewhere)
            if any(title is not None for title in elsewhere.values()):
                raise ValidationError(f"{where}: take it out of that text before deleting, or untick Delete.")
            raise ValidationError(f"{where}: untick Delete; it stays while that text shows it.")


class BodyImageInline(admin.TabularInline):
    form = UploadKeepingForm
    formset = BodyImageFormSet
    extra = 0
    fields = ["image", "alt", "address"]
    readonly_fields = ["address"]
    verbose_name_plural = (
        "images for the body (the editor's “Upload an image” adds one where the cursor is; "
        "one uploaded here goes in by its address, with the figure button)"
    )

    class Media:
        css = {"all": ["css/admin_body_images.css"]}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"user": request.user})  # whom its refusals name posts to

    @admin.display(description="address to insert")
    def address(self, image: BodyImage) -> str:
        return format_html("<code>{}</code>", image.image.url) if image.pk else "—"


# What the editor's upload says when the alt text or the file is missing.
UPLOAD_MESSAGES = {
    "alt": {"required": "Describe the image (alt text) for readers who cannot see it."},
    "image": {"required": "Choose an image file to upload."},
}


class BodyImageUploadAdmin:
    """The post or page admin's endpoint for the body editor's "Upload an
    image" (static/js/editor_image_upload.js): a POST of one file and its alt
    text to ``<id>/images/upload/`` answers the stored image's address as JSON.

    It is the inline's upload by another door, so it holds the file to what
    the inline does: the model's form field and validators (Pillow reads the
    file: format, byte, pixel and frame limits, ``skolr_blog.images``) and
    ``BodyImage.save()`` (metadata stripped, stored under its real format's
    ending). Whoever may change the post or page and add images in its form
    may upload; a refused file leaves no row and no file. A post not saved
    yet has no images to add to: its editor asks to save the draft first.
    """

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_upload_image"
        view = self.admin_site.admin_view(self.upload_image_view)  # signed in, staff, CSRF checked
        return [path("<path:object_id>/images/upload/", view, name=name), *super().get_urls()]

    def _body_image_inline(self) -> admin.options.InlineModelAdmin:
        inline = next(inline for inline in self.inlines if issubclass(inline, BodyImageInline))
        return inline(self.model, self.admin_site)

    def upload_image_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        owner = self.get_object(request, unquote(object_id))
        inline = self._body_image_inline()
        # As the change form decides (another author's post is not in the
        # admin's queryset; one in the trash is read-only), and as its
        # inline would let images be added.
        if (
            owner is None
            or not self.has_change_permission(request, owner)
            or not inline.has_add_permission(request, owner)
        ):
            name = self.opts.verbose_name
            return JsonResponse({"error": f"You may not add images to this {name}."}, status=403)
        form_class = modelform_factory(inline.model, fields=["image", "alt"], error_messages=UPLOAD_MESSAGES)
        form = form_class(request.POST, request.FILES, instance=inline.model(**{self.opts.model_name: owner}))
        if not form.is_valid():
            problems = [error for field in ("image", "alt") for error in form.errors.get(field, [])]
            problems += form.non_field_errors()
            return JsonResponse({"error": " ".join(problems)}, status=400)
        try:
            with transaction.atomic():
                image = form.save()
        except Exception:
            # The file is stored before its row is inserted: a row that
            # failed leaves no file behind.
            if (stored := form.instance.image) and stored._committed:
                stored.delete(save=False)
            raise
        return JsonResponse(
            {"url": image.image.url, "alt": image.alt, "width": image.width, "height": image.height}, status=201
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        self._tell_the_editor(context["adminform"].form, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_history_view(self, request, template, context, **kwargs):
        # A revision's restore page (simple-history's, not render_change_form)
        # edits the body too, and restoring is a save of the post: its
        # editor uploads as the change form's does (it asked to save first).
        if "adminform" in context:
            self._tell_the_editor(context["adminform"].form, context["original"])
        return super().render_history_view(request, template, context, **kwargs)

    def _tell_the_editor(self, form, obj) -> None:
        """Tell the body editor where its uploads go (none on the add form:
        it asks to save the draft first) and the largest image it takes.
        Whoever may not upload there is told so by the upload's answer."""
        if "body" in form.fields:
            attrs = form.fields["body"].widget.attrs
            attrs["data-image-max-bytes"] = settings.IMAGE_MAX_BYTES
            attrs["data-image-max-size"] = filesizeformat(settings.IMAGE_MAX_BYTES)
            if obj is not None and obj.pk:
                url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_upload_image", args=[obj.pk])
                attrs["data-image-upload-url"] = url
