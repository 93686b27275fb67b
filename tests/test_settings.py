"""Production settings fail loudly, and pass Django's deployment checks."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

GOOD_PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "skolr_blog.settings.prod",
    "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value",
    "DJANGO_ALLOWED_HOSTS": "blog.skolr.example",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {key: value for key, value in GOOD_PROD_ENV.items() if key != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert result.stderr.strip() == f"skolr_blog: set the {missing} environment variable (see .env.example)."


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5"])
def test_a_trash_period_that_is_no_number_of_days_stops_with_one_line(value):
    result = manage("check", DJANGO_BLOG_TRASH_DAYS=value)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"skolr_blog: DJANGO_BLOG_TRASH_DAYS must be a whole number of days, 1 or more, not {value!r}."
    )
    assert manage("check", DJANGO_BLOG_TRASH_DAYS="7").returncode == 0


def test_production_settings_pass_the_deploy_check():
    """With only the two required variables, as the README says."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD_PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("hosts", [".skolr.example", "*", ".skolr.example, *"])
def test_production_with_only_host_patterns_needs_the_site_domain(hosts):
    """Emailed links need a host; a pattern names none. Without
    DJANGO_SITE_DOMAIN the Site stayed Django's example.com, in every
    follow-up and unsubscribe link (found by QA)."""
    env = GOOD_PROD_ENV | {"DJANGO_ALLOWED_HOSTS": hosts}
    result = manage("check", **env)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "skolr_blog: DJANGO_ALLOWED_HOSTS names no host, only patterns; "
        "set DJANGO_SITE_DOMAIN to the site's address for emailed links (see .env.example)."
    )
    code = "from django.conf import settings; print(settings.SITE_DOMAIN)"
    chosen = manage("shell", "--no-imports", "-c", code, **env, DJANGO_SITE_DOMAIN="blog.skolr.example")
    assert chosen.stdout.strip() == "blog.skolr.example"


