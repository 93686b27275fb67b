"""Settings shared by every environment, read from the environment.

Every variable is documented in ``.env.example``. The defaults describe the
embedded set-up that needs nothing but Python: SQLite, local-memory cache (a
file cache in development, ``dev.py``) and mail written to the console.
Production overrides what must never default (see ``prod.py``).
"""

from email.headerregistry import Address
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.csp import CSP
from django_prose_editor.config import html_tags
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is a convenience for development; real deployments set
# variables in the process environment, which always wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _days(name: str, default: int) -> int:
    """A number of days of at least one from the environment; else the
    process stops with one line naming the variable (SystemExit, as
    prod.py's required variables: no traceback)."""
    raw = env.str(name, default=str(default)).strip()
    if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
        raise SystemExit(f"skolr_blog: {name} must be a whole number of days, 1 or more, not {raw!r}.")
    return int(raw)


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin, with a site that refuses odd input (skolr_blog/admin_site.py).
    "skolr_blog.admin_site.BlogAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    # Old addresses (a moved blog's, a deleted post's) answered with a 301
    # or a 410 instead of a 404: editors keep them under Redirects.
    "django.contrib.redirects",
    # django_comments_xtd must come before django_comments (its templates
    # and admin override the base app's).
    "django_comments_xtd",
    "django_comments",
    "django_prose_editor",
    "taggit",
    "django_tasks_db",
    "simple_history",
    "sorl.thumbnail",
    "axes",
    "authors",
    "posts",
]

MIDDLEWARE = [
    "skolr_blog.middleware.RequestSizeLimitMiddleware",
    # A database outage answers 503 + Retry-After (its process_exception).
    "skolr_blog.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "skolr_blog.page_cache.AnonymousPageCacheMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Only a 404 response costs it a query (a Redirect with that old path).
    "skolr_blog.middleware.RedirectFallbackMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "skolr_blog.urls"
WSGI_APPLICATION = "skolr_blog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "skolr_blog.context_processors.site",
            ],
        },
    },
]


def _database(url: str) -> dict:
    """Parse ``DATABASE_URL`` and tune SQLite for a web server.

    WAL lets readers proceed while a comment is written; IMMEDIATE
    transactions take the write lock up front so two writers queue on the busy
    timeout instead of failing with "database is locked" mid-transaction. The
    backend is Django's plus planner statistics (``skolr_blog.sqlite3``).
    """
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = "skolr_blog.sqlite3"
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
            ),
        } | config.get("OPTIONS", {})
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
        # Parameters bound by the server, so that psycopg prepares a statement
        # the fifth time a connection runs it: PostgreSQL then skips planning,
        # which took longer than executing the article page's queries (about
        # 1.7 of 2.7 ms). Connections persist (CONN_MAX_AGE), so the prepared
        # statements do too. DJANGO_DB_PREPARE=0 turns it off (e.g. behind a
        # pgbouncer in transaction mode, which cannot keep prepared statements).
        if env.bool("DJANGO_DB_PREPARE", default=True):
            config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5} | config.get("OPTIONS", {})
    return config


