from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Skolr Blog administration"
admin.site.site_title = "Skolr Blog admin"
admin.site.index_title = "Write, edit and moderate"

urlpatterns = [
    path("", include("posts.urls")),
    path("authors/", include("authors.urls")),
    path("comments/", include("django_comments_xtd.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
