"""Image upload validation shared by author photos, post thumbnails and
the images of posts' and pages' bodies.

Django's ImageField only checks that Pillow can identify a file, and that
its name ends as one of the ~75 formats Pillow knows. A blog needs less than
that allows: four web formats, judged by what the file is (its name is given
the format's ending when stored), a byte limit and a pixel limit (a small
file can decode to gigabytes), so uploads are held to those here.
"""

import io
import re
import struct

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, ImageSequence

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP"}
# The file name endings of each format; the first is given to a file named otherwise.
EXTENSIONS = {"JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"), "PNG": (".png",), "GIF": (".gif",), "WEBP": (".webp",)}


def named_as(name: str, kind: str) -> str:
    """``name`` ending as a ``kind`` image does: a PNG uploaded as
    ``diagram.pdf`` is stored as ``diagram.png``, and one named ``scan`` as
    ``scan.png``. The address's ending is what browsers and servers go by
    (nginx sent that PNG as a PDF). A name with no letter or digit before
    its ending is called ``image``: the storage keeps only those (and ``-``,
    ``_``), and ``😀.png`` was stored as the hidden file ``.png``."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if not re.search(r"[-\w]", stem):
        stem = "image"
    ending = f".{suffix}" if f".{suffix.lower()}" in EXTENSIONS[kind] else EXTENSIONS[kind][0]
    return f"{stem}{ending}"


def too_many_pixels() -> ValidationError:
    """Pillow refuses to open an image of over twice its own limit (about
    178 megapixels), a decompression bomb, before anyone reads its size."""
    return ValidationError(
        "This image is over %(pixels)s megapixels; the limit is %(limit)s megapixels.",
        params={"pixels": 2 * Image.MAX_IMAGE_PIXELS // 1_000_000, "limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


# The brands of HEIF files Pillow has no decoder for (iPhones' photos): an
# ISO media file's "ftyp" box names its brand.
HEIF = re.compile(rb"^....ftyp(heic|heix|heim|heis|hevc|hevx|hevm|hevs|mif1|msf1)", re.DOTALL)


def unsupported_format(upload) -> ValidationError | None:
    """Why a file Pillow does not identify is refused, where it is one
    photos often come as; None for anything else ("Upload a valid image")."""
    position = upload.tell()
    try:
        upload.seek(0)
        head = upload.read(12)
    finally:
        upload.seek(position)
    if HEIF.match(head):
        return ValidationError("HEIC images are not supported: export it as JPEG, PNG or WebP.", code="bad_format")
    return None


def validate_image(upload) -> None:
    """Refuse anything that is not a complete JPEG, PNG, GIF or WebP within limits."""
    if upload.size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            "This image is %(size)s; the limit is %(limit)s.",
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.IMAGE_MAX_BYTES),
            },
            code="too_large",
        )
    # A stored file (FieldFile) that Django closed after reading its
    # dimensions: saving the post again validates it again.
    reopened = bool(getattr(upload, "closed", False) and hasattr(upload, "open"))
    if reopened:
        upload.open("rb")
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            if kind not in ALLOWED_FORMATS:
                raise ValidationError(
                    "Upload a JPEG, PNG, GIF or WebP image (this file is %(kind)s).",
                    params={"kind": kind or "not an image"},
                    code="bad_format",
                )
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    "This image is %(w)s×%(h)s pixels; the limit is %(limit)s megapixels.",
                    params={"w": width, "h": height, "limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
                    code="too_many_pixels",
                )
            check_animation(image, width, height)
            upload.seek(0)
            with Image.open(upload) as full:
                full.load()  # decodes every byte: a truncated file fails here
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise too_many_pixels() from error
    except (OSError, SyntaxError, ValueError) as error:
        raise unsupported_format(upload) or ValidationError(
            "This file is not a complete JPEG, PNG, GIF or WebP image.", code="invalid_image"
        ) from error
    finally:
        upload.seek(position)
        if reopened:
            upload.close()


def check_animation(image: Image.Image, width: int, height: int) -> None:
    """Refuse an animation whose frames together are too much to re-encode.

    Only the first frame is decoded here, but strip_metadata() re-encodes
    every frame at the full canvas size: 20 frames of 6000×6000 in a 550 KB
    GIF took 39 s and 1.4 GB in one request. So the pixel limit holds for all
    the frames together, and a frame limit bounds Pillow's per-frame work
    (about 0.15 ms each) for animations of many tiny frames. Counting frames
    reads their headers without decoding them (about a second for the most a
    5 MB GIF can hold).
    """
    frames = getattr(image, "n_frames", 1)
    if frames > settings.IMAGE_MAX_FRAMES:
        raise ValidationError(
            "This animation has %(frames)s frames; the limit is %(limit)s.",
            params={"frames": frames, "limit": settings.IMAGE_MAX_FRAMES},
            code="too_many_frames",
        )
    if frames * width * height > settings.IMAGE_MAX_PIXELS:
        raise ValidationError(
            "This animation is %(frames)s frames of %(w)s×%(h)s pixels; "
            "the limit is %(limit)s megapixels for all its frames together.",
            params={"frames": frames, "w": width, "h": height, "limit": settings.IMAGE_MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        )


def strip_metadata(field_file) -> None:
    """Re-encode a freshly uploaded image without its EXIF/GPS metadata.

    The orientation the camera recorded is applied to the pixels first, so the
    picture still stands the right way up once the tag is gone. Only files not
    yet stored are touched: re-saving a post does not re-encode its images.
    """
    if not field_file or getattr(field_file, "_committed", True):
        return
    upload = field_file.file
    upload.seek(0)
    with Image.open(upload) as image:
        kind = image.format
        frames = getattr(image, "n_frames", 1)
        params: dict = {}
        if image.info.get("icc_profile"):
            params["icc_profile"] = image.info["icc_profile"]
        if frames > 1:
            # Animations keep their frames, each shown as long as it was (a
            # pause on the last one), and loop as they did; they carry no
            # camera metadata to orient. An animated PNG was stored as its
            # first frame, and a GIF's frames all took the first one's time.
            params |= animation(image)
            cleaned = image
        else:
            try:
                cleaned = ImageOps.exif_transpose(image)
            except (SyntaxError, ValueError, OSError, KeyError, TypeError, struct.error):
                # An EXIF block Pillow cannot parse has no orientation to
                # apply; it is dropped like any other (it raised, a 500).
                cleaned = image.copy()
        if kind in ("JPEG", "GIF"):
            params["comment"] = b""  # Pillow keeps a JPEG COM / GIF comment unless told otherwise
        if kind == "JPEG":
            params |= {"quality": 90, "optimize": True}
            if cleaned.mode not in ("RGB", "L", "CMYK"):
                cleaned = cleaned.convert("RGB")
        elif kind == "WEBP":
            params |= {"quality": 90}
        buffer = io.BytesIO()
        cleaned.save(buffer, kind, **{key: value for key, value in params.items() if value is not None})
    field_file.name = named_as(field_file.name, kind)
    field_file.file = ContentFile(buffer.getvalue(), name=field_file.name)


def animation(image: Image.Image) -> dict:
    """What saving an animation again takes to play as it did: each frame
    for as long (a WebP frame's is known once it is decoded), the loops,
    and for a GIF whose frames clear what they drew (a figure moving over
    a transparent background), frames that clear too. Pillow reads each
    frame as the whole picture shown then; written over the frame before,
    its transparent pixels showed the old figure through, a trail."""
    durations, clears = [], False
    for frame in ImageSequence.Iterator(image):
        if image.format == "WEBP":
            frame.load()
        durations.append(round(frame.info.get("duration") or 0))
        clears = clears or getattr(frame, "disposal_method", 0) >= 2
    image.seek(0)
    params = {"save_all": True, "loop": image.info.get("loop"), "duration": durations}
    return params | ({"disposal": 2} if clears else {})


class WebImageFormField(forms.ImageField):
    """Django's image form field, without its check of the name's ending:
    a PNG named ``scan`` or ``photo.heic`` was refused with the ~75 endings
    Pillow knows, where the blog takes four formats and stores each under its
    own ending (``named_as``). What the file is decides (``validate_image``,
    the model's validator), and a file Pillow will not open is refused with
    the blog's reason where there is one: a decompression bomb's pixel limit,
    a HEIC photo."""

    default_validators = []

    def to_python(self, data):
        try:
            return super().to_python(data)
        except ValidationError as error:
            if isinstance(error.__cause__, Image.DecompressionBombError):
                raise too_many_pixels() from error.__cause__
            if hasattr(data, "read") and (reason := unsupported_format(data)):
                raise reason from error
            raise


class WebImageField(models.ImageField):
    """An image field judged by what the file is, not by its name (see
    ``WebImageFormField``); give it ``validate_image``.

    Migrations know it as Django's ImageField: it differs in Python only,
    and a migration naming it made SQLite rebuild each table holding one
    (the posts' among them) to change nothing."""

    default_validators = []

    def formfield(self, **kwargs):
        # No limit on the uploaded file's name: a long one (a screenshot's)
        # was refused ("at most 100 characters"), where the storage shortens
        # it to fit the column when it stores it (``get_available_name``).
        return super().formfield(**{"form_class": WebImageFormField, **kwargs, "max_length": None})

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs
