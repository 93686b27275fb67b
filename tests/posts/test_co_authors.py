"""Co-authors: a post signed by several authors names them all to readers,
lists itself on each one's page and feed, lets each edit it, and costs a
query more only where a post has co-authors."""

import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from authors.roles import AUTHORS, EDITORS
from posts.models import CoAuthor, Post
from posts.redirects import live_at
from tests.factories import (
    admin_post_form,
    complete_post_form,
    count_queries,
    image_upload,
    make_author,
    make_comment,
    make_post,
    make_user,
)

pytestmark = pytest.mark.django_db


def co_write(post: Post, *authors) -> Post:
    for position, author in enumerate(authors, 1):
        CoAuthor.objects.create(post=post, author=author, position=position)
    return post


@pytest.fixture
def trio():
    """A post by Skolr, with Ada and Bo after it (listed in the other order)."""
    skolr = make_author(name="Skolr", slug="skolr")
    ada = make_author(name="Ada", slug="ada", photo=image_upload("ada.png"))
    bo = make_author(name="Bo", slug="bo", bio="Teaches maths.")
    post = make_post(author=skolr, title="Written together", slug="together", tags=["Schools"])
    CoAuthor.objects.create(post=post, author=bo, position=2)
    CoAuthor.objects.create(post=post, author=ada, position=1)
    return post


def json_ld(page: str, kind: str) -> dict:
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S):
        data = json.loads(block)
        if data.get("@type") == kind:
            return data
    raise AssertionError(f"no {kind}")


# --- What readers see ---------------------------------------------------------


def test_the_article_names_and_links_every_author_in_order(client, trio, settings):
    settings.BLOG = settings.BLOG | {"ORGANIZATION_AUTHORS": ["skolr"]}
    page = client.get(trio.get_absolute_url()).content.decode()

    byline = re.search(r'<p class="post-meta">(.*?)<span aria-hidden', page).group(1)
    assert byline == (
        '<a class="post-author" href="/authors/skolr/">Skolr</a>, '
        '<a class="post-author" href="/authors/ada/">Ada</a> and '
        '<a class="post-author" href="/authors/bo/">Bo</a> '
    )
    # An author card each: bio and photo.
    cards = re.findall(r'<section class="author-card" aria-labelledby="author--([a-z]+)">', page)
    assert cards == ["skolr", "ada", "bo"]
    assert "Teaches maths." in page and 'alt="Photo of Ada"' in page
    assert json_ld(page, "BlogPosting")["author"] == [
        {"@type": "Organization", "name": "Skolr", "url": "http://testserver/authors/skolr/"},
        {"@type": "Person", "name": "Ada", "url": "http://testserver/authors/ada/"},
        {"@type": "Person", "name": "Bo", "url": "http://testserver/authors/bo/"},
    ]
    assert re.findall(r'<meta property="article:author" content="([^"]+)">', page) == [
        "http://testserver/authors/skolr/",
        "http://testserver/authors/ada/",
        "http://testserver/authors/bo/",
    ]


def test_a_post_with_one_author_is_shown_as_before(client):
    post = make_post(author=make_author(name="Solo", slug="solo"))
    page = client.get(post.get_absolute_url()).content.decode()
    assert json_ld(page, "BlogPosting")["author"] == {
        "@type": "Person",
        "name": "Solo",
        "url": "http://testserver/authors/solo/",
    }
    assert page.count('property="article:author"') == 1 and page.count('class="author-card"') == 1


def test_cards_and_feeds_name_every_author(client, trio):
    make_post(title="Alone")  # a post without co-authors in the same list
    home = client.get("/").content.decode()
    assert (
        '<a class="post-author" href="/authors/skolr/">Skolr</a>, '
        '<a class="post-author" href="/authors/ada/">Ada</a> and '
        '<a class="post-author" href="/authors/bo/">Bo</a>'
    ) in home
    for feed in ("/feed/", "/feed/atom/"):
        assert "Skolr, Ada and Bo" in client.get(feed).content.decode(), feed


def test_featured_block_names_every_author(client, trio):
    trio.featured = True
    trio.save()
    block = re.search(r'<section class="featured".*?</section>', client.get("/").content.decode(), re.S).group(0)
    assert '<a href="/authors/ada/">Ada</a> and <a href="/authors/bo/">Bo</a>' in block


