"""Template tags for the page head: canonical address, link-preview tags and
JSON-LD. The data itself is built in ``posts.seo``."""

import html
from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from .. import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    return seo.absolute(context.get("request"), str(url))


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's address without its query string, except a page number
    beyond the first (each page of a list is its own canonical page)."""
    request = context.get("request")
    if request is None:
        return ""
    url = seo.absolute(request, request.path)
    page = context.get("page_obj")
    return f"{url}?page={page.number}" if page and page.number > 1 else url


@register.filter
def meta_description(value) -> str:
    """A description for the page head (``posts.seo.description``), escaped.

    Works on plain and on rendered text (``{% filter meta_description %}``),
    which it unescapes first so an entity is never cut in half.
    """
    return escape(seo.description(html.unescape(str(value))))


@register.inclusion_tag("includes/social_meta.html", takes_context=True)
def social_meta(context, title: str = "", description: str = "", post=None, url: str = ""):
    """OpenGraph and Twitter card tags. ``post`` makes it an article with the
    post's share image, and its title, description and address (overrides
    included, see ``posts.seo``); other pages get the blog's card."""
    request = context.get("request")
    blog = settings.BLOG
    if post:
        title, description, url = seo.post_title(post), seo.post_description(post), seo.post_canonical(post, request)
    image = (seo.share_image(post) if post else None) or seo.default_share_image()
    return {
        "site_name": blog["NAME"],
        "locale": seo.language_tag().replace("-", "_"),
        "title": title or blog["NAME"],
        "description": description or blog["TAGLINE"],
        "url": url or canonical_url(context),
        "type": "article" if post else "website",
        "post": post,
        "image": image,
        "image_url": seo.absolute(request, image.url),
        "author_urls": [seo.absolute(request, a.get_absolute_url()) for a in post.all_authors] if post else [],
        "modified": (post.content_updated_at or post.published_at) if post else None,
    }


@register.simple_tag
def post_document_title(post) -> str:
    return seo.post_document_title(post)


@register.simple_tag
def post_description(post) -> str:
    return seo.post_description(post)


@register.simple_tag(takes_context=True)
def post_canonical(context, post) -> str:
    return seo.post_canonical(post, context.get("request"))


@register.simple_tag(takes_context=True)
def share_links(context, post) -> SafeString:
    """Links that share the post on Bluesky, LinkedIn, X, Facebook or by email.

    Plain addresses of each site's own share page, not their buttons or
    scripts: a reader's browser contacts none of them until the reader
    clicks, the page stays one that every reader is served from the cache,
    and the Content-Security-Policy needs no exception. They share the
    post's canonical address (the original's, for a post first published
    elsewhere), which is also its link preview's."""
    url, title = seo.post_canonical(post, context.get("request")), seo.post_title(post)
    sites = [
        ("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": f"{title} {url}"})),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        ("X", "https://x.com/intent/post?" + urlencode({"text": title, "url": url})),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
    ]
    links = format_html_join("", '<li><a href="{1}" target="_blank" rel="noopener noreferrer">{0}</a></li>', sites)
    email = f"mailto:?subject={quote(title)}&body={quote(url)}"
    return format_html(
        '<nav class="share" aria-label="Share this post"><h2>Share this post</h2>'
        '<ul>{}<li><a href="{}">Email</a></li></ul></nav>',
        links,
        email,
    )


@register.simple_tag(takes_context=True)
def post_json_ld(context, post):
    return seo.json_ld(seo.blog_posting(post, context["request"]))


@register.simple_tag(takes_context=True)
def author_json_ld(context, author):
    return seo.json_ld(seo.profile_page(author, context["request"]))


@register.simple_tag(takes_context=True)
def website_json_ld(context):
    return seo.json_ld(seo.website(context["request"]))


@register.simple_tag(takes_context=True)
def breadcrumbs(context, *names_and_urls):
    """``{% breadcrumbs "Tags" tags_url tag.name "" as crumbs %}``: the trail
    from the home page to this one, as (name, url) pairs; an empty url means
    this page. Render it with ``includes/breadcrumbs.html``."""
    request = context["request"]
    pairs = list(zip(names_and_urls[::2], names_and_urls[1::2], strict=True))
    crumbs = [(settings.BLOG["NAME"], "/")] + [(str(name), url or request.path) for name, url in pairs]
    return {"trail": crumbs, "json_ld": seo.json_ld(seo.breadcrumb_list(crumbs, request))}
