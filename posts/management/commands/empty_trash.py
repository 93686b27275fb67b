"""``manage.py empty_trash``: delete for good the posts in the trash for
``BLOG["TRASH_DAYS"]`` days or more, with their comments.

The task worker does this by itself: moving a post to the trash schedules a
sweep for the day its time there ends. This is the same sweep, to run by
hand (after lowering DJANGO_BLOG_TRASH_DAYS, say) or from a cron job where no
worker runs.
"""

from django.core.management.base import BaseCommand

from posts.trash import empty_expired, trash_days


class Command(BaseCommand):
    help = "Delete for good the posts that have been in the trash for the set number of days, with their comments."

    def handle(self, *args, **options):
        count = empty_expired()
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {count} post{'s' if count != 1 else ''} for good "
                f"(in the trash for {trash_days()} days or more)."
            )
        )