DATABASES = {"default": _database(env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache(url: str) -> dict:
    """Parse ``CACHE_URL``; Redis gets a backend that survives a Redis outage.

    Django's RedisCache raises on every call while Redis is down, which would
    turn each page and comment post into an error. ``ResilientRedisCache``
    (skolr_blog/cache.py) treats an unreachable Redis as an empty cache
    instead, and short socket timeouts keep a hung Redis from hanging workers.
    """
    config = environ.Env.cache_url_config(url)
    # django-environ lower-cases every query option of a Redis URL, these too
    # (e.g. ?key_prefix=), where Django only reads them in upper case.
    for name in ("timeout", "key_prefix", "version", "key_function"):
        if name in config:
            config[name.upper()] = config.pop(name)
    if config["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        config["BACKEND"] = "skolr_blog.cache.ResilientRedisCache"
        config["OPTIONS"] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} | config.get("OPTIONS", {})
    return config


CACHES = {"default": _cache(env.str("CACHE_URL", default="locmemcache://skolr-blog"))}
# Pages for anonymous readers (skolr_blog/page_cache.py): kept SECONDS in
# the cache above (a content change retires them at once), FRONT_SECONDS in
# nginx's micro-cache. Paths under EXCLUDE_PREFIXES are never cached.
PAGE_CACHE = {
    "SECONDS": 600,
    "FRONT_SECONDS": 1,
    "EXCLUDE_PREFIXES": ("/admin/", "/comments/", "/mail/", "/preview/", "/__hello__/"),
}
# `make bench` only: mount /__hello__/, the cheapest response the app can give
# through the whole middleware stack, to compare pages with (skolr_blog/urls.py).
BENCH_HELLO = env.bool("DJANGO_BENCH_HELLO", default=False)

# Django 6.1 mail configuration. Only MAILERS: mixing it with the legacy
# EMAIL_* settings is an ImproperlyConfigured error.
MAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def _mailer(default: str = "console") -> dict:
    kind = env.str("DJANGO_MAIL", default=default)
    if kind == "file":
        folder = env.path("DJANGO_MAIL_FILE_PATH", default=BASE_DIR / "var" / "mail")
        return {"BACKEND": MAIL_BACKENDS["file"], "OPTIONS": {"file_path": str(folder)}}
    if kind == "smtp":
        return {
            "BACKEND": MAIL_BACKENDS["smtp"],
            "OPTIONS": {
                "host": env.str("DJANGO_SMTP_HOST", default="localhost"),
                "port": env.int("DJANGO_SMTP_PORT", default=587),
                "username": env.str("DJANGO_SMTP_USER", default=""),
                "password": env.str("DJANGO_SMTP_PASSWORD", default=""),
                "use_tls": env.bool("DJANGO_SMTP_TLS", default=True),
                "timeout": 10,
            },
        }
    if kind not in MAIL_BACKENDS:
        raise environ.ImproperlyConfigured(f"DJANGO_MAIL must be one of {', '.join(MAIL_BACKENDS)}, not {kind!r}.")
    return {"BACKEND": MAIL_BACKENDS[kind]}


MAILERS = {"default": _mailer()}

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection: 5 failures lock the account, and separately the
# address, for an hour. The login form's message never says which of
# username and password was wrong.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "posts.policy.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# "Forgotten your password?" (skolr_blog/password_reset.py): requests per
# address per window, and at most one email per account per EMAIL_SECONDS.
PASSWORD_RESET_LIMIT = {"REQUESTS": 5, "WINDOW": 3600, "EMAIL_SECONDS": 300}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Links in readers' comments written as "www.…" open over HTTPS (Django's
# transitional setting; its default becomes this in a later release).
URLIZE_ASSUME_HTTPS = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "admin:login"

# The body editor's extensions of our own, which django-prose-editor's
# "configurable" preset loads where a field enables them
# (posts.models.BODY_EXTENSIONS). UploadImage: a toolbar button, and an
# image file dropped or pasted into the text, upload the image to the post's
# or page's admin (posts.body_image_admin) and insert it where the cursor is.
# It makes a figure and an image, which Figure and Image allow already: no
# HTML of its own for the sanitizer. FieldLabel: the field's label names the
# editor's text box for screen readers (it named the hidden textarea only).
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {"js": [static_lazy("js/editor_image_upload.js")], "extensions": {"UploadImage": html_tags([])}},
    {"js": [static_lazy("js/editor_field_label.js")], "extensions": {"FieldLabel": html_tags([])}},
]

# Content Security Policy (Django 6's built-in middleware). No inline
# scripts anywhere: the public pages load only their own files, and the admin
# gets a per-request nonce for the few tags it renders inline. Public pages
# never use the nonce, so cached pages carry none. Inline style attributes
# are allowed (the admin and its widgets use them); scripts are not.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Where /.well-known/security.txt tells researchers to report problems.
SECURITY_CONTACT = env.str("DJANGO_SECURITY_CONTACT", default="mailto:security@localhost")
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SITE_ID = 1
BLOG = {
    "NAME": env.str("DJANGO_BLOG_NAME", default="Skolr Blog"),
    "TAGLINE": "Notes on education technology and the software behind it",
    "POSTS_PER_PAGE": 10,
    # Comments per page of a post's discussion, in thread order.
    "COMMENTS_PER_PAGE": 50,
    # Serve AVIF/WebP renditions with srcset (sorl-thumbnail).
    "RESPONSIVE_IMAGES": True,
    # Feeds carry each post's full body (True) or only its excerpt (False).
    "FEED_FULL_CONTENT": env.bool("DJANGO_BLOG_FEED_FULL_CONTENT", default=True),
    "FEED_ITEMS": 20,
    # Structured data and link previews: who publishes the blog, its logo
    # (static, 512×512), the share image of pages without a thumbnail
    # (static, 1200×630), and which author slugs are organisations, not people.
    "PUBLISHER": "Skolr",
    "LOGO": "img/logo.png",
    "SHARE_IMAGE": "img/og-default.png",
    "ORGANIZATION_AUTHORS": env.list("DJANGO_BLOG_ORGANIZATION_AUTHORS", default=["skolr"]),
    # Days a post stays in the trash before the task worker deletes it, with
    # its comments, for good (posts.trash).
    "TRASH_DAYS": _days("DJANGO_BLOG_TRASH_DAYS", default=30),
}
THUMBNAIL_PRESERVE_FORMAT = False
THUMBNAIL_UPSCALE = False
# A JPEG rendition (a link preview's image, the media library's previews) of
# an image with transparent parts has them white, as on the page: JPEG has no
# transparency, and without this they took the colour stored under them,
# black for most, so a logo drawn in black was a black box.
THUMBNAIL_FLATTEN = True

# Uploads: refuse what a blog has no use for before it fills memory. A
# request body over MAX_REQUEST_BYTES is refused before it is read (413);
# nginx's client_max_body_size must say the same (deploy/nginx.conf).
MAX_REQUEST_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000  # all frames of an animation together
IMAGE_MAX_FRAMES = 1000

# Tags: "Django" and "django" are one tag.
TAGGIT_CASE_INSENSITIVE = True
# ASCII slugs ("Éducation" → "education"): tag pages are /tags/<slug:slug>/,
# which matches ASCII only; see posts/tagging.py.
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True

# Comments (django-comments-xtd). A comment is stored the moment it is posted
# and waits for a moderator; the emailed-confirmation flow is off because it
# keeps the comment only inside the emailed link.
COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_CONFIRM_EMAIL = False
COMMENTS_XTD_FORM_CLASS = "posts.forms.CommentForm"
COMMENTS_XTD_MAX_THREAD_LEVEL = 2  # levels 0, 1, 2: three levels deep
COMMENTS_XTD_LIST_ORDER = ("thread_id", "order")
COMMENTS_XTD_SALT = env.str("DJANGO_COMMENTS_SALT", default="skolr-blog-comments").encode()
COMMENTS_XTD_APP_MODEL_OPTIONS = {
    "default": {
        "who_can_post": "all",
        "allow_flagging": False,
        "allow_feedback": False,
        "show_feedback": False,
    }
}
COMMENT_MAX_LENGTH = 3000

# The comment policy (see posts/policy.py). WordPress-like: trusted and
# previously approved commenters publish directly, everyone else waits.
COMMENTS_POLICY = {
    # Comments close this many days after publication (a post may override;
    # None or 0: never).
    "CLOSE_AFTER_DAYS": env.int("DJANGO_COMMENTS_CLOSE_AFTER_DAYS", default=365),
    # Publish directly for commenters with an earlier approved comment
    # under the same name and email.
    "TRUST_PREVIOUSLY_APPROVED": True,
    # A newcomer posting from an address that sent spam within this many
    # days is held for review (not marked as spam: addresses are shared).
    "SPAM_ADDRESS_DAYS": 30,
    # More links than this holds a comment for review.
    "MAX_LINKS": 2,
    # A word (whole word, any case) or link/email domain from these lists marks a comment as spam.
    "BLOCKED_WORDS": env.list("DJANGO_COMMENTS_BLOCKED_WORDS", default=["viagra", "casino", "crypto-giveaway"]),
    "BLOCKED_DOMAINS": env.list("DJANGO_COMMENTS_BLOCKED_DOMAINS", default=[]),
    # The same address or email posting again within this many seconds gets a 429.
    "MIN_SECONDS_BETWEEN": 15,
    # More than this many comments from one address in BURST_WINDOW seconds are held.
    "BURST_LIMIT": 5,
    "BURST_WINDOW": 600,
    # Comments flagged by this many readers go back to the queue.
    "FLAGS_TO_HIDE": 3,
}
# How many reverse proxies in front of the app append to X-Forwarded-For.
# 0: trust only REMOTE_ADDR (a client can write any X-Forwarded-For).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Background tasks (Django 6 tasks framework, stored in the database).
# Every email is sent by a task after the transaction commits; `make run`
# starts a worker (`manage.py db_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
# Days the worker's rows of finished tasks are kept (for emails, with the
# address): enough to look into a failure, then swept (posts/task_records.py).
FINISHED_TASK_DAYS = 14
# Site address used in emailed links (emails have no request to take it
# from): SITE_DOMAIN is written to the current Site after every migrate
# (posts/site_domain.py). `make run` passes 127.0.0.1:$(PORT).
SITE_SCHEME = env.str("DJANGO_SITE_SCHEME", default="http")
SITE_DOMAIN = env.str("DJANGO_SITE_DOMAIN", default="127.0.0.1:8000")


def _sender(domain: str) -> str:
    """Who the blog's emails are from unless DJANGO_DEFAULT_FROM_EMAIL says:
    the blog's name at the site's domain (blog@localhost where the site has
    only an IP address, as in development). The name is quoted where it
    needs to be: "Smith, Jones" or "Maths: notes" unquoted make two
    addresses, or a group, of the From line."""
    host = urlsplit(f"//{domain}").hostname or "localhost"
    try:
        ip_address(host)
    except ValueError:
        pass
    else:
        host = "localhost"
    return str(Address(BLOG["NAME"], addr_spec=f"blog@{host}"))


DEFAULT_FROM_EMAIL = SERVER_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default=_sender(SITE_DOMAIN))
COMMENTS_XTD_FROM_EMAIL = COMMENTS_XTD_CONTACT_EMAIL = DEFAULT_FROM_EMAIL

# Email subscriptions (posts/subscriptions.py).
SUBSCRIPTIONS = {
    # How long the emailed confirmation link works.
    "CONFIRM_DAYS": 3,
    # One request per address (IP) this often: a school shares one address.
    "SECONDS_BETWEEN": 10,
    # At most one confirmation email per email address this often, doubling
    # with each one unanswered (up to a day), so the form cannot be used to
    # flood someone's inbox.
    "CONFIRM_EMAIL_SECONDS": 600,
    # A post whose publish date is older than this when it would be sent
    # (backdated, or loaded from files) is not mailed as new.
    "MAX_POST_AGE_DAYS": 7,
    # An address never confirmed is deleted this many days after it was
    # given (a task scheduled then; also `manage.py forget_unconfirmed_subscribers`).
    "UNCONFIRMED_DAYS": 7,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
