"""The images inline of the post and page forms: upload an image for the
body, then paste its address into the editor's image button."""

from django.contrib import admin
from django.utils.html import format_html

from skolr_blog.staged_uploads import UploadKeepingForm

from .authoring_models import BodyImage


class BodyImageInline(admin.TabularInline):
    form = UploadKeepingForm
    extra = 0
    fields = ["image", "alt", "address"]
    readonly_fields = ["address"]
    verbose_name_plural = "images for the body (upload, then paste the address into the editor's image button)"

    @admin.display(description="address to insert")
    def address(self, image: BodyImage) -> str:
        return format_html("<code>{}</code>", image.image.url) if image.pk else "—"
