"""Back up and restore the whole site: its database and its uploaded media.

``manage.py backup_site DIR`` writes a new folder DIR holding:

- ``database.sqlite3`` (SQLite) or ``database.pgdump`` (PostgreSQL,
  ``pg_dump --format=custom``): the database, copied while the site runs.
  SQLite is copied with its online backup API, never as a file: a file copy
  taken while a comment is written can catch half a page, or miss what is
  still in the ``-wal`` file. The API copies one consistent snapshot while
  readers and writers carry on (WAL mode).
- ``data.json.gz``: the same content as Django fixtures (``dumpdata`` with
  natural keys), read from the same snapshot. It loads into any database,
  which makes it the way from SQLite to PostgreSQL when the blog outgrows a
  file (``restore_site`` uses it when the databases differ).
- ``media.tar.gz``: everything under ``MEDIA_ROOT`` (uploads and renditions).
- ``manifest.json``: when, from which database, the SHA-256 of each file and
  the number of rows of each model.

The folder is written under a temporary name and renamed when complete, so a
folder named DIR is never half a backup.

``manage.py restore_site DIR`` checks every checksum before it touches
anything, then replaces the database (the native copy when the database is
of the same kind, otherwise the fixtures into a migrated, emptied database,
followed by a rebuild of the search index), then ``MEDIA_ROOT``, clears the
cache (it holds only data derived from the database) and compares the row
counts with the manifest. Stop the app server and the task worker first.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.db.utils import load_backend
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
FIXTURE = "data.json.gz"
NATIVE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Not in the portable fixtures: recreated by ``migrate`` (content types,
# permissions), short-lived (sessions) or derived from posts and rebuilt
# after loading (the search index).
PORTABLE_EXCLUDE = ("contenttypes", "auth.permission", "sessions", "posts.searchdocument")
SNAPSHOT_ALIAS = "backup_snapshot"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


# --- Backup --------------------------------------------------------------------------


def backup_site(target: Path | str) -> dict:
    """Write a complete backup into the new or empty folder ``target``."""
    target = Path(target).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty folder.")
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in NATIVE:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.display_name}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        if connection.vendor == "sqlite":
            counts, details = _backup_sqlite(connection, partial)
        else:
            counts, details = _backup_postgresql(connection, partial)
        _archive_media(partial / MEDIA_ARCHIVE)
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "django": django.get_version(),
            "vendor": connection.vendor,
            "database": NATIVE[connection.vendor],
            **details,
            "files": {path.name: _sha256(path) for path in sorted(partial.iterdir())},
            "counts": counts,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        # The folder stays private (mkdtemp's 0700): it holds password
        # hashes and commenters' email addresses.
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _backup_sqlite(connection, folder: Path) -> tuple[dict, dict]:
    path = folder / NATIVE["sqlite"]
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as copy:
        # One step: a single read transaction, so one consistent snapshot;
        # in WAL mode writers are not blocked meanwhile.
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        if (check := copy.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
            raise BackupError(f"The copied database failed its integrity check: {check}")
    # Fixtures and counts come from the copy: the same moment as the copy.
    snapshot = connection.settings_dict | {"NAME": str(path), "OPTIONS": {"timeout": 20}}
    with _temporary_database(SNAPSHOT_ALIAS, snapshot):
        _dump_fixtures(SNAPSHOT_ALIAS, folder / FIXTURE)
        counts = _counts(SNAPSHOT_ALIAS)
    return counts, {"sqlite": sqlite3.sqlite_version}


def _backup_postgresql(connection, folder: Path) -> tuple[dict, dict]:
    server_major = connection.pg_version // 10000
    client = _pg_program("pg_dump")
    client_major = _major_version(client)
    if client_major < server_major:
        raise BackupError(
            f"pg_dump {client_major} cannot dump a PostgreSQL {server_major} server: "
            f"install postgresql-client-{server_major}."
        )
    # pg_dump and dumpdata read one snapshot, exported by this transaction.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run_pg(
            connection.settings_dict,
            [client, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"],
            ["--file", str(folder / NATIVE["postgresql"])],
        )
        _dump_fixtures(connection.alias, folder / FIXTURE)
        counts = _counts(connection.alias)
    return counts, {"postgresql": server_major, "pg_dump": client_major}


def _dump_fixtures(alias: str, path: Path) -> None:
    call_command(
        "dumpdata",
        database=alias,
        natural_foreign=True,
        natural_primary=True,
        use_base_manager=True,
        exclude=list(PORTABLE_EXCLUDE),
        output=str(path),
        verbosity=0,
    )


def _archive_media(path: Path) -> None:
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(path, "w:gz") as tar:
        if root.is_dir():
            for item in sorted(root.rglob("*")):
                tar.add(item, arcname=str(item.relative_to(root)), recursive=False)


# --- Restore -------------------------------------------------------------------------


def read_manifest(source: Path | str) -> dict:
    """The manifest of a backup, after checking every file against it."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} is not a site backup ({MANIFEST}: {error}).")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} has backup format {manifest.get('format')!r}; this version reads {FORMAT}.")
    for name, digest in manifest["files"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{path} is missing.")
        if _sha256(path) != digest:
            raise BackupError(f"{path} does not match its checksum: the backup is damaged.")
    return manifest


def restore_site(source: Path | str, *, portable: bool = False) -> dict:
    """Replace the database and MEDIA_ROOT with the backup in ``source``.

    The native copy is used when the database is of the backup's kind (and
    ``portable`` is false); otherwise the fixtures are loaded. Returns a
    summary: the method used and the row counts found afterwards.
    """
    source = Path(source).resolve()
    manifest = read_manifest(source)
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in NATIVE:
        raise BackupError(f"Restores support SQLite and PostgreSQL, not {connection.display_name}.")
    native = not portable and manifest["vendor"] == connection.vendor
    if native and connection.vendor == "sqlite":
        _restore_sqlite(connection, source / manifest["database"])
    elif native:
        _restore_postgresql(connection, source / manifest["database"])
    else:
        _load_fixtures(source / FIXTURE)
    _restore_media(source / MEDIA_ARCHIVE)
    cache.clear()
    counts = _counts(DEFAULT_DB_ALIAS)
    expected = manifest["counts"]
    different = {label: (n, counts.get(label)) for label, n in expected.items() if counts.get(label) != n}
    if different:
        detail = ", ".join(f"{label}: {want} in the backup, {got} now" for label, (want, got) in different.items())
        raise BackupError(f"Restored, but the row counts differ from the backup's: {detail}")
    return {"method": "native" if native else "portable", "counts": counts, "manifest": manifest}


def _restore_sqlite(connection, path: Path) -> None:
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("Cannot restore inside a transaction.")
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as backup:
        # The backup API replaces every page of the live database under its
        # lock, so other connections see either the old or the new database.
        backup.backup(connection.connection)
    connection.close()


def _restore_postgresql(connection, path: Path) -> None:
    server_major = connection.pg_version // 10000
    client = _pg_program("pg_restore")
    settings_dict = connection.settings_dict
    connection.close()
    if _major_version(client) < server_major:
        raise BackupError(f"pg_restore is older than the PostgreSQL {server_major} server.")
    # One transaction: a failed restore leaves the database as it was.
    _run_pg(
        settings_dict,
        [client, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"],
        [str(path)],
    )


def _load_fixtures(path: Path) -> None:
    from django_tasks_db.models import DBTaskResult

    from posts.search import rebuild_index

    # Migrated and emptied: flush runs the post-migrate handlers again
    # (content types, permissions, the Authors/Moderators/Editors groups),
    # which the fixtures refer to by natural key.
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    with transaction.atomic():
        # They also have a sweep of finished tasks wait on the worker
        # (posts.task_records); the backup holds its own, or the next migrate
        # schedules one. Kept, it made one row more than the backup had.
        DBTaskResult.objects.all().delete()
        call_command("loaddata", str(path), verbosity=0)
        rebuild_index()


def _restore_media(archive: Path) -> None:
    root = Path(settings.MEDIA_ROOT).resolve()
    root.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=f".{root.name}.restore-", dir=root.parent))
    old = root.with_name(f".{root.name}.replaced-{os.getpid()}")
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(incoming, filter="data")  # no absolute paths, no "..", no devices
        incoming.chmod(root.stat().st_mode & 0o7777 if root.exists() else 0o755)
        if root.exists():
            root.rename(old)
        incoming.rename(root)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


