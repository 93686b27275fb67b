"""Where an address listed under Redirects leads now.

Editors and imports list old addresses with the post or page they moved to
(``django.contrib.redirects``). That post may since have been renamed,
unpublished or deleted, and a 301 to a 404 sends readers nowhere. So the
redirect is checked when it is used, rather than rewritten whenever a post
or page changes (a side effect every save and delete would have to
remember): a ``new_path`` that is a post's or a page's address is looked up
then. Only addresses that are otherwise a 404 get that far, so no page
that answers pays for it.

- Published: a 301 to it; for a post or page renamed since, straight to
  its new address (one hop, not through its old slug's own redirect).
- Not live (a draft, in review, scheduled, an unpublished page, one in the
  trash): the old address stays a 404 until it is, then redirects; nothing
  to undo, and an import may list a draft's old address before it is
  published.
- Deleted: a 410, the blog's "This page is gone", as for a redirect left
  without a new address.

Any other address (a tag, the home page, another site, another listed
redirect) is sent as written.
The admin's list of redirects shows what each one does, from the same rule.
"""

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.db.models import Exists, OuterRef, Q
from django.urls import Resolver404, resolve
from django.utils.encoding import iri_to_uri, uri_to_iri
from taggit.models import Tag

from authors.models import Author
from skolr_blog.page_cache import TRACKING_PARAMETERS

from .models import Page, PageSlugRedirect, Post, SlugRedirect, TaggedPost, TagRedirect


@dataclass(frozen=True)
class Outcome:
    status: int  # 301, 404 or 410
    location: str  # for a 301
    says: str  # for editors


# The addresses a redirect's new address is checked at: a post's, a page's.
_CHECKED = {"posts:detail": "post", "pages:detail": "page"}
# The addresses where the blog answers while what they name is live, so a
# redirect from one is not used: those, a tag's and an author's page, and
# their feeds (which answer exactly when their pages do).
_ANSWERED = _CHECKED | {
    "posts:tag": "tag",
    "posts:tag_feed": "tag feed",
    "posts:tag_feed_atom": "tag feed",
    "authors:detail": "author",
    "authors:feed": "author feed",
    "authors:feed_atom": "author feed",
    "posts:comment_feed": "comment feed",
    "posts:comment_feed_atom": "comment feed",
}
# A feed answers while its page does: the kind whose page it is.
_PAGE_OF = {"tag feed": "tag", "author feed": "author", "comment feed": "post"}


def _resolved(path: str):
    """The view readers reach at ``path``, or None: also once a slash is
    added, as Django's ``APPEND_SLASH`` sends ``/about`` on to ``/about/``
    when only that is an address here."""
    tries = [path, f"{path}/"] if settings.APPEND_SLASH and not path.endswith("/") else [path]
    for address in tries:
        try:
            return resolve(address)
        except Resolver404:
            continue
    return None


def _target(new_path: str, kinds: dict[str, str] = _CHECKED) -> tuple[str, str]:
    """(its kind, its slug) for an address here of one of ``kinds`` (by the
    view's name: "post" or "page", say), else ("", "")."""
    parts = urlsplit(new_path)
    if parts.scheme or parts.netloc:
        return "", ""
    match = _resolved(parts.path)
    if match is None:
        return "", ""
    kind = kinds.get(match.view_name, "")
    return kind, match.kwargs.get("slug", "") if kind else ""


def answered_here(old_path: str) -> bool:
    """Whether ``old_path`` is one of the blog's own fixed addresses (the
    home page, the list of tags, the feed, the admin): a redirect is used
    only where the address is a 404, so one from there never is. An address
    with a part that names something (a post, a tag, an author, a month) may
    be a 404, once that is renamed or gone. Without its slash (``/tags``)
    too: readers asking for it are sent on to the address that answers."""
    match = _resolved(urlsplit(old_path).path)
    return match is not None and not (match.args or match.kwargs)


