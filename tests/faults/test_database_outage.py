"""Database outage: while PostgreSQL is down, pages answer 503 with
Retry-After and a friendly page, never a traceback; when it returns, the
next request is answered, also by a worker that still holds a connection
from before (CONN_MAX_AGE with CONN_HEALTH_CHECKS).

The process test stops and starts its own PostgreSQL cluster (never the
shared one). The unit tests check the middleware on its own.
"""

import socket
import sqlite3
import time

import psycopg
import pytest
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.template.loader import render_to_string
from django.test import Client

from posts.models import Post
from posts.views import PostDetailView

from . import harness

OUTAGE_MARKERS = ("Traceback", "OperationalError", "psycopg", "connection to server")


def assert_unavailable_page(response, what: str):
    assert response.status == 503, f"{what}: {response.status}\n{response.text[:500]}"
    assert response.headers.get("retry-after") == "30", what
    assert "no-store" in response.headers.get("cache-control", ""), what
    assert "Back in a moment" in response.text, what
    assert not [marker for marker in OUTAGE_MARKERS if marker in response.text], what
    # The security headers are still there: the page went through every middleware.
    assert response.headers.get("x-frame-options") == "DENY", what
    assert "content-security-policy" in response.headers, what


@pytest.mark.slow
def test_postgresql_outage_answers_503_and_recovers(pg_cluster, servers):
    env = harness.site_env(database_url=f"{pg_cluster.server}/skolr", media_root=pg_cluster.media_root)
    # A sync worker, as in production: it keeps its connection (CONN_MAX_AGE=60).
    worker = servers(env, "worker").wait_ready()
    form = harness.CommentForm.fetch(worker.port)
    n = 0

    def get(server, path=harness.ARTICLE):
        nonlocal n
        n += 1  # a new query string each time: the page cache must not answer for the database
        return harness.request(server.port, "GET", f"{path}?outage={n}", timeout=15)

    # 1. A restart between two requests: the worker's connection is dead, the
    #    health check replaces it, and the very first request is answered.
    assert get(worker).status == 200
    pg_cluster.stop()
    pg_cluster.start()
    first = get(worker)
    assert first.status == 200, f"first request after a restart: {first.status}\n{worker.log()[-2000:]}"

    # 2. An outage: pages and comment posts answer 503 with Retry-After.
    pg_cluster.stop()
    assert_unavailable_page(get(worker), "article")
    assert_unavailable_page(get(worker, "/"), "home page")
    posted = form.post(
        worker.port, name="Ada", email="ada@example.com", comment="Posted during the outage.", address="10.9.9.9"
    )
    assert_unavailable_page(posted, "comment post")

    # 3. The database returns: the next request is answered.
    restarted = time.monotonic()
    pg_cluster.start()
    ready = time.monotonic()
    response = get(worker)
    answered = time.monotonic()
    assert response.status == 200, f"after the outage: {response.status}\n{worker.log()[-2000:]}"
    print(
        f"\nPostgreSQL outage: 503 + Retry-After while down; database accepting connections "
        f"{ready - restarted:.2f} s after pg_ctl start, first request answered 200 "
        f"{answered - ready:.3f} s later ({answered - restarted:.2f} s after the restart began)"
    )

    log = worker.log()
    assert set(worker.statuses()) <= {200, 503}, log[-2000:]
    assert "Traceback" not in log, log[-3000:]
    assert "Database unavailable" in log
    comments = harness.pg_query(
        f"{pg_cluster.server}/skolr", "SELECT COUNT(*) FROM django_comments WHERE comment = 'Posted during the outage.'"
    )
    assert comments == [(0,)]


# --- The middleware on its own --------------------------------------------------------


def driver_error(cause: Exception) -> OperationalError:
    """Django's OperationalError for a driver's error, as Django's own
    error wrapper raises it (the driver's error kept as ``__cause__``)."""
    error = OperationalError(*cause.args)
    error.__cause__ = cause
    return error


def sqlite_database_is_locked(tmp_path) -> OperationalError:
    """A real "database is locked": another connection holds the write lock."""
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        waiter.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as locked:
        return driver_error(locked)
    finally:
        waiter.close()
        holder.close()
    raise AssertionError("the second writer got the lock")


def sqlite_cannot_open(tmp_path) -> OperationalError:
    try:
        sqlite3.connect(f"file:{tmp_path}/missing/blog.sqlite3?mode=rw", uri=True)
    except sqlite3.OperationalError as cannot_open:
        return driver_error(cannot_open)
    raise AssertionError("opened a database that does not exist")


def postgresql_refused(tmp_path) -> OperationalError:
    """A real failed connection attempt: nothing listens on the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    try:
        psycopg.connect(host="127.0.0.1", port=port, connect_timeout=2)
    except psycopg.OperationalError as refused:
        return driver_error(refused)
    raise AssertionError(f"something accepted a connection on port {port}")


def connection_closed(tmp_path) -> InterfaceError:
    return InterfaceError("connection already closed")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "outage", [sqlite_database_is_locked, sqlite_cannot_open, postgresql_refused, connection_closed]
)
def test_an_unavailable_database_gets_the_503_page(seed, client, monkeypatch, tmp_path, caplog, outage):
    error = outage(tmp_path)

    def unavailable(self, queryset=None):
        raise error

    monkeypatch.setattr(PostDetailView, "get_object", unavailable)
    response = client.get(seed.get_absolute_url())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    page = response.content.decode()
    assert "Back in a moment" in page
    assert str(error) not in page
    assert [r.levelname for r in caplog.records if r.name == "skolr_blog.middleware"] == ["WARNING"]
    # Django logs every 5xx response in a line; no traceback comes with it.
    assert not [r for r in caplog.records if r.exc_info], caplog.text


def too_many_parameters():
    # PostgreSQL takes at most 65,535 bound parameters, SQLite (as Debian
    # builds it) 250,000: both raise OperationalError.
    return list(Post.objects.filter(pk__in=range(300_000)))


def no_such_table():
    # SQLite raises OperationalError, PostgreSQL ProgrammingError.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM no_such_table")


@pytest.mark.django_db
@pytest.mark.parametrize("bad_query", [too_many_parameters, no_such_table])
def test_a_query_the_database_refuses_is_a_500_with_its_traceback(seed, monkeypatch, caplog, bad_query):
    """An OperationalError that is the query's fault is a bug, not an outage:
    no "back soon" page, no Retry-After, and an error in the log."""

    def broken(self, queryset=None):
        bad_query()

    monkeypatch.setattr(PostDetailView, "get_object", broken)
    response = Client(raise_request_exception=False).get(seed.get_absolute_url())

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Back in a moment" not in response.content.decode()
    errors = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info, caplog.text
    assert isinstance(errors[0].exc_info[1], DatabaseError)
    assert "Database unavailable" not in caplog.text


@pytest.mark.django_db
def test_other_errors_are_still_errors(seed, monkeypatch):
    def broken(self, queryset=None):
        raise ValueError("a bug")

    monkeypatch.setattr(PostDetailView, "get_object", broken)
    response = Client(raise_request_exception=False).get(seed.get_absolute_url())
    assert response.status_code == 500


def test_the_503_page_needs_no_database(django_db_blocker):
    with django_db_blocker.block():
        page = render_to_string("503.html")
    assert "Back in a moment" in page
