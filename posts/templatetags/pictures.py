"""``{% picture %}``: an image as AVIF and WebP renditions with srcset.

Renditions are made by sorl-thumbnail on first use and remembered in its
key-value store (cache first, then database), so later pages only look
them up. ``BLOG["RESPONSIVE_IMAGES"] = False`` (the test settings) serves the
original file instead, to keep tests from encoding images.
"""

import html
import re

from django import template
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from PIL import Image
from sorl.thumbnail import get_thumbnail

register = template.Library()

FORMATS = [("image/avif", "AVIF", 55), ("image/webp", "WEBP", 75)]


def _srcset(image, widths: list[int], fmt: str, quality: int) -> str:
    return ", ".join(
        f"{get_thumbnail(image, str(width), format=fmt, quality=quality, upscale=False).url} {width}w"
        for width in widths
    )


@register.simple_tag
def picture(image, alt, width, height, sizes="100vw", widths="480,800,1200,1600", loading="lazy", css_class=""):
    """Render <picture> for an ImageField value; width/height are the original's."""
    if not image:
        return ""
    width, height = int(width or 0), int(height or 0)
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
    if not settings.BLOG.get("RESPONSIVE_IMAGES", True):
        return img
    candidates = sorted({w for w in (int(w) for w in widths.split(",")) if not width or w <= width} or {width})
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        [(mime, _srcset(image, candidates, fmt, quality), sizes) for mime, fmt, quality in FORMATS],
    )
    return format_html("<picture>{}{}</picture>", sources, img)


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
        if not src.startswith(settings.MEDIA_URL) or ".." in src:
            return match.group(0)
        name = src.removeprefix(settings.MEDIA_URL)
        try:
            with default_storage.open(name) as handle, Image.open(handle) as image:
                width, height = image.size
        except (OSError, ValueError):
            return match.group(0)
        stored = _Stored(name)
        return picture(stored, attrs.get("alt", ""), width, height, sizes="(min-width: 44rem) 42rem, 100vw")

    return mark_safe(_IMG.sub(rebuild, body))  # noqa: S308 (sanitized body; rebuilt tags are escaped)
