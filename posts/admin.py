from django.contrib import admin
from django.db.models import Count
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from .models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "status_label", "published_at", "updated_at", "allow_comments"]
    list_filter = ["status", "author", "allow_comments", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "excerpt", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    autocomplete_fields = ["author"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "excerpt", "body"]}),
        ("Thumbnail", {"fields": ["thumbnail", "thumbnail_alt"]}),
        ("Publishing", {"fields": ["status", "published_at", "tags", "allow_comments"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("author").prefetch_related("tags")
        if request.user.is_superuser:
            return queryset
        # Authors see and change only their own posts.
        return queryset.filter(author__user=request.user)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        # An author signs only their own posts.
        return [*self.readonly_fields, "author"]

    def has_add_permission(self, request) -> bool:
        author_profile = request.user.is_superuser or hasattr(request.user, "author")
        return author_profile and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.author = request.user.author
        super().save_model(request, obj, form, change)

    @admin.display(description="Status", ordering="status")
    def status_label(self, post: Post) -> str:
        if post.is_published:
            return "Published"
        if post.is_scheduled:
            return "Scheduled"
        return "Draft"


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "post_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_count=Count("posts_taggedpost_items"))

    @admin.display(description="Posts", ordering="post_count")
    def post_count(self, tag) -> int:
        return tag.post_count


# django-comments-xtd registers its own comment admin; the blog's replaces it.
admin.site.unregister(XtdComment)
from . import comment_admin  # noqa: E402, F401
