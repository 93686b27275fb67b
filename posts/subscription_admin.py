"""Subscribers in the admin: editors see who asked for posts by email,
export them (to move to a mailing service, as Ghost's members export), and
can delete an address on request. Nobody adds one by hand: an address is
subscribed only by its owner clicking the confirmation link (consent)."""

import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from .models import Subscriber

# A spreadsheet runs a cell that starts so as a formula: "=HYPERLINK(…)@x.org"
# is a valid address's local part. Such a cell is written with a quote first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_cell(value) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter), ("unsubscribed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    readonly_fields = ["email", "created_at", "confirmed_at", "unsubscribed_at"]
    show_full_result_count = False
    actions = ["export_csv"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Export the selected subscribers (CSV)", permissions=["view"])
    def export_csv(self, request, queryset):
        """A CSV of the selected addresses with when each subscribed,
        confirmed and unsubscribed ("Select all" takes every page). Whether
        one still receives the emails is a column of its own: importing the
        unconfirmed or unsubscribed elsewhere would mail people who never
        agreed, or no longer do."""
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        writer = csv.writer(response)
        writer.writerow(["email", "receiving", "subscribed_at", "confirmed_at", "unsubscribed_at"])
        for subscriber in queryset.order_by("created_at", "pk").iterator():
            writer.writerow(
                [
                    as_cell(subscriber.email),
                    "yes" if subscriber.is_receiving else "no",
                    as_cell(subscriber.created_at),
                    as_cell(subscriber.confirmed_at),
                    as_cell(subscriber.unsubscribed_at),
                ]
            )
        return response
