"""Comment numbers too big for a database integer are "not found", not 500.

Found by the hostile-input tests: ``/comments/reply/<30 digits>/``,
``/comments/flag/<30 digits>/`` and a comment form whose ``reply_to`` held
such a number raised OverflowError on SQLite (comments are looked up through
django-comments-xtd's parent link, which Django's out-of-range guard for
integer lookups does not cover).
"""

import pytest
from django.test import Client
from django_comments_xtd.models import XtdComment

from tests.factories import make_post
from tests.security.hostile import comment_data

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_reply_and_flag_pages_answer_404(client):
    assert client.get(f"/comments/reply/{HUGE}/").status_code == 404
    assert client.post(f"/comments/flag/{HUGE}/").status_code == 404
    assert client.get(f"/comments/reply/{2**63}/").status_code == 404


def test_a_reply_to_a_huge_number_is_refused_with_the_form(client):
    post = make_post()
    response = client.post("/comments/post/", comment_data(post, email="a@example.com", reply_to=HUGE))
    assert response.status_code == 400
    assert "can no longer be answered" in response.content.decode()
    assert not XtdComment.objects.exists()