def answered_once_slashed(path: str) -> bool:
    """Whether readers asking for ``path``, which lacks its slash, get an
    address that answers once Django adds it (``/about`` to the published
    page ``/about/``, ``/tags`` to ``/tags/``): a redirect listed for
    ``path`` or ``path/`` must not take them elsewhere instead (found by QA:
    an old address ``/about/`` listed before the page was published sent
    readers who typed ``/about`` away from it)."""
    if not settings.APPEND_SLASH or path.endswith("/"):
        return False
    return answered_here(path) or bool(live_at([path]))


def with_query(location: str, query: str) -> str:
    """``location`` with the reader's ``query`` string kept on it.

    An old address is linked with queries the new one answers the same way:
    a campaign's ``?utm_source=…``, a share's ``?fbclid=…``, a page of
    comments (``?cpage=2``). Dropping them lost the reader's place and the
    campaign's count. Parameters ``location`` sets itself stay its own (the
    reader's of the same name are left off: the new address means them);
    every other one is added as the reader sent it."""
    if not query:
        return location
    parts = urlsplit(location)
    own = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    added = [field for field in query.split("&") if field and unquote_plus(field.partition("=")[0]) not in own]
    return urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, *added]))))


def tried(address: str) -> list[tuple[str, str]]:
    """The old addresses a request for ``address`` (its path and query, as
    browsers send them) may be listed as, in the order they are tried, each
    with the query string to carry on to the new address.

    The whole address first: an editor may list ``/index.php?p=12``, and
    nothing of that query is the reader's; then that without the tracking
    parameters a share adds (``&utm_source=…``, carried on). Then the path alone, keeping the
    reader's query (``?utm_source=…``). Each also with a slash added, as
    Django's middleware does with ``APPEND_SLASH``."""
    path, _, query = address.partition("?")
    slash = settings.APPEND_SLASH and not path.endswith("/")
    found = [(address, "")]
    if slash:
        found.append((f"{path}/?{query}" if query else f"{path}/", ""))
    fields = [field for field in query.split("&") if field]
    tracking = [field for field in fields if unquote_plus(field.partition("=")[0]).startswith(TRACKING_PARAMETERS)]
    if tracking and len(tracking) < len(fields):
        # /index.php?p=12 shared with ?utm_source=…: the listed address, the tracking kept.
        own = "&".join(field for field in fields if field not in tracking)
        found.append((f"{path}?{own}", "&".join(tracking)))
        if slash:
            found.append((f"{path}/?{own}", "&".join(tracking)))
    if query:
        found += [(path, query), (f"{path}/", query)] if slash else [(path, query)]
    return found


_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def as_sent(address: str) -> str:
    """``address`` as Django gives a request for it: any script percent-encoded
    (``/café/`` as ``/caf%C3%A9/``), each escape in capitals. WordPress
    writes its permalinks' in small letters (``/%c3%bcber-uns/``), the same
    address (RFC 3986), which never matched a request."""
    return _ESCAPE.sub(lambda escape: escape[0].upper(), iri_to_uri(address))


def as_stored_before(address: str) -> str:
    """``address`` (``as_sent``) with its escapes in small letters, as an
    import could store it before old addresses were kept ``as_sent``."""
    return _ESCAPE.sub(lambda escape: escape[0].lower(), address)


def matched(address: str, listed: Container[str]) -> tuple[str, str] | None:
    """(old address, query to carry on) of the first of ``tried(address)``
    that is ``listed``; None if none is."""
    return next(((old_path, query) for old_path, query in tried(address) if old_path in listed), None)


def path_here(value: str) -> bool:
    """An address on this blog: one path from its root. Not "//host/" nor
    "/\\host/", which browsers read as another site's address."""
    return value.startswith("/") and not value.startswith(("//", "/\\")) and value.isprintable() and " " not in value


# Browsers give up after about 20 redirects in a row (Chrome 20, Firefox 20).
MAX_HOPS = 20