def test_production_mail_goes_out_by_smtp_unless_told_otherwise():
    code = "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])"
    show = ["shell", "--no-imports", "-c", code]
    assert manage(*show, **GOOD_PROD_ENV).stdout.strip() == "django.core.mail.backends.smtp.EmailBackend"
    chosen = manage(*show, **GOOD_PROD_ENV, DJANGO_MAIL="file").stdout.strip()
    assert chosen == "django.core.mail.backends.filebased.EmailBackend"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [({}, "https blog.skolr.example"), ({"DJANGO_SITE_DOMAIN": "www.skolr.example"}, "https www.skolr.example")],
)
def test_production_emails_link_to_the_site_over_https(extra, expected):
    """Emailed links default to the first allowed host, over https, never example.com."""
    code = "from django.conf import settings; print(settings.SITE_SCHEME, settings.SITE_DOMAIN)"
    result = manage("shell", "--no-imports", "-c", code, **GOOD_PROD_ENV, **extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_database_is_tuned_for_its_engine(db):
    """SQLite waits for the write lock instead of failing; PostgreSQL keeps
    healthy connections between requests."""
    from django.db import connection

    if connection.vendor == "sqlite":
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 20000
    else:
        assert connection.vendor == "postgresql"
        assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
        assert connection.settings_dict["CONN_MAX_AGE"] > 0


def test_postgresql_prepares_the_statements_a_connection_repeats(db):
    """On PostgreSQL a page's queries become prepared statements after a few
    runs, so the server stops planning them; DJANGO_DB_PREPARE=0 turns that
    off (for a pooler that cannot keep them). SQLite has nothing to prepare."""
    from django.db import connection

    from posts.models import Post
    from skolr_blog.settings.base import _database

    if connection.vendor == "sqlite":
        assert "server_side_binding" not in connection.settings_dict["OPTIONS"]
        return
    for _ in range(6):
        list(Post.objects.published().filter(slug="no-such-post"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ['%"posts_post"%'])
        assert cursor.fetchall(), "the repeated query was not prepared"

    url = "postgres://postgres@127.0.0.1:5432/skolr"
    assert _database(url)["OPTIONS"]["prepare_threshold"] == 5
    os.environ["DJANGO_DB_PREPARE"] = "0"
    try:
        assert "server_side_binding" not in _database(url).get("OPTIONS", {})
    finally:
        del os.environ["DJANGO_DB_PREPARE"]


def test_sqlite_file_database_uses_wal(tmp_path):
    """A file database (as make run uses) is switched to WAL on connect."""
    result = manage(
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
        "print(c.fetchone()[0])",
        DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wal"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "Skolr Blog <blog@blog.skolr.example>"),
        ({"DJANGO_SITE_DOMAIN": "www.skolr.example:8443"}, "Skolr Blog <blog@www.skolr.example>"),
        ({"DJANGO_BLOG_NAME": "Maths: notes, tips"}, '"Maths: notes, tips" <blog@blog.skolr.example>'),
        ({"DJANGO_DEFAULT_FROM_EMAIL": "Skolr <news@skolr.example>"}, "Skolr <news@skolr.example>"),
    ],
)
def test_production_emails_are_from_the_blog_at_its_own_domain(extra, expected):
    """Found by QA: with the two required variables, every email went out
    From "Skolr Blog <blog@localhost>", which mail servers refuse or file as
    spam, and kept "Skolr Blog" under another DJANGO_BLOG_NAME. A name
    with a comma or a colon is quoted: unquoted, the From line named two
    addresses, or a group."""
    code = (
        "from django.conf import settings; from django.core.mail import EmailMessage; "
        "print(settings.SERVER_EMAIL == settings.DEFAULT_FROM_EMAIL, "
        "EmailMessage(to=['a@b.example']).message()['From'])"
    )
    result = manage("shell", "--no-imports", "-c", code, **GOOD_PROD_ENV, **extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"True {expected}"


def test_env_example_lists_every_variable_at_its_default_commented_out():
    """Copying .env.example to .env changes nothing, and it names every
    variable the settings and the app server read (the README says so)."""
    import re

    root = settings.BASE_DIR
    read = set()
    for path in [*(root / "skolr_blog" / "settings").glob("*.py"), root / "deploy" / "gunicorn.conf.py"]:
        read |= set(re.findall(r'(?:env(?:\.\w+)?|environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text()))
    read -= {"DJANGO_TEST_MEDIA_ROOT"}  # the test settings' own
    example = (root / ".env.example").read_text().splitlines()
    listed = {line[1:].partition("=")[0] for line in example if re.match(r"#[A-Z][A-Z0-9_]+=", line)}
    assert read >= {"DJANGO_SECRET_KEY", "DATABASE_URL", "GUNICORN_WORKERS"}  # the search itself works
    assert sorted(read - listed) == []
    assert [line for line in example if re.match(r"[A-Z]", line)] == []  # nothing set by copying it


def test_development_processes_share_the_page_cache():
    """`make run` serves beside the task worker, and editors run manage.py
    commands (imports, load_posts) beside both: a change one process makes
    retires the pages the server cached. Found by QA: with a local-memory
    cache, the home page stayed without the posts just imported for ten
    minutes. (This retires the checkout's development pages, nothing more.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "CACHE_URL"}
    # content_changed() asks the database whether a transaction is open: any will do.
    env |= {"DJANGO_SETTINGS_MODULE": "skolr_blog.settings.dev", "DATABASE_URL": "sqlite://:memory:"}

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()[-1]

    changed = run(
        "from skolr_blog import page_cache; page_cache.content_changed(); print(page_cache.content_version())"
    )
    assert run("from skolr_blog import page_cache; print(page_cache.content_version())") == changed


def test_the_shell_opens_without_an_import_it_cannot_make():
    """Found by QA: every session began "1 object could not be automatically
    imported: posts.HistoricalPage" (simple-history's module for it)."""
    result = manage("shell", "-c", "print(Post.objects.model.__name__)")
    assert result.returncode == 0, result.stderr
    assert "could not be automatically imported" not in result.stdout + result.stderr
    assert result.stdout.strip().endswith("Post")


def test_a_sqlite_site_gathers_the_statistics_its_lists_need(tmp_path):
    """Without statistics SQLite passes by the index of the few featured
    posts and walks every published post to find the home page's featured
    block (52 ms at 100,000 posts); with them it reads that index
    (docs/performance.md). The backend gathers them as
    a connection closes, as the end of each request closes it."""
    script = """
from datetime import timedelta
from django.db import connection
from django.test import Client
from django.utils import timezone
from posts.models import Post
from tests.factories import make_author

author = make_author()
now = timezone.now()
Post.objects.bulk_create(
    Post(title=f"Post {n}", slug=f"post-{n}", author=author, body="<p>Text</p>", status="published",
         published_at=now - timedelta(hours=n), featured=n % 100 == 99)
    for n in range(300)
)

def home_page_plan():
    sql, params = Post.objects.published().featured().for_featured_block()[:3].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(row[-1] for row in cursor.fetchall())

print(home_page_plan())
assert Client(HTTP_HOST="127.0.0.1").get("/").status_code == 200
connection.close()  # the end of the request, which the test client leaves open
print(home_page_plan())
with connection.cursor() as cursor:
    cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'post_published_idx'")
    print(cursor.fetchone()[0])
"""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}", "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    assert manage("migrate", "--noinput", **env).returncode == 0
    result = manage("shell", "--no-imports", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    before, after, statistics = result.stdout.strip().splitlines()[-3:]
    assert "post_featured_idx" not in before  # every published post read
    assert "post_featured_idx" in after  # the three featured ones only
    assert statistics.split()[:2] == ["300", "300"]  # 300 posts, one status among them
