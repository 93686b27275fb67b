"""The production stack on this machine: ``python -m deploy.stack`` (``make serve``).

It runs what a deployment runs, with the production settings
(``skolr_blog.settings.prod``): gunicorn (deploy/gunicorn.conf.py) serving
the WSGI app, the task worker (``manage.py db_worker``) and nginx in front
(deploy/nginx.conf, rendered with this machine's ports and folders into
var/nginx/). All three are children of this process and stop with it
(Ctrl-C or SIGTERM).

It listens on 127.0.0.1 only and speaks plain HTTP, so it turns off what
needs HTTPS (the HTTPS redirect, secure cookies, the CSP upgrade of requests)
for that run only; the settings' defaults stay secure. The secret key is
generated once into var/secret_key (var/ is not in git).

Database and cache: ``DATABASE_URL`` and ``CACHE_URL`` from the environment
(or .env) when set; otherwise PostgreSQL database ``skolr_blog`` and Redis
database 3 (``SITE_REDIS_DB``) on 127.0.0.1 when they answer, else SQLite (db.sqlite3) and a
file cache under var/ (shared by the app processes, unlike local memory).

The benchmark (bench/) and the multi-process tests (tests/production/) use
the same pieces with their own ports, folders and databases.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOCAL_HOSTS = "127.0.0.1,localhost"
LOCAL_PG = "postgres://postgres@127.0.0.1:5432"
LOCAL_REDIS = "redis://127.0.0.1:6379"
# The blog's own Redis database, not 0 where other programs keep theirs: a
# restore empties the whole database (README, "Backup and restore").
SITE_REDIS_DB = 3


# --- Tools and ports ---------------------------------------------------------


def nginx_binary() -> str | None:
    """nginx's path (Debian installs it in /usr/sbin, not always on PATH)."""
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


# --- Database and cache ------------------------------------------------------


def postgres_reachable(url: str = f"{LOCAL_PG}/postgres") -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=2):
            return True
    except Exception:
        return False


def ensure_postgres_database(url: str, *, fresh: bool = False) -> None:
    """Create the database named in ``url`` if missing (drop it first if ``fresh``)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parts.path.lstrip("/"))))


def redis_reachable(url: str = LOCAL_REDIS) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def default_database_url(name: str, sqlite_path: Path) -> tuple[str, str]:
    """``DATABASE_URL`` if set, else local PostgreSQL ``name`` if reachable, else SQLite."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], "DATABASE_URL"
    if postgres_reachable():
        url = f"{LOCAL_PG}/{name}"
        ensure_postgres_database(url)
        return url, "local PostgreSQL"
    return f"sqlite:///{sqlite_path}", "SQLite (no PostgreSQL on 127.0.0.1:5432)"


def default_cache_url(db: int, file_cache: Path) -> tuple[str, str]:
    """``CACHE_URL`` if set, else local Redis database ``db`` if reachable, else a file cache."""
    if os.environ.get("CACHE_URL"):
        return os.environ["CACHE_URL"], "CACHE_URL"
    if redis_reachable():
        return f"{LOCAL_REDIS}/{db}", "local Redis"
    return f"filecache://{file_cache}", "file cache (no Redis on 127.0.0.1:6379)"


# --- Environment ---------------------------------------------------------------


def local_secret_key(var_dir: Path) -> str:
    """A secret key kept in var/secret_key (generated once, readable by its owner only)."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def production_env(
    *, var_dir: Path, database_url: str, cache_url: str, static_root: Path, media_root: Path, **extra: str
) -> dict[str, str]:
    """The environment of every process of a local, plain-HTTP production run."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="skolr_blog.settings.prod",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or local_secret_key(var_dir),
        DJANGO_ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS") or LOCAL_HOSTS,
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_MEDIA_ROOT=str(media_root),
        # nginx is the one proxy in front and appends the reader's address.
        DJANGO_TRUSTED_PROXY_COUNT="1",
        # Plain HTTP on the loopback interface: this run only.
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_CSP_UPGRADE_INSECURE_REQUESTS="false",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_SITE_SCHEME=os.environ.get("DJANGO_SITE_SCHEME", "http"),
        DJANGO_MAIL=os.environ.get("DJANGO_MAIL", "file"),
        DJANGO_MAIL_FILE_PATH=os.environ.get("DJANGO_MAIL_FILE_PATH", str(var_dir / "mail")),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class CommandFailed(RuntimeError):
    pass


