"""The shipped nginx configuration and the page cache's instructions to it."""

import re
import time

import pytest
from django.conf import settings

from deploy import stack
from tests.factories import make_post

TEMPLATE = (stack.REPO / "deploy" / "nginx.conf").read_text()


def directive(name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", TEMPLATE, re.M)


def test_nginx_refuses_the_same_body_size_as_the_app():
    (size,) = directive("client_max_body_size")
    number, unit = re.fullmatch(r"(\d+)([km]?)", size.strip()).groups()
    assert int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit] == settings.MAX_REQUEST_BYTES


def test_nginx_lists_no_folder_of_uploads():
    """An upload's address is what keeps a draft's images private until it
    is published (skolr_blog/upload_paths.py): /media/ says what it holds to no one."""
    assert directive("autoindex") == ["off"]


def test_micro_cache_is_bypassed_by_a_session_and_refreshed_by_one_request():
    assert f"$cookie_{settings.SESSION_COOKIE_NAME}" in TEMPLATE
    assert "$no_micro_cache" in directive("proxy_cache_bypass")[0]
    assert "$no_micro_cache" in directive("proxy_no_cache")[0]
    assert directive("proxy_cache_lock") == ["on"]
    assert directive("proxy_cache_use_stale") == ["updating"]
    # Only the app's X-Accel-Expires decides what is kept, and for how long.
    assert directive("proxy_ignore_headers") == ["Cache-Control Expires"]
    assert not directive("proxy_cache_valid")


def test_the_template_holds_no_machine_paths(tmp_path):
    assert not re.search(r"(?<![}\w])/(home|root|work|tmp|var|etc|usr|opt|srv)/", TEMPLATE)
    conf = stack.render_nginx_conf(
        tmp_path / "nginx", port=8080, app_ports=[8001, 8002], static_root=tmp_path, media_root=tmp_path
    )
    text = conf.read_text()
    assert "{{" not in text
    assert "server 127.0.0.1:8001;" in text and "server 127.0.0.1:8002;" in text
    if stack.nginx_binary():
        stack.check_nginx_conf(conf)


@pytest.mark.django_db
def test_pages_expire_from_nginx_within_a_second(client):
    """nginx counts whole seconds: an absolute expiry at the end of the current
    second keeps a page at most one second, on a miss and on a hit alike."""
    post = make_post()
    for expected in ("miss", "hit"):
        before = int(time.time())
        response = client.get(post.get_absolute_url())
        assert response["X-Page-Cache"] == expected
        expires = response["X-Accel-Expires"]
        assert expires.startswith("@")
        assert before <= int(expires[1:]) <= int(time.time())


def test_the_redis_cache_makes_one_client_per_pool():
    """Django makes a redis.Redis per cache call (~0.2 ms with redis-py 8):
    a page-cache hit is two calls. Ours keeps one per connection pool."""
    from skolr_blog.cache import ResilientRedisCache

    cache = ResilientRedisCache("redis://127.0.0.1:6379/5", {})
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_a_cache_url_can_give_a_key_prefix():
    """Several sites (or test runs) can share one Redis database."""
    from skolr_blog.settings.base import _cache

    config = _cache("redis://127.0.0.1:6379/5?key_prefix=run-1&timeout=60")
    assert config["KEY_PREFIX"] == "run-1" and config["TIMEOUT"] == 60
    assert "key_prefix" not in config and "key_prefix" not in config["OPTIONS"]
