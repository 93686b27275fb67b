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


def test_taggings_carry_the_publish_date_through_every_change():
    """TaggedPost.published_at mirrors the post: the tag pages and related posts read it."""
    from posts.models import TaggedPost

    draft = make_post(status=Post.Status.DRAFT, published_at=None, tags=["Django"])
    assert list(TaggedPost.objects.filter(content_object=draft).values_list("published_at", flat=True)) == [None]

    draft.status, draft.published_at = Post.Status.PUBLISHED, days_ago(3)
    draft.save()
    draft.tags.add("Flask")
    dates = set(TaggedPost.objects.filter(content_object=draft).values_list("published_at", flat=True))
    assert dates == {draft.published_at}

    draft.status = Post.Status.REVIEW
    draft.save()
    assert set(TaggedPost.objects.filter(content_object=draft).values_list("published_at", flat=True)) == {None}

    Post.objects.filter(pk=draft.pk).update(status=Post.Status.PUBLISHED)  # a bulk write
    assert TaggedPost.objects.copy_publish_dates() == 2
    assert set(TaggedPost.objects.published().values_list("content_object", flat=True)) == {draft.pk}


def test_unpublished_and_scheduled_posts_are_never_related():
    post = make_post(tags=["Django"])
    make_post(title="Draft", tags=["Django"], status=Post.Status.DRAFT, published_at=None)
    make_post(title="Scheduled", tags=["Django"], published_at=timezone.now() + timedelta(days=1))
    unpublished = make_post(title="Unpublished", tags=["Django"])
    unpublished.status = Post.Status.DRAFT
    unpublished.save()
    make_post(title="Live", tags=["Django"], published_at=days_ago(5))

    assert [p.title for p in related_posts(post, limit=1)] == ["Live"]


def test_candidates_are_each_tags_newest_posts(monkeypatch):
    """Only each tag's newest posts are weighed, so the cost does not grow with the blog."""
    from posts import discovery

    monkeypatch.setattr(discovery, "RELATED_WINDOW", 2)
    post = make_post(tags=["Django", "Flask"])
    make_post(title="Old, shares both", tags=["Django", "Flask"], published_at=days_ago(90))
    make_post(title="Django 1", tags=["Django"], published_at=days_ago(1))
    make_post(title="Django 2", tags=["Django"], published_at=days_ago(2))
    make_post(title="Flask 1", tags=["Flask"], published_at=days_ago(3))
    make_post(title="Flask 2, shares both", tags=["Flask", "Django"], published_at=days_ago(4))

    # "Old, shares both" is past both tags' two newest; "Flask 2" is in Flask's.
    assert [p.title for p in related_posts(post)] == ["Flask 2, shares both", "Django 1", "Django 2"]
