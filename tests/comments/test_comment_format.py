"""Readers write comments in a small Markdown subset: code keeps its shape
and colours, links are marked as readers', and nothing in it can run."""

import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from authors.models import Author
from authors.roles import MODERATORS
from posts import moderation, notifications
from posts.comment_format import render_markdown
from posts.comment_models import CommentBody, CommentReview, TrustedCommenter
from tests.comments.test_comment_section import comment_data
from tests.factories import make_author, make_comment, make_post, make_user

CODE_COMMENT = "Try this:\n\n```python\ndef view(request):\n    return render(request, 'x.html')\n```\n\nWorks?"
HIGHLIGHTED_DEF = '<pre class="code"><code class="language-python"><span class="k">def</span>'


# --- What each construct becomes ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("One line\nthe next\n\nA paragraph", "<p>One line<br>\nthe next</p>\n<p>A paragraph</p>"),
        ("Use `select_related()` here", "<p>Use <code>select_related()</code> here</p>"),
        ("*this* and _that_, **strong**", "<p><em>this</em> and <em>that</em>, <strong>strong</strong></p>"),
        ("> quoted\n> on two lines", "<blockquote>\n<p>quoted<br>\non two lines</p>\n</blockquote>"),
        ("- Flask\n- FastAPI", "<ul>\n<li>Flask</li>\n<li>FastAPI</li>\n</ul>"),
        ("3. third\n4. fourth", '<ol start="3">\n<li>third</li>\n<li>fourth</li>\n</ol>'),
        (
            "[the docs](https://docs.djangoproject.com/) or [mail me](mailto:me@example.com)",
            '<p><a href="https://docs.djangoproject.com/" rel="nofollow ugc noopener">the docs</a> or '
            '<a href="mailto:me@example.com" rel="nofollow ugc noopener">mail me</a></p>',
        ),
        (
            "See www.example.org, https://example.com/a_(b). Not views.py",
            '<p>See <a href="https://www.example.org" rel="nofollow ugc noopener">www.example.org</a>, '
            '<a href="https://example.com/a_(b)" rel="nofollow ugc noopener">https://example.com/a_(b)</a>. '
            "Not views.py</p>",
        ),
        # What the subset leaves out is shown as typed.
        ("# Not a heading\n\n---", "<p># Not a heading</p>\n<p>---</p>"),
        ("<b>bold?</b> <!-- no -->", "<p>&lt;b&gt;bold?&lt;/b&gt; &lt;!-- no --&gt;</p>"),
        (
            "[relative](/admin/) [scheme-less](//evil.example)",
            "<p>[relative](/admin/) [scheme-less](//evil.example)</p>",
        ),
        # An image is a link to it, not an image on the page.
        (
            "![a diagram](https://example.com/d.png)",
            '<p><a href="https://example.com/d.png" rel="nofollow ugc noopener">a diagram</a></p>',
        ),
        # Defines a link and shows nothing: shown as typed rather than empty.
        ("[a]: https://example.com", "<p>[a]: https://example.com</p>"),
    ],
)
def test_each_construct(text, html):
    assert render_markdown(text) == html


def test_a_fenced_block_keeps_its_indentation_and_is_coloured_by_its_language():
    html = render_markdown(CODE_COMMENT)
    assert html.startswith("<p>Try this:</p>\n" + HIGHLIGHTED_DEF)
    assert '\n    <span class="k">return</span>' in html  # the indentation, as pasted
    assert html.endswith("</code></pre>\n<p>Works?</p>")


def test_a_block_without_a_known_language_is_escaped_plain_text_in_the_same_box():
    assert (
        render_markdown("```\n  <b>x</b> &\n```")
        == '<pre class="code"><code>  &lt;b&gt;x&lt;/b&gt; &amp;\n</code></pre>'
    )
    assert render_markdown("```klingon\nqapla'\n```") == '<pre class="code"><code>qapla\'\n</code></pre>'
    assert (
        render_markdown("    indented four\n      six") == '<pre class="code"><code>indented four\n  six\n</code></pre>'
    )


def test_a_long_address_is_shortened_on_the_page_only():
    address = "https://example.com/" + "a" * 80
    html = render_markdown(address)
    assert f'href="{address}"' in html
    assert re.search(r">([^<]*)</a>", html)[1] == address[:59] + "…"


# --- Nothing runs -----------------------------------------------------------------

