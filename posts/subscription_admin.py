"""Subscribers in the admin: editors see who asked for posts by email and
can delete an address on request. Nobody adds one by hand: an address is
subscribed only by its owner clicking the confirmation link (consent)."""

from django.contrib import admin

from .models import Subscriber


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), ("unsubscribed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    readonly_fields = ["email", "created_at", "confirmed_at", "unsubscribed_at"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
