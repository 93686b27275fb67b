"""Real processes for the fault tests: the blog served by a server process,
throwaway PostgreSQL clusters and Redis servers, and a small HTTP client.

Everything listens on 127.0.0.1 on a free port (see ``free_port``), every
wait is a bounded poll, and every process is
stopped by whoever started it, in a ``finally`` or a fixture's teardown.
The shared PostgreSQL server is only used to create and drop databases named
``skolr_faults_<pid>_...``; the shared Redis is not used at all.
"""

import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SEED_SLUG = "django-vs-flask-vs-fastapi"
ARTICLE = f"/posts/{SEED_SLUG}/"
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    """A port nobody listens on, below the kernel's ephemeral range.

    The kernel hands ephemeral ports to outgoing connections too, so a port
    from that range that a test frees (a database it stops, to start again)
    could be taken meanwhile by anyone's client connection. Below the range
    only a deliberate bind can take it.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(50):
        port = random.randrange(min(20000, low // 2), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # fall back on the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float, interval: float = 0.05, what: str = "it"):
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"Gave up waiting for {what} after {timeout} s.")
        time.sleep(interval)


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def run(command: list[str], *, env: dict | None = None, timeout: float = 120, cwd: Path = ROOT) -> str:
    """Run a command to completion; its output, or an error that shows it."""
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode:
        shown = " ".join(map(str, command))
        raise RuntimeError(f"{shown} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


# --- HTTP ---------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    text: str


def request(port: int, method: str, path: str, *, form=None, headers=None, timeout: float = 30) -> Response:
    """One HTTP request to 127.0.0.1:port, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        body = urlencode(form) if form is not None else None
        sent = {"Host": "127.0.0.1", "Connection": "close"} | (headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        raw = connection.getresponse()
        text = raw.read().decode("utf-8", "replace")
        cookies = {}
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key.strip()] = rest.split(";", 1)[0]
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, cookies, text)
    finally:
        connection.close()


_FORM = re.compile(r'<form class="comment-form".*?</form>', re.DOTALL)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class CommentForm:
    """The comment form of a page as a reader's browser would submit it."""

    action: str
    hidden: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fetch(cls, port: int, path: str = ARTICLE) -> "CommentForm":
        page = request(port, "GET", path)
        if page.status != 200:
            raise AssertionError(f"GET {path}: {page.status}")
        form = _FORM.search(page.text)
        if form is None:
            raise AssertionError(f"GET {path}: no comment form")
        action = re.search(r'action="([^"]+)"', form.group(0)).group(1)
        hidden = {name: unescape(value) for name, value in _HIDDEN.findall(form.group(0))}
        # As a browser does, the fragment (#comment-status) stays with the client.
        return cls(unescape(action).partition("#")[0], hidden, page.cookies)

    def post(self, port: int, *, name: str, email: str, comment: str, address: str) -> Response:
        headers = {"X-Forwarded-For": address}  # the server trusts one proxy
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        fields = self.hidden | {"name": name, "email": email, "url": "", "comment": comment, "honeypot": ""}
        return request(port, "POST", self.action, form=fields, headers=headers)


# --- The blog, served ---------------------------------------------------------------


def site_env(*, database_url: str, media_root: Path, cache_url: str = "locmemcache://faults", **extra) -> dict:
    """Environment of a blog process: development settings with DEBUG off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return (
        env
        | {
            "DJANGO_SETTINGS_MODULE": "skolr_blog.settings.dev",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url,
            "CACHE_URL": cache_url,
            "DJANGO_MEDIA_ROOT": str(media_root),
            "DJANGO_MAIL": "locmem",
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
        }
        | {key: str(value) for key, value in extra.items()}
    )


def manage(env: dict, *args: str, timeout: float = 120) -> str:
    return run([PYTHON, "manage.py", *args], env=env, timeout=timeout)


# runserver logs '"GET /path HTTP/1.1" 200 1234', wsgi_worker.py 'GET /path HTTP/1.1 200'.
_LOGGED_STATUS = re.compile(r'^.*?"?[A-Z]+ \S+ HTTP/1\.[01]"? (\d{3})\b', re.MULTILINE)


class BlogServer:
    """The blog in a server process on a free port.

    ``kind="runserver"``: Django's threaded development server, a thread per
    request, which closes its database connections after each one.
    ``kind="worker"``: ``wsgi_worker.py`` with ``threads`` threads that keep
    their database connections between requests (``CONN_MAX_AGE``), as a
    gunicorn worker does.
    """

    def __init__(self, env: dict, log_path: Path, kind: str = "runserver", threads: int = 1):
        self.env = env
        self.kind = kind
        self.threads = threads
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "BlogServer":
        if self.kind == "runserver":
            command = [PYTHON, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{self.port}"]
        else:
            command = [PYTHON, str(Path(__file__).with_name("wsgi_worker.py")), str(self.port), str(self.threads)]
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 60) -> "BlogServer":
        def answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"The {self.kind} server exited:\n{self.log()}")
            try:
                return request(self.port, "GET", "/robots.txt", timeout=5)
            except OSError:
                return None

        wait_until(answers, timeout=timeout, interval=0.1, what=f"the {self.kind} server")
        # One reader first: the page cache and the image renditions' lookups
        # are warm before any test traffic.
        warm = request(self.port, "GET", ARTICLE, timeout=timeout)
        if warm.status != 200:
            raise RuntimeError(f"GET {ARTICLE}: {warm.status}\n{self.log()}")
        return self

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def statuses(self) -> Counter:
        """How many responses of each status the server logged."""
        return Counter(int(status) for status in _LOGGED_STATUS.findall(self.log()))

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self._log.close()


# --- PostgreSQL ---------------------------------------------------------------------


def pg_server_url() -> str:
    """The PostgreSQL server the tests may create databases on."""
    if url := os.environ.get("SKOLR_TEST_PG_SERVER"):
        return url.rstrip("/")
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(database_url)
        return f"{parts.scheme}://{parts.netloc}"
    return DEFAULT_PG_SERVER


def pg_problem(server: str) -> str:
    """'' if the server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=3):
            return ""
    except psycopg.Error as error:
        return f"PostgreSQL at {server} is not reachable ({str(error).strip().splitlines()[0]})"


def pg_execute(server: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as connection:
        for statement in statements:
            connection.execute(statement)


def pg_query(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as connection:
        return connection.execute(sql).fetchall()


def pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl (Debian: /usr/lib/postgresql/<major>/bin)."""
    if folder := os.environ.get("SKOLR_TEST_PG_BIN"):
        return Path(folder)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a free port, ours to stop and start.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    ``postgres`` user (``runuser``). fsync is off: nothing here must survive
    a power cut.
    """

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="skolr-faults-pg-"))
        self.data = self.dir / "data"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")

    @property
    def server(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _pg(self, *args: str, timeout: float = 60) -> str:
        return run([*self.as_owner, *args], timeout=timeout, cwd=self.dir)

    def init(self) -> "PostgresCluster":
        initdb = str(self.bin / "initdb")
        self._pg(initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        settings = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "fsync = off",
            "full_page_writes = off",
            "max_connections = 40",
        ]
        with (self.data / "postgresql.conf").open("a") as conf:  # root may write the owner's file
            conf.write("\n".join(settings) + "\n")
        return self

    def start(self) -> None:
        self._pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        try:
            if self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- Redis --------------------------------------------------------------------------


class RedisServer:
    """A throwaway Redis on a free port: no persistence, stopped at will."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen([*command, "--daemonize", "no"], stdout=log, stderr=subprocess.STDOUT)
        wait_until(self.ping, timeout=10, what="redis-server")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
