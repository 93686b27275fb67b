"""Search and social settings from the blog being moved: Yoast SEO's and Rank
Math's post meta in a WordPress export, Ghost's meta fields. They become a
post's "Search and social" fields (``meta_title``, ``meta_description``,
``canonical_url``, ``noindex``) and a page's description.

Here one title and one description serve search results and link previews
alike (``posts.seo``), so each takes the first one an editor wrote there: the
search result's, else the Facebook card's, else the X card's (Yoast before
Rank Math at each step, should a blog have used both).

Yoast and Rank Math store titles and descriptions as templates, filled in on
every page: ``%%title%% %%sep%% %%sitename%%`` (Rank Math: ``%title%``…). A
value made only of variables is the plugin's default wording, not something
an editor wrote: it is left empty, so the blog's own default applies (the
post's title and the blog's name; the excerpt) and follows a later rename of
the post. In a value with words of its own the common variables are filled
in as the page here would show them: ``title``, ``sitename`` and ``sitedesc``
(this blog's name and tagline: the post lives here now), ``sep`` (" — ", as
in the blog's titles), ``excerpt`` and the page numbers (empty). A value with
any other variable (a focus keyword, a custom field) is not used, with a
note, rather than showing ``%%focuskw%%`` to readers.

Every value then meets the model fields' own checks, which the admin's form
runs too: a title or description over its limit is shortened at a word, an
address that is not one is left out, each with a note. None stops the import.
"""

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import strip_tags

from . import seo
from .models import Page, Post


@dataclass
class SearchSettings:
    meta_title: str = ""
    meta_description: str = ""
    canonical_url: str = ""
    noindex: bool = False


YOAST, RANK_MATH = "Yoast SEO", "Rank Math"
_VARIABLE = {
    YOAST: re.compile(r"%%([\w-]+)%%"),
    # Rank Math's may take an argument: %customfield(name)%.
    RANK_MATH: re.compile(r"%([a-z_]+)(?:\([^)%]*\))?%"),
}
# What is left of a default template once its variables are gone.
_SEPARATORS = re.compile(r"[\s\-–—|·•:;,.>»<«~*/]+")

YOAST_TITLE, YOAST_DESCRIPTION = "_yoast_wpseo_title", "_yoast_wpseo_metadesc"
YOAST_CANONICAL = "_yoast_wpseo_canonical"
YOAST_NOINDEX = "_yoast_wpseo_meta-robots-noindex"  # "1" noindex, "2" index, "0" or none: the site's default
# (meta key, plugin), in the order a value is taken.
WP_TITLE = [
    (YOAST_TITLE, YOAST),
    ("rank_math_title", RANK_MATH),
    ("_yoast_wpseo_opengraph-title", YOAST),
    ("rank_math_facebook_title", RANK_MATH),
    ("_yoast_wpseo_twitter-title", YOAST),
    ("rank_math_twitter_title", RANK_MATH),
]
WP_DESCRIPTION = [
    (YOAST_DESCRIPTION, YOAST),
    ("rank_math_description", RANK_MATH),
    ("_yoast_wpseo_opengraph-description", YOAST),
    ("rank_math_facebook_description", RANK_MATH),
    ("_yoast_wpseo_twitter-description", YOAST),
    ("rank_math_twitter_description", RANK_MATH),
]
WP_CANONICAL = [YOAST_CANONICAL, "rank_math_canonical_url"]
GHOST_TITLE = ["meta_title", "og_title", "twitter_title"]
GHOST_DESCRIPTION = ["meta_description", "og_description", "twitter_description"]


def _plain(value) -> str:
    """One line of text: the plugins keep entities (``&amp;``) and may keep markup."""
    return " ".join(html.unescape(strip_tags(str(value or ""))).split())


def _filled(value: str, plugin: str, title: str, excerpt: str) -> tuple[str, str]:
    """``value`` with its variables filled in, "" for a default template; and
    the first variable the blog cannot fill in, if any."""
    pattern = _VARIABLE[plugin]
    if not pattern.search(value):
        return value, ""
    if not _SEPARATORS.sub("", pattern.sub("", value)):
        return "", ""
    sep, blog = "—", settings.BLOG
    known = {"title": title, "sitename": blog["NAME"], "sitedesc": blog["TAGLINE"], "sep": sep, "excerpt": excerpt}
    known |= {"excerpt_only": excerpt, "page": "", "pagenumber": "", "pagetotal": ""}
    if unknown := next((match.group(0) for match in pattern.finditer(value) if match.group(1) not in known), ""):
        return "", unknown
    return " ".join(pattern.sub(lambda match: known[match.group(1)], value).split()), ""


