"""The public statistics page at a million cases, with its suppression (issue 14).

    .venv/bin/python bench/seed_cases.py        # once: feedback_bench, 1,000,000 cases, 200 units
    .venv/bin/python bench/run_public_statistics.py [--repeat 5]

Requests /statistics through Flask's test client in this process on the seeded day (2026-11-23): the default
twelve months and the longest period (sixty months), each with the month's suppression computed afresh (the
in-memory cache cleared: a process's first view, or a day when every month changed) and from the cache. The
baseline, measured in the same run, is the statements the page's figures come from (one per figure set, giving the
agency's monthly totals and the detail rows) run through the same app: what the page costs without suppression,
satisfaction and rendering.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from common import bench_app, progress

DAY = date(2026, 11, 23)


def median_ms(fn, repeat: int) -> float:  # noqa: ANN001
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import time_machine

    from reports import public_statistics as ps

    app = bench_app()
    client = app.test_client()
    rows = []
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Taipei")), tick=True):
        for label, query, first in (("12 months", "", date(2025, 12, 1)),
                                    ("60 months", "?from=2021-12&to=2026-11", date(2021, 12, 1))):
            progress(f"{label}: baseline")

            def baseline(first: date = first) -> None:
                with app.app_context():  # the statements the page's figures come from, nothing else
                    ps._read(first, DAY, DAY)

            def page(query: str = query, cold: bool = True) -> None:
                if cold:
                    ps._withheld.cache_clear()
                answer = client.get(f"/statistics{query}")
                assert answer.status_code == 200, answer.status_code

            baseline()
            base = median_ms(baseline, args.repeat)
            progress(f"{label}: the page, suppression computed afresh")
            cold = median_ms(page, args.repeat)
            page(cold=False)
            progress(f"{label}: the page, suppression from the cache")
            warm = median_ms(lambda query=query: page(query, cold=False), args.repeat)
            with app.app_context():
                protected = ps.tables(first, DAY, DAY)
            cells = len(protected.totals) + len(protected.details)
            withheld = sum(len(f.withheld) for f in (*protected.totals, *protected.details))
            small = sum(1 for f in (*protected.totals, *protected.details) for m in ps.MEASURES
                        if 0 < getattr(f, m) < 3)
            rows.append((label, cells, small, withheld, base, cold, warm))
    print("| period | rows | small (<3) | withheld (x) | baseline: the figures' statements | page, suppression afresh "
          "| page, cached | afresh ÷ baseline | cached ÷ baseline |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, cells, small, withheld, base, cold, warm in rows:
        print(f"| {label} | {cells} | {small} | {withheld} | {base:.0f} ms | {cold:.0f} ms | {warm:.0f} ms "
              f"| {cold / base:.1f}× | {warm / base:.1f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
