"""What search engines and link previews read: titles, descriptions,
canonical links, OpenGraph/Twitter tags and JSON-LD, parsed and checked."""

import json
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from authors.roles import AUTHORS
from posts.models import Post
from tests.factories import image_upload, make_author, make_post, make_user

pytestmark = pytest.mark.django_db

SEED_TAGS = ["Django", "Flask", "FastAPI", "Python web framework", "REST API", "backend development"]
BASE = "http://testserver"


class Head(HTMLParser):
    """Collects <title>, <meta>, <link rel=canonical> and every <script>."""

    def __init__(self, html: str):
        super().__init__()
        self.title, self.meta, self.canonical, self.scripts = "", {}, [], []
        self._in_title = self._script = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in_title = True
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta.setdefault(attrs.get("property") or attrs["name"], []).append(attrs.get("content"))
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        elif tag == "script":
            self._script = {"attrs": attrs, "text": ""}

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._script is not None:
            self._script["text"] += data

    def one(self, name):
        [value] = self.meta[name]
        return value

    def json_ld(self) -> dict[str, dict]:
        blocks = [json.loads(s["text"]) for s in self.scripts if s["attrs"].get("type") == "application/ld+json"]
        return {block["@type"]: block for block in blocks}


def head(client, url) -> Head:
    response = client.get(url)
    assert response.status_code == 200, url
    return Head(response.content.decode())


def test_article_json_ld_carries_the_real_metadata(client, seed):
    page = head(client, seed.get_absolute_url())
    data = page.json_ld()
    article = data["BlogPosting"]
    url = f"{BASE}/posts/django-vs-flask-vs-fastapi/"

    assert article["@context"] == "https://schema.org"
    assert article["headline"] == seed.title
    assert article["description"] == seed.excerpt
    assert article["url"] == url and article["mainEntityOfPage"]["@id"] == url
    assert article["datePublished"].startswith("2026-03-19")
    assert datetime.fromisoformat(article["datePublished"]) == datetime.fromisoformat("2026-03-19T09:00:00+00:00")
    assert datetime.fromisoformat(article["dateModified"]) >= datetime.fromisoformat(article["datePublished"])
    assert article["author"] == {"@type": "Organization", "name": "Skolr", "url": f"{BASE}/authors/skolr/"}
    assert article["keywords"] == SEED_TAGS
    assert article["image"]["url"].startswith(f"{BASE}/media/posts/")
    assert (article["image"]["width"], article["image"]["height"]) == (1600, 900)
    assert article["inLanguage"] == "en-GB"
    publisher = article["publisher"]
    assert publisher["@type"] == "Organization" and publisher["name"] == "Skolr"
    assert publisher["logo"]["url"] == f"{BASE}/static/img/logo.png"
    assert finders.find("img/logo.png") and finders.find("img/og-default.png")

    crumbs = data["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Skolr Blog", f"{BASE}/"),
        (2, seed.title, url),
    ]


def test_article_social_tags(client, seed):
    page = head(client, seed.get_absolute_url())

    assert page.canonical == [f"{BASE}{seed.get_absolute_url()}"]
    assert page.one("og:type") == "article"
    assert page.one("og:title") == seed.title
    assert page.one("og:description") == seed.excerpt == page.one("description")
    assert page.one("og:url") == page.canonical[0]
    assert page.one("og:image").startswith(f"{BASE}/media/posts/")
    assert page.one("og:image:alt") == seed.thumbnail_alt
    assert page.one("og:locale") == "en_GB"
    assert page.one("article:published_time") == "2026-03-19T09:00:00+00:00"
    assert page.meta["article:tag"] == SEED_TAGS
    assert page.one("twitter:card") == "summary_large_image"
    assert page.one("twitter:image") == page.one("og:image")