def manage(env: dict[str, str], *args: str, quiet: bool = False, timeout: float = 600) -> str:
    """Run ``manage.py``; quiet: capture its output (returned, or shown if it fails)."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, timeout=timeout, capture_output=quiet, text=True
    )
    if result.returncode:
        output = (result.stdout or "") + (result.stderr or "")
        raise CommandFailed(f"manage.py {' '.join(args)} exited with {result.returncode}\n{output}")
    return result.stdout or ""


def prepare(env: dict[str, str], *, content: bool = True, quiet: bool = False) -> None:
    """Migrate, load the content, collect the static files (all idempotent).

    collectstatic (whitenoise compresses every file) runs meanwhile.
    """
    output = subprocess.PIPE if quiet else None
    collect = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
    )
    try:
        manage(env, "migrate", "--noinput", "-v0", quiet=quiet)
        if content:
            manage(env, "load_posts", "--keep-existing", "content/", quiet=quiet)
    finally:
        collected, _ = collect.communicate(timeout=600)
    if collect.returncode:
        raise CommandFailed(f"manage.py collectstatic exited with {collect.returncode}\n{collected or ''}")


# --- nginx configuration ---------------------------------------------------------


def render_nginx_conf(
    nginx_dir: Path,
    *,
    port: int,
    app_ports: list[int],
    static_root: Path,
    media_root: Path,
    access_log: str = "off",
    error_log: str = "stderr",
    worker_processes: str = "auto",
) -> Path:
    """Fill in deploy/nginx.conf for this machine; return the rendered file."""
    for sub in ("tmp", "cache"):
        (nginx_dir / sub).mkdir(parents=True, exist_ok=True)
    values = {
        # Started as root, nginx would hand its workers to "nobody", who may
        # not read our folders: they stay with the user who ran make serve.
        "USER": "user root;" if os.geteuid() == 0 else "# (workers run as the user who started nginx)",
        "WORKER_PROCESSES": worker_processes,
        "NGINX_DIR": str(nginx_dir),
        "ERROR_LOG": error_log,
        "ACCESS_LOG": access_log if access_log == "off" else f"{access_log} combined buffer=64k flush=1s",
        "LISTEN": f"127.0.0.1:{port}",
        "UPSTREAM_SERVERS": "\n        ".join(f"server 127.0.0.1:{p};" for p in app_ports),
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "ERROR_PAGES": str(nginx_dir / "errors"),
    }
    text = (REPO / "deploy" / "nginx.conf").read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"deploy/nginx.conf: unfilled value near {text[text.index('{{') :][:40]!r}")
    conf = nginx_dir / "nginx.conf"
    conf.write_text(text)
    return conf


# --- Processes -------------------------------------------------------------------


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if this process dies without stopping it."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    """A child process in its own process group, so stopping it stops its workers too."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path | None = None
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen | None = None
    output: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> Child:
        self.output = open(self.log, "ab") if self.log else None  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.args,
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.output,
            stderr=subprocess.STDOUT if self.output else None,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        # Workers left behind by a master that died first.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.output:
            self.output.close()


def gunicorn(port: int, env: dict[str, str], *, log: Path | None = None, **settings: str) -> Child:
    """An app server on 127.0.0.1:port; GUNICORN_* keyword values override deploy/gunicorn.conf.py."""
    env = env | {"GUNICORN_BIND": f"127.0.0.1:{port}"} | {f"GUNICORN_{k.upper()}": str(v) for k, v in settings.items()}
    args = [PYTHON, "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"), "skolr_blog.wsgi"]
    return Child(f"gunicorn :{port}", args, env, log)


def task_worker(env: dict[str, str], *, log: Path | None = None) -> Child:
    return Child("task worker", [PYTHON, "manage.py", "db_worker", "--queue-name", "*"], env, log)


def nginx(conf: Path, *, log: Path | None = None) -> Child:
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light).")
    # -e: errors before the configuration is read go there too (nginx >= 1.19.5).
    args = [binary, "-p", str(conf.parent), "-c", str(conf), "-e", "stderr"]
    # SIGQUIT: finish the requests in flight, then exit.
    return Child("nginx", args, {"PATH": os.environ.get("PATH", "")}, log, stop_signal=signal.SIGQUIT)


