"""Replying in place, flagging and the policy's messages, in a real browser."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django_comments_xtd.models import XtdComment
from playwright.sync_api import Page, expect

from authors.roles import AUTHORS
from posts.models import CommentReview, Post
from tests.factories import make_user

POST_PATH = "/posts/django-vs-flask-vs-fastapi/"


def add_public_comment(post: Post, text: str) -> XtdComment:
    comment = XtdComment.objects.create(
        content_type=ContentType.objects.get_for_model(Post),
        object_pk=str(post.pk),
        site_id=1,
        user_name="Grace",
        user_email="grace@example.com",
        comment=text,
        is_public=True,
    )
    CommentReview.objects.create(comment=comment, status="approved")
    return comment


def write_as_ada(form, comment: str, url: str = "") -> None:
    """Fill in the comment form; a bad ``url`` is sent past the browser's own
    check (noValidate), to see the server's message."""
    form.locator("#id_name").fill("Ada")
    form.locator("#id_email").fill("ada@example.com")
    form.locator("#id_comment").fill(comment)
    if url:
        form.locator("#id_url").fill(url)
        form.evaluate("f => f.noValidate = true")
    form.get_by_role("button", name="Post comment").click()


def test_reply_form_opens_under_the_comment_and_posts_a_threaded_reply(page: Page, live_site, seed_post):
    parent = add_public_comment(seed_post, "Django first, then FastAPI?")
    page.goto(live_site.url + POST_PATH)

    page.locator(f"#c{parent.pk}").get_by_role("link", name="Reply to Grace").click()

    form = page.locator(f"#c{parent.pk} form.comment-form")
    expect(form).to_be_visible()
    expect(page).to_have_url(live_site.url + POST_PATH)  # no page load: the form moved
    write_as_ada(form, "Yes, that order works well.")

    expect(page.locator("#comment-status")).to_contain_text("Your comment is held for review.")
    expect(page.locator("#comment-status")).to_contain_text("Yes, that order works well.")
    reply = XtdComment.objects.get(comment="Yes, that order works well.")
    assert (reply.parent_id, reply.level, reply.is_public) == (parent.pk, 1, False)


def test_cancel_reply_puts_the_form_back(page: Page, live_site, seed_post):
    parent = add_public_comment(seed_post, "A question")
    page.goto(live_site.url + POST_PATH)
    page.locator(f"#c{parent.pk}").get_by_role("link", name="Reply to Grace").click()
    page.get_by_role("button", name="Cancel reply").click()
    expect(page.locator(f"#c{parent.pk} form.comment-form")).to_have_count(0)
    assert page.locator('input[name="reply_to"]').input_value() == "0"