ALLOWED = {
    "p": set(),
    "br": set(),
    "em": set(),
    "strong": set(),
    "code": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "a": {"href", "rel"},
    "blockquote": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """Only the subset's tags and attributes, links only to http(s) and mailto."""
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in ALLOWED, (tag, html)
        assert set(attrs) <= ALLOWED[tag], (tag, attrs, html)
        if tag == "a":
            assert re.match(r"(https?|mailto):", attrs["href"]), html
            assert attrs["rel"] == "nofollow ugc noopener"


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '[x](https://example.com "t" onmouseover=alert(1))',
        '[x](https://example.com/" onmouseover="alert(1))',
        '<https://example.com/"onmouseover="alert(1)>',
        'www.example.com/"onmouseover="alert(1)',
        "[<img src=x onerror=alert(1)>](https://example.com/)",
        "**<svg onload=alert(1)>**",
        "`</code><script>alert(1)</script>`",
        '```python" onload="alert(1)\nprint(1)\n```',
        "```<script>alert(1)</script>\nx\n```",
        "![x](javascript:alert(1))",
        '![x" onerror="alert(1)](https://example.com/x.png)',
        "> - [x](javascript:alert(1))\n>   <iframe src=https://evil.example>",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ],
)
def test_attacks_come_out_as_inert_text(attack):
    html = render_markdown(attack)
    assert_inert(html)
    assert "<script" not in html and "<img" not in html


def test_xss_corpus_is_inert_in_comments():
    from tests.security.hostile import load_payloads

    for payload in load_payloads():
        assert_inert(render_markdown(payload.text))


# --- On the site ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_posted_code_block_is_highlighted_on_the_article(client, seed):
    TrustedCommenter.objects.create(email="asha@example.com")  # published at once

    response = client.post("/comments/post/", comment_data(seed, comment=CODE_COMMENT))

    assert response.status_code == 302
    comment = XtdComment.objects.get()
    assert comment.is_public and comment.comment == CODE_COMMENT.strip()  # the Markdown is what is kept
    assert CommentBody.objects.get(comment=comment).html == render_markdown(CODE_COMMENT)
    page = Client().get(seed.get_absolute_url()).content.decode()
    assert HIGHLIGHTED_DEF in page
    assert "Edited by a moderator" not in page


INDENTED_CODE = "    def f():\n        return 1\n\nThat is my code."
INDENTED_HTML = '<pre class="code"><code>def f():\n    return 1\n</code></pre>\n<p>That is my code.</p>'


@pytest.mark.django_db
def test_a_comment_opening_with_indented_code_keeps_it_a_block(client, seed):
    """Found by QA: the text was stripped before it was stored, so its
    first line lost the four spaces that make it code. Only the blank
    lines around it go."""
    TrustedCommenter.objects.create(email="asha@example.com")  # published at once
    typed = f"\n  \n{INDENTED_CODE}\n\n"

    preview = client.post("/comments/post/", comment_data(seed, comment=typed) | {"preview": "1"})
    assert preview.status_code == 200
    assert INDENTED_HTML in preview.content.decode()

    assert client.post("/comments/post/", comment_data(seed, comment=typed)).status_code == 302
    comment = XtdComment.objects.get()
    assert comment.comment == INDENTED_CODE
    assert CommentBody.objects.get(comment=comment).html == INDENTED_HTML
    assert INDENTED_HTML in Client().get(seed.get_absolute_url()).content.decode()
    cache.clear()  # past the 15-second wait: the same text again is a duplicate
    again = client.post("/comments/post/", comment_data(seed, comment=typed))
    assert again.status_code == 409 and XtdComment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("blank", ["   ", "\n \n\t\n", "\r\n    \r\n"])
def test_a_comment_of_nothing_but_blanks_is_refused_as_empty(client, seed, blank):
    for data in (comment_data(seed, comment=blank), comment_data(seed, comment=blank) | {"preview": "1"}):
        response = client.post("/comments/post/", data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "This field is required." in page and 'class="comment-preview"' not in page
    assert not XtdComment.objects.exists()


@pytest.mark.django_db
def test_a_held_comment_is_shown_to_its_writer_formatted(client, seed):
    response = client.post("/comments/post/", comment_data(seed, comment="It **works**: `pip install`"), follow=True)
    page = response.content.decode()
    assert "Your comment is held for review." in page
    assert "<p>It <strong>works</strong>: <code>pip install</code></p>" in page


@pytest.mark.django_db
def test_a_refused_comment_keeps_exactly_what_the_reader_typed(client, seed):
    typed = "```python\nif x:\n    y = '<b>'\n```\n\n[link](javascript:alert(1))"

    response = client.post("/comments/post/", comment_data(seed, comment=typed, email="not an email"))

    assert response.status_code == 400
    page = response.content.decode()
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.DOTALL)[1]
    assert textarea == "\n```python\nif x:\n    y = &#x27;&lt;b&gt;&#x27;\n```\n\n[link](javascript:alert(1))"
    assert not XtdComment.objects.exists()


