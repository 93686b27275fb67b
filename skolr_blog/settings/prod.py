"""Production: nothing that matters may default.

A missing secret key or host list stops the process with one line naming the
variable, instead of starting a site that is insecure or answers 400 to all.
"""

from .base import *  # noqa: F403
from .base import _mailer, _sender, env


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value.strip():
        # SystemExit, not an exception: the operator sees one line, not a traceback.
        raise SystemExit(f"skolr_blog: set the {name} environment variable (see .env.example).")
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("DJANGO_ALLOWED_HOSTS").split(",") if host.strip()]
# Mail goes out by SMTP unless told otherwise: the console would swallow
# every moderator alert and reader notice (and fails `check --deploy`).
MAILERS = {"default": _mailer(default="smtp")}
# Emailed links: https (one-click unsubscribe needs it, RFC 8058) on the
# first host the site answers to, unless DJANGO_SITE_DOMAIN names another.
SITE_SCHEME = env.str("DJANGO_SITE_SCHEME", default="https")
# Only wildcards (".skolr.example", "*") name no host: stop, as for a missing
# variable, rather than leave the Site at Django's example.com in every link.
SITE_DOMAIN = env.str("DJANGO_SITE_DOMAIN", default="").strip() or next(
    (host for host in ALLOWED_HOSTS if not host.startswith((".", "*"))), ""
)
if not SITE_DOMAIN:
    raise SystemExit(
        "skolr_blog: DJANGO_ALLOWED_HOSTS names no host, only patterns; "
        "set DJANGO_SITE_DOMAIN to the site's address for emailed links (see .env.example)."
    )
# From the blog at its own domain, not blog@localhost (base.py's, from the
# development address), which mail servers refuse or file as spam.
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default=_sender(SITE_DOMAIN))
COMMENTS_XTD_FROM_EMAIL = COMMENTS_XTD_CONTACT_EMAIL = DEFAULT_FROM_EMAIL

# whitenoise serves hashed, compressed static files from the app server.
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE[: _security + 1], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[_security + 1 :]]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Secure by default. `make serve` turns these (and the HTTPS redirect) off for
# its plain-HTTP run on 127.0.0.1 only (deploy/stack.py); a deployment never does.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
if env.bool("DJANGO_CSP_UPGRADE_INSECURE_REQUESTS", default=True):
    SECURE_CSP = SECURE_CSP | {"upgrade-insecure-requests": True}  # noqa: F405
