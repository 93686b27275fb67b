"""Pages cost a fixed number of queries, whatever the amount of content."""

import pytest

from tests.factories import count_queries, make_author, make_comment, make_post

pytestmark = pytest.mark.django_db


def add_posts(n: int, author=None):
    for i in range(n):
        post = make_post(author=author or make_author(), tags=[f"Tag {i}", f"Shared {i % 3}", "Common"])
        for _ in range(2):
            make_comment(post)


def test_home_query_count_does_not_grow_with_posts_tags_or_comments(client):
    add_posts(1)
    small = count_queries(client, "/")
    add_posts(9)
    large = count_queries(client, "/")
    assert small == large
    assert large <= 4


def test_tag_and_author_pages_have_constant_query_counts(client):
    author = make_author(slug="prolific")
    add_posts(1, author)
    small = (count_queries(client, "/tags/common/"), count_queries(client, "/authors/prolific/"))
    add_posts(9, author)
    large = (count_queries(client, "/tags/common/"), count_queries(client, "/authors/prolific/"))
    assert small == large
    assert max(large) <= 7


def test_post_page_query_count_does_not_grow_with_comments_or_tags(client, django_assert_max_num_queries):
    post = make_post(tags=["One"])
    empty = count_queries(client, post.get_absolute_url())

    post.tags.set([f"Tag {i}" for i in range(12)])
    roots = [make_comment(post) for _ in range(20)]
    for root in roots:
        reply = make_comment(post, parent=root)
        make_comment(post, parent=reply)
    busy = count_queries(client, post.get_absolute_url())

    assert empty == busy
    # 4 for the post and its comments, 2 for "Read next": posts sharing a tag,
    # then the newest posts to fill up when fewer than three share one.
    with django_assert_max_num_queries(6):
        client.get(post.get_absolute_url())


def test_post_page_with_300_comments_costs_the_same_as_with_none(client):
    post = make_post(tags=["One", "Two"])
    empty = count_queries(client, post.get_absolute_url())
    parents = []
    for n in range(300):
        parent = parents[n // 3] if n >= 100 and parents[n // 3].level < 2 else None
        parents.append(make_comment(post, parent=parent))
    busy = count_queries(client, post.get_absolute_url())
    assert busy == empty
    page = client.get(post.get_absolute_url()).content.decode()
    assert "300 comments" in page


def test_comments_by_signed_in_members_cost_no_query_each(client):
    """A comment by an account shows the account's name: read with the comment, not one query each."""
    from tests.factories import make_user

    post = make_post(tags=["One"])
    make_comment(post)
    anonymous_only = count_queries(client, post.get_absolute_url())
    for n in range(5):
        member = make_user(f"member{n}", first_name="Member", last_name=f"Number {n}")
        make_comment(post, user=member, user_name="")

    assert count_queries(client, post.get_absolute_url()) == anonymous_only
    assert "Member Number 4" in client.get(post.get_absolute_url()).content.decode()


def test_comments_by_authors_and_staff_cost_no_query_each(client):
    """Author names and the "Author"/"Team" badges come with the comments' users."""
    from authors.roles import AUTHORS, MODERATORS
    from tests.factories import make_author, make_user

    post = make_post(tags=["One"])
    make_comment(post)
    anonymous_only = count_queries(client, post.get_absolute_url())
    for n in range(4):
        writer = make_user(f"writer{n}", groups=[AUTHORS])
        make_comment(post, user=writer, user_name=writer.username)
        make_author(user=writer, name=f"Writer Number {n}")
        make_comment(post, user=make_user(f"mod{n}", groups=[MODERATORS]), user_name=f"mod{n}")
    post.author.user = make_user("own", groups=[AUTHORS])
    post.author.save()
    make_comment(post, user=post.author.user, user_name="own")

    assert count_queries(client, post.get_absolute_url()) == anonymous_only
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Writer Number 3" in page and page.count('class="comment-badge"') == 9


def test_formatted_and_edited_comments_cost_no_query_each(client):
    """A comment's stored HTML and its "edited by a moderator" note come with
    the comment (posts.comment_models.CommentBody); so does the absence of
    one, for a comment stored without it."""
    from django.utils import timezone

    from posts.models import CommentBody

    post = make_post(tags=["One"])
    make_comment(post)
    one = count_queries(client, post.get_absolute_url())
    for n in range(10):
        comment = make_comment(post, comment=f"With `code` number {n}")
        CommentBody.objects.filter(comment=comment).update(edited_at=timezone.now())
        make_comment(post, comment=f"Stored without HTML {n}", formatted=False)

    assert count_queries(client, post.get_absolute_url()) == one
    page = client.get(post.get_absolute_url()).content.decode()
    assert page.count("Edited by a moderator") == 10 and "<code>code</code> number 9" in page
