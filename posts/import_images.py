"""An imported blog's pictures, brought here: the images in posts' and
pages' bodies, posts' featured images and authors' photos.

The pages' Content-Security-Policy lets readers' browsers load the blog's
own images only (img-src 'self'), so an image left on the old site shows
broken. Each one is downloaded (``skolr_blog.fetching``: no private
addresses, a size and a time limit), held to the same checks as an upload
(``validate_image``) and stored as one: a body's images as ``PostImage`` or
``PageImage`` rows, metadata stripped, with the body pointing at their
address here.

Downloads happen before the import's transaction, into a temporary folder:
a long write transaction would hold the database (SQLite's one writer) for
as long as the old site takes to answer. The transaction only copies files
into storage, and a rolled-back import removes the ones it copied. An
address is downloaded once per import; a post or page already here keeps
the images an earlier run gave it (each row remembers its address), so
running the import again downloads nothing. An image that cannot be had
keeps its old address, named in the summary with the reason.
"""

import tempfile
from argparse import ArgumentTypeError
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models
from django.utils.text import slugify
from PIL import Image

from authors.models import Author
from skolr_blog.fetching import Policy, PrivateAddress, Refused, fetch
from skolr_blog.images import strip_metadata, validate_image

from .authoring_models import BodyImage
from .embeds import left_out
from .html import image_hosts_elsewhere, images_elsewhere, point_images_at
from .models import Page, PageImage, Post, PostImage, clean_body

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
SOURCE_LENGTH = BodyImage._meta.get_field("source_url").max_length


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str  # from the address, with the extension of what it is


def image_policy(options: dict) -> Policy | None:
    """The download rules an import command's options ask for; None with
    ``--no-images``."""
    if options.get("no_images"):
        return None
    return Policy(
        timeout=options.get("image_timeout") or 10.0,
        max_bytes=settings.IMAGE_MAX_BYTES,
        allowed_hosts=frozenset(options.get("allow_image_host") or ()),
    )


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise ArgumentTypeError(f"give a number of seconds above 0 and at most 600, not {value!r}")
    return seconds


def add_image_options(parser) -> None:
    parser.add_argument(
        "--no-images",
        action="store_true",
        help="Download no images: they keep their addresses on the old site, and the summary lists them.",
    )
    parser.add_argument(
        "--image-timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="How long one image may take to download, more than 0 and at most 600 (default 10).",
    )
    parser.add_argument(
        "--allow-image-host",
        action="append",
        default=[],
        metavar="HOST",
        help="Download images from HOST even though it is on a private or local address "
        "(an old blog on your own network). Give it once per host.",
    )


