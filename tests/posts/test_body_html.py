"""What an author types cannot run script on the public page."""

import pytest

from posts.html import add_heading_anchors
from posts.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">click</a>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<iframe src="https://example.com"></iframe>',
        "<svg onload=alert(1)>",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        "<object data=x></object><embed src=x>",
        '<form action="https://example.com"><input name=x></form>',
    ],
)
def test_hostile_markup_is_removed_on_save(client, hostile):
    post = make_post(body=f"<p>Safe text.</p>{hostile}")
    post.refresh_from_db()
    for needle in ["<script", "onerror", "onload", "javascript:", "<iframe", "style=", "<object", "<embed", "<form"]:
        assert needle not in post.body.lower()
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<p>Safe text.</p>" in page
    assert "alert(1)</script>" not in page


def test_allowed_markup_survives():
    body = (
        '<h2>Intro</h2><p><strong>b</strong> <em>i</em> <a href="https://skolr.example/">link</a></p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote><p>q</p></blockquote>"
        "<pre><code>print('hi')</code></pre><hr><table><tbody><tr><td>cell</td></tr></tbody></table>"
    )
    stored = make_post(body=body).body
    for needle in ["<strong>b</strong>", "<em>i</em>", 'href="https://skolr.example/"', "<ul><li>one</li></ul>",
                   "<blockquote>", "<pre><code>print('hi')</code></pre>", "<hr>", "<td>cell</td>",
                   '<h2 id="intro">Intro</h2>']:  # fmt: skip
        assert needle in stored


def test_heading_anchors_are_stable_and_unique():
    html = "<h2>Setup</h2><h3>Setup</h3><h2>Q&amp;A — <em>live</em></h2><h4></h4>"
    anchored = add_heading_anchors(html)
    assert anchored == (
        '<h2 id="setup">Setup</h2><h3 id="setup-2">Setup</h3>'
        '<h2 id="qa-live">Q&amp;A — <em>live</em></h2><h4 id="section"></h4>'
    )
    assert add_heading_anchors(anchored) == anchored


def test_code_blocks_are_stored_plain_and_highlighted_when_shown(client):
    post = make_post(body='<pre><code class="language-python">def f(x):\n    return x &lt; 2</code></pre>')
    assert post.body == '<pre><code class="language-python">def f(x):\n    return x &lt; 2</code></pre>'
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<pre class="code"><code class="language-python"><span class="k">def</span>' in page
    assert '<span class="o">&lt;</span>' in page
    post.save()  # saving again changes nothing
    assert Post.objects.get(pk=post.pk).body == post.body


def test_code_cannot_smuggle_markup(client):
    post = make_post(body='<pre><code class="language-html">&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>')
    assert "<script" not in post.body
    assert "&lt;" in post.body
    assert "alert(1)</script>" not in client.get(post.get_absolute_url()).content.decode()