def check_nginx_conf(conf: Path) -> None:
    binary = nginx_binary()
    result = subprocess.run(
        [binary, "-t", "-q", "-p", str(conf.parent), "-c", str(conf), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode:
        raise RuntimeError(f"nginx -t failed for {conf}:\n{result.stderr}")


def wait_for_http(port: int, path: str = "/robots.txt", *, timeout: float = 30, child: Child | None = None) -> None:
    """Wait until 127.0.0.1:port answers ``path`` with anything below 500."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if child is not None and not child.running():
            raise RuntimeError(f"{child.name} exited with status {child.process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            status = conn.getresponse().status
            conn.close()
            if status < 500:
                return
            last = f"status {status}"
        except OSError as error:
            last = str(error)
        time.sleep(0.1)
    raise TimeoutError(f"127.0.0.1:{port}{path} did not answer within {timeout:.0f} s ({last})")


@dataclass
class Stack:
    """App servers, optionally the task worker and nginx, started and stopped together."""

    env: dict[str, str]
    nginx_dir: Path
    static_root: Path
    media_root: Path
    app_ports: list[int]
    nginx_port: int | None = None
    worker: bool = True
    access_log: str = "off"
    log_dir: Path | None = None
    gunicorn_settings: dict[str, str] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)

    def _log(self, name: str) -> Path | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / name

    def start(self, timeout: float = 60) -> Stack:
        try:
            apps = [
                gunicorn(port, self.env, log=self._log(f"gunicorn-{port}.log"), **self.gunicorn_settings).start()
                for port in self.app_ports
            ]
            self.children += apps
            if self.worker:
                self.children.append(task_worker(self.env, log=self._log("worker.log")).start())
            for port, app in zip(self.app_ports, apps, strict=True):
                wait_for_http(port, timeout=timeout, child=app)
            if self.nginx_port is not None:
                manage(self.env, "error_pages", str(self.nginx_dir / "errors"), "-v0", quiet=True)
                conf = render_nginx_conf(
                    self.nginx_dir,
                    port=self.nginx_port,
                    app_ports=self.app_ports,
                    static_root=self.static_root,
                    media_root=self.media_root,
                    access_log=self.access_log,
                )
                check_nginx_conf(conf)
                front = nginx(conf, log=self._log("nginx.log")).start()
                self.children.append(front)
                wait_for_http(self.nginx_port, timeout=timeout, child=front)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        # nginx first (no new requests), then the app servers and the worker.
        for child in reversed(self.children):
            child.stop()
        self.children.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- make serve --------------------------------------------------------------------


def _load_dotenv() -> None:
    """Read .env like the settings do, so DATABASE_URL/CACHE_URL there count."""
    import environ

    environ.Env.read_env(REPO / ".env", overwrite=False)


def serve(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--app-port", type=int, default=8001, help="the app server's port (default 8001)")
    args = parser.parse_args(argv)

    if nginx_binary() is None:
        print("make serve needs nginx. On Debian or Ubuntu: apt-get install nginx-light (as root).", file=sys.stderr)
        return 1
    for port in (args.port, args.app_port):
        if port_open(port):
            print(f"Port {port} on 127.0.0.1 is in use: make serve SERVE_PORT=… APP_PORT=…", file=sys.stderr)
            return 1

    _load_dotenv()
    var = REPO / "var"
    database_url, database_from = default_database_url("skolr_blog", REPO / "db.sqlite3")
    cache_url, cache_from = default_cache_url(SITE_REDIS_DB, var / "cache")
    static_root = Path(os.environ.get("DJANGO_STATIC_ROOT", var / "static")).resolve()
    media_root = Path(os.environ.get("DJANGO_MEDIA_ROOT", var / "media")).resolve()
    media_root.mkdir(parents=True, exist_ok=True)
    env = production_env(
        var_dir=var,
        database_url=database_url,
        cache_url=cache_url,
        static_root=static_root,
        media_root=media_root,
        # Emailed links lead to this nginx.
        DJANGO_SITE_DOMAIN=os.environ.get("DJANGO_SITE_DOMAIN") or f"127.0.0.1:{args.port}",
    )
    print(f"Database: {_redacted(database_url)} ({database_from})")
    print(f"Cache:    {_redacted(cache_url)} ({cache_from})")
    print("Preparing: migrate, load_posts content/, collectstatic …", flush=True)
    prepare(env)

    stack = Stack(
        env=env,
        nginx_dir=var / "nginx",
        static_root=static_root,
        media_root=media_root,
        app_ports=[args.app_port],
        nginx_port=args.port,
        access_log=str(var / "nginx" / "access.log"),
    )
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stack.start()
        print(
            f"\nServing http://127.0.0.1:{args.port}/ (nginx) → gunicorn on 127.0.0.1:{args.app_port}, "
            "with the task worker. Ctrl-C stops all three.\n",
            flush=True,
        )
        while not stopping:
            dead = next((child for child in stack.children if not child.running()), None)
            if dead:
                print(f"{dead.name} exited with status {dead.process.returncode}; stopping.", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        stack.stop()
        print("Stopped nginx, gunicorn and the task worker.")


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
    return url


if __name__ == "__main__":
    sys.exit(serve())
