"""The comment section: stored at once, held for a moderator, then shown."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django_comments import get_form
from django_comments_xtd.models import XtdComment

from authors.roles import AUTHORS, MODERATORS
from posts import moderation
from posts.comment_models import ReaderFlag
from tests.factories import comment_form_fields, make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


def comment_data(post, **fields):
    """What the comment form on the post page submits."""
    data = get_form()(post).initial.copy() | {"reply_to": 0}
    data |= {"name": "Asha", "email": "asha@example.com", "url": "", "comment": "Which one for a school ERP?"}
    return data | fields


def test_reader_comment_is_stored_at_once_and_awaits_moderation(client, seed):
    response = client.post("/comments/post/", comment_data(seed), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(seed.get_absolute_url() + "?comment=")
    page = response.content.decode()
    assert "Your comment is held for review." in page
    assert "<p>Which one for a school ERP?</p>" in page  # what they wrote, on the same page
    assert "private" in response["Cache-Control"]
    comment = XtdComment.objects.get()
    assert (comment.user_name, comment.user_email, comment.comment) == (
        "Asha",
        "asha@example.com",
        "Which one for a school ERP?",
    )
    assert comment.is_public is False
    page = client.get(seed.get_absolute_url()).content.decode()
    assert "Which one for a school ERP?" not in page
    assert "0 comments" in page


def test_the_page_a_comment_leads_to_says_what_a_moderator_decided(client, seed):
    """Found by QA: reloaded after a moderator rejected the comment, the
    page it led to still said "Your comment is held for review. A moderator
    will read it soon". Marked as spam, it still says held: spammers are not
    told (test_policy.test_spam_is_kept_marked_and_hidden)."""
    posted = client.post("/comments/post/", comment_data(seed))["Location"]
    comment = XtdComment.objects.get()
    moderator = Client()
    moderator.force_login(make_user("mod", groups=[MODERATORS]))

    def decide(action):
        moderator.post("/admin/django_comments_xtd/xtdcomment/", {"action": action, "_selected_action": [comment.pk]})
        return client.get(posted).content.decode()

    rejected = decide("reject_comments")
    assert "Your comment was not published." in rejected and "held for review" not in rejected
    assert "<p>Which one for a school ERP?</p>" in rejected  # what they wrote, to keep
    assert "Your comment is held for review." in decide("mark_spam")
    assert "Your comment is published." in decide("approve_comments")


def test_moderator_approves_from_the_admin_and_comment_appears(client, seed):
    client.post("/comments/post/", comment_data(seed))
    comment = XtdComment.objects.get()
    client.force_login(make_user("mod", groups=[MODERATORS]))

    queue = client.get("/admin/django_comments_xtd/xtdcomment/")
    assert queue.status_code == 200 and "Asha" in queue.content.decode()
    response = client.post(
        "/admin/django_comments_xtd/xtdcomment/",
        {"action": "approve_comments", "_selected_action": [comment.pk]},
        follow=True,
    )
    assert response.status_code == 200

    client.logout()
    page = client.get(seed.get_absolute_url()).content.decode()
    assert "Which one for a school ERP?" in page
    assert f'id="c{comment.pk}"' in page
    assert "1 comment<" in page
    assert "1 comment</a>" in client.get("/").content.decode()


def test_comments_are_refused_where_comments_are_off(client):
    post = make_post(allow_comments=False)
    make_comment(post, comment="An earlier comment stays visible.")

    response = client.post("/comments/post/", comment_data(post))

    assert response.status_code == 403
    assert "Comments on this article are closed." in response.content.decode()
    assert "Which one for a school ERP?" in response.content.decode()
    assert XtdComment.objects.count() == 1
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Comments are closed." in page
    assert 'class="comment-form"' not in page
    assert "An earlier comment stays visible." in page


def test_comments_on_unpublished_posts_are_refused(client):
    post = make_post(status="draft")
    response = client.post("/comments/post/", comment_data(post))
    assert response.status_code == 400
    assert not XtdComment.objects.exists()


def test_rejected_comment_keeps_what_the_reader_typed(client, seed):
    response = client.post("/comments/post/", comment_data(seed, email="not-an-email", name=""))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the fields marked below" in page
    assert "Which one for a school ERP?" in page  # the text is kept
    assert 'class="field-error"' in page
    assert not XtdComment.objects.exists()


def test_a_rejected_comment_shows_the_whole_article_again(client, seed):
    """The page a rejected comment returns to is the article as readers know it."""
    from posts.models import ChangeNote

    ChangeNote.objects.create(post=seed, note="Added the 2026 figures")
    make_comment(seed, comment="An earlier comment")
    response = client.post("/comments/post/", comment_data(seed, email="not-an-email"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Added the 2026 figures" in page
    assert "An earlier comment" in page and "1 comment" in page
    assert page.count('rel="tag"') == seed.tags.count()


def test_threaded_replies_render_nested_three_levels(client):
    post = make_post()
    root = make_comment(post, comment="Root comment")
    reply = make_comment(post, parent=root, comment="First reply")
    make_comment(post, parent=reply, comment="Reply to the reply")
    make_comment(post, parent=root, comment="Hidden reply", is_public=False)

    page = client.get(post.get_absolute_url()).content.decode()

    assert page.index("Root comment") < page.index("First reply") < page.index("Reply to the reply")
    assert "Hidden reply" not in page
    assert "3 comments" in page
    # Replies are offered down to the third level only.
    assert f'href="/comments/reply/{root.pk}/"' in page
    assert f'href="/comments/reply/{reply.pk}/"' in page
    deepest = XtdComment.objects.get(comment="Reply to the reply")
    assert f'href="/comments/reply/{deepest.pk}/"' not in page


def test_reply_page_works_without_javascript(client, settings):
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 2}
    post = make_post()
    make_comment(post)
    make_comment(post)
    root = make_comment(post, comment="Root comment")
    page = client.get(f"/comments/reply/{root.pk}/").content.decode()
    assert "Reply to" in page and "Root comment" in page
    assert f'name="reply_to" value="{root.pk}"' in page
    # Its link back leads to the page of comments that shows it.
    assert f'href="{post.get_absolute_url()}?cpage=2#c{root.pk}"' in page


def test_a_refused_reply_says_what_it_answers(client, seed):
    parent = make_comment(seed, user_name="Grace", comment="Which one first?")
    response = client.post("/comments/post/", comment_data(seed, reply_to=parent.pk, email="not-an-email"))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'Replying to <a href="#c{parent.pk}">Grace</a>’s comment.' in page
    assert f'name="reply_to" value="{parent.pk}"' in page
    assert 'action="/comments/post/#comment-status"' in page


@pytest.mark.parametrize(("fields", "status"), [({"email": "not-an-email"}, 400), ({"preview": "1"}, 200)])
def test_a_refused_or_previewed_reply_shows_the_page_of_comments_that_holds_its_parent(
    client, seed, settings, fields, status
):
    """Found by QA: the article came back with page 1 of the comments, so
    "Replying to" linked to a comment not on the page and the form could
    not move under it."""
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 2}
    make_comment(seed)
    make_comment(seed)
    parent = make_comment(seed, user_name="Grace", comment="Second page question")
    typed = comment_data(seed, reply_to=parent.pk, comment="My *answer*", name="Ravi", url="https://ravi.example")

    response = client.post("/comments/post/", typed | fields)

    assert response.status_code == status
    page = response.content.decode()
    assert "Comments page 2 of 2" in page
    # The page links lead to the article: relative ones led to /comments/post/ (a 405).
    assert f'<a href="{seed.get_absolute_url()}#comments" rel="prev">← Earlier comments</a>' in page
    assert f'<li class="comment" id="c{parent.pk}">' in page and "Second page question" in page
    assert f'Replying to <a href="#c{parent.pk}">Grace</a>’s comment.' in page
    assert f'name="reply_to" value="{parent.pk}"' in page
    assert ">\nMy *answer*</textarea>" in page
    assert 'value="Ravi"' in page and 'value="https://ravi.example"' in page
    assert not XtdComment.objects.filter(comment="My *answer*").exists()


def test_a_reply_to_a_comment_taken_down_meanwhile_can_be_posted_as_a_new_comment(client, seed):
    parent = make_comment(seed, comment="Soon rejected")
    moderation.decide(parent, "rejected")
    response = client.post("/comments/post/", comment_data(seed, reply_to=parent.pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert "can no longer be answered" in page and "Which one for a school ERP?" in page
    assert 'name="reply_to" value="0"' in page and "Replying to" not in page

    cache.clear()  # the same reader again, past the 15-second slot
    again = comment_data(seed, reply_to=0)
    assert client.post("/comments/post/", again).status_code == 302
    comment = XtdComment.objects.get(comment="Which one for a school ERP?")
    assert comment.parent_id == comment.pk


def test_a_reply_approved_before_the_comment_it_answers_says_so_truly(client):
    """Found by QA: a moderator approving a reply whose parent still waits
    showed readers "In reply to a comment that is no longer shown", of a
    comment they had never been shown."""
    post = make_post()
    parent = make_comment(post, is_public=False, comment="Still waiting")
    make_comment(post, parent=parent, comment="Approved first")

    page = client.get(post.get_absolute_url()).content.decode()
    assert "Still waiting" not in page and "Approved first" in page
    assert "In reply to a comment that is not shown" in page and "no longer" not in page


def test_a_public_reply_to_a_comment_taken_down_is_shown_and_counted(client, settings):
    """The heading's count and the pages are of public comments: all of
    them are shown, a reply whose parent was rejected where its parent was."""
    post = make_post()
    parent = make_comment(post, comment="Taken down later")
    reply = make_comment(post, parent=parent, comment="A useful answer")
    make_comment(post, parent=reply, comment="Thanks for the answer")
    moderation.decide(parent, "rejected")  # as the admin's "Reject" does: the replies stay public

    page = client.get(post.get_absolute_url()).content.decode()
    assert "2 comments" in page
    assert "Taken down later" not in page
    assert "In reply to a comment that is not shown" in page
    assert page.index("A useful answer") < page.index("Thanks for the answer")
    assert f'href="/comments/reply/{reply.pk}/"' in page


def test_comment_text_is_escaped(client):
    post = make_post()
    make_comment(post, comment="<script>alert('x')</script>", user_name="<b>Mallory</b>")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "<b>Mallory</b>" not in page
    assert "&lt;script&gt;" in page


def test_staff_who_can_moderate_publish_directly(client, seed):
    moderator = make_user("mod", groups=[MODERATORS], email="mod@example.com")
    client.force_login(moderator)
    client.post("/comments/post/", comment_data(seed, name="Mod", email="mod@example.com"))
    assert XtdComment.objects.get().is_public is True


def test_authors_cannot_moderate_and_moderators_cannot_edit_posts(client, seed):
    author = make_user("writer", groups=[AUTHORS])
    client.force_login(author)
    assert client.get("/admin/django_comments_xtd/xtdcomment/").status_code == 403

    moderator = make_user("mod", groups=[MODERATORS])
    client.force_login(moderator)
    assert client.get(f"/admin/posts/post/{seed.pk}/change/").status_code == 403
    assert not moderator.has_perm("posts.change_post")


def test_groups_have_the_permissions_their_names_say():
    author = make_user("writer", groups=[AUTHORS])
    moderator = make_user("mod", groups=[MODERATORS])
    assert author.has_perms(["posts.add_post", "posts.change_post", "authors.change_author"])
    assert not author.has_perm("django_comments.can_moderate")
    assert moderator.has_perms(["django_comments.can_moderate", "django_comments_xtd.change_xtdcomment"])
    assert (
        Permission.objects.filter(group__name=MODERATORS, codename__contains="post")
        .exclude(content_type__app_label="django_comments")
        .count()
        == 0
    )


def test_reply_page_does_not_reveal_comments_awaiting_moderation(client):
    post = make_post()
    pending = make_comment(post, comment="Secret pending text", is_public=False)
    response = client.get(f"/comments/reply/{pending.pk}/")
    assert response.status_code == 404
    assert "Secret pending text" not in response.content.decode()


def test_reply_page_is_404_on_closed_posts_and_at_the_deepest_level(client):
    closed = make_post(allow_comments=False)
    assert client.get(f"/comments/reply/{make_comment(closed).pk}/").status_code == 404
    post = make_post()
    root = make_comment(post)
    deepest = make_comment(post, parent=make_comment(post, parent=root))
    assert client.get(f"/comments/reply/{deepest.pk}/").status_code == 404


def test_anonymous_article_page_carries_no_per_reader_token(client, seed):
    response = client.get(seed.get_absolute_url())
    page = response.content.decode()
    assert "csrfmiddlewaretoken" not in page
    assert "csrftoken" not in response.cookies


def test_anonymous_comment_needs_no_csrf_token(seed):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/comments/post/", comment_data(seed))
    assert response.status_code == 302
    assert XtdComment.objects.count() == 1


def test_signed_in_reader_is_protected_by_csrf(seed):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user("reader", staff=False, email="reader@example.com"))
    forged = strict.post("/comments/post/", comment_data(seed))
    assert forged.status_code == 403
    assert not XtdComment.objects.exists()
    page = strict.get(seed.get_absolute_url()).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = strict.post("/comments/post/", comment_data(seed) | {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert XtdComment.objects.get().user.username == "reader"


# What a browser says of a form sent from the blog's own page.
FROM_THE_PAGE = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}


def opened_signed_out_then_signed_in(post) -> tuple[Client, str]:
    """A reader's browser with the article as a signed-out reader gets it
    (the shared copy, without a CSRF token), then signed in in another tab."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(post.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" not in page
    browser.get("/admin/login/")  # sets the CSRF cookie, as a browser's visit does
    browser.force_login(make_user("reader", staff=False, email="reader@example.com", first_name="Rosa"))
    return browser, page


