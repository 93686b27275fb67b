"""The production stack as real processes: two gunicorn app servers and nginx.

They run the production settings (``deploy/stack.py``, as ``make serve``)
on free ports of 127.0.0.1, sharing a database made for the test run
(PostgreSQL when there is one: the server of ``DATABASE_URL``, or the local
one; otherwise one SQLite file) and one Redis (database 5 under a key prefix
of their own, removed afterwards; a file cache where there is no Redis).
Everything is stopped and dropped when the module's tests end.

Without nginx the nginx tests are skipped, except on CI (``CI`` set), where
they must run (.ci/run installs it).
"""

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from deploy import stack

ON_CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
MISSING_NGINX = "nginx not installed: apt-get install nginx-light"
REDIS_DB = 5


def pytest_configure(config):
    config.addinivalue_line("markers", "production: runs the production stack as real processes (tests/production)")
    config.addinivalue_line("markers", "slow: starts real server, database or cache processes")


def pytest_collection_modifyitems(config, items):
    """Tests that use the ``production`` fixture start processes: ``slow`` too
    (``-m "not slow"`` leaves them out while iterating, as tests/faults/)."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.production)
            if "production" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory):
    name = f"skolr_blog_mp_{secrets.token_hex(4)}"
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        url = urlsplit(configured)._replace(path=f"/{name}", query="").geturl()
    elif stack.postgres_reachable():
        url = f"{stack.LOCAL_PG}/{name}"
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'shared.sqlite3'}"
        return
    stack.ensure_postgres_database(url, fresh=True)
    try:
        yield url
    finally:
        stack.drop_postgres_database(url)


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    if not stack.redis_reachable():
        yield f"filecache://{tmp_path_factory.mktemp('cache')}"
        return
    prefix = f"skolr-mp-{secrets.token_hex(4)}"
    try:
        yield f"{stack.LOCAL_REDIS}/{REDIS_DB}?key_prefix={prefix}"
    finally:
        import redis

        client = redis.Redis.from_url(f"{stack.LOCAL_REDIS}/{REDIS_DB}")
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        client.close()


SETUP_SCRIPT = """
import json
from django.core.management import call_command
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from posts.models import CommentReview, Post

call_command("load_posts", "content/")
article = Post.objects.get(slug="django-vs-flask-vs-fastapi")
post = Post.objects.create(
    title="Written for the multi-process test", slug="multi-process", author=article.author,
    excerpt="A short post.", body="<p>Hello from every process.</p>", status="published",
    published_at=timezone.now(), thumbnail=article.thumbnail.name, thumbnail_alt=article.thumbnail_alt,
)
post.tags.add("django")
get_user_model().objects.create_superuser("mp-admin", "mp-admin@example.com", "{password}")
comment = XtdComment.objects.create(
    content_type=ContentType.objects.get_for_model(Post), object_pk=str(article.pk), site_id=1,
    user_name="Multi Process", user_email="mp@example.com", comment="{comment}",
    submit_date=timezone.now(), is_public=False,
)
CommentReview.objects.create(comment=comment, status="pending")
print(json.dumps({{"article": article.slug, "comment": comment.pk, "post": post.pk, "title": post.title}}))
"""


@pytest.fixture(scope="module")
def production(shared_database, shared_cache, tmp_path_factory):
    """Two app servers (A and B), nginx in front of both when installed."""
    tmp = tmp_path_factory.mktemp("production")
    env = stack.production_env(
        var_dir=tmp,
        database_url=shared_database,
        cache_url=shared_cache,
        static_root=tmp / "static",
        media_root=tmp / "media",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_MAIL="file",
        DJANGO_MAIL_FILE_PATH=str(tmp / "mail"),
    )
    stack.prepare(env, content=False, quiet=True)
    password = secrets.token_urlsafe(16)
    comment = f"Seen by every process {secrets.token_hex(3)}"
    output = stack.manage(env, "shell", "-c", SETUP_SCRIPT.format(password=password, comment=comment), quiet=True)
    data = json.loads(output.strip().splitlines()[-1])

    has_nginx = stack.nginx_binary() is not None
    if not has_nginx and ON_CI:
        pytest.fail(f"{MISSING_NGINX} (CI is set, so the nginx tests must run, not skip)", pytrace=False)
    ports = [stack.free_port(), stack.free_port()]
    running = stack.Stack(
        env=env,
        nginx_dir=tmp / "nginx",
        static_root=tmp / "static",
        media_root=tmp / "media",
        app_ports=ports,
        nginx_port=stack.free_port() if has_nginx else None,
        worker=False,
        log_dir=tmp / "logs",
        gunicorn_settings={"workers": "1", "threads": "4", "graceful_timeout": "1"},
    )
    try:
        running.start()
    except Exception as error:
        logs = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted((tmp / "logs").glob("*")))
        pytest.fail(f"the production stack did not start: {error}\n{logs}", pytrace=False)
    try:
        yield {
            "env": env,
            "a": f"http://127.0.0.1:{ports[0]}",
            "b": f"http://127.0.0.1:{ports[1]}",
            "nginx": f"http://127.0.0.1:{running.nginx_port}" if has_nginx else None,
            "password": password,
            "comment_text": comment,
            **data,
        }
    finally:
        running.stop()


@pytest.fixture
def nginx_url(production):
    if production["nginx"] is None:
        pytest.skip(MISSING_NGINX)
    return production["nginx"]
