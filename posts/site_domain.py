"""The address emailed links use: ``settings.SITE_DOMAIN`` on the current Site.

Emails have no request to take a host from, so they read the Sites
framework's domain, which Django creates as ``example.com`` and nothing
else ever changed. Setting it from the environment after every ``migrate``
(as the groups in ``authors/roles.py`` are) makes a fresh database, a
deploy and ``make run`` all mail links that lead back to this site.
"""

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import router


def apply_site_domain(using: str = "default") -> Site | None:
    """Give the current Site ``settings.SITE_DOMAIN`` (and the blog's name); None if unset."""
    domain = settings.SITE_DOMAIN.strip()
    if not domain or not router.allow_migrate_model(using, Site):
        return None
    site, _ = Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.BLOG["NAME"]}
    )
    Site.objects.clear_cache()
    return site


def on_post_migrate(sender, using="default", **kwargs) -> None:
    # Once per migrate, on the sites app's turn (its table exists by then);
    # whichever of this and Django's create_default_site runs first, the
    # current Site ends up with our domain.
    if sender.label == "sites":
        apply_site_domain(using)
