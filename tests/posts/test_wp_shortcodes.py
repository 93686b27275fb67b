"""WordPress shortcodes on import (posts/wp_shortcodes.py): code, embeds,
Jetpack videos, audio and video files, and galleries become what the editor
here holds; any other is left as text and named in the summary."""

from pathlib import Path

import pytest

from posts.models import Page, Post
from tests.posts.test_importers import WXR, run

pytestmark = pytest.mark.django_db

SITE = "https://classroom-notes.example.org"

BODY = """<p>Loops first.</p>

[code language="python"]
for pupil in register:
    if pupil.mark < 50 and pupil.present:
        print(f"{pupil} &amp; friends")

done = True
[/code]

[sourcecode lang="js"]let a = b <b>bold?</b>;[/sourcecode]

[php]echo "hi";[/php]

[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]

[youtube https://youtu.be/dQw4w9WgXcQ?t=30]

[vimeo 76979871]

[embed]javascript:alert(1)[/embed]

[audio mp3="https://classroom-notes.example.org/wp-content/uploads/lesson.mp3"][/audio]

[gallery ids="41,42,99" columns="2"]

[gallery]

[contact-form-7 id="5" title="Contact"]

Prices go up [sic] and [note]not a shortcode[/note] either.
"""


def item(post_id: int, title: str, body: str, post_type: str = "post", parent: int = 0, url: str = "") -> str:
    attachment = f"<wp:attachment_url><![CDATA[{url}]]></wp:attachment_url>" if url else ""
    return f"""
	<item>
		<title><![CDATA[{title}]]></title>
		<link>{SITE}/?p={post_id}</link>
		<dc:creator><![CDATA[mrivera]]></dc:creator>
		<content:encoded><![CDATA[{body}]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>{post_id}</wp:post_id>
		<wp:post_date_gmt><![CDATA[2025-12-01 08:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[{title.lower().replace(" ", "-")}]]></wp:post_name>
		<wp:status><![CDATA[{"inherit" if post_type == "attachment" else "publish"}]]></wp:status>
		<wp:post_parent>{parent}</wp:post_parent>
		<wp:post_type><![CDATA[{post_type}]]></wp:post_type>
		<wp:post_password><![CDATA[]]></wp:post_password>
		{attachment}
	</item>"""


def export(tmp_path: Path, *items: str) -> Path:
    """The fixture's export with ``items`` added (a gallery's images after its post, as WordPress may write them)."""
    path = tmp_path / "export.xml"
    path.write_text(WXR.read_text().replace("</channel>", "".join(items) + "\n</channel>"))
    return path


@pytest.fixture
def imported(tmp_path):
    path = export(
        tmp_path,
        item(40, "Shortcodes galore", BODY),
        item(41, "Board", "", "attachment", parent=40, url=f"{SITE}/wp-content/uploads/board.jpg"),
        item(42, "Desks", "", "attachment", parent=7, url=f"{SITE}/wp-content/uploads/desks.png"),
        item(43, "Handout", "", "attachment", parent=40, url=f"{SITE}/wp-content/uploads/handout.pdf"),
        item(44, "About us", "[gallery]\n\n[code]x = 1[/code]", "page"),
    )
    out = run("import_wordpress", path)
    return Post.objects.get(slug="shortcodes-galore"), out


