"""Where an address listed under Redirects leads now.

Editors and imports list old addresses with the post or page they moved to
(``django.contrib.redirects``). That post may since have been renamed,
unpublished or deleted, and a 301 to a 404 sends readers nowhere. So the
redirect is checked when it is used, rather than rewritten whenever a post
or page changes (a side effect every save and delete would have to
remember): a ``new_path`` that is a post's or a page's address is looked up
then. Only addresses that are otherwise a 404 get that far, so no page
that answers pays for it.

- Published: a 301 to it; for a post renamed since, straight to its new
  address (one hop, not through its old slug's own redirect).
- Not live (a draft, in review, scheduled, an unpublished page): the old
  address stays a 404 until it is, then redirects; nothing to undo, and an
  import may list a draft's old address before it is published.
- Deleted: a 410, the blog's "This page is gone", as for a redirect left
  without a new address.

Any other address (a tag, the home page, another site) is sent as written.
The admin's list of redirects shows what each one does, from the same rule.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.urls import Resolver404, resolve

from .models import Page, Post, SlugRedirect


@dataclass(frozen=True)
class Outcome:
    status: int  # 301, 404 or 410
    location: str  # for a 301
    says: str  # for editors


def _target(new_path: str) -> tuple[str, str]:
    """("post" or "page", its slug) for an address of a post or page here,
    else ("", "")."""
    parts = urlsplit(new_path)
    if parts.scheme or parts.netloc:
        return "", ""
    try:
        match = resolve(parts.path)
    except Resolver404:
        return "", ""
    kind = {"posts:detail": "post", "pages:detail": "page"}.get(match.view_name, "")
    return kind, match.kwargs.get("slug", "") if kind else ""


def _moved_to(new_path: str, path: str) -> str:
    """``new_path`` with ``path`` in place of its own, query kept."""
    return urlunsplit(urlsplit(new_path)._replace(path=path))


def outcomes(new_paths: Iterable[str]) -> dict[str, Outcome]:
    """What each address leads to, by address: at most three queries
    however many there are (the admin's list asks for a page of them)."""
    targets = {new_path: _target(new_path) for new_path in set(new_paths)}
    post_slugs = {slug for kind, slug in targets.values() if kind == "post"}
    page_slugs = {slug for kind, slug in targets.values() if kind == "page"}
    fields = ("slug", "status", "published_at")  # what is_published and get_absolute_url() read
    posts = {post.slug: post for post in Post.objects.filter(slug__in=post_slugs).only(*fields)}
    renamed = {}
    if missing := post_slugs - posts.keys():
        moves = SlugRedirect.objects.filter(old_slug__in=missing).select_related("post")
        renamed = {move.old_slug: move.post for move in moves.only("old_slug", *(f"post__{name}" for name in fields))}
    pages = dict(Page.objects.filter(slug__in=page_slugs).values_list("slug", "published")) if page_slugs else {}

    def outcome(new_path: str) -> Outcome:
        kind, slug = targets[new_path]
        if not new_path:
            return Outcome(410, "", "410: gone")
        if kind == "post":
            post = posts.get(slug) or renamed.get(slug)
            if post is None:
                return Outcome(410, "", "410: no post has that address (deleted?)")
            if not post.is_published:
                return Outcome(404, "", "404 until the post is published")
            if post.slug != slug:
                location = _moved_to(new_path, post.get_absolute_url())
                return Outcome(301, location, f"301 to {location} (the post was renamed)")
            return Outcome(301, new_path, "301 to the post")
        if kind == "page":
            if slug not in pages:
                return Outcome(410, "", "410: no page has that address (deleted?)")
            if not pages[slug]:
                return Outcome(404, "", "404 until the page is published")
            return Outcome(301, new_path, "301 to the page")
        return Outcome(301, new_path, "301 (address not checked)")

    return {new_path: outcome(new_path) for new_path in targets}


def follow(new_path: str) -> Outcome:
    return outcomes([new_path])[new_path]
