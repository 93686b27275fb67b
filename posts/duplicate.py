"""*Duplicate as a new draft*: another post started from one that exists,
as Ghost's "Duplicate" and WordPress's Duplicate Post plugin make them (a
series' next part, a post translated, a template of a regular feature).

The copy is a new draft, "<title> (copy)" at a new address, with the
writing and what goes with it: excerpt, body, tags, thumbnail and its alt
text, the search and social fields, the comment settings, who signs it (in
order) and the images for the body. Nothing of the original's life comes
along: not its status, publish date or featured flag, not its comments,
change notes, preview links, revisions or old addresses. Its history starts
with one revision, "Created as a copy of …".

The copy shares the original's image files rather than copying them, as an
import shares one image among the posts that show it: the copy's thumbnail
is the same file, and each image row for the body is a new row of the copy
pointing at the same file, so the media library lists it under both posts
and knows which body shows it. A file goes only with the last row, or body,
that uses it (``authoring_models.delete_unused_file``): deleting the
original, or the copy, never takes an image the other shows.
"""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from authors.models import Author

from .models import CoAuthor, Post, PostImage, SlugRedirect, TaggedPost
from .search import index_post

COPY = " (copy)"
# What a copy keeps as it is on the original (besides its relations).
COPIED_FIELDS = [
    "author", "excerpt", "body", "thumbnail", "thumbnail_width", "thumbnail_height", "thumbnail_alt",
    "allow_comments", "comment_days", "meta_title", "meta_description", "canonical_url", "noindex",
]  # fmt: skip
# Revisions name why they were made in at most this many characters.
REASON_LENGTH = Post.history.model._meta.get_field("history_change_reason").max_length
# Addresses tried at once for each copy: "-copy", "-copy-2"… "-copy-20", then the next twenty.
TRIED = 20


def copy_title(title: str) -> str:
    """ "<title> (copy)", the title shortened to make room if it must."""
    room = Post._meta.get_field("title").max_length - len(COPY)
    return (title if len(title) <= room else title[: room - 1].rstrip() + "…") + COPY


def _candidates(slug: str, numbers: range) -> list[str]:
    """ "<slug>-copy", "<slug>-copy-2"…, each within the slug's length (the
    slug cut short, never the number)."""
    length = Post._meta.get_field("slug").max_length
    found = []
    for n in numbers:
        suffix = "-copy" if n == 1 else f"-copy-{n}"
        found.append(slug[: length - len(suffix)].rstrip("-") + suffix)
    return found


def free_slugs(slugs: list[str]) -> list[str]:
    """A new address for the copy of each of ``slugs``: not another post's,
    not one in the trash (it keeps its address until deleted for good),
    and not an old address of a post, which a new post would take from the
    redirect to it (the post form lets only editors do that). Nor the same
    for two copies. Two queries for the lot, most often."""
    chosen: dict[int, str] = {}
    given: set[str] = set()
    start = 1
    while len(chosen) < len(slugs):
        window = range(start, start + TRIED)
        wanted = {i: _candidates(slug, window) for i, slug in enumerate(slugs) if i not in chosen}
        every = {candidate for candidates in wanted.values() for candidate in candidates}
        taken = set(Post.objects.filter(slug__in=every).values_list("slug", flat=True))
        taken |= set(SlugRedirect.objects.filter(old_slug__in=every).values_list("old_slug", flat=True))
        for i, candidates in wanted.items():
            if free := next((c for c in candidates if c not in taken and c not in given), None):
                chosen[i] = free
                given.add(free)
        start += TRIED
    return [chosen[i] for i in range(len(slugs))]


def duplicate(originals: Iterable[Post], user, signed_alone_by: Callable[[Post], Author | None]) -> list[Post]:
    """A new draft copying each of ``originals`` (see the module), made by
    ``user`` (its revision says so). ``signed_alone_by(post)``: None, the
    copy is signed as the original is, author and co-authors; else the
    author who signs the copy alone (who may not choose who signs the
    original: posts.admin.CoAuthorInline).

    Each copy costs the same queries, however many tags, co-authors and
    images it has. The caller's transaction holds them all."""
    ids = [post.pk for post in originals]
    originals = list(
        Post.objects.filter(pk__in=ids)
        .select_related("author")  # who may sign the copy is asked of it
        .order_by("pk")
        .prefetch_related(
            "tagged_items",
            Prefetch("co_author_links", queryset=CoAuthor.objects.order_by("position", "pk")),
            Prefetch("images", queryset=PostImage.objects.order_by("created_at", "pk")),
        )
    )
    copies = []
    for original, slug in zip(originals, free_slugs([post.slug for post in originals]), strict=True):
        # The thumbnail by its name, with its stored size: the same file, not opened to be measured.
        copied = {name: getattr(original, name) for name in COPIED_FIELDS} | {"thumbnail": original.thumbnail.name}
        copy = Post(title=copy_title(original.title), slug=slug, status=Post.Status.DRAFT, **copied)
        alone = signed_alone_by(original)
        if alone is not None:
            copy.author = alone
        _save_new(copy, original.slug)
        copy.alone = alone is not None
        copy.original = original
        copies.append(copy)
    pairs = [(copy, copy.original) for copy in copies]
    TaggedPost.objects.bulk_create(
        TaggedPost(content_object=copy, tag_id=tagging.tag_id)
        for copy, original in pairs
        for tagging in original.tagged_items.all()
    )  # a draft's taggings have no publish date (TaggedPost.published_at)
    CoAuthor.objects.bulk_create(
        CoAuthor(post=copy, author_id=link.author_id, position=link.position)
        for copy, original in pairs
        if not copy.alone
        for link in original.co_author_links.all()
    )
    # New rows, the same files: see the module.
    PostImage.objects.bulk_create(
        PostImage(
            post=copy, image=image.image.name, width=image.width, height=image.height, alt=image.alt,
            source_url=image.source_url,
        )
        for copy, original in pairs
        for image in original.images.all()
    )  # fmt: skip
    for copy, original in pairs:
        index_post(copy)  # with its tags, which its save did not have yet
        copy._change_reason = Truncator(f"Created as a copy of “{original.title}").chars(REASON_LENGTH - 1) + "”"
        copy._history_date = copy.updated_at  # dated as the save, as every revision (revisions.saved_since)
    Post.history.bulk_history_create(copies, default_user=user)  # with the co-authors (PostHistoryManager)
    return copies


