"""Stateless app processes, and a front cache that is never wrong.

Two gunicorn app servers, A and B, share one database and one Redis: what
one of them does (a login, a moderator's approval, an author's save) is seen
through the other on the very next request, though both keep rendered pages
in the shared page cache. nginx in front keeps anonymous pages for at most a
second, and never a page for, or from, a reader with a session.
See conftest.py for how the processes are started.
"""

import http.client
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from deploy import stack

from .browser import Reader, form_fields, replace


def log_in(base: str, password: str) -> Reader:
    reader = Reader()
    login = reader.get(f"{base}/admin/login/?next=/admin/")
    fields = replace(form_fields(login.text, "login-form"), username="mp-admin", password=password)
    done = reader.post(f"{base}/admin/login/", fields)
    assert done.status == 302, done.text[:500]
    assert reader.cookie("sessionid")
    return reader


def save_post_title(reader: Reader, base: str, post_pk: int, title: str) -> None:
    """Change a post's title through the admin's own change form."""
    url = f"{base}/admin/posts/post/{post_pk}/change/"
    form = reader.get(url)
    assert form.status == 200, form.status
    saved = reader.post(url, replace(form_fields(form.text, "post_form"), title=title))
    errors = re.findall(r'<ul class="errorlist[^>]*>.*?</ul>|<p class="errornote">.*?</p>', saved.text, re.S)
    assert saved.status == 302, f"the admin refused the form ({saved.status}): {errors or saved.text[:500]}"


def test_a_session_started_on_one_app_server_works_on_the_other(production):
    reader = log_in(production["a"], production["password"])
    assert reader.get(f"{production['b']}/admin/").status == 200
    assert Reader().get(f"{production['b']}/admin/").status == 302  # without the session: the login page


def test_a_comment_approved_through_one_app_server_shows_on_the_other(production):
    article = f"{production['b']}/posts/{production['article']}/"
    anonymous = Reader()
    assert production["comment_text"] not in anonymous.get(article).text
    cached = anonymous.get(article)
    assert cached.header("X-Page-Cache") == "hit"  # B serves it from the shared cache

    moderator = log_in(production["a"], production["password"])
    changelist = f"{production['a']}/admin/django_comments_xtd/xtdcomment/"
    token = dict(form_fields(moderator.get(changelist).text, "changelist-form"))["csrfmiddlewaretoken"]
    approved = moderator.post(
        changelist,
        [
            ("csrfmiddlewaretoken", token),
            ("action", "approve_comments"),
            ("_selected_action", str(production["comment"])),
            ("index", "0"),
            ("select_across", "0"),
        ],
    )
    assert approved.status == 302, approved.text[:1000]

    page = anonymous.get(article)
    assert page.status == 200
    assert production["comment_text"] in page.text
    assert page.header("X-Page-Cache") == "miss"


def test_a_post_saved_through_one_app_server_shows_on_the_other(production):
    anonymous = Reader()
    assert production["title"] in anonymous.get(f"{production['b']}/").text
    assert anonymous.get(f"{production['b']}/").header("X-Page-Cache") == "hit"

    author = log_in(production["a"], production["password"])
    save_post_title(author, production["a"], production["post"], "Saved through server A")

    home = anonymous.get(f"{production['b']}/").text
    assert "Saved through server A" in home


def test_either_app_server_answers_a_revalidation_from_the_shared_copy(production):
    """A page's ETag is a digest of the copy in the shared cache, kept with
    it: a browser revalidating what server A gave it is told 304 by B."""
    path = f"/posts/{production['article']}/?revalidated"
    host = {"Host": urlsplit(production["a"]).netloc}  # one host, so one page, whichever server answers
    reader = Reader()
    first = reader.get(f"{production['a']}{path}", **host)
    assert first.status == 200 and first.header("ETag")
    again = reader.get(f"{production['b']}{path}", **host, **{"If-None-Match": first.header("ETag")})
    assert again.status == 304 and again.header("ETag") == first.header("ETag")


def _start_of_a_second() -> None:
    """Wait for the first half of a wall-clock second (nginx counts whole seconds)."""
    while time.time() % 1 > 0.4:
        time.sleep(0.02)


def test_nginx_serves_anonymous_pages_from_its_micro_cache(production, nginx_url):
    anonymous = Reader()
    url = f"{nginx_url}/?micro-cache"
    first = anonymous.get(url)
    assert first.status == 200
    assert first.header("X-Cache-Status") in {"MISS", "EXPIRED"}
    assert "x-accel-expires" not in first.headers  # nginx keeps it to itself
    _start_of_a_second()
    anonymous.get(url)
    again = anonymous.get(url)
    assert again.header("X-Cache-Status") == "HIT"
    assert again.text == first.text


