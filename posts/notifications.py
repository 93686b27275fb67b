"""Emails about comments. Every email is sent by a background task that is
enqueued only after the comment's transaction commits, so a comment is
always stored before any mail is attempted, and a mail failure is retried.

Entry points (called by the comment views and moderation actions, inside
their transaction; they defer their work with ``transaction.on_commit``):

- ``comment_held(comment)``: a comment waits in the queue → moderators.
- ``comment_published(comment)``: a comment became public (directly or by
  approval) → the post's author (each / daily digest / off) and the
  readers following the post.
"""

from django.db import transaction


def comment_held(comment) -> None:
    """Tell moderators a comment waits for them (after commit)."""
    transaction.on_commit(lambda: None)  # implemented in the notifications change


def comment_published(comment) -> None:
    """Tell the author and followers about a newly public comment (after commit)."""
    transaction.on_commit(lambda: None)  # implemented in the notifications change