class ImageImport:
    """One import's images: fetched before the transaction (``fetch_for``),
    stored inside it (``localize``, ``store``), removed if it rolls back
    (``discard``). Without a policy nothing is fetched and the summary says
    which images stay where they are."""

    def __init__(self, policy: Policy | None, folder: Path | None = None):
        self.policy, self.folder = policy, folder
        self.found: dict[str, Download | Refused] = {}
        self.stored: dict[tuple[str, str, str], str] = {}  # (model, field, address): name in storage
        self.written: list[tuple] = []  # (storage, name) copied by this import
        self.used: set[str] = set()
        self.counts: Counter = Counter()
        self.notes: list[str] = []

    @classmethod
    @contextmanager
    def fetching(cls, policy: Policy | None) -> Iterator["ImageImport"]:
        if policy is None:
            yield cls(None)
            return
        with tempfile.TemporaryDirectory(prefix="skolr-import-") as folder:
            yield cls(policy, Path(folder))

    # --- Before the transaction ----------------------------------------------------

    def fetch_for(self, source, update: bool, starting: Callable[[int], None] | None = None) -> None:
        """Download what the import will store: the images of each post and
        page it will write (not those it skips, nor those an earlier run
        stored for it) and the photos of authors it will create. ``starting``
        is told how many addresses that is, first: it may take a while."""
        if self.policy is None:
            return
        wanted: dict[str, None] = {}
        for record in source.posts:
            post = Post.objects.filter(slug=record.slug).only("pk", "thumbnail").first()
            if post is None or update:
                wanted |= self._new_in(record.body, PostImage.objects.filter(post=post) if post else None)
                if record.thumbnail_url and not (post and post.thumbnail):
                    wanted[record.thumbnail_url] = None
        for record in source.pages:
            page = Page.objects.filter(slug=record.slug).only("pk").first()
            if page is None or update:
                wanted |= self._new_in(record.body, PageImage.objects.filter(page=page) if page else None)
        for record in source.authors.values():
            if record.photo_url and not Author.objects.filter(slug=record.slug).exists():
                wanted[record.photo_url] = None
        if wanted and starting is not None:
            starting(len(wanted))
        for address in wanted:
            self._fetch(address)

    @staticmethod
    def _new_in(body: str, stored: models.QuerySet | None) -> dict[str, None]:
        """A body's images from elsewhere that an earlier run did not store."""
        addresses = list(images_elsewhere(clean_body(body)))
        known = set(stored.filter(source_url__in=addresses).values_list("source_url", flat=True)) if stored else set()
        return {address: None for address in addresses if address not in known}

    def _fetch(self, address: str) -> None:
        if address in self.found:
            return
        path = self.folder / str(len(self.found))
        try:
            if len(address) > SOURCE_LENGTH:
                raise Refused(f"an address longer than {SOURCE_LENGTH} characters")
            # An address without a scheme (//host/x.png) was loaded with the old page's: https, today.
            with path.open("wb") as into:
                fetch(f"https:{address}" if address.startswith("//") else address, into, self.policy)
            with path.open("rb") as handle:
                validate_image(File(handle))
                with Image.open(handle) as image:
                    kind = image.format
        except Refused as refused:
            self.found[address] = refused
            return
        except ValidationError as error:
            message = error.messages[0]
            self.found[address] = Refused((message[:1].lower() + message[1:]).rstrip("."))
            return
        stem = slugify(unquote(Path(urlsplit(address).path).stem))[:80].strip("-") or "image"
        self.found[address] = Download(path, f"{stem}.{EXTENSIONS[kind]}")
        self.counts["images", "downloaded"] += 1

    # --- In the transaction ----------------------------------------------------------

    def localize(self, body: str, owner: Post | Page, title: str, what: str) -> tuple[str, list[BodyImage]]:
        """The body with each image from elsewhere pointing at its copy here,
        and the image rows to save once ``owner`` is saved; an image that
        could not be had keeps its address, named in a note, as is what
        the sanitizer takes out (an image pasted as data)."""
        self.notes += [f"{what}: left out {lost}." for lost in left_out(body)]
        if self.policy is None:
            if hosts := image_hosts_elsewhere(clean_body(body)):
                self.notes.append(
                    f"{what}: its images stay on {', '.join(hosts)}, which readers' browsers do not load here "
                    "(the blog shows its own images only): upload them here and change their addresses."
                )
            return body, []
        body = clean_body(body)
        alts = images_elsewhere(body)
        model, relation = (PostImage, "post") if isinstance(owner, Post) else (PageImage, "page")
        known = {}
        if owner.pk is not None:
            stored = model.objects.filter(**{relation: owner}, source_url__in=list(alts))
            known = {image.source_url: image.image.url for image in stored}
        addresses, rows = {}, []
        for address, alt in alts.items():
            if address in known:
                addresses[address] = known[address]
                self.counts["images", "reused"] += 1
                continue
            image = model(alt=(alt or title)[:200], source_url=address)
            problem = f"{what}: image {address} not imported ({{}}); it stays on the old site, which readers' "
            problem += "browsers do not load here."
            if self.store(image, "image", address, problem):
                addresses[address] = image.image.url
                rows.append(image)
        return point_images_at(body, addresses), rows

    def store(self, instance: models.Model, field: str, address: str, problem: str) -> bool:
        """Put the image downloaded from ``address`` into ``instance``'s image
        field as an upload would be (metadata stripped), or note ``problem``
        (a template for the reason) and return False. The file is copied into
        storage once per model, field and address; later uses share it."""
        found = self.found.get(address, Refused("--no-images") if self.policy is None else None)
        if not isinstance(found, Download):
            # None: not planned before the transaction (the post was added meanwhile).
            self.notes.append(problem.format(found or "not downloaded"))
            if self.policy is not None:
                self.counts["images", "failed"] += 1
            return False
        if address in self.used:
            self.counts["images", "reused"] += 1
        self.used.add(address)
        key = (instance._meta.label, field, address)
        if key in self.stored:
            setattr(instance, field, self.stored[key])
            return True
        with found.path.open("rb") as handle:
            setattr(instance, field, File(handle, name=found.filename))
            upload = getattr(instance, field)
            strip_metadata(upload)
            upload.save(upload.name, upload.file, save=False)  # its format's ending (strip_metadata)
        self.written.append((upload.storage, upload.name))
        self.stored[key] = upload.name
        return True

    def discard(self) -> None:
        """Remove the files this import copied: its transaction rolled back."""
        for storage, name in self.written:
            storage.delete(name)
        self.written.clear()

    def summary_notes(self) -> list[str]:
        notes = list(self.notes)
        if any(isinstance(found, PrivateAddress) for found in self.found.values()):
            notes.append(
                "Images on private or local addresses were not downloaded; if the old blog is on your own "
                "network, give --allow-image-host with its host."
            )
        return notes
