"""The images inline of the post and page forms: upload an image for the
body, then paste its address into the editor's image button."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from skolr_blog.staged_uploads import UploadKeepingForm

from .authoring_models import BodyImage


class BodyImageFormSet(BaseInlineFormSet):
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
        elsewhere = BodyImage.shown_by(deleted, excluding=self.instance)
        if elsewhere:
            where = [
                f"“{image}” is shown in the body of “{elsewhere[pk]}”"
                for image in deleted
                if (pk := image.pk) in elsewhere
            ]
            raise ValidationError("; ".join(where) + ": take it out of that text before deleting, or untick Delete.")


class BodyImageInline(admin.TabularInline):
    form = UploadKeepingForm
    formset = BodyImageFormSet
    extra = 0
    fields = ["image", "alt", "address"]
    readonly_fields = ["address"]
    verbose_name_plural = "images for the body (upload, then paste the address into the editor's image button)"

    class Media:
        css = {"all": ["css/admin_body_images.css"]}

    @admin.display(description="address to insert")
    def address(self, image: BodyImage) -> str:
        return format_html("<code>{}</code>", image.image.url) if image.pk else "—"