def test_a_co_authors_page_feed_and_count_include_the_posts_they_co_wrote(client, trio):
    ada = trio.co_author_list[0]
    own = make_post(author=ada, title="Ada alone")
    make_post(title="Someone else's")

    page = client.get("/authors/ada/").content.decode()
    assert "Written together" in page and "Ada alone" in page and "Someone else" not in page
    feed = client.get("/authors/ada/feed/").content.decode()
    assert "Written together" in feed and "Ada alone" in feed and "Someone else" not in feed

    index = client.get("/authors/").content.decode()
    assert re.search(r'href="/authors/ada/">Ada</a>.*?2 articles', index, re.S)
    assert re.search(r'href="/authors/bo/">Bo</a>.*?1 article<', index, re.S)

    # Older posts by keyset pages: the co-written post is there in its order.
    own.published_at = trio.published_at.replace(year=trio.published_at.year - 1)
    own.save()
    page = client.get("/authors/ada/").content.decode()
    assert page.index("Written together") < page.index("Ada alone")


def test_an_author_with_only_co_written_posts_has_a_page_feed_and_sitemap_entry(client, trio):
    assert client.get("/authors/bo/").status_code == 200
    assert client.get("/authors/bo/feed/").status_code == 200
    assert "/authors/bo/" in client.get("/sitemap-authors.xml").content.decode()
    # Their page answers, so a redirect there is not used.
    assert live_at(["/authors/bo/"]) == {"/authors/bo/": "author"}

    trio.status = Post.Status.DRAFT
    trio.save()
    assert client.get("/authors/bo/").status_code == 404
    assert live_at(["/authors/bo/"]) == {}


# --- Stored data ---------------------------------------------------------------


def test_a_co_author_is_named_once_per_post(trio):
    with pytest.raises(IntegrityError), transaction.atomic():
        CoAuthor.objects.create(post=trio, author=trio.co_author_list[0], position=5)


def test_an_author_with_co_authorships_cannot_be_deleted(trio):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        trio.co_author_list[1].delete()
    trio.delete()  # the post's links go with it
    assert not CoAuthor.objects.exists()


# --- Query counts --------------------------------------------------------------


def test_the_article_costs_one_query_more_only_with_co_authors(client):
    for _ in range(3):
        make_post(tags=["Schools"])  # "Read next" fills up from the tag alone
    alone = make_post(tags=["Schools"])
    together = co_write(make_post(tags=["Schools"]), make_author(), make_author())
    count_queries(client, alone.get_absolute_url())  # the site's domain is read once per process
    # docs/performance.md, issue 6: 4 for the article (here 5, with the page
    # cache's look for the next scheduled post), at most 6; co-authors one more.
    plain = count_queries(client, alone.get_absolute_url())
    assert plain == 5
    assert count_queries(client, together.get_absolute_url()) == plain + 1 <= 6


def test_lists_read_co_authors_in_one_query_and_only_when_a_listed_post_has_some(client):
    for _ in range(3):
        make_post()
    count_queries(client, "/feed/")  # the feed reads the site's domain once per process
    plain = (count_queries(client, "/"), count_queries(client, "/feed/"))
    co_write(make_post(), make_author())
    one = (count_queries(client, "/"), count_queries(client, "/feed/"))
    for _ in range(5):
        co_write(make_post(), make_author(), make_author())
    many = (count_queries(client, "/"), count_queries(client, "/feed/"))
    assert one == many == (plain[0] + 1, plain[1] + 1)


def test_an_author_page_costs_the_same_however_many_posts_they_co_wrote(client):
    ordinary = make_author(slug="ordinary")
    make_post(author=ordinary)
    co_writer = make_author(slug="co-writer")
    make_post(author=co_writer)
    baseline = count_queries(client, "/authors/ordinary/")
    co_write(make_post(), co_writer)
    one = count_queries(client, "/authors/co-writer/")
    for _ in range(5):
        co_write(make_post(), co_writer)
    # The co-written posts' co-authors: one query for the page.
    assert count_queries(client, "/authors/co-writer/") == one == baseline + 1
    assert count_queries(client, "/authors/ordinary/") == baseline


def test_an_ordinary_authors_page_keeps_its_one_indexed_query(client, django_assert_num_queries):
    """No OR with the co-authors' table for an author who co-writes nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_post(author=make_author(slug="plain"))
    co_write(make_post(), make_author(slug="other"))
    with CaptureQueriesContext(connection) as queries:
        client.get("/authors/plain/")
    listing = [
        q["sql"] for q in queries if 'FROM "posts_post"' in q["sql"] and '"posts_post"."author_id" =' in q["sql"]
    ]
    assert listing and not any('"posts_coauthor"."author_id"' in sql for sql in listing)


# --- The admin: who may edit, who may change who signs -----------------------


@pytest.fixture
def accounts():
    """The post's primary author, a co-author, and an outsider, each an author account."""
    people = {}
    for name in ("primary", "co", "outsider"):
        user = make_user(name, groups=[AUTHORS])
        people[name] = make_author(user=user, name=name.title(), slug=name)
    post = make_post(author=people["primary"], status=Post.Status.DRAFT, published_at=None, slug="shared")
    co_write(post, people["co"])
    people["post"] = post
    return people


