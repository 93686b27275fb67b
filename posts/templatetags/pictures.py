"""``{% picture %}``: an image as AVIF and WebP renditions with srcset.

Renditions are made by sorl-thumbnail on first use and remembered in its
key-value store (cache first, then database). Each process also remembers
the addresses it has looked up, and the size of each body image it has
opened: an uploaded file is never overwritten (the storage gives a new
upload a new name), so what a name stands for never changes, and a page
render then asks neither the cache nor the disk. ``BLOG["RESPONSIVE_IMAGES"]
= False`` (the test settings) serves the original file instead, to keep
tests from encoding images.
"""

import html
import re
from urllib.parse import unquote

from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from PIL import Image
from sorl.thumbnail import default, get_thumbnail

register = template.Library()

FORMATS = [("image/avif", "AVIF", 55), ("image/webp", "WEBP", 75)]


# Bounded, so a process serving many images keeps a steady footprint.
_REMEMBERED = 20_000
_renditions: dict[tuple, tuple[str, int, int]] = {}
_image_sizes: dict[str, tuple[int, int]] = {}
_animations: dict[str, bool] = {}
_pictures: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(setting, **kwargs) -> None:
    """Another storage or image setting (tests change them) makes another set of files."""
    if setting in {"MEDIA_ROOT", "MEDIA_URL", "STORAGES", "BLOG"}:
        for memo in (_renditions, _image_sizes, _animations, _pictures):
            memo.clear()


def _remember(memo: dict, key, value) -> None:
    if len(memo) >= _REMEMBERED:
        memo.clear()
    memo[key] = value


def _key(name: str, geometry: str, options: dict) -> tuple:
    return (name, geometry, *sorted(options.items()))


def rendition(image, geometry: str, **options) -> tuple[str, int | None, int | None]:
    """The address, width and height of ``image`` resized to ``geometry``
    (sorl-thumbnail's syntax and options), made if missing. When the source
    cannot be read, sorl names a file it did not make: its size is unknown
    and nothing is remembered, so a restored file is picked up."""
    key = _key(image.name, geometry, options)
    found = _renditions.get(key)
    if found is None:
        thumbnail = get_thumbnail(image, geometry, **options)
        if not thumbnail.exists():
            # sorl's store remembers a rendition once made: one whose file
            # went since (media restored without its cache/ folder, a disk
            # cleaned) was linked as a 404 for good. Forgotten, it is made again.
            default.kvstore.delete(thumbnail, delete_thumbnails=False)
            thumbnail = get_thumbnail(image, geometry, **options)
        if not thumbnail.exists():
            return thumbnail.url, None, None
        found = (thumbnail.url, thumbnail.width, thumbnail.height)
        _remember(_renditions, key, found)
    return found


def rendition_url(image, geometry: str, **options) -> str:
    return rendition(image, geometry, **options)[0]


def _srcset(image, widths: list[int], fmt: str, quality: int) -> tuple[str, bool]:
    """A srcset, and whether every rendition in it exists."""
    options = {"format": fmt, "quality": quality, "upscale": False}
    srcset = ", ".join(f"{rendition_url(image, str(width), **options)} {width}w" for width in widths)
    return srcset, all(_key(image.name, str(width), options) in _renditions for width in widths)


@register.simple_tag
def square_photo(image, size: int) -> str:
    """``{% square_photo author.photo 192 %}``: the address of a square WebP crop."""
    return rendition_url(image, f"{size}x{size}", crop="center", format="WEBP", quality=80)


def stored_image_size(name: str) -> tuple[int, int] | None:
    """Width and height of a stored image, or None if it cannot be read."""
    size = _image_sizes.get(name)
    if size is None:
        try:
            with default_storage.open(name) as handle, Image.open(handle) as image:
                size = image.size
                _remember(_animations, name, getattr(image, "n_frames", 1) > 1)
        except (OSError, ValueError):
            return None
        _remember(_image_sizes, name, size)
    return size


def is_animated(name: str) -> bool:
    """Whether a stored image has more than one frame (an animated GIF,
    WebP or PNG). Its renditions would not: sorl-thumbnail encodes the
    first frame alone, and the AVIF source, which browsers pick first,
    showed readers a still picture of the animation."""
    animated = _animations.get(name)
    if animated is None:
        stored_image_size(name)
        animated = _animations.get(name, False)
    return animated


@register.simple_tag
def picture(image, alt, width, height, sizes="100vw", widths="480,800,1200,1600", loading="lazy", css_class=""):
    """Render <picture> for an ImageField value; width/height are the original's.

    The markup is remembered per process like the addresses it is made of
    (see the module's docstring), once every rendition in it exists.
    """
    if not image:
        return ""
    responsive = settings.BLOG.get("RESPONSIVE_IMAGES", True)
    key = (image.name, alt, width, height, sizes, widths, loading, css_class, responsive)
    markup = _pictures.get(key)
    if markup is None:
        markup, complete = _picture(image, alt, int(width or 0), int(height or 0), sizes, widths, loading, css_class)
        if complete:
            _remember(_pictures, key, markup)
    return markup


def _picture(image, alt, width, height, sizes, widths, loading, css_class) -> tuple[str, bool]:
    attrs = {
        "src": image.url,
        "alt": alt,
        "width": width or None,
        "height": height or None,
        "loading": loading,
        "decoding": "async",
        "class": css_class or None,
        "fetchpriority": "high" if loading == "eager" else None,
    }
    img = format_html("<img {}>", format_html_join(" ", '{}="{}"', [(k, v) for k, v in attrs.items() if v is not None]))
    if not settings.BLOG.get("RESPONSIVE_IMAGES", True) or is_animated(image.name):
        return img, True  # the original, an animation with all its frames
    candidates = sorted({w for w in (int(w) for w in widths.split(",")) if not width or w <= width} or {width})
    srcsets = [(mime, *_srcset(image, candidates, fmt, quality)) for mime, fmt, quality in FORMATS]
    sources = format_html_join(
        "", '<source type="{}" srcset="{}" sizes="{}">', [(mime, srcset, sizes) for mime, srcset, _ in srcsets]
    )
    return format_html("<picture>{}{}</picture>", sources, img), all(complete for *_, complete in srcsets)


_IMG = re.compile(r"<img\s([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


class _Stored:
    """A stored file by name, in the shape ``picture`` and sorl-thumbnail expect."""

    def __init__(self, name: str):
        self.name = name
        self.url = default_storage.url(name)

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return self.name


@register.filter
def responsive_images(body: str) -> str:
    """Serve a post body's uploaded images like its thumbnail: renditions,
    width and height, loaded lazily. ``body`` is sanitized HTML (Post.save);
    images stored elsewhere are left as they are."""

    def rebuild(match: re.Match) -> str:
        attrs = {name: html.unescape(value) for name, value in _ATTR.findall(match.group(1))}
        src = attrs.get("src", "")
        if not src.startswith(settings.MEDIA_URL):
            return match.group(0)
        # The address names the file percent-encoded ("caf%C3%A9.png" for
        # café.png, as the storage's url() gives it); the storage by its name.
        name = unquote(src.removeprefix(settings.MEDIA_URL))
        if ".." in name:
            return match.group(0)
        size = stored_image_size(name)
        if size is None:
            return match.group(0)
        width, height = size
        stored = _Stored(name)
        return picture(stored, attrs.get("alt", ""), width, height, sizes="(min-width: 44rem) 42rem, 100vw")

    return mark_safe(_IMG.sub(rebuild, body))  # noqa: S308 (sanitized body; rebuilt tags are escaped)
