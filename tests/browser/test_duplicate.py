"""*Duplicate as a new draft* in a real browser: the button beside History
posts its own small form (CSRF token and all) and opens the copy's form.
(tests/posts/test_duplicate.py has the rest.)"""

from playwright.sync_api import Page, expect

from authors.roles import AUTHORS
from posts.models import Post
from tests.browser.test_admin_widths import sign_in
from tests.factories import make_author, make_post, make_user


def test_the_button_opens_the_new_drafts_form(page: Page, live_site):
    user = make_user("copier", groups=[AUTHORS])
    post = make_post(author=make_author(user=user), title="Part one", slug="part-one", status="draft")
    sign_in(page, live_site, user)
    page.goto(f"{live_site.url}/admin/posts/post/{post.pk}/change/")
    page.wait_for_load_state("load")

    page.get_by_role("button", name="Duplicate as a new draft").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messagelist")).to_contain_text("“Part one” was duplicated: this is the copy, a draft.")
    expect(page.locator("#id_title")).to_have_value("Part one (copy)")
    expect(page.locator("#id_slug")).to_have_value("part-one-copy")
    copy = Post.objects.get(slug="part-one-copy")
    assert page.url.endswith(f"/admin/posts/post/{copy.pk}/change/") and copy.body == post.body