def test_a_reader_who_signed_in_after_opening_the_article_keeps_their_comment(seed):
    """Found by QA: their comment was refused with Django's bare "CSRF token
    missing" page, and the text was lost. It is refused still (no token),
    with the article again: a message, the text, and a form with their token."""
    browser, page = opened_signed_out_then_signed_in(seed)
    text = "A long and thoughtful comment that took twenty minutes to write."
    data = comment_form_fields(page) | {"name": "Reader", "email": "reader@example.com", "url": "", "comment": text}

    refused = browser.post("/comments/post/", data, **FROM_THE_PAGE)
    assert refused.status_code == 403 and "private" in refused["Cache-Control"]
    again = refused.content.decode()
    assert "You signed in after opening this page, so your comment was not posted." in again
    assert "to be posted as Rosa" in again
    assert f"{text}</textarea>" in again
    assert not XtdComment.objects.exists()

    form = comment_form_fields(again)
    assert form["csrfmiddlewaretoken"]
    posted = browser.post("/comments/post/", form | {"comment": text}, follow=True, **FROM_THE_PAGE)
    assert "Your comment is" in posted.content.decode()
    comment = XtdComment.objects.get()
    assert (comment.user.username, comment.comment) == ("reader", text)


def test_a_reader_who_signed_in_after_opening_the_article_is_told_their_report_was_not_sent(seed):
    """The Report button of the page opened signed out has no token either:
    not counted, but a page that says so, with the comment and a button."""
    comment = make_comment(seed, comment="Buy cheap watches")
    browser, _ = opened_signed_out_then_signed_in(seed)

    refused = browser.post(f"/comments/flag/{comment.pk}/", **FROM_THE_PAGE)
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "You signed in after opening the article, so your report" in page
    assert "Buy cheap watches" in page
    assert not ReaderFlag.objects.exists()

    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    reported = browser.post(f"/comments/flag/{comment.pk}/", {"csrfmiddlewaretoken": token}, **FROM_THE_PAGE)
    assert reported.status_code == 302
    assert ReaderFlag.objects.filter(comment=comment).count() == 1