def change_url(post) -> str:
    return f"/admin/posts/post/{post.pk}/change/"


def co_author_rows(*rows, initial=()) -> dict:
    """The co-authors inline: ``initial`` links as saved, then new ``rows`` of (author, position)."""
    data = {
        "co_author_links-TOTAL_FORMS": str(len(initial) + len(rows)),
        "co_author_links-INITIAL_FORMS": str(len(initial)),
    }
    for n, link in enumerate(initial):
        data |= {
            f"co_author_links-{n}-id": str(link.pk),
            f"co_author_links-{n}-post": str(link.post_id),
            f"co_author_links-{n}-author": str(link.author_id),
            f"co_author_links-{n}-position": str(link.position),
        }
    for n, (author, position) in enumerate(rows, len(initial)):
        data |= {f"co_author_links-{n}-author": str(author.pk), f"co_author_links-{n}-position": str(position)}
    return data


def test_a_co_author_edits_previews_and_lists_the_post_like_its_author(client, accounts):
    post = accounts["post"]
    client.force_login(accounts["co"].user)

    assert "Post number" in client.get("/admin/posts/post/").content.decode()
    assert client.get(change_url(post)).status_code == 200
    assert client.get(post.get_absolute_url()).status_code == 200  # the draft's preview
    response = client.post(change_url(post), admin_post_form(title="Edited by the co-author", slug="shared"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Edited by the co-author"
    assert "1 draft" in client.get("/admin/").content.decode()  # the dashboard's own posts


def test_an_outsider_may_not_open_or_preview_it(client, accounts):
    client.force_login(accounts["outsider"].user)
    assert client.get(change_url(accounts["post"])).status_code == 302  # "not found", back to the list
    assert client.get(accounts["post"].get_absolute_url()).status_code == 404


def test_a_co_authors_media_library_shows_the_posts_images(client, accounts):
    from posts.models import PostImage

    PostImage.objects.create(post=accounts["post"], image=image_upload(), alt="Shared diagram")
    client.force_login(accounts["co"].user)
    assert "Shared diagram" in client.get("/admin/posts/postimage/").content.decode()
    client.force_login(accounts["outsider"].user)
    assert "Shared diagram" not in client.get("/admin/posts/postimage/").content.decode()


def test_a_co_author_may_not_change_who_signs_the_post(client, accounts):
    post, co = accounts["post"], accounts["co"]
    link = post.co_author_links.get()
    client.force_login(co.user)
    page = client.get(change_url(post)).content.decode()
    assert 'name="co_author_links-0-author"' not in page  # shown, not editable

    form = admin_post_form(title=post.title, slug="shared", author=co.pk)
    form |= co_author_rows((accounts["outsider"], 2), initial=[link])
    form["co_author_links-0-DELETE"] = "on"
    client.post(change_url(post), form)

    post.refresh_from_db()
    assert post.author == accounts["primary"]
    assert [author.slug for author in post.co_authors.all()] == ["co"]


def test_the_primary_author_adds_and_orders_co_authors(client, accounts):
    post = accounts["post"]
    link = post.co_author_links.get()
    client.force_login(accounts["primary"].user)
    form = admin_post_form(title=post.title, slug="shared") | co_author_rows((accounts["outsider"], 1), initial=[link])
    form["co_author_links-0-position"] = "2"
    assert client.post(change_url(post), form).status_code == 302
    post = Post.objects.get(pk=post.pk)
    assert [author.slug for author in post.all_authors] == ["primary", "outsider", "co"]


def test_the_primary_author_is_refused_as_a_co_author(client, accounts):
    post = accounts["post"]
    editor = make_user("editor", groups=[EDITORS])
    client.force_login(editor)
    form = admin_post_form(title=post.title, slug="shared", author=accounts["primary"].pk)
    form |= co_author_rows((accounts["primary"], 3))
    page = client.post(change_url(post), form).content.decode()
    assert "Primary is the post&#x27;s author already: choose someone else" in page
    assert post.co_author_links.count() == 1


def test_an_author_names_co_authors_of_a_new_post(client, accounts):
    client.force_login(accounts["outsider"].user)
    form = admin_post_form(title="New together", slug="new-together") | co_author_rows((accounts["co"], 1))
    assert client.post("/admin/posts/post/add/", form).status_code == 302
    post = Post.objects.get(slug="new-together")
    assert [author.slug for author in post.all_authors] == ["outsider", "co"]


# --- Comments ------------------------------------------------------------------


def test_co_authors_get_comment_emails_and_the_author_badge(client, mailoutbox, django_capture_on_commit_callbacks):
    from posts import notifications

    primary = make_author(user=make_user(email="primary@example.com"))
    co = make_author(user=make_user(email="co@example.com", staff=True), name="Co Writer")
    post = co_write(make_post(author=primary, title="Shared"), co)
    comment = make_comment(post, user_name="Asha")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notifications.comment_published(comment)
    assert sorted(message.to[0] for message in mailoutbox) == ["co@example.com", "primary@example.com"]

    make_comment(post, user=co.user, user_name="Co Writer")
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<strong class="comment-author">Co Writer</strong> <span class="comment-badge">Author' in page


# --- History and "someone saved first" ------------------------------------------


def opened_version(page) -> str:
    """The hidden version a change form carries: what the browser sends back on save."""
    return re.search(r'name="opened_version" value="([^"]+)"', page.content.decode())[1]


def history_changes(client, post) -> list[str]:
    """The History's "Changes" cells, newest revision first, as text."""
    page = client.get(f"/admin/posts/post/{post.pk}/history/").content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row.split("<td>")[-1])).split()) for row in rows]


