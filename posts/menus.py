"""The pages linked from the header and the footer, read once per process
and again when a page changes (or, at the latest, after ``MAX_AGE`` seconds).

Every page shows the menus, and the page cache is emptied by every post,
comment or tag change, so reading them per render, or per content version
(``content_cached``), would add a query to nearly every page rendered. Pages
change rarely: each process keeps the menus it read, with the *menu version*
from the shared cache it read them under. Saving or deleting a page sets a
new version (``menus_changed``, now and again after commit, like
``content_changed``), and every process reads the menus again on its next
render. Should the shared cache lose the version (restarted, emptied), a
process keeps what it read for at most ``MAX_AGE`` seconds.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

VERSION_KEY = "pages:menu-version"
MAX_AGE = 600.0


@dataclass(frozen=True)
class MenuLink:
    title: str
    url: str


@dataclass(frozen=True)
class Menus:
    header: tuple[MenuLink, ...] = ()
    footer: tuple[MenuLink, ...] = ()


@dataclass(frozen=True)
class _Kept:
    menus: Menus
    version: int | None
    until: float


_kept: _Kept | None = None


def site_menus() -> Menus:
    """The published pages of the header and footer menus, in order."""
    global _kept
    shared = cache.get(VERSION_KEY)
    kept = _kept
    if kept is not None and shared in (None, kept.version) and time.monotonic() < kept.until:
        return kept.menus
    if shared is None:
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        shared = cache.get(VERSION_KEY)
    # The version is read before the pages: a save in between sets a newer
    # one, and the next render reads them again.
    menus = _read_menus()
    _kept = _Kept(menus, shared, time.monotonic() + MAX_AGE)
    return menus


def _read_menus() -> Menus:
    from .models import Page

    pages = Page.objects.published().filter(Q(show_in_header=True) | Q(show_in_footer=True))
    rows = list(pages.values_list("title", "slug", "show_in_header", "show_in_footer"))
    header = tuple(MenuLink(title, _url(slug)) for title, slug, in_header, _ in rows if in_header)
    footer = tuple(MenuLink(title, _url(slug)) for title, slug, _, in_footer in rows if in_footer)
    return Menus(header, footer)


def _url(slug: str) -> str:
    from django.urls import reverse

    return reverse("pages:detail", kwargs={"slug": slug})


def _new_version() -> int:
    return time.time_ns()


def _bump() -> None:
    cache.set(VERSION_KEY, _new_version(), timeout=None)


def menus_changed() -> None:
    """Call when a page changed: every process reads the menus again."""
    global _kept
    _kept = None
    _bump()
    transaction.on_commit(_bump)


def remember(menus: Menus) -> None:
    """Keep ``menus`` as read, whatever the shared version (a test database
    starts without pages: the state of a process that has read them)."""
    global _kept
    _kept = _Kept(menus, None, time.monotonic() + MAX_AGE)
