"""The authors' index: everyone who has published, by name."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from posts.models import Post
from tests.factories import count_queries, image_upload, make_author, make_post

pytestmark = pytest.mark.django_db


def test_the_index_lists_authors_who_published_by_name_with_their_counts(client):
    zoe = make_author(name="Zoë Mensah", slug="zoe", expertise="Assessment\nTimetables")
    asha = make_author(name="Asha Rao", slug="asha", photo=image_upload("asha.png", size=(200, 200)))
    drafter = make_author(name="Only Drafts", slug="drafter")
    for _ in range(2):
        make_post(author=zoe)
    make_post(author=asha)
    make_post(author=asha, status=Post.Status.DRAFT, published_at=None)
    make_post(author=drafter, status=Post.Status.DRAFT, published_at=None)
    make_post(author=drafter, published_at=timezone.now() + timedelta(days=1))  # scheduled

    page = client.get("/authors/").content.decode()
    # The authors and their counts in one query, as the tag index's; the
    # other is the page cache's look for the next scheduled post.
    assert count_queries(client, "/authors/") == 2
    names = re.findall(r'<h2><a href="/authors/([^/]+)/">([^<]+)</a></h2>', page)
    assert names == [("asha", "Asha Rao"), ("zoe", "Zoë Mensah")]
    assert "Only Drafts" not in page
    asha_item, zoe_item = page.split('<li class="author-index-item">')[1:]
    assert "1 article</p>" in asha_item and ".webp" in asha_item  # the draft is not counted; photo cropped
    assert "2 articles</p>" in zoe_item and "<li>Assessment</li><li>Timetables</li>" in zoe_item
    assert "2 authors write for the" in page


def test_an_empty_blog_says_so(client):
    page = client.get("/authors/").content.decode()
    assert "Authors appear here once they publish." in page and "author-index-item" not in page


def test_an_authors_page_leads_back_to_the_index_and_the_sitemap_has_it(client):
    make_post(author=make_author(name="Asha Rao", slug="asha"))
    page = client.get("/authors/asha/").content.decode()
    assert re.search(r'<a href="/authors/">Authors</a>', page)
    assert "<loc>http://testserver/authors/</loc>" in client.get("/sitemap-pages.xml").content.decode()
