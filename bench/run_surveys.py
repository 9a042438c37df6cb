"""Satisfaction aggregation per unit over the seeded responses (bench/seed_surveys.py first),
against the bare SQL GROUP BY computing the same figures. Target: at most 1.5x, under 1 s.

    python bench/run_surveys.py [--from 2025-01-01 --to 2026-11-30] [--out bench/results/surveys.md]
"""

from __future__ import annotations

import argparse
from datetime import date

from common import bench_app, progress, raw_connection, timed

BARE_RESPONSES = """
SELECT unit_id, count(*), sum(CASE WHEN overall >= 4 THEN 1 ELSE 0 END),
       avg(s1), avg(s2), avg(s3), avg(s4), avg(s5),
       sum(CASE WHEN overall = 1 THEN 1 ELSE 0 END), sum(CASE WHEN overall = 2 THEN 1 ELSE 0 END),
       sum(CASE WHEN overall = 3 THEN 1 ELSE 0 END), sum(CASE WHEN overall = 4 THEN 1 ELSE 0 END),
       sum(CASE WHEN overall = 5 THEN 1 ELSE 0 END)
FROM survey_responses WHERE answered_on BETWEEN %(start)s AND %(end)s GROUP BY unit_id"""
BARE_INVITATIONS = """SELECT unit_id, count(*) FROM survey_invitations
WHERE sent_on BETWEEN %(start)s AND %(end)s GROUP BY unit_id"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2024, 12, 1))
    parser.add_argument("--to", dest="end", type=date.fromisoformat, default=date(2026, 12, 31))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    app = bench_app()
    raw = raw_connection()

    def bare() -> tuple[list, list]:
        with raw.cursor() as cur:
            cur.execute(BARE_RESPONSES, {"start": args.start, "end": args.end})
            responses = cur.fetchall()
            cur.execute(BARE_INVITATIONS, {"start": args.start, "end": args.end})
            return responses, cur.fetchall()

    lines = ["| scenario | units | responses | app (ms, median) | bare SQL (ms, median) | ratio |",
             "|---|---|---|---|---|---|"]
    with app.app_context():
        from core.extensions import db
        from surveys import aggregates

        total = db.session.execute(db.text("SELECT count(*) FROM survey_responses")).scalar()
        progress(f"{total:,} responses; period {args.start} to {args.end}")
        for label, unit in [("all units", None), ("one unit", "U007")]:
            app_ms, figures = timed(lambda u=unit: aggregates.by_unit(args.start, args.end, u), repeat=5)
            if unit is None:
                bare_ms, (responses, invitations) = timed(bare, repeat=5)
                by_id = {row[0]: row for row in responses}
                assert sum(f.responses for f in figures) == sum(row[1] for row in responses)
                assert len(figures) == len(by_id)
                lines.append(f"| per-unit aggregation, {label} | {len(figures)} | {sum(f.responses for f in figures):,}"
                             f" | {app_ms:.1f} | {bare_ms:.1f} | {app_ms / bare_ms:.2f} |")
            else:
                lines.append(f"| per-unit aggregation, {label} | {len(figures)} | "
                             f"{sum(f.responses for f in figures):,} | {app_ms:.1f} | | |")
        for label, call in [("by outcome", aggregates.by_outcome), ("by month", aggregates.by_month)]:
            ms, rows = timed(lambda c=call: c(args.start, args.end), repeat=5)
            lines.append(f"| {label}, all units | | {sum(r['responses'] for r in rows):,} | {ms:.1f} | | |")
    report = "\n".join(lines)
    print(report)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(f"Run on {date.today()} against {total:,} responses.\n\n{report}\n")


if __name__ == "__main__":
    main()