def test_long_discussions_are_paginated_and_stay_light(client, settings):
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 50}
    post = make_post()
    roots = [make_comment(post, comment=f"Root number {n:03d}") for n in range(60)]
    make_comment(post, parent=roots[0], comment="Reply on the first page")
    first = client.get(post.get_absolute_url()).content.decode()
    assert "61 comments" in first
    assert "Root number 000" in first and "Reply on the first page" in first
    assert "Root number 049" not in first  # the reply took a place on page 1
    assert "Comments page 1 of 2" in first and f'href="{post.get_absolute_url()}?cpage=2#comments"' in first
    second = client.get(post.get_absolute_url() + "?cpage=2").content.decode()
    assert "Root number 049" in second and "Root number 059" in second and "Root number 000" not in second
    # A superscript two is a digit to str.isdigit() but not to int(); a page
    # number too large for an OFFSET must not reach the database.
    for bad in ["0", "3", "abc", "-1", "1.5", "%C2%B2", "99999999999999999999999", "1000000"]:
        assert client.get(post.get_absolute_url() + f"?cpage={bad}").status_code == 404, bad


def test_pages_of_comments_follow_the_threads_among_other_posts_comments(client, settings):
    """Each page shows the next comments of this post's threads, in thread
    order, whatever the ids of the comments around them: replies written
    long after their thread began, other posts' discussions in between,
    hidden and removed comments left out."""
    import re

    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 4}
    post, other = make_post(), make_post()
    roots = []
    for n in range(4):
        make_comment(other, comment=f"Elsewhere {n}")
        roots.append(make_comment(post, comment=f"Thread {n}"))
    late = [make_comment(post, parent=roots[n], comment=f"Late reply to thread {n}") for n in (2, 0)]
    make_comment(other, parent=XtdComment.objects.filter(object_pk=str(other.pk)).first(), comment="Elsewhere reply")
    deep = make_comment(post, parent=late[1], comment="Reply to the late reply")
    make_comment(post, comment="Held back", is_public=False)
    make_comment(post, parent=roots[1], comment="Removed", is_removed=True)
    expected = [roots[0], late[1], deep, roots[1], roots[2], late[0], roots[3]]

    shown = []
    for page in (1, 2):
        html = client.get(post.get_absolute_url() + (f"?cpage={page}" if page > 1 else "")).content.decode()
        assert f"Comments page {page} of 2" in html
        shown.append([int(pk) for pk in re.findall(r'id="c(\d+)"', html)])
    assert shown == [[c.pk for c in expected[:4]], [c.pk for c in expected[4:]]]
    assert client.get(post.get_absolute_url() + "?cpage=3").status_code == 404


