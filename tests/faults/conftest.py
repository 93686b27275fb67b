"""Fixtures for the fault tests: sites on disk and in PostgreSQL, built once
per test session and copied for each test, throwaway servers, and the rule
that a missing PostgreSQL, Redis or initdb skips locally but fails on CI.

Tests that start real processes are marked ``slow``; they run by default
(``make test``, CI). ``-m "not slow"`` leaves them out while iterating.
"""

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from . import harness


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts real server, database or cache processes (tests/faults)")


def require(missing: str) -> None:
    """Skip (locally) or fail (on CI) when something a test needs is missing."""
    if not missing:
        return
    if harness.on_ci():
        pytest.fail(f"{missing} (CI is set, so the fault tests must run, not skip)", pytrace=False)
    pytest.skip(missing)


@pytest.fixture(scope="session")
def run_id() -> str:
    """Distinguishes this session's databases and comments from any other's."""
    return f"{uuid.uuid4().hex[:8]}"


# Migrate and load the seed article. The SQLite build also renders it once:
# its AVIF/WebP image renditions are encoded then (seconds of CPU), not by
# the first readers; the PostgreSQL template gets a copy of those files.
_BUILD = """
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
call_command("load_posts", "content/", verbosity=0)
"""
_RENDER = f"""
from django.test import Client
assert Client().get("{harness.ARTICLE}", HTTP_HOST="localhost").status_code == 200
"""


class _Build:
    """A site being built by ``manage.py shell`` in the background."""

    def __init__(self, env: dict, log: Path, code: str = _BUILD + _RENDER):
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [harness.PYTHON, "manage.py", "shell", "-c", code],
                cwd=harness.ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> None:
        try:
            returncode = self.process.wait(timeout=300)
        finally:
            harness.stop_process(self.process)
        if returncode:
            raise RuntimeError(f"Building a test site failed:\n{self.log.read_text()}")


@pytest.fixture(scope="session")
def site_builds(request, tmp_path_factory, run_id):
    """Build the SQLite and PostgreSQL template sites at once, in two processes
    (each migrates from nothing), but only those the selected tests use."""
    needs = {name for item in request.session.items for name in getattr(item, "fixturenames", ())}
    builds = {}
    pg_database = ""
    if "sqlite_template" in needs:
        folder = tmp_path_factory.mktemp("sqlite-site")
        env = harness.site_env(database_url=f"sqlite:///{folder / 'db.sqlite3'}", media_root=folder / "media")
        builds["sqlite"] = (_Build(env, folder.parent / "sqlite-build.log"), {"folder": folder})
    server = harness.pg_server_url()
    if "pg_template" in needs and not harness.pg_problem(server):
        pg_database = f"skolr_faults_{run_id}_template"
        folder = tmp_path_factory.mktemp("pg-site")
        harness.pg_execute(server, f"CREATE DATABASE {pg_database}")
        url = f"{server}/{pg_database}"
        env = harness.site_env(database_url=url, media_root=folder / "media")
        template = {"name": pg_database, "url": url, "media_root": folder / "media"}
        builds["pg"] = (_Build(env, folder.parent / "pg-build.log"), template)
    try:
        yield builds
    finally:
        for build, _ in builds.values():
            harness.stop_process(build.process)
        if pg_database:
            harness.pg_execute(server, f"DROP DATABASE IF EXISTS {pg_database} WITH (FORCE)")


@pytest.fixture(scope="session")
def sqlite_template(site_builds) -> Path:
    """A migrated SQLite site with the seed article and its images, built once."""
    build, facts = site_builds["sqlite"]
    build.wait()
    return facts["folder"]


@pytest.fixture
def sqlite_site(sqlite_template, tmp_path) -> dict:
    """A fresh copy of the SQLite site (a copy of files nobody has open)."""
    folder = tmp_path / "site"
    shutil.copytree(sqlite_template, folder)
    return {
        "database_url": f"sqlite:///{folder / 'db.sqlite3'}",
        "media_root": folder / "media",
        "path": folder / "db.sqlite3",
    }


@pytest.fixture(scope="session")
def pg_server() -> str:
    server = harness.pg_server_url()
    require(harness.pg_problem(server))
    return server


@pytest.fixture(scope="session")
def pg_template(pg_server, site_builds) -> dict:
    """A migrated PostgreSQL database with the seed article, built once; its media folder."""
    build, template = site_builds["pg"]
    build.wait()  # its own images (each upload's folder is random) and their renditions
    return template


@pytest.fixture
def pg_site(pg_server, pg_template, run_id, tmp_path):
    """A fresh PostgreSQL database copied from the template, with its own media."""
    name = f"skolr_faults_{run_id}_{uuid.uuid4().hex[:6]}"
    harness.pg_execute(pg_server, f"CREATE DATABASE {name} TEMPLATE {pg_template['name']}")
    media = tmp_path / "media"
    shutil.copytree(pg_template["media_root"], media)
    try:
        yield {"database_url": f"{pg_server}/{name}", "media_root": media, "name": name}
    finally:
        harness.pg_execute(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_cluster(pg_template, tmp_path):
    """Our own PostgreSQL cluster holding a copy of the template site (database
    ``skolr``; media in ``cluster.media_root``), stopped and started at will."""
    bin_dir = harness.pg_bin()
    require("" if bin_dir else "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    cluster = harness.PostgresCluster(bin_dir)
    try:
        cluster.init().start()
        harness.pg_execute(cluster.server, "CREATE DATABASE skolr")
        dump = cluster.dir / "template.pgdump"
        harness.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), "--dbname", pg_template["url"]])
        harness.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", f"{cluster.server}/skolr", str(dump)])
        cluster.media_root = tmp_path / "media"
        shutil.copytree(pg_template["media_root"], cluster.media_root)
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def redis_server(tmp_path):
    require("" if shutil.which("redis-server") else "redis-server not installed: apt-get install redis-server")
    server = harness.RedisServer(tmp_path / "redis.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def servers(tmp_path):
    """Start blog servers; all are stopped after the test."""
    started = []

    def start(env: dict, kind: str = "runserver", threads: int = 1) -> harness.BlogServer:
        server = harness.BlogServer(env, tmp_path / f"{kind}-{len(started)}.log", kind, threads)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
