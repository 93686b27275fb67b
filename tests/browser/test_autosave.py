"""Never losing an author's words: the admin's forms keep a copy of what was
typed in the browser's localStorage (static/js/admin_autosave.js).

An author types in a post's title and body and the page goes away without a
save (a reload, a crash): opening the post again offers the copy, Restore
puts it back into the fields and the editor, Discard drops it. A successful
save drops the copy, a save refused because someone else saved first keeps
it, logging out drops every copy. All under the site's strict CSP, and
without errors where the browser has no storage for us.
"""

import json
import time

import pytest
from django.test import Client
from playwright.sync_api import Page, expect
from taggit.models import Tag

from authors.models import Author
from authors.roles import AUTHORS
from posts import trash
from posts.models import Page as SitePage
from posts.models import Post
from tests.factories import make_page, make_user

BODY = ".field-body .ProseMirror[contenteditable=true]"
PREFIX = "skolr-autosave:"
# Collect violations from inside the page (as tests/browser/test_csp.py does).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def author(live_site) -> Author:
    user = make_user("drafter", groups=[AUTHORS])
    return Author.objects.create(user=user, name="Drafter", slug="drafter", bio="Writes drafts.")


@pytest.fixture
def post(author) -> Post:
    return Post.objects.create(
        title="A draft to edit", slug="a-draft-to-edit", author=author, excerpt="Short.", body="<p>Start.</p>"
    )


def sign_in(page: Page, live_site, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_site.url}])


def copies(page: Page) -> dict:
    """The copies this browser keeps, by key."""
    return page.evaluate(
        """prefix => Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith(prefix))
            .map(k => [k, JSON.parse(localStorage.getItem(k))]))""",
        PREFIX,
    )


def key(page: Page, path: str) -> str:
    """The key of the signed-in account's copy of the form at ``path``."""
    return f"{PREFIX}{page.locator('meta[name=skolr-account]').get_attribute('content')}:{path}"


def wait_for_copy(page: Page, path: str, text: str) -> None:
    """The copy of ``path`` holds ``text`` (it is written a moment after typing)."""
    page.wait_for_function(
        "([key, text]) => (localStorage.getItem(key) || '').includes(text)", arg=[key(page, path), text]
    )