def test_share_image_is_a_1200_by_630_rendition_when_renditions_are_on(client, settings):
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    post = make_post(thumbnail=image_upload(size=(1600, 900)), thumbnail_alt="A test card")

    page = head(client, post.get_absolute_url())

    assert (page.one("og:image:width"), page.one("og:image:height")) == ("1200", "630")
    assert page.one("og:image:type") == "image/jpeg"
    assert page.one("og:image").endswith(".jpg")
    image = page.json_ld()["BlogPosting"]["image"]
    assert image["url"] == page.one("og:image") and (image["width"], image["height"]) == (1200, 630)


def test_a_transparent_thumbnails_share_image_is_on_white(client, settings):
    """Found by QA: a link preview's image of a thumbnail with transparent
    parts (a logo, a diagram) had them black, as JPEG has no transparency:
    a logo drawn in black was a black box on Facebook, LinkedIn and X. The
    media library's previews likewise."""
    import io
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from posts.models import PostImage

    logo = Image.new("RGBA", (1600, 900), (0, 0, 0, 0))  # transparent black, as drawing programs store it
    logo.paste((0, 0, 0, 255), (700, 400, 900, 500))  # the logo, in black
    buffer = io.BytesIO()
    logo.save(buffer, "PNG")
    settings.BLOG = settings.BLOG | {"RESPONSIVE_IMAGES": True}
    post = make_post(thumbnail=SimpleUploadedFile("logo.png", buffer.getvalue()), thumbnail_alt="Our logo")
    PostImage.objects.create(post=post, image=SimpleUploadedFile("logo.png", buffer.getvalue()), alt="Logo")

    page = head(client, post.get_absolute_url())
    client.force_login(make_user(is_superuser=True, staff=True))
    library = client.get("/admin/posts/postimage/").content.decode()

    preview = re.search(r'<img src="(/media/cache/[^"]+)" width="120"', library).group(1)
    for address in (page.one("og:image").removeprefix(BASE), preview):
        with Image.open(Path(settings.MEDIA_ROOT) / address.removeprefix("/media/")) as rendition:
            assert rendition.format == "JPEG"
            assert rendition.convert("RGB").getpixel((5, 5)) == (255, 255, 255)  # the background, white
            middle = rendition.convert("L").getpixel((rendition.width // 2, rendition.height // 2))
            assert middle < 30  # the logo, still black


def test_people_are_persons_and_skolr_is_an_organization(client, seed):
    person = make_author(slug="ada", name="Ada Lovelace", website="https://ada.example/")
    post = make_post(author=person)

    assert head(client, post.get_absolute_url()).json_ld()["BlogPosting"]["author"]["@type"] == "Person"
    profile = head(client, "/authors/ada/").json_ld()["ProfilePage"]
    assert profile["mainEntity"]["@type"] == "Person"
    assert profile["mainEntity"]["sameAs"] == ["https://ada.example/"]

    skolr = head(client, "/authors/skolr/").json_ld()
    assert skolr["ProfilePage"]["url"] == f"{BASE}/authors/skolr/"
    entity = skolr["ProfilePage"]["mainEntity"]
    assert entity["@type"] == "Organization" and entity["name"] == "Skolr"
    assert entity["image"].startswith(f"{BASE}/media/authors/") and entity["image"].endswith("/skolr.png")
    assert "Data Analytics & Reporting" in entity["knowsAbout"]
    assert [c["name"] for c in skolr["BreadcrumbList"]["itemListElement"]] == ["Skolr Blog", "Authors", "Skolr"]


def test_author_page_describes_the_author_in_whole_words_and_loads_the_photo_first(client, seed):
    """Skolr's bio is about 500 characters: the description is the words of
    its start that fit in 160, and the photo at the top is not lazy."""
    bio = " ".join(seed.author.bio.split())
    response = client.get("/authors/skolr/")
    page = Head(response.content.decode())

    description = page.one("description")
    assert len(description) <= 160 and description.endswith("…")
    assert bio.startswith(description[:-1]) and bio[len(description) - 1] == " "  # ends on a whole word
    assert page.one("og:description") == description
    [photo] = re.findall(r'<img class="author-photo"[^>]*>', response.content.decode())
    assert 'loading="eager"' in photo and 'fetchpriority="high"' in photo

    # On an article, the same card comes last and its photo loads when scrolled to.
    [photo] = re.findall(r'<img class="author-photo"[^>]*>', client.get(seed.get_absolute_url()).content.decode())
    assert 'loading="lazy"' in photo


def test_home_describes_the_website_and_its_search(client, seed):
    website = head(client, "/").json_ld()["WebSite"]
    assert website["name"] == "Skolr Blog" and website["url"] == f"{BASE}/"
    assert website["potentialAction"]["target"]["urlTemplate"] == f"{BASE}/search/?q={{search_term_string}}"
    assert website["publisher"]["name"] == "Skolr"


def test_json_ld_cannot_be_closed_by_content(client):
    title = 'A </script><script>alert("x")</script> & more'
    post = make_post(title=title, tags=["</script>"])
    html = client.get(post.get_absolute_url()).content.decode()

    assert '<script>alert("x")' not in html
    article = Head(html).json_ld()["BlogPosting"]
    assert article["headline"] == title and article["keywords"] == ["</script>"]


def test_every_page_has_a_unique_title_and_description_and_social_tags(client, seed):
    author = make_author(slug="many")
    for n in range(11):
        make_post(author=author, tags=["Bulk"], published_at=timezone.now() - timedelta(days=n + 1))
    march = "/archive/2026/03/"

    def older(url):
        return url + re.search(r'href="([^"]+)" rel="next"', client.get(url).content.decode())[1]

    urls = [
        "/",
        older("/"),
        seed.get_absolute_url(),
        "/tags/",
        "/tags/django/",
        "/tags/bulk/",
        older("/tags/bulk/"),
        "/authors/",
        "/authors/skolr/",
        "/authors/many/",
        older("/authors/many/"),
        "/archive/",
        "/archive/2026/",
        march,
        "/search/?q=django",
        "/search/?q=flask",
    ]
    pages = {url: head(client, url) for url in urls}

    titles = [page.title for page in pages.values()]
    assert len(set(titles)) == len(titles), titles
    descriptions = [page.one("description") for page in pages.values()]
    assert all(descriptions) and len(set(descriptions)) >= len(descriptions) - 1  # two searches share one
    for url, page in pages.items():
        assert page.one("og:title") and page.one("og:image").startswith(BASE), url
        assert page.one("twitter:card") == "summary_large_image", url
        if url.startswith("/search/"):
            assert page.canonical == [] and page.one("robots") == "noindex", url
        else:
            # Each page of a list is its own canonical page, its cursor included.
            assert page.canonical == [f"{BASE}{url}"] == [page.one("og:url")], url
            assert "robots" not in page.meta, url


def test_breadcrumbs_on_tag_and_archive_pages(client, seed):
    def trail(url):
        return [(c["name"], c["item"]) for c in head(client, url).json_ld()["BreadcrumbList"]["itemListElement"]]

    assert trail("/tags/django/") == [
        ("Skolr Blog", f"{BASE}/"),
        ("Tags", f"{BASE}/tags/"),
        ("Django", f"{BASE}/tags/django/"),
    ]
    assert trail("/archive/2026/03/") == [
        ("Skolr Blog", f"{BASE}/"),
        ("Archive", f"{BASE}/archive/"),
        ("2026", f"{BASE}/archive/2026/"),
        ("March", f"{BASE}/archive/2026/03/"),
    ]


def test_no_inline_script_except_json_ld(client, seed):
    editor = make_user("writer", groups=[AUTHORS])
    draft = make_post(author=make_author(user=editor), status=Post.Status.DRAFT)
    urls = ["/", seed.get_absolute_url(), "/tags/", "/tags/django/", "/authors/skolr/", "/archive/", "/search/?q=x"]
    for url in urls:
        for script in head(client, url).scripts:
            assert script["attrs"].get("src") or script["attrs"].get("type") == "application/ld+json", url
    client.force_login(editor)
    preview = client.get(draft.get_absolute_url()).content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in preview
    assert not re.search(r"\son[a-z]+=", preview)