def loop(site_id: int, old_path: str, new_path: str, pk: int | None = None) -> list[str]:
    """The addresses readers' browsers would go round, from ``old_path``
    back to it, if it led to ``new_path`` through the redirects listed
    (``pk``: the one being changed, which this replaces); [] if none.

    Followed as readers are (``tried``: ``/x`` is ``/x/``'s, and the query
    carried on), at most ``MAX_HOPS`` hops, as if every address were a 404:
    a page that answers one now may be unpublished later. Two queries at
    most: whether any listed redirect leads to ``old_path`` at all (most
    don't, and the chain cannot come back), then every redirect of the
    site, old and new address only, to follow the chain in memory."""
    base = urlsplit(old_path).path
    ends = {base, base.rstrip("/") or "/", f"{base.rstrip('/')}/"}
    ends |= {uri_to_iri(end) for end in ends} | {as_stored_before(end) for end in ends}  # stored as typed: /café/
    others = Redirect.objects.filter(site_id=site_id).exclude(pk=pk)
    into = Q(new_path__in=ends)
    for end in ends:
        into |= Q(new_path__startswith=f"{end}?") | Q(new_path__startswith=f"{end}#")
    if urlsplit(new_path).path not in ends and not others.filter(into).exists():
        return []
    listed = {as_sent(old): new for old, new in others.values_list("old_path", "new_path")} | {old_path: new_path}
    chain, address, query = [old_path], new_path, ""
    for _ in range(MAX_HOPS):
        if not path_here(address):
            return []  # gone (410), or another site
        address = as_sent(with_query(address, query))
        chain.append(address)
        found = matched(urlsplit(address)._replace(fragment="").geturl(), listed)  # "#…" is never sent
        if found is None:
            return []  # the end: a page, or a 404
        if found[0] == old_path:
            # /x/ → /x → /x/: the last hop named as it is listed, when only a slash differs.
            return chain if urlsplit(address).path == base else [*chain, old_path]
        address, query = listed[found[0]], found[1]
    return []


def _moved_to(new_path: str, path: str) -> str:
    """``new_path`` with ``path`` in place of its own, query kept."""
    return urlunsplit(urlsplit(new_path)._replace(path=path))


def _found(model, old_slugs, slugs: set[str], fields: tuple[str, ...]) -> tuple[dict, dict]:
    """The posts (or pages) with these slugs, by slug, and those renamed
    from one of the others or from the address of one readers do not see,
    by the old slug: two queries at most."""
    found = {item.slug: item for item in model.objects.filter(slug__in=slugs).only(*fields)} if slugs else {}
    renamed = {}
    if missing := slugs - {slug for slug, item in found.items() if item.is_published}:
        target = old_slugs.target
        moves = old_slugs.objects.filter(old_slug__in=missing).select_related(target)
        moves = moves.only("old_slug", *(f"{target}__{name}" for name in fields))
        renamed = {move.old_slug: getattr(move, target) for move in moves}
    return found, renamed


# What is_published, in_trash and get_absolute_url() read.
_POST_FIELDS = ("slug", "status", "published_at", "trashed_at")
_PAGE_FIELDS = ("slug", "published", "trashed_at")


def _posts_and_pages(targets: dict[str, tuple[str, str]]) -> dict[str, tuple[dict, dict]]:
    """The posts and pages the addresses of ``targets`` (``_target``'s
    answers) name, by kind: ``_found`` of each, four queries at most."""
    slugs = {kind: {slug for k, slug in targets.values() if _PAGE_OF.get(k, k) == kind} for kind in ("post", "page")}
    return {
        "post": _found(Post, SlugRedirect, slugs["post"], _POST_FIELDS),
        "page": _found(Page, PageSlugRedirect, slugs["page"], _PAGE_FIELDS),
    }


def _named(found: dict[str, tuple[dict, dict]], kind: str, slug: str):
    """The post or page readers get at the address ``slug``, as its view
    answers: the one there if they see it, else one renamed from there that
    they see (a draft may hold a live post's old address: OldSlug.record_rename),
    else whichever there is; None if none."""
    present, renamed = found[kind]
    here, moved = present.get(slug), renamed.get(slug)
    if here is not None and not here.is_published and moved is not None and moved.is_published:
        return moved
    return here or moved


