"""``manage.py restore_site DIR``: replace the database and media with a backup.

See ``skolr_blog/backup.py``. Stop the app server and the task worker first.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from skolr_blog.backup import BackupError, read_manifest, restore_site


class Command(BaseCommand):
    help = "Restore a backup made by backup_site: the database, then MEDIA_ROOT. Replaces both."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a folder written by backup_site")
        parser.add_argument(
            "--portable",
            action="store_true",
            help="load the fixtures (data.json.gz) even into a database of the backup's kind",
        )
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive")

    def handle(self, *args, **options):
        try:
            manifest = read_manifest(options["folder"])
        except BackupError as error:
            raise CommandError(str(error))
        if options["interactive"]:
            answer = input(
                f"This replaces the {connection.vendor} database {connection.settings_dict['NAME']!s} and "
                f"{settings.MEDIA_ROOT} with the backup of {manifest['created']} ({manifest['vendor']}).\n"
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            result = restore_site(options["folder"], portable=options["portable"])
        except BackupError as error:
            raise CommandError(str(error))
        rows = sum(result["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(f"Restored {rows} rows ({result['method']}) and media from {options['folder']}.")
        )
