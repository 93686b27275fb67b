from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_comments_xtd import views as xtd_views

from posts import views as posts_views

admin.site.site_header = "Skolr Blog administration"
admin.site.site_title = "Skolr Blog admin"
admin.site.index_title = "Write, edit and moderate"

# The parts of django-comments-xtd the blog uses. Its REST API, likes and
# emailed-confirmation views stay unmounted; its reply view is replaced by
# one that only offers replies to public comments on published posts.
comment_patterns = [
    path("reply/<int:cid>/", posts_views.reply, name="comments-xtd-reply"),
    path("sent/", xtd_views.sent, name="comments-xtd-sent"),
    path("mute/<str:key>/", xtd_views.mute, name="comments-xtd-mute"),
    path("", include("django_comments.urls")),
]

urlpatterns = [
    path("", include("posts.urls")),
    path("authors/", include("authors.urls")),
    path("comments/", include(comment_patterns)),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
