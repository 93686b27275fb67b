"""``manage.py empty_trash``: delete for good the posts and pages in the
trash for ``BLOG["TRASH_DAYS"]`` days or more, posts with their comments.

The task worker does this by itself: moving one to the trash schedules a
sweep for the day its time there ends. This is the same sweep, to run by
hand (after lowering DJANGO_BLOG_TRASH_DAYS, say) or from a cron job where no
worker runs.
"""

from django.core.management.base import BaseCommand

from posts.trash import empty_expired, trash_days


class Command(BaseCommand):
    help = "Delete for good the posts (with their comments) and pages in the trash for the set number of days."

    def handle(self, *args, **options):
        deleted = empty_expired()
        counts = ", ".join(f"{n} {kind.removesuffix('s') if n == 1 else kind}" for kind, n in deleted.items())
        self.stdout.write(
            self.style.SUCCESS(f"Deleted for good: {counts} (in the trash for {trash_days()} days or more).")
        )
