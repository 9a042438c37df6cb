"""A lock that keeps periodic jobs from overlapping: Redis when configured, else in-process
(the embedded mode runs one process)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from flask import current_app

_local_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


@contextmanager
def exclusive(name: str, timeout: int = 600) -> Iterator[bool]:
    """Yields True if this caller holds the lock, False if another run has it (then do nothing)."""
    url = current_app.config.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        lock = client.lock(f"lock:{name}", timeout=timeout, blocking=False)
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                with suppress(redis.exceptions.LockError):  # expired meanwhile: nothing to release
                    lock.release()
        return
    with _guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
