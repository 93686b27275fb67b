"""Addresses used in the blog's emails; mounted at ``mail/``."""

from django.urls import path

from . import mail_views

app_name = "mail"
urlpatterns = [
    path("unsubscribe/<str:token>/", mail_views.unsubscribe, name="unsubscribe"),
]