def as_saved(post, **fields) -> dict:
    """The post form as the admin shows ``post``, with ``fields`` changed; no co-author rows."""
    return admin_post_form(title=post.title, slug=post.slug, body=post.body, excerpt=post.excerpt) | fields


@pytest.fixture
def saved(accounts):
    """The shared post as last saved: its revision records its co-author."""
    accounts["post"].save()
    return accounts


def test_adding_removing_and_reordering_co_authors_are_revisions(client, saved):
    post, outsider = saved["post"], saved["outsider"]
    link = post.co_author_links.get()
    client.force_login(saved["primary"].user)
    url = change_url(post)
    revisions = post.history.count()

    added = as_saved(post) | co_author_rows((outsider, 2), initial=[link])
    assert client.post(url, added).status_code == 302
    links = list(post.co_author_links.order_by("position"))
    moved = as_saved(post) | co_author_rows(initial=links)
    moved["co_author_links-0-position"], moved["co_author_links-1-position"] = "3", "1"
    assert client.post(url, moved).status_code == 302
    links = list(post.co_author_links.order_by("position"))
    removed = as_saved(post) | co_author_rows(initial=links)
    removed["co_author_links-1-DELETE"] = "on"  # Co, now second
    assert client.post(url, removed).status_code == 302

    # Only the co-authors changed, each time a revision of its own, by whom.
    assert post.history.count() == revisions + 3
    assert {revision.history_user for revision in post.history.all()[:3]} == {saved["primary"].user}
    assert history_changes(client, post)[:3] == [
        "Co-authors: Outsider, Co → Outsider",
        "Co-authors: Co, Outsider → Outsider, Co",
        "Co-authors: Co → Co, Outsider",
    ]
    # Comparing the revisions before and after: who was added, in the diff.
    newest, oldest = post.history.all()[0], post.history.all()[3]
    page = client.get(f"{url.removesuffix('change/')}history/compare/?a={oldest.history_id}&b={newest.history_id}")
    diff = page.content.decode()
    assert "<h2>Co-authors</h2>" in diff
    assert '<span class="diff_sub">Co</span>' in diff and '<span class="diff_add">Outsider</span>' in diff


def test_saving_with_the_same_co_authors_adds_no_revision(client, saved):
    post = saved["post"]
    client.force_login(saved["primary"].user)
    revisions = post.history.count()
    same = as_saved(post) | co_author_rows(initial=[post.co_author_links.get()])
    assert client.post(change_url(post), same).status_code == 302
    assert post.history.count() == revisions


def test_featuring_keeps_the_co_authors_in_the_revision(client, saved):
    """The feature action saves its revisions in bulk: they record the co-authors too."""
    post = saved["post"]
    client.force_login(make_user("chief", groups=[EDITORS]))
    client.post("/admin/posts/post/", {"action": "feature", "_selected_action": [post.pk]})
    latest = post.history.first()
    assert latest.history_change_reason == "Featured" and latest.co_authors == "Co"
    assert history_changes(client, post)[0] == "Featured: False → True"


