"""A video in a post: the author types its address in the editor, readers
see "Play video on YouTube", and a click puts the player there, under the
page's Content-Security-Policy. Before the click the browser asks nothing of
YouTube. The player itself is answered by a stand-in (the tests run offline)."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from posts.models import Post
from tests.browser.test_authoring import author_account, log_in, save
from tests.browser.test_csp import LISTEN, violations
from tests.factories import make_page, make_post

ID = "dQw4w9WgXcQ"
ADDRESS = f"https://youtu.be/{ID}"
PLAYER = f"https://www.youtube-nocookie.com/embed/{ID}?autoplay=1"


def stand_in_for_the_players(page: Page) -> list[str]:
    """Answer YouTube's and Vimeo's addresses ourselves; return what was asked."""
    asked: list[str] = []

    def answer(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><p>The player</p>")

    page.route("https://www.youtube-nocookie.com/**", answer)
    page.route("https://*.youtube.com/**", answer)
    page.route("https://player.vimeo.com/**", answer)
    return asked


def test_an_address_typed_in_the_editor_becomes_a_player_on_click(page: Page, live_site):
    base = live_site.url
    user = author_account("ada", can_publish=True)
    post = make_post(author=user.author, status=Post.Status.DRAFT, published_at=None, body="<p>Watch this:</p>")

    log_in(page, base, "ada")
    page.goto(f"{base}/admin/posts/post/{post.pk}/change/")
    content = page.locator(".field-body .ProseMirror[contenteditable=true]")
    content.locator("p").last.click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(ADDRESS)
    page.keyboard.press("Enter")
    page.keyboard.insert_text("That was the talk.")
    save(page, "Save and continue editing")
    post.refresh_from_db()
    assert ADDRESS in post.body
    post.status, post.published_at = Post.Status.PUBLISHED, timezone.now() - timedelta(hours=1)
    post.save()  # published by an editor (what publishing asks is tested elsewhere)

    page.context.clear_cookies()  # as a reader
    asked = stand_in_for_the_players(page)
    page.add_init_script(LISTEN)
    page.goto(base + post.get_absolute_url())
    play = page.get_by_role("link", name="Play video on YouTube")
    expect(play).to_have_attribute("href", f"https://www.youtube.com/watch?v={ID}")
    page.wait_for_load_state("networkidle")
    assert asked == []  # nothing asked of YouTube before the reader's click
    expect(page.locator("iframe")).to_have_count(0)

    play.click()
    frame = page.locator(".embed iframe")
    expect(frame).to_have_attribute("src", PLAYER)
    expect(frame).to_have_attribute("title", "YouTube video player")
    expect(frame).to_have_attribute("referrerpolicy", "strict-origin-when-cross-origin")
    expect(frame).to_have_attribute(
        "sandbox", "allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox"
    )
    expect(page.frame_locator(".embed iframe").locator("p")).to_have_text("The player")
    expect(play).to_have_count(0)
    assert asked == [PLAYER]
    assert violations(page) == []


def test_any_other_frame_is_refused_on_that_page(page: Page, live_site):
    """The policy lets the post's player in, nothing else: the check above
    would have caught a refused frame."""
    post = make_post(body=f"<p>https://www.youtube.com/watch?v={ID}</p>")
    stand_in_for_the_players(page)
    page.add_init_script(LISTEN)
    page.goto(live_site.url + post.get_absolute_url())
    page.evaluate(
        "() => { const f = document.createElement('iframe');"
        " f.src = 'https://evil.example/'; document.body.append(f); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert violations(page) == ["frame-src https://evil.example"]


def test_the_player_keeps_to_the_screen_on_a_phone(page: Page, live_site):
    post = make_post(body=f"<p>Intro</p><p>https://vimeo.com/76979871</p><p>https://www.youtube.com/shorts/{ID}</p>")
    page.set_viewport_size({"width": 360, "height": 740})
    stand_in_for_the_players(page)
    page.goto(live_site.url + post.get_absolute_url())
    wide, upright = page.locator(".embed").all()
    prose = page.locator(".prose").bounding_box()
    box = wide.bounding_box()
    assert box["width"] == prose["width"] <= 360
    assert abs(box["height"] - box["width"] * 9 / 16) < 1
    tall = upright.bounding_box()
    assert tall["width"] <= prose["width"] and abs(tall["height"] - tall["width"] * 16 / 9) < 1
    page.get_by_role("link", name="Play video on Vimeo").click()
    assert page.locator(".embed iframe").bounding_box() == wide.bounding_box()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_player_starts_without_a_console_warning_and_may_go_full_screen(page: Page, live_site):
    """Found by QA: the player had both ``allow="… fullscreen"`` and
    ``allowfullscreen``, and Chromium warned in the console on every click."""
    post = make_post(body=f"<p>https://www.youtube.com/watch?v={ID}</p>")
    stand_in_for_the_players(page)
    said: list[str] = []
    page.on("console", lambda message: said.append(f"{message.type}: {message.text}"))
    page.goto(live_site.url + post.get_absolute_url())
    page.get_by_role("link", name="Play video on YouTube").click()
    frame = page.locator(".embed iframe")
    expect(frame).to_have_attribute("allow", "autoplay; encrypted-media; fullscreen; picture-in-picture")
    expect(page.frame_locator(".embed iframe").locator("p")).to_have_text("The player")
    assert said == []


def test_a_pages_video_plays_on_click_under_its_policy(page: Page, live_site):
    """Pages (About, a tour…) show videos as posts do: the page's own policy lets the player in."""
    tour = make_page(slug="tour", title="Tour", body="<p>Take the tour:</p><p>https://vimeo.com/76979871</p>")
    asked = stand_in_for_the_players(page)
    page.add_init_script(LISTEN)
    page.goto(live_site.url + tour.get_absolute_url())
    page.wait_for_load_state("networkidle")
    assert asked == []

    page.get_by_role("link", name="Play video on Vimeo").click()
    expect(page.frame_locator(".embed iframe").locator("p")).to_have_text("The player")
    assert asked == ["https://player.vimeo.com/video/76979871?autoplay=1&dnt=1"]
    assert violations(page) == []
