"""Read the blog's content files: authors (TOML), posts and pages (HTML with
TOML front matter between ``+++`` lines).

Parsing and validation happen before anything is written, so one malformed
file stops a load with a message naming the file and leaves the database and
media untouched.
"""

import datetime
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator, validate_slug

from skolr_blog.images import validate_image

from .models import EARLIEST_PUBLISH_DATE, LATEST_PUBLISH_DATE, Page, Post
from .tagging import tag_name_problem


class ContentError(Exception):
    """A content file is malformed; the message names the file and problem."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")


@dataclass
class AuthorSource:
    path: Path
    slug: str
    name: str
    bio: str = ""
    expertise: list[str] = field(default_factory=list)
    photo: Path | None = None
    links: dict[str, str] = field(default_factory=dict)


@dataclass
class PostSource:
    path: Path
    slug: str
    title: str
    author: str
    body: str
    status: str
    published_at: datetime.datetime | None
    tags: list[str]
    excerpt: str = ""
    thumbnail: Path | None = None
    thumbnail_alt: str = ""
    allow_comments: bool = True


@dataclass
class PageSource:
    path: Path
    slug: str
    title: str
    body: str
    description: str = ""
    published: bool = False
    show_in_header: bool = False
    show_in_footer: bool = False
    menu_order: int = 0


AUTHOR_LINKS = ("website", "linkedin", "x", "github", "mastodon")
AUTHOR_KEYS = {"name", "slug", "bio", "expertise", "photo", *AUTHOR_LINKS}
POST_KEYS = {
    "title", "slug", "author", "status", "published_at", "tags",
    "excerpt", "thumbnail", "thumbnail_alt", "allow_comments",
}  # fmt: skip
PAGE_KEYS = {"title", "slug", "description", "published", "show_in_header", "show_in_footer", "menu_order"}


def _require(path: Path, data: dict, key: str, kind: type, *, optional: bool = False, default=None):
    if key not in data:
        if optional:
            return default
        raise ContentError(path, f"missing required field {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise ContentError(path, f"field {key!r} must be {kind.__name__}, not {type(value).__name__}")
    return value


def _check_unknown(path: Path, data: dict, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ContentError(path, f"unknown field(s): {', '.join(unknown)}")


def _slug(path: Path, value: str) -> str:
    try:
        validate_slug(value)
    except ValidationError:
        raise ContentError(path, f"slug {value!r} may only contain letters, numbers, hyphens and underscores")
    return value


def _image(path: Path, relative: str | None) -> Path | None:
    if not relative:
        return None
    image = (path.parent / relative).resolve()
    if not image.is_file():
        raise ContentError(path, f"image {relative!r} does not exist")
    with image.open("rb") as handle:
        try:
            validate_image(File(handle, name=image.name))
        except ValidationError as error:
            raise ContentError(path, f"image {relative!r}: {' '.join(error.messages)}")
    return image


def parse_author(path: Path) -> AuthorSource:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ContentError(path, f"not valid TOML: {error}")
    _check_unknown(path, data, AUTHOR_KEYS)
    expertise = _require(path, data, "expertise", list, optional=True, default=[])
    if not all(isinstance(item, str) for item in expertise):
        raise ContentError(path, "field 'expertise' must be a list of strings")
    links = {}
    for key in AUTHOR_LINKS:
        url = _require(path, data, key, str, optional=True, default="")
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise ContentError(path, f"field {key!r} is not an http(s) URL")
        links[key] = url
    return AuthorSource(
        path=path,
        slug=_slug(path, _require(path, data, "slug", str)),
        name=_require(path, data, "name", str).strip(),
        bio=_require(path, data, "bio", str, optional=True, default="").strip(),
        expertise=[item.strip() for item in expertise if item.strip()],
        photo=_image(path, _require(path, data, "photo", str, optional=True)),
        links=links,
    )


def _front_matter(path: Path, allowed: set[str]) -> tuple[dict, str]:
    """The TOML front matter between two ``+++`` lines, and the HTML after it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError(path, f"not UTF-8 text: {error}")
    parts = text.split("+++", 2)
    if len(parts) != 3 or parts[0].strip():
        raise ContentError(path, "must start with front matter between two '+++' lines")
    try:
        data = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as error:
        raise ContentError(path, f"front matter is not valid TOML: {error}")
    _check_unknown(path, data, allowed)
    return data, parts[2].strip()


