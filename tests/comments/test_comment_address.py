"""The address comments are posted to, opened directly."""

import pytest

pytestmark = pytest.mark.django_db


def test_reloading_the_comment_address_shows_a_page_of_the_site(client):
    """Reloading or bookmarking the page a refused comment left (its address
    is /comments/post/) shows the site with a way back, not a blank 405."""
    response = client.get("/comments/post/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "<h1>Comments are sent from an article</h1>" in html
    assert '<a href="/">Go to the latest articles</a>' in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<main id="main"' in html and 'name="q"' in html  # the layout, with its search box
