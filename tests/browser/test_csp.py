"""The Content-Security-Policy is enforced and nothing on our pages breaks it."""

from playwright.sync_api import Page, expect

from authors.roles import AUTHORS
from tests.factories import make_post, make_user

POST_PATH = "/posts/django-vs-flask-vs-fastapi/"
# Collect violations from inside the page (devtools-injected, not subject to CSP).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp")


def test_public_pages_run_without_csp_violations(page: Page, live_site, seed_post):
    page.add_init_script(LISTEN)
    for path in ["/", POST_PATH, "/tags/django/", "/authors/skolr/"]:
        response = page.goto(live_site.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    # The comment script (an external file) works under the policy.
    page.goto(live_site.url + POST_PATH)
    expect(page.locator("form.comment-form")).to_be_visible()


def test_injected_inline_script_is_blocked(page: Page, live_site, seed_post):
    """A script that somehow reached the page would not run."""
    page.add_init_script(LISTEN)
    page.goto(live_site.url + POST_PATH)
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in violations(page))


def test_admin_change_form_with_the_editor_has_no_violations(page: Page, live_site, seed_post):
    user = make_user("writer", groups=[AUTHORS], password="a long test password")
    seed_post.author.user = user
    seed_post.author.save()
    page.add_init_script(LISTEN)
    page.goto(live_site.url + "/admin/login/")
    page.fill("#id_username", "writer")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    page.goto(live_site.url + f"/admin/posts/post/{seed_post.pk}/change/")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".prose-editor, .ProseMirror").first).to_be_visible()
    assert violations(page) == []
    page.goto(live_site.url + "/admin/posts/post/add/")
    page.locator("#id_title").press_sequentially("A new post title")
    expect(page.locator("#id_slug")).to_have_value("a-new-post-title")  # prepopulate JS ran
    assert violations(page) == []


def test_the_admins_home_page_and_the_trash_have_no_violations(page: Page, live_site, seed_post):
    """The admin's home page (its stylesheet) and the trash's pages: the move's
    confirmation (whose cancel link is Django's script), the read-only form."""
    user = make_user("writer", groups=[AUTHORS], password="a long test password")
    seed_post.author.user = user
    seed_post.author.save()
    make_post(author=seed_post.author, title="Everything we learned from review queues", status="review")
    page.add_init_script(LISTEN)
    page.goto(live_site.url + "/admin/login/")
    page.fill("#id_username", "writer")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".work-module").first).to_contain_text("Your drafts")
    width = page.locator(".work-module table").first.evaluate("e => e.getBoundingClientRect().width")
    assert width == page.locator(".app-posts table").evaluate("e => e.getBoundingClientRect().width")
    assert violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: the title is not squeezed
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    title = page.locator(".work-module th a").first.bounding_box()
    assert title["width"] > 100, title
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(live_site.url + f"/admin/posts/post/{seed_post.pk}/delete/")
    expect(page.get_by_role("button", name="Yes, move it to the trash")).to_be_visible()
    assert "nonce=" not in page.locator("body").inner_text()
    page.get_by_role("button", name="No, take me back").click()  # Django's cancel script: the page before
    expect(page).to_have_url(live_site.url + "/admin/")
    page.goto(live_site.url + f"/admin/posts/post/{seed_post.pk}/delete/")
    page.get_by_role("button", name="Yes, move it to the trash").click()
    page.goto(live_site.url + f"/admin/posts/post/{seed_post.pk}/change/")
    expect(page.locator(".trash-notice")).to_contain_text("This post is in the trash")
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
