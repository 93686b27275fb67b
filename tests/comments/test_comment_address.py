"""The addresses comments and reports are posted to, opened directly."""

import pytest

from posts.models import ReaderFlag
from tests.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("address", ["/comments/post/", "/comments/flag/{pk}/"])
def test_opening_a_form_only_address_shows_a_page_of_the_site(client, address):
    """Reloading or bookmarking the page a refused comment left (its address
    is /comments/post/) shows the site with a way back, not a blank 405; so
    does the address of a comment's Report button (found by QA: a blank 405)."""
    comment = make_comment(make_post())
    response = client.get(address.format(pk=comment.pk))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "<h1>Comments are sent from an article</h1>" in html
    assert '<a href="/">Go to the latest articles</a>' in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<main id="main"' in html and 'name="q"' in html  # the layout, with its search box
    assert not ReaderFlag.objects.exists()
