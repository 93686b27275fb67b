"""Where an uploaded image is stored: under a folder of its own, named at
random, so its address cannot be guessed.

nginx serves ``/media/`` straight from disk to anyone who asks (there is no
listing of folders), so an image is private only while its address is
unknown. Named ``posts/2026/acme-acquisition.png``, the thumbnail of an
embargoed draft could be found by guessing before the post was published,
and so could its renditions, whose names sorl-thumbnail derives from the
source's name (``cache/…/<md5 of the name and options>.webp``). A random
folder, ``posts/2026/k3f9x2q7ab4m/acme-acquisition.png``, keeps the file's
own name (readable, what a search engine and a "Save image as" see) and
puts 62 bits from ``secrets`` before it; the renditions' names then hold
them too. The random part is a folder rather than a suffix because the
storage shortens a name too long for its column (``get_available_name``)
from the end of the file's name: never the folder.

Files stored before this keep their names and addresses (nothing is
renamed: bodies, feeds and other sites link to them).
"""

import contextlib
import os
import posixpath
import re
import secrets
import string

from django.utils import timezone
from django.utils.deconstruct import deconstructible

ALPHABET = string.ascii_lowercase + string.digits
LENGTH = 12  # 36**12 ≈ 2**62
RANDOM_FOLDER = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def random_folder() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def unguessable(folder: str, filename: str) -> str:
    """``filename`` (its last part: the storage makes it safe, and shortens
    it if it must) in a random folder of its own under ``folder``."""
    return posixpath.join(folder, random_folder(), posixpath.basename(filename))


def remove_its_folder(storage, name: str) -> None:
    """Remove the random folder the file ``name`` had to itself, now that
    the file is deleted: each deleted image left an empty folder behind.
    Files stored before had none (``posts/2025/cover.png``); a folder still
    holding something, or a storage without folders on disk, is left."""
    folder = posixpath.dirname(name)
    if not RANDOM_FOLDER.fullmatch(posixpath.basename(folder)):
        return
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(storage.path(folder))


@deconstructible
class UnguessablePath:
    """An ``upload_to`` storing each file under ``folder`` (``strftime``
    codes allowed, as in a string ``upload_to``: ``posts/%Y``), in a random
    folder of its own (see the module)."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return unguessable(timezone.localtime().strftime(self.folder), filename)

    def __eq__(self, other) -> bool:
        return isinstance(other, UnguessablePath) and self.folder == other.folder

    def __hash__(self) -> int:
        return hash(self.folder)
