"""The moderators' lists in the admin: blocked domains, trusted commenters
and the moderation queue."""

import re

import pytest
from django.test import Client
from django_comments_xtd.models import BlackListedDomain

from authors.roles import MODERATORS
from posts.models import CommentReview, Post, TrustedCommenter
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(client):
    user = make_user("mod", groups=[MODERATORS])
    client.force_login(user)
    return user


class TestBlockedDomains:
    URL = "/admin/django_comments_xtd/blacklisteddomain/add/"

    @pytest.mark.parametrize(
        "entered",
        ["Spam.Example", "http://spam.example/buy-now", "https://www.SPAM.example:8443/", "seller@Spam.Example"],
    )
    def test_an_entry_is_stored_as_the_domain_it_names(self, client, moderator, entered):
        assert client.post(self.URL, {"domain": entered}).status_code == 302
        assert list(BlackListedDomain.objects.values_list("domain", flat=True)) == ["spam.example"]

    def test_a_duplicate_in_another_case_is_refused(self, client, moderator):
        BlackListedDomain.objects.create(domain="spam.example")
        response = client.post(self.URL, {"domain": "SPAM.example"})
        assert response.status_code == 200
        assert "“spam.example” is blocked already." in response.content.decode()
        assert BlackListedDomain.objects.count() == 1

    @pytest.mark.parametrize("entered", ["not a domain", "http:///path-only", "spam..example"])
    def test_an_entry_naming_no_domain_is_refused(self, client, moderator, entered):
        response = client.post(self.URL, {"domain": entered})
        assert response.status_code == 200
        assert "names no domain: enter one like spam.example." in response.content.decode()
        assert not BlackListedDomain.objects.exists()


def test_trusting_a_trusted_email_again_in_capitals_says_so(client, moderator):
    TrustedCommenter.objects.create(email="new@example.com")
    response = client.post("/admin/posts/trustedcommenter/add/", {"email": "NEW@Example.com"})
    assert response.status_code == 200
    assert "“new@example.com” is trusted already." in response.content.decode()
    assert TrustedCommenter.objects.count() == 1

    assert client.post("/admin/posts/trustedcommenter/add/", {"email": "Other@Example.com"}).status_code == 302
    assert TrustedCommenter.objects.filter(email="other@example.com", trusted_by=moderator).exists()


def test_moderation_queue_counts_in_words(client, moderator):
    post = make_post()
    for reasons in [",first_time,", ",first_time,", ",links,"]:
        comment = make_comment(post, is_public=False)
        CommentReview.objects.create(comment=comment, status="pending", reasons=reasons)

    page = client.get("/admin/posts/pendingcomment/").content.decode()
    assert "3 comments awaiting moderation" in page
    assert "3 moderation queue" not in page
    assert "Show all" not in page  # nothing is hidden

    filtered = client.get("/admin/posts/pendingcomment/?reason=links").content.decode()
    assert "1 comment awaiting moderation" in filtered
    assert "1 result (" in filtered and "Show all" in filtered


def test_the_article_filter_names_no_post_without_comments(client, moderator):
    """Moderators see nothing of posts: choosing a draft's id in the article
    filter must not show its title. A commented article chosen is named."""
    draft = make_post(title="Secret merger draft", status=Post.Status.DRAFT, published_at=None)
    commented = make_post(title="Commented article")
    make_comment(commented)
    for url in ["/admin/django_comments_xtd/xtdcomment/", "/admin/posts/pendingcomment/"]:
        page = client.get(f"{url}?post={draft.pk}").content.decode()
        assert "Secret merger draft" not in page, url
    chosen = client.get(f"/admin/django_comments_xtd/xtdcomment/?post={commented.pk}").content.decode()
    assert "Commented article" in chosen


def test_a_comment_that_left_the_queue_opens_among_all_comments(client, moderator):
    """Found by QA: approving from the queue's page with "Save and continue
    editing", or sending its form twice, said "There is no comment awaiting
    moderation with ID … that you can open: it may have been deleted"."""
    comment = make_comment(make_post(), is_public=False, comment="Held remark")
    CommentReview.objects.create(comment=comment, status="pending", reasons=",first_time,")
    queue_page = f"/admin/posts/pendingcomment/{comment.pk}/change/"
    its_page = f"/admin/django_comments_xtd/xtdcomment/{comment.pk}/change/"
    approve = {"decision": "approved", "comment": "Held remark, typo fixed"}

    response = client.post(queue_page, approve | {"_continue": "Save and continue editing"}, follow=True)
    assert response.redirect_chain[-1] == (its_page, 302)
    said = [str(message) for message in response.context["messages"]]
    assert said[-1] == "This comment is no longer awaiting moderation: it was approved."
    assert not any("deleted" in message for message in said)
    assert "Held remark, typo fixed" in response.content.decode()

    response = client.post(queue_page, approve, follow=True)  # the form sent again
    assert response.redirect_chain[-1] == (its_page, 302)
    assert [str(message) for message in response.context["messages"]] == [
        "This comment is no longer awaiting moderation: it was approved."
    ]
    assert CommentReview.objects.get(comment=comment).status == "approved"

    CommentReview.objects.filter(comment=comment).update(status="spam")  # another moderator's decision
    response = client.get(queue_page, follow=True)
    assert response.redirect_chain[-1] == (its_page, 302)
    assert "it was marked as spam." in str(list(response.context["messages"])[-1])

    missing = client.get(f"/admin/posts/pendingcomment/{comment.pk + 100}/change/", follow=True)
    assert missing.redirect_chain[-1] == ("/admin/posts/pendingcomment/", 302)


