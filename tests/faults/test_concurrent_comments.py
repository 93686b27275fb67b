"""Concurrent writes: 200 comments from 50 parallel readers against a running
server, on SQLite (WAL, IMMEDIATE transactions, busy timeout) and on
PostgreSQL. Every accepted comment is stored exactly once; nothing answers
500 or "database is locked".

Each reader fetches the article, as a browser does, and posts the comment
form it found there with its own email and address (the server trusts one
proxy's X-Forwarded-For), so the per-address and per-email posting limit
does not refuse anyone.

The server is ``wsgi_worker.py``: like a gunicorn worker, a fixed number of
threads with persistent connections behind a deep listen queue (runserver's
queue of 10 resets connections under 50 simultaneous readers). On SQLite it
has 50 threads, so 50 writers compete for the database at once; on
PostgreSQL 16, because the server's ``max_connections`` is shared with others.
"""

import sqlite3
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest

from skolr_blog.backup import NATIVE

from . import harness

pytestmark = pytest.mark.slow

CLIENTS = 50
COMMENTS = 200
TIME_LIMIT = 60  # seconds for all the posting; it takes a few here


def post_concurrently(port: int, run_id: str) -> tuple[Counter, list[str], float]:
    """Post COMMENTS comments from CLIENTS threads; the statuses and the texts accepted."""
    per_client = COMMENTS // CLIENTS

    def reader(client: int) -> list[tuple[int, str]]:
        results = []
        for n in range(per_client):
            form = harness.CommentForm.fetch(port)
            text = f"Concurrent comment {run_id} {client}-{n}: which framework for a school timetable?"
            response = form.post(
                port,
                name=f"Reader {client}-{n}",
                email=f"reader-{client}-{n}@example.com",
                comment=text,
                address=f"10.{client // 250}.{client % 250}.{n + 1}",
            )
            results.append((response.status, text))
        return results

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        outcomes = [result for results in pool.map(reader, range(CLIENTS)) for result in results]
    elapsed = time.monotonic() - started
    statuses = Counter(status for status, _ in outcomes)
    accepted = [text for status, text in outcomes if status == 302]
    return statuses, accepted, elapsed


def check(database: str, statuses: Counter, accepted: list[str], stored: Counter, elapsed: float, log: str):
    lost = [text for text in accepted if stored[text] == 0]
    duplicated = {text: n for text, n in stored.items() if n > 1}
    print(
        f"\n{database}: {COMMENTS} comments from {CLIENTS} clients in {elapsed:.1f} s: "
        f"accepted {len(accepted)} / stored {sum(stored.values())} / lost {len(lost)} "
        f"(statuses {dict(statuses)})"
    )
    assert statuses[500] == 0, log[-3000:]
    assert "database is locked" not in log
    assert "Traceback" not in log, log[-3000:]
    assert len(accepted) == COMMENTS, f"not all accepted: {dict(statuses)}"
    assert not lost
    assert not duplicated
    assert set(stored) == set(accepted)  # nothing stored that was not accepted
    assert elapsed < TIME_LIMIT


def stored_comments(path, run_id: str) -> Counter:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT comment, COUNT(*) FROM django_comments WHERE comment LIKE ? GROUP BY comment",
            [f"Concurrent comment {run_id} %"],
        ).fetchall()
    return Counter(dict(rows))


def test_concurrent_comments_on_sqlite(sqlite_site, servers, run_id, tmp_path):
    """Also: ``backup_site`` runs while the comments pour in, and its copy is whole."""
    env = harness.site_env(database_url=sqlite_site["database_url"], media_root=sqlite_site["media_root"])
    server = servers(env, "worker", threads=CLIENTS).wait_ready()
    backup = tmp_path / "backup"
    with (tmp_path / "backup.log").open("w") as log:
        backing_up = subprocess.Popen(
            [harness.PYTHON, "manage.py", "backup_site", str(backup)],
            cwd=harness.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        statuses, accepted, elapsed = post_concurrently(server.port, run_id)
        assert backing_up.wait(timeout=120) == 0, (tmp_path / "backup.log").read_text()
    finally:
        harness.stop_process(backing_up)

    stored = stored_comments(sqlite_site["path"], run_id)
    with closing(sqlite3.connect(sqlite_site["path"])) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    check("SQLite", statuses, accepted, stored, elapsed, server.log())
    # The copy passed its integrity check (backup_site checks) and holds a
    # moment of the database: only comments that were stored, each once.
    in_backup = stored_comments(backup / NATIVE["sqlite"], run_id)
    assert set(in_backup) <= set(stored)
    assert set(in_backup.values()) <= {1}
    print(f"A backup taken meanwhile holds {len(in_backup)} of them.")


def test_concurrent_comments_on_postgresql(pg_site, servers, run_id):
    env = harness.site_env(database_url=pg_site["database_url"], media_root=pg_site["media_root"])
    server = servers(env, "worker", threads=16).wait_ready()
    statuses, accepted, elapsed = post_concurrently(server.port, run_id)

    rows = harness.pg_query(
        pg_site["database_url"],
        f"SELECT comment, COUNT(*) FROM django_comments WHERE comment LIKE 'Concurrent comment {run_id} %' "
        "GROUP BY comment",
    )
    check("PostgreSQL", statuses, accepted, Counter(dict(rows)), elapsed, server.log())
