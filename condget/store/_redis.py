"""``RedisStore``: the backend for fleets, shared by every host (redis-py, an optional extra)."""

from __future__ import annotations

import collections
import logging
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from ._base import DEFAULT_TIMEOUT_MS, DEFAULT_TTL, BaseStore, StoredValidators
from ._errors import StoreUnavailableError
from ._keys import StoreKey

if TYPE_CHECKING:
    import redis
    import redis.cluster

__all__ = ["RedisStore"]

_IN_FLIGHT: Final = 8
"""How many puts' answers a store leaves on their way; past it, a put is awaited."""
_LOGGER: Final = logging.getLogger("condget.store")

# The conditional put, atomic on the server. KEYS[1] is the entry and
# KEYS[2] the path's generation; both carry the path's hash tag, so they are
# in one Redis Cluster slot. The other generations (prefixes, everything)
# live in other slots and are compared again by every read instead.
_PUT: Final = """
local current = redis.call('GET', KEYS[2])
if (current or '') ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""


def _import_redis() -> Any:
    try:
        import redis
        import redis.backoff
        import redis.retry
    except ImportError:
        raise ImportError(
            "RedisStore needs redis-py, which is not installed: pip install 'condget[redis]'"
        ) from None
    return redis


def _safe_url(url: str) -> str:
    # scheme://[user@]host[:port][/db], with "***" where a password was and
    # the query (which may hold ?password=) left out.
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<unparsable Redis URL>"
    user = parts.username or ""
    secret = ":***" if parts.password is not None else ""
    login = f"{user}{secret}@" if user or secret else ""
    where = (parts.hostname or "") + (f":{port}" if port is not None else "")
    return f"{parts.scheme}://{login}{where}{parts.path}"


def _url_secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        found = [parts.password or ""]
        found += parse_qs(parts.query).get("password", [])
    except ValueError:
        return [url]  # cannot find the password in it: hide the whole URL
    return found + [unquote(secret) for secret in found]


class RedisStore(BaseStore):
    """Validators in Redis or Valkey, shared by every host of a fleet.

    Calls are bounded and never retried: the connect and read timeouts are
    ``timeout_ms`` (default 100 ms) and redis-py's retries are off, so a dead
    or stalled server costs a request at most about that long before
    :class:`StoreUnavailableError`. The client is created at once but
    connects on first use, per process (redis-py's pool notices a fork), so
    the store can be built before gunicorn forks.

    Each conditional put is one Lua script, atomic on the server; each
    invalidation one ``SET … PX``. Keys are ``<namespace>:{<hash>}:…``; the
    ``{…}`` hash tag puts a path's generation and its entries in one Redis
    Cluster slot. Give the server a ``maxmemory-policy`` of ``volatile-ttl``
    or ``noeviction``: every key has a TTL, and generations have the longest.

    The URL's password never appears in ``repr()``, in log lines or in the
    text of the errors raised.

    Args:
        url: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://``
            or ``unix://`` (redis-py's forms). Query options win over
            condget's settings.
        client: Instead of ``url``: your own ``redis.Redis`` (or
            ``RedisCluster``), with its own timeouts and retries; ``close()``
            leaves it open.
        ttl: See :class:`BaseStore`.
        namespace: The key prefix, also mixed into the hashes; no ``{`` or
            ``}``.
        timeout_ms: Connect and read timeout for a ``url``, in milliseconds.

    Raises:
        ImportError: redis-py is not installed (``pip install 'condget[redis]'``).
        ValueError: Neither or both of ``url`` and ``client``, a bad URL (the
            message leaves the password out), or a bad namespace.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.Redis | redis.cluster.RedisCluster | None = None,
        ttl: float = DEFAULT_TTL,
        namespace: str = "condget",
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
    ) -> None:
        module = _import_redis()
        super().__init__(ttl=ttl, namespace=namespace)
        if (url is None) == (client is None):
            raise ValueError("give RedisStore a url or a client, not both or neither")
        if "{" in namespace or "}" in namespace:
            raise ValueError(f"a Redis namespace cannot hold '{{' or '}}': {namespace!r}")
        if timeout_ms < 1:
            raise ValueError(f"timeout_ms must be at least 1, not {timeout_ms!r}")
        self.timeout_ms: Final = timeout_ms
        self._owns = client is None
        self._secrets: list[str] = []
        if url is not None:
            self._location = _safe_url(url)
            self._secrets = [secret for secret in _url_secrets(url) if secret]
            try:
                client = module.Redis.from_url(
                    url,
                    socket_connect_timeout=timeout_ms / 1000,
                    socket_timeout=timeout_ms / 1000,
                    retry=module.retry.Retry(module.backoff.NoBackoff(), 0),
                    health_check_interval=0,
                )
            except (ValueError, TypeError) as error:
                message = self._redact(f"invalid Redis URL {self._location}: {error}")
                raise ValueError(message) from None
        else:
            self._location = self._client_location(client)
        connection: Any = client
        self._client = connection
        self._mget = getattr(connection, "mget_nonatomic", None) or connection.mget
        # condget's own client sends its commands on pooled connections itself
        # (_send); a client of the application's goes through its API.
        self._pool: Any = connection.connection_pool if self._owns else None
        self._put = connection.register_script(_PUT)
        self._errors: tuple[type[BaseException], ...] = (module.RedisError, OSError)
        self._no_script: type[BaseException] = module.exceptions.NoScriptError
        self._response_error: type[BaseException] = module.ResponseError
        # redis-py before 5.1 raises its plain ConnectionError for a full pool.
        self._pool_full: type[BaseException] = getattr(
            module.exceptions, "MaxConnectionsError", module.ConnectionError
        )
        # Connections whose answer to a put was not awaited, oldest first:
        # at most _IN_FLIGHT, and at most half of what the pool may open.
        self._due: collections.deque[Any] = collections.deque()
        self._due_pid = os.getpid()
        self._due_lock = threading.Lock()
        # A pool with few connections (?max_connections=) must keep some free.
        self._in_flight: int = min(_IN_FLIGHT, getattr(self._pool, "max_connections", 16) // 2)
        self._prefix = f"{namespace}:"

    @staticmethod
    def _client_location(client: Any) -> str:
        kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", None)
        if not isinstance(kwargs, dict):
            return "a Redis client"
        if "path" in kwargs:
            return f"unix://{kwargs['path']}"
        return f"redis://{kwargs.get('host')}:{kwargs.get('port')}/{kwargs.get('db', 0)}"

    def __repr__(self) -> str:
        return f"RedisStore({self._location!r}, namespace={self.namespace!r})"

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _unavailable(self, error: BaseException) -> StoreUnavailableError:
        detail = self._redact(f"{type(error).__name__}: {error}")
        return StoreUnavailableError(f"Redis at {self._location} unavailable: {detail}")

    def _read(self, keys: Sequence[str]) -> list[bytes | None]:
        names = [self._prefix + key for key in keys]
        try:
            values = self._mget(names) if self._pool is None else self._ask("MGET", *names)
        except self._errors as error:
            raise self._unavailable(error) from None
        return [value.encode() if isinstance(value, str) else value for value in values]

    def _ask(self, *command: object) -> Any:
        """Send ``command`` and read its answer, without redis-py's command layer.

        That layer (retry wrapper, response callbacks) cost about as much as
        the round trip itself (docs/performance.md). The pool still gives each
        thread and each forked worker its own connection.
        """
        return self._answer(self._send(*command))

    def _answer(self, connection: Any) -> Any:
        """Read the answer on ``connection``, then give the connection back to the pool."""
        try:
            return connection.read_response()
        except BaseException:
            connection.disconnect()  # an answer half read must never reach the next command
            raise
        finally:
            self._pool.release(connection)

    def _send(self, *command: object) -> Any:
        """Send ``command``; the connection it went on, its answer still to read."""
        connection = self._connection()
        try:
            connection.send_command(*command)
        except BaseException:
            connection.disconnect()
            self._pool.release(connection)
            raise
        return connection

    def _connection(self) -> Any:
        """A connection for the next command: one whose unawaited answer has come, if any.

        That answer is read first (it is there: no wait), then the connection
        serves again; an answer still on its way stays there, and the pool
        gives another connection, unless it has none left: then the oldest
        answer is awaited.
        """
        if self._due_pid != os.getpid():  # forked: those are the parent's, so is the lock
            self._due_lock = threading.Lock()
            self._due = collections.deque()
            self._due_pid = os.getpid()
        connection = self._oldest_due(arrived=True)
        if connection is None:
            try:
                return self._pool.get_connection()  # it may connect: not under the lock
            except self._pool_full:
                # Connections with answers on their way count against the
                # pool's max_connections: wait for the oldest answer instead.
                connection = self._oldest_due(arrived=False)
                if connection is None:
                    raise
        try:
            connection.read_response()
        except self._response_error as refused:  # a whole answer: the connection is in step
            _LOGGER.warning("%r: Redis refused a record: %s", self, refused)
        except Exception:
            connection.disconnect()  # broken: the next command connects again
        except BaseException:
            connection.disconnect()
            self._pool.release(connection)
            raise
        return connection

    def _oldest_due(self, *, arrived: bool) -> Any:
        """The connection of the oldest answer due (only if it has come, with ``arrived``)."""
        with self._due_lock:
            due = self._due
            if not due or (arrived and not _answered(due[0])):
                return None
            return due.popleft()

    def put_nowait(
        self,
        key: StoreKey,
        entry: StoredValidators,
        *,
        generation: str,
        ttl: float | None = None,
    ) -> bool | None:
        """:meth:`~BaseStore.put`, sent without waiting for the server's answer.

        Returns ``None`` when the put was sent and its answer left for later:
        the next command that takes the connection reads it first (an error
        answer, such as a read-only replica's, is then logged as a warning
        on the ``condget.store`` logger). Past :data:`_IN_FLIGHT` answers on
        their way, and with a client of the application's, the put is
        awaited as :meth:`~BaseStore.put` would be.
        """
        if self._pool is None:
            return self.put(key, entry, generation=generation, ttl=ttl)
        write = self._conditional_write(key, entry, generation, ttl)
        return write is not None and self._write_if_nowait(*write)

    def _write_if_nowait(
        self, key: str, value: bytes, ttl_ms: int, checks: Sequence[tuple[str, bytes]]
    ) -> bool | None:
        generation, expected = checks[0]
        keys = [self._prefix + key, self._prefix + generation]
        try:
            # EVAL, not EVALSHA: its answer is not awaited, so a server that
            # forgot the script could not be told to load it again.
            connection = self._send("EVAL", _PUT, 2, *keys, expected, value, ttl_ms)
        except self._errors as error:
            raise self._unavailable(error) from None
        with self._due_lock:
            if not self._closed and len(self._due) < self._in_flight:
                self._due.append(connection)
                return None
        # Enough answers are on their way (or the store is closing): await this one.
        try:
            return bool(self._answer(connection))
        except self._errors as error:
            raise self._unavailable(error) from None

    def _write_if(
        self, key: str, value: bytes, ttl_ms: int, checks: Sequence[tuple[str, bytes]]
    ) -> bool:
        generation, expected = checks[0]
        keys = [self._prefix + key, self._prefix + generation]
        try:
            if self._pool is None:
                stored = self._put(keys=keys, args=[expected, value, ttl_ms])
            else:
                stored = self._run_put(keys, expected, value, ttl_ms)
        except self._errors as error:
            raise self._unavailable(error) from None
        return bool(stored)

    def _run_put(self, keys: list[str], *args: object) -> object:
        try:
            return self._ask("EVALSHA", self._put.sha, 2, *keys, *args)
        except self._no_script:  # a restarted or flushed server: send the script itself
            return self._ask("EVAL", _PUT, 2, *keys, *args)

    def _set(self, key: str, value: bytes, ttl_ms: int) -> None:
        try:
            if self._pool is None:
                self._client.set(self._prefix + key, value, px=ttl_ms)
            else:
                self._ask("SET", self._prefix + key, value, "PX", ttl_ms)
        except self._errors as error:
            raise self._unavailable(error) from None

    def _close(self) -> None:
        if self._owns:
            with self._due_lock:  # no put is left on its way after this
                self._due.clear()
            self._client.close()  # also the connections with an answer unread


def _answered(connection: Any) -> bool:
    """Whether a put's answer has come (or the connection broke: reading it fails at once)."""
    try:
        return bool(connection.can_read(timeout=0))
    except Exception:
        return True
