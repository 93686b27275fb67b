import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

SEED_SLUG = "django-vs-flask-vs-fastapi"

# CI (.ci/run) runs the suite twice side by side, on SQLite and on
# PostgreSQL, and sets CI_SUITE to the one this run is. Tests whose subject
# is not the run's database run in one of the two: the browser tests drive
# pages and scripts; the production tests use PostgreSQL, and the fault
# tests that start sites of their own (a SQLite and a PostgreSQL site, built
# once per run for whichever tests ask: tests/faults/conftest.py) use them
# whichever the run. Run twice, they took the two runs past 15 minutes. Each
# is deselected (not skipped) in the other run, and `make test` runs all of
# them, on either database. So do the two longest XSS tests (the payloads
# through every field, then every page: their pages escape what is stored
# whichever database stored it), one each; search's highlighting, which the
# database writes, is checked on both (tests/security/test_xss.py). Shared so
# that both runs take about as long. Two admin saves of a post at once are
# PostgreSQL's question (row locks; SQLite's writers take turns), asked in its
# run only (tests/posts/test_saves_at_once.py).
# {path under tests/ (a folder, a file, or a file::test; the longest that
# matches decides): the run it belongs to}
CI_SHARES = {
    "browser/": "sqlite",
    "faults/test_concurrent_comments.py": "postgresql",
    "faults/test_backup.py::test_a_sqlite_site_moves_to_postgresql": "postgresql",
    "faults/test_cache_outage.py::test_pages_and_comments_survive_a_redis_outage": "postgresql",
    "faults/test_database_outage.py::test_postgresql_outage_answers_503_and_recovers": "postgresql",
    "posts/test_saves_at_once.py": "postgresql",
    "production/": "postgresql",
    "security/test_xss.py::test_author_fields": "sqlite",
    "security/test_xss.py::test_stranger_fields": "postgresql",
    "test_settings.py::test_a_sqlite_site_gathers_the_statistics_its_lists_need": "sqlite",  # its own SQLite file
}
TESTS = Path(__file__).resolve().parent


def ci_share(path: Path, test: str = "") -> str | None:
    """The CI run a test (``test`` in the file at ``path``) belongs to; None for both."""
    relative = path.resolve().relative_to(TESTS).as_posix()
    names = {relative, f"{relative}::{test}"}
    matching = [prefix for prefix in CI_SHARES if prefix in names or relative.startswith(prefix.rstrip("/") + "/")]
    return CI_SHARES[max(matching, key=len)] if matching else None


def pytest_collection_modifyitems(config, items):
    suite = os.environ.get("CI_SUITE", "")
    if not suite:
        return
    elsewhere = [item for item in items if ci_share(Path(str(item.path)), item.originalname) not in (None, suite)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in set(elsewhere)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit slots, cached pages and menus do not leak from one test to the next."""
    from django.core.cache import cache

    from posts import menus
    from skolr_blog.page_cache import local_pages

    cache.clear()
    local_pages.clear()
    # A test database starts without pages: each test's process has read
    # its (empty) menus, as a running process has (see posts.menus).
    menus.remember(menus.Menus())
    yield
    cache.clear()
    local_pages.clear()
    menus.remember(menus.Menus())


@pytest.fixture
def seed(db):
    """The Skolr article, loaded from the repository's content files."""
    call_command("load_posts", str(settings.BASE_DIR / "content"), stdout=io.StringIO())
    from posts.models import Post

    return Post.objects.get(slug=SEED_SLUG)


@pytest.fixture
def editor(client):
    """A signed-in member of Editors."""
    from authors.roles import EDITORS
    from tests.factories import make_user

    user = make_user("editor", groups=[EDITORS])
    client.force_login(user)
    return user


@pytest.fixture
def writer(client):
    """A signed-in member of Authors with an author profile of their own."""
    from authors.roles import AUTHORS
    from tests.factories import make_author, make_user

    user = make_user("writer", groups=[AUTHORS])
    author = make_author(user=user, slug="writer")
    client.force_login(user)
    return author
