"""What makes a usable tag name.

Every tag is linked by its slug (``posts:tag`` takes ``<slug:slug>``: ASCII
letters, digits, ``-`` and ``_``). A name that slugifies to nothing (``!!!``,
``<>``, an emoji) or to non-ASCII letters would get a slug no address can
hold, and any page listing that tag would fail to render. A name longer than
the tag table's column fails on PostgreSQL. The forms that create tags and
the content loader refuse such names with a message instead.
"""

from django.core.validators import slug_re
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from taggit.models import Tag

MAX_LENGTH = Tag._meta.get_field("name").max_length


def typed_tag_names(value: str) -> list[str]:
    """The names typed in the post form's *new tags*, separated by commas as
    its help says: "Machine Learning" is one tag. (taggit's ``parse_tags``
    splits on spaces when there is no comma, and gave the post "Machine" and
    "Learning".) Runs of spaces become one, quotes around a name go, and a
    name typed twice in any case counts once."""
    names: dict[str, str] = {}
    for part in value.split(","):
        if name := " ".join(part.split()).strip("\"'").strip():
            names.setdefault(name.casefold(), name)
    return list(names.values())


def as_existing_tags(names: list[str]) -> list[str]:
    """``names`` typed as new tags, each one the address of a tag already
    (and not that tag's name in another case, which taggit matches itself)
    given as that tag's name: "Machine-Learning" is the tag "Machine
    Learning", as WordPress takes it. taggit made a second tag at
    ``machine-learning_1``, with a page of its own (found by QA)."""
    if not names:
        return names
    slugs = {name: Tag().slugify(name) for name in names}
    named = Q()
    for name in names:
        named |= Q(name__iexact=name)
    tags = Tag.objects.filter(named | Q(slug__in=slugs.values())).values_list("name", "slug")
    at = {slug: tag_name for tag_name, slug in tags}
    taken = {tag_name.casefold() for tag_name, _ in tags}
    return [name if name.casefold() in taken else at.get(slugs[name], name) for name in names]


def tag_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a new tag, or None if it can."""
    if len(name) > MAX_LENGTH:
        return f"“{name[:40]}…” is too long for a tag ({len(name)} characters; the limit is {MAX_LENGTH})."
    # Tag.slugify follows TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING (settings), as saving does.
    if not slug_re.fullmatch(Tag().slugify(name)):
        return f"“{name}” cannot be a tag: its name needs at least one letter (A–Z) or digit."
    return None


def tag_description(tag: Tag) -> str:
    """The editors' words about ``tag`` (``TagProfile``), or "" if none; read
    with ``select_related("profile")`` it costs no query."""
    from .models import TagProfile

    try:
        return tag.profile.description
    except TagProfile.DoesNotExist:
        return ""


def visible_tags(user) -> QuerySet[Tag]:
    """The tags ``user`` may see in the admin.

    A tag's name says what a post is about, so one used only on another
    author's unpublished posts gives that draft away (the tag list, the post
    form's autocomplete, a name typed as a new tag: see
    ``unseen_tag_names``). Editors see every post, hence every tag. Others
    see tags on published posts, on their own posts, and tags on no post
    (which anyone may add, and reuse rather than duplicate).
    """
    from .models import TaggedPost, published_taggings, signed_by_user

    if user.has_perm("posts.edit_all_posts"):
        return Tag.objects.all()
    taggings = TaggedPost.objects.filter(tag=OuterRef("pk"))
    return Tag.objects.filter(
        Exists(taggings.filter(published_taggings()))
        | Exists(taggings.filter(signed_by_user(user, "content_object__")))
        | ~Exists(taggings)
    )


def tags_for(user) -> QuerySet[Tag]:
    """``visible_tags(user)`` with ``post_count``: the posts of each that they may see."""
    from .models import published_taggings, signed_by_user

    if user.has_perm("posts.edit_all_posts"):
        return Tag.objects.annotate(post_count=Count("posts_taggedpost_items"))
    through = "posts_taggedpost_items__"
    seen = published_taggings(through) | signed_by_user(user, f"{through}content_object__")
    return visible_tags(user).annotate(post_count=Count("posts_taggedpost_items", filter=seen))


def unseen_tag_names(user, names: list[str]) -> list[str]:
    """Those of ``names``, typed as new tags, that would take a tag ``user``
    may not see: one of that name in any case (the tag the post would get,
    with its spelling, address and description), or of that address (taggit
    would give the new tag another, ``…_1``, which tells the same).

    The form refuses these with a message naming only what was typed. That
    a guessed name is taken is as much as one shared list of unique names
    must tell, as a post's address does; the tag itself, and the post it is
    on, stay out of sight, and the author's post does not take it.
    """
    if not names or user.has_perm("posts.edit_all_posts"):
        return []
    matches = Q()
    for name in names:
        matches |= Q(name__iexact=name) | Q(slug=Tag().slugify(name))
    hidden = Tag.objects.filter(matches).exclude(pk__in=visible_tags(user).values("pk"))
    taken = [(tag_name.casefold(), slug) for tag_name, slug in hidden.values_list("name", "slug")]
    return [
        name
        for name in names
        if any(name.casefold() == tag_name or Tag().slugify(name) == slug for tag_name, slug in taken)
    ]


def takes_old_tag_address(user, slug: str, tag: Tag | None = None) -> bool:
    """Would ``user`` end the redirect of another tag's old address by
    giving a tag the ``slug``?

    A tag whose slug an editor changed keeps its old address redirecting
    (``TagRedirect``), and a tag that takes that address ends the redirect
    once it has a published post (``TagRedirect.answers``): the links out
    there would lead to this tag instead. Editors may reuse an address, as
    they may a post's; authors may not (``PostAdminForm.clean_slug`` is the
    same rule for posts).
    """
    from .models import TagRedirect

    if user is None or user.has_perm("posts.edit_all_posts"):
        return False
    redirects = TagRedirect.objects.filter(old_slug=slug)
    if tag is not None and tag.pk is not None:
        redirects = redirects.exclude(tag=tag)
    return redirects.exists()


def keep_old_tag_address(sender, instance: Tag, **kwargs) -> None:
    """``pre_save`` of Tag: a changed slug leaves its old address redirecting
    to the tag, as a renamed post's does; an address a tag takes back is no
    longer a redirect, nor another tag's old address once this one has a
    published post (``OldSlug.record_rename``)."""
    from .models import TagRedirect

    before = Tag.objects.filter(pk=instance.pk).values_list("slug", flat=True).first() if instance.pk else None
    # A save changes none of its posts: it had readers at its address as it has now.
    TagRedirect.record_rename(instance, before, answered=TagRedirect.answers(instance))


def moved_tag(request, slug: str) -> HttpResponsePermanentRedirect | None:
    """A permanent redirect from a tag's old address (its page or a feed,
    with the query string) to the same page at its address now; None if
    ``slug`` was never a tag's."""
    from .models import TaggedPost, TagRedirect

    tag = TagRedirect.renamed(slug)
    # A tag without published posts has no page (404): its old address must
    # not tell readers its new one either.
    if tag is None or not TaggedPost.objects.filter(tag=tag).published().exists():
        return None
    match = request.resolver_match
    path = reverse(match.view_name, kwargs=match.kwargs | {"slug": tag.slug})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)
