"""Backup and restore: ``backup_site`` then ``restore_site`` give back every
row of every table and every media file, byte for byte; a damaged backup is
refused before anything changes; and a SQLite backup loads into PostgreSQL
with the same content (the way to move a growing blog).

The round trip runs on the suite's database (SQLite, or PostgreSQL with
``DATABASE_URL``); the move to PostgreSQL runs the commands in processes.
"""

import gzip
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django_comments_xtd.models import XtdComment

from posts.models import Post
from posts.search import search_posts
from skolr_blog.backup import FIXTURE, MANIFEST, NATIVE
from tests.factories import make_comment, make_post

from . import harness
from .populate import populate


def all_rows() -> dict[str, list[str]]:
    """Every row of every table (search index, migrations and all), in a stable order;
    not SQLite's planner statistics, which it gathers as connections close."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("sqlite_stat"):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = sorted(map(repr, cursor.fetchall()))
    return rows


def media_checksums(root: Path | None = None) -> dict[str, str]:
    root = Path(root or settings.MEDIA_ROOT)
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def site(transactional_db, seed):
    """A populated site in the suite's database (committed: pg_dump reads it from outside)."""
    populate()
    return seed


def test_round_trip_restores_every_row_and_media_file(site, tmp_path):
    rows, media = all_rows(), media_checksums()
    assert len(media) >= 4  # the seed's images, a photo, a thumbnail
    backup = tmp_path / "backup"

    call_command("backup_site", str(backup), stdout=io.StringIO())

    manifest = json.loads((backup / MANIFEST).read_text())
    assert manifest["vendor"] == connection.vendor
    assert set(manifest["files"]) == {NATIVE[connection.vendor], FIXTURE, "media.tar.gz"}
    assert manifest["counts"]["posts.post"] == 2
    assert manifest["counts"]["django_comments_xtd.xtdcomment"] == XtdComment.objects.count()

    # Life goes on, and goes wrong.
    XtdComment.objects.filter(comment__startswith="Comment 1:").delete()
    Post.objects.filter(slug="timetables").update(title="Renamed")
    make_post(title="Written after the backup")
    thumbnail = Path(settings.MEDIA_ROOT) / Post.objects.get(slug="timetables").thumbnail.name
    thumbnail.unlink()
    (Path(settings.MEDIA_ROOT) / "stray.txt").write_text("not in the backup")
    assert all_rows() != rows
    assert media_checksums() != media

    call_command("restore_site", str(backup), interactive=False, stdout=io.StringIO())

    restored = all_rows()
    assert {table for table in rows if rows[table] != restored.get(table)} == set()
    assert restored == rows
    assert media_checksums() == media
    # The restored database goes on working: new rows get new keys, search finds posts.
    new = make_comment(site, comment="After the restore.")
    assert new.pk > max(XtdComment.objects.exclude(pk=new.pk).values_list("pk", flat=True))
    assert [post.slug for post in search_posts("timetables")] == ["timetables"]
    print(
        f"\nBackup round trip ({connection.vendor}): {sum(map(len, rows.values()))} rows in {len(rows)} tables, "
        f"{len(media)} media files: identical"
    )


def test_a_damaged_backup_is_refused_and_nothing_changes(site, tmp_path):
    backup = tmp_path / "backup"
    call_command("backup_site", str(backup), stdout=io.StringIO())
    archive = backup / "media.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10])
    make_post(title="After the backup")
    rows, media = all_rows(), media_checksums()

    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore_site", str(backup), interactive=False)
    assert all_rows() == rows
    assert media_checksums() == media


def test_a_backup_never_overwrites(site, tmp_path):
    folder = tmp_path / "backups"
    (folder / "taken").mkdir(parents=True)
    (folder / "taken" / "something").write_text("mine")
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("backup_site", str(folder / "taken"))
    assert [path.name for path in folder.iterdir()] == ["taken"]  # no partial folder left behind
    assert [path.name for path in (folder / "taken").iterdir()] == ["something"]


# --- From SQLite to PostgreSQL ---------------------------------------------------------

MOVE = """
import json
from django.core.management import call_command
from posts.models import Post
from posts.search import search_posts
from posts.search_models import SearchDocument

call_command("restore_site", {backup!r}, interactive=False)
call_command(
    "dumpdata", natural_foreign=True, natural_primary=True, use_base_manager=True,
    exclude=["contenttypes", "auth.permission", "sessions", "posts.searchdocument"], output={loaded!r},
)
found = [post.slug for post in search_posts("timetables")]
print(json.dumps({{"search": found, "indexed": SearchDocument.objects.count(), "posts": Post.objects.count()}}))
"""


# Django's JSON serializer keeps a time to the millisecond, and writes no
# fraction when there is none: a comment posted at 12:00:05.000420 is backed
# up as "12:00:05.000Z", restored as 12:00:05 and dumped again as
# "12:00:05Z". The same instant to the serializer's precision; without this,
# one time in a thousand failed the comparison.
WHOLE_SECOND = re.compile(r'(T\d{2}:\d{2}:\d{2})\.000Z"')


def fixture_objects(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as file:
        return sorted(WHOLE_SECOND.sub(r'\1Z"', json.dumps(item, sort_keys=True)) for item in json.load(file))


@pytest.mark.slow
def test_a_sqlite_site_moves_to_postgresql(sqlite_site, pg_site, tmp_path):
    backup = tmp_path / "backup"
    sqlite_env = harness.site_env(database_url=sqlite_site["database_url"], media_root=sqlite_site["media_root"])
    harness.manage(
        sqlite_env,
        "shell",
        "-c",
        f"from tests.faults.populate import populate; populate(); "
        f"from django.core.management import call_command; call_command('backup_site', {str(backup)!r})",
    )

    target_media = tmp_path / "pg-media"
    pg_env = harness.site_env(database_url=pg_site["database_url"], media_root=target_media)
    loaded = tmp_path / "loaded.json"
    report = harness.manage(pg_env, "shell", "-c", MOVE.format(backup=str(backup), loaded=str(loaded)))
    assert "(portable)" in report
    facts = json.loads(report.strip().splitlines()[-1])
    assert facts == {"search": ["timetables"], "indexed": facts["posts"], "posts": 2}

    source, target = fixture_objects(backup / FIXTURE), fixture_objects(loaded)
    assert len(source) > 50
    assert source == target
    assert media_checksums(target_media) == media_checksums(sqlite_site["media_root"])
    files = len(media_checksums(target_media))
    print(f"\nSQLite → PostgreSQL: {len(source)} objects and {files} media files identical")