def test_restoring_a_revision_keeps_the_co_authors(client, saved):
    """Restoring brings back the writing, never who signs the post (as for its author)."""
    post, outsider = saved["post"], saved["outsider"]
    before = post.history.first()  # signed by Primary and Co
    client.force_login(saved["primary"].user)
    form = as_saved(post, title="Retitled") | co_author_rows((outsider, 2), initial=[post.co_author_links.get()])
    assert client.post(change_url(post), form).status_code == 302

    restore_url = f"/admin/posts/post/{post.pk}/history/{before.history_id}/"
    page = client.get(restore_url)
    restored = as_saved(post, title=before.title, opened_version=opened_version(page))
    assert client.post(restore_url, restored).status_code == 302

    post = Post.objects.get(pk=post.pk)
    assert post.title == before.title
    assert [author.slug for author in post.all_authors] == ["primary", "co", "outsider"]
    assert post.history.first().co_authors == "Co\nOutsider"  # the restore's revision: as they are now


def test_a_save_over_someone_elses_co_author_change_is_refused(client, saved):
    post, outsider = saved["post"], saved["outsider"]
    url = change_url(post)
    editor = Client()
    editor.force_login(make_user("chief", groups=[EDITORS]))
    editors_page = editor.get(url)

    client.force_login(saved["primary"].user)
    form = as_saved(post) | co_author_rows((outsider, 2), initial=[post.co_author_links.get()])
    assert client.post(url, form | {"opened_version": opened_version(client.get(url))}).status_code == 302

    # The editor changes the title only, with the co-author list as they opened it.
    editors_form = as_saved(post, title="The editor's title", author=saved["primary"].pk)
    editors_form |= co_author_rows(initial=[post.co_author_links.get(author=saved["co"])])
    response = editor.post(url, editors_form | {"opened_version": opened_version(editors_page)})

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "primary saved this post at" in page and "since you opened it (changing the co-authors)" in page
    post.refresh_from_db()
    assert post.title != "The editor's title"
    assert [author.slug for author in post.all_authors] == ["primary", "co", "outsider"]


NOTE = {
    "change_notes-TOTAL_FORMS": "1",
    "change_notes-0-note": "Fixed a typo",
    "change_notes-0-created_at_0": "2026-12-07",
    "change_notes-0-created_at_1": "10:00:00",
}


def save_as(user, url: str, form: dict) -> int:
    """``user`` opens the post's form and saves ``form``: the answer's status."""
    other = Client()
    other.force_login(user)
    return other.post(url, form | {"opened_version": opened_version(other.get(url))}).status_code


def refusal(response) -> str:
    return re.search(r"[^>]*saved this post at[^<]*", unescape(response.content.decode()))[0]


def test_a_save_refused_over_a_change_note_names_who_added_it(client, saved):
    """The co-author adds a change note only, after the author opened the
    form: the refusal names the co-author, and no field. It named the author
    themself: a save of inlines only made no revision, and the revision the
    author had seen, dated after the save it recorded, passed for a newer
    one (found by QA)."""
    post, primary = saved["post"], saved["primary"]
    url, links = change_url(post), co_author_rows(initial=[post.co_author_links.get()])
    client.force_login(primary.user)
    assert client.post(url, as_saved(post, title="Primary's title") | links).status_code == 302
    post.refresh_from_db()
    opened = opened_version(client.get(url))
    co = Client()
    co.force_login(saved["co"].user)
    revisions = post.history.count()
    assert (
        co.post(url, as_saved(post) | links | NOTE | {"opened_version": opened_version(co.get(url))}).status_code == 302
    )
    assert post.history.count() == revisions + 1  # the History says who added the note

    response = client.post(url, as_saved(post, body="<p>Mine</p>") | links | {"opened_version": opened})
    assert response.status_code == 200
    assert refusal(response).startswith("co saved this post at")
    assert "since you opened it (changing its tags, change notes, images or preview links)" in refusal(response)


def test_a_save_refused_after_a_change_note_names_what_changed_since(client, saved):
    """The author opens the form after a save of a change note, then an
    editor changes the title: the refusal names the editor and the title."""
    post, primary = saved["post"], saved["primary"]
    url, links = change_url(post), co_author_rows(initial=[post.co_author_links.get()])
    co = Client()
    co.force_login(saved["co"].user)
    assert (
        co.post(url, as_saved(post) | links | NOTE | {"opened_version": opened_version(co.get(url))}).status_code == 302
    )
    client.force_login(primary.user)
    opened = opened_version(client.get(url))
    editor = Client()
    editor.force_login(make_user("chief", groups=[EDITORS]))
    editors = as_saved(post, title="The editor's title", author=primary.pk) | links
    assert editor.post(url, editors | {"opened_version": opened_version(editor.get(url))}).status_code == 302

    message = refusal(client.post(url, as_saved(post, body="<p>Mine</p>") | links | {"opened_version": opened}))
    assert message.startswith("chief saved this post at") and "since you opened it (changing the title)" in message


