"""The media library: every image uploaded for a post's or a page's body,
in one list each, to find one again and use it elsewhere.

Images are uploaded with the post or page that shows them (the "images for
the body" inline), which keeps each one's alt text and owner plain. What
WordPress's Media screen adds, and this gives: see them all with a preview,
search them by alt text, file name or post, copy an address to paste into
another body (any of the blog's own images may be shown anywhere), read its
alt text, and tell which ones their body no longer shows (and delete those).
An author sees the images of their own posts; editors see every post's and
page's. It is read-only: the alt text readers get is the one in the body.
"""

from dataclasses import replace

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html

from .authoring_models import BodyImage
from .body_image_admin import shown_where
from .models import PageImage, PostImage, signed_by_user
from .templatetags.pictures import rendition

PREVIEW = "120x90"


class MediaAdmin(admin.ModelAdmin):
    """A library of one kind of body image; ``owner`` names its foreign key."""

    owner: str
    list_display = ["preview", "alt", "size", "owner_link", "in_body", "address", "created_at"]
    list_display_links = ["preview", "alt"]
    search_fields = ["alt", "image", "source_url"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fields = ["preview_large", "image", "alt", "size", "owner_link", "in_body", "address", "source_url", "created_at"]
    readonly_fields = ["preview_large", "image", "size", "owner_link", "in_body", "address", "source_url", "created_at"]
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False  # uploaded with the post or page that shows it, under its "images for the body"

    def has_change_permission(self, request, obj=None) -> bool:
        # Shown read-only: readers get the alt text of the image in the body
        # (the editor's image button), which an edit here would not change.
        return False

    # An image its body shows is not deleted from here (readers would get a
    # broken image). Not by has_delete_permission: Django asks it of every
    # image a deleted post or page takes with it, and deleting a post in the
    # trash for good was refused for lack of permission on its images.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        image = self.get_object(request, unquote(object_id))
        shown = image is not None and bool(BodyImage.shown_by([image], request.user))
        return super().change_view(request, object_id, form_url, {"show_delete": not shown} | (extra_context or {}))

    def delete_view(self, request, object_id, extra_context=None):
        image = self.get_object(request, unquote(object_id))
        if image is not None and image.pk in (shown := BodyImage.shown_by([image], request.user)):
            title = shown[image.pk]
            then = "take it out of the text first" if title is not None else "it stays while that text shows it"
            self.message_user(request, f"{shown_where(image, title)}: {then}.", messages.WARNING)
            return HttpResponseRedirect(reverse(f"admin:posts_{self.opts.model_name}_change", args=[image.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        if "delete_selected" in actions:
            described = "Delete the selected images (those their body no longer shows)"
            actions["delete_selected"] = replace(
                actions["delete_selected"],
                func=self._delete_unshown,
                description=described,
                plural_description=described,
            )
        return actions

    @staticmethod
    def _delete_unshown(modeladmin, request, queryset):
        """Django's "delete selected", confirmation and all, of the images no
        body shows; those still shown stay, and the list says so."""
        shown = BodyImage.shown_by(queryset, request.user)
        unshown = [image.pk for image in queryset if image.pk not in shown]
        if kept := queryset.count() - len(unshown):
            modeladmin.message_user(
                request,
                f"{kept} of the selected images {'is' if kept == 1 else 'are'} still shown in a body and "
                f"{'stays' if kept == 1 else 'stay'}: take {'it' if kept == 1 else 'them'} out of the text first.",
                messages.WARNING,
            )
        if unshown:
            return delete_selected(modeladmin, request, queryset.filter(pk__in=unshown))
        return None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.owner)

    @staticmethod
    def _img(image, geometry: str) -> str:
        """A smaller copy (sorl-thumbnail, made once): the list shows fifty."""
        url, width, height = rendition(image.image, geometry, quality=75, flatten=True)  # on white, as seo.share_image
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="" loading="lazy">', url, width or "", height or ""
        )

    @admin.display(description="preview")
    def preview(self, image) -> str:
        return self._img(image, PREVIEW)

    @admin.display(description="preview")
    def preview_large(self, image) -> str:
        return self._img(image, "480x360")

    @admin.display(description="size")
    def size(self, image) -> str:
        return f"{image.width}\u00a0×\u00a0{image.height}" if image.width else "—"

    @admin.display(description="address to insert")
    def address(self, image) -> str:
        return format_html("<code>{}</code>", image.image.url)

    @admin.display(description="used in", ordering=None)
    def owner_link(self, image) -> str:
        owner = getattr(image, self.owner)
        url = reverse(f"admin:posts_{self.owner}_change", args=[owner.pk])
        return format_html('<a href="{}">{}</a>', url, truncatechars(str(owner), 40))

    @admin.display(description="in its body", boolean=True)
    def in_body(self, image) -> bool:
        """Shown by the body it was uploaded for: an image taken out of the
        text stays here until deleted (unless another body shows it:
        ``BodyImage.shown_by``, asked on deleting)."""
        return image.is_shown_in(getattr(image, self.owner).body)


@admin.register(PostImage)
class PostImageAdmin(MediaAdmin):
    owner = "post"
    search_fields = [*MediaAdmin.search_fields, "post__title"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_perm("posts.edit_all_posts"):
            return queryset
        # An author's own posts, co-written ones too, as in the list of posts.
        return queryset.filter(signed_by_user(request.user, "post__"))


@admin.register(PageImage)
class PageImageAdmin(MediaAdmin):
    owner = "page"
    search_fields = [*MediaAdmin.search_fields, "page__title"]