def test_code_shortcodes_become_code_blocks_in_their_language_with_every_line(imported, client):
    post, _ = imported
    assert (
        '<pre><code class="language-python">for pupil in register:\n'
        "    if pupil.mark &lt; 50 and pupil.present:\n"
        '        print(f"{pupil} &amp; friends")\n\ndone = True</code></pre>'
    ) in post.body
    assert '<pre><code class="language-javascript">let a = b &lt;b&gt;bold?&lt;/b&gt;;</code></pre>' in post.body
    assert '<pre><code class="language-php">echo "hi";</code></pre>' in post.body
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<b>bold?</b>" not in page and "[code" not in page and "[/sourcecode]" not in page
    assert "register" in page  # highlighted, as the blog's own code blocks are


def test_embeds_and_jetpack_videos_become_players_and_files_become_links(imported, client):
    post, out = imported
    page = client.get(post.get_absolute_url()).content.decode()
    assert page.count("Play video on YouTube") == 2 and page.count("Play video on Vimeo") == 1
    assert '<p><a href="https://youtu.be/dQw4w9WgXcQ?t=30">https://youtu.be/dQw4w9WgXcQ?t=30</a></p>' in post.body
    assert '<p><a href="https://vimeo.com/76979871">https://vimeo.com/76979871</a></p>' in post.body
    assert "[embed]javascript:alert(1)[/embed]" in post.body and 'href="javascript' not in post.body  # left as text
    mp3 = f"{SITE}/wp-content/uploads/lesson.mp3"
    assert f'<a href="{mp3}">{mp3}</a>' in post.body
    assert f"post “Shortcodes galore”: its audio file stays on the old site, linked: {mp3}" in out


def test_a_gallery_is_a_figure_per_image_of_the_media_library(imported):
    post, out = imported
    figures = [f"{SITE}/wp-content/uploads/board.jpg", f"{SITE}/wp-content/uploads/desks.png"]
    for url in figures:  # by its ids, in their order; then the images attached to the post (not the PDF)
        assert f'<figure><img src="{url}" alt="' in post.body
    assert post.body.index("board.jpg") < post.body.index("desks.png")
    assert post.body.count("board.jpg") == 2 and "handout.pdf" not in post.body
    assert "post “Shortcodes galore”: gallery images not in the file (attachments 99)." in out
    assert "(attachments 43)" not in out  # the post's PDF is no gallery image
    # Then downloaded like any image of the body (here --no-images: named as staying behind).
    assert "post “Shortcodes galore”: its images stay on classroom-notes.example.org" in out


def test_other_shortcodes_stay_as_text_and_the_summary_names_them(imported):
    post, out = imported
    assert '[contact-form-7 id="5" title="Contact"]' in post.body
    assert "Prices go up [sic] and [note]not a shortcode[/note] either." in post.body
    assert (
        "post “Shortcodes galore”: shortcodes with no equivalent here, left as text: [contact-form-7], [embed], [note]."
        in out
    )


def test_pages_get_the_same(imported):
    page = Page.objects.get(slug="about-us")
    assert "<pre><code>x = 1</code></pre>" in page.body
    assert "[gallery]" not in page.body  # a page with no images attached: nothing to show


def test_shortcodes_shown_in_code_stay_as_written(tmp_path):
    """Found by QA: a tutorial's code showing shortcodes lost them to the
    expansions, and its summary named audio and gallery files it has not."""
    body = (
        '[code lang="php"]\n// In a post, type: [youtube https://youtu.be/dQw4w9WgXcQ]\n'
        "echo do_shortcode( '[gallery ids=\"101\"]' );\n[/code]\n\n"
        '<pre>Audio: [audio mp3="https://example.org/a.mp3"][/audio]</pre>\n\n'
        '[code lang="html"]<pre>kept as code</pre>[/code]'
    )
    out = run("import_wordpress", export(tmp_path, item(50, "Shortcodes in code", body)))
    post = Post.objects.get(slug="shortcodes-in-code")
    assert (
        '<pre><code class="language-php">// In a post, type: [youtube https://youtu.be/dQw4w9WgXcQ]\n'
        "echo do_shortcode( '[gallery ids=\"101\"]' );</code></pre>"
    ) in post.body
    assert 'Audio: [audio mp3="https://example.org/a.mp3"][/audio]' in post.body
    assert '<pre><code class="language-html">&lt;pre&gt;kept as code&lt;/pre&gt;</code></pre>' in post.body
    assert "Shortcodes in code" not in out  # nothing to say about it