def open_form(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    expect(page.locator(BODY)).to_be_visible()


def type_title_and_body(page: Page, title: str, words: str) -> None:
    page.locator("#id_title").fill(title)
    page.locator(BODY).click()
    page.keyboard.press("End")
    page.keyboard.type(words)


def leave_without_saving(page: Page) -> None:
    """Reload, answering "Leave" when the leave warning asks."""
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.wait_for_load_state("load")


def test_typed_title_and_body_come_back_after_a_reload_and_a_save_then_drops_the_copy(page: Page, live_site, post):
    page.add_init_script(LISTEN)
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    assert copies(page) == {}  # nothing typed, nothing kept
    expect(page.locator("#autosave-banner")).to_have_count(0)

    type_title_and_body(page, "A better title", " An hour of writing.")
    wait_for_copy(page, path, "An hour of writing.")
    copy = copies(page)[key(page, path)]
    assert copy["fields"] == {"title": "A better title", "body": "<p>Start. An hour of writing.</p>"}
    assert copy["version"] == post.updated_at.isoformat()  # the form's opened_version
    assert "csrfmiddlewaretoken" not in json.dumps(copy)

    leave_without_saving(page)
    banner = page.locator("#autosave-banner")
    expect(banner).to_contain_text("You have unsaved changes from")
    expect(banner).to_contain_text("on this device.")
    expect(banner).not_to_contain_text("saved again since")  # nobody saved the post meanwhile
    expect(page.locator("#id_title")).to_have_value("A draft to edit")  # the server's, until asked
    expect(page.locator(BODY)).to_have_text("Start.")

    banner.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("A better title")
    expect(page.locator(BODY)).to_have_text("Start. An hour of writing.")
    expect(page.locator("#id_body")).to_have_value("<p>Start. An hour of writing.</p>")
    expect(banner).to_contain_text("Restored your changes from")
    expect(banner.get_by_role("button")).to_have_count(0)

    # Restored text is unsaved text: leaving asks first.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="View site").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(live_site.url + path)

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    post.refresh_from_db()
    assert (post.title, post.body) == ("A better title", "<p>Start. An hour of writing.</p>")
    assert copies(page) == {}
    page.reload()
    page.wait_for_load_state("load")
    expect(page.locator("#autosave-banner")).to_have_count(0)
    assert page.evaluate("window.__csp") == []


def test_discard_drops_the_copy(page: Page, live_site, post):
    page.add_init_script(LISTEN)
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    type_title_and_body(page, "Not this title", " Nor these words.")
    wait_for_copy(page, path, "Nor these words.")

    leave_without_saving(page)
    page.locator("#autosave-banner").get_by_role("button", name="Discard").click()
    expect(page.locator("#autosave-banner")).to_have_count(0)
    expect(page.locator("#id_title")).to_have_value("A draft to edit")
    assert copies(page) == {}
    page.reload()
    page.wait_for_load_state("load")
    expect(page.locator("#autosave-banner")).to_have_count(0)
    assert page.evaluate("window.__csp") == []


def test_a_save_refused_because_someone_saved_first_keeps_the_copy(page: Page, live_site, post):
    """The copy survives the refusal and a reload; restored over the newer
    version it puts back what this author changed and leaves the other's edit."""
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    type_title_and_body(page, "My new title", " My paragraph.")
    wait_for_copy(page, path, "My paragraph.")

    time.sleep(0.01)  # the other save's updated_at is later
    other = Post.objects.get(pk=post.pk)
    other.excerpt = "An editor's excerpt."
    other.save()  # a new updated_at: the open form is now behind

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save and continue editing").click()
    assert answer.value.status == 200  # shown again, refused
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator("#autosave-banner")).to_have_count(0)  # the form shows the typed text
    assert key(page, path) in copies(page)
    post.refresh_from_db()
    assert post.title == "A draft to edit"

    page.goto(live_site.url + path)  # the form as saved by the other person
    page.wait_for_load_state("load")
    banner = page.locator("#autosave-banner")
    expect(banner).to_contain_text("saved again since")
    banner.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("My new title")
    expect(page.locator(BODY)).to_have_text("Start. My paragraph.")
    expect(page.locator("#id_excerpt")).to_have_value("An editor's excerpt.")  # not typed here: kept


def test_a_post_moved_to_the_trash_while_being_edited_keeps_the_copy_until_it_is_back(page: Page, live_site, post):
    """Found by QA: the save was a bare 403, and the read-only form of the
    post in the trash deleted the copy, so restoring the post lost the edits."""
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    type_title_and_body(page, "My new title", " My paragraph.")
    wait_for_copy(page, path, "My paragraph.")
    trash.move_to_trash(Post.objects.get(pk=post.pk))  # by someone else, meanwhile

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state("load")
    expect(page.locator(".messagelist .error")).to_contain_text("was moved to the trash while you were editing it")
    expect(page.locator(".trash-notice")).to_contain_text("This post is in the trash")
    assert key(page, path) in copies(page)  # the read-only form leaves it

    page.get_by_role("button", name="Restore as a draft").click()
    page.wait_for_load_state("load")
    banner = page.locator("#autosave-banner")
    banner.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("My new title")
    expect(page.locator(BODY)).to_have_text("Start. My paragraph.")


def test_a_save_after_the_session_ended_comes_back_after_signing_in_again(page: Page, live_site, post):
    """The laptop slept past the session: Save leads to the login page, and
    the form it returns to offers what was typed."""
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    type_title_and_body(page, "Written before the nap", " Not lost.")
    page.context.clear_cookies(name="sessionid")  # the session is over (the CSRF cookie lasts a year)

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator("#id_username")).to_be_visible()
    page.locator("#id_username").fill("drafter")
    page.locator("#id_password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_site.url + path)
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("Written before the nap")
    expect(page.locator(BODY)).to_have_text("Start. Not lost.")


def test_after_a_session_ended_another_account_signing_in_is_not_handed_the_copy(page: Page, live_site, post):
    """A shared computer, no logout: the session merely expired. The next
    person signs in with their own account and opens the same post (an
    editor may): the first author's unpublished words are neither offered
    nor left in the browser."""
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    assert key(page, path) == f"{PREFIX}{post.author.user.pk}:{path}"
    type_title_and_body(page, "Secret working title", " Unpublished words.")
    wait_for_copy(page, path, "Unpublished words.")
    page.context.clear_cookies(name="sessionid")

    sign_in(page, live_site, make_user("colleague", groups=["Editors"]))
    open_form(page, live_site.url + path)
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('skolr-autosave:'))")
    expect(page.locator("#autosave-banner")).to_have_count(0)
    expect(page.locator("#id_title")).to_have_value("A draft to edit")


