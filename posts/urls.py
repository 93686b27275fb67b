from django.urls import path, register_converter

from . import archive_views, discovery_views, feeds, subscription_views, views

register_converter(archive_views.YearConverter, "year")
register_converter(archive_views.MonthConverter, "month")

app_name = "posts"
urlpatterns = [
    path("", views.PostListView.as_view(), name="list"),
    path("posts/<slug:slug>/", views.PostDetailView.as_view(), name="detail"),
    path("posts/<slug:slug>/comments/feed/", feeds.PostCommentFeed(), name="comment_feed"),
    path("posts/<slug:slug>/comments/feed/atom/", feeds.AtomPostCommentFeed(), name="comment_feed_atom"),
    path("tags/", discovery_views.TagIndexView.as_view(), name="tags"),
    path("tags/<slug:slug>/", views.TagPostListView.as_view(), name="tag"),
    path("tags/<slug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tags/<slug:slug>/feed/atom/", feeds.AtomTagFeed(), name="tag_feed_atom"),
    path("feed/", feeds.PostFeed(), name="feed"),
    path("feed/atom/", feeds.AtomPostFeed(), name="feed_atom"),
    path("archive/", archive_views.ArchiveIndexView.as_view(), name="archive"),
    path("archive/<year:year>/", archive_views.YearArchiveView.as_view(), name="archive_year"),
    path("archive/<year:year>/<month:month>/", archive_views.MonthArchiveView.as_view(), name="archive_month"),
    path("subscribe/", subscription_views.subscribe, name="subscribe"),
    path("search/", discovery_views.SearchView.as_view(), name="search"),
    # Tokens are secrets.token_urlsafe(): exactly the slug alphabet. (<str:> let a
    # NUL byte reach PostgreSQL, which refuses it with an error: a 500.)
    path("preview/<slug:token>/", views.SharedPreviewView.as_view(), name="preview"),
]
