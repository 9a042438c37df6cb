"""Case-tracker benchmark on the seeded database (bench/seed_cases.py first):

1. the reminder sweep's queries, against the bare SQL (psycopg, no SQLAlchemy) that finds the same
   cases with the same columns — target: at most 1.5x, under 2 s;
2. the whole sweep (ledger + outbox writes), rolled back afterwards — for information;
3. the staff queues' first page — target: under 100 ms.

    python bench/run_cases.py [--day 2026-11-23] [--out bench/results/cases.md]
"""

from __future__ import annotations

import argparse
from datetime import date

from common import bench_app, progress, raw_connection, timed

OPEN = "('routed', 'in_progress', 'awaiting_approval')"
COLUMNS = """c.id, c.number, c.due_on, c.unit_id, u.name, c.confidential, s.subject, c.handler_id, h.email, h.name,
             h.away_from, h.away_until, d.email, d.name"""
JOINS = """FROM cases c JOIN submissions s ON s.id = c.submission_id LEFT JOIN units u ON u.id = c.unit_id
           LEFT JOIN staff h ON h.id = c.handler_id LEFT JOIN staff d ON d.id = h.deputy_id"""
NOT_REMINDED = """AND NOT EXISTS (SELECT 1 FROM reminder_ledger r WHERE r.case_id = c.id AND r.kind = %(kind)s
                  AND r.on_date = c.due_on)"""
BARE = {
    "due soon": f"SELECT {COLUMNS} {JOINS} WHERE c.state IN {OPEN} AND c.due_on > %(day)s AND c.due_on <= %(until)s "
                f"{NOT_REMINDED} ORDER BY c.due_on, c.id",
    "due today": f"SELECT {COLUMNS} {JOINS} WHERE c.state IN {OPEN} AND c.due_on = %(day)s {NOT_REMINDED} "
                 "ORDER BY c.due_on, c.id",
    "overdue": f"SELECT {COLUMNS} {JOINS} WHERE c.state IN {OPEN} AND c.due_on < %(day)s ORDER BY c.due_on, c.id",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    app = bench_app()
    lines = ["| scenario | rows | app (ms, median) | bare SQL (ms, median) | ratio |", "|---|---|---|---|---|"]
    with app.app_context():
        from cases import reminders
        from cases.deadlines import load_calendar
        from core.extensions import db

        day = args.day
        until = load_calendar().add_working_days(day, 2)
        total = db.session.execute(db.text("SELECT count(*) FROM cases")).scalar()
        progress(f"{total:,} cases; day {day}, due-soon window to {until}")
        raw = raw_connection()

        def bare(sql: str, kind: str) -> list:
            with raw.cursor() as cur:
                cur.execute(sql, {"day": day, "until": until, "kind": kind})
                return cur.fetchall()

        app_calls = {"due soon": lambda: reminders.due_soon(day, until), "due today": lambda: reminders.due_today(day),
                     "overdue": lambda: reminders.overdue(day)}
        kinds = {"due soon": "due_soon", "due today": "due_today", "overdue": "overdue"}
        sum_app = sum_bare = 0.0
        for name, call in app_calls.items():
            progress(f"sweep query: {name}")
            app_ms, rows = timed(call)
            bare_ms, bare_rows = timed(lambda sql=BARE[name], k=kinds[name]: bare(sql, k))
            assert [r.id for r in rows] == [r[0] for r in bare_rows], "the app and the bare SQL disagree"
            sum_app, sum_bare = sum_app + app_ms, sum_bare + bare_ms
            lines.append(f"| sweep query: {name} | {len(rows):,} | {app_ms:.1f} | {bare_ms:.1f} | "
                         f"{app_ms / bare_ms:.2f} |")
        lines.append(f"| **sweep queries, all three** | | **{sum_app:.1f}** | **{sum_bare:.1f}** | "
                     f"**{sum_app / sum_bare:.2f}** |")

        def full_sweep() -> dict:
            try:
                return reminders.sweep(day)
            finally:
                db.session.rollback()

        progress("whole sweep (rolled back)")
        full_ms, sent = timed(full_sweep, repeat=3, warmup=1)
        lines.append(f"| whole sweep incl. ledger and outbox writes (rolled back) | {sum(sent.values()):,} sent "
                     f"| {full_ms:.1f} | | |")

        from cases.queries import CaseFilter, filtered, page_of
        from core.accounts.models import Staff

        supervisor = db.session.get(Staff, 5)   # a supervisor of unit U002
        handler = db.session.get(Staff, 6)      # a handler of unit U002
        secretariat = db.session.get(Staff, 1)  # intake + secretariat: sees every case
        queues = [
            ("intake queue", secretariat, CaseFilter(queue="intake")),
            ("all cases", secretariat, CaseFilter(queue="all")),
            ("all, overdue", secretariat, CaseFilter(queue="all", due="overdue")),
            ("all, channel + state", secretariat, CaseFilter(queue="all", channel="mailbox", state="in_progress")),
            ("my unit", supervisor, CaseFilter(queue="unit")),
            ("awaiting my approval", supervisor, CaseFilter(queue="approval")),
            ("my cases", handler, CaseFilter(queue="mine")),
            ("all, page 200 (keyset)", secretariat, CaseFilter(queue="all", before=10_000)),
            ("search: number prefix", secretariat, CaseFilter(queue="all", q="00004")),
            ("search: subject text", secretariat, CaseFilter(queue="all", q="公園設施")),
        ]
        for label, user, f in queues:
            progress(f"queue: {label}")
            ms, (rows, _next) = timed(lambda u=user, f=f: page_of(filtered(u, f, day, until), f.before))
            lines.append(f"| staff queue first page: {label} | {len(rows)} | {ms:.1f} | | |")
    report = "\n".join(lines)
    print(report)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(f"Run on {date.today()} against {total:,} cases (day {args.day}).\n\n{report}\n")


if __name__ == "__main__":
    main()
