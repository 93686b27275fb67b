"""The seed article, as a reader sees it."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

TAGS = ["Django", "Flask", "FastAPI", "Python web framework", "REST API", "backend development"]


def test_article_page_shows_all_metadata(client, seed):
    response = client.get(seed.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<h1 class="post-title">Django vs Flask vs FastAPI: Which Python Web Framework Should You Learn in 2025?</h1>'
        in page
    )
    assert "<title>Django vs Flask vs FastAPI" in page
    # Author with photo, bio and areas of expertise.
    assert 'href="/authors/skolr/">Skolr</a>' in page
    assert re.search(r'<img class="author-photo" src="/media/cache/[^"]+\.webp" alt="Photo of Skolr"', page)
    assert "Skolr Admin is responsible for managing and optimizing the Skolr education platform" in page
    for area in [
        "Educational ERP Management",
        "Student Information Systems (SIS)",
        "Technical Support &amp; System Monitoring",
    ]:
        assert f"<li>{area}</li>" in page
    # Six tags, each linking to its page.
    for tag in TAGS:
        assert f">{tag}</a>" in page
    assert 'href="/tags/python-web-framework/"' in page
    # Date, thumbnail with alt text, comment section.
    assert '<time datetime="2026-03-19T09:00:00+00:00">19 Mar 2026</time>' in page
    assert 'alt="Three cards labelled Django, Flask and FastAPI' in page
    assert 'width="1600" height="900"' in page
    assert "0 comments" in page
    assert 'id="comments"' in page and 'class="comment-form"' in page


def test_article_body_has_every_section_with_anchors(client, seed):
    page = client.get(seed.get_absolute_url()).content.decode()
    assert "Python offers three dominant web frameworks, each with distinct strengths." in page
    for anchor, heading in [
        ("django-the-batteries-included-framework", "Django — The Batteries-Included Framework"),
        ("flask-the-micro-framework", "Flask — The Micro-Framework"),
        ("fastapi-the-modern-async-framework", "FastAPI — The Modern Async Framework"),
        ("performance-comparison", "Performance Comparison"),
        ("our-recommendation", "Our Recommendation"),
    ]:
        assert f'<h2 id="{anchor}">{heading}</h2>' in page
    assert page.count("<strong>Best for:</strong>") == 3
    for framework in ["Django", "Flask", "FastAPI"]:
        assert f"<strong>When to choose {framework}:</strong>" in page
    assert "FastAPI (65k) &gt; Flask (25k) &gt; Django (20k)" in page
    assert "Flask fills specific lightweight niches." in page
    # Page chrome from the original is not content.
    for chrome in ["blog-comment", "author-image", "blog-thumbnail", "created-date"]:
        assert chrome not in page


def test_readers_can_share_the_article_without_loading_anything_from_the_sites(client, seed):
    page = client.get(seed.get_absolute_url()).content.decode()
    share = re.search(r'<nav class="share" aria-label="Share this post">.*?</nav>', page, re.S).group(0)

    url = "http%3A%2F%2Ftestserver%2Fposts%2Fdjango-vs-flask-vs-fastapi%2F"
    title = "Django+vs+Flask+vs+FastAPI%3A+Which+Python+Web+Framework+Should+You+Learn+in+2025%3F"
    assert f'href="https://www.linkedin.com/sharing/share-offsite/?url={url}"' in share
    assert f'href="https://x.com/intent/post?text={title}&amp;url={url}"' in share
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={url}"' in share
    assert f'href="https://bsky.app/intent/compose?text={title}+{url}"' in share
    assert 'href="mailto:?subject=Django%20vs%20Flask%20vs%20FastAPI%3A%20Which' in share
    assert share.count('rel="noopener noreferrer"') == 4
    # Links only: no script, frame or image from those sites anywhere on the page.
    assert not re.search(r"<(?:script|iframe|img)[^>]+(?:x\.com|linkedin|facebook|bsky)", page)


def test_a_post_first_published_elsewhere_is_shared_at_its_original_address(client, seed):
    seed.canonical_url = "https://skolr.example/original/"
    seed.save()

    page = client.get(seed.get_absolute_url()).content.decode()

    assert "share-offsite/?url=https%3A%2F%2Fskolr.example%2Foriginal%2F" in page


def test_a_draft_has_nothing_to_share(client, seed):
    client.force_login(make_user("root", is_superuser=True, staff=True))
    seed.status = seed.Status.DRAFT
    seed.save()

    page = client.get(seed.get_absolute_url()).content.decode()

    assert "This is a draft; readers cannot see it yet." in page
    assert 'class="share"' not in page


def test_home_lists_the_article_as_a_card(client, seed):
    page = client.get(reverse("posts:list")).content.decode()
    assert f'<a href="{seed.get_absolute_url()}">{seed.title}</a>' in page
    assert seed.excerpt in page
    assert "19 Mar 2026" in page
    assert "0 comments" in page
    assert 'src="/media/posts/' in page
    for tag in TAGS:
        assert f">{tag}</a>" in page


def test_tag_and_author_pages_list_the_article(client, seed):
    for url in ["/tags/django/", "/tags/backend-development/", "/authors/skolr/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert seed.title in response.content.decode()
    author_page = client.get("/authors/skolr/").content.decode()
    assert "Skolr Admin is responsible" in author_page
    assert "<li>NAAC &amp; NBA Data Handling</li>" in author_page


def test_footer_describes_moderation_as_the_policy_applies_it(client):
    """Returning and trusted commenters publish directly (README, "Comments"):
    the footer must not say that every comment waits for a moderator."""
    html = client.get("/").content.decode()

    assert "A moderator reads comments from first-time commenters before they appear." in html
    assert "Comments are moderated before they appear" not in html
