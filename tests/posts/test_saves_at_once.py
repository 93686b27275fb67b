"""Two saves of one post or page at the same moment: the second is refused as
any save over someone else's later save is ("… saved this post since you
opened it"), what its user typed shown again; a save as it goes to the trash,
with the trash's word of why. Found by QA on PostgreSQL: both
passed the check, and the second silently undid the first.

The moment is made certain rather than left to timing: the first save stops
right after its check until the second has passed its own check too (the
bug) or waits for the first's lock on the row (``revisions.one_save_at_a_time``).

PostgreSQL only, in CI's PostgreSQL run (tests/conftest.py, CI_SHARES): on
SQLite the admin's IMMEDIATE transactions make writers take turns from their
first statement, and nothing tells who is waiting. Run on SQLite, these tests
are skipped, saying so (and fail where ``CI`` is set).
"""

import os
import re
import threading
import time
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections, transaction
from django.test import Client

from authors.roles import AUTHORS, EDITORS
from posts import admin_forms, trash
from posts.models import Post
from tests.factories import admin_page_form, admin_post_form, make_author, make_page, make_post, make_user

pytestmark = pytest.mark.django_db(transaction=True)  # each save commits, in a thread of its own

WAIT = 20  # seconds for the other save to get where it is expected


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor == "postgresql":
        return
    why = "two saves at once need PostgreSQL (DATABASE_URL=postgres://…): SQLite's writers take turns"
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(f"{why}; CI runs these in its PostgreSQL run (CI_SHARES)", pytrace=False)
    pytest.skip(why)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def opened_version(client, url) -> str:
    """The version the form carries when ``client`` opens ``url``."""
    return re.search(r'name="opened_version" value="([^"]+)"', client.get(url).content.decode())[1]


