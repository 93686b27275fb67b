"""``manage.py forget_unconfirmed_subscribers``: delete the addresses given
more than ``SUBSCRIPTIONS["UNCONFIRMED_DAYS"]`` days ago and never confirmed.

The task worker does this by itself: each new address schedules a sweep for
the day it would be forgotten. This is the same sweep, to run by hand (after
lowering the setting, say) or from a cron job where no worker runs.
"""

from django.core.management.base import BaseCommand

from posts.subscriptions import forget_unconfirmed, setting


class Command(BaseCommand):
    help = "Delete email subscribers who never confirmed their address within the set number of days."

    def handle(self, *args, **options):
        count = forget_unconfirmed()
        days = setting("UNCONFIRMED_DAYS")
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {count} unconfirmed subscriber{'s' if count != 1 else ''} (after {days} days)."
            )
        )
