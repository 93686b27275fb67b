"""The three groups the blog's people belong to, defined in code.

Groups are (re)built after every ``migrate`` so a fresh database, the test
database and production all have the same roles, and the README's promise
of what each group may do is what the code says here.
"""

from django.contrib.auth.models import Group, Permission

AUTHORS = "Authors"
EDITORS = "Editors"
MODERATORS = "Moderators"

# What working on a post involves besides the post itself (admin inlines).
_POST_PARTS = [
    f"posts.{action}_{model}"
    for model in ("postimage", "previewlink", "changenote", "coauthor")
    for action in ("add", "change", "delete", "view")
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Authors write posts and keep their own profile; the admin narrows
    # "change" to their own posts and profile. Publishing needs
    # posts.publish_post, given to an author's account or through Editors;
    # without it an author submits a post for review.
    AUTHORS: [
        "posts.add_post",
        "posts.change_post",
        "posts.delete_post",
        "posts.view_post",
        *_POST_PARTS,
        "taggit.add_tag",
        "taggit.view_tag",
        "authors.view_author",
        "authors.change_author",
    ],
    # Editors review and publish everyone's posts and keep the tag list tidy.
    EDITORS: [
        "posts.add_post",
        "posts.change_post",
        "posts.delete_post",
        "posts.view_post",
        "posts.publish_post",
        "posts.edit_all_posts",
        *_POST_PARTS,
        "taggit.add_tag",
        "taggit.change_tag",
        "taggit.delete_tag",
        "taggit.view_tag",
        "authors.view_author",
        # Old addresses that lead to a post or page now (or are gone: 410).
        "redirects.add_redirect",
        "redirects.change_redirect",
        "redirects.delete_redirect",
        "redirects.view_redirect",
        # Who subscribed by email: to answer a reader, and delete an address on request.
        "posts.view_subscriber",
        "posts.delete_subscriber",
        # The blog's own pages (About, Contact…) and the menus that link them.
        "posts.add_page",
        "posts.change_page",
        "posts.delete_page",
        "posts.view_page",
        *[f"posts.{action}_pageimage" for action in ("add", "change", "delete", "view")],
    ],
    # Moderators decide which comments are public; they do not edit posts.
    MODERATORS: [
        "django_comments.can_moderate",
        "django_comments.view_comment",
        "django_comments.change_comment",
        "django_comments.view_commentflag",
        "django_comments_xtd.view_xtdcomment",
        "django_comments_xtd.change_xtdcomment",
        "posts.view_pendingcomment",
        "posts.change_pendingcomment",
        "posts.view_trustedcommenter",
        "posts.add_trustedcommenter",
        "posts.change_trustedcommenter",
        "posts.delete_trustedcommenter",
        "django_comments_xtd.view_blacklisteddomain",
        "django_comments_xtd.add_blacklisteddomain",
        "django_comments_xtd.change_blacklisteddomain",
        "django_comments_xtd.delete_blacklisteddomain",
    ],
}


def may_edit_profile(user, author) -> bool:
    """Whether ``user`` may fill in ``author``'s profile: their own, or
    anyone's for who may change profiles and edit every post (an
    administrator). The authors' admin lists an author only their own
    profile (``AuthorAdmin.get_queryset``): the Authors group's
    authors.change_author does not let them edit a co-author's, and editors
    only view profiles."""
    if user is None:
        return False
    if author.user_id == user.pk:
        return True
    return user.has_perm("authors.change_author") and user.has_perm("posts.edit_all_posts")


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def ensure_groups() -> None:
    """Create the groups and give them exactly the permissions listed above."""
    for group_name, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.set(_permissions(names))


def on_post_migrate(sender, using="default", **kwargs) -> None:
    # post_migrate fires once per app, and an app's new permissions exist
    # only after its own turn: build the groups once every permission they
    # name exists (on a fresh database and when a release adds permissions).
    wanted = {tuple(name.split(".")) for names in ROLE_PERMISSIONS.values() for name in names}
    present = set(
        Permission.objects.using(using)
        .filter(codename__in={codename for _, codename in wanted})
        .values_list("content_type__app_label", "codename")
    )
    if wanted <= present:
        ensure_groups()
