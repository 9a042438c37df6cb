"""Rate limits on the public endpoints, per client address: every window of a request in one Redis round trip.

A limit is a configuration string such as "10 per hour;3 per minute" (parsed by the `limits` library). Each
window is a fixed window counted under a key that names it, so a key expires on its own. One Lua script
increments all the windows of a request and, if any is over, gives the increments back and says which: a
refused request is not counted, and the accepted path costs one round trip. `deduct_when` gives the count back
after the answer (a second round trip, on that path only) when the answer says the attempt does not count.

Redis is optional at request time: an error or a timeout (REDIS_TIMEOUT_SECONDS) counts in this process's
memory instead, and Redis is asked again after a short pause.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from limits import parse_many
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Redis is asked again this long after it failed; meanwhile this process counts alone.
RETRY_REDIS_AFTER_SECONDS = 5.0
PREFIX = "rl:"

_COUNT = """
local over = 0
local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 or redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  counts[i] = n
  if over == 0 and n > tonumber(ARGV[2 * i - 1]) then over = i end
end
if over > 0 then
  for _, key in ipairs(KEYS) do redis.call('DECR', key) end
end
table.insert(counts, 1, over)
return counts
"""
# The attempt given back after the answer: only where it was counted, never below zero, never a key without expiry.
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""


@dataclass(frozen=True)
class Window:
    amount: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int          # the window closest to its limit (the one that refused, if one did)
    remaining: int
    reset_at: int       # epoch seconds when that window ends

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))


@functools.lru_cache(maxsize=64)
def windows(spec: str) -> tuple[Window, ...]:
    """The distinct windows of a limit string; ValueError for one that is not a limit."""
    parsed = tuple(dict.fromkeys(Window(item.amount, item.get_expiry()) for item in parse_many(spec)))
    if not parsed:
        raise ValueError(f"no rate limit in {spec!r}")
    return parsed


class _Memory:
    """The fallback: the same fixed windows in this process."""

    PRUNE_EVERY_SECONDS = 10.0

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._pruned_at = 0.0

    def count(self, keys: list[str], windows: tuple[Window, ...], now: float) -> list[int]:
        with self._lock:
            # Expired windows go at most every few seconds: a flood of addresses must not make every count a scan.
            if len(self._counts) > 10_000 and now - self._pruned_at > self.PRUNE_EVERY_SECONDS:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
                self._pruned_at = now
            counts = []
            for key, window in zip(keys, windows, strict=True):
                n, expires = self._counts.get(key, (0, now + window.seconds))
                counts.append(n + 1)
                self._counts[key] = (n + 1, expires)
            over = next((i + 1 for i, (n, w) in enumerate(zip(counts, windows, strict=True)) if n > w.amount), 0)
            if over:
                self._give_back(keys)
            return [over, *counts]

    def give_back(self, keys: list[str]) -> None:
        with self._lock:
            self._give_back(keys)

    def _give_back(self, keys: list[str]) -> None:
        for key in keys:
            if key in self._counts:
                n, expires = self._counts[key]
                self._counts[key] = (max(0, n - 1), expires)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class RateLimits:
    def __init__(self, app: Flask) -> None:
        uri = app.config["RATELIMIT_STORAGE_URI"] or "memory://"
        timeout = app.config["REDIS_TIMEOUT_SECONDS"]
        self.redis: Redis | None = None
        if uri.startswith(("redis://", "rediss://")):
            self.redis = Redis.from_url(uri, socket_timeout=timeout, socket_connect_timeout=timeout,
                                        health_check_interval=0)
            self._script = self.redis.register_script(_COUNT)
            self._give_back_script = self.redis.register_script(_GIVE_BACK)
        self.memory = _Memory()
        self.redis_down_until = 0.0

    def _count(self, keys: list[str], spec: tuple[Window, ...], now: float) -> tuple[list[int], bool]:
        """The counts, and whether Redis (not this process's memory) holds them."""
        if self.redis is not None and time.monotonic() >= self.redis_down_until:
            args = [value for window in spec for value in (window.amount, window.seconds)]
            try:
                return [int(n) for n in self._script(keys=keys, args=args)], True
            except RedisError as error:
                self.redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
                log.warning("rate limits kept in memory for %.0f s: Redis: %s", RETRY_REDIS_AFTER_SECONDS, error)
        return self.memory.count(keys, spec, now), False

    def give_back(self, keys: list[str], in_redis: bool) -> None:
        """Give an attempt back to the store that counted it."""
        if in_redis and self.redis is not None:
            try:
                self._give_back_script(keys=keys)
            except RedisError:
                self.redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
            return
        self.memory.give_back(keys)

    def hit(self, scope: str, spec: str, who: str) -> tuple[Verdict, list[str], bool]:
        now = time.time()
        limits = windows(spec)
        starts = [int(now // window.seconds) * window.seconds for window in limits]
        keys = [f"{PREFIX}{scope}:{who}:{window.amount}/{window.seconds}:{start}"
                for window, start in zip(limits, starts, strict=True)]
        (over, *counts), in_redis = self._count(keys, limits, now)
        if over:
            index = over - 1
            window = limits[index]
            return Verdict(False, window.amount, 0, starts[index] + window.seconds), keys, in_redis
        index = min(range(len(limits)), key=lambda i: limits[i].amount - counts[i])
        window = limits[index]
        verdict = Verdict(True, window.amount, window.amount - counts[index], starts[index] + window.seconds)
        return verdict, keys, in_redis

    def reset(self) -> None:
        self.memory.reset()
        self.redis_down_until = 0.0
        if self.redis is not None:
            keys = list(self.redis.scan_iter(match=f"{PREFIX}*", count=1000))
            if keys:
                self.redis.delete(*keys)


def _state() -> RateLimits:
    return current_app.extensions["rate_limits"]


def current() -> Verdict | None:
    """The verdict on this request, for a page that tells the citizen when to try again."""
    return g.get("rate_limit")


def limit(spec: Callable[[], str] | str, *, methods: tuple[str, ...] = ("POST",),
          deduct_when: Callable[[Response], bool] | None = None, scope: str | None = None) -> Callable:
    """Limit a view per client address. `deduct_when(response)` false gives the attempt back after the answer."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if request.method not in methods or not current_app.config.get("RATELIMIT_ENABLED", True):
                return view(*args, **kwargs)
            state = _state()
            verdict, keys, in_redis = state.hit(scope or request.endpoint or view.__name__,
                                                spec() if callable(spec) else spec, request.remote_addr or "unknown")
            g.rate_limit = verdict
            if not verdict.allowed:
                abort(429)
            if deduct_when is not None:
                g.rate_limit_keys = (keys, deduct_when, in_redis)
            return view(*args, **kwargs)

        return limited

    return decorate


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    for key in ("RATELIMIT_SUBMIT", "RATELIMIT_TRACK", "RATELIMIT_LOGIN"):
        try:  # a mistyped limit stops the start, not every request
            windows(app.config[key])
        except ValueError as error:
            raise ValueError(f"{key}: {error}") from None
    if not app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "memory://")):
        raise ValueError("RATELIMIT_STORAGE_URI must be redis://…, rediss://… or memory://")
    app.extensions["rate_limits"] = RateLimits(app)

    @app.after_request
    def settle(response: Response) -> Response:
        verdict = g.get("rate_limit")
        if verdict is None:
            return response
        pending = g.pop("rate_limit_keys", None)
        if pending is not None and not pending[1](response):
            _state().give_back(pending[0], pending[2])
        if app.config.get("RATELIMIT_HEADERS_ENABLED", True):
            response.headers["X-RateLimit-Limit"] = str(verdict.limit)
            response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
            response.headers["X-RateLimit-Reset"] = str(verdict.reset_at)
        if not verdict.allowed:  # a 429 of the view's own (a login throttle) keeps its Retry-After
            response.headers["Retry-After"] = str(verdict.retry_after)
        return response
