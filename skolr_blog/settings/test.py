"""Tests: fast on purpose (MD5 hashing, in-memory mail), but the same
database engine as configured, so the suite runs on SQLite and PostgreSQL."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Emailed links lead to the test client's host.
SITE_DOMAIN = "testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = env.path("DJANGO_TEST_MEDIA_ROOT", default=BASE_DIR / "var" / "test-media")
# Mail is sent in the request thread so tests can read mail.outbox at once.
COMMENTS_XTD_THREADED_EMAILS = False
# Original images instead of renditions, so most tests encode nothing; the
# rendition tests switch this on.
BLOG = BLOG | {"RESPONSIVE_IMAGES": False}  # noqa: F405
# Tasks run as soon as they are enqueued (after commit); tests of the
# worker and of retries switch to the database backend.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "mail"]}}
