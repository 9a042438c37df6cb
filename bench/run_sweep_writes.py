"""The reminder sweep's writes against a bare bulk insert of the same rows (issue 11), on the seeded
database (bench/seed_cases.py first). Target: the writes at most 2x the bare insert.

1. the whole `cases.reminders.sweep()`, rolled back after each run;
2. the sweep's reads only (the setting, the three case queries, the digest check, the staff by role);
3. the sweep's writes: the sweep with those reads served from memory (the ledger claim, the contexts,
   the outbox rows, the digests), rolled back; and, as a cross-check, whole minus reads;
4. the bare baseline: the very rows one sweep wrote (read back before its rollback: every column, the
   same JSON text) inserted through psycopg in one transaction, rolled back — multi-row
   `INSERT … VALUES (…), (…)` in batches, `executemany` (pipelined), and one array per column in binary
   into `INSERT … SELECT * FROM unnest(…)` (the shape core/bulk.py gives the app); the fastest is the baseline.
   (With psycopg 3 the long multi-row statements cost mostly the client's rewriting of thousands of
   placeholders, which it caches only for short statements: the pipelined executemany is faster.)

The scenarios run interleaved (one run of each per round), so that other work on a shared machine weighs
on the app and on the bare insert alike; medians over the rounds.

    python bench/run_sweep_writes.py [--day 2026-11-23] [--out bench/results/sweep-writes.md]
"""

from __future__ import annotations

import argparse
import statistics
from datetime import date
from types import SimpleNamespace

from common import bench_app, progress, raw_connection, timed

LEDGER_COLUMNS = ("key", "kind", "case_id", "staff_id", "on_date", "created_at")
OUTBOX_COLUMNS = ("kind", "channel", "recipient", "template", "language", "context", "secrets", "idempotency_key",
                  "about", "confidential", "status", "attempts", "next_attempt_at", "created_at")
NOTICE_COLUMNS = ("staff_id", "case_id", "kind", "params", "key", "created_at", "mailed_at")
LEDGER_TYPES = ("text", "text", "int4", "int4", "date", "timestamptz")
NOTICE_TYPES = ("int4", "int4", "text", "json", "text", "timestamptz", "timestamptz")
OUTBOX_TYPES = ("text", "text", "text", "text", "text", "json", "json", "text", "text", "bool", "text", "int4",
                "timestamptz", "timestamptz")
BATCH = 1000
WARMUP = 2


