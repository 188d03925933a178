"""Where the failure counters live: the database (default) or Redis (``REDIS_URL``).

Both are shared by every gunicorn worker and every host that uses the same database or
Redis, which is the point: a counter in process memory would give an attacker a fresh
allowance on each worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from shop.ratelimit.models import AuthFailureBucket, AuthLockout


class StoreUnavailable(Exception):
    """The counters cannot be read or written (database or Redis down)."""


@contextmanager
def _unavailable_on(*errors: type[Exception]) -> Iterator[None]:
    try:
        yield
    except errors as error:
        raise StoreUnavailable(type(error).__name__) from error


@dataclass(frozen=True)
class Counted:
    """The state of one key right after a failure was added to it."""

    failures: int  # failures within the window, this one included
    locked_until: int  # 0 when the key is not locked
    newly_locked: bool  # this failure is the one that locked the key


class FailureStore(Protocol):
    def record(self, key: str, label: str, now: int, window: int, limit: int) -> Counted:
        """Count one failure; lock the key until ``now + window`` once ``limit`` is reached."""
        ...

    def locked_until(self, keys: list[str]) -> dict[str, int]:
        """The lock end of each locked key (expired locks may be included)."""
        ...

    def clear(self, key: str) -> None:
        """Forget the failures and the lock of one key."""
        ...


def bucket_size(window: int) -> int:
    """Failures are summed over ten buckets: a sliding window accurate to a tenth of it."""
    return max(1, window // 10)


def _insert(engine: Engine) -> Any:
    if engine.dialect.name == "postgresql":
        return postgresql.insert
    if engine.dialect.name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"rate limiting supports SQLite and PostgreSQL, not {engine.dialect.name}")


class DatabaseStore:
    """Counters in two small tables, updated with atomic upserts in their own transaction.

    The store uses its own connection, never the request's session: recording a failure
    must not commit (or roll back) anything the caller has pending.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = _insert(engine)
        self._last_purge = 0

    def record(self, key: str, label: str, now: int, window: int, limit: int) -> Counted:
        size = bucket_size(window)
        bucket = now - now % size
        table = AuthFailureBucket.__table__
        add = self._insert(table).values(key=key, bucket_start=bucket, failures=1)
        add = add.on_conflict_do_update(
            index_elements=[table.c.key, table.c.bucket_start],
            set_={"failures": table.c.failures + 1},
        )
        with _unavailable_on(SQLAlchemyError), self.engine.begin() as conn:
            conn.execute(add)
            failures = conn.execute(
                select(func.coalesce(func.sum(table.c.failures), 0)).where(
                    table.c.key == key, table.c.bucket_start > now - window
                )
            ).scalar_one()
            newly_locked = failures >= limit and self._lock(conn, key, label, now, now + window)
            locked_until = conn.execute(
                select(AuthLockout.locked_until).where(AuthLockout.key == key)
            ).scalar()
            if now - self._last_purge >= size:
                self._purge(conn, now, window)
        return Counted(int(failures), int(locked_until or 0), newly_locked)

    def _lock(self, conn: Any, key: str, label: str, now: int, until: int) -> bool:
        table = AuthLockout.__table__
        lock = self._insert(table).values(key=key, label=label, locked_until=until)
        # An active lock is not extended: failures during a lock do not lengthen it.
        lock = lock.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"locked_until": until, "label": label},
            where=table.c.locked_until <= now,
        )
        return bool(conn.execute(lock).rowcount)

    def _purge(self, conn: Any, now: int, window: int) -> None:
        self._last_purge = now
        old = AuthFailureBucket.bucket_start <= now - window
        conn.execute(delete(AuthFailureBucket).where(old))
        conn.execute(delete(AuthLockout).where(AuthLockout.locked_until <= now))

    def locked_until(self, keys: list[str]) -> dict[str, int]:
        with _unavailable_on(SQLAlchemyError), self.engine.connect() as conn:
            rows = conn.execute(
                select(AuthLockout.key, AuthLockout.locked_until).where(AuthLockout.key.in_(keys))
            )
            return {row.key: int(row.locked_until) for row in rows}

    def clear(self, key: str) -> None:
        with _unavailable_on(SQLAlchemyError), self.engine.begin() as conn:
            conn.execute(delete(AuthFailureBucket).where(AuthFailureBucket.key == key))
            conn.execute(delete(AuthLockout).where(AuthLockout.key == key))


def redis_client(url: str) -> Any:
    """A Redis client that gives up fast: a dead Redis must not make every login wait.

    One attempt, no retries, half a second to connect or answer; the limiter then lets the
    attempt through and logs an error (see RateLimiter).
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


class RedisStore:
    """Counters in Redis: one hash of buckets and one lock value per key, both expiring.

    Lock ends are stored as values and compared with the limiter's clock (not left to
    Redis expiry alone), so both stores behave the same under a test clock.
    """

    def __init__(self, client: Any, prefix: str = "shop:ratelimit") -> None:
        # Imported here: a shop without REDIS_URL never loads redis (~6 MB per worker).
        from redis.exceptions import RedisError

        self.client = client
        self.prefix = prefix
        self.errors: type[Exception] = RedisError

    def _keys(self, key: str) -> tuple[str, str]:
        return f"{self.prefix}:failures:{key}", f"{self.prefix}:lock:{key}"

    def record(self, key: str, label: str, now: int, window: int, limit: int) -> Counted:
        with _unavailable_on(self.errors):
            return self._record(key, now, window, limit)

    def _record(self, key: str, now: int, window: int, limit: int) -> Counted:
        size = bucket_size(window)
        bucket = now - now % size
        failures_key, lock_key = self._keys(key)
        pipe = self.client.pipeline(transaction=True)  # MULTI/EXEC: one atomic round trip
        pipe.hincrby(failures_key, str(bucket), 1)
        pipe.expire(failures_key, window + size)
        pipe.hgetall(failures_key)
        _, _, buckets = pipe.execute()
        failures, stale = 0, []
        for start, count in buckets.items():
            if int(start) > now - window:
                failures += int(count)
            else:
                stale.append(start)
        if stale:
            self.client.hdel(failures_key, *stale)
        newly_locked = failures >= limit and self._lock(lock_key, now, now + window, window)
        current = self.client.get(lock_key)
        return Counted(failures, int(current or 0), newly_locked)

    def _lock(self, lock_key: str, now: int, until: int, window: int) -> bool:
        # NX: an active lock is not extended. A lock that has ended by our clock but not yet
        # by Redis's expiry is replaced.
        if self.client.set(lock_key, until, nx=True, ex=window):
            return True
        current = self.client.get(lock_key)
        if current is not None and int(current) > now:
            return False
        self.client.set(lock_key, until, ex=window)
        return True

    def locked_until(self, keys: list[str]) -> dict[str, int]:
        with _unavailable_on(self.errors):
            values = self.client.mget([self._keys(key)[1] for key in keys])
        return {key: int(value) for key, value in zip(keys, values, strict=True) if value}

    def clear(self, key: str) -> None:
        with _unavailable_on(self.errors):
            self.client.delete(*self._keys(key))
