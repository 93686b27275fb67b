"""Authoring in the admin: roles, publishing rules, previews, scheduling,
revisions, slugs and tags."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from authors.roles import AUTHORS, EDITORS
from posts import trash
from posts.models import ChangeNote, Post, PreviewLink, TagProfile
from tests.factories import admin_post_form, image_upload, make_author, make_comment, make_post, make_user
from tests.factories import complete_post_form as complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(client):
    user = make_user("writer", groups=[AUTHORS])
    author = make_author(user=user, slug="writer", photo=image_upload("me.png"))
    client.force_login(user)
    return author


@pytest.mark.parametrize(
    "typed, tags",
    [
        ("Machine Learning", ["Machine Learning"]),
        ("Machine   Learning ,  AI,", ["AI", "Machine Learning"]),
        ('"Exam season", exam SEASON, Maths', ["Exam season", "Maths"]),
        (" , ,", []),
    ],
)
def test_new_tags_are_separated_by_commas_only(client, writer, typed, tags):
    """Found by QA: "Machine Learning" without a comma became two tags,
    "Machine" and "Learning" (taggit's parser splits on spaces then)."""
    response = client.post("/admin/posts/post/add/", admin_post_form(new_tags=typed))
    assert response.status_code == 302
    assert sorted(Post.objects.get(slug="fresh-draft").tags.names()) == tags


def test_a_new_tag_at_an_existing_tags_address_is_that_tag(client, writer):
    """Found by QA: "Machine-Learning" typed as a new tag beside the tag
    "Machine Learning" made a second tag at machine-learning_1, with a page
    of its own; WordPress, whose export the importer reads, takes it as the
    same tag."""
    existing = Tag.objects.create(name="Machine Learning", slug="machine-learning")
    make_post(tags=[existing])  # published: a tag authors see
    typed = "Machine-Learning, MACHINE LEARNING, Exam season"
    data = admin_post_form(new_tags=typed) | {"tags": [existing.pk]}
    assert client.post("/admin/posts/post/add/", data).status_code == 302
    post = Post.objects.get(slug="fresh-draft")
    assert sorted(post.tags.names()) == ["Exam season", "Machine Learning"]
    assert sorted(Tag.objects.values_list("slug", flat=True)) == ["exam-season", "machine-learning"]


def grant_publish(author):
    author.user.user_permissions.add(Permission.objects.get(codename="publish_post"))


class TestRoles:
    def test_author_without_publish_right_can_only_submit_for_review(self, client, writer):
        page = client.get("/admin/posts/post/add/").content.decode()
        assert 'value="review"' in page and 'value="published"' not in page
        forged = client.post("/admin/posts/post/add/", complete(status="published"))
        assert forged.status_code == 200
        assert "Select a valid choice" in forged.content.decode()
        assert not Post.objects.exists()

        assert client.post("/admin/posts/post/add/", complete(status="review")).status_code == 302
        post = Post.objects.get()
        assert post.status == "review" and post.author == writer
        assert client.get(post.get_absolute_url()).status_code == 200  # the author previews it

    def test_editor_sees_every_post_and_publishes(self, client):
        author = make_author(photo=image_upload("a.png"))
        post = make_post(author=author, status="review", published_at=None, title="Waiting for an editor")
        client.force_login(make_user("editor", groups=[EDITORS]))
        assert "Waiting for an editor" in client.get("/admin/posts/post/?state=review").content.decode()
        response = client.post(
            f"/admin/posts/post/{post.pk}/change/",
            complete(title=post.title, slug=post.slug, author=author.pk, status="published"),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        post.refresh_from_db()
        assert post.is_published and post.published_at is not None
        assert client.get(post.get_absolute_url()).status_code == 200

    def test_author_cannot_reach_another_authors_post_by_any_route(self, client, writer):
        other = make_post(title="Not yours")
        for url in [
            f"/admin/posts/post/{other.pk}/change/",
            f"/admin/posts/post/{other.pk}/delete/",
            f"/admin/posts/post/{other.pk}/history/",
            f"/admin/posts/post/{other.pk}/history/compare/",
        ]:
            assert client.get(url).status_code in (302, 404), url
        client.post(f"/admin/posts/post/{other.pk}/change/", complete(title="Hijacked", slug=other.slug))
        client.post(f"/admin/posts/post/{other.pk}/delete/", {"post": "yes"})
        client.post("/admin/posts/post/", {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"})
        other.refresh_from_db()
        assert other.title == "Not yours"

    def test_author_cannot_sign_a_post_as_someone_else(self, client, writer):
        grant_publish(writer)
        post = make_post(author=writer, status="draft", published_at=None)
        someone = make_author(slug="someone-else")
        client.post(
            f"/admin/posts/post/{post.pk}/change/",
            admin_post_form(title=post.title, slug=post.slug, author=someone.pk),
        )
        post.refresh_from_db()
        assert post.author == writer


class TestPublishingRules:
    def test_drafts_save_incomplete(self, client, writer):
        assert client.post("/admin/posts/post/add/", admin_post_form()).status_code == 302

    def test_publishing_an_incomplete_post_lists_every_missing_item(self, client):
        bare = make_author(bio="", slug="bare")
        client.force_login(make_user("editor", groups=[EDITORS]))
        response = client.post(
            "/admin/posts/post/add/",
            admin_post_form(author=bare.pk, status="published", title="T" * 95, excerpt=""),
        )
        page = response.content.decode()
        for message in [
            "Keep the title to 90 characters",
            "Write an excerpt before publishing",
            "Add a thumbnail before publishing",
            "Describe the thumbnail (alt text) before publishing",
            "Give the post at least one tag before publishing",
            "has no bio yet",
            "has no photo yet",
        ]:
            assert message in page, message
        # Editors only view authors' profiles: they are told whom to ask (found by QA).
        assert f"The author {bare} has no photo yet: ask {bare} (or an administrator) to add one" in unescape(page)
        assert not Post.objects.exists()

    def test_author_without_bio_or_photo_cannot_publish_a_new_post(self, client):
        user = make_user("newcomer", groups=[AUTHORS])
        grant_publish(make_author(user=user, name="Newcomer", bio=""))
        client.force_login(user)
        response = client.post("/admin/posts/post/add/", complete(status="published"))
        page = response.content.decode()
        assert response.status_code == 200
        assert "The author Newcomer has no bio yet: add one to their profile" in page
        assert "The author Newcomer has no photo yet: add one to their profile" in page
        assert not Post.objects.exists()

    def test_a_refused_publish_leaves_the_preview_link_on_the_saved_draft(self, client, writer):
        grant_publish(writer)
        post = make_post(author=writer, status="draft", published_at=None, slug="saved-draft", excerpt="")
        response = client.post(
            f"/admin/posts/post/{post.pk}/change/",
            admin_post_form(title=post.title, slug="typed-slug", status="published"),
        )
        page = response.content.decode()
        assert "Write an excerpt before publishing" in page
        assert "Preview as readers will see it ↗" in page and "View the published post" not in page
        assert f'href="{post.get_absolute_url()}" target="_blank"' in page

    def test_excerpt_length_fits_search_snippets(self, client, writer):
        grant_publish(writer)
        data = complete(status="published") | {"excerpt": "x" * 161}
        response = client.post("/admin/posts/post/add/", data)
        assert "Keep the excerpt to 160 characters" in response.content.decode()


def dated_form(post, when, **fields) -> dict:
    """The post's complete form, published, with the publish date ``when``."""
    local = timezone.localtime(when) if when else None
    return complete(
        **{
            "title": post.title,
            "slug": post.slug,
            "status": "published",
            "published_at_0": local.strftime("%Y-%m-%d") if local else "",
            "published_at_1": local.strftime("%H:%M:%S") if local else "",
        }
        | fields
    )


class TestScheduledByAnEditor:
    """An author without publishing rights may edit a post an editor has
    scheduled, but not make it go live sooner than the editor chose."""

    @pytest.fixture
    def scheduled(self, writer):
        when = timezone.now() + timedelta(days=2)  # with microseconds, which the form does not show
        return make_post(author=writer, published_at=when, tags=["Schools"], thumbnail_alt="A blue rectangle")

    @pytest.mark.parametrize("moved_to", ["now", "blank", "tomorrow"])
    def test_the_author_cannot_move_its_publish_date(self, client, scheduled, moved_to):
        when = {"now": timezone.now(), "blank": None, "tomorrow": timezone.now() + timedelta(days=1)}[moved_to]
        response = client.post(f"/admin/posts/post/{scheduled.pk}/change/", dated_form(scheduled, when))
        assert response.status_code == 200
        assert "changing the publish date of a post not yet live needs publishing rights" in response.content.decode()
        before = scheduled.published_at
        scheduled.refresh_from_db()
        assert scheduled.published_at == before and scheduled.is_scheduled
        client.logout()
        assert client.get(scheduled.get_absolute_url()).status_code == 404

    def test_the_author_may_edit_it_keeping_the_date(self, client, scheduled):
        response = client.post(
            f"/admin/posts/post/{scheduled.pk}/change/", dated_form(scheduled, scheduled.published_at, title="Better")
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        scheduled.refresh_from_db()
        assert scheduled.title == "Better" and scheduled.is_scheduled

    def test_an_author_with_publishing_rights_may_publish_it_now(self, client, writer, scheduled):
        grant_publish(writer)
        response = client.post(f"/admin/posts/post/{scheduled.pk}/change/", dated_form(scheduled, timezone.now()))
        assert response.status_code == 302, response.content.decode()[:3000]
        scheduled.refresh_from_db()
        assert scheduled.is_published


class TestLiveWithoutPublishingRights:
    """Found by QA: an author without publishing rights could move a live
    post's date to a time to come (offline until then, and they could not
    move it back) or to now (new again on the home page, and mailed to the
    subscribers as new)."""

    @pytest.fixture
    def live(self, writer):
        when = timezone.now() - timedelta(days=400)
        return make_post(author=writer, published_at=when, tags=["Schools"], thumbnail_alt="A blue rectangle")

    @pytest.mark.parametrize("moved_to", ["now", "blank", "tomorrow", "earlier"])
    def test_the_author_cannot_move_its_publish_date(
        self, client, live, moved_to, mailoutbox, django_capture_on_commit_callbacks
    ):
        when = {
            "now": timezone.now(),
            "blank": None,
            "tomorrow": timezone.now() + timedelta(days=1),
            "earlier": live.published_at - timedelta(days=1),
        }[moved_to]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/admin/posts/post/{live.pk}/change/", dated_form(live, when))
        assert response.status_code == 200
        assert "This post is live: changing its publish date needs publishing rights" in response.content.decode()
        before = live.published_at
        live.refresh_from_db()
        assert live.published_at == before and live.is_published
        assert mailoutbox == []
        client.logout()
        assert client.get(live.get_absolute_url()).status_code == 200

    def test_the_author_may_edit_it_keeping_the_date(self, client, live):
        response = client.post(
            f"/admin/posts/post/{live.pk}/change/", dated_form(live, live.published_at, title="Better")
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        live.refresh_from_db()
        assert live.title == "Better" and live.is_published

    def test_an_author_with_publishing_rights_may_move_it(self, client, writer, live):
        grant_publish(writer)
        response = client.post(
            f"/admin/posts/post/{live.pk}/change/", dated_form(live, timezone.now() + timedelta(days=1))
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        live.refresh_from_db()
        assert live.is_scheduled


def test_scheduled_post_appears_by_itself(client, writer, monkeypatch):
    grant_publish(writer)
    when = timezone.now() + timedelta(hours=2)
    response = client.post(
        "/admin/posts/post/add/",
        complete(
            status="published", published_at_0=when.strftime("%Y-%m-%d"), published_at_1=when.strftime("%H:%M:%S")
        ),
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert "Scheduled" in client.get("/admin/posts/post/?state=scheduled").content.decode()
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 404
    assert post.title not in client.get("/").content.decode()

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert client.get(post.get_absolute_url()).status_code == 200
    assert post.title in client.get("/").content.decode()


class TestSharedPreview:
    def test_link_shows_the_draft_with_a_banner_until_revoked(self, client, writer):
        post = make_post(author=writer, status="draft", published_at=None, title="Secret draft")
        link = PreviewLink.objects.create(post=post)
        client.logout()
        response = client.get(link.get_preview_url())
        assert response.status_code == 200
        page = response.content.decode()
        assert "Secret draft" in page and "private preview" in page
        assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-cache" in response["Cache-Control"]
        assert client.get(post.get_absolute_url()).status_code == 404  # the real address stays closed

        link.revoked_at = timezone.now()
        link.save()
        assert client.get(link.get_preview_url()).status_code == 404

    def test_the_links_of_the_page_keep_the_reader_on_the_secret_link(self, client, writer, settings):
        """Found by QA: "3 comments" under the title, a comment's own link and
        "Later comments →" led a reviewer reading a secret link to the draft's own address: "Page not found"."""
        settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 2}
        post = make_post(author=writer, title="Back to draft")  # commented on while it was live
        first = make_comment(post)
        make_comment(post)
        make_comment(post)
        post.status = Post.Status.DRAFT
        post.save()
        link = PreviewLink.objects.create(post=post)
        client.logout()
        preview = link.get_preview_url()

        page = client.get(preview).content.decode()

        assert f'href="{preview}#comments">3 comments</a>' in page
        assert f'href="{preview}?cpage=2#comments" rel="next"' in page
        assert f'href="{preview}#c{first.pk}"' in page  # "Link to this comment"
        assert f'href="{post.get_absolute_url()}#' not in page
        assert client.get(f"{preview}?cpage=2").status_code == 200

    def test_the_post_form_names_each_link_by_when_it_expires(self, client, writer):
        """Found by QA: "Preview of 2 until …", the post's number."""
        post = make_post(author=writer, status="draft", published_at=None)
        link = PreviewLink.objects.create(post=post)
        page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
        assert f"Preview link until {timezone.localtime(link.expires_at):%Y-%m-%d %H:%M}" in page
        assert f"Preview of {post.pk}" not in page

    def test_expired_and_unknown_links_are_404(self, client, writer):
        post = make_post(author=writer, status="draft", published_at=None)
        expired = PreviewLink.objects.create(post=post, expires_at=timezone.now() - timedelta(minutes=1))
        assert client.get(expired.get_preview_url()).status_code == 404
        assert client.get("/preview/not-a-real-token/").status_code == 404

    @staticmethod
    def new_link(post, day: str) -> dict:
        """The post's form with one new preview link expiring at the start of ``day``."""
        link = {
            "preview_links-TOTAL_FORMS": "1",
            "preview_links-0-expires_at_0": day,
            "preview_links-0-expires_at_1": "00:00:00",
        }
        return admin_post_form(title=post.title, slug=post.slug, **link)

    def test_a_link_that_would_have_expired_already_is_refused(self, client, writer):
        post = make_post(author=writer, status="draft", published_at=None)
        response = client.post(f"/admin/posts/post/{post.pk}/change/", self.new_link(post, "2020-01-01"))
        assert response.status_code == 200
        assert "This time has passed: the link would never work." in response.content.decode()
        assert not PreviewLink.objects.exists()

    def test_a_new_link_left_at_its_default_expiry_is_created(self, client, writer):
        post = make_post(author=writer, status="draft", published_at=None)
        page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
        # What "Add another" copies: the inline's empty row, as rendered.
        row = {
            name.replace("__prefix__", "0"): value
            for name, value in re.findall(r'name="((?:initial-)?preview_links-__prefix__-[^"]+)" value="([^"]*)"', page)
        }
        assert "preview_links-0-expires_at_0" in row and "initial-preview_links-0-expires_at_0" in row
        data = admin_post_form(title=post.title, slug=post.slug, **row, **{"preview_links-TOTAL_FORMS": "1"})
        response = client.post(f"/admin/posts/post/{post.pk}/change/", data, follow=True)
        assert "was changed successfully" in response.content.decode()
        link = PreviewLink.objects.get(post=post)
        assert link.is_usable and link.created_by == writer.user

    def test_author_creates_and_revokes_a_link_in_the_admin(self, client, writer):
        post = make_post(author=writer, status="draft", published_at=None)
        assert client.post(f"/admin/posts/post/{post.pk}/change/", self.new_link(post, "2099-01-01")).status_code == 302
        link = PreviewLink.objects.get()
        assert link.created_by == writer.user
        # The whole address, ready to send.
        page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
        assert f"http://testserver{link.get_preview_url()}" in page
        revoke = admin_post_form(
            title=post.title,
            slug=post.slug,
            **{
                "preview_links-TOTAL_FORMS": "1",
                "preview_links-INITIAL_FORMS": "1",
                "preview_links-0-id": str(link.pk),
                "preview_links-0-post": str(post.pk),
                "preview_links-0-expires_at_0": "2099-01-01",
                "preview_links-0-expires_at_1": "00:00:00",
                "preview_links-0-revoke": "on",
            },
        )
        assert client.post(f"/admin/posts/post/{post.pk}/change/", revoke).status_code == 302
        client.logout()
        assert client.get(link.get_preview_url()).status_code == 404


def test_renaming_a_published_post_keeps_the_old_address(client):
    post = make_post(slug="old-name")
    post.slug = "new-name"
    post.save()
    response = client.get("/posts/old-name/")
    assert response.status_code == 301 and response["Location"] == "/posts/new-name/"
    assert client.get("/posts/new-name/").status_code == 200
    # With its query string: a link to the second page of comments leads there.
    response = client.get("/posts/old-name/?cpage=2&utm_source=mail")
    assert (response.status_code, response["Location"]) == (301, "/posts/new-name/?cpage=2&utm_source=mail")
    # Renaming a draft leaves nothing behind.
    draft = make_post(slug="draft-one", status="draft")
    draft.slug = "draft-two"
    draft.save()
    assert client.get("/posts/draft-one/").status_code == 404


class TestOldAddresses:
    """A renamed post's old address redirects to it; an author cannot take
    that address (and the links to it) for a post of theirs. Editors can."""

    @pytest.fixture
    def renamed(self):
        post = make_post(slug="old-name")
        post.slug = "new-name"
        post.save()
        return post

    def test_an_author_cannot_take_another_posts_old_address(self, client, writer, renamed):
        response = client.post("/admin/posts/post/add/", admin_post_form(slug="old-name"))
        assert response.status_code == 200
        assert (
            "“old-name” is an old address of another post and still redirects to it: choose another slug."
            in response.content.decode()
        )
        assert not Post.objects.filter(author=writer).exists()
        moved = client.get("/posts/old-name/")
        assert moved.status_code == 301 and moved["Location"] == "/posts/new-name/"

    def test_an_author_may_take_back_their_own_posts_old_address(self, client, writer):
        post = make_post(author=writer, slug="first-name")
        post.slug = "second-name"
        post.save()
        response = client.post(
            f"/admin/posts/post/{post.pk}/change/", dated_form(post, post.published_at, slug="first-name")
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        assert client.get("/posts/first-name/").status_code == 200

    def test_an_editor_may_reuse_an_old_address(self, client, renamed):
        author = make_author()
        client.force_login(make_user("editor", groups=[EDITORS]))
        response = client.post("/admin/posts/post/add/", admin_post_form(slug="old-name", author=author.pk))
        assert response.status_code == 302, response.content.decode()[:3000]
        assert Post.objects.get(slug="old-name").author == author

    def test_a_draft_at_an_old_address_leaves_it_redirecting_until_it_is_published(self, client, renamed):
        """Found by QA: a new draft given a live post's old address ended the
        redirect at once and for good (a 404, with no warning; trashing or
        renaming the draft did not bring it back), though readers could see
        nothing there. The address is the new post's once readers see it."""
        client.force_login(make_user("editor", groups=[EDITORS]))
        form = admin_post_form(title="Unrelated draft", slug="old-name", author=make_author().pk)
        assert client.post("/admin/posts/post/add/", form).status_code == 302
        draft = Post.objects.get(slug="old-name")
        assert "Unrelated draft" in client.get("/posts/old-name/").content.decode()  # the editor's preview
        reader = Client()

        def old_address_leads_on() -> bool:
            moved = reader.get("/posts/old-name/?cpage=2")
            feed = reader.get("/posts/old-name/comments/feed/")
            return (moved.status_code, moved["Location"], feed.status_code, feed["Location"]) == (
                301, "/posts/new-name/?cpage=2", 301, "/posts/new-name/comments/feed/",
            )  # fmt: skip

        assert old_address_leads_on()
        for status, published_at in [
            (Post.Status.REVIEW, None),
            (Post.Status.PUBLISHED, timezone.now() + timedelta(days=1)),  # scheduled
        ]:
            draft.status, draft.published_at = status, published_at
            draft.save()
            assert old_address_leads_on(), status
        trash.move_to_trash(draft)
        assert old_address_leads_on()
        trash.restore(draft)
        draft.slug = "unrelated-draft"
        draft.save()
        assert old_address_leads_on()

        draft.slug, draft.status, draft.published_at = "old-name", Post.Status.PUBLISHED, timezone.now()
        draft.save()
        page = reader.get("/posts/old-name/")
        assert page.status_code == 200 and "Unrelated draft" in page.content.decode()
        assert reader.get("/posts/new-name/").status_code == 200
        assert not renamed.old_slugs.exists()

    def test_an_author_may_keep_editing_a_draft_an_editor_put_at_an_old_address(self, client, writer, renamed):
        draft = make_post(author=writer, slug="old-name", status=Post.Status.DRAFT)
        form = admin_post_form(title="Still a draft", slug="old-name", excerpt=draft.excerpt, body=draft.body)
        assert client.post(f"/admin/posts/post/{draft.pk}/change/", form).status_code == 302
        assert Post.objects.get(pk=draft.pk).title == "Still a draft"
        assert Client().get("/posts/old-name/")["Location"] == "/posts/new-name/"


def test_updated_on_and_change_notes(client):
    post = make_post(title="Benchmarks")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Updated on" not in page
    post.save()  # no change to what readers see
    assert Post.objects.get(pk=post.pk).content_updated_at is None

    post.body = "<p>New figures.</p>"
    post.save()
    ChangeNote.objects.create(post=post, note="Updated the FastAPI benchmark figure")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Updated on" in page
    assert "Updated the FastAPI benchmark figure" in page


def test_an_edit_on_the_day_of_publication_shows_no_updated_on(client):
    post = make_post(title="Fresh", published_at=timezone.now() - timedelta(minutes=5))
    post.body = "<p>A typo fixed minutes after publishing.</p>"
    post.save()
    assert "Updated on" not in client.get(post.get_absolute_url()).content.decode()


def test_scheduling_says_when_the_post_goes_live_and_publishing_keeps_whole_seconds(client, writer):
    grant_publish(writer)
    later = complete(title="Later", slug="later", status="published")
    later |= {"published_at_0": "2099-03-01", "published_at_1": "09:30:00"}
    response = client.post("/admin/posts/post/add/", later, follow=True)
    assert "“Later” is scheduled: it goes live on 1 March 2099, 09:30 UTC" in response.content.decode()

    now = complete(title="Now", slug="now", status="published")
    assert client.post("/admin/posts/post/add/", now).status_code == 302
    post = Post.objects.get(slug="now")
    assert post.is_published and post.published_at.microsecond == 0


def test_revisions_are_kept_compared_and_restored(client, writer):
    grant_publish(writer)
    post = make_post(author=writer, status="draft", published_at=None, title="First title", slug="revised")
    for title in ["Second title", "Third title"]:
        client.post(f"/admin/posts/post/{post.pk}/change/", admin_post_form(title=title, slug="revised"))
    history = list(post.history.order_by("history_date"))
    assert [h.title for h in history] == ["First title", "Second title", "Third title"]
    assert history[-1].history_user == writer.user

    compare = client.get(
        f"/admin/posts/post/{post.pk}/history/compare/?a={history[0].history_id}&b={history[2].history_id}"
    )
    assert compare.status_code == 200
    diff = compare.content.decode()
    assert "<h2>Title</h2>" in diff
    assert '<span class="diff_sub">First&nbsp;title</span>' in diff
    assert '<span class="diff_add">Third&nbsp;title</span>' in diff

    restore_url = f"/admin/posts/post/{post.pk}/history/{history[0].history_id}/"
    page = client.get(restore_url)
    assert "First title" in page.content.decode()
    # Found by QA: the admin's own styled trail, through the post list (it was
    # simple-history's unstyled one, through "Historical posts").
    trail = page.content.decode().split('<ol class="breadcrumbs">')[1].split("</ol>")[0]
    assert '<a href="/admin/posts/post/">Posts</a>' in trail and "Historical" not in trail
    assert f'<a href="/admin/posts/post/{post.pk}/history/">History</a>' in trail
    # The revision as the restore page shows it, sent back unchanged.
    form = admin_post_form(title="First title", slug="revised", body=post.body, excerpt=post.excerpt)
    assert client.post(restore_url, form | {"opened_version": opened_version(page)}).status_code == 302
    post.refresh_from_db()
    assert post.title == "First title"
    # The restore is a revision of its own: the history ends with what the post says now.
    assert [h.title for h in post.history.order_by("history_date")][-2:] == ["Third title", "First title"]

    # Restoring what the post says already changes nothing: no revision, the same date.
    revisions, saved_at = post.history.count(), post.updated_at
    current_url = f"/admin/posts/post/{post.pk}/history/{post.history.order_by('history_date').last().history_id}/"
    page = client.get(current_url)
    assert client.post(current_url, form | {"opened_version": opened_version(page)}).status_code == 302
    post.refresh_from_db()
    assert (post.history.count(), post.updated_at, post.title) == (revisions, saved_at, "First title")


def test_changing_one_paragraph_shows_only_that_paragraph_as_changed(client, writer):
    post = make_post(author=writer, body="<p>Apples stay.</p><p>Pears change.</p><p>Plums &amp; figs stay.</p>")
    post.body = "<p>Apples stay.</p><p>Pears changed a lot.</p><p>Plums &amp; figs stay.</p>"
    post.save()

    page = client.get(f"/admin/posts/post/{post.pk}/history/compare/").content.decode()
    body_table = page.split("<h2>Body</h2>")[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body_table, re.S)
    changed = [re.sub(r"<[^>]+>", "", row) for row in rows if re.search(r"diff_(add|chg|sub)", row)]
    assert len(changed) == 1 and "Pears" in changed[0]
    assert "Plums&nbsp;&amp;&nbsp;figs&nbsp;stay." in body_table  # unchanged context, escaped once


def test_an_image_added_to_the_body_shows_in_the_comparison(client, writer):
    """Found by QA: an image has no text, and an added one showed no change."""
    post = make_post(author=writer, body="<p>Our office.</p>")
    post.body = '<p>Our office.</p><figure><img src="/media/posts/inline/2026/desk.png" alt="A desk"></figure>'
    post.save()

    page = client.get(f"/admin/posts/post/{post.pk}/history/compare/").content.decode()
    body_table = page.split("<h2>Body</h2>")[1].split("</table>")[0]
    assert '<span class="diff_add">[image:&nbsp;A&nbsp;desk&nbsp;(desk.png)]</span>' in body_table


def test_restoring_a_draft_revision_keeps_a_live_post_live(client, writer):
    """Restoring brings back the writing; the post stays published where it was, with its picture.

    The author has no right to publish: a restore that unpublished the post
    left them unable to put it back.
    """
    draft_fields = {"status": "draft", "published_at": None, "title": "Draft title", "body": "<p>Draft body.</p>"}
    post = make_post(author=writer, tags=["Schools"], **draft_fields)
    draft = post.history.get()
    published_at = (timezone.now() - timedelta(days=3)).replace(microsecond=0)  # as the admin saves dates
    post.title, post.body, post.status, post.published_at = "Live title", "<p>Live body.</p>", "published", published_at
    post.thumbnail, post.thumbnail_alt = image_upload(), "A blue rectangle"
    post.save()
    thumbnail = post.thumbnail.name

    restore_url = f"/admin/posts/post/{post.pk}/history/{draft.history_id}/"
    page = client.get(restore_url)
    assert "the publishing settings stay as they are now" in page.content.decode()
    # What the browser sends: the revision's writing (locked fields are not
    # sent; anything sent for them is ignored).
    form = admin_post_form(title="Draft title", slug=post.slug, body="<p>Draft body.</p>", excerpt=post.excerpt)
    response = client.post(restore_url, form | {"opened_version": opened_version(page)}, follow=True)

    post.refresh_from_db()
    assert (post.title, post.body) == ("Draft title", "<p>Draft body.</p>")
    assert (post.status, post.published_at, post.thumbnail.name) == ("published", published_at, thumbnail)
    assert post.thumbnail_alt == "A blue rectangle" and list(post.tags.names()) == ["Schools"]
    assert client.get(post.get_absolute_url()).status_code == 200
    when = timezone.localtime(draft.history_date).strftime("%-d %b %Y %H:%M")
    assert f"Restored the revision of {when}." in response.content.decode()


def opened_version(page) -> str:
    """The hidden version a change form carries: what the browser sends back on save."""
    return re.search(r'name="opened_version" value="([^"]+)"', page.content.decode())[1]


class TestTwoPeopleEditing:
    def test_a_save_over_a_later_save_is_refused_and_keeps_what_was_typed(self, client, writer):
        post = make_post(author=writer, status="draft", published_at=None, title="Shared", slug="shared")
        url = f"/admin/posts/post/{post.pk}/change/"
        editor = Client()
        editor.force_login(make_user("editor", groups=[EDITORS]))
        editors_version = opened_version(editor.get(url))

        authors_form = admin_post_form(title="Shared", slug="shared", body=post.body, excerpt="The author's excerpt.")
        assert client.post(url, authors_form | {"opened_version": opened_version(client.get(url))}).status_code == 302
        editors_form = admin_post_form(title="The editor's title", slug="shared", body=post.body, author=writer.pk)
        response = editor.post(url, editors_form | {"opened_version": editors_version})

        assert response.status_code == 200
        page = response.content.decode()
        assert "writer saved this post at" in page and "since you opened it (changing the excerpt)" in page
        assert 'value="The editor&#x27;s title"' in page  # what the editor typed, shown again
        post.refresh_from_db()
        assert (post.title, post.excerpt) == ("Shared", "The author's excerpt.")

    def test_saving_the_post_as_opened_works(self, client, writer):
        post = make_post(author=writer, status="draft", published_at=None, slug="mine")
        url = f"/admin/posts/post/{post.pk}/change/"
        form = admin_post_form(title="Renamed", slug="mine", opened_version=opened_version(client.get(url)))
        assert client.post(url, form).status_code == 302
        post.refresh_from_db()
        assert post.title == "Renamed"


def test_history_lists_who_changed_what_without_empty_columns(client, writer):
    post = make_post(author=writer, status="draft", published_at=None, title="First title", slug="revised")
    client.post(f"/admin/posts/post/{post.pk}/change/", admin_post_form(title="Second title", slug="revised"))
    page = client.get(f"/admin/posts/post/{post.pk}/history/").content.decode()
    cells = [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", page, re.S)]
    assert "writer" in cells  # who saved the second revision
    assert "—" in cells  # the first revision was saved without a user
    assert "/admin/auth/user/" not in page  # no link an author would get a 403 from
    assert "None" not in cells and "Change reason" not in page
    assert f'href="/admin/posts/post/{post.pk}/history/compare/"' in page  # the "Compare two revisions" button


def test_tags_are_case_insensitive_and_survive_a_creation_race(writer, monkeypatch):
    from posts.admin_forms import PostAdminForm

    make_post(tags=["Django"])
    post = make_post(author=writer)
    form = PostAdminForm(instance=post)
    form.cleaned_data = {"tags": [], "new_tags": "django, Brand New"}

    original_set = type(post.tags).set
    calls = []

    def racing_set(manager, tags, *args, **kwargs):
        if not calls:
            calls.append(1)
            Tag.objects.create(name="Brand New", slug="brand-new")  # another author won the race
            raise IntegrityError("duplicate key value violates unique constraint")
        return original_set(manager, tags, *args, **kwargs)

    monkeypatch.setattr(type(post.tags), "set", racing_set)
    form.save_tags(post)

    assert sorted(tag.name for tag in post.tags.all()) == ["Brand New", "Django"]
    assert Tag.objects.filter(name__iexact="django").count() == 1
    assert Tag.objects.filter(name="Brand New").count() == 1


def test_tag_autocomplete_answers_in_the_admin(client, writer):
    Tag.objects.create(name="FastAPI", slug="fastapi")
    response = client.get(
        "/admin/autocomplete/", {"term": "fast", "app_label": "posts", "model_name": "post", "field_name": "tags"}
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["FastAPI"]


def tag_rows(page: str) -> dict[str, int]:
    """The tag list's rows: name → post count."""
    row = r'<th class="field-name"><a [^>]*>([^<]+)</a></th>.*?<td class="field-post_count">(\d+)</td>'
    rows = re.findall(row, page)
    return {name: int(count) for name, count in rows}


class TestTagsOfOthersDrafts:
    """A tag used only on another author's unpublished posts names what that
    draft is about: authors do not see it. Editors see every tag."""

    @pytest.fixture
    def tags(self, writer):
        other = make_author()
        make_post(author=other, tags=["Schools"])
        make_post(author=other, status="draft", published_at=None, tags=["Secret merger", "Schools"])
        make_post(author=other, published_at=timezone.now() + timedelta(days=3), tags=["Secret launch"])
        make_post(author=writer, status="draft", published_at=None, tags=["Secret of mine"])
        Tag.objects.create(name="Secret unused", slug="secret-unused")

    def autocomplete(self, client, term):
        response = client.get(
            "/admin/autocomplete/", {"term": term, "app_label": "posts", "model_name": "post", "field_name": "tags"}
        )
        assert response.status_code == 200
        return sorted(item["text"] for item in response.json()["results"])

    def test_an_author_sees_tags_of_published_posts_their_own_and_unused_ones(self, client, writer, tags):
        assert self.autocomplete(client, "secret") == ["Secret of mine", "Secret unused"]
        rows = tag_rows(client.get("/admin/taggit/tag/").content.decode())
        # Counted: published posts and the author's own; not the other's draft.
        assert rows == {"Schools": 1, "Secret of mine": 1, "Secret unused": 0}
        hidden = Tag.objects.get(name="Secret merger")
        response = client.get(f"/admin/taggit/tag/{hidden.pk}/change/", follow=True)
        assert "Secret merger" not in response.content.decode()

    def test_an_author_cannot_name_a_hidden_tag_by_its_id(self, client, writer, tags):
        """The form shows the chosen tags' names again when it refuses a save."""
        hidden = Tag.objects.get(name="Secret launch")
        response = client.post("/admin/posts/post/add/", admin_post_form(title="", tags=[hidden.pk]))
        page = response.content.decode()
        assert response.status_code == 200 and "Select a valid choice" in page
        assert "Secret launch" not in page
        assert Post.objects.filter(author=writer).count() == 1  # only the draft made above

    def test_typing_the_name_of_a_hidden_tag_reveals_nothing_more(self, client, writer, tags):
        """Taken as typed, the name would give the post the other author's tag,
        spelled their way (and its address and description in the tag list).
        Refused instead, naming only what was typed; nothing is saved."""
        before = Tag.objects.count()
        for typed in ["secret MERGER", "Secret-Merger!"]:  # the name in another case; the same address
            response = client.post("/admin/posts/post/add/", admin_post_form(new_tags=f"{typed}, Fresh idea"))
            assert response.status_code == 200
            page = response.content.decode()
            assert f"“{typed}” cannot be a new tag: a tag of that name or address is on posts you cannot see" in page
            assert f'value="{typed}, Fresh idea"' in page  # kept, to be edited
            assert "Secret merger" not in page and "secret-merger" not in page
        assert Tag.objects.count() == before
        assert not Post.objects.filter(slug="fresh-draft").exists()
        # Another author's scheduled post is not live either.
        response = client.post("/admin/posts/post/add/", admin_post_form(new_tags="secret launch, Fresh idea"))
        assert "“secret launch” cannot be a new tag" in response.content.decode()

    def test_adding_a_tag_of_a_hidden_tags_name_tells_no_more(self, client, writer, tags):
        """Authors may add tags: the tag form refuses a taken name or address as
        the post form does, in the words typed, without the tag."""
        for data in [{"name": "secret MERGER", "slug": "merger"}, {"name": "Merger", "slug": "secret-merger"}]:
            response = client.post("/admin/taggit/tag/add/", data)
            page = response.content.decode()
            assert response.status_code == 200 and "errorlist" in page
            assert "Secret merger" not in page
        assert not Tag.objects.filter(name__iexact="merger").exists()

    def test_typing_the_name_of_a_tag_the_author_sees_uses_that_tag(self, client, writer, tags):
        """Tags of published posts, of the author's own and unused ones are
        theirs to see: typed in any case, the post gets that tag, as spelled."""
        form = admin_post_form(new_tags="schools, secret OF mine, SECRET UNUSED, Fresh idea")
        assert client.post("/admin/posts/post/add/", form).status_code == 302
        post = Post.objects.get(slug="fresh-draft")
        assert sorted(post.tags.names()) == ["Fresh idea", "Schools", "Secret of mine", "Secret unused"]

    def test_an_editor_typing_a_tag_of_a_draft_gets_that_tag(self, client, tags):
        client.force_login(make_user("editor", groups=[EDITORS]))
        author = Post.objects.filter(status="draft").first().author
        form = admin_post_form(author=author.pk, new_tags="secret MERGER,")
        assert client.post("/admin/posts/post/add/", form).status_code == 302
        assert list(Post.objects.get(slug="fresh-draft").tags.names()) == ["Secret merger"]

    def test_an_editor_sees_every_tag_and_every_post_counted(self, client, tags):
        client.force_login(make_user("editor", groups=[EDITORS]))
        assert self.autocomplete(client, "secret") == [
            "Secret launch",
            "Secret merger",
            "Secret of mine",
            "Secret unused",
        ]
        rows = tag_rows(client.get("/admin/taggit/tag/").content.decode())
        assert rows == {"Schools": 2, "Secret launch": 1, "Secret merger": 1, "Secret of mine": 1, "Secret unused": 0}


def test_tag_admin_refuses_a_tag_differing_only_in_case(client):
    Tag.objects.create(name="Django", slug="django")
    client.force_login(make_user("editor", groups=[EDITORS]))
    response = client.post("/admin/taggit/tag/add/", {"name": "django", "slug": "django-2"})
    assert "exists already (tags ignore case)" in response.content.decode()
    assert Tag.objects.count() == 1


def test_the_seed_article_can_be_saved_in_the_admin_as_published(client, seed):
    """The shipped article meets the publishing rules it would be held to."""
    from posts.admin_forms import EXCERPT_LIMIT, TITLE_LIMIT

    assert len(seed.title) <= TITLE_LIMIT and len(seed.excerpt) <= EXCERPT_LIMIT
    client.force_login(make_user("editor", groups=[EDITORS]))
    page = client.get(f"/admin/posts/post/{seed.pk}/change/")
    assert page.status_code == 200
    data = admin_post_form(
        title=seed.title,
        slug=seed.slug,
        author=seed.author.pk,
        excerpt=seed.excerpt,
        body=seed.body,
        thumbnail_alt=seed.thumbnail_alt,
        status="published",
        published_at_0="2026-03-19",
        published_at_1="09:00:00",
        tags=[tag.pk for tag in seed.tags.all()],
    )
    response = client.post(f"/admin/posts/post/{seed.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]


@pytest.mark.parametrize(
    "image, said",
    [
        (
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="Pasted chart">',
            "an image pasted into the text itself (a data: address), which is not stored",
        ),
        ("<IMG SRC='blob:https://skolr.example/1f2e' alt=x>", "an image at “blob:https://skolr.example/1f2e”"),
        ('<img alt="y" src = "ftp://files.example.net/a.png">', "an image at “ftp://files.example.net/a.png”"),
    ],
)
def test_an_image_the_sanitizer_would_empty_is_refused_with_the_text_kept(client, writer, image, said):
    """Found by QA: an image pasted as data (HTML pasted into the editor's
    source, an old draft) was saved without its address, showing nothing,
    and nobody was told."""
    body = f"<p>Intro</p><figure>{image}</figure>"
    response = client.post("/admin/posts/post/add/", admin_post_form(title="With a pasted chart", body=body))
    page = unescape(response.content.decode())
    assert response.status_code == 200 and not Post.objects.exists()
    assert f"The body has {said}" in page and "It would be lost on saving: upload images" in page
    assert image in page  # the body comes back as it was sent


def test_images_on_the_web_and_on_this_blog_pass_the_sanitizers_check(client, writer):
    body = '<p><img src="/media/posts/body/a.png" alt="a"> <img src="media/b.png" alt="b"> <img alt="c"></p>'
    response = client.post("/admin/posts/post/add/", admin_post_form(body=body))
    assert response.status_code == 302
    stored = Post.objects.get(slug="fresh-draft").body
    assert 'src="/media/posts/body/a.png"' in stored and 'src="media/b.png"' in stored


def test_an_image_from_another_site_is_refused_with_the_text_kept(client, writer):
    """The pages' CSP lets browsers load this blog's images only: a linked
    one would be broken for every reader, so the form says so."""
    body = '<p>Intro</p><figure><img src="https://images.example.net/chart.png" alt="A chart"></figure>'
    response = client.post("/admin/posts/post/add/", admin_post_form(title="With a chart", body=body))
    assert response.status_code == 200
    page = response.content.decode()
    assert "An image in the body is on another site (images.example.net)" in page
    assert "With a chart" in page and not Post.objects.filter(title="With a chart").exists()

    ours = '<p>Intro</p><figure><img src="/media/posts/body/chart.png" alt="A chart"></figure>'
    assert client.post("/admin/posts/post/add/", admin_post_form(title="With a chart", body=ours)).status_code == 302


@pytest.mark.parametrize(
    "title, explained",
    [("日本語の記事", True), ("Ünïcode ça va", False)],
)
def test_a_post_without_an_address_is_asked_for_one_with_the_title_kept(client, writer, title, explained):
    """Found by QA: the admin makes the slug from the title's letters a–z and
    digits, so a title in another script left it empty, and the form said
    only "This field is required." under *Slug*."""
    response = client.post("/admin/posts/post/add/", admin_post_form(title=title, slug=""))
    page = unescape(response.content.decode())
    assert response.status_code == 200 and not Post.objects.exists()
    assert "Give the post an address: lower-case letters a–z, digits and hyphens" in page
    assert ("this title has none" in page) is explained
    assert f'value="{title}"' in page


def test_the_editors_list_puts_drafts_and_reviews_first(client):
    from authors.roles import EDITORS

    make_post(title="Published yesterday")
    make_post(title="Waiting for review", status="review", published_at=None)
    make_post(title="Published last week", published_at=timezone.now() - timedelta(days=7))
    client.force_login(make_user("chief", groups=[EDITORS]))
    page = client.get("/admin/posts/post/").content.decode()
    order = [page.index(title) for title in ("Waiting for review", "Published yesterday", "Published last week")]
    assert order == sorted(order)


def test_the_post_list_says_what_each_column_holds_in_the_room_it_has(client, writer):
    """Found by QA: at 1280 px the title was squeezed to 90 px and whether
    comments were open ("Comments") was off the screen. A featured post says
    so under its state, the dates give way, and an author's list has no
    author column (tests/browser/test_admin_widths.py measures the widths)."""
    from authors.roles import EDITORS

    make_post(author=writer, title="Chosen", featured=True, allow_comments=False)
    make_post(author=writer, title="Plain", status="draft", published_at=None)
    page = client.get("/admin/posts/post/").content.decode()
    assert "css/admin_posts.css" in page and "column-author" not in page
    assert re.search(r'column-comments_open">.*?>Comments open<', page, re.S)
    assert re.search(r'class="sortable column-publish_date sorted descending">', page)  # the default order
    chosen = page.split(">Chosen</a>")[1].split("</tr>")[0]
    assert '<td class="field-state">Published<br><small>Featured</small></td>' in chosen
    assert 'alt="False"' in chosen.split('class="field-comments_open"')[1]
    plain = page.split(">Plain</a>")[1].split("</tr>")[0]
    assert '<td class="field-state">Draft</td>' in plain and '<td class="field-publish_date">-</td>' in plain

    client.force_login(make_user("chief", groups=[EDITORS]))
    assert "column-author" in client.get("/admin/posts/post/").content.decode()


def test_saving_without_a_change_adds_no_revision(client, writer):
    post = make_post(author=writer, status="draft", published_at=None, title="Steady", slug="steady")
    client.post(f"/admin/posts/post/{post.pk}/change/", admin_post_form(title="Steady, edited", slug="steady"))
    count = post.history.count()
    page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
    opened = re.search(r'name="opened_version" value="([^"]*)"', page).group(1)
    same = admin_post_form(title="Steady, edited", slug="steady", opened_version=opened)
    assert client.post(f"/admin/posts/post/{post.pk}/change/", same).status_code == 302
    assert post.history.count() == count


def test_saving_a_body_stored_with_newlines_unchanged_adds_no_revision(client, writer):
    """A browser sends a textarea's newlines as "\r\n": a body stored with
    "\n" (load_posts, imports) came back "changed", and each Save with
    nothing changed kept an empty revision in the History (found by QA)."""
    post = make_post(author=writer, status="draft", published_at=None, title="Lines", slug="lines")
    Post.objects.filter(pk=post.pk).update(body="<p>One.</p>\n<p>Two.</p>")
    post.refresh_from_db()
    post.save()  # its revision has this body
    url = f"/admin/posts/post/{post.pk}/change/"
    count = post.history.count()
    for _ in range(2):
        page = client.get(url).content.decode()
        opened = re.search(r'name="opened_version" value="([^"]*)"', page).group(1)
        sent = admin_post_form(title="Lines", slug="lines", excerpt=post.excerpt, body=post.body.replace("\n", "\r\n"))
        assert client.post(url, sent | {"opened_version": opened}).status_code == 302
    assert post.history.count() == count  # the History's rows: no empty revision


def test_a_tags_old_address_redirects_after_its_slug_changes(client):
    """Links to a tag's page and feeds keep working when an editor changes its slug."""
    make_post(tags=["Maths Pedagogy"])
    tag = Tag.objects.get(name="Maths Pedagogy")
    old = tag.slug
    client.force_login(make_user("editor", groups=[EDITORS]))
    changed = client.post(f"/admin/taggit/tag/{tag.pk}/change/", {"name": "Maths Pedagogy", "slug": "pedagogy"})
    assert changed.status_code == 302
    client.logout()

    for path, moved in [
        (f"/tags/{old}/", "/tags/pedagogy/"),
        (f"/tags/{old}/feed/", "/tags/pedagogy/feed/"),
        (f"/tags/{old}/feed/atom/", "/tags/pedagogy/feed/atom/"),
        (f"/tags/{old}/?utm_source=mail", "/tags/pedagogy/?utm_source=mail"),
    ]:
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (301, moved), path
    assert client.get("/tags/pedagogy/").status_code == 200
    assert client.get("/tags/never-a-tag/").status_code == 404

    # A tag that takes the old address back has its own page there.
    make_post(tags=[Tag.objects.create(name="Old name again", slug=old)])
    assert client.get(f"/tags/{old}/").status_code == 200


class TestATagsOldAddress:
    """A tag whose slug an editor changed keeps its old address redirecting."""

    @pytest.fixture
    def moved(self):
        make_post(tags=["Maths Pedagogy"])
        tag = Tag.objects.get(name="Maths Pedagogy")
        old = tag.slug
        editor = Client()
        editor.force_login(make_user("editor", groups=[EDITORS]))
        editor.post(f"/admin/taggit/tag/{tag.pk}/change/", {"name": "Maths Pedagogy", "slug": "pedagogy"})
        assert Client().get(f"/tags/{old}/")["Location"] == "/tags/pedagogy/"
        return old

    def test_an_author_cannot_take_it_with_a_new_tag_in_a_post(self, client, writer, moved):
        """Taking it would end the redirect: links to the tag would lead to the author's tag."""
        response = client.post("/admin/posts/post/add/", admin_post_form(new_tags="Maths: pedagogy, Other"))
        page = unescape(response.content.decode())
        assert response.status_code == 200
        assert "“Maths: pedagogy” cannot be a new tag: its address is an old address of another tag" in page
        assert 'value="Maths: pedagogy, Other"' in page  # what was typed stays
        assert not Post.objects.filter(slug="fresh-draft").exists()
        assert client.get(f"/tags/{moved}/")["Location"] == "/tags/pedagogy/"

    def test_an_author_cannot_take_it_in_the_tag_list(self, client, writer, moved):
        response = client.post("/admin/taggit/tag/add/", {"name": "Something else", "slug": moved})
        assert response.status_code == 200
        assert "is an old address of another tag and still redirects to it" in unescape(response.content.decode())
        assert not Tag.objects.filter(slug=moved).exists()

    def test_an_existing_tag_of_that_name_is_still_chosen(self, client, writer, moved):
        """Typing the moved tag's own name gives the post that tag, as always."""
        response = client.post("/admin/posts/post/add/", admin_post_form(new_tags="maths pedagogy,"))
        assert response.status_code == 302
        assert [tag.slug for tag in Post.objects.get(slug="fresh-draft").tags.all()] == ["pedagogy"]

    def test_an_editor_may_give_it_to_another_tag(self, client, moved):
        """It keeps redirecting while the new tag has no published post (its
        page would be a 404), and is the new tag's once it has one, as a
        post's old address given to a draft is (found by QA: the redirect
        ended as the tag was saved)."""
        from posts.models import TagRedirect

        client.force_login(make_user("chief", groups=[EDITORS]))
        response = client.post("/admin/taggit/tag/add/", {"name": "Something else", "slug": moved})
        assert response.status_code == 302
        taker = Tag.objects.get(slug=moved)
        reader = Client()
        make_post(tags=[taker], slug="on-a-draft", status=Post.Status.DRAFT, published_at=None)
        taker.name = "Something else, renamed"
        taker.save()
        for path, there in [(f"/tags/{moved}/", "/tags/pedagogy/"), (f"/tags/{moved}/feed/", "/tags/pedagogy/feed/")]:
            response = reader.get(path)
            assert (response.status_code, response["Location"]) == (301, there), path

        make_post(tags=[taker])
        cache.clear()
        assert reader.get(f"/tags/{moved}/").status_code == reader.get(f"/tags/{moved}/feed/").status_code == 200
        taker.save()  # its next save ends the redirect
        assert not TagRedirect.objects.filter(old_slug=moved).exists()

    def test_a_tag_on_no_published_post_leaving_it_leaves_it_redirecting(self, client, moved):
        client.force_login(make_user("chief", groups=[EDITORS]))
        client.post("/admin/taggit/tag/add/", {"name": "Something else", "slug": moved})
        taker = Tag.objects.get(slug=moved)
        response = client.post(f"/admin/taggit/tag/{taker.pk}/change/", {"name": "Something else", "slug": "else"})
        assert response.status_code == 302
        assert Client().get(f"/tags/{moved}/")["Location"] == "/tags/pedagogy/"

    def test_it_does_not_tell_the_new_address_of_a_tag_without_published_posts(self, client, moved):
        Post.objects.update(status=Post.Status.DRAFT)
        from posts.models import TaggedPost

        TaggedPost.objects.copy_publish_dates()
        cache.clear()
        for path in (f"/tags/{moved}/", f"/tags/{moved}/feed/"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "/tags/pedagogy/" not in response.content.decode()


def test_an_editor_describes_a_tag_and_its_page_and_feed_say_it(client):
    make_post(tags=["Assessment"])
    tag = Tag.objects.get(name="Assessment")
    client.force_login(make_user("editor", groups=[EDITORS]))
    words = "Quizzes,   marking and feedback:\n how schools check what students learn <b>well</b>. " + "More. " * 30
    response = client.post(
        f"/admin/taggit/tag/{tag.pk}/change/", {"name": "Assessment", "slug": tag.slug, "description": words}
    )
    assert response.status_code == 302
    stored = TagProfile.objects.get(tag=tag).description
    assert stored.startswith("Quizzes, marking and feedback: how schools")  # one paragraph
    assert "Quizzes, marking" in client.get(f"/admin/taggit/tag/{tag.pk}/change/").content.decode()  # shown to edit
    client.logout()

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/tags/{tag.slug}/").content.decode()
    assert [q["sql"] for q in queries if "posts_tagprofile" in q["sql"]] == [
        next(q["sql"] for q in queries if 'FROM "taggit_tag"' in q["sql"])
    ]  # read with the tag, in its one query
    assert '<p class="tag-description">Quizzes, marking and feedback: how schools check' in page
    assert "&lt;b&gt;well&lt;/b&gt;" in page  # plain text, escaped
    description = re.search(r'<meta name="description" content="([^"]*)">', page)[1]
    assert description.startswith("Quizzes, marking") and len(unescape(description)) == 160
    assert "<description>Quizzes, marking" in client.get(f"/tags/{tag.slug}/feed/").content.decode()

    # Too long: refused with the words kept.
    client.force_login(make_user("editor2", groups=[EDITORS]))
    response = client.post(
        f"/admin/taggit/tag/{tag.pk}/change/", {"name": "Assessment", "slug": tag.slug, "description": "x" * 301}
    )
    assert response.status_code == 200 and "at most 300 characters" in response.content.decode()
    assert TagProfile.objects.get(tag=tag).description == stored


def test_a_tag_without_a_description_keeps_the_plain_page(client):
    make_post(tags=["Timetables"])
    page = client.get("/tags/timetables/").content.decode()
    assert "tag-description" not in page
    assert '<meta name="description" content="Articles about Timetables on the' in page


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_an_author_opening_another_authors_post_or_profile_is_told_why_it_does_not_open(client, writer, view):
    """Found by QA: "Post with ID “3” doesn’t exist. Perhaps it was
    deleted?", on the admin's home page, for a post that exists."""
    others = make_post(author=make_author(slug="someone-else"))
    response = client.get(f"/admin/posts/post/{others.pk}/{view}/", follow=True)
    assert response.redirect_chain == [("/admin/posts/post/", 302)]
    said = unescape(response.content.decode())
    assert f"There is no post with ID “{others.pk}” that you can open: it may be another author's" in said

    if view == "delete":  # no author deletes a profile, their own neither: a 403
        assert client.get(f"/admin/authors/author/{others.author.pk}/delete/").status_code == 403
        return
    response = client.get(f"/admin/authors/author/{others.author.pk}/{view}/", follow=True)
    assert response.redirect_chain == [("/admin/authors/author/", 302)]
    assert "it may be another author's profile (authors open their own)" in unescape(response.content.decode())