def _insert_sql(table: str, columns: tuple[str, ...], rows: int) -> str:
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join([one] * rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=None)
    parser.add_argument("--profile", action="store_true", help="profile the app's writes once instead of timing")
    args = parser.parse_args()
    app = bench_app()
    repeat = args.repeat
    with app.app_context():
        from cases import reminders
        from cases.deadlines import load_calendar
        from core.accounts.models import Role
        from core.extensions import db
        from core.settings import get_setting

        day = args.day
        total = db.session.execute(db.text("SELECT count(*) FROM cases")).scalar()
        until = load_calendar().add_working_days(day, get_setting("reminder_due_soon_working_days"))
        progress(f"{total:,} cases; day {day}, due-soon window to {until}")
        db.session.rollback()

        # -- the rows one sweep writes, read back before its rollback -----------------------------------------
        def max_id(table: str) -> int:
            return db.session.execute(db.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()

        ledger_from, outbox_from, notice_from = max_id("reminder_ledger"), max_id("outbox_messages"), max_id(
            "staff_notices")
        sent = reminders.sweep(day)
        ledger_rows = [tuple(r) for r in db.session.execute(db.text(
            f"SELECT {', '.join(LEDGER_COLUMNS)} FROM reminder_ledger WHERE id > :f ORDER BY id"), {"f": ledger_from})]
        as_text = ", ".join(f"{c}::text" if c in ("context", "secrets") else c for c in OUTBOX_COLUMNS)
        outbox_rows = [tuple(r) for r in db.session.execute(db.text(
            f"SELECT {as_text} FROM outbox_messages WHERE id > :f ORDER BY id"), {"f": outbox_from})]
        # The in-app notices of the reminders (issue 12): a third table the sweep writes.
        notice_as_text = ", ".join(f"{c}::text" if c == "params" else c for c in NOTICE_COLUMNS)
        notice_rows = [tuple(r) for r in db.session.execute(db.text(
            f"SELECT {notice_as_text} FROM staff_notices WHERE id > :f ORDER BY id"), {"f": notice_from})]
        db.session.rollback()
        json_bytes = sum(len(r[5].encode()) for r in outbox_rows)
        progress(f"one sweep: {sent}; {len(ledger_rows):,} ledger rows, {len(outbox_rows):,} outbox rows, "
                 f"{len(notice_rows):,} staff notices, "
                 f"{json_bytes / 1e6:.1f} MB of context JSON")

        # -- the app ---------------------------------------------------------------------------------------------
        def whole() -> dict:
            try:
                return reminders.sweep(day)
            finally:
                db.session.rollback()

        def reads() -> tuple:
            try:
                soon, today_rows = reminders.due_soon(day, until), reminders.due_today(day)
                late = [] if reminders._digests_sent(day) else reminders.overdue(day)
                unit_ids = {r.unit_id for r in (*soon, *today_rows, *late) if r.unit_id}
                return (get_setting("reminder_due_soon_working_days"), soon, today_rows, late,
                        reminders._staff_by_role(Role.SUPERVISOR, unit_ids), reminders._staff_by_role(Role.SECRETARIAT))
            finally:
                db.session.rollback()

        _, soon, today_rows, late, supervisors, secretariat = reads()

        # Served from memory: the staff as plain values (ORM objects would be expired by each rollback).
        def plain(grouped: dict) -> dict:
            return {unit: [SimpleNamespace(id=s.id, email=s.email, name=s.name, unit_id=s.unit_id, language=s.language)
                           for s in people]
                    for unit, people in grouped.items()}

        cached = {Role.SUPERVISOR: plain(supervisors), Role.SECRETARIAT: plain(secretariat)}
        patched = {"due_soon": lambda *a: soon, "due_today": lambda *a: today_rows, "overdue": lambda *a: late,
                   "_staff_by_role": lambda role, unit_ids=None: cached[role]}
        saved = {name: getattr(reminders, name) for name in patched}

        def writes() -> dict:
            try:
                for name, fn in patched.items():
                    setattr(reminders, name, fn)
                return whole()
            finally:
                for name, fn in saved.items():
                    setattr(reminders, name, fn)

        assert writes() == sent
        if args.profile:  # where the app's writes spend their time (this process's CPU), then stop
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(writes)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            return

        # -- bare psycopg -----------------------------------------------------------------------------------------
        raw = raw_connection()

        def bare_values() -> None:
            try:
                with raw.cursor() as cur:
                    for table, columns, rows in (("reminder_ledger", LEDGER_COLUMNS, ledger_rows),
                                                 ("outbox_messages", OUTBOX_COLUMNS, outbox_rows),
                                                 ("staff_notices", NOTICE_COLUMNS, notice_rows)):
                        for start in range(0, len(rows), BATCH):
                            chunk = rows[start:start + BATCH]
                            cur.execute(_insert_sql(table, columns, len(chunk)), [v for row in chunk for v in row])
            finally:
                raw.rollback()

        def bare_executemany() -> None:
            try:
                with raw.cursor() as cur:
                    cur.executemany(_insert_sql("reminder_ledger", LEDGER_COLUMNS, 1), ledger_rows)
                    cur.executemany(_insert_sql("outbox_messages", OUTBOX_COLUMNS, 1), outbox_rows)
                    cur.executemany(_insert_sql("staff_notices", NOTICE_COLUMNS, 1), notice_rows)
            finally:
                raw.rollback()

        def unnest(upsert: bool) -> None:
            try:
                with raw.cursor() as cur:
                    for table, columns, types, rows, key in (
                            ("reminder_ledger", LEDGER_COLUMNS, LEDGER_TYPES, ledger_rows, "key"),
                            ("outbox_messages", OUTBOX_COLUMNS, OUTBOX_TYPES, outbox_rows, "idempotency_key"),
                            ("staff_notices", NOTICE_COLUMNS, NOTICE_TYPES, notice_rows, "key")):
                        arrays = ", ".join(f"%b::{t}[]" for t in types)
                        sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
                        if upsert:
                            sql += f" ON CONFLICT ({key}) DO NOTHING RETURNING id"
                        cur.execute(sql, [list(column) for column in zip(*rows, strict=True)])
                        if upsert:
                            assert len(cur.fetchall()) == len(rows)
            finally:
                raw.rollback()

        def bare_unnest() -> None:
            unnest(upsert=False)

        def bare_upsert() -> None:
            """For information: the statement the sweep needs (ON CONFLICT DO NOTHING RETURNING id)."""
            unnest(upsert=True)

        # Interleaved: each round times every scenario once, so that the other work on a shared machine weighs
        # on the app and on the bare insert alike; the median of the rounds, after WARMUP rounds.
        scenarios = {"whole": whole, "reads": reads, "writes": writes, "values": bare_values,
                     "many": bare_executemany, "unnest": bare_unnest, "upsert": bare_upsert}
        samples: dict[str, list[float]] = {name: [] for name in scenarios}
        for round_ in range(WARMUP + repeat):
            progress(f"round {round_ + 1} of {WARMUP + repeat}" + (" (warm-up)" if round_ < WARMUP else ""))
            for name, fn in scenarios.items():
                ms, _ = timed(fn, repeat=1, warmup=0)
                if round_ >= WARMUP:
                    samples[name].append(ms)
        raw.close()
        whole_ms, reads_ms, writes_ms, values_ms, many_ms, unnest_ms, upsert_ms = (
            statistics.median(samples[name]) for name in scenarios)

    bare_ms = min(values_ms, many_ms, unnest_ms)
    rows = f"{len(ledger_rows):,} + {len(outbox_rows):,} + {len(notice_rows):,}"
    lines = [
        "| scenario | ledger + outbox + staff notice rows | ms (median) | ratio to bare insert |",
        "|---|---|---|---|",
        f"| whole sweep (rolled back) | {rows} | {whole_ms:.1f} | {whole_ms / bare_ms:.2f} |",
        f"| sweep reads only | | {reads_ms:.1f} | |",
        f"| sweep writes = whole − reads | {rows} | {whole_ms - reads_ms:.1f} | "
        f"{(whole_ms - reads_ms) / bare_ms:.2f} |",
        f"| **sweep writes, measured (reads served from memory)** | {rows} | **{writes_ms:.1f}** | "
        f"**{writes_ms / bare_ms:.2f}** |",
        f"| bare: multi-row INSERT … VALUES, batches of {BATCH} | {rows} | {values_ms:.1f} | "
        f"{values_ms / bare_ms:.2f} |",
        f"| bare: executemany (pipelined) | {rows} | {many_ms:.1f} | {many_ms / bare_ms:.2f} |",
        f"| bare: INSERT … SELECT FROM unnest(arrays, binary) | {rows} | {unnest_ms:.1f} | {unnest_ms / bare_ms:.2f} |",
        f"| bare, for information: unnest with ON CONFLICT DO NOTHING RETURNING id | {rows} | {upsert_ms:.1f} | "
        f"{upsert_ms / bare_ms:.2f} |",
    ]
    report = "\n".join(lines)
    summary = (f"One sweep sends {sent} (cases per kind; digests per person): {len(ledger_rows):,} ledger rows, "
               f"{len(outbox_rows):,} outbox rows and {len(notice_rows):,} in-app staff notices with "
               f"{json_bytes / 1e6:.1f} MB of context JSON. "
               f"Medians of {repeat} interleaved rounds after {WARMUP} warm-up rounds; every run rolled back.")
    print(report)
    print(summary)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(f"Run on {date.today()} against {total:,} cases (day {args.day}).\n\n{report}\n\n{summary}\n")


if __name__ == "__main__":
    main()
