"""Publish dates stay within the years the archive's addresses can show.

Found by QA: a post dated 01/01/0999 in the admin was saved, and then the
home page, the article, the archives, the sitemap and the tag, author and
search pages all failed (NoReverseMatch for ``archive_month``: its year is
four digits from 1000 to 2999).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from posts.models import EARLIEST_PUBLISH_DATE, LATEST_PUBLISH_DATE, Post
from tests.factories import admin_post_form, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(make_user("boss", is_superuser=True, staff=True))
    return client


@pytest.mark.parametrize(("day", "year"), [("01/01/0999", 999), ("0001-01-01", 1), ("2999-06-01", 2999)])
def test_the_admin_refuses_a_date_outside_the_range_with_a_message(editor, day, year):
    form = admin_post_form(author=make_post().author.pk, published_at_0=day, published_at_1="09:00:00")

    response = editor.post("/admin/posts/post/add/", form)

    assert response.status_code == 200
    assert f"Give a publish date from 1900 to 2998 (this one is in the year {year})." in response.content.decode()
    assert not Post.objects.filter(slug="fresh-draft").exists()


def test_the_admin_keeps_an_existing_post_as_it_was(editor):
    post = make_post()
    form = admin_post_form(
        title="Renamed", slug=post.slug, author=post.author.pk, published_at_0="0999-01-01", published_at_1="09:00:00"
    )

    response = editor.post(f"/admin/posts/post/{post.pk}/change/", form)

    assert response.status_code == 200
    assert "Give a publish date from 1900 to 2998" in response.content.decode()
    saved = Post.objects.get(pk=post.pk)
    assert (saved.title, saved.published_at) == (post.title, post.published_at)


@pytest.mark.parametrize(
    "moment",
    [datetime(999, 12, 31, tzinfo=UTC), EARLIEST_PUBLISH_DATE - timedelta(microseconds=1), LATEST_PUBLISH_DATE],
)
def test_the_database_refuses_a_date_outside_the_range(moment):
    post = make_post()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(published_at=moment)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_post(published_at=moment)


@pytest.mark.parametrize(
    ("moment", "zone", "archive"),
    [
        (EARLIEST_PUBLISH_DATE, "Pacific/Pago_Pago", "/archive/1899/12/"),  # UTC-11
        (LATEST_PUBLISH_DATE - timedelta(microseconds=1), "Pacific/Kiritimati", "/archive/2999/01/"),  # UTC+14
    ],
)
def test_the_first_and_last_dates_allowed_have_working_pages_in_any_time_zone(client, settings, moment, zone, archive):
    """The range keeps clear of the archive's limits wherever the site is."""
    settings.TIME_ZONE = zone
    make_post(tags=["Django"])  # keeps the tag page up while the last one is only scheduled
    post = make_post(tags=["Django"], published_at=moment)  # the last one is previewed by staff
    client.force_login(make_user("boss", is_superuser=True, staff=True))
    for url in [post.get_absolute_url(), "/", "/archive/", archive, "/tags/django/", "/sitemap.xml"]:
        response = client.get(url)
        assert response.status_code == 200, url
