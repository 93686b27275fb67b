"""A commenter's email and URL are held to what the database stores.

Found by the hostile-input tests on PostgreSQL: django-contrib-comments' form
takes an email of up to 320 characters and a URL of any length, but its model
stores 254 and 200; a longer one passed the form and failed the INSERT with
"value too long" (a 500). SQLite does not enforce lengths, so it only showed
on PostgreSQL.
"""

import pytest
from django.test import Client
from django_comments_xtd.models import XtdComment

from tests.factories import make_post
from tests.security.hostile import comment_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "https://example.com/" + "a" * 181}, "at most 200 characters (it has 201)"),
        ({"email": "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 60 + ".com"}, "at most 254 characters"),
    ],
    ids=["url", "email"],
)
def test_too_long_for_the_database_is_a_field_message(fields, message):
    client = Client(raise_request_exception=False)
    post = make_post()
    response = client.post("/comments/post/", comment_data(post, email="reader@example.com") | fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not XtdComment.objects.exists()


def test_the_longest_stored_url_is_accepted():
    client = Client(raise_request_exception=False)
    url = "https://example.com/" + "a" * 180
    response = client.post("/comments/post/", comment_data(make_post(), email="reader@example.com", url=url))
    assert response.status_code == 302
    assert XtdComment.objects.get().user_url == url