@pytest.mark.django_db
def test_preview_shows_the_formatted_comment_and_stores_nothing(client, seed):
    data = comment_data(seed, comment=CODE_COMMENT) | {"preview": "1"}

    response = client.post("/comments/post/", data)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    page = response.content.decode()
    preview = page[page.index('class="comment-preview"') :]
    assert "not posted yet" in preview and HIGHLIGHTED_DEF in preview
    assert "def view(request):\n    return render(request, &#x27;x.html&#x27;)" in preview  # still in the box
    assert not XtdComment.objects.exists()
    # Previewing takes no posting slot: posting right after is accepted.
    del data["preview"]
    assert client.post("/comments/post/", data).status_code == 302
    assert XtdComment.objects.count() == 1


@pytest.mark.django_db
def test_preview_of_an_invalid_form_shows_the_errors_and_no_preview(client, seed):
    response = client.post("/comments/post/", comment_data(seed, email="") | {"preview": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the fields marked below" in page and 'class="comment-preview"' not in page


@pytest.mark.django_db
def test_the_form_says_what_markdown_does(client, seed):
    page = client.get(seed.get_absolute_url()).content.decode()
    assert "Markdown: `code`, ```blocks```, *emphasis*, [links](https://…)" in page
    assert '<button type="submit" name="preview" value="1"' in page


@pytest.mark.django_db
def test_a_moderator_edit_updates_the_html_and_says_so_without_naming_them(client, seed):
    comment = moderation.record(XtdComment(**comment_fields(seed)), CommentReview.Status.APPROVED)
    moderator = make_user("mod", groups=[MODERATORS], first_name="Mo", last_name="Derator")
    client.force_login(moderator)
    reader = Client()
    assert "Call me on 0123" in reader.get(seed.get_absolute_url()).content.decode()
    assert reader.get(seed.get_absolute_url())["X-Page-Cache"] == "hit"

    response = client.post(
        f"/admin/django_comments_xtd/xtdcomment/{comment.pk}/change/",
        {"decision": "approved", "comment": "Ask me **here**, with `code`."},
    )

    assert response.status_code == 302
    page = reader.get(seed.get_absolute_url()).content.decode()  # the cached page is retired
    assert "Call me on 0123" not in page
    item = page[page.index(f'id="c{comment.pk}"') :]
    assert item.index("<p>Ask me <strong>here</strong>, with <code>code</code>.</p>") < item.index("Edited by")
    assert re.search(r'<p class="comment-edited muted">Edited by a moderator on <time datetime="[^"]+">', item)
    assert "Derator" not in page
    body = CommentBody.objects.get(comment=comment)
    assert body.edited_by == moderator and body.edited_at is not None
    change = client.get(f"/admin/django_comments_xtd/xtdcomment/{comment.pk}/change/").content.decode()
    assert "By Mo Derator" in change  # moderators see who


def comment_fields(post) -> dict:
    """A reader's comment, as the comment view builds it."""
    from django.contrib.contenttypes.models import ContentType

    return {
        "content_type": ContentType.objects.get_for_model(post),
        "object_pk": str(post.pk),
        "site_id": 1,
        "user_name": "Asha",
        "user_email": "asha@example.com",
        "comment": "Call me on 0123 456 789.",
        "submit_date": timezone.now(),
    }


@pytest.mark.django_db
def test_a_comment_stored_without_html_is_formatted_when_shown(client):
    post = make_post()
    comment = make_comment(post, comment="Plain `code`", formatted=False)
    assert not CommentBody.objects.filter(comment=comment).exists()
    assert "<p>Plain <code>code</code></p>" in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_reply_page_quotes_the_comment_formatted_with_its_edit_note(client):
    post = make_post()
    comment = make_comment(post, comment="Is `async def` worth it?")
    CommentBody.objects.filter(comment=comment).update(edited_at=timezone.now())
    page = client.get(f"/comments/reply/{comment.pk}/").content.decode()
    assert "<p>Is <code>async def</code> worth it?</p>" in page
    assert "Edited by a moderator on" in page


@pytest.mark.django_db
def test_emails_quote_the_markdown_as_typed_and_show_no_markup(mailoutbox, django_capture_on_commit_callbacks):
    author = make_author(
        user=make_user(email="writer@example.com"), comment_notifications=Author.CommentNotifications.EACH
    )
    typed = "Use `<b>`:\n\n```python\nif x:\n    pass\n```"
    comment = make_comment(make_post(author=author), comment=typed)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notifications.comment_published(comment)

    [message] = mailoutbox
    assert typed in message.body
    [(html, _)] = message.alternatives
    assert "Use `&lt;b&gt;`:<br><br>```python<br>if x:<br>    pass<br>```" in html
    assert "<code" not in html and "<pre" not in html
