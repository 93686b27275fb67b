"""Database outage: while PostgreSQL is down, pages answer 503 with
Retry-After and a friendly page, never a traceback; when it returns, the
next request is answered, also by a worker that still holds a connection
from before (CONN_MAX_AGE with CONN_HEALTH_CHECKS).

The process test stops and starts its own PostgreSQL cluster (never the
shared one). The unit tests check the middleware on its own.
"""

import time

import pytest
from django.db import InterfaceError, OperationalError
from django.template.loader import render_to_string
from django.test import Client

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


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_database_errors_become_a_503_page(seed, client, monkeypatch, error):
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