def test_a_save_refused_after_two_others_saved_names_both(client, saved):
    """The co-author changes the excerpt, then an editor the title, after the
    author opened the form: both are named, not the excerpt pinned on the
    editor (found by QA)."""
    post, primary = saved["post"], saved["primary"]
    url, links = change_url(post), co_author_rows(initial=[post.co_author_links.get()])
    client.force_login(primary.user)
    opened = opened_version(client.get(url))
    assert save_as(saved["co"].user, url, as_saved(post, excerpt="The co-author's excerpt.") | links) == 302
    post.refresh_from_db()
    editors = as_saved(post, title="The editor's title", author=primary.pk) | links
    assert save_as(make_user("chief", groups=[EDITORS]), url, editors) == 302

    response = client.post(url, as_saved(post, body="<p>Mine</p>") | links | {"opened_version": opened})
    page = unescape(response.content.decode())
    assert "co and chief saved this post since you opened it, the last at " in page
    assert "(changing the title and excerpt)" in page or "(changing the excerpt and title)" in page


def test_a_save_with_nothing_changed_is_not_a_save_over_it(client, saved):
    """Someone clicks Save with nothing changed after the author opened the
    form: no revision, and the post is as the author opened it, so their
    save goes through (it was refused, naming the author themself)."""
    post, primary = saved["post"], saved["primary"]
    url, links = change_url(post), co_author_rows(initial=[post.co_author_links.get()])
    client.force_login(primary.user)
    opened = opened_version(client.get(url))
    revisions = post.history.count()
    assert save_as(saved["co"].user, url, as_saved(post) | links) == 302
    assert post.history.count() == revisions
    assert opened_version(client.get(url)) == opened  # not moved

    assert client.post(url, as_saved(post, body="<p>Mine</p>") | links | {"opened_version": opened}).status_code == 302
    post.refresh_from_db()
    assert post.body == "<p>Mine</p>" and post.history.count() == revisions + 1
    assert post.history.first().history_date == post.updated_at  # the revision is dated as the save


# --- Publishing: every author shown needs a bio and a photo ----------------------


def ready_to_publish(**fields) -> dict:
    return complete_post_form(status="published", **fields)


@pytest.fixture
def complete_primary():
    return make_author(name="Primary", slug="primary", photo=image_upload("primary.png"))


def test_a_co_author_without_bio_or_photo_stops_publishing(client, complete_primary):
    """The article shows an author card for each co-author, as for its author: a bio and a photo."""
    client.force_login(make_user("chief", groups=[EDITORS]))
    bare = make_author(name="Bo Bare", slug="bo", bio="")
    form = ready_to_publish(title="Together", slug="together", author=complete_primary.pk)
    response = client.post("/admin/posts/post/add/", form | co_author_rows((bare, 1)))

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert (
        "The co-author Bo Bare has no bio yet: ask Bo Bare (or an administrator) to add one before publishing." in page
    )
    assert "The co-author Bo Bare has no photo yet: ask Bo Bare (or an administrator) to add one" in page
    assert not Post.objects.filter(slug="together").exists()

    # As a draft it saves; with the profile complete it publishes.
    draft = admin_post_form(title="Together", slug="together", author=complete_primary.pk)
    assert client.post("/admin/posts/post/add/", draft | co_author_rows((bare, 1))).status_code == 302
    bare.bio, bare.photo = "Teaches maths.", image_upload("bo.png")
    bare.save()
    post = Post.objects.get(slug="together")
    form = ready_to_publish(title="Together", slug="together", author=complete_primary.pk)
    assert client.post(change_url(post), form | co_author_rows(initial=[post.co_author_links.get()])).status_code == 302
    assert Post.objects.get(slug="together").is_published


