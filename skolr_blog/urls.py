from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from posts import comment_views, feeds, sitemaps
from skolr_blog import password_reset
from skolr_blog import views as site_views

admin.site.site_header = "Skolr Blog administration"
admin.site.site_title = "Skolr Blog admin"
admin.site.index_title = "Write, edit and moderate"

# Comments are posted, replied to and flagged through the blog's own views
# (posts/comment_views.py). None of django-contrib-comments' or
# django-comments-xtd's views are mounted: their approve/delete/flag views
# bypass the moderation records and their reply view shows pending comments.
# The names are theirs so that their template tags and models resolve.
comment_patterns = [
    path("post/", comment_views.post_comment, name="comments-post-comment"),
    path("reply/<int:cid>/", comment_views.reply, name="comments-xtd-reply"),
    path("flag/<int:cid>/", comment_views.flag, name="comments-flag"),
    path("cr/<int:content_type_id>/<str:object_id>/", comment_views.comment_target, name="comments-url-redirect"),
    path("<int:cid>/", comment_views.permalink, name="comment-permalink"),
    path("feed/", feeds.CommentFeed(), name="comment-feed"),
    path("feed/atom/", feeds.AtomCommentFeed(), name="comment-feed-atom"),
]

urlpatterns = [
    path("", include("posts.urls")),
    path("authors/", include("authors.urls")),
    path("comments/", include(comment_patterns)),
    path("mail/", include("posts.mail_urls")),
    # Before the admin's own: "View on site" only for objects the user may see.
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(site_views.view_on_site),
        name="view-on-site",
    ),
    # "Forgotten your password?" on the admin's login page (skolr_blog/password_reset.py).
    *password_reset.urlpatterns,
    path("admin/", admin.site.urls),
    path(".well-known/security.txt", site_views.security_txt, name="security-txt"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", site_views.favicon),
]

if settings.BENCH_HELLO:
    urlpatterns.append(path("__hello__/", site_views.hello))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Last: a page's address is any first segment the patterns above leave free.
urlpatterns.append(path("", include("posts.page_urls")))
