from django.urls import path

from . import views

app_name = "posts"
urlpatterns = [
    path("", views.PostListView.as_view(), name="list"),
    path("posts/<slug:slug>/", views.PostDetailView.as_view(), name="detail"),
    path("tags/<slug:slug>/", views.TagPostListView.as_view(), name="tag"),
    path("preview/<str:token>/", views.SharedPreviewView.as_view(), name="preview"),
]
