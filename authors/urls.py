from django.urls import path

from posts import feeds

from . import views

app_name = "authors"
urlpatterns = [
    path("", views.AuthorIndexView.as_view(), name="index"),
    path("<slug:slug>/", views.AuthorDetailView.as_view(), name="detail"),
    path("<slug:slug>/feed/", feeds.AuthorFeed(), name="feed"),
    path("<slug:slug>/feed/atom/", feeds.AtomAuthorFeed(), name="feed_atom"),
]