def test_a_co_author_lacking_a_photo_is_told_to_add_it_to_their_profile(client, complete_primary):
    """Whoever can fill the profile in is told to, as for the author: here an administrator."""
    admin = make_user("admin", staff=True, is_superuser=True)
    client.force_login(admin)
    post = co_write(make_post(author=complete_primary, status="draft", published_at=None, slug="draft"))
    no_photo = make_author(name="Ada", slug="ada")
    CoAuthor.objects.create(post=post, author=no_photo, position=1)
    form = ready_to_publish(title=post.title, slug="draft", author=complete_primary.pk)
    page = unescape(
        client.post(change_url(post), form | co_author_rows(initial=[post.co_author_links.get()])).content.decode()
    )
    assert "The co-author Ada has no photo yet: add one to their profile before publishing." in page
    assert "has no bio yet" not in page
    post.refresh_from_db()
    assert post.status == "draft"


def test_a_co_author_sees_why_a_live_post_they_edit_is_refused(client, accounts):
    """The list is read-only to a co-author; the rule still names whose profile is incomplete."""
    post, co = accounts["post"], accounts["co"]
    live = timezone.localtime(timezone.now().replace(microsecond=0))
    Post.objects.filter(pk=post.pk).update(status="published", published_at=live)
    accounts["primary"].photo = image_upload("primary.png")
    accounts["primary"].save()
    client.force_login(co.user)
    form = ready_to_publish(title="Corrected", slug="shared", published_at_0=f"{live:%Y-%m-%d}")
    form |= {"published_at_1": f"{live:%H:%M:%S}"} | co_author_rows(initial=[post.co_author_links.get()])
    page = unescape(client.post(change_url(post), form).content.decode())
    assert "The co-author Co has no photo yet: add one to their profile before publishing." in page
    assert page.count("errorlist") == 1  # nothing else stops it
    post.refresh_from_db()
    assert post.title != "Corrected"


def test_an_author_is_told_whom_to_ask_for_a_co_authors_profile(client, accounts):
    """An author edits only their own profile (the authors' admin lists them
    nothing else), though the Authors group may change profiles: the primary
    author is told to ask the co-author, not to fill in a profile they
    cannot open (found by QA)."""
    post, primary = accounts["post"], accounts["primary"]
    primary.photo = image_upload("primary.png")
    primary.save()
    accounts["co"].bio = "Teaches maths."
    accounts["co"].save()
    primary.user.user_permissions.add(Permission.objects.get(codename="publish_post"))
    client.force_login(primary.user)
    assert client.get(f"/admin/authors/author/{accounts['co'].pk}/change/").status_code == 302  # not theirs
    form = ready_to_publish(title="Together", slug="shared") | co_author_rows(initial=[post.co_author_links.get()])
    page = unescape(client.post(change_url(post), form).content.decode())
    assert "The co-author Co has no photo yet: ask Co (or an administrator) to add one before publishing." in page
    assert "add one to their profile" not in page
    post.refresh_from_db()
    assert post.status == "draft"


# --- Emails and the admin's author filter: the co-authors too -----------------------


@pytest.fixture
def writers():
    """Skolr's post with Ada, each with an account; an editor who publishes."""
    skolr = make_author(user=make_user("skolr", groups=[AUTHORS], email="skolr@example.com"), name="Skolr")
    ada = make_author(user=make_user("ada", groups=[AUTHORS], email="ada@example.com"), name="Ada")
    post = make_post(author=skolr, status="review", published_at=None, title="Two voices", slug="two-voices")
    co_write(post, ada)
    return post, skolr, ada


def test_editors_read_every_authors_name_in_the_review_email(
    client, mailoutbox, writers, django_capture_on_commit_callbacks
):
    post, _skolr, ada = writers
    Post.objects.filter(pk=post.pk).update(status="draft")
    make_user("chief", groups=[EDITORS], email="chief@example.com")
    client.force_login(ada.user)  # the co-author submits it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(post), as_saved(post, status="review"))
    [message] = mailoutbox
    assert message.to == ["chief@example.com"]
    assert "Skolr and Ada submitted “Two voices” for review." in message.body
    assert "Skolr and Ada submitted <strong>“Two voices”</strong>" in message.alternatives[0].content


def test_every_author_but_whoever_acted_hears_of_publishing_and_return(
    client, mailoutbox, writers, django_capture_on_commit_callbacks
):
    post, skolr, ada = writers
    client.force_login(make_user("chief", groups=[EDITORS], first_name="Chi", last_name="Ef"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(post), as_saved(post, status="draft", author=skolr.pk))
    assert sorted(message.to[0] for message in mailoutbox) == ["ada@example.com", "skolr@example.com"]
    assert all("Chi Ef sent “Two voices” back to draft" in message.body for message in mailoutbox)

    # The co-author publishes: the author hears of it, not the co-author.
    mailoutbox.clear()
    ada.photo = image_upload("ada.png")
    ada.save()
    skolr.photo = image_upload("skolr.png")
    skolr.save()
    ada.user.user_permissions.add(Permission.objects.get(codename="publish_post"))
    client.force_login(ada.user)
    form = complete_post_form(title=post.title, slug=post.slug, body=post.body, status="published")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(post), form | co_author_rows(initial=[post.co_author_links.get()]))
    assert Post.objects.get(pk=post.pk).is_published
    [message] = [message for message in mailoutbox if message.subject.startswith("Published")]
    assert message.to == ["skolr@example.com"]


