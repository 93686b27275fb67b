"""``manage.py backup_site DIR``: back up the database and media of a live site.

See ``skolr_blog/backup.py`` for what the folder holds and why SQLite is
copied with its online backup API.
"""

from django.core.management.base import BaseCommand, CommandError

from skolr_blog.backup import BackupError, backup_site


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) and MEDIA_ROOT into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder that does not exist yet (or is empty)")

    def handle(self, *args, **options):
        try:
            manifest = backup_site(options["folder"])
        except BackupError as error:
            raise CommandError(str(error))
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {manifest['vendor']} ({rows} rows) and media to {options['folder']}: "
                + ", ".join(manifest["files"])
            )
        )
