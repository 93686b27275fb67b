"""The content loader: idempotent, and all-or-nothing on a bad file."""

import io
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from authors.models import Author
from posts.models import Page, Post, TaggedPost

pytestmark = pytest.mark.django_db

CONTENT = settings.BASE_DIR / "content"


def load(folder) -> str:
    out = io.StringIO()
    call_command("load_posts", str(folder), stdout=out)
    return out.getvalue()


def snapshot(media_root: Path):
    rows = (
        list(Author.objects.values().order_by("pk")),
        list(Post.objects.values().order_by("pk")),
        list(Page.objects.values().order_by("pk")),
        sorted(TaggedPost.objects.values_list("content_object_id", "tag__name")),
    )
    files = sorted(
        (str(path.relative_to(media_root)), path.read_bytes()) for path in media_root.rglob("*") if path.is_file()
    )
    return rows, files


def test_loading_twice_changes_nothing(settings):
    assert "Loaded 1 author(s), 1 post(s) and 1 page(s): 3 created" in load(CONTENT)
    before = snapshot(Path(settings.MEDIA_ROOT))

    assert "0 created, 0 updated, 3 unchanged" in load(CONTENT)

    assert snapshot(Path(settings.MEDIA_ROOT)) == before
    assert len(before[1]) == 2  # one thumbnail, one photo: no duplicates


def test_a_start_keeps_what_was_edited_in_the_admin(tmp_path):
    """``make run`` and ``make serve`` load with --keep-existing on every
    start: edits to the shipped post, page and profile stay, and a post
    added to content/ since is created."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    load(folder)
    Post.objects.filter(slug="django-vs-flask-vs-fastapi").update(title="Edited in the admin")
    Author.objects.filter(slug="skolr").update(bio="Bio edited in the admin.")
    Page.objects.filter(slug="about").update(title="About us", show_in_header=False)
    article = folder / "posts" / "django-vs-flask-vs-fastapi.html"
    added = folder / "posts" / "a-second-article.html"
    source = article.read_text().replace('slug = "django-vs-flask-vs-fastapi"', 'slug = "a-second-article"')
    added.write_text(re.sub(r"(?m)^title = .*$", 'title = "A second article"', source, count=1))

    out = io.StringIO()
    call_command("load_posts", "--keep-existing", str(folder), stdout=out)

    assert "1 created, 3 already in the database (kept as they are)" in out.getvalue()
    assert Post.objects.get(slug="django-vs-flask-vs-fastapi").title == "Edited in the admin"
    assert Author.objects.get(slug="skolr").bio == "Bio edited in the admin."
    assert Page.objects.filter(slug="about", title="About us", show_in_header=False).exists()
    assert Post.objects.get(slug="a-second-article").title == "A second article"


def test_editing_the_file_updates_the_post(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    load(folder)
    article = folder / "posts" / "django-vs-flask-vs-fastapi.html"
    article.write_text(article.read_text().replace('"REST API", ', ""))

    assert "1 updated" in load(folder)
    post = Post.objects.get(slug="django-vs-flask-vs-fastapi")
    assert "REST API" not in {tag.name for tag in post.tags.all()}
    assert post.tags.count() == 5


def _broken_copy(tmp_path, replace: tuple[str, str] | None = None, extra: tuple[str, str] | None = None):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    article = folder / "posts" / "django-vs-flask-vs-fastapi.html"
    if replace:
        text = article.read_text()
        assert replace[0] in text
        article.write_text(text.replace(*replace, 1))
    if extra:
        (folder / "posts" / extra[0]).write_text(extra[1])
    return folder


@pytest.mark.parametrize(
    ("replace", "extra", "message"),
    [
        (("title = ", "titel = "), None, "unknown field(s): titel"),
        (('status = "published"', 'status = "live"'), None, "status must be one of draft, review, published"),
        (('author = "skolr"', 'author = "nobody"'), None, "author 'nobody' has no authors/*.toml file"),
        (("published_at = 2026-03-19T09:00:00Z", 'published_at = "yesterday"'), None, "published_at"),
        (
            ("published_at = 2026-03-19T09:00:00Z", "published_at = 0999-03-19T09:00:00Z"),
            None,
            "published_at must be in a year from 1900 to 2998, not 999",
        ),
        (("../images/django-vs-flask-vs-fastapi.png", "../images/missing.png"), None, "does not exist"),
        (("thumbnail_alt = ", "# thumbnail_alt = "), None, "a thumbnail needs thumbnail_alt text"),
        (("+++\ntitle", "title"), None, "must start with front matter"),
        (('slug = "django-vs-flask-vs-fastapi"', 'slug = "no spaces allowed"'), None, "slug 'no spaces allowed'"),
        (None, ("zz-second.html", '+++\ntitle = "Second"\nslug = "second"\nauthor = "skolr"\n+++\n'), "no body"),
        (None, ("zz-broken.html", "+++\ntitle = [unclosed\n+++\n<p>x</p>"), "front matter is not valid TOML"),
    ],
)
def test_malformed_file_names_the_file_and_writes_nothing(tmp_path, settings, replace, extra, message):
    folder = _broken_copy(tmp_path, replace, extra)

    with pytest.raises(CommandError) as error:
        load(folder)

    assert message in str(error.value)
    assert str(folder / "posts") in str(error.value)
    assert Post.objects.count() == 0 and Author.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_malformed_file_leaves_an_existing_site_untouched(tmp_path, settings):
    load(CONTENT)
    before = snapshot(Path(settings.MEDIA_ROOT))
    folder = _broken_copy(tmp_path, extra=("zz-broken.html", "+++\ntitle = [unclosed\n+++\n<p>x</p>"))
    article = folder / "posts" / "django-vs-flask-vs-fastapi.html"
    article.write_text(article.read_text().replace("Our Recommendation", "Changed heading"))

    with pytest.raises(CommandError, match=r"zz-broken\.html"):
        load(folder)

    assert snapshot(Path(settings.MEDIA_ROOT)) == before


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such folder"):
        load(tmp_path / "nope")


def test_script_in_a_content_file_is_removed(tmp_path):
    folder = _broken_copy(
        tmp_path,
        replace=(
            "<h2>Our Recommendation</h2>",
            '<h2 onclick="alert(1)">Our Recommendation</h2><script>alert(1)</script>',
        ),
    )
    load(folder)
    body = Post.objects.get().body
    assert "<script" not in body and "onclick" not in body and "alert(1)" not in body
    assert '<h2 id="our-recommendation">Our Recommendation</h2>' in body


def test_a_fresh_start_has_the_about_page_in_the_header(client):
    """What ``make run`` loads: Skolr's About page, published and linked
    from every page's header."""
    call_command("load_posts", "--keep-existing", str(CONTENT), stdout=io.StringIO())

    about = Page.objects.get(slug="about")
    assert about.published and about.show_in_header and not about.show_in_footer
    home = client.get("/").content.decode()
    assert '<li><a href="/about/">About</a></li>' in home
    page = client.get("/about/").content.decode()
    assert "Skolr" in page and "Student Information System" in page and "NAAC" in page