def test_logging_out_drops_every_copy(page: Page, live_site, post):
    sign_in(page, live_site, post.author.user)
    page.add_init_script(LISTEN)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    page.evaluate('localStorage.setItem(\'skolr-commenter\', \'["Ann", "ann@example.com", ""]\')')
    type_title_and_body(page, "Unpublished title", " Unpublished words.")
    wait_for_copy(page, path, "Unpublished words.")
    page.evaluate(
        "([key, copy]) => localStorage.setItem(key, copy)",
        [key(page, "/admin/posts/page/add/"), json.dumps({"time": int(time.time() * 1000), "fields": {"title": "x"}})],
    )
    assert len(copies(page)) == 2

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#content")).to_contain_text("Log in again")
    page.wait_for_load_state("load")
    assert copies(page) == {}
    assert page.evaluate("localStorage.getItem('skolr-commenter')")  # a reader's details are not ours to drop
    assert page.evaluate("window.__csp") == []


def test_old_copies_and_copies_past_the_limit_are_dropped(page: Page, live_site, post):
    sign_in(page, live_site, post.author.user)
    open_form(page, live_site.url + f"/admin/posts/post/{post.pk}/change/")
    now = int(time.time() * 1000)
    day = 24 * 3600 * 1000
    page.evaluate(
        """([prefix, now, day]) => {
            localStorage.setItem(prefix + '/admin/posts/post/999/change/',
                JSON.stringify({time: now - 31 * day, fields: {title: 'old'}}));
            for (let i = 0; i < 25; i++) localStorage.setItem(prefix + `/admin/posts/post/${1000 + i}/change/`,
                JSON.stringify({time: now - i * 1000, fields: {title: 'n' + i}}));
            localStorage.setItem(prefix + '/admin/posts/post/2000/change/', 'not a copy');
        }""",
        [f"{PREFIX}{post.author.user.pk}:", now, day],
    )
    page.reload()
    page.wait_for_load_state("load")
    kept = copies(page)
    mine = f"{PREFIX}{post.author.user.pk}:"
    assert sorted(kept) == sorted(f"{mine}/admin/posts/post/{1000 + i}/change/" for i in range(20))


@pytest.mark.parametrize(
    "storage",
    [
        # Storage blocked by the browser's settings: any use throws.
        "Object.defineProperty(window, 'localStorage', {get() { throw new Error('blocked'); }});",
        # Private browsing (older Safari): reading works, every write throws.
        "Storage.prototype.setItem = function () { throw new Error('private'); };",
        # Full: writing a copy throws.
        """const setItem = Storage.prototype.setItem;
        Storage.prototype.setItem = function (key, value) {
            if (key.startsWith('skolr-autosave:')) throw new Error('full');
            return setItem.call(this, key, value);
        };""",
    ],
    ids=["blocked", "private", "full"],
)
def test_without_room_for_a_copy_the_form_works_as_before(page: Page, live_site, post, storage):
    errors = []
    # Django's own admin scripts (the theme, the sidebar) fail without storage; ours must not.
    page.on("pageerror", lambda error: errors.append(error.stack or str(error)))
    page.add_init_script(storage)
    sign_in(page, live_site, post.author.user)
    open_form(page, live_site.url + f"/admin/posts/post/{post.pk}/change/")
    type_title_and_body(page, "Still saved", " Typed without storage.")
    page.wait_for_timeout(1200)  # past the moment a copy would be written
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    post.refresh_from_db()
    assert post.body == "<p>Start. Typed without storage.</p>"
    # Every error (if any) is one of Django's admin scripts', none is ours.
    assert all("/static/admin/js/" in error and "admin_autosave" not in error for error in errors), errors