def until(ready, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not ready():
        assert time.monotonic() < deadline, f"waited {WAIT} s for {what}"
        time.sleep(0.01)


def waited_for() -> bool:
    """Another connection waits for a lock this one holds. (pg_locks, not
    pg_stat_activity, which a transaction reads once and then remembers.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
        )
        return cursor.fetchone()[0]


def at_once(monkeypatch, first: tuple, second: tuple) -> tuple:
    """The responses to two POSTs, ``(client, url, data)`` each, the second
    sent while the first has just passed its "someone saved first" check."""
    checked = {"first": threading.Event(), "second": threading.Event()}
    check = admin_forms.saved_since

    def check_then_wait(instance, opened):
        problem = check(instance, opened)
        if threading.current_thread() is threads[0]:
            checked["first"].set()
            until(lambda: checked["second"].is_set() or waited_for(), "the second save's check or its waiting")
        else:
            checked["second"].set()
        return problem

    monkeypatch.setattr(admin_forms, "saved_since", check_then_wait)
    responses = [None, None]

    def save(n, client, url, data):
        try:
            responses[n] = client.post(url, data)
        except BaseException as error:
            responses[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(n, *post)) for n, post in enumerate((first, second))]
    threads[0].start()
    until(lambda: checked["first"].is_set() or not threads[0].is_alive(), "the first save's check")
    threads[1].start()
    for thread in threads:
        thread.join(2 * WAIT)
        assert not thread.is_alive(), f"a save still running after {2 * WAIT} s"
    for response in responses:
        if isinstance(response, BaseException):
            raise response
    return tuple(responses)


def test_two_saves_of_a_post_at_once_the_second_is_refused(monkeypatch):
    writer = make_user("writer", groups=[AUTHORS])
    author = make_author(user=writer, slug="writer")
    post = make_post(author=author, status=Post.Status.DRAFT, published_at=None, title="Original", slug="original")
    url = f"/admin/posts/post/{post.pk}/change/"
    authors, editors = signed_in(writer), signed_in(make_user("editor", groups=[EDITORS]))
    body = post.body
    form = admin_post_form(slug="original", excerpt=post.excerpt, body=body, author=author.pk)
    authors_form = form | {"title": "Fixed by the author", "opened_version": opened_version(authors, url)}
    editors_form = form | {"title": "Original", "body": "<p>Fixed by the editor</p>"}
    editors_form["opened_version"] = opened_version(editors, url)

    saved, refused = at_once(monkeypatch, (authors, url, authors_form), (editors, url, editors_form))

    assert saved.status_code == 302
    assert refused.status_code == 200
    said = unescape(refused.content.decode())
    assert "writer saved this post at" in said and "since you opened it (changing the title)" in said
    assert "<p>Fixed by the editor</p>" in said  # what the editor typed, shown again
    post.refresh_from_db()
    assert (post.title, post.body) == ("Fixed by the author", body)
    assert [revision.history_user for revision in post.history.order_by("history_date")][1:] == [writer]


def test_two_saves_of_a_page_at_once_the_second_is_refused(monkeypatch):
    page = make_page(title="Contact", slug="contact", body="<p>Write to us.</p>")
    url = f"/admin/posts/page/{page.pk}/change/"
    mine, theirs = signed_in(make_user("editor", groups=[EDITORS])), signed_in(make_user("other", groups=[EDITORS]))
    my_form = admin_page_form(title="Contact us") | {"opened_version": opened_version(mine, url)}
    their_form = admin_page_form(body="<p>Write to us at once.</p>") | {"opened_version": opened_version(theirs, url)}

    saved, refused = at_once(monkeypatch, (mine, url, my_form), (theirs, url, their_form))

    assert (saved.status_code, refused.status_code) == (302, 200)
    said = unescape(refused.content.decode())
    assert "editor saved this page at" in said and "since you opened it (changing the title)" in said
    assert "Write to us at once." in said
    page.refresh_from_db()
    assert (page.title, page.body) == ("Contact us", "<p>Write to us.</p>")


def test_a_revision_restored_at_the_moment_of_a_save_is_refused(monkeypatch):
    """Restoring is saving: it waits for the save, then is refused as the form is."""
    page = make_page(title="Contact", slug="contact", body="<p>Write to us.</p>")
    first = page.history.get()
    page.title = "Contact us"
    page.save()
    url, restore_url = f"/admin/posts/page/{page.pk}/change/", f"/admin/posts/page/{page.pk}/history/{first.pk}/"
    mine, theirs = signed_in(make_user("editor", groups=[EDITORS])), signed_in(make_user("other", groups=[EDITORS]))
    my_form = admin_page_form(title="Contact us", body="<p>Write to us today.</p>")
    my_form["opened_version"] = opened_version(mine, url)
    restored = admin_page_form(title="Contact") | {"opened_version": opened_version(theirs, restore_url)}
    del restored["published"]  # locked on the restore page, so not sent

    saved, refused = at_once(monkeypatch, (mine, url, my_form), (theirs, restore_url, restored))

    assert (saved.status_code, refused.status_code) == (302, 200)
    assert "editor saved this page at" in unescape(refused.content.decode())
    page.refresh_from_db()
    assert (page.title, page.body) == ("Contact us", "<p>Write to us today.</p>")


@pytest.mark.parametrize("kind", ["post", "page"])
def test_a_save_as_the_post_goes_to_the_trash_says_so(kind):
    """Moved to the trash as the save begins: the save waits for the move to
    commit, then is refused with the form's word of why, as when the move
    came earlier (what was typed stays in the browser: admin_autosave.js).
    The save read the trash before waiting for its lock on the row, saw
    none, and then got the bare 403 of a form nobody may change (found by QA)."""
    editor = make_user("editor", groups=[EDITORS])
    if kind == "post":
        item = make_post(title="Going", slug="going", status=Post.Status.DRAFT, published_at=None)
        form = admin_post_form(
            title="Edited", slug="going", excerpt=item.excerpt, body=item.body, author=item.author.pk
        )
    else:
        item = make_page(title="Going", slug="going", body="<p>Here.</p>")
        form = admin_page_form(title="Edited")
    url = f"/admin/posts/{kind}/{item.pk}/change/"
    saver = signed_in(editor)
    form["opened_version"] = opened_version(saver, url)
    moved, done = threading.Event(), threading.Event()
    failed = []

    def trash_while_the_save_waits():
        try:
            with transaction.atomic():
                trash.move_to_trash(type(item).objects.get(pk=item.pk))
                moved.set()
                until(waited_for, "the save waiting for the row")
        except BaseException as error:
            failed.append(error)
        finally:
            done.set()
            connections.close_all()

    mover = threading.Thread(target=trash_while_the_save_waits)
    mover.start()
    until(lambda: moved.is_set() or done.is_set(), "the move to the trash")
    response = saver.post(url, form)
    mover.join(2 * WAIT)
    assert not failed and not mover.is_alive()

    assert (response.status_code, response["Location"]) == (302, url)
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "“Going” was moved to the trash while you were editing it, and nothing was saved." in said
    item.refresh_from_db()
    assert (item.title, item.in_trash) == ("Going", True)
