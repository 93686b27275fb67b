"""Code blocks keep what the author wrote: stored as plain text with their
newlines, coloured only on the public page, never given a guessed language."""

import html
import re

import pytest

from posts.models import Post
from posts.search import plain_text
from tests.factories import admin_post_form, make_post

pytestmark = pytest.mark.django_db

CODE = "import math\nx = math.sqrt(2)\nprint(x)"
PYTHON_BLOCK = f'<pre><code class="language-python">{CODE}</code></pre>'
# How bodies were stored before: highlighted on save, spans between the lines.
HIGHLIGHTED = (
    '<pre class="code"><code class="language-python"><span class="kn">import</span><span class="w"> </span>'
    '<span class="nn">math</span>\n<span class="n">x</span> <span class="o">=</span> <span class="n">math</span>'
    '<span class="o">.</span><span class="n">sqrt</span><span class="p">(</span><span class="mi">2</span>'
    '<span class="p">)</span>\n<span class="nb">print</span><span class="p">(</span><span class="n">x</span>'
    '<span class="p">)</span></code></pre>'
)


def form_body(client, post) -> str:
    """The body the admin's change form hands the editor."""
    page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
    return html.unescape(re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL).group(1))


def test_code_block_survives_save_reload_and_save_again(client, writer):
    client.post("/admin/posts/post/add/", admin_post_form(body=f"<p>Roots:</p>{PYTHON_BLOCK}"))
    post = Post.objects.get(slug="fresh-draft")
    assert post.body == f"<p>Roots:</p>{PYTHON_BLOCK}"  # no spans, newlines intact

    reloaded = form_body(client, post)
    assert PYTHON_BLOCK in reloaded
    client.post(f"/admin/posts/post/{post.pk}/change/", admin_post_form(body=reloaded))
    post.refresh_from_db()
    assert post.body == f"<p>Roots:</p>{PYTHON_BLOCK}"
    assert plain_text(post.body) == "Roots: import math x = math.sqrt(2) print(x)"


def test_public_page_colours_a_chosen_language_and_shows_others_plain(client):
    post = make_post(body=f"{PYTHON_BLOCK}<pre><code>{CODE}\nif a &lt; b: pass</code></pre>")
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<pre class="code"><code class="language-python"><span class="kn">import</span>' in page
    assert f'<pre class="code"><code>{CODE}\nif a &lt; b: pass</code></pre>' in page  # no guess
    assert page.count("language-") == 1
    assert "<span" not in post.body


def test_highlighted_bodies_are_cleaned_back_to_plain_text():
    """An old revision restored, or a content file, may still hold spans."""
    post = make_post(body=HIGHLIGHTED.replace("language-python", "language-no-such-language"))
    assert post.body == f"<pre><code>{CODE}</code></pre>"
    post = make_post(body=HIGHLIGHTED, slug="kept")
    assert post.body == PYTHON_BLOCK
