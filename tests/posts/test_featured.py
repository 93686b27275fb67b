"""Featured posts: editors choose a few posts that lead the home page, in a
"Featured" block above the list, on its first page only."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from authors.roles import AUTHORS, EDITORS
from posts.models import Post
from tests.factories import admin_post_form, count_queries, make_author, make_post, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/posts/post/"


def featured_titles(html: str) -> list[str]:
    """The titles in the "Featured" block, in order ([] when there is no block)."""
    block = re.search(r'<section class="featured".*?</section>', html, re.DOTALL)
    return [unescape(t) for t in re.findall(r'class="featured-title"><a [^>]*>([^<]*)</a>', block[0])] if block else []


def list_titles(html: str) -> list[str]:
    """The titles of the regular list's cards."""
    return [unescape(t) for t in re.findall(r'class="card-title"><a [^>]*>([^<]*)</a>', html)]


def home(client, url="/") -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def older_page(html: str) -> str:
    return "/" + unescape(re.search(r'<a [^>]*href="(\?before=[^"]+)"[^>]*rel="next"', html)[1])


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def test_the_home_page_leads_with_the_three_newest_featured_posts_on_its_first_page_only(client):
    author = make_author()
    for day in range(12):
        make_post(title=f"Day {day}", author=author, published_at=days_ago(day + 1))
    for day, title in [(2, "Featured new"), (30, "Featured old"), (5, "Featured middle"), (60, "Featured oldest")]:
        make_post(title=title, author=author, published_at=days_ago(day + 0.5), featured=True)
    make_post(title="Featured draft", author=author, status="draft", published_at=None, featured=True)
    make_post(title="Featured scheduled", author=author, published_at=days_ago(-1), featured=True)

    first = home(client)

    # The newest three featured posts readers may see, newest first; never a draft or scheduled post.
    assert featured_titles(first) == ["Featured new", "Featured middle", "Featured old"]
    assert '<h2 id="featured-heading">Featured</h2>' in first
    # The block comes before the list, which still lists every post, the featured ones included.
    assert first.index('class="featured"') < first.index('class="cards')
    assert list_titles(first)[:4] == ["Day 0", "Day 1", "Featured new", "Day 2"]

    second = home(client, older_page(first))
    assert featured_titles(second) == [] and 'class="featured' not in second
    assert "Featured old" in list_titles(second)  # in its place in the list


def test_without_featured_posts_there_is_no_block(client):
    make_post(title="Plain")
    page = home(client)
    assert list_titles(page) == ["Plain"] and "Featured" not in page


def test_the_featured_block_escapes_what_it_shows(client):
    make_post(title='Tom & "Jerry" <b>', excerpt="<script>x</script>", featured=True)
    page = home(client)
    assert featured_titles(page) == ['Tom & "Jerry" <b>']
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_featured_posts_cost_one_query_on_the_first_page_and_none_on_the_others(client):
    author = make_author()
    posts = [make_post(author=author, tags=["Common", f"Tag {i}"], published_at=days_ago(i + 1)) for i in range(12)]
    second_url = older_page(home(client))  # (also looks up the posts' content type, once per process)
    first_plain, second_plain = count_queries(client, "/"), count_queries(client, second_url)

    Post.objects.filter(pk__in=[post.pk for post in posts[::2]]).update(featured=True)  # six, two of them on page 2
    first, second = count_queries(client, "/"), count_queries(client, second_url)

    assert len(featured_titles(home(client))) == 3
    # One query, on the first page only, whether or not posts are featured and however many.
    assert first == first_plain == second + 1
    assert second == second_plain
    assert first <= 4  # tests/posts/test_query_counts.py's limit for the home page holds


