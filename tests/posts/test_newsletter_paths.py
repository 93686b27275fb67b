"""A post is mailed to subscribers when it goes live, however it was
published: the admin, ``manage.py load_posts``, a ``save()`` in the shell, or
its scheduled time coming. Once, after the save commits, to confirmed
subscribers only, and never for old content."""

import io
import shutil
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from posts import subscriptions
from posts.models import Post, PostNewsletter
from tests.comments.test_notifications import db_tasks, make_due, run_worker  # noqa: F401
from tests.factories import make_author, make_post
from tests.posts import test_subscriptions
from tests.posts.test_subscriptions import newsletters, save_in_admin, subscriber

pytestmark = pytest.mark.django_db

# The subscription tests' fixtures: a confirmed, an unconfirmed and an
# unsubscribed reader; a signed-in editor; an author ready to publish.
committed, readers = test_subscriptions.committed, test_subscriptions.readers
editor, author = test_subscriptions.editor, test_subscriptions.author


def recipients(mailoutbox) -> list[list[str]]:
    return [message.to for message in newsletters(mailoutbox)]


def test_a_post_published_in_the_shell_is_mailed_once_the_save_commits(
    client, mailoutbox, django_capture_on_commit_callbacks, committed, editor, author, readers
):
    post = make_post(author=author, status="draft", published_at=None, title="Ratios in the kitchen")

    with django_capture_on_commit_callbacks() as callbacks:
        post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
        post.save()
        # Not before the save commits: a rolled-back save mails nothing.
        assert mailoutbox == [] and not PostNewsletter.objects.exists()
    for callback in callbacks:
        callback()

    assert recipients(mailoutbox) == [["fan@example.com"]]
    assert mailoutbox[0].subject == "Ratios in the kitchen"
    assert PostNewsletter.objects.get(post=post).recipients == 1

    # Edited in the shell, saved in the admin, unpublished and published
    # again: it went out already.
    with committed():
        post.title = "Ratios in the kitchen, revised"
        post.save()
    save_in_admin(client, committed, post, title="Ratios, revised again")
    with committed():
        post.status = Post.Status.DRAFT
        post.save()
    with committed():
        post.status, post.published_at = Post.Status.PUBLISHED, timezone.now()
        post.save()
    assert len(newsletters(mailoutbox)) == 1


def test_a_post_created_as_published_is_mailed_and_a_rolled_back_one_is_not(
    mailoutbox, django_capture_on_commit_callbacks, author, readers
):
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(author=author, published_at=timezone.now() - timedelta(minutes=5))
    assert recipients(mailoutbox) == [["fan@example.com"]]

    with django_capture_on_commit_callbacks() as callbacks:
        make_post(author=author, published_at=timezone.now())
    callbacks.clear()  # what a rollback does: the callbacks never run
    assert len(newsletters(mailoutbox)) == 1
    assert list(PostNewsletter.objects.values_list("post", flat=True)) == [post.pk]


def test_a_backdated_post_published_in_the_shell_is_not_news(mailoutbox, committed, author, readers):
    with committed():
        old = make_post(author=author, published_at=timezone.now() - timedelta(days=30))

    assert newsletters(mailoutbox) == []
    assert not PostNewsletter.objects.filter(post=old).exists()
    assert subscriptions.send_newsletter.call(old.pk) == 0


def write_post(folder, *, slug: str, published_at, title: str = "Fractions on a number line") -> None:
    (folder / "posts" / f"{slug}.html").write_text(
        "+++\n"
        f'title = "{title}"\n'
        f'slug = "{slug}"\n'
        'author = "skolr"\n'
        'status = "published"\n'
        f"published_at = {published_at:%Y-%m-%dT%H:%M:%SZ}\n"
        'tags = ["Maths"]\n'
        'excerpt = "Where a half sits."\n'
        "+++\n<p>Between nought and one.</p>\n"
    )


@pytest.fixture
def content(tmp_path):
    """A content folder: the repository's author, and no posts yet."""
    folder = tmp_path / "content"
    shutil.copytree(settings.BASE_DIR / "content" / "authors", folder / "authors")
    shutil.copytree(settings.BASE_DIR / "content" / "images", folder / "images")
    (folder / "posts").mkdir()
    return folder


