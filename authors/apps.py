from django.apps import AppConfig


class AuthorsConfig(AppConfig):
    name = "authors"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import roles

        # Groups reference permissions of several apps, which exist only once
        # each app's post_migrate has run: listen to all and build when ready.
        post_migrate.connect(roles.on_post_migrate, dispatch_uid="authors.roles")
