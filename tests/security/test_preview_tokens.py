"""Preview addresses take only what a token can be.

Found by the URL fuzz on PostgreSQL: ``/preview/%00/`` reached the token
lookup with a NUL byte, which PostgreSQL refuses with an error (a 500). A
token is ``secrets.token_urlsafe()``, the slug alphabet, so the pattern now
says so and anything else is a plain 404 before a query runs.
"""

import pytest
from django.test import Client

from posts.models import Post, PreviewLink
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_odd_tokens_are_404_and_real_ones_work():
    client = Client(raise_request_exception=False)
    for token in ["%00", "a%00b", "%C3%A9", "a%20b", "%ff"]:
        assert client.get(f"/preview/{token}/").status_code == 404, token
    link = PreviewLink.objects.create(post=make_post(status=Post.Status.DRAFT, published_at=None))
    assert client.get(link.get_preview_url()).status_code == 200
