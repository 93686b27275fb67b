"""Browser tests: Playwright drives Debian's Chromium against ``live_server``.

Every test in this folder is marked ``browser`` and gets a transactional
database (the live server answers from another thread, so a test's data must
be committed for it to see it). Without /usr/bin/chromium these tests are
skipped locally, but fail on CI (``CI`` set), where a silent skip would hide
a broken set-up. See the shared NOTES.md, "Browser tests".
"""

import os
import threading
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.test import testcases

from posts.models import Post

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse database queries made from that thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


class _OneRequestAtATime:
    """The live server's application, answering one request at a time.

    On SQLite the test database lives in memory, and every request thread of
    the live server uses the test's one connection to it. Two requests at
    once (the tag autocomplete asked while a form is saved) used it together:
    SQLite answered "bad parameter or other API misuse", a permission query
    failed, and the save got a 403. The body is read inside the lock too,
    since a lazy response may still query.
    """

    def __init__(self, app):
        self.app, self.lock = app, threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()


_create_server = testcases.LiveServerThread._create_server


def _create_serial_server(self, connections_override=None):
    server = _create_server(self, connections_override)
    if connections_override:  # a connection shared between threads: in-memory SQLite
        set_app = server.set_app
        server.set_app = lambda app: set_app(_OneRequestAtATime(app))
    return server


testcases.LiveServerThread._create_server = _create_serial_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
MISSING_CHROMIUM = "Chromium not installed: apt-get install chromium"
SEED_POST_SLUG = "django-vs-flask-vs-fastapi"
HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real browser against live_server (tests/browser)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session", autouse=True)
def _require_chromium():
    """Skip (locally) or fail (on CI) before any browser or database work."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(f"{MISSING_CHROMIUM} (CI is set, so browser tests must run, not skip)", pytrace=False)
    pytest.skip(MISSING_CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options plus the system Chromium (no `playwright install`)."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser(live_server, browser):
    """pytest-playwright's Chromium, started after the live server so that it
    is closed before it. Closing it ends the keep-alive connections the
    server's request threads still wait on; each thread then closes its
    database connection, which the shared in-memory SQLite database allows
    only while the live server runs (otherwise: one "DatabaseWrapper objects
    created in a thread" error per thread at the end of the run)."""
    return browser


@pytest.fixture
def live_site(live_server, settings):
    """The ``Site`` points at the live server, as links built from it must."""
    host = urlsplit(live_server.url).netloc
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": host, "name": "Skolr Blog (tests)"})
    Site.objects.clear_cache()
    yield live_server
    Site.objects.clear_cache()


@pytest.fixture
def seed_post(live_site, settings, tmp_path) -> Post:
    """Load the content folder into the live server's database; media goes to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_posts", str(settings.BASE_DIR / "content"), stdout=StringIO())
    return Post.objects.select_related("author").get(slug=SEED_POST_SLUG)
