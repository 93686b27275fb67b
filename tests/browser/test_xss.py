"""Stored XSS in a real browser: the whole corpus, stored through the real
forms, on the pages readers, moderators and editors open. No payload runs.

The browser ignores the Content-Security-Policy here (``bypass_csp``): the
policy would block inline scripts and handlers anyway, and what is under test
is the layer beneath it, escaping and sanitizing. Execution is watched three
ways: ``__xss(n)`` (what the payloads call) records into ``window.__hits``;
``alert``/``confirm``/``prompt`` open dialogs, which are recorded; and after
the page has settled its DOM, as Chromium parsed it, is searched for
anything armed to run on a click or hover (event-handler attributes,
``javascript:`` addresses, frames, objects, foreign scripts).

Payloads are batched so a few pages hold all of them: one post whose body
has every payload, its comment thread with every payload as body, name and
URL, an author whose bio and expertise list every payload, and one post per
payload (title, excerpt, tags) shown together on the home page. Feeds are
read the way a naive feed reader would: their HTML parts go through
``innerHTML``.
"""

from django.contrib import admin
from django.test import Client
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from playwright.sync_api import Browser, Page, expect
from taggit.models import Tag

from authors.roles import AUTHORS, EDITORS
from posts.comment_models import PendingComment
from posts.discovery_views import SearchView
from posts.models import Post
from posts.views import PublishedPostListView
from tests.factories import make_author, make_user
from tests.security.hostile import (
    Tally,
    add_posts,
    add_tags,
    approve,
    load_payloads,
    post_comments_together,
    post_with_every_payload,
    publish,
)

PAYLOADS = load_payloads()

WATCH = """
window.__hits = [];
window.__xss = (n) => { window.__hits.push(String(n)); };
"""

ARMED = r"""
() => {
  const found = [];
  const urlAttributes = new Set(["action", "background", "cite", "code", "codebase", "data", "dynsrc",
    "formaction", "from", "href", "icon", "longdesc", "lowsrc", "manifest", "ping", "poster", "profile", "src",
    "srcset", "to", "usemap", "values", "xlink:href"]);
  const forbidden = new Set(["applet", "base", "embed", "frame", "frameset", "iframe", "object", "portal"]);
  const note = (el, what) => found.push(`<${el.localName}> ${what}`.slice(0, 200));
  for (const el of document.querySelectorAll("*")) {
    const name = el.localName;
    if (forbidden.has(name)) note(el, "element");
    if (name === "meta" && el.hasAttribute("http-equiv")) note(el, "http-equiv");
    if (name === "script") {
      const kind = (el.type || "").toLowerCase();
      const src = el.getAttribute("src");
      if (src !== null && new URL(el.src, location.href).origin !== location.origin) note(el, `src=${src}`);
      if (src === null && !el.nonce && !kind.endsWith("json")) note(el, `inline ${el.textContent.slice(0, 80)}`);
    }
    for (const attribute of el.attributes) {
      const attr = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\u0000-\u0020\u007f]+/g, "").toLowerCase();
      if (attr.startsWith("on")) note(el, `${attr}=${attribute.value}`);
      else if (attr === "srcdoc") note(el, attr);
      // A submit button's own form address (our "Preview changes"): this site only.
      else if (attr === "formaction" && new URL(el.formAction, location.href).origin !== location.origin)
        note(el, `${attr}=${attribute.value}`);
      else if (urlAttributes.has(attr) &&
               /^(javascript|vbscript|livescript):|^data:(?!image\/(png|gif|jpe?g|webp|avif)[;,])/.test(value))
        note(el, `${attr}=${attribute.value}`);
    }
  }
  return found;
}
"""

READ_FEEDS = """
async (paths) => {
  let parts = 0;
  for (const path of paths) {
    const xml = new DOMParser().parseFromString(await (await fetch(path)).text(), "application/xml");
    const html = [
      ...xml.querySelectorAll("item > description"),
      ...xml.getElementsByTagNameNS("http://purl.org/rss/1.0/modules/content/", "encoded"),
      ...xml.querySelectorAll("summary[type=html], content[type=html]"),
    ].map((element) => element.textContent);
    for (const part of html) {
      const reader = document.createElement("div");
      reader.innerHTML = part;  // a feed reader that trusts the feed
      document.body.append(reader);
      parts += 1;
    }
  }
  return parts;
}
"""


class Watch:
    """A browser context that records executions, per page visited."""

    def __init__(self, browser: Browser, base: str, session: str | None = None):
        self.context = browser.new_context(bypass_csp=True)
        self.context.add_init_script(WATCH)
        if session:
            self.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        self.base = base
        self.page: Page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.results: list[tuple[str, list[str], list[str]]] = []

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}({dialog.message})")
        dialog.dismiss()

    def visit(self, path: str, heading: str = "h1") -> Page:
        self.dialogs.clear()
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.status == 200, path
        expect(self.page.locator(heading).first).to_be_visible()  # it rendered
        return self.settle(path)

    def settle(self, path: str) -> Page:
        self.page.wait_for_timeout(400)  # toggle, focus and animation events
        hits = self.page.evaluate("window.__hits") + list(self.dialogs)
        self.results.append((path, hits, self.page.evaluate(ARMED)))
        return self.page


