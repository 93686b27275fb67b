"""'Read next' under each post: most shared tags first, then the newest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posts.discovery import related_posts
from posts.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - timedelta(days=n)


def test_most_shared_tags_first_then_newest():
    post = make_post(tags=["Django", "Flask", "APIs"])
    make_post(title="One shared, newest", tags=["Django"], published_at=days_ago(1))
    make_post(title="Two shared", tags=["Django", "Flask"], published_at=days_ago(30))
    make_post(title="Three shared", tags=["Django", "Flask", "APIs"], published_at=days_ago(60))
    make_post(title="One shared, older", tags=["APIs"], published_at=days_ago(10))
    make_post(title="Nothing shared", tags=["Cooking"], published_at=days_ago(0))

    assert [p.title for p in related_posts(post)] == ["Three shared", "Two shared", "One shared, newest"]
    assert [p.shared_tags for p in related_posts(post)] == [3, 2, 1]


def test_tops_up_with_the_newest_posts_when_few_share_a_tag():
    post = make_post(tags=["Rare"])
    make_post(title="Shares", tags=["Rare"], published_at=days_ago(50))
    make_post(title="Newest", published_at=days_ago(1))
    make_post(title="Second newest", published_at=days_ago(2))
    make_post(title="Old", published_at=days_ago(90))

    assert [p.title for p in related_posts(post)] == ["Shares", "Newest", "Second newest"]


def test_never_the_post_itself_nor_unpublished_posts():
    post = make_post(tags=["Django"])
    make_post(title="Draft", tags=["Django"], status=Post.Status.DRAFT)
    make_post(title="Review", tags=["Django"], status=Post.Status.REVIEW)
    make_post(title="Scheduled", tags=["Django"], published_at=timezone.now() + timedelta(days=1))
    make_post(title="Visible", tags=["Django"])

    assert [p.title for p in related_posts(post)] == ["Visible"]


def test_one_query_when_enough_posts_share_a_tag(django_assert_num_queries):
    post = make_post(tags=["Django", "Flask"])
    for n in range(5):
        make_post(tags=["Django"], published_at=days_ago(n + 1))
    post = Post.objects.prefetch_related("tags").get(pk=post.pk)
    with django_assert_num_queries(1):
        assert len(related_posts(post)) == 3


def test_the_post_page_shows_read_next(client):
    post = make_post(tags=["Django"])
    make_post(title="A neighbour", tags=["Django"])

    html = client.get(post.get_absolute_url()).content.decode()

    assert '<h2 id="related-title">Read next</h2>' in html
    assert "A neighbour" in html and "1 shared tag" in html
