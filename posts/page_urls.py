"""``/<slug>/`` for pages, mounted last in ``skolr_blog/urls.py`` so that it
never answers for an address of the blog's own (``Page.slug`` refuses those)."""

from django.urls import path

from . import page_views

app_name = "pages"
urlpatterns = [
    path("<slug:slug>/", page_views.PageView.as_view(), name="detail"),
]
