"""Tag names that would break every page listing them are refused.

Found by the hostile-input tests: a tag whose slug was empty ("<>", "🎉",
"!!!") or non-ASCII ("Éducation") made ``{% url 'posts:tag' %}`` raise, so
the home page, the post and the tag index answered 500; a new tag over 100
characters failed on PostgreSQL.
"""

import pytest
from taggit.models import Tag

from authors.roles import EDITORS
from posts.content import ContentError, parse_post
from posts.models import Post
from tests.factories import admin_post_form, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(make_user("editor", groups=[EDITORS]))
    return client


def test_accented_tag_gets_an_ascii_slug_and_every_page_renders(client, editor):
    existing = make_post()
    response = editor.post("/admin/posts/post/add/", admin_post_form(author=existing.author.pk, new_tags="Éducation"))
    assert response.status_code == 302
    post = Post.objects.get(slug="fresh-draft")
    assert list(post.tags.values_list("name", "slug")) == [("Éducation", "education")]
    post.status, post.published_at = Post.Status.PUBLISHED, existing.published_at
    post.save()
    for url in ["/", post.get_absolute_url(), "/tags/", "/tags/education/"]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("new_tags", "message"),
    [
        ("<>", "needs at least one letter"),
        ("🎉", "needs at least one letter"),
        ('"!!!", Django', "needs at least one letter"),
        ("x" * 150, "too long for a tag (150 characters; the limit is 100)"),
    ],
)
def test_unusable_new_tags_are_refused_with_a_message(editor, new_tags, message):
    author = make_post().author
    response = editor.post("/admin/posts/post/add/", admin_post_form(author=author.pk, new_tags=new_tags))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Post.objects.filter(slug="fresh-draft").exists()
    assert not Tag.objects.exists()


def test_tag_admin_refuses_a_slug_no_address_can_hold(editor):
    response = editor.post("/admin/taggit/tag/add/", {"name": "Éducation", "slug": "éducation"})
    assert response.status_code == 200 and not Tag.objects.exists()
    assert editor.post("/admin/taggit/tag/add/", {"name": "<>", "slug": "angle-brackets"}).status_code == 302


def test_content_loader_refuses_a_tag_without_letters(tmp_path):
    source = tmp_path / "a.html"
    source.write_text('+++\ntitle = "A"\nslug = "a"\nauthor = "ann"\ntags = ["!!!"]\n+++\n<p>Body</p>\n')
    with pytest.raises(ContentError, match="needs at least one letter"):
        parse_post(source)
