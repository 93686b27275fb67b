"""``manage.py error_pages DIR``: the blog's own pages for the errors the
front web server answers by itself.

nginx refuses a body over ``client_max_body_size`` before the app sees it,
and answers 502/504 while every app server is down or restarting. Left to
itself it shows a bare "413 Request Entity Too Large" or "502 Bad Gateway";
with these files (``error_page`` in deploy/nginx.conf) an author whose
upload was too large reads the same page the app gives, and readers during a
restart read "Back in a moment". Rendered from the app's templates, static
addresses included, so run it after ``collectstatic``, on every deploy.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.template import loader

# File written: template, context. The names are what deploy/nginx.conf asks for.
PAGES = {
    "413.html": ("413.html", {"limit": settings.MAX_REQUEST_BYTES}),
    "503.html": ("503.html", {}),
}


class Command(BaseCommand):
    help = "Write the pages nginx shows for its own 413, 502, 503 and 504 answers into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        directory.mkdir(parents=True, exist_ok=True)
        for name, (template, context) in PAGES.items():
            (directory / name).write_text(loader.render_to_string(template, context), encoding="utf-8")
        if options["verbosity"]:
            self.stdout.write(f"Wrote {', '.join(PAGES)} to {directory}.")
