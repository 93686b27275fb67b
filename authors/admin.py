from django.contrib import admin
from django.db.models import Count

from .models import Author


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user", "post_count"]
    list_select_related = ["user"]
    search_fields = ["name", "bio", "expertise"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "user", "photo"]}),
        ("Profile", {"fields": ["bio", "expertise"]}),
        ("Links", {"fields": ["website", "linkedin", "x", "github", "mastodon"]}),
        ("Notifications", {"fields": ["comment_notifications"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(post_count=Count("posts"))
        if request.user.is_superuser:
            return queryset
        # Everyone else edits only their own profile.
        return queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        # Who a profile belongs to is the site administrator's decision.
        return [] if request.user.is_superuser else ["user", "slug"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    @admin.display(description="Posts", ordering="post_count")
    def post_count(self, author: Author) -> int:
        return author.post_count