def test_rejected_comment_keeps_the_text_and_says_why(page: Page, live_site, seed_post):
    page.goto(live_site.url + POST_PATH)
    form = page.locator("form.comment-form")
    write_as_ada(form, "My carefully written comment.", url="not a url")

    expect(page.locator(".field-error")).to_contain_text("Enter a valid URL.")
    expect(page.locator("#id_comment")).to_have_value("My carefully written comment.")
    assert not XtdComment.objects.exists()
    # The reader is taken to the message, not to the top of the article.
    expect(page.locator("#comment-status")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0
    # The input names its error for screen readers.
    described = page.locator("#id_url").get_attribute("aria-describedby").split()
    assert "Enter a valid URL." in page.locator(f"#{described[-1]}").inner_text()


def test_a_refused_reply_stays_a_reply_under_its_comment(page: Page, live_site, seed_post):
    parent = add_public_comment(seed_post, "Which framework for a first job?")
    page.goto(live_site.url + POST_PATH)
    page.locator(f"#c{parent.pk}").get_by_role("link", name="Reply to Grace").click()
    form = page.locator(f"#c{parent.pk} form.comment-form")
    write_as_ada(form, "Django, for the jobs.", url="not a url")

    form = page.locator(f"#c{parent.pk} form.comment-form")  # the new page's form, back under the comment
    expect(form.locator(".field-error")).to_contain_text("Enter a valid URL.")
    expect(form.locator("#id_comment")).to_have_value("Django, for the jobs.")
    expect(form.get_by_role("button", name="Cancel reply")).to_be_visible()

    # Cancelled, it is posted as a comment of its own.
    form.get_by_role("button", name="Cancel reply").click()
    expect(page.locator(f"#c{parent.pk}").get_by_role("link", name="Reply to Grace")).to_be_focused()
    form = page.locator("form.comment-form")
    form.locator("#id_url").fill("")
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("Your comment is held for review.")
    posted = XtdComment.objects.get(comment="Django, for the jobs.")
    assert posted.parent_id == posted.pk


def test_reader_reports_a_comment(page: Page, live_site, seed_post):
    comment = add_public_comment(seed_post, "Something rude")
    page.goto(live_site.url + POST_PATH)
    page.locator(f"#c{comment.pk}").get_by_role("button", name="Report comment by Grace").click()
    expect(page.locator(f"#c{comment.pk}")).to_contain_text("Thank you: a moderator will look at this comment.")
    assert comment.reader_flags.count() == 1


def test_a_reader_who_signed_in_in_another_tab_posts_what_they_wrote(page: Page, live_site, seed_post):
    """Found by QA: the article opened signed out is the cached copy, without
    a CSRF token; signed in since in another tab, the reader's comment got
    Django's bare 403 page and was lost. It comes back, and posts at the second click."""
    make_user("rosa", groups=[AUTHORS], first_name="Rosa")
    page.goto(live_site.url + POST_PATH)
    form = page.locator("form.comment-form")
    form.locator("#id_name").fill("Rosa")
    form.locator("#id_email").fill("rosa@example.com")
    form.locator("#id_comment").fill("Written before signing in.")

    tab = page.context.new_page()
    tab.goto(live_site.url + "/admin/login/")
    tab.locator("#id_username").fill("rosa")
    tab.locator("#id_password").fill("correct horse battery")
    tab.get_by_role("button", name="Log in").click()
    expect(tab).to_have_url(live_site.url + "/admin/")
    tab.close()

    form.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("You signed in after opening this page")
    expect(page.locator("#id_comment")).to_have_value("Written before signing in.")
    assert not XtdComment.objects.exists()
    page.locator("form.comment-form").get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("Your comment is published.")
    assert XtdComment.objects.get().user.username == "rosa"


@pytest.mark.parametrize("width", [320])
def test_comment_form_fits_a_phone(page: Page, live_site, seed_post, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_site.url + POST_PATH + "#comments")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_reader_can_have_the_browser_remember_their_details(page: Page, live_site, seed_post):
    page.goto(live_site.url + POST_PATH)
    form = page.locator("form.comment-form")
    form.locator("#id_name").fill("Ada")
    form.locator("#id_email").fill("ada@example.com")
    form.locator("#id_comment").fill("First visit.")
    form.get_by_label("Remember my name, email and website in this browser").check()
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_contain_text("Your comment is held for review.")

    page.goto(live_site.url + POST_PATH)
    form = page.locator("form.comment-form")
    expect(form.locator("#id_name")).to_have_value("Ada")
    expect(form.locator("#id_email")).to_have_value("ada@example.com")

    # Unticked, they are forgotten.
    form.get_by_label("Remember my name, email and website in this browser").uncheck()
    form.locator("#id_comment").fill("Second visit.")
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-status")).to_be_visible()
    page.goto(live_site.url + POST_PATH)
    expect(page.locator("form.comment-form #id_name")).to_have_value("")


def test_a_previewed_reply_shows_coloured_code_under_its_comment_then_posts(page: Page, live_site, seed_post):
    parent = add_public_comment(seed_post, "How do I read a setting?")
    page.goto(live_site.url + POST_PATH)
    page.locator(f"#c{parent.pk}").get_by_role("link", name="Reply to Grace").click()
    form = page.locator(f"#c{parent.pk} form.comment-form")
    form.locator("#id_name").fill("Ada")
    form.locator("#id_email").fill("ada@example.com")
    form.locator("#id_comment").fill("Like this:\n\n```python\nfrom django.conf import settings\n```")

    form.get_by_role("button", name="Preview").click()

    # Back under the comment it answers, the preview above the text as typed.
    preview = page.locator(f"#c{parent.pk} .comment-preview")
    expect(preview).to_be_in_viewport()
    keyword = preview.locator("pre.code .kn").first
    expect(keyword).to_have_text("from")
    plain = preview.locator("pre.code .nn").first
    assert keyword.evaluate("e => getComputedStyle(e).color") != plain.evaluate("e => getComputedStyle(e).color")
    expect(form.locator("#id_comment")).to_have_value("Like this:\n\n```python\nfrom django.conf import settings\n```")
    assert XtdComment.objects.count() == 1  # only the comment answered: a preview stores nothing

    page.locator(f"#c{parent.pk} form.comment-form").get_by_role("button", name="Post comment").click()

    expect(page.locator("#comment-status")).to_contain_text("Your comment is held for review.")
    expect(page.locator("#comment-status pre.code .kn").first).to_have_text("from")
    reply = XtdComment.objects.exclude(pk=parent.pk).get()
    assert reply.parent_id == parent.pk and reply.comment.endswith("```")


def test_a_comment_as_long_as_the_textarea_takes_is_accepted(page: Page, live_site, seed_post, settings):
    """The textarea stops the reader at its maxlength, counting a line break
    as one character; the browser sends each as "\\r\\n". Found by QA: the
    server counted those as two and refused what the browser had let through."""
    limit = settings.COMMENT_MAX_LENGTH
    line = "Line of a poem that the reader pasted in."
    page.goto(live_site.url + POST_PATH)
    form = page.locator("form.comment-form")
    form.locator("#id_name").fill("Poet")
    form.locator("#id_email").fill("poet@example.com")
    form.locator("#id_comment").focus()
    page.keyboard.insert_text("\n".join([line] * 80))  # pasted: the browser keeps what fits

    kept = form.locator("#id_comment").input_value()
    assert len(kept) == limit and kept.count("\n") > 70  # as the browser counts
    assert form.evaluate("f => f.checkValidity()")
    form.get_by_role("button", name="Post comment").click()

    expect(page.locator("#comment-status")).to_contain_text("Your comment is held for review.")
    assert XtdComment.objects.get().comment == kept.rstrip()


def test_cancel_reply_gives_focus_back_to_the_reply_link(page: Page, live_site, seed_post):
    """With the keyboard: Reply, then Cancel reply. The cancel button goes
    with the form, and focus fell to the page itself (a keyboard or screen
    reader user was sent back to the top); it returns to the Reply link."""
    add_public_comment(seed_post, "First question")
    second = add_public_comment(seed_post, "Second question")
    page.goto(live_site.url + POST_PATH)
    reply = page.locator(f"#c{second.pk}").get_by_role("link", name="Reply to Grace")
    reply.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#c{second.pk} #id_comment")).to_be_focused()

    cancel = page.get_by_role("button", name="Cancel reply")
    cancel.focus()
    page.keyboard.press("Enter")

    expect(page.locator(f"#c{second.pk} form.comment-form")).to_have_count(0)
    expect(reply).to_be_focused()
    page.keyboard.press("Tab")  # on from where the reader was
    expect(page.locator(f"#c{second.pk}").get_by_role("button", name="Report comment by Grace")).to_be_focused()
