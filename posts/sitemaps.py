"""sitemap.xml and robots.txt.

The sitemaps list what readers can reach: published posts (lastmod: the last
meaningful change; not those hidden from search engines or first published
elsewhere), tags and authors with published posts, the archive months and
years, the home, tag and archive index pages, and published pages (About…).
Never drafts, previews or search results. Like every absolute address on the
site they use the request's host (see ``posts.seo``): each request gets its own sitemap
objects carrying it.

``/sitemap.xml`` is an index of sections (``/sitemap-posts.xml`` and so on),
each in pages of at most ``RequestSitemap.limit`` addresses (``?p=2``…). One
file for everything stopped working at scale: at 100,000 posts it held
50,211 addresses (the protocol allows 50,000), weighed 4.5 MB, took 4.2 s,
and the posts past the 50,000th were in no sitemap at all.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from authors.models import Author

from .discovery import archive_months, tags_in_use
from .models import Page, Post, TaggedPost


def newest_publish_date():
    return Post.objects.published().aggregate(latest=Max("published_at"))["latest"]


class RequestSitemap(Sitemap):
    # Addresses per page: ~0.4 s to render 5,000 here, and well under the
    # protocol's 50,000 addresses and 50 MB.
    limit = 5_000

    def __init__(self, request):
        self.request = request

    def get_latest_lastmod(self):
        """The section's newest lastmod, for the index, in one aggregate
        query (Django's default asks every item). Every section but the
        posts' changes with the newest post."""
        return newest_publish_date()

    def get_domain(self, site=None) -> str:
        return self.request.get_host()

    def get_protocol(self, protocol=None) -> str:
        return self.request.scheme


class PostSitemap(RequestSitemap):
    """Published posts whose address here is the one to index: not those
    hidden from search engines, nor those whose canonical address is the
    original elsewhere (a sitemap lists canonical addresses only)."""

    def posts(self):
        return Post.objects.published().filter(noindex=False, canonical_url="")

    def items(self):
        return self.posts().only("slug", "published_at", "content_updated_at")

    def lastmod(self, post):
        return post.content_updated_at or post.published_at

    def get_latest_lastmod(self):
        latest = Coalesce("content_updated_at", "published_at")
        return self.posts().aggregate(latest=Max(latest))["latest"]


class TagSitemap(RequestSitemap):
    def items(self):
        # The newest published tagging's date: tags_in_use() filtered these taggings.
        return tags_in_use().annotate(latest=Max("posts_taggedpost_items__published_at"))

    def location(self, tag) -> str:
        return reverse("posts:tag", args=[tag.slug])

    def lastmod(self, tag):
        return tag.latest

    def get_latest_lastmod(self):
        taggings = TaggedPost.objects.published().exclude(tag__slug="")
        return taggings.aggregate(latest=Max("published_at"))["latest"]


class AuthorSitemap(RequestSitemap):
    def items(self):
        # Each author's newest published post, off the (author, status,
        # published_at) index: grouping all their posts took 205 ms at 100,000.
        # Posts they co-wrote count too: a few rows of the co-authors' table.
        newest = Post.objects.published().filter(author=OuterRef("pk")).order_by("-published_at")
        co_written = Post.objects.published().filter(co_author_links__author=OuterRef("pk")).order_by("-published_at")
        latest = Greatest(
            Coalesce(Subquery(newest.values("published_at")[:1]), Subquery(co_written.values("published_at")[:1])),
            Coalesce(Subquery(co_written.values("published_at")[:1]), Subquery(newest.values("published_at")[:1])),
        )
        return Author.objects.annotate(latest=latest).filter(latest__isnull=False).only("slug", "name").order_by("name")

    def lastmod(self, author):
        return author.latest


class ArchiveSitemap(RequestSitemap):
    """Every month with posts, then every year (from the same one query)."""

    def items(self):
        months = archive_months()
        years: dict[int, object] = {}
        for entry in months:
            years.setdefault(entry.month.year, entry.latest)  # newest month comes first
        month_pages = [(reverse("posts:archive_month", args=[m.month.year, m.month.month]), m.latest) for m in months]
        year_pages = [(reverse("posts:archive_year", args=[year]), latest) for year, latest in years.items()]
        return month_pages + year_pages

    def location(self, item) -> str:
        return item[0]

    def lastmod(self, item):
        return item[1]


class PageSitemap(RequestSitemap):
    """The home page and the index pages, which change with the newest post,
    then the published pages (About…), each as last saved."""

    INDEX_PAGES = ["posts:list", "posts:tags", "authors:index", "posts:archive"]

    def items(self):
        newest = newest_publish_date()
        pages = Page.objects.published().only("slug", "updated_at").order_by("slug")
        return [(reverse(name), newest) for name in self.INDEX_PAGES] + [
            (page.get_absolute_url(), page.updated_at) for page in pages
        ]

    def location(self, item) -> str:
        return item[0]

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        dates = [newest_publish_date(), Page.objects.published().aggregate(latest=Max("updated_at"))["latest"]]
        return max((date for date in dates if date), default=None)


SITEMAPS = {
    "pages": PageSitemap,
    "posts": PostSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "archives": ArchiveSitemap,
}


# GET and HEAD (``require_safe``): crawlers and link checkers ask with HEAD
# too, and a 405 there reads as "not here".
@require_safe
@sitemap_views.x_robots_tag
def sitemap_index(request):
    """``/sitemap.xml``: every page of every section that has addresses.

    Not Django's ``index`` view: it writes the sections' addresses in the
    sites framework's domain, where every other address here is in the
    request's host."""
    entries = []
    for section, cls in SITEMAPS.items():
        site = cls(request)
        pages = site.paginator  # a new paginator, and count, at each access
        if not pages.count:
            continue
        location = request.build_absolute_uri(reverse("sitemap_section", args=[section]))
        latest = site.get_latest_lastmod()
        entries += [
            sitemap_views.SitemapIndexItem(location if page == 1 else f"{location}?p={page}", latest)
            for page in pages.page_range
        ]
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml")


@require_safe
def sitemap_section(request, section: str):
    """``/sitemap-<section>.xml?p=N``; a page that does not exist is a 404."""
    if section not in SITEMAPS:
        raise Http404("No such sitemap.")
    return sitemap_views.sitemap(request, {section: SITEMAPS[section](request)}, section=section)


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """Crawl everything public; skip the admin and the comment endpoints.

    Search results and previews are not disallowed but ``noindex``: a
    crawler must be able to fetch a page to see that it should drop it.
    """
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /comments/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