def test_a_page_and_an_author_profile_are_kept_too(page: Page, live_site, post):
    """A page's copy names the page's last save; the profile's bio comes back."""
    editor = make_user("editor", groups=["Editors"])
    contact = make_page(title="Contact", slug="contact", body="<p>Write to us.</p>")
    sign_in(page, live_site, editor)
    path = f"/admin/posts/page/{contact.pk}/change/"
    open_form(page, live_site.url + path)
    page.locator("#id_title").fill("Contact us")
    wait_for_copy(page, path, "Contact us")
    assert copies(page)[key(page, path)]["version"] == page.locator("#autosave-version").get_attribute("data-version")
    SitePage.objects.filter(pk=contact.pk).update(title="Contact")  # unchanged on the server
    leave_without_saving(page)
    page.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("Contact us")

    page.context.clear_cookies()
    sign_in(page, live_site, post.author.user)
    path = f"/admin/authors/author/{post.author.pk}/change/"
    page.goto(live_site.url + path)
    page.wait_for_load_state("load")
    page.locator("#id_bio").fill("Writes drafts, and finishes them.")
    wait_for_copy(page, path, "finishes them")
    leave_without_saving(page)
    expect(page.locator("#id_bio")).to_have_value("Writes drafts.")
    page.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_bio")).to_have_value("Writes drafts, and finishes them.")


def test_tags_chosen_in_the_autocomplete_and_typed_come_back(page: Page, live_site, post):
    """The tag autocomplete announces a choice only through jQuery; the copy
    sees it, and restoring shows the tag in the widget and saves it."""
    Tag.objects.create(name="Django", slug="django")
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    page.locator(".field-tags .select2-selection").click()
    page.locator(".select2-search__field").fill("Djan")
    page.locator(".select2-results__option", has_text="Django").click()
    wait_for_copy(page, path, "Django")
    page.locator("#id_new_tags").fill("Scheduling")
    wait_for_copy(page, path, "Scheduling")

    leave_without_saving(page)
    expect(page.locator(".field-tags .select2-selection__choice")).to_have_count(0)
    page.get_by_role("button", name="Restore them").click()
    expect(page.locator(".field-tags .select2-selection__choice")).to_contain_text("Django")
    expect(page.locator("#id_new_tags")).to_have_value("Scheduling")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    assert {tag.name for tag in post.tags.all()} == {"Django", "Scheduling"}


