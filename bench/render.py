"""In-process render times: Django's test client, the page cache taken out.

Each page is requested twice to warm up (image renditions, template
loading), then ``repeat`` times; the median is reported with the number of
queries and the HTML size, raw and gzipped (level 5, as deploy/nginx.conf).
The shared page cache is removed from the middleware for these requests, so
every one renders; everything else is the production stack's middleware.
"""

from __future__ import annotations

import gzip
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

PAGE_CACHE = "skolr_blog.page_cache.AnonymousPageCacheMiddleware"


@dataclass
class Render:
    label: str
    url: str
    status: int
    median_ms: float
    queries: int
    html_bytes: int
    gzip_bytes: int


def measure(label: str, url: str, repeat: int = 15, warmup: int = 2) -> Render:
    client = Client(HTTP_HOST="127.0.0.1")
    middleware = [name for name in settings.MIDDLEWARE if name != PAGE_CACHE]
    with override_settings(MIDDLEWARE=middleware):
        for _ in range(warmup):
            client.get(url)
        if connection.vendor == "sqlite":
            # A SQLite site closes its connection after each request, and the
            # backend then gathers the statistics its queries lacked
            # (skolr_blog.sqlite3); the test client keeps it open.
            connection.close()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
    content = response.content
    return Render(
        label=label,
        url=url,
        status=response.status_code,
        median_ms=statistics.median(times),
        queries=len(queries),
        html_bytes=len(content),
        gzip_bytes=len(gzip.compress(content, compresslevel=5)),
    )
