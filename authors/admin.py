from django.contrib import admin
from django.db.models import Count

from skolr_blog.staged_uploads import KeepsUploadsAdmin, UploadKeepingForm

from .models import Author


@admin.register(Author)
class AuthorAdmin(KeepsUploadsAdmin, admin.ModelAdmin):
    form = UploadKeepingForm

    class Media:
        js = ["js/admin_unsaved.js"]  # asks before leaving with unsaved changes

    list_display = ["name", "slug", "user", "post_count"]
    list_select_related = ["user"]
    search_fields = ["name", "bio", "expertise"]
    # Explicit: the post count's GROUP BY drops the model's default ordering,
    # and the autocomplete pages through this list.
    ordering = ["name"]
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
        # Whoever may edit every post (editors, superusers) signs posts for
        # any author, so must see them all: the post form's author
        # autocomplete reads this queryset. Not authors.view_author, which
        # authors hold too: an author sees and edits only their own profile.
        if request.user.has_perm("posts.edit_all_posts"):
            return queryset
        return queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        # Who a profile belongs to is the site administrator's decision.
        return [] if request.user.is_superuser else ["user", "slug"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    @admin.display(description="Posts", ordering="post_count")
    def post_count(self, author: Author) -> int:
        return author.post_count