def load(committed, folder, *args) -> str:
    out = io.StringIO()
    with committed():
        call_command("load_posts", str(folder), *args, stdout=out)
    return out.getvalue()


def test_load_posts_mails_a_new_post_once_and_never_on_a_rerun(mailoutbox, committed, content, readers):
    write_post(content, slug="number-line", published_at=timezone.now() - timedelta(hours=1))

    load(committed, content)

    assert recipients(mailoutbox) == [["fan@example.com"]]
    post = Post.objects.get(slug="number-line")
    assert PostNewsletter.objects.get(post=post).recipients == 1

    # Run again as `make run` does, as is, and with the file edited (the
    # counts are of the author and the post).
    assert "0 created, 2 already in the database" in load(committed, content, "--keep-existing")
    assert "0 created, 0 updated, 2 unchanged" in load(committed, content)
    write_post(content, slug="number-line", published_at=post.published_at, title="Fractions, placed")
    assert "0 created, 1 updated, 1 unchanged" in load(committed, content)
    assert len(newsletters(mailoutbox)) == 1


def test_loading_old_content_mails_nothing(mailoutbox, committed, readers):
    """The article shipped in content/ (published in March 2026) on a
    database with subscribers: old news, never mailed, nor later."""
    load(committed, settings.BASE_DIR / "content")

    seed = Post.objects.get(slug="django-vs-flask-vs-fastapi")
    assert seed.is_published
    assert newsletters(mailoutbox) == []
    assert not PostNewsletter.objects.exists()
    assert subscriptions.send_newsletter.call(seed.pk) == 0


def test_a_load_that_fails_after_saving_a_post_mails_nothing(mailoutbox, committed, content, readers, monkeypatch):
    from posts.content import ContentError
    from posts.management.commands.load_posts import Command

    write_post(content, slug="a-number-line", published_at=timezone.now())
    write_post(content, slug="b-number-line", published_at=timezone.now())
    load_post = Command._load_post

    def fail_after_the_second(self, source, *args):
        load_post(self, source, *args)
        if source.slug == "b-number-line":
            raise ContentError(source.path, "a problem found after the post was saved")

    monkeypatch.setattr(Command, "_load_post", fail_after_the_second)
    with pytest.raises(CommandError, match="after the post was saved"):
        load(committed, content)

    assert newsletters(mailoutbox) == []
    assert not Post.objects.exists() and not PostNewsletter.objects.exists()


# The worker runs in its own transactions, as in production: see
# tests/posts/test_subscriptions.py.
@pytest.mark.django_db(transaction=True)
def test_a_post_scheduled_by_load_posts_is_mailed_when_its_time_comes(db_tasks, mailoutbox, committed, content):  # noqa: F811
    subscriber("fan@example.com")
    subscriber("maybe@example.com", confirmed=False)
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    write_post(content, slug="number-line", published_at=when)

    load(committed, content)
    run_worker()

    assert newsletters(mailoutbox) == []
    [waiting] = DBTaskResult.objects.filter(task_path="posts.subscriptions.send_newsletter")
    assert waiting.run_after == when

    # The time comes.
    post = Post.objects.get(slug="number-line")
    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(seconds=5))
    make_due(DBTaskResult.objects.filter(pk=waiting.pk))
    run_worker()
    load(committed, content, "--keep-existing")
    run_worker()

    assert recipients(mailoutbox) == [["fan@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_a_post_scheduled_in_the_shell_is_mailed_once_when_its_time_comes(db_tasks, mailoutbox):  # noqa: F811
    subscriber("fan@example.com")
    post = make_post(author=make_author(), published_at=timezone.now() + timedelta(days=1))
    post.title = "Edited while scheduled"
    post.save()  # neither status nor date changed: no second task
    run_worker()

    [waiting] = DBTaskResult.objects.filter(task_path="posts.subscriptions.send_newsletter")
    assert newsletters(mailoutbox) == []

    Post.objects.filter(pk=post.pk).update(published_at=timezone.now() - timedelta(seconds=5))
    make_due(DBTaskResult.objects.filter(pk=waiting.pk))
    run_worker()

    assert recipients(mailoutbox) == [["fan@example.com"]]
