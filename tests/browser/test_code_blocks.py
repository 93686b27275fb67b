"""A code block edited again in the prose editor keeps its lines.

ProseMirror reads a code block's text only: bodies stored with highlighting
spans lost the newlines between them as soon as the change form loaded.
"""

from playwright.sync_api import Page, expect

from posts.models import Post
from tests.browser.test_authoring import author_account, log_in, save
from tests.factories import make_post

CODE = "import math\nx = math.sqrt(2)\nprint(x)"
BODY = f'<p>Roots:</p><pre><code class="language-python">{CODE}</code></pre>'


def test_code_block_keeps_its_lines_in_the_editor_and_after_saving(page: Page, live_site):
    base = live_site.url
    user = author_account("ada", can_publish=True)
    post = make_post(author=user.author, status=Post.Status.DRAFT, published_at=None, body=BODY)

    log_in(page, base, "ada")
    page.goto(f"{base}/admin/posts/post/{post.pk}/change/")
    code = page.locator(".field-body .ProseMirror pre code")
    expect(code).to_have_count(1)
    assert code.inner_text() == CODE

    save(page, "Save and continue editing")
    post.refresh_from_db()
    assert post.body == BODY
    expect(page.locator(".field-body .ProseMirror pre code")).to_have_text(CODE)