@pytest.mark.parametrize("new", [False, True], ids=["draft", "new post"])
def test_a_co_author_added_as_the_author_publishes_hears_of_it(
    client, mailoutbox, django_capture_on_commit_callbacks, new
):
    """The author publishes and names a co-author in the same save: the
    co-author hears of it, the author (who acted) does not. The notice was
    decided before the co-authors were saved, when the author seemed to be
    the post's only one (found by QA)."""
    skolr = make_author(user=make_user("skolr", groups=[AUTHORS], email="skolr@example.com"), name="Skolr")
    ada = make_author(user=make_user("ada", groups=[AUTHORS], email="ada@example.com"), name="Ada")
    for author in (skolr, ada):
        author.photo = image_upload(f"{author.slug}.png")
        author.save()
    skolr.user.user_permissions.add(Permission.objects.get(codename="publish_post"))
    url = "/admin/posts/post/add/"
    if not new:
        url = change_url(make_post(author=skolr, status="draft", published_at=None, slug="two-voices"))
    client.force_login(skolr.user)
    form = complete_post_form(title="Two voices", slug="two-voices", status="published")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, form | co_author_rows((ada, 1))).status_code == 302
    post = Post.objects.get(slug="two-voices")
    assert post.is_published and [author.name for author in post.all_authors] == ["Skolr", "Ada"]
    assert [message.to for message in mailoutbox if message.subject.startswith("Published")] == [["ada@example.com"]]


def test_a_co_author_removed_as_an_editor_returns_the_post_is_not_told(
    client, mailoutbox, writers, django_capture_on_commit_callbacks
):
    """Sent back to draft with its co-author taken off in the same save: the
    author hears of it, not the author who no longer signs it."""
    post, skolr, _ada = writers
    client.force_login(make_user("chief", groups=[EDITORS], first_name="Chi", last_name="Ef"))
    removed = co_author_rows(initial=[post.co_author_links.get()]) | {"co_author_links-0-DELETE": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(change_url(post), as_saved(post, status="draft", author=skolr.pk) | removed).status_code == 302
        )
    assert not post.co_author_links.exists()
    assert [message.to for message in mailoutbox] == [["skolr@example.com"]]
    assert "Chi Ef sent “Two voices” back to draft" in mailoutbox[0].body


def test_subscribers_read_every_authors_name_in_the_new_post_email(mailoutbox, writers):
    from posts import subscriptions
    from posts.models import Subscriber

    post, _skolr, _ada = writers
    Post.objects.filter(pk=post.pk).update(status="published", published_at=timezone.now())
    reader = Subscriber.objects.create(email="fan@example.com", confirmed_at=timezone.now())
    assert subscriptions.deliver_newsletter.call(post.pk, reader.pk) == 1
    [message] = mailoutbox
    assert "Two voices\nby Skolr and Ada\n" in message.body
    html = message.alternatives[0].content
    assert re.search(
        r'by <a href="http://testserver/authors/[^"]+/"[^>]*>Skolr</a> and <a href="[^"]+"[^>]*>Ada</a>', html
    )


def test_the_admins_author_filter_lists_the_posts_an_author_co_wrote(client, writers):
    post, skolr, ada = writers
    own = make_post(author=ada, title="Ada alone")
    make_post(title="Someone else's")
    client.force_login(make_user("chief", groups=[EDITORS]))

    page = client.get(f"/admin/posts/post/?author__id__exact={ada.pk}").content.decode()
    titles = re.findall(r'<th class="field-title"><a href="[^"]+">([^<]+)</a>', page)
    assert sorted(titles) == sorted([own.title, post.title])
    assert "By author or co-author" in page
    page = client.get(f"/admin/posts/post/?author__id__exact={skolr.pk}").content.decode()
    assert re.findall(r'<th class="field-title"><a href="[^"]+">([^<]+)</a>', page) == [post.title]
    assert client.get("/admin/posts/post/?author__id__exact=abc")["Location"] == "/admin/posts/post/?e=1"
