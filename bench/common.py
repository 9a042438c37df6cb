"""Shared by the benchmarks: the app on the benchmark database, timing, and result tables."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/feedback_bench")


def bench_app():
    from wsgi import create_app

    url = BENCH_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True, "REDIS_URL": None})


def raw_connection():
    import psycopg

    return psycopg.connect(BENCH_DATABASE_URL)


def timed(fn: Callable[[], object], repeat: int = 7, warmup: int = 2) -> tuple[float, object]:
    """Median wall time in milliseconds over `repeat` runs, after `warmup` runs; and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
