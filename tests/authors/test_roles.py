"""Groups are rebuilt by migrate, including when a release adds permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from authors.roles import EDITORS, ROLE_PERMISSIONS


@pytest.mark.django_db(transaction=True)
def test_migrate_on_an_older_database_adds_new_permissions_to_groups():
    # An older database: a permission this release introduced does not exist yet.
    Permission.objects.filter(codename__in=["publish_post", "view_pendingcomment"]).delete()
    Group.objects.all().delete()

    call_command("migrate", verbosity=0)

    editors = Group.objects.get(name=EDITORS)
    assert editors.permissions.filter(codename="publish_post").exists()
    for group_name, names in ROLE_PERMISSIONS.items():
        assert Group.objects.get(name=group_name).permissions.count() == len(names)
