"""``manage.py import_ghost export.json``: authors, posts, pages and tags
from a Ghost export (Settings → Advanced → Import/Export), in one
transaction. Posts and pages whose slug exists are skipped (``--update``
overwrites them). Their images are downloaded from the old site first
(``--no-images``: none). See ``posts.importers``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from posts.import_images import add_image_options, image_policy
from posts.importers import ImportProblem, read_ghost, save_source, summary


class Command(BaseCommand):
    help = "Import authors, posts, pages and tags from a Ghost export file (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .json file Ghost's export wrote.")
        parser.add_argument(
            "--update", action="store_true", help="Overwrite posts and pages whose slug already exists."
        )
        add_image_options(parser)
        parser.add_argument(
            "--site-url",
            default="",
            help="The old blog's address (e.g. https://blog.example.com), put where Ghost wrote __GHOST_URL__.",
        )

    def handle(self, *args, file: Path, update: bool = False, site_url: str = "", **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            source = read_ghost(file, site_url=site_url)
            counts = save_source(source, update=update, images=image_policy(options), downloading=self.downloading)
        except ImportProblem as problem:
            raise CommandError(f"{file}: {problem} Nothing was imported.") from problem
        self.stdout.write("\n".join(summary(source, counts)))

    def downloading(self, count: int) -> None:
        self.stdout.write(f"Downloading {count} image{'s' if count != 1 else ''} from the old site…")
