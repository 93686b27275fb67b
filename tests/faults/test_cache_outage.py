"""Cache outage: with Redis stopped, pages are still served and comments
still stored. ``skolr_blog.cache.ResilientRedisCache`` answers like an empty
cache while Redis is unreachable; the posting limit then lets comments
through to the rest of the policy.

The process test runs the blog against its own Redis and stops it; the unit
tests check the backend against a port nobody listens on and a live Redis.
"""

import logging
import sqlite3

import pytest
import redis
from django.urls import reverse
from django_comments import get_form
from django_comments_xtd.models import XtdComment

from posts.policy import claim_posting_slot
from skolr_blog.cache import ResilientRedisCache
from skolr_blog.settings.base import _cache

from . import harness


@pytest.mark.slow
def test_pages_and_comments_survive_a_redis_outage(sqlite_site, redis_server, servers):
    env = harness.site_env(
        database_url=sqlite_site["database_url"], media_root=sqlite_site["media_root"], cache_url=redis_server.url
    )
    # Threads that keep their Redis connections, as in production.
    server = servers(env, "worker", threads=4).wait_ready()
    port = server.port

    def post(address: str, email: str, text: str):
        return harness.CommentForm.fetch(port).post(port, name="Reader", email=email, comment=text, address=address)

    # Redis is in use: it remembers the posting slot of 10.1.1.1.
    assert post("10.1.1.1", "one@example.com", "Before the outage.").status == 302
    assert post("10.1.1.1", "two@example.com", "Too soon after.").status == 429
    assert redis.Redis.from_url(redis_server.url).dbsize() > 0

    redis_server.stop()
    for path in (harness.ARTICLE, "/", f"{harness.ARTICLE}?during=outage"):
        response = harness.request(port, "GET", path)
        assert response.status == 200, f"GET {path}: {response.status}\n{server.log()[-2000:]}"
    # Without Redis nobody remembers the slot: the comment is let through and stored.
    assert post("10.1.1.1", "three@example.com", "During the outage.").status == 302
    assert post("10.1.1.2", "four@example.com", "Also during the outage.").status == 302

    redis_server.start()  # back, empty: the limit works again
    assert post("10.1.1.3", "five@example.com", "After the outage.").status == 302
    assert post("10.1.1.3", "six@example.com", "Too soon again.").status == 429

    log = server.log()
    assert "Cache unavailable" in log
    assert "Traceback" not in log, log[-3000:]
    assert set(server.statuses()) <= {200, 302, 429}, server.statuses()
    with sqlite3.connect(f"file:{sqlite_site['path']}?mode=ro", uri=True) as db:
        stored = {row[0] for row in db.execute("SELECT comment FROM django_comments")}
    assert {"Before the outage.", "During the outage.", "Also during the outage.", "After the outage."} <= stored
    assert not {"Too soon after.", "Too soon again."} & stored
    print("\nRedis outage: pages 200, 2 of 2 comments posted during the outage stored; limiter back after restart")


# --- The backend on its own ----------------------------------------------------------


@pytest.fixture
def dead_cache(monkeypatch):
    """A ResilientRedisCache pointed at a port nobody listens on."""
    monkeypatch.setattr(ResilientRedisCache, "_last_logged", 0.0)
    return ResilientRedisCache(f"redis://127.0.0.1:{harness.free_port()}/0", {"OPTIONS": {"socket_timeout": 0.5}})


def test_an_unreachable_redis_is_an_empty_cache_that_accepts_nothing(dead_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="skolr_blog.cache"):
        assert dead_cache.get("key", "default") == "default"
        assert dead_cache.add("slot", 1) is True  # "the slot was free"
        assert dead_cache.set("key", 1) is False
        assert dead_cache.touch("key") is False
        assert dead_cache.delete("key") is False
        assert dead_cache.has_key("key") is False
        assert dead_cache.get_many(["a", "b"]) == {}
        assert dead_cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert dead_cache.delete_many(["a"]) is None
        assert dead_cache.get_or_set("key", 5) == 5
        assert dead_cache.clear() is False
        with pytest.raises(ValueError):
            dead_cache.incr("counter")
    # Logged once, not once per call.
    warnings = [record for record in caplog.records if record.name == "skolr_blog.cache"]
    assert len(warnings) == 1
    assert "Cache unavailable" in warnings[0].getMessage()


def test_a_live_redis_is_an_ordinary_cache(redis_server):
    live = ResilientRedisCache(redis_server.url, {})
    assert live.add("slot", 1, timeout=15) is True
    assert live.add("slot", 1, timeout=15) is False
    assert live.set("key", {"a": 1}) is True
    assert live.get("key") == {"a": 1}
    assert live.incr("slot") == 2
    assert live.delete("key") is True


def test_redis_urls_get_the_resilient_backend_with_short_timeouts():
    config = _cache("redis://127.0.0.1:6379/0")
    assert config["BACKEND"] == "skolr_blog.cache.ResilientRedisCache"
    assert config["OPTIONS"]["socket_connect_timeout"] <= 1
    assert config["OPTIONS"]["socket_timeout"] <= 1
    assert _cache("locmemcache://x")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The test settings' cache swapped for Redis on a port nobody listens on."""
    monkeypatch.setattr(ResilientRedisCache, "_last_logged", 0.0)
    settings.CACHES = {
        "default": {
            "BACKEND": "skolr_blog.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{harness.free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield


@pytest.mark.django_db
def test_the_blog_works_in_process_without_redis(redis_down, seed, client):
    assert claim_posting_slot("10.0.0.1", "a@example.com") is True
    assert claim_posting_slot("10.0.0.1", "a@example.com") is True  # nobody remembers: allowed

    assert client.get(seed.get_absolute_url()).status_code == 200
    assert client.get(reverse("posts:list")).status_code == 200
    data = get_form()(seed).initial | {"reply_to": 0, "name": "Grace", "email": "grace@example.com", "url": ""}
    response = client.post(reverse("comments-post-comment"), data | {"comment": "Stored although the cache is down."})
    assert response.status_code == 302
    assert XtdComment.objects.filter(comment="Stored although the cache is down.").count() == 1
