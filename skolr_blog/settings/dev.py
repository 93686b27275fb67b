"""Development: debug on, a throwaway secret key, mail on the console."""

from .base import *  # noqa: F403
from .base import BASE_DIR, _cache, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Not a secret: it only signs development sessions on a developer's machine.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# `make run` serves next to the task worker, and editors run manage.py
# commands (import_wordpress, load_posts…) beside them: each is a process of
# its own. A local-memory cache is one process's, so the server went on
# serving its cached pages, without what a command had changed, for up to
# PAGE_CACHE["SECONDS"]. A file cache is shared by them all.
_SHARED_CACHE = f"filecache://{BASE_DIR / 'var' / 'cache' / 'dev'}?max_entries=5000"
CACHES = {"default": _cache(env.str("CACHE_URL", default=_SHARED_CACHE))}
