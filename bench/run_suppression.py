"""How long the complementary suppression of one month takes, and how much it withholds (issue 14).

    .venv/bin/python bench/run_suppression.py [--units 25] [--months 12] [--seed 1]

Synthetic months (no database): `--units` units, each with rows for three channels and, for complaints, three
categories, 30% of the rows empty; counts drawn so that about one detail cell in five is 1 or 2 — a small
agency's month, the hard case. The baseline, measured in the same run, is building the same cells and relations
without the audit (what the rows cost before suppression); the ratio is what we watch.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports import public_statistics as ps  # noqa: E402


def month(generator: random.Random, units: int) -> tuple:
    cells: dict[tuple, tuple] = {}
    for u in range(units):
        for channel in ("petition", "mailbox", "complaint"):
            for category in (("integrity", "service", "other") if channel == "complaint" else ("",)):
                if generator.random() < 0.3:
                    continue
                received = generator.choice([1, 2, 3, 5, 8, 15, 40, 120])
                closed = generator.randint(0, received)
                on_time = generator.randint(0, closed)
                values = (received, closed, on_time, closed - on_time, generator.randint(0, received) // 4,
                          generator.choice([0, 0, 0, 1, 3]))
                cells[("D", f"U{u:02d}", channel, category)] = values
    confidential = generator.choice([(0,) * 6, (1, 1, 1, 0, 0, 0), (2, 1, 0, 1, 1, 0)])  # a coherent row
    cells[("T",)] = tuple(sum(v[i] for v in cells.values()) + confidential[i] for i in range(6))
    return tuple(sorted(cells.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=25)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generator = random.Random(args.seed)
    months = [month(generator, args.units) for _ in range(args.months)]
    started = time.perf_counter()
    for snapshot in months:  # the baseline: the same cells as the published rows, no audit
        [ps.Figures(**dict(zip(ps.MEASURES, counts, strict=True))).published() for _cell, counts in snapshot]
    baseline = time.perf_counter() - started
    ps._withheld.cache_clear()
    withheld = small = cells = 0
    started = time.perf_counter()
    for i, snapshot in enumerate(months, 1):
        marked = ps._withheld(snapshot)
        withheld += len(marked)
        small += sum(1 for _c, counts in snapshot for v in counts if 0 < v < 3)
        cells += 6 * len(snapshot)
        print(f"\rmonth {i}/{len(months)}", end="", file=sys.stderr)
    audit = time.perf_counter() - started
    print(file=sys.stderr)
    print("| units | months | cells | small (<3) | withheld (x) | audit per month | baseline per month | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.units} | {args.months} | {cells} | {small} | {withheld} | {1000 * audit / args.months:.0f} ms "
          f"| {1000 * baseline / args.months:.2f} ms | {audit / max(baseline, 1e-9):.0f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