def test_a_link_to_a_comment_finds_its_page(client, settings):
    from posts.comments import comment_link

    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 10}
    post = make_post()
    comments = [make_comment(post) for _ in range(25)]
    assert comment_link(post, comments[0]) == f"{post.get_absolute_url()}#c{comments[0].pk}"
    assert comment_link(post, comments[24]) == f"{post.get_absolute_url()}?cpage=3#c{comments[24].pk}"
    page = client.get(post.get_absolute_url() + "?cpage=3").content.decode()
    assert f'id="c{comments[24].pk}"' in page


def test_a_reply_continuing_from_the_previous_page_is_marked(client, settings):
    settings.BLOG = settings.BLOG | {"COMMENTS_PER_PAGE": 2}
    post = make_post()
    root = make_comment(post, comment="Opening")
    first = make_comment(post, parent=root, comment="First reply")
    make_comment(post, parent=first, comment="Deep reply")
    page = client.get(post.get_absolute_url() + "?cpage=2").content.decode()
    assert "Deep reply" in page and "Continuing a thread from the previous page" in page


def test_two_thousand_comments_make_a_light_page(client, django_assert_max_num_queries):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    post = make_post()
    ct = ContentType.objects.get_for_model(post)
    for n in range(2000):  # multi-table inheritance: no bulk_create
        XtdComment(
            content_type=ct, object_pk=str(post.pk), site_id=1, user_name=f"Reader {n}",
            user_email=f"r{n}@example.com", comment=f"Comment {n} " + "words " * 20,
            submit_date=timezone.now(), is_public=True,
        ).save()  # fmt: skip
    with django_assert_max_num_queries(8):
        response = client.get(post.get_absolute_url())
    assert "2000 comments" in response.content.decode()
    assert len(response.content) < 100_000