# --- Helpers -------------------------------------------------------------------------


def _counts(alias: str) -> dict[str, int]:
    """Rows per model, for every model the fixtures carry."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.proxy or not model._meta.managed:
            continue
        if label in PORTABLE_EXCLUDE or model._meta.app_label in PORTABLE_EXCLUDE:
            continue
        counts[label] = model._base_manager.using(alias).count()
    return dict(sorted(counts.items()))


@contextmanager
def _temporary_database(alias: str, settings_dict: dict):
    """A connection usable as ``using=alias`` in this thread, left out of
    ``settings.DATABASES`` (Django's own way of adding one at run time)."""
    connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = connection
    try:
        yield connection
    finally:
        connection.close()
        del connections[alias]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client.")
    return path


def _major_version(program: str) -> int:
    output = subprocess.run([program, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)*", output)
    return int(match.group(1)) if match else 0


def _run_pg(settings_dict: dict, command: list[str], arguments: list[str]) -> None:
    """Run pg_dump/pg_restore against the database ``settings_dict`` describes."""
    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [flag, str(settings_dict[key])]
    command += ["--dbname", settings_dict["NAME"] or "postgres", *arguments]
    result = subprocess.run(  # noqa: S603 (our arguments, no shell)
        command, env=os.environ | (env or {}), capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip() or result.returncode}")
