"""Authors keep their own account's email up to date from their profile
page, without access to the user admin; and change their password."""

import pytest
from django.contrib.auth import get_user_model

from authors.roles import AUTHORS, EDITORS
from tests.factories import make_author, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(client):
    user = make_user("writer", groups=[AUTHORS], email="writer@old-school.example")
    author = make_author(user=user, name="Writer", slug="writer", bio="Writes.")
    client.force_login(user)
    return author


def profile(author, **changes) -> dict:
    """What the profile page submits, unchanged but for ``changes``."""
    return {
        "name": author.name,
        "bio": author.bio,
        "comment_notifications": author.comment_notifications,
        "account_email": author.user.email,
    } | changes


def change_url(author) -> str:
    return f"/admin/authors/author/{author.pk}/change/"


def test_the_user_admin_stays_closed_to_authors(client, writer):
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get(f"/admin/auth/user/{writer.user.pk}/change/").status_code == 403


def test_the_profile_names_its_account_without_a_link_only_administrators_may_follow(client, writer):
    """Found by QA: the read-only *User* field linked to the user admin's
    page, a 403 for the author (and an editor) who followed it."""
    user_page = f"/admin/auth/user/{writer.user.pk}/change/"
    for who in (writer.user, make_user("chief", groups=[EDITORS])):
        client.force_login(who)
        page = client.get(change_url(writer)).content.decode()
        assert user_page not in page
        assert '<div class="readonly">writer</div>' in page
    client.force_login(make_user("boss", is_superuser=True, staff=True))
    assert 'name="user"' in client.get(change_url(writer)).content.decode()  # administrators choose it


def test_an_author_changes_their_accounts_email_on_their_profile(client, writer):
    page = client.get(change_url(writer)).content.decode()
    assert "My account" in page
    assert 'name="account_email" value="writer@old-school.example"' in page
    assert '<a href="/admin/password_change/">Change my password</a>' in page

    response = client.post(change_url(writer), profile(writer, account_email="writer@new-school.example"))
    assert response.status_code == 302
    writer.user.refresh_from_db()
    assert writer.user.email == "writer@new-school.example"
    assert 'value="writer@new-school.example"' in client.get(change_url(writer)).content.decode()


def test_an_author_renames_themselves(client, writer):
    response = client.post(change_url(writer), profile(writer, name="W. Riter"))
    assert response.status_code == 302
    writer.refresh_from_db()
    assert writer.name == "W. Riter"


@pytest.mark.parametrize("taken", ["colleague@example.com", "Colleague@EXAMPLE.com"])
def test_an_email_another_account_uses_is_refused(client, writer, taken):
    make_user("colleague", email="colleague@example.com")
    response = client.post(change_url(writer), profile(writer, account_email=taken))
    assert response.status_code == 200
    assert "Another account uses this email address." in response.content.decode()
    writer.user.refresh_from_db()
    assert writer.user.email == "writer@old-school.example"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("not an email", "Enter a valid email address."),
        ("", "Your account needs an email address"),
    ],
)
def test_an_invalid_or_empty_email_is_refused(client, writer, typed, message):
    response = client.post(change_url(writer), profile(writer, account_email=typed))
    assert response.status_code == 200 and message in response.content.decode()
    writer.user.refresh_from_db()
    assert writer.user.email == "writer@old-school.example"


def test_keeping_the_same_email_in_another_case_is_fine(client, writer):
    response = client.post(change_url(writer), profile(writer, account_email="Writer@Old-School.example"))
    assert response.status_code == 302
    writer.user.refresh_from_db()
    assert writer.user.email == "Writer@old-school.example"  # the domain's case is not kept


def test_nobody_changes_another_accounts_email_through_a_profile(client, writer):
    """Not an author through someone else's profile (not theirs to open),
    nor anyone through a profile of another account (no such field)."""
    other_user = make_user("other", groups=[AUTHORS], email="other@example.com")
    other = make_author(user=other_user, name="Other", slug="other", bio="Other bio.")
    client.post(change_url(other), profile(other, account_email="stolen@example.com"))
    other_user.refresh_from_db()
    assert other_user.email == "other@example.com"

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root password 42")
    client.force_login(admin)
    assert 'name="account_email"' not in client.get(change_url(other)).content.decode()
    response = client.post(
        change_url(other), profile(other, account_email="stolen@example.com") | {"slug": "other", "user": other_user.pk}
    )
    assert response.status_code == 302
    other_user.refresh_from_db()
    assert other_user.email == "other@example.com"


def test_an_editor_without_a_profile_sees_no_account_field_on_authors(client, writer):
    client.force_login(make_user("chief", groups=[EDITORS]))
    page = client.get(change_url(writer)).content.decode()  # view only
    assert 'name="account_email"' not in page and "My account" not in page


def test_change_password_stays_available_to_authors(client, writer):
    page = client.get("/admin/").content.decode()
    assert '<a href="/admin/password_change/">Change password</a>' in page
    form = client.get("/admin/password_change/")
    assert form.status_code == 200
    new = "another long passphrase 7"
    response = client.post(
        "/admin/password_change/",
        {"old_password": "correct horse battery", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/done/"
    writer.user.refresh_from_db()
    assert writer.user.check_password(new)


def test_the_new_email_gets_the_comment_emails(client, writer):
    from posts.notifications import author_email

    client.post(change_url(writer), profile(writer, account_email="writer@new-school.example"))
    writer.refresh_from_db()
    assert author_email(writer) == "writer@new-school.example"