class TestAdmin:
    @pytest.fixture
    def editor(self, client):
        client.force_login(make_user("editor", groups=[EDITORS]))

    def act(self, client, action: str, posts):
        return client.post(CHANGELIST, {"action": action, "_selected_action": [post.pk for post in posts]}, follow=True)

    def test_editors_feature_and_unfeature_in_bulk_and_the_home_page_shows_it_at_once(self, client, editor):
        one, two, three = (make_post(title=f"Story {n}", published_at=days_ago(n)) for n in (1, 2, 3))
        anonymous = client.__class__()
        assert featured_titles(home(anonymous)) == []  # now cached

        response = self.act(client, "feature", [one, two])
        assert "Featured 2 posts." in response.content.decode()
        assert featured_titles(home(anonymous)) == ["Story 1", "Story 2"]  # the cached page was retired
        revision = two.history.latest()
        assert revision.featured and revision.history_user.username == "editor"
        assert revision.history_change_reason == "Featured"

        response = self.act(client, "feature", [two, three])
        assert "Featured 1 post. 1 was featured already." in response.content.decode()
        response = self.act(client, "unfeature", [one, two])
        assert "Stopped featuring 2 posts." in response.content.decode()
        response = self.act(client, "unfeature", [one, two])
        assert "Stopped featuring 0 posts. 2 were not featured." in response.content.decode()
        assert featured_titles(home(anonymous)) == ["Story 3"]
        assert set(Post.objects.filter(featured=True)) == {three}

    def test_the_list_shows_and_filters_featured_posts(self, client, editor):
        make_post(title="Chosen one", featured=True)
        make_post(title="Ordinary one")
        page = client.get(CHANGELIST).content.decode()
        # Said under the post's state: a column of its own pushed the list past a laptop's screen.
        assert "<small>Featured</small>" in page and 'value="feature"' in page and 'value="unfeature"' in page
        chosen = client.get(CHANGELIST, {"featured__exact": "1"}).content.decode()
        assert "Chosen one" in chosen and "Ordinary one" not in chosen

    def test_an_editor_features_a_post_in_its_form(self, client, editor):
        post = make_post(title="Draft to feature", status="draft", published_at=None, slug="to-feature")
        url = f"{CHANGELIST}{post.pk}/change/"
        assert 'name="featured"' in client.get(url).content.decode()
        form = admin_post_form(title=post.title, slug=post.slug, author=post.author.pk, featured="on")
        assert client.post(url, form).status_code == 302
        post.refresh_from_db()
        assert post.featured

    @pytest.fixture
    def writer(self, client):
        user = make_user("writer", groups=[AUTHORS])
        client.force_login(user)
        return make_author(user=user, slug="writer")

    def test_an_author_without_publishing_rights_cannot_feature(self, client, writer):
        post = make_post(author=writer, title="Mine", slug="mine")
        page = client.get(CHANGELIST).content.decode()
        assert "Mine" in page and 'value="feature"' not in page and 'value="unfeature"' not in page

        # Forged: the action is not theirs, and the form's field is read-only.
        response = self.act(client, "feature", [post])
        assert response.status_code == 200 and "No action selected." in response.content.decode()
        url = f"{CHANGELIST}{post.pk}/change/"
        change = client.get(url).content.decode()
        assert 'name="featured"' not in change
        form = admin_post_form(title="Mine, edited", slug="mine", featured="on", status="review")
        assert client.post(url, form).status_code == 302
        post.refresh_from_db()
        assert post.title == "Mine, edited" and not post.featured

    def test_an_author_with_publishing_rights_features_their_own_posts_only(self, client, writer):
        writer.user.user_permissions.add(Permission.objects.get(codename="publish_post"))
        mine, theirs = make_post(author=writer, title="Mine"), make_post(title="Theirs")
        assert 'value="feature"' in client.get(CHANGELIST).content.decode()

        self.act(client, "feature", [mine, theirs])  # another author's post is not in their list

        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert mine.featured and not theirs.featured

    def test_a_moderator_has_no_post_list_to_act_on(self, client):
        from authors.roles import MODERATORS

        post = make_post()
        client.force_login(make_user("moderator", groups=[MODERATORS]))
        assert self.act(client, "feature", [post]).status_code == 403
        post.refresh_from_db()
        assert not post.featured