def parse_post(path: Path) -> PostSource:
    data, body = _front_matter(path, POST_KEYS)

    status = _require(path, data, "status", str, optional=True, default=Post.Status.DRAFT)
    if status not in Post.Status.values:
        raise ContentError(path, f"status must be one of {', '.join(Post.Status.values)}, not {status!r}")
    published_at = _require(path, data, "published_at", datetime.datetime, optional=True)
    if published_at is not None and published_at.tzinfo is None:
        raise ContentError(path, "published_at needs a time zone, e.g. 2026-03-19T09:00:00Z")
    if published_at is not None and not EARLIEST_PUBLISH_DATE <= published_at < LATEST_PUBLISH_DATE:
        first, last = EARLIEST_PUBLISH_DATE.year, LATEST_PUBLISH_DATE.year - 1
        raise ContentError(path, f"published_at must be in a year from {first} to {last}, not {published_at.year}")
    if status == Post.Status.PUBLISHED and published_at is None:
        raise ContentError(path, "a published post needs published_at")
    tags = _require(path, data, "tags", list, optional=True, default=[])
    if not all(isinstance(tag, str) and tag.strip() for tag in tags):
        raise ContentError(path, "field 'tags' must be a list of non-empty strings")
    for tag in tags:
        if problem := tag_name_problem(tag.strip()):
            raise ContentError(path, problem)
    title = _require(path, data, "title", str).strip()
    if not title or len(title) > Post._meta.get_field("title").max_length:
        raise ContentError(path, "title must be 1 to 200 characters")
    excerpt = _require(path, data, "excerpt", str, optional=True, default="").strip()
    if len(excerpt) > Post._meta.get_field("excerpt").max_length:
        raise ContentError(path, "excerpt is longer than 300 characters")
    thumbnail = _image(path, _require(path, data, "thumbnail", str, optional=True))
    thumbnail_alt = _require(path, data, "thumbnail_alt", str, optional=True, default="").strip()
    if thumbnail and not thumbnail_alt:
        raise ContentError(path, "a thumbnail needs thumbnail_alt text")
    if not body:
        raise ContentError(path, "the post has no body after the front matter")
    return PostSource(
        path=path,
        slug=_slug(path, _require(path, data, "slug", str)),
        title=title,
        author=_require(path, data, "author", str),
        body=body,
        status=status,
        published_at=published_at,
        tags=[tag.strip() for tag in tags],
        excerpt=excerpt,
        thumbnail=thumbnail,
        thumbnail_alt=thumbnail_alt,
        allow_comments=_require(path, data, "allow_comments", bool, optional=True, default=True),
    )


def parse_page(path: Path) -> PageSource:
    data, body = _front_matter(path, PAGE_KEYS)
    title = _require(path, data, "title", str).strip()
    if not title or len(title) > Page._meta.get_field("title").max_length:
        raise ContentError(path, "title must be 1 to 200 characters")
    description = _require(path, data, "description", str, optional=True, default="").strip()
    if len(description) > Page._meta.get_field("description").max_length:
        raise ContentError(path, "description is longer than 300 characters")
    menu_order = _require(path, data, "menu_order", int, optional=True, default=0)
    if isinstance(menu_order, bool) or not 0 <= menu_order <= 32767:
        raise ContentError(path, "menu_order must be a whole number from 0 to 32767")
    if not body:
        raise ContentError(path, "the page has no body after the front matter")
    return PageSource(
        path=path,
        slug=_slug(path, _require(path, data, "slug", str)),
        title=title,
        body=body,
        description=description,
        published=_require(path, data, "published", bool, optional=True, default=False),
        show_in_header=_require(path, data, "show_in_header", bool, optional=True, default=False),
        show_in_footer=_require(path, data, "show_in_footer", bool, optional=True, default=False),
        menu_order=menu_order,
    )


def file_digest(handle) -> str:
    handle.seek(0)
    return hashlib.file_digest(handle, "sha256").hexdigest()