def test_addresses_through_nginx_keep_the_port_the_reader_used(production, nginx_url):
    """nginx passes the Host header as sent (port included): absolute links
    in pages and sitemaps point back where the reader came from."""
    page = Reader().get(f"{nginx_url}/?host-check")  # (a query the canonical link leaves out)
    assert f'<link rel="canonical" href="{nginx_url}/">' in page.text
    sitemap = Reader().get(f"{nginx_url}/sitemap.xml")
    assert f"<loc>{nginx_url}/sitemap-pages.xml</loc>" in sitemap.text


def test_nginx_never_caches_a_request_with_a_session(production, nginx_url):
    author = log_in(production["a"], production["password"])
    url = f"{nginx_url}/?with-session"
    _start_of_a_second()
    for _ in range(2):
        page = author.get(url)
        assert page.status == 200
        assert page.header("X-Cache-Status") == "BYPASS"
    # Nor was the signed-in reader's page stored for anyone else.
    assert Reader().get(url).header("X-Cache-Status") in {"MISS", "EXPIRED"}


def test_a_saved_post_shows_through_nginx_within_a_second(production, nginx_url):
    """Every request sent a second or more after the save sees it."""
    anonymous = Reader()
    author = log_in(production["a"], production["password"])
    _start_of_a_second()
    anonymous.get(f"{nginx_url}/")
    assert anonymous.get(f"{nginx_url}/").header("X-Cache-Status") == "HIT"

    title = f"Saved at {time.time():.3f}"
    save_post_title(author, production["a"], production["post"], title)
    saved_at = time.monotonic()
    seen = []
    while time.monotonic() - saved_at < 1.5:
        sent = time.monotonic() - saved_at
        seen.append((sent, title in anonymous.get(f"{nginx_url}/").text))
        time.sleep(0.05)
    late = [shown for sent, shown in seen if sent >= 1.0]
    assert late and all(late), seen


def test_nginx_refuses_a_body_over_max_request_bytes(production, nginx_url):
    from django.conf import settings

    host = urlsplit(nginx_url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    conn.putrequest("POST", "/comments/post/")
    conn.putheader("Content-Length", str(settings.MAX_REQUEST_BYTES + 1))
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.endheaders()
    response = conn.getresponse()
    page = response.read().decode()
    conn.close()
    assert response.status == 413
    # The app's own page (manage.py error_pages), not nginx's bare one.
    assert response.getheader("Content-Type").startswith("text/html")
    assert "Too large to send" in page and "the limit is 10.0\xa0MB" in page
    assert "nginx" not in page


def test_nginx_says_back_in_a_moment_while_no_app_server_answers(production, nginx_url, tmp_path):
    """Every app server down (a restart, a crash): nginx's 502 is the blog's
    "Back in a moment" page, with its stylesheet, not "502 Bad Gateway"."""
    nginx_dir = tmp_path / "nginx"
    stack.manage(production["env"], "error_pages", str(nginx_dir / "errors"), "-v0", quiet=True)
    port = stack.free_port()
    conf = stack.render_nginx_conf(
        nginx_dir,
        port=port,
        app_ports=[stack.free_port()],  # nothing listens there
        static_root=Path(production["env"]["DJANGO_STATIC_ROOT"]),
        media_root=Path(production["env"]["DJANGO_MEDIA_ROOT"]),
    )
    front = stack.nginx(conf, log=tmp_path / "nginx.log").start()
    try:
        stack.wait_for_http(port, "/static/css/site.css", child=front)
        page = Reader().get(f"http://127.0.0.1:{port}/posts/{production['article']}/")
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.text)
        css = Reader().get(f"http://127.0.0.1:{port}{stylesheet[1]}") if stylesheet else None
    finally:
        front.stop()
    assert page.status == 502
    assert "Back in a moment" in page.text and "Bad Gateway" not in page.text
    assert page.header("Cache-Control") == "no-store"
    assert css is not None and css.status == 200


def test_nginx_serves_static_files_compressed_and_for_a_year(production, nginx_url):
    home = Reader().get(f"{nginx_url}/").text
    stylesheet = next(part.split('"')[0] for part in home.split('href="')[1:] if part.split('"')[0].endswith(".css"))
    css = Reader().get(f"{nginx_url}{stylesheet}", **{"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.header("Content-Encoding") == "gzip"
    assert "immutable" in css.header("Cache-Control")