def test_editing_the_page_file_updates_the_page(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    load(folder)
    about = folder / "pages" / "about.html"
    about.write_text(about.read_text().replace("show_in_footer = false", "show_in_footer = true"))

    assert "1 updated" in load(folder)
    assert Page.objects.get(slug="about").show_in_footer


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('+++\ntitle = "Posts"\nslug = "posts"\npublished = true\n+++\n<p>x</p>', "blog's own addresses"),
        ('+++\ntitle = "Odd"\nslug = "odd"\nmenu = "top"\n+++\n<p>x</p>', "unknown field(s): menu"),
        ('+++\ntitle = "Odd"\nslug = "odd"\nmenu_order = -1\n+++\n<p>x</p>', "menu_order must be"),
        ('+++\ntitle = "Odd"\nslug = "odd"\npublished = "yes"\n+++\n<p>x</p>', "'published' must be bool"),
        ('+++\ntitle = "Empty"\nslug = "empty"\n+++\n', "the page has no body"),
    ],
)
def test_a_malformed_page_file_names_the_file_and_writes_nothing(tmp_path, text, message):
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    (folder / "pages" / "zz-odd.html").write_text(text)

    with pytest.raises(CommandError) as error:
        load(folder)

    assert message in str(error.value) and "zz-odd.html" in str(error.value)
    assert not Page.objects.exists() and not Post.objects.exists()
