"""Create the demo author and moderator accounts for a development site.

Passwords are random and printed once; nothing in the project holds a
default password. ``--reset`` prints new passwords for existing accounts.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from authors.models import Author
from authors.roles import AUTHORS, EDITORS, MODERATORS, ensure_groups

DEMO_ACCOUNTS = [
    # (username, group, author profile it signs as, name it signs with otherwise)
    ("skolr", AUTHORS, "skolr", ""),
    ("editor", EDITORS, None, "Skolr editors"),
    ("moderator", MODERATORS, None, "Skolr moderators"),
]


class Command(BaseCommand):
    help = "Create the demo author (skolr), editor and moderator accounts with random passwords (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Give existing demo accounts new passwords.")

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only (DJANGO_DEBUG is off).")
        ensure_groups()
        User = get_user_model()
        for username, group_name, author_slug, signature in DEMO_ACCOUNTS:
            # A moderator's reply is signed with the account's name: a team's
            # name, not "moderator" (no demo account stands for a person).
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "email": f"{username}@localhost", "first_name": signature},
            )
            user.groups.add(Group.objects.get(name=group_name))
            if author_slug:
                Author.objects.filter(slug=author_slug, user__isnull=True).update(user=user)
                # Skolr publishes its own articles without waiting for an editor.
                user.user_permissions.add(
                    Permission.objects.get(content_type__app_label="posts", codename="publish_post")
                )
            if created or reset:
                password = secrets.token_urlsafe(12)
                user.set_password(password)
                user.save()
                self.stdout.write(
                    self.style.SUCCESS(f"{group_name[:-1]} account: username {username!r}, password {password!r}")
                )
            else:
                self.stdout.write(
                    f"{group_name[:-1]} account {username!r} exists; its password is unchanged "
                    "(make demo-accounts prints new passwords)."
                )
