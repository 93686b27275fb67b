"""Addresses used in the blog's emails; mounted at ``mail/``."""

from django.urls import path

from . import mail_views, subscription_views

app_name = "mail"
urlpatterns = [
    path("unsubscribe/<str:token>/", mail_views.unsubscribe, name="unsubscribe"),
    path("comments/confirm/<str:token>/", mail_views.confirm_following, name="followup_confirm"),
    path("subscription/confirm/<str:token>/", subscription_views.confirm, name="subscription_confirm"),
    path("subscription/stop/<str:token>/", subscription_views.unsubscribe, name="newsletter_unsubscribe"),
]