def test_no_payload_runs_in_the_browser(browser: Browser, live_site, monkeypatch, settings, capsys):
    settings.BLOG = settings.BLOG | {"FEED_ITEMS": 10_000, "COMMENTS_PER_PAGE": 10_000}
    monkeypatch.setattr(PublishedPostListView, "paginate_by", 10_000)
    monkeypatch.setattr(SearchView, "paginate_by", 10_000)
    for model in (Post, Tag, XtdComment, PendingComment):
        monkeypatch.setattr(admin.site._registry[model], "list_per_page", 10_000)
    tally = Tally()
    every_line = "\n".join(payload.text for payload in PAYLOADS)

    # An author writes a bio and an expertise list made of every payload, in the admin.
    user = make_user("writer", groups=[AUTHORS])
    author = make_author(user=user, slug="writer", name="Writer")
    profile = Client()
    profile.force_login(user)
    data = {"name": "Writer", "bio": every_line.replace("\n", "\n\n"), "expertise": every_line}
    response = profile.post(f"/admin/authors/author/{author.pk}/change/", data | {"comment_notifications": "each"})
    assert response.status_code == 302
    for sink in ("author bio", "author expertise"):
        tally[sink].tried = tally[sink].stored = len(PAYLOADS)

    # An editor: tags, one post per payload, and one post holding them all (edited once, for the comparison).
    editor = Client()
    editor.force_login(make_user("editor", groups=[EDITORS]))
    tags = add_tags(editor, PAYLOADS, tally)
    posts = add_posts(editor, PAYLOADS, tally, authors=[author] * len(PAYLOADS), tags=tags)
    everything = post_with_every_payload(editor, "every-payload", "Every payload", author, PAYLOADS, "")
    publish([everything, *posts])

    # Strangers comment on it; the comments wait in the queue.
    comments = post_comments_together(Client(), everything, PAYLOADS, tally)
    root = Client()
    root.force_login(make_user("root", is_superuser=True, staff=True))
    staff = Watch(browser, live_site.url, root.cookies["sessionid"].value)
    staff.visit("/admin/posts/pendingcomment/")
    approve(comments)

    reader = Watch(browser, live_site.url)
    article = reader.visit(everything.get_absolute_url())
    assert article.locator("li.comment").count() == len(comments)
    reader.visit("/")
    reader.visit("/tags/")
    reader.visit(author.get_absolute_url())
    reader.visit("/search/?q=xss")
    reader.visit(posts[0].get_absolute_url())
    reader.visit(f"/comments/reply/{comments[0].pk}/")
    reader.page.goto(live_site.url + "/")
    parts = reader.page.evaluate(READ_FEEDS, ["/feed/", "/feed/atom/", f"{author.get_absolute_url()}feed/atom/"])
    assert parts >= 2 * len(PAYLOADS)
    reader.settle("feeds, read as HTML by a naive feed reader")

    for path in [
        "/admin/posts/post/",
        f"/admin/posts/post/{everything.pk}/history/compare/",
        "/admin/taggit/tag/",
        f"/admin/authors/author/{author.pk}/change/",
        "/admin/django_comments_xtd/xtdcomment/",
        f"/admin/django_comments_xtd/xtdcomment/{comments[0].pk}/change/",
    ]:
        staff.visit(path, heading="#content")
    # The body loaded into the admin's prose editor (its JavaScript parses it).
    staff.page.goto(f"{live_site.url}/admin/posts/post/{everything.pk}/change/")
    expect(staff.page.locator(".ProseMirror").filter(visible=True).first).to_be_visible()
    staff.settle(f"/admin/posts/post/{everything.pk}/change/ (editor loaded)")

    results = reader.results + staff.results
    executed = [(path, hits) for path, hits, _ in results if hits]
    armed = [(path, found[:5]) for path, _, found in results if found]
    with capsys.disabled():
        print(f"\nStored XSS in Chromium: {len(results)} page loads, {len(PAYLOADS)} payloads")
        print(f"  {'sink':<34}{'tried':>6}{'stored':>8}{'executed':>10}")
        for sink, entry in tally.items():
            print(f"  {sink:<34}{entry.tried:>6}{entry.stored:>8}{len(executed):>10}")
        for path, hits, found in results:
            print(f"  {path[:60]:<62} executed {len(hits)}  armed elements {len(found)}")
    assert executed == []
    assert armed == []
    staff.context.close()
    reader.context.close()


def test_the_watch_sees_a_payload_that_gets_through(browser: Browser, live_site):
    """A control: markup planted past the sanitizer (straight into the
    database) is caught by each of the three detectors, so their silence
    above means something."""
    post = Post.objects.create(
        title="Planted",
        slug="planted",
        author=make_author(),
        status=Post.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    planted = '<img src=x onerror="__xss(1)"><img src=x onerror="alert(2)"><a href="javascript:__xss(3)">x</a>'
    Post.objects.filter(pk=post.pk).update(body=planted)  # update() skips the sanitizer in save()
    watch = Watch(browser, live_site.url)
    watch.visit(post.get_absolute_url())
    ((_, hits, armed),) = watch.results
    assert "1" in hits and "alert(2)" in hits
    assert any("onerror" in found for found in armed) and any("javascript:" in found for found in armed)
    # The feed carries the planted body in content:encoded: the naive reader runs it.
    watch.page.goto(live_site.url + "/")
    watch.page.evaluate("window.__hits = []")
    assert watch.page.evaluate(READ_FEEDS, ["/feed/"]) >= 2
    watch.settle("feed")
    assert "1" in watch.results[-1][1]
    watch.context.close()