def _save_new(copy: Post, slug: str) -> None:
    """Save the new ``copy`` through ``Post.save()``, without a revision
    yet (made once its co-authors are saved, as the admin's). Someone may
    have taken its address since it was chosen (two clicks on the button):
    the next free one then."""
    copy.skip_history_when_saving = True
    try:
        for attempt in range(3):
            try:
                with transaction.atomic():
                    copy.save()
                return
            except IntegrityError:
                if attempt == 2 or not Post.objects.filter(slug=copy.slug).exists():
                    raise
                copy.pk = None
                copy._state.adding = True
                copy.slug = free_slugs([slug])[0]
    finally:
        del copy.skip_history_when_saving


class DuplicatesPosts:
    """For ``PostAdmin``: *Duplicate as a new draft* on a post's form (a
    POST to ``…/post/<id>/duplicate/``) and the list's action of the same
    name. Who may duplicate a post: who may add posts and change that one
    (its authors and co-authors, editors); not one in the trash."""

    def get_urls(self):
        view = path(
            "<path:object_id>/duplicate/",
            self.admin_site.admin_view(self.duplicate_view),  # staff only, CSRF checked
            name=f"{self.opts.app_label}_{self.opts.model_name}_duplicate",
        )
        return [view, *super().get_urls()]

    def may_duplicate(self, request, post: Post) -> bool:
        # has_change_permission: the post is theirs or they edit all posts,
        # and it is not in the trash (TrashAdmin).
        return self.has_add_permission(request) and self.has_change_permission(request, post)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and obj.pk and self.may_duplicate(request, obj):
            # The button, beside History (templates/admin/posts/post/change_form.html).
            context["duplicate_url"] = reverse(self._duplicate_url_name("duplicate"), args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _duplicate_url_name(self, view: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}"

    def duplicate_view(self, request, object_id):
        """Duplicates one post and opens the copy's form (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied  # a moderator, say: as the add form
        post = self.get_object(request, unquote(object_id))
        if post is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if post.in_trash:
            self.message_user(
                request, f"“{post}” is in the trash and cannot be duplicated: restore it first.", messages.WARNING
            )
            return HttpResponseRedirect(reverse(self._duplicate_url_name("change"), args=[post.pk]))
        if not self.has_change_permission(request, post):
            raise PermissionDenied
        [copy] = self._duplicate(request, [post])
        said = f"“{post}” was duplicated: this is the copy, a draft."
        if copy.alone:
            said += " It is signed by you alone: only the post's author or an editor chooses who signs it."
        self.message_user(request, said, messages.SUCCESS)
        return HttpResponseRedirect(reverse(self._duplicate_url_name("change"), args=[copy.pk]))

    @admin.action(description="Duplicate the selected posts as new drafts", permissions=["add"])
    def duplicate_selected(self, request, queryset):
        selected = list(queryset.select_related("author").prefetch_related(None))
        trashed = [post for post in selected if post.in_trash]
        allowed = [post for post in selected if not post.in_trash and self.has_change_permission(request, post)]
        copies = self._duplicate(request, allowed)
        if copies:
            shown = copies[:5]
            links = format_html_join(
                ", ",
                '“<a href="{}">{}</a>”',
                ((reverse(self._duplicate_url_name("change"), args=[copy.pk]), copy.title) for copy in shown),
            )
            more = f" and {len(copies) - len(shown)} more" if len(copies) > len(shown) else ""
            count = "1 post as a new draft" if len(copies) == 1 else f"{len(copies)} posts as new drafts"
            said = format_html("Duplicated {}: {}{}.", count, links, more)
            if alone := sum(copy.alone for copy in copies):
                said = format_html(
                    "{} {} signed by you alone: only a post's author or an editor chooses who signs it.",
                    said,
                    "One copy is" if alone == 1 else f"{alone} copies are",
                )
            self.message_user(request, said, messages.SUCCESS)
        if trashed:
            one = len(trashed) == 1
            said = f"{len(trashed)} of the selected {'is' if one else 'are'} in the trash and "
            said += f"{'was' if one else 'were'} not duplicated: restore {'it' if one else 'them'} first."
            self.message_user(request, said, messages.WARNING)

    def _duplicate(self, request, posts: list[Post]) -> list[Post]:
        co_authors = next(inline for inline in self.inlines if inline.model is CoAuthor)(self.model, self.admin_site)

        def signed_alone_by(post: Post) -> Author | None:
            if co_authors.has_add_permission(request, post):
                return None  # may choose who signs it: as the original
            if request.user.has_perm("posts.edit_all_posts"):
                return post.author  # chooses the author, not the co-authors
            return request.user.author  # a co-author: their own post, as one they add

        with transaction.atomic():
            return duplicate(posts, request.user, signed_alone_by)
