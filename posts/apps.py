from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"

    def ready(self):
        # Keeps the full-text index in step with posts and tags.
        from . import cache_signals, search_signals  # noqa: F401
