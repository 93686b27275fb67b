"""``manage.py load_posts content/``: create or update authors, posts and
pages from content files. Running it again with the same files changes
nothing.

``--keep-existing`` only creates what is missing. ``make run`` and ``make
serve`` load that way on every start: a post, page or profile that exists is
the admin's to edit from then on, and a start must not put the file's
version back over an author's or editor's edits.

A post it creates or saves as published goes to email subscribers as one
published in the admin does (``Post.save()``), after the whole load
commits, and only if its publish date is recent: the shipped article is
old news. A run that changes nothing saves nothing, so it mails nothing.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models.fields.files import FieldFile

from authors.models import Author
from posts.content import (
    AuthorSource,
    ContentError,
    PageSource,
    PostSource,
    file_digest,
    parse_author,
    parse_page,
    parse_post,
)
from posts.models import Page, Post, clean_body


def _validate(obj, path: Path) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
        raise ContentError(path, problems) from error


def _same_file(stored: FieldFile, source: Path) -> bool:
    if not stored or not stored.storage.exists(stored.name):
        return False
    with stored.storage.open(stored.name, "rb") as old, source.open("rb") as new:
        return file_digest(old) == file_digest(new)


def _assign(obj, values: dict) -> bool:
    """Set changed attributes; report whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _attach_image(field: FieldFile, source: Path | None, saved_files: list[str]) -> bool:
    """Point ``field`` at a copy of ``source`` unless it already holds the same bytes."""
    if source is None:
        if field:
            field.name = ""
            return True
        return False
    if _same_file(field, source):
        return False
    with source.open("rb") as handle:
        field.save(source.name, File(handle), save=False)
    saved_files.append(field.name)
    return True


class Command(BaseCommand):
    help = (
        "Create or update authors, posts and pages from a content folder (authors/*.toml, posts/*.html, pages/*.html)."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="Folder with authors/ and posts/ subfolders.")
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="Only create authors, posts and pages that are missing; leave the ones in the database as they are.",
        )

    def handle(self, *args, folder: Path, keep_existing: bool = False, **options):
        self.keep_existing = keep_existing
        if not folder.is_dir():
            raise CommandError(f"{folder}: no such folder")
        try:
            authors = [parse_author(path) for path in sorted((folder / "authors").glob("*.toml"))]
            posts = [parse_post(path) for path in sorted((folder / "posts").glob("*.html"))]
            pages = [parse_page(path) for path in sorted((folder / "pages").glob("*.html"))]
            self._check_references(authors, posts)
        except ContentError as error:
            raise CommandError(str(error))
        if not posts and not authors and not pages:
            raise CommandError(f"{folder}: no authors/*.toml, posts/*.html or pages/*.html files found")

        saved_files: list[str] = []
        counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
        try:
            with transaction.atomic():
                by_slug = {source.slug: self._load_author(source, saved_files, counts) for source in authors}
                for source in posts:
                    author = by_slug.get(source.author) or Author.objects.get(slug=source.author)
                    self._load_post(source, author, saved_files, counts)
                for source in pages:
                    self._load_page(source, counts)
        except Exception as error:
            # The database rolled back; remove files copied for this load.
            for name in saved_files:
                default_storage.delete(name)
            if isinstance(error, ContentError):
                raise CommandError(str(error)) from error
            raise
        if keep_existing:
            summary = f"{counts['created']} created, {counts['kept']} already in the database (kept as they are)."
        else:
            summary = f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged."
        loaded = f"{len(authors)} author(s), {len(posts)} post(s) and {len(pages)} page(s)"
        self.stdout.write(f"Loaded {loaded}: {summary}")

    def _check_references(self, authors: list[AuthorSource], posts: list[PostSource]) -> None:
        known = {source.slug for source in authors}
        for source in posts:
            if source.author not in known and not Author.objects.filter(slug=source.author).exists():
                raise ContentError(source.path, f"author {source.author!r} has no authors/*.toml file or profile")

    def _count(self, counts: dict, created: bool, changed: bool) -> None:
        counts["created" if created else "updated" if changed else "unchanged"] += 1

    def _load_author(self, source: AuthorSource, saved_files: list[str], counts: dict) -> Author:
        author = Author.objects.filter(slug=source.slug).first()
        if author is not None and self.keep_existing:
            counts["kept"] += 1
            return author
        created = author is None
        author = author or Author(slug=source.slug)
        changed = _assign(author, {"name": source.name, "bio": source.bio, "expertise": "\n".join(source.expertise)})
        changed |= _assign(author, source.links)
        changed |= _attach_image(author.photo, source.photo, saved_files)
        if created or changed:
            _validate(author, source.path)
            author.save()
        self._count(counts, created, changed)
        return author

    def _load_post(self, source: PostSource, author: Author, saved_files: list[str], counts: dict) -> None:
        post = Post.objects.filter(slug=source.slug).first()
        if post is not None and self.keep_existing:
            counts["kept"] += 1
            return
        created = post is None
        post = post or Post(slug=source.slug)
        changed = _assign(
            post,
            {
                "title": source.title,
                "author_id": author.pk,
                "excerpt": source.excerpt,
                "body": clean_body(source.body),
                "status": source.status,
                "published_at": source.published_at,
                "thumbnail_alt": source.thumbnail_alt,
                "allow_comments": source.allow_comments,
            },
        )
        changed |= _attach_image(post.thumbnail, source.thumbnail, saved_files)
        if created or changed:
            _validate(post, source.path)
            post.save()
        # Tags compare case-insensitively, as taggit stores them (TAGGIT_CASE_INSENSITIVE).
        if created or {tag.name.casefold() for tag in post.tags.all()} != {tag.casefold() for tag in source.tags}:
            post.tags.set(source.tags)
            changed = True
        self._count(counts, created, changed)

    def _load_page(self, source: PageSource, counts: dict) -> None:
        page = Page.objects.filter(slug=source.slug).first()
        if page is not None and self.keep_existing:
            counts["kept"] += 1
            return
        created = page is None
        page = page or Page(slug=source.slug)
        changed = _assign(
            page,
            {
                "title": source.title,
                "description": source.description,
                "body": clean_body(source.body),
                "published": source.published,
                "show_in_header": source.show_in_header,
                "show_in_footer": source.show_in_footer,
                "menu_order": source.menu_order,
            },
        )
        if created or changed:
            _validate(page, source.path)
            page.save()
        self._count(counts, created, changed)
