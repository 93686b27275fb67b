"""A Redis cache that an outage of Redis cannot take the blog down with.

Django's ``RedisCache`` raises ``redis.ConnectionError`` from every call while
Redis is down. Nothing the blog keeps in its cache is worth a failed page or
a lost comment: the posting slots of ``posts.policy.claim_posting_slot``, the
thumbnail index of sorl-thumbnail (which falls back to its database table)
and any cached page can all be recomputed or done without. So while Redis is
unreachable, this backend answers like an empty cache that accepts nothing:

- reads miss (``get`` returns the default, ``get_many`` nothing,
  ``has_key`` False), so callers compute the value themselves;
- ``add`` answers True ("the key was free"): the rate limit lets the comment
  through, which then meets the rest of the policy (a burst from one address
  is still held for a moderator, counted in the database);
- writes and deletes are dropped (``set``/``touch`` report False).

The first failure is logged at WARNING with its cause, then at most once a
minute per process, so an outage is visible without flooding the log. Short
socket timeouts (``base.py``) make a Redis that hangs, rather than refuses,
cost a fraction of a second per call instead of a stuck worker.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 60
# Redis is unreachable or too slow; other errors (a wrong type, a bad value)
# are bugs and still raise.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class PooledRedisCacheClient(RedisCacheClient):
    """Django's Redis client, making one ``redis.Redis`` per pool instead of one per call.

    Django builds a new ``redis.Redis`` for every cache call; redis-py 8
    fills a table of some 170 response callbacks each time (~0.2 ms), which
    made a page-cache hit (two calls) cost four times a trivial view. A
    ``redis.Redis`` holds no connection (each command borrows one from the
    pool) and may be shared between threads, so one per pool is enough.
    """

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose failures degrade to cache misses (see the module)."""

    _log_lock = threading.Lock()
    _last_logged = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient

    def _unavailable(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        with self._log_lock:
            cls = type(self)
            if cls._last_logged and now - cls._last_logged < LOG_EVERY_SECONDS:
                return
            cls._last_logged = now
        logger.warning("Cache unavailable (%s: %s); serving without it.", operation, error)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("add", error)
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            self._unavailable("get", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("set", error)
            return False
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            self._unavailable("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as error:
            self._unavailable("has_key", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            self._unavailable("incr", error)
            # What BaseCache.incr raises for a missing key: callers handle it.
            raise ValueError(f"Key '{key}' not found (cache unavailable).") from error

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("set_many", error)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable("delete_many", error)
            return None

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as error:
            self._unavailable("clear", error)
            return False
