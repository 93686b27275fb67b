"""The site's URLs with the mail pages mounted at ``mail/``, as skolr_blog/urls.py
is to include them. Once it does, this adds nothing and can be deleted."""

from django.urls import include, path

from skolr_blog.urls import urlpatterns as site_patterns

_mounted = any(getattr(pattern, "namespace", None) == "mail" for pattern in site_patterns)
urlpatterns = site_patterns if _mounted else [*site_patterns, path("mail/", include("posts.mail_urls"))]
