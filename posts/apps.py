from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"

    def ready(self):
        from django.db.models.signals import post_migrate

        # cache_signals and search_signals keep the page cache and the
        # full-text index in step with posts and tags.
        from . import cache_signals, search_signals, site_domain  # noqa: F401

        # Emailed links name the site by the Sites framework's domain.
        post_migrate.connect(site_domain.on_post_migrate, dispatch_uid="posts.site_domain")
