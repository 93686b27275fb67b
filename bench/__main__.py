"""``make bench`` (``python -m bench``): the blog's benchmark, in one run.

1. Builds the dataset (bench/dataset.py): the article with 20 comments, copies
   with 0 / 20 / 200 / 2,000 comments, then 10, 10,000 and 100,000 posts
   (three comments each, one in 500 of them its co-writer's), and a
   2,000-comment discussion newer than them.
2. At each size, renders the article and list pages in-process (page cache
   out of the way; bench/render.py): median ms, queries, HTML bytes.
3. At the largest size, starts the production stack on 127.0.0.1 (nginx,
   gunicorn; deploy/stack.py) and measures throughput with wrk: each page
   through nginx (anonymous: micro-cache) and direct to the app server
   (Django's page cache), next to nginx serving a static copy of the article
   and the app server's trivial hello view, with the ratios.

Database: its own, never yours. ``DATABASE_URL`` picks the engine and server:
a PostgreSQL URL means database ``skolr_blog_bench`` on that server; a SQLite
URL means var/bench/bench.sqlite3. Unset: PostgreSQL on 127.0.0.1:5432 if it
answers, else SQLite. ``BENCH_DATABASE_URL`` (PostgreSQL) names the
database exactly instead. Either is rebuilt from scratch on every run. Cache:
Redis database 6 on 127.0.0.1 under a key prefix of the run (removed at the
end), else a file cache. The figures print; nothing fails on a slow result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from deploy import stack

VAR = stack.REPO / "var" / "bench"
BENCH_DB = "skolr_blog_bench"
REDIS_DB = 6


def bench_database() -> tuple[str, str]:
    """A fresh database for the run, on the engine ``DATABASE_URL`` names."""
    configured = os.environ.get("DATABASE_URL", "")
    if os.environ.get("BENCH_DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        url = os.environ["BENCH_DATABASE_URL"]
    elif configured.startswith(("postgres://", "postgresql://")):
        url = urlsplit(configured)._replace(path=f"/{BENCH_DB}", query="").geturl()
    elif not configured and stack.postgres_reachable():
        url = f"{stack.LOCAL_PG}/{BENCH_DB}"
    else:
        path = VAR / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", "SQLite"
    stack.ensure_postgres_database(url, fresh=True)
    return url, "PostgreSQL"


def bench_cache() -> tuple[str, str | None]:
    if stack.redis_reachable():
        prefix = f"bench-{secrets.token_hex(4)}"
        return f"{stack.LOCAL_REDIS}/{REDIS_DB}?key_prefix={prefix}", prefix
    shutil.rmtree(VAR / "cache", ignore_errors=True)
    return f"filecache://{VAR / 'cache'}", None


def drop_cache_keys(prefix: str | None) -> None:
    if prefix is None:
        return
    import redis

    client = redis.Redis.from_url(f"{stack.LOCAL_REDIS}/{REDIS_DB}")
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)
    client.close()


def _version(args: list[str]) -> str:
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
        return (result.stdout + result.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "not installed"


def machine() -> dict:
    import django

    return {
        "cpus": os.cpu_count(),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "django": django.get_version(),
        "nginx": _version([stack.nginx_binary() or "nginx", "-v"]).removeprefix("nginx version: "),
        "wrk": _version(["wrk", "--version"]),
    }


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def oldest_page(posts) -> str:
    """The query of a list's deepest page, its oldest posts: ``?before=`` the
    post just above them, where a reader ends up by following "Older posts"
    (empty when the list has a single page)."""
    from django.conf import settings

    from posts.pagination import Cursor

    per_page = settings.BLOG["POSTS_PER_PAGE"]
    above = list(posts.order_by("published_at", "pk").values_list("published_at", "pk")[per_page : per_page + 1])
    return f"?before={Cursor(*above[0])}" if above else ""


def render_pages(sizes_done: int, counts: list[int], repeat: int) -> list:
    from django.conf import settings

    from authors.models import Author
    from bench import dataset, render
    from posts.models import Post

    tag = dataset.article().tags.order_by("slug").first()
    published = Post.objects.published()
    plain, co_writer = Author.objects.get(slug="skolr"), dataset.co_writer()
    pages = [("the article, its 20 comments", f"/posts/{dataset.ARTICLE_SLUG}/")]
    pages += [(f"article copy, {n:,} comments", f"/posts/{dataset.variant_slug(n)}/") for n in counts]
    last = f"?cpage={-(-dataset.LATE_COMMENTS // settings.BLOG['COMMENTS_PER_PAGE'])}"
    pages += [
        (f"late discussion, {dataset.LATE_COMMENTS:,} comments, first page", f"/posts/{dataset.LATE_SLUG}/"),
        (f"late discussion, {dataset.LATE_COMMENTS:,} comments, last page", f"/posts/{dataset.LATE_SLUG}/{last}"),
    ]
    pages += [
        ("home, first page", "/"),
        ("home, deepest page", f"/{oldest_page(published)}"),
        (f"tag '{tag.slug}', first page", f"/tags/{tag.slug}/"),
        (f"tag '{tag.slug}', deepest page", f"/tags/{tag.slug}/{oldest_page(published.filter(tags=tag))}"),
        ("tag 'topic-01', first page", "/tags/topic-01/"),
        ("tag 'rare-find' (a post in 10,000), first page", "/tags/rare-find/"),
        ("tag 'rare-find', feed", "/tags/rare-find/feed/"),
        ("author 'skolr', first page", "/authors/skolr/"),
        ("author 'skolr', deepest page", f"/authors/skolr/{oldest_page(published.by(plain))}"),
        ("author 'skolr', feed", "/authors/skolr/feed/"),
        (f"author '{co_writer.slug}' (co-writes), first page", f"/authors/{co_writer.slug}/"),
        (
            f"author '{co_writer.slug}' (co-writes), deepest page",
            f"/authors/{co_writer.slug}/{oldest_page(published.by(co_writer))}",
        ),
        (f"author '{co_writer.slug}' (co-writes), feed", f"/authors/{co_writer.slug}/feed/"),
        ("search 'django'", "/search/?q=django"),
        ("feed", "/feed/"),
    ]
    results = []
    for label, url in pages:
        if (
            (sizes_done < 100 and "topic-01" in url)
            or (sizes_done < dataset.RARE_EVERY and "rare-find" in url)
            or (sizes_done < dataset.CO_WRITER_EVERY and co_writer.slug in url)
        ):
            continue  # no filler tag, or co-written post, yet
        reps = max(3, repeat // 3) if "2,000" in label else repeat
        results.append(render.measure(label, url, repeat=reps))
    return results


def throughput(env: dict, seconds: int, connections: int, rounds_per_page: int) -> tuple[list, dict]:
    from bench import dataset, throughput

    tag = dataset.article().tags.order_by("slug").first()
    pages = [
        ("article", f"/posts/{dataset.ARTICLE_SLUG}/"),
        ("home", "/"),
        (f"tag '{tag.slug}'", f"/tags/{tag.slug}/"),
        ("search", "/search/?q=django"),
        ("feed", "/feed/"),
    ]
    app_port, nginx_port = stack.free_port(), stack.free_port()
    running = stack.Stack(
        env=env,
        nginx_dir=VAR / "nginx",
        static_root=VAR / "static",
        media_root=VAR / "media",
        app_ports=[app_port],
        nginx_port=nginx_port,
        worker=False,
        log_dir=VAR / "logs",
    )
    front, app = f"http://127.0.0.1:{nginx_port}", f"http://127.0.0.1:{app_port}"
    runs, ratios = [], {}
    with running:
        for _, path in pages:  # fill the page cache
            for base in (app, front):
                urllib.request.urlopen(f"{base}{path}", timeout=60).read()
        copy = VAR / "static" / "bench" / "article.html"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(urllib.request.urlopen(f"{front}{pages[0][1]}", timeout=60).read())
        wrk = {"seconds": seconds, "connections": connections}
        static_url, hello_url = f"{front}/static/bench/article.html", f"{app}/__hello__/"
        for label, path in pages:
            # Interleaved rounds, median of each: the machine's other work
            # drifts over a minute more than the differences measured here.
            rounds = [
                [
                    throughput.run("nginx: static copy of the article", static_url, **wrk),
                    throughput.run(f"nginx → app: {label}", f"{front}{path}", **wrk),
                    throughput.run("app: hello view", hello_url, **wrk),
                    throughput.run(f"app (page cache): {label}", f"{app}{path}", **wrk),
                ]
                for _ in range(rounds_per_page if label == "article" else 1)
            ]
            static, via_nginx, hello, direct = (throughput.median([r[i] for r in rounds]) for i in range(4))
            runs += [static, via_nginx, hello, direct]
            ratios[label] = (
                via_nginx.requests_per_second / max(static.requests_per_second, 1),
                direct.requests_per_second / max(hello.requests_per_second, 1),
            )
    return runs, ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,10000,100000", help="post counts, ascending (default 10,10000,100000)")
    parser.add_argument("--comments", default="0,20,200,2000", help="comment counts of the article copies")
    parser.add_argument("--repeat", type=int, default=15, help="renders per page for the median (default 15)")
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved wrk rounds for the article (default 3)")
    parser.add_argument("--no-wrk", action="store_true", help="skip the throughput part")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.sizes.split(","))
    counts = [int(n) for n in args.comments.split(",")]

    VAR.mkdir(parents=True, exist_ok=True)
    stack._load_dotenv()
    database_url, engine = bench_database()
    cache_url, prefix = bench_cache()
    env = stack.production_env(
        var_dir=VAR,
        database_url=database_url,
        cache_url=cache_url,
        static_root=VAR / "static",
        media_root=VAR / "media",
        DJANGO_BENCH_HELLO="1",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_MAIL="file",
        DJANGO_MAIL_FILE_PATH=str(VAR / "mail"),
    )
    report: dict = {"command": "make bench " + " ".join(argv or sys.argv[1:]), "database": engine}
    try:
        print(f"Database: {engine} ({stack._redacted(database_url)}); cache: {cache_url}", flush=True)
        started = time.perf_counter()
        stack.prepare(env, quiet=True)
        print(f"Prepared (migrate, load_posts, collectstatic) in {time.perf_counter() - started:.1f} s", flush=True)

        os.environ.update(env)
        import django

        django.setup()
        from bench import dataset

        report["machine"] = machine()
        print("Machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()), flush=True)
        started = time.perf_counter()
        dataset.add_comment_variants(counts)
        print(f"Comment copies ({', '.join(map(str, counts))}) built in {time.perf_counter() - started:.1f} s")

        report["render"] = {}
        for size in sizes:
            build = dataset.grow_posts(size)
            started = time.perf_counter()
            dataset.late_discussion(dataset.LATE_COMMENTS)
            build |= {"late_discussion_seconds": time.perf_counter() - started} | dataset.refresh_indexes()
            report.setdefault("build", {})[size] = build
            timings = ", ".join(f"{k.removesuffix('_seconds')} {v:.1f} s" for k, v in build.items() if k != "posts")
            print(f"\n## {size:,} posts (added {build['posts']:,}: {timings})\n", flush=True)
            results = render_pages(size, counts, args.repeat)
            report["render"][size] = [asdict(r) for r in results]
            rows = [
                [r.label, r.status, f"{r.median_ms:.1f}", r.queries, f"{r.html_bytes:,}", f"{r.gzip_bytes:,}"]
                for r in results
            ]
            print(table(["page", "status", "ms (median)", "queries", "HTML bytes", "gzipped"], rows), flush=True)

        if args.no_wrk:
            print("\n(throughput skipped: --no-wrk)")
        elif stack.nginx_binary() is None or shutil.which("wrk") is None:
            print("\nThroughput skipped: needs nginx and wrk (make tools, or apt-get install nginx-light wrk).")
        else:
            from django.db import connections

            connections.close_all()
            print(
                f"\n## Throughput at {sizes[-1]:,} posts: wrk -t2 -c{args.connections} -d{args.seconds}s\n", flush=True
            )
            runs, ratios = throughput(env, args.seconds, args.connections, args.rounds)
            report["throughput"] = [asdict(r) for r in runs]
            report["ratios"] = ratios
            print(
                table(
                    ["run", "req/s", "latency", "errors"],
                    [[r.label, f"{r.requests_per_second:,.0f}", r.latency, r.errors or "-"] for r in runs],
                )
            )
            print()
            print(
                table(
                    [
                        "page",
                        "nginx → app ÷ nginx static (target ≥ 90 %)",
                        "app page cache ÷ app hello (target ≥ 50 %)",
                    ],
                    [[page, f"{a:.0%}", f"{b:.0%}"] for page, (a, b) in ratios.items()],
                )
            )
        report["machine_after"] = {"load_average": " ".join(f"{x:.2f}" for x in os.getloadavg())}
        (VAR / "results.json").write_text(json.dumps(report, indent=2, default=str))
        print(f"\nResults also in {VAR / 'results.json'}")
        return 0
    finally:
        drop_cache_keys(prefix)


if __name__ == "__main__":
    sys.exit(main())
