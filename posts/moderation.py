"""Who may comment on a post, and whose comments wait for a moderator."""

from django_comments_xtd.moderation import XtdCommentModerator


class PostCommentModerator(XtdCommentModerator):
    """Refuse comments on posts readers cannot see or that are closed; hold
    every comment for review unless its author may moderate comments."""

    enable_field = "allow_comments"

    def allow(self, comment, content_object, request) -> bool:
        # The comment form is only shown on published posts, but the target
        # comes from the POST body: check it here, on the server.
        if not content_object.is_published:
            return False
        return super().allow(comment, content_object, request)

    def moderate(self, comment, content_object, request) -> bool:
        user = comment.user  # TmpXtdComment answers None for a missing key
        trusted = user is not None and user.is_authenticated and user.has_perm("django_comments.can_moderate")
        return not trusted
