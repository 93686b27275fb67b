"""sitemap.xml and robots.txt.

The sitemap lists what readers can reach: published posts (lastmod: the last
meaningful change), tags and authors with published posts, the archive
months and years, and the home, tag and archive index pages. Never drafts,
previews or search results. Like every absolute address on the site it uses
the request's host (see ``posts.seo``): each request gets its own sitemap
objects carrying it.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from authors.models import Author

from .discovery import archive_months, tags_in_use
from .models import Post


class RequestSitemap(Sitemap):
    def __init__(self, request):
        self.request = request

    def get_domain(self, site=None) -> str:
        return self.request.get_host()

    def get_protocol(self, protocol=None) -> str:
        return self.request.scheme


class PostSitemap(RequestSitemap):
    def items(self):
        return Post.objects.published().only("slug", "published_at", "content_updated_at")

    def lastmod(self, post):
        return post.content_updated_at or post.published_at


class TagSitemap(RequestSitemap):
    def items(self):
        # The newest published tagging's date: tags_in_use() filtered these taggings.
        return tags_in_use().annotate(latest=Max("posts_taggedpost_items__published_at"))

    def location(self, tag) -> str:
        return reverse("posts:tag", args=[tag.slug])

    def lastmod(self, tag):
        return tag.latest


class AuthorSitemap(RequestSitemap):
    def items(self):
        return (
            Author.objects.filter(posts__in=Post.objects.published())
            .annotate(latest=Max("posts__published_at"))
            .only("slug", "name")
            .order_by("name")
        )

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
    """The home page and the two index pages; all change with the newest post."""

    def items(self):
        return ["posts:list", "posts:tags", "posts:archive"]

    def location(self, name) -> str:
        return reverse(name)

    def lastmod(self, name):
        if not hasattr(self, "_latest"):
            self._latest = Post.objects.published().aggregate(latest=Max("published_at"))["latest"]
        return self._latest


SITEMAPS = {
    "pages": PageSitemap,
    "posts": PostSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "archives": ArchiveSitemap,
}


@require_GET
def sitemap(request):
    return sitemap_views.sitemap(request, {name: cls(request) for name, cls in SITEMAPS.items()})


@require_GET
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
