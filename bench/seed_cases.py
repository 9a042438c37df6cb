"""Seed the benchmark database: 200 units, 800 staff, N cases (default 1,000,000) of which 10% open.

    python bench/seed_cases.py [--cases 1000000] [--day 2026-11-23]

Set-based (INSERT ... SELECT generate_series) so that a million rows take about a minute.
Open cases get due dates from 3 days before to 57 days after --day: about 5% overdue on that day.
"""

from __future__ import annotations

import argparse
from datetime import date

import sqlalchemy as sa
from common import BENCH_DATABASE_URL, bench_app, progress


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 23))
    args = parser.parse_args()

    admin = sa.create_engine(BENCH_DATABASE_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
                             + "/postgres", isolation_level="AUTOCOMMIT")
    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    with admin.connect() as conn:
        progress(f"recreating database {name}")
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    app = bench_app()
    with app.app_context():
        from flask_migrate import upgrade

        from core.extensions import db
        from core.security import hash_secret

        progress("migrating")
        upgrade()
        password = hash_secret("bench-password-123")
        n, day = args.cases, args.day
        steps = [
            ("units", """INSERT INTO units (code, name, is_ethics_office, active)
                SELECT 'U' || lpad(i::text, 3, '0'), '單位 ' || i, i = 200, true FROM generate_series(1, 200) i"""),
            ("staff", """INSERT INTO staff (email, name, unit_id, password_hash, active, created_at)
                SELECT 's' || i || '@bench.tw', '同仁 ' || i, (i - 1) / 4 + 1, :pw, true, now()
                FROM generate_series(1, 800) i"""),
            ("roles", """INSERT INTO staff_roles (staff_id, role)
                SELECT id, CASE WHEN id % 4 = 1 THEN 'supervisor' ELSE 'handler' END FROM staff"""),
            ("secretariat", """INSERT INTO staff_roles (staff_id, role) VALUES (1, 'secretariat'), (1, 'intake')"""),
            ("submissions", """INSERT INTO submissions (channel, category, confidential,
                    language, subject, body, source, received_via, verified_at, created_at)
                SELECT (ARRAY['petition', 'mailbox', 'complaint'])[1 + i % 3],
                       CASE WHEN i % 3 = 2 THEN 'service' END, i % 97 = 0, 'zh_Hant_TW',
                       (ARRAY['路燈不亮', '道路坑洞', '公園設施損壞', '噪音陳情', '違規停車', '垃圾清運'])[1 + i % 6]
                         || ' ' || md5(i::text),
                       '陳情內容 ' || i, 'web', 'online', now(), now()
                FROM generate_series(1, :n) i"""),
            ("identities", """INSERT INTO petitioner_identities (submission_id, name, email, phone, address)
                SELECT i, '陳情人' || i, 'c' || i || '@example.tw', '', '' FROM generate_series(1, :n) i"""),
            ("cases", """INSERT INTO cases (number, submission_id, channel, category, state, unit_id, handler_id,
                    confidential, language, lacks_identity, access_code_hash, received_at, received_on, limit_class,
                    limit_days, limit_counts_holidays, limit_name_zh, limit_name_en, due_on_provisional,
                    original_due_on, due_on, closed_on, days_used, topic, created_at, updated_at, version)
                SELECT lpad(i::text, 10, '0'), i, s.channel, s.category,
                       CASE WHEN i % 10 = 0 THEN (ARRAY['registered', 'routed', 'in_progress', 'awaiting_approval',
                                                        'in_progress', 'in_progress', 'routed', 'awaiting_approval',
                                                        'in_progress', 'in_progress'])[1 + (i / 70) % 10]
                            ELSE (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed',
                                        'transferred', 'not_handled', 'closed'])[1 + i % 10] END,
                       CASE WHEN i % 10 = 0 AND (i / 10) % 10 = 0 THEN NULL
                            WHEN i % 10 = 0 THEN 1 + (i / 10) % 200 ELSE 1 + i % 200 END,
                       NULL, s.confidential, 'zh_Hant_TW', false, 'x', now(),
                       CASE WHEN i % 10 = 0 THEN :day - 40 + (i % 37) ELSE :day - 1000 + (i % 990) END,
                       'petition', 30, false, '人民陳情', 'Petition', false, NULL,
                       CASE WHEN i % 10 = 0 THEN :day - 3 + (((i / 10)::bigint * 7919) % 60)::int
                            ELSE :day - 960 + (i % 990) END,
                       CASE WHEN i % 10 = 0 THEN NULL ELSE :day - 965 + (i % 990) + (i % 13) END,
                       CASE WHEN i % 10 = 0 THEN NULL ELSE 1 + i % 25 END, '', now(), now(), 1
                FROM generate_series(1, :n) i JOIN submissions s ON s.id = i"""),
            ("handlers", """UPDATE cases SET handler_id = (unit_id - 1) * 4 + 2 + id % 3
                WHERE unit_id IS NOT NULL AND state IN ('in_progress', 'awaiting_approval')"""),
            ("original due", "UPDATE cases SET original_due_on = due_on"),
        ]
        for label, sql in steps:
            progress(f"seeding {label}")
            db.session.execute(sa.text(sql), {"pw": password, "n": n, "day": day})
            db.session.commit()
        progress("vacuum analyze")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        counts = db.session.execute(sa.text(
            "SELECT count(*), count(*) FILTER (WHERE state IN ('registered','routed','in_progress',"
            "'awaiting_approval')) FROM cases")).one()
        progress(f"done: {counts[0]:,} cases, {counts[1]:,} open")


if __name__ == "__main__":
    main()
