"""``make lighthouse``: Lighthouse scores of the article, home, tag and author pages.

Installs npm's ``lighthouse`` (12.x) into var/lighthouse/node_modules once,
starts the production stack on free ports of 127.0.0.1 (the database and
cache ``make serve`` uses; deploy/stack.py), and runs Lighthouse against each
page with its default mobile emulation and Debian's Chromium
(``CHROME_PATH=/usr/bin/chromium``, headless, no sandbox, no GPU). Prints
the four category scores per page; the JSON reports stay in var/lighthouse/.
``--url http://127.0.0.1:8080`` measures a stack that already runs instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from deploy import stack

VAR = stack.REPO / "var" / "lighthouse"
LIGHTHOUSE = VAR / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PAGES = [
    ("article", "/posts/django-vs-flask-vs-fastapi/"),
    ("home", "/"),
    ("tag", "/tags/django/"),
    ("author", "/authors/skolr/"),
]


def install() -> None:
    if LIGHTHOUSE.exists():
        return
    if shutil.which("npm") is None:
        raise SystemExit("make lighthouse needs Node.js and npm (Debian: apt-get install nodejs npm).")
    VAR.mkdir(parents=True, exist_ok=True)
    print("Installing lighthouse 12 into var/lighthouse/node_modules …", flush=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(VAR), "--no-audit", "--no-fund", "--loglevel=error", "lighthouse@12"],
        check=True,
        timeout=600,
    )


def run(name: str, url: str, attempts: int = 3) -> dict[str, int]:
    """One page's scores. Lighthouse sometimes fails to record Chromium's
    trace ("NO_NAVSTART ... Please run Lighthouse again"): it is run again,
    up to ``attempts`` times, and each failure is shown."""
    for attempt in range(1, attempts + 1):
        scores = _run_once(name, url)
        if scores or attempt == attempts:
            return scores
        print(f"(attempt {attempt} of {attempts} failed; running it again)", file=sys.stderr)
    return {}


def _run_once(name: str, url: str) -> dict[str, int]:
    report = VAR / f"{name}.json"
    report.unlink(missing_ok=True)
    result = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless --no-sandbox --disable-gpu",
        ],
        env=os.environ | {"CHROME_PATH": CHROME},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if result.returncode or not report.exists():
        print(f"lighthouse failed for {url}:\n{result.stderr[-2000:]}", file=sys.stderr)
        return {}
    data = json.loads(report.read_text())
    scores = {key: round((data["categories"][key]["score"] or 0) * 100) for key in CATEGORIES}
    # What kept a category under 100, for the record.
    failing = sorted(
        {
            ref["id"]
            for key in CATEGORIES
            for ref in data["categories"][key]["auditRefs"]
            if ref.get("weight")
            and (data["audits"][ref["id"]].get("score") or 0) < 1
            and data["audits"][ref["id"]].get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
        }
    )
    scores["_failing"] = failing
    return scores


def measure(base: str, pages: list[tuple[str, str]]) -> list[tuple[str, str, dict]]:
    results = []
    for name, path in pages:
        print(f"Lighthouse: {name} ({base}{path}) …", flush=True)
        results.append((name, path, run(name, f"{base}{path}")))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="measure this running site (e.g. http://127.0.0.1:8080) instead of starting one")
    parser.add_argument("--path", action="append", default=[], help="measure this page too (repeatable)")
    args = parser.parse_args(argv)
    pages = PAGES + [(path.strip("/").replace("/", "-") or "root", path) for path in args.path]
    if not Path(CHROME).exists():
        print(f"make lighthouse needs Chromium at {CHROME} (Debian: apt-get install chromium).", file=sys.stderr)
        return 1
    install()

    if args.url:
        results = measure(args.url.rstrip("/"), pages)
    else:
        if stack.nginx_binary() is None:
            print("make lighthouse needs nginx (apt-get install nginx-light) or --url.", file=sys.stderr)
            return 1
        stack._load_dotenv()
        var = stack.REPO / "var"
        database_url, _ = stack.default_database_url("skolr_blog", stack.REPO / "db.sqlite3")
        cache_url, _ = stack.default_cache_url(stack.SITE_REDIS_DB, var / "cache")
        static_root = Path(os.environ.get("DJANGO_STATIC_ROOT", var / "static")).resolve()
        media_root = Path(os.environ.get("DJANGO_MEDIA_ROOT", var / "media")).resolve()
        env = stack.production_env(
            var_dir=var,
            database_url=database_url,
            cache_url=cache_url,
            static_root=static_root,
            media_root=media_root,
            DJANGO_LOG_LEVEL="WARNING",
        )
        stack.prepare(env, quiet=True)
        port = stack.free_port()
        with stack.Stack(
            env=env,
            nginx_dir=VAR / "nginx",
            static_root=static_root,
            media_root=media_root,
            app_ports=[stack.free_port()],
            nginx_port=port,
            worker=False,
            log_dir=VAR / "logs",
        ):
            results = measure(f"http://127.0.0.1:{port}", pages)

    print()
    print("| page | " + " | ".join(CATEGORIES) + " | below 100 because of |")
    print("|---|" + "---|" * (len(CATEGORIES) + 1))
    for name, path, scores in results:
        cells = [str(scores.get(key, "failed")) for key in CATEGORIES]
        print(f"| {name} ({path}) | " + " | ".join(cells) + f" | {', '.join(scores.get('_failing', [])) or '-'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
