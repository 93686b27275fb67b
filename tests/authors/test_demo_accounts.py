"""The development set-up command's demo accounts."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.factories import make_comment

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("create_demo_accounts", *args, stdout=out)
    return out.getvalue()


def test_accounts_get_random_passwords_printed_once(seed, settings):
    settings.DEBUG = True
    first = run()
    passwords = dict(re.findall(r"username '(\w+)', password '([^']+)'", first))
    assert set(passwords) == {"skolr", "editor", "moderator"}
    assert len(set(passwords.values())) == 3
    for username, password in passwords.items():
        assert get_user_model().objects.get(username=username).check_password(password)

    second = run()
    assert "password '" not in second and "unchanged" in second

    skolr = get_user_model().objects.get(username="skolr")
    assert skolr.author == seed.author
    assert skolr.has_perm("posts.publish_post") and skolr.is_staff
    assert get_user_model().objects.get(username="moderator").has_perm("django_comments.can_moderate")
    assert get_user_model().objects.get(username="editor").has_perm("posts.edit_all_posts")


def test_reset_prints_new_passwords(settings, db):
    settings.DEBUG = True
    run()
    again = run("--reset")
    assert len(re.findall(r"password '", again)) == 3


def test_refused_outside_development(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        run()


def test_the_demo_moderator_and_editor_sign_with_a_teams_name(seed, settings, client):
    settings.DEBUG = True
    run()
    moderator = get_user_model().objects.get(username="moderator")
    comment = make_comment(seed, user_name="Asha", comment="Which framework first?")
    client.force_login(moderator)

    form = client.get(f"/admin/django_comments_xtd/xtdcomment/{comment.pk}/reply/").content.decode()

    assert "Post reply as Skolr moderators" in form
    assert get_user_model().objects.get(username="editor").get_full_name() == "Skolr editors"
