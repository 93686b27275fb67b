"""``manage.py rebuild_search_index``: index every post again.

Saving a post or changing its tags keeps the index current by itself; this
is for repairs, e.g. after a bulk ``QuerySet.update()`` of titles or bodies,
which sends no signals.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from posts.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the full-text search index from the posts table."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} post{'s' if count != 1 else ''}."))
