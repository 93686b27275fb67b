import io

import pytest
from django.conf import settings
from django.core.management import call_command

SEED_SLUG = "django-vs-flask-vs-fastapi"


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
