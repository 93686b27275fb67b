import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with no comment posting slots taken (posts.policy):
    the slots live in the cache, and a test's comment would otherwise make
    the next test's wait."""
    cache.clear()
