"""``manage.py export_wordpress blog.xml``: every post, its tags, thumbnail, authors and
public comments, and every page, as a WordPress export (WXR 1.2), for
WordPress's importer or ``import_wordpress``. See ``posts.exporters``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from posts.exporters import write_wxr


class Command(BaseCommand):
    help = "Write posts, pages, tags, authors and public comments to a WordPress export file (WXR 1.2)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Where to write the .xml file.")

    def handle(self, *args, file: Path, **options):
        if not file.parent.is_dir():
            raise CommandError(f"{file.parent}: no such folder")
        partial = file.with_name(f".{file.name}.partial")
        with partial.open("wb") as stream:
            counts = write_wxr(stream)
        partial.replace(file)  # a failed export leaves no half-written file under the name
        self.stdout.write(
            f"Exported {counts['posts']} post(s), {counts['pages']} page(s), {counts['tags']} tag(s), "
            f"{counts['authors']} author(s) and {counts['comments']} public comment(s) to {file}."
        )
