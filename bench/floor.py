"""``python -m bench.floor``: how much of the article's render time is the
database, and how much Django, on this machine.

Against a database the benchmark built (``BENCH_DATABASE_URL``, e.g. the
``skolr_blog_bench10`` of ``python -m bench --sizes 10 --no-wrk`` with that
variable set), in one process, with the production middleware and without
the page cache, it renders, alternating:

1. the trivial hello view: the request cycle and the middleware;
2. the hello view that first runs the article's own SQL statements, as
   captured from a real render, through a plain cursor, and answers with the
   article's HTML: the database's share, with no ORM and no template;
3. the article itself.

The figures are what an uncached render could reach without the ORM and the
template engine (docs/performance.md, "Why the article is not 3 ms"). It
prints; it changes nothing in the database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from deploy import stack

ARTICLE = "/posts/django-vs-flask-vs-fastapi/"
PAGE_CACHE = "skolr_blog.page_cache.AnonymousPageCacheMiddleware"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="alternations of 10 renders per page (default 30)")
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not database_url:
        sys.exit("Set BENCH_DATABASE_URL to a database built by `python -m bench` (see this module's docstring).")
    var = stack.REPO / "var" / "bench"
    os.environ.update(
        stack.production_env(
            var_dir=var,
            database_url=database_url,
            cache_url="locmemcache://bench-floor",
            static_root=var / "static",
            media_root=var / "media",
            DJANGO_BENCH_HELLO="1",
            DJANGO_LOG_LEVEL="WARNING",
        )
    )
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import clear_url_caches, path

    import skolr_blog.urls

    client = Client(HTTP_HOST="127.0.0.1")
    middleware = [name for name in settings.MIDDLEWARE if name != PAGE_CACHE]
    with override_settings(MIDDLEWARE=middleware):
        client.get(ARTICLE)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(ARTICLE).content
    statements = [query["sql"] for query in captured.captured_queries]  # parameters filled in

    def database_only(request):
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
        return HttpResponse(html)

    skolr_blog.urls.urlpatterns.insert(0, path("__floor__/", database_only))
    clear_url_caches()
    pages = {
        "hello view": "/__hello__/",
        f"hello + the article's {len(statements)} SQL statements, raw": "/__floor__/",
        "article, rendered": ARTICLE,
    }
    times: dict[str, list[float]] = {label: [] for label in pages}
    with override_settings(MIDDLEWARE=middleware):
        for url in pages.values():
            for _ in range(20):
                assert client.get(url).status_code == 200, url
        for _ in range(args.rounds):
            for label, url in pages.items():
                for _ in range(10):
                    start = time.perf_counter()
                    client.get(url)
                    times[label].append((time.perf_counter() - start) * 1000)
    print(f"{len(html):,} bytes of HTML; {args.rounds} rounds of 10 renders each, alternated\n")
    print("| in-process, ms | median | 10th percentile |\n|---|---:|---:|")
    for label, values in times.items():
        values.sort()
        print(f"| {label} | {statistics.median(values):.2f} | {values[len(values) // 10]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