def _first_written(meta: dict, keys: list[tuple[str, str]], title: str, excerpt: str, label: str, what: str, notes):
    for key, plugin in keys:
        value, unknown = _filled(_plain(meta.get(key)), plugin, title, excerpt)
        if unknown:
            notes.append(f"{what}: its {plugin} {label} uses {unknown}, which the blog cannot fill in: not used.")
        elif value:
            return value
    return ""


def _hosts(*addresses: str) -> set[str]:
    return {(urlsplit(address).hostname or "").removeprefix("www.") for address in addresses if address} - {""}


def _canonical(value: str, old_hosts: set[str], what: str, notes: list[str]) -> str:
    """A canonical address on the old blog itself named the post's address
    there, which now redirects here: the post's own address here is its
    canonical one."""
    value = value.strip()
    if value and ("__GHOST_URL__" in value or _hosts(value) & old_hosts):
        notes.append(f"{what}: its canonical URL “{value}” was on the old blog: not kept, its address is here now.")
        return ""
    return value


def from_wordpress(meta: dict[str, str], *, title: str, excerpt: str, site: list[str], what: str, notes: list[str]):
    """A WordPress item's Yoast and Rank Math settings (its ``wp:postmeta``
    by key), as written there; ``site`` are the old blog's addresses."""
    canonical = next((meta[key].strip() for key in WP_CANONICAL if meta.get(key, "").strip()), "")
    # Rank Math keeps its robots as a PHP array: a:1:{i:0;s:7:"noindex";}
    robots = re.findall(r'"([^"]*)"', meta.get("rank_math_robots", "")) or meta.get("rank_math_robots", "").split(",")
    return SearchSettings(
        meta_title=_first_written(meta, WP_TITLE, title, excerpt, "title", what, notes),
        meta_description=_first_written(meta, WP_DESCRIPTION, title, excerpt, "description", what, notes),
        canonical_url=_canonical(canonical, _hosts(*site), what, notes),
        noindex=meta.get(YOAST_NOINDEX, "").strip() == "1" or "noindex" in {word.strip() for word in robots},
    )


def from_ghost(row: dict, meta: dict, *, site_url: str, what: str, notes: list[str]) -> SearchSettings:
    """A Ghost post's or page's settings: from its ``posts_meta`` row (Ghost
    3 and later), else from the post itself (older exports kept them there).
    Ghost has no robots setting of its own."""

    def first(keys: list[str]) -> str:
        return next((value for key in keys if (value := _plain(meta.get(key) or row.get(key)))), "")

    canonical = str(row.get("canonical_url") or "")
    if site_url:
        canonical = canonical.replace("__GHOST_URL__", site_url.rstrip("/"))
    canonical = _canonical(canonical, _hosts(site_url), what, notes)
    return SearchSettings(first(GHOST_TITLE), first(GHOST_DESCRIPTION), canonical)


def _fitted(model: type[models.Model], name: str, value: str, what: str, notes: list[str]) -> str:
    """``value`` if the model field takes it, as the admin's form would; a
    text too long for it shortened at a word, anything else left out."""
    field = model._meta.get_field(name)
    if not value:
        return value
    try:
        field.clean(value, None)
    except ValidationError:
        if isinstance(field, models.URLField):
            why = "is not a whole web address (https://…)"
            if len(value) > field.max_length:
                why = f"is longer than {field.max_length} characters"
            notes.append(f"{what}: its {field.verbose_name} “{value}” {why}: left out.")
            return ""
        shortened = seo.description(value, field.max_length)
        notes.append(
            f"{what}: its {field.verbose_name} had {len(value)} characters, shortened to the {field.max_length} "
            f"search results show: “{shortened}”."
        )
        return shortened
    return value


def checked(found: SearchSettings, what: str, notes: list[str]) -> SearchSettings:
    """A post's settings as its fields take them."""
    return SearchSettings(
        meta_title=_fitted(Post, "meta_title", found.meta_title, what, notes),
        meta_description=_fitted(Post, "meta_description", found.meta_description, what, notes),
        canonical_url=_fitted(Post, "canonical_url", found.canonical_url, what, notes),
        noindex=found.noindex,
    )


def page_description(found: SearchSettings, excerpt: str, what: str, notes: list[str]) -> str:
    """A page's description: what search engines were given for it, else its
    excerpt. A page here has no title, address or robots of its own for
    search engines, so those are named in a note rather than dropped unsaid."""
    lost = [
        name
        for name, value in (
            ("a search title", found.meta_title),
            ("a canonical URL", found.canonical_url),
            ("hidden from search engines", found.noindex),
        )
        if value
    ]
    if lost:
        notes.append(f"{what}: pages here have a description only for search engines; not kept: {', '.join(lost)}.")
    return _fitted(Page, "description", found.meta_description, what, notes) or excerpt