def _tags_answering(slugs: set[str]) -> set[str]:
    """Of these slugs, those whose tag page answers (``TagPostListView``: a
    404 for a tag without published posts): a tag's with published posts,
    or one such tag had before it was renamed (``moved_tag`` sends readers
    on). Two queries at most."""
    if not slugs:
        return set()
    published = TaggedPost.objects.published()
    found = set(
        Tag.objects.filter(slug__in=slugs)
        .filter(Exists(published.filter(tag=OuterRef("pk"))))
        .values_list("slug", flat=True)
    )
    if missing := slugs - found:
        renamed = TagRedirect.objects.filter(old_slug__in=missing).filter(Exists(published.filter(tag=OuterRef("tag"))))
        found |= set(renamed.values_list("old_slug", flat=True))
    return found


def _authors_answering(slugs: set[str]) -> set[str]:
    """Of these slugs, those whose author page answers (``AuthorDetailView``:
    a 404 for an author without published posts, co-written ones count). One query."""
    if not slugs:
        return set()
    published = Post.objects.published()
    signed = Exists(published.filter(author=OuterRef("pk"))) | Exists(
        published.filter(co_author_links__author=OuterRef("pk"))
    )
    return set(Author.objects.filter(slug__in=slugs).filter(signed).values_list("slug", flat=True))


def live_at(old_paths: Iterable[str]) -> dict[str, str]:
    """Of these old addresses, those where readers get a published post or
    page, or are sent on to one renamed from there, or get the page of a
    tag or an author with published posts (a tag's renamed since sends
    them on too): the blog answers them, so a redirect listed for them is
    not used. {old address: "post", "page", "tag" or "author"}, in at most
    seven queries however many addresses. (A post published at an address
    an import had listed, say; the redirect starts working again if it is
    unpublished or renamed.) A tag's or an author's feed is "tag feed" or
    "author feed", live when the page is."""
    targets = {path: _target(path, _ANSWERED) for path in set(old_paths)}
    found = _posts_and_pages(targets)
    slugs = {kind: {slug for k, slug in targets.values() if _PAGE_OF.get(k, k) == kind} for kind in ("tag", "author")}
    answering = {"tag": _tags_answering(slugs["tag"]), "author": _authors_answering(slugs["author"])}
    live = {}
    for path, (kind, slug) in targets.items():
        page = _PAGE_OF.get(kind, kind)
        if page in answering:
            if slug in answering[page]:
                live[path] = kind
        elif kind:
            item = _named(found, page, slug)
            if item is not None and item.is_published:
                live[path] = kind
    return live


def outcomes(new_paths: Iterable[str]) -> dict[str, Outcome]:
    """What each address leads to, by address: at most five queries however
    many there are (the admin's list asks for a page of them)."""
    targets = {new_path: _target(new_path) for new_path in set(new_paths)}
    found = _posts_and_pages(targets)
    # An address shaped like a post's or a page's (any one segment is) that
    # is none, and never was, may be another listed redirect (a chain):
    # followed as written.
    unknown = {new_path for new_path, (kind, slug) in targets.items() if kind and _named(found, kind, slug) is None}
    chained = set()
    if unknown:
        listed = Redirect.objects.filter(old_path__in=[urlsplit(path).path for path in unknown])
        chained = set(listed.values_list("old_path", flat=True))

    def outcome(new_path: str) -> Outcome:
        kind, slug = targets[new_path]
        if not new_path:
            return Outcome(410, "", "410: gone")
        if not kind or urlsplit(new_path).path in chained:
            return Outcome(301, new_path, "301 (address not checked)")
        item = _named(found, kind, slug)
        if item is None:
            return Outcome(410, "", f"410: no {kind} has that address (deleted?)")
        if item.in_trash:
            return Outcome(404, "", f"404 while the {kind} is in the trash")
        if not item.is_published:
            return Outcome(404, "", f"404 until the {kind} is published")
        if item.slug != slug:
            location = _moved_to(new_path, item.get_absolute_url())
            return Outcome(301, location, f"301 to {location} (the {kind} was renamed)")
        return Outcome(301, new_path, f"301 to the {kind}")

    return {new_path: outcome(new_path) for new_path in targets}


def follow(new_path: str) -> Outcome:
    return outcomes([new_path])[new_path]