def test_the_admin_links_a_comment_to_where_readers_see_it(client, moderator, settings):
    """Found by QA: the article column linked "<article>#c<id>", and "View
    on site" led to the article, both its first page of comments: on a
    longer discussion the comment was on another page, and not found."""
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 3}
    post = make_post(title="A long discussion")
    *_, last = [make_comment(post, comment=f"Remark {n}") for n in range(7)]  # the last on page 3
    waiting = make_comment(post, is_public=False, comment="Waiting remark")
    CommentReview.objects.create(comment=waiting, status="pending")
    reader = Client()

    listed = client.get("/admin/django_comments_xtd/xtdcomment/").content.decode()
    row = listed.split(f'value="{last.pk}"', 1)[1].split("</tr>", 1)[0]
    link = re.search(r'<a href="([^"]+)">A long discussion</a>', row).group(1)
    form = client.get(f"/admin/django_comments_xtd/xtdcomment/{last.pk}/change/").content.decode()
    on_site = re.search(r'<a href="([^"]+)" class="viewsitelink"', form).group(1)
    for url in (link, on_site):
        shown = reader.get(url, follow=True)
        assert shown.redirect_chain, f"{url} leads to the page of comments that shows it"
        assert shown.redirect_chain[-1][0] == f"{post.get_absolute_url()}?cpage=3#c{last.pk}"
        assert f'id="c{last.pk}"' in shown.content.decode()

    waiting_row = listed.split(f'value="{waiting.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="{post.get_absolute_url()}">A long discussion</a>' in waiting_row


def test_the_admin_says_who_decided_each_comment_and_when(client, moderator, django_assert_max_num_queries):
    """Found by QA: a comment's status said what was decided, never by whom:
    a moderator could not tell who approved, rejected or marked a comment."""
    moderator.first_name, moderator.last_name = "Mo", "Derator"
    moderator.save()
    post = make_post()
    held = []
    for text in ["First held", "Second held", "Third held"]:
        comment = make_comment(post, is_public=False, comment=text)
        CommentReview.objects.create(comment=comment, status="pending", reasons=",first_time,")
        held.append(comment)
    by_policy = make_comment(post, comment="Published on posting")
    CommentReview.objects.create(comment=by_policy, status="approved")
    ids = [str(comment.pk) for comment in held[:2]]
    client.post("/admin/django_comments_xtd/xtdcomment/", {"action": "approve_comments", "_selected_action": ids})
    client.post(
        f"/admin/django_comments_xtd/xtdcomment/{held[2].pk}/change/", {"decision": "spam", "comment": "Third held"}
    )
    someone = make_user("someone", groups=[MODERATORS])
    by_someone = make_comment(post, is_public=False, comment="Fourth held")
    CommentReview.objects.create(comment=by_someone, status="pending")
    other = Client()
    other.force_login(someone)
    other.post(
        f"/admin/django_comments_xtd/xtdcomment/{by_someone.pk}/change/",
        {"decision": "rejected", "comment": "Fourth held"},
    )

    with django_assert_max_num_queries(9):  # as with comments no one decided (test_policy.py)
        listing = client.get("/admin/django_comments_xtd/xtdcomment/").content.decode()
    assert listing.count("Approved <small>by Mo Derator</small>") == 2
    assert listing.count("Spam <small>by Mo Derator</small>") == 1
    assert "Approved<br>" in listing  # the policy's: by no one

    def decided(comment) -> str:
        page = client.get(f"/admin/django_comments_xtd/xtdcomment/{comment.pk}/change/").content.decode()
        return re.search(r'field-decided.*?<div class="readonly">(.*?)</div>', page, re.S)[1]

    assert re.fullmatch(r"By Mo Derator, \d+ \w{3} \d{4}, \d\d:\d\d", decided(held[0]))
    assert decided(by_policy) == "The comment policy, on posting"
    assert decided(by_someone).startswith("By someone, ")
    history = client.get(f"/admin/django_comments_xtd/xtdcomment/{held[0].pk}/history/").content.decode()
    assert "Approved from the list." in history and "Mo Derator" in history
    someone.delete()
    assert decided(by_someone).startswith("By an account since deleted, ")