def test_deleting_a_post_deletes_its_comments_and_says_so_first(client, settings):
    from django.contrib.auth.models import Permission

    from posts.models import CommentReview, Post

    post, other = make_post(), make_post()
    kept = make_comment(other, comment="On another post")
    comments = [make_comment(post, user_email="reader@example.com"), make_comment(post, is_public=False)]
    CommentReview.objects.create(comment=comments[1], status="pending")
    editor = make_user("chief", staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["delete_post", "change_post", "view_post"]))
    editor.user_permissions.add(Permission.objects.get(codename="edit_all_posts"))
    client.force_login(editor)

    # "Delete" moves the post to the trash first (posts.trash), comments kept;
    # deleted from there, it is gone for good.
    assert client.post(f"/admin/posts/post/{post.pk}/delete/").status_code == 302
    assert XtdComment.objects.count() == 3 and Post.objects.get(pk=post.pk).in_trash
    page = client.get(f"/admin/posts/post/{post.pk}/delete/").content.decode()
    assert "Its 2 comments, with the commenters’ names, emails and addresses, will be deleted too." in page
    assert client.post(f"/admin/posts/post/{post.pk}/delete/", {"post": "yes"}).status_code == 302

    assert not Post.objects.filter(pk=post.pk).exists()
    assert list(XtdComment.objects.all()) == [kept]
    assert not CommentReview.objects.exists()


