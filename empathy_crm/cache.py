"""Django's Redis cache, keeping one client per connection pool.

The stock backend builds a new ``redis.Redis`` for every cache call, and building one sets
up its table of response callbacks: about as long as the round trip itself. A client is
thread-safe and bound to its pool, so one per pool is enough. Set as the backend when
``CACHE_URL`` is a Redis URL (see settings).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(pool)
        if client is None:
            client = clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