def test_typing_while_the_banner_waits_is_kept_too(page: Page, live_site, post):
    """Found by QA: with the banner shown, nothing typed was stored until
    Restore or Discard. The banner's copy now waits under a key of its own
    while the form is copied as usual; the next reload offers both as one,
    the later text of a field over the earlier."""
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    page.locator("#id_title").fill("First session title")
    page.locator("#id_excerpt").fill("First session excerpt.")
    wait_for_copy(page, path, "First session excerpt.")

    leave_without_saving(page)
    expect(page.locator("#autosave-banner")).to_contain_text("You have unsaved changes from")
    page.locator(BODY).click()  # the banner ignored: the author goes on writing
    page.keyboard.press("End")
    page.keyboard.type(" Second session words.")
    page.locator("#id_excerpt").fill("Second session excerpt.")
    wait_for_copy(page, path, "Second session words.")
    kept = copies(page)
    assert kept[key(page, path)]["fields"] == {
        "body": "<p>Start. Second session words.</p>",
        "excerpt": "Second session excerpt.",
    }
    assert kept[key(page, path) + "#offered"]["fields"] == {  # the banner's copy, as it was
        "title": "First session title",
        "excerpt": "First session excerpt.",
    }

    leave_without_saving(page)
    banner = page.locator("#autosave-banner")
    banner.get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("First session title")
    expect(page.locator("#id_excerpt")).to_have_value("Second session excerpt.")
    expect(page.locator(BODY)).to_have_text("Start. Second session words.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    assert copies(page) == {}


def test_discard_while_typing_drops_only_the_offered_copy(page: Page, live_site, post):
    sign_in(page, live_site, post.author.user)
    path = f"/admin/posts/post/{post.pk}/change/"
    open_form(page, live_site.url + path)
    page.locator("#id_excerpt").fill("Not wanted after all.")
    wait_for_copy(page, path, "Not wanted after all.")

    leave_without_saving(page)
    page.locator("#id_title").fill("Wanted title")
    wait_for_copy(page, path, "Wanted title")
    page.locator("#autosave-banner").get_by_role("button", name="Discard").click()
    expect(page.locator("#autosave-banner")).to_have_count(0)
    expect(page.locator("#id_title")).to_have_value("Wanted title")  # what was typed stays in the form
    assert {k: c["fields"] for k, c in copies(page).items()} == {key(page, path): {"title": "Wanted title"}}

    leave_without_saving(page)
    page.locator("#autosave-banner").get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("Wanted title")
    expect(page.locator("#id_excerpt")).to_have_value("Short.")


def copy_holding(page: Page, text: str) -> str:
    """The key of the copy holding ``text``, once it is written."""
    return page.wait_for_function(
        """([prefix, text]) => Object.keys(localStorage).find(
            k => k.startsWith(prefix) && localStorage.getItem(k).includes(text))""",
        arg=[PREFIX, text],
    ).json_value()


def test_a_new_post_copy_belongs_to_its_tab_until_the_tab_is_gone(page: Page, live_site, author):
    """Found by QA: every new post was kept under the address of the add
    form, so a second "Add post" tab was offered the first tab's text (a
    duplicate post waiting to happen) and its typing overwrote that copy.
    A copy of a new post is the tab's own; another tab is offered it only
    once the tab that typed it is gone (closed, crashed, gone elsewhere)."""
    sign_in(page, live_site, author.user)
    add = live_site.url + "/admin/posts/post/add/"
    open_form(page, add)
    type_title_and_body(page, "Tab one's post", "Tab one's words.")
    first = copy_holding(page, "Tab one's words.")

    second = page.context.new_page()
    open_form(second, add)
    type_title_and_body(second, "Tab two's post", "Tab two's words.")
    assert copy_holding(second, "Tab two's words.") != first
    expect(second.locator("#autosave-banner")).to_have_count(0)  # not offered the other tab's post
    assert copies(page)[first]["fields"]["title"] == "Tab one's post"  # nor did it overwrite it

    leave_without_saving(page)  # the same tab: its own copy comes back
    page.locator("#autosave-banner").get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("Tab one's post")
    page.close(run_before_unload=False)  # closed without saving (or crashed)

    third = second.context.new_page()
    open_form(third, add)  # the tab that typed it is gone: its text is offered, once
    third.locator("#autosave-banner").get_by_role("button", name="Restore them").click()
    expect(third.locator("#id_title")).to_have_value("Tab one's post")
    expect(third.locator(BODY)).to_have_text("Tab one's words.")
    third.get_by_role("button", name="Save and continue editing").click()
    expect(third.locator(".messagelist")).to_contain_text("was added successfully")
    assert Post.objects.filter(title="Tab one's post").count() == 1
    kept = copies(third)
    assert [c["fields"]["title"] for c in kept.values()] == ["Tab two's post"]  # the open tab's, untouched
    expect(second.locator("#id_title")).to_have_value("Tab two's post")


def test_a_duplicated_tab_and_a_copy_kept_before_tabs_had_keys(page: Page, live_site, author):
    """A copy kept under the add form's own address (before copies were the
    tab's) belongs to no open tab: it is offered. A duplicated tab starts
    with the other's sessionStorage, tab id included, yet keys its copy apart."""
    sign_in(page, live_site, author.user)
    add = live_site.url + "/admin/posts/post/add/"
    open_form(page, add)
    old = json.dumps({"time": int(time.time() * 1000), "fields": {"title": "Old post"}})
    page.evaluate("([key, copy]) => localStorage.setItem(key, copy)", [key(page, "/admin/posts/post/add/"), old])
    page.reload()
    page.wait_for_load_state("load")
    page.locator("#autosave-banner").get_by_role("button", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value("Old post")
    type_title_and_body(page, "The first tab's post", "Its words.")
    first = copy_holding(page, "Its words.")

    tab = page.evaluate("sessionStorage.getItem('skolr-autosave-tab')")
    assert tab and tab in first
    duplicate = page.context.new_page()
    duplicate.add_init_script(f"sessionStorage.setItem('skolr-autosave-tab', {json.dumps(tab)})")
    open_form(duplicate, add)
    type_title_and_body(duplicate, "The duplicate's post", "Other words.")
    assert copy_holding(duplicate, "Other words.") != first
    expect(duplicate.locator("#autosave-banner")).to_have_count(0)
    assert copies(page)[first]["fields"]["title"] == "The first tab's post"
