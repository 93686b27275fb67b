"""Pages in the admin: editors write them with the posts' editor, images,
revisions, checks and *Preview changes*, and decide which appear in the
header and footer menus."""

from django.contrib import admin
from django.forms import Script
from django.utils.html import format_html

from skolr_blog.staged_uploads import KeepsUploadsAdmin

from .admin_forms import BodyForm
from .body_image_admin import BodyImageInline, BodyImageUploadAdmin
from .models import Page, PageImage
from .page_views import ChangesPreviewView
from .preview_changes import PreviewsChanges
from .revisions import RevisionsAdmin
from .trash_admin import TrashAdmin, TrashStateFilter


class PageAdminForm(BodyForm):
    class Meta:
        model = Page
        fields = [
            "title", "slug", "description", "body", "published", "show_in_header", "show_in_footer", "menu_order",
        ]  # fmt: skip


class PageImageInline(BodyImageInline):
    model = PageImage


class PageStateFilter(TrashStateFilter):
    """Published or draft; pages in the trash are listed only under "In the trash"."""

    states = [("published", "Published"), ("draft", "Draft")]

    def narrow(self, queryset, value):
        return queryset.filter(published=value == "published") if value in ("published", "draft") else queryset


@admin.register(Page)
class PageAdmin(PreviewsChanges, BodyImageUploadAdmin, KeepsUploadsAdmin, TrashAdmin, RevisionsAdmin):
    form = PageAdminForm
    # "Preview changes" beside Save: the page as readers would see it with what the form holds, saving nothing.
    changes_preview_view = ChangesPreviewView

    class Media:
        # Asks before leaving with unsaved changes; keeps a copy of them in the browser.
        js = ["js/admin_unsaved.js", Script("js/admin_autosave.js", defer=True)]

    list_display = ["title", "slug", "published", "menus", "menu_order", "updated_at", "on_site"]
    list_filter = [PageStateFilter, "show_in_header", "show_in_footer"]
    actions = ["move_to_trash", "restore_from_trash"]
    trash_list_display = ["title", "slug", "trashed_at", "deleted_for_good_on"]
    list_editable = ["menu_order"]
    search_fields = ["title", "slug", "description", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PageImageInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "body", "opened_version"]}),
        ("Publishing", {"fields": ["published", "show_in_header", "show_in_footer", "menu_order"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    # Revisions: restoring one brings back what the page says; its address,
    # whether it is published and where the menus show it stay as they are.
    history_list_display = ["published"]
    compared_fields = [
        "title", "slug", "description", "body", "published", "show_in_header", "show_in_footer", "menu_order",
    ]  # fmt: skip
    restored_fields = ("title", "description", "body")
    kept_fields = ("slug", "published", "show_in_header", "show_in_footer", "menu_order")

    @admin.display(description="Menus")
    def menus(self, page: Page) -> str:
        places = [name for name, shown in (("Header", page.show_in_header), ("Footer", page.show_in_footer)) if shown]
        return ", ".join(places) or "—"

    @admin.display(description="On the site")
    def on_site(self, page: Page) -> str:
        label = "View on site" if page.published else "Preview the draft"
        return format_html('<a href="{}" target="_blank" rel="noopener">{} ↗</a>', page.get_absolute_url(), label)
