"""``manage.py import_wordpress export.xml``: authors, posts, pages, tags and
comments from a WordPress export (Tools → Export), in one transaction.
Posts and pages whose slug exists are skipped (``--update`` overwrites
them), so a second run adds only what is new. Their images are downloaded
from the old site first (``--no-images``: none). See ``posts.importers``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from posts.import_images import add_image_options, image_policy
from posts.importers import ImportProblem, read_wordpress, save_source, summary


class Command(BaseCommand):
    help = "Import authors, posts, pages, tags and comments from a WordPress export file (WXR)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .xml file WordPress's Tools → Export wrote.")
        parser.add_argument(
            "--update", action="store_true", help="Overwrite posts and pages whose slug already exists."
        )
        add_image_options(parser)

    def handle(self, *args, file: Path, update: bool = False, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            source = read_wordpress(file)
            counts = save_source(source, update=update, images=image_policy(options), downloading=self.downloading)
        except ImportProblem as problem:
            raise CommandError(f"{file}: {problem} Nothing was imported.") from problem
        self.stdout.write("\n".join(summary(source, counts)))

    def downloading(self, count: int) -> None:
        self.stdout.write(f"Downloading {count} image{'s' if count != 1 else ''} from the old site…")