LINKING_COMMENT = (
    "The docs: https://docs.djangoproject.com/en/6.1/topics/http/views/. "
    "Also www.example.org, my views.py and me@example.com.\n\n"
    "<script>alert(1)</script> javascript:alert(2) "
    "https://example.com/a/very/long/address/that/goes/on/and/on/for/a/phone/screen/to/overflow"
)


def test_links_in_a_comment_are_clickable_marked_as_readers_and_nothing_else_is(client):
    post = make_post()
    comment = make_comment(post, comment=LINKING_COMMENT)

    for url in (post.get_absolute_url(), f"/comments/reply/{comment.pk}/"):
        page = client.get(url).content.decode()
        assert (
            '<a href="https://docs.djangoproject.com/en/6.1/topics/http/views/" rel="nofollow ugc noopener">'
            "https://docs.djangoproject.com/en/6.1/topics/http/views/</a>. "
        ) in page, url  # the sentence's full stop stays out of the link
        assert '<a href="https://www.example.org" rel="nofollow ugc noopener">www.example.org</a>,' in page
        assert "my views.py and me@example.com.</p>" in page  # neither a file nor an email is a link
        assert "&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(2)" in page
        assert 'href="javascript' not in page
        long_link = re.search(r'<a href="https://example.com/a/very[^"]*"[^>]*>([^<]*)</a>', page)
        assert long_link[0].startswith(
            '<a href="https://example.com/a/very/long/address/that/goes/on/and/on/for/a/phone/screen/to/overflow"'
        )
        assert len(long_link[1]) == 60 and long_link[1].endswith("…")  # shortened on the page only


def test_a_comment_for_an_article_taken_down_while_it_was_written_is_handed_back(client, seed):
    """Found by QA: the refusal page lost what the reader typed, and its
    advice (reload the article) led to a 404."""
    from posts import trash

    data = comment_data(seed, comment="A long thought about <b>Django</b>\nover two lines.")
    trash.move_to_trash(seed)
    response = client.post("/comments/post/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "the article may have been taken down or closed to comments" in page
    assert (
        '<textarea id="kept-comment" rows="6" readonly>A long thought about &lt;b&gt;Django&lt;/b&gt;\nover two lines.'
        in page
    )
    assert not XtdComment.objects.exists()
