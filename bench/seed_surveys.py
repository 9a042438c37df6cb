"""Add satisfaction surveys to the benchmark database (run bench/seed_cases.py first):
one invitation per case and one response per invitation, 1,000,000 responses across 200 units,
answered over 24 months, scores skewed towards satisfied.

    python bench/seed_surveys.py
"""

from __future__ import annotations

import sqlalchemy as sa
from common import bench_app, progress

STEPS = [
    ("clear", "TRUNCATE survey_follow_ups, survey_responses, survey_invitations RESTART IDENTITY"),
    ("invitations", """INSERT INTO survey_invitations (case_id, questionnaire_id, token_digest, email, language,
            unit_id, outcome, sent_at, sent_on, expires_at)
        SELECT c.id, 1, md5('t' || c.id) || md5('u' || c.id), 'c' || c.id || '@example.tw', 'zh_Hant_TW',
               1 + c.id % 200, (ARRAY['met', 'explained', 'refused', 'other'])[1 + c.id % 4], now(),
               DATE '2024-12-01' + (c.id % 730), now() + interval '14 days'
        FROM cases c"""),
    ("responses", """INSERT INTO survey_responses (invitation_id, questionnaire_id, unit_id, outcome, answered_on,
            overall, s1, s2, s3, s4, s5, comment, created_at)
        SELECT i.id, 1, i.unit_id, i.outcome, i.sent_on + 2,
               o.score, 1 + (i.id * 7) % 5, 1 + (i.id * 11) % 5, 1 + (i.id * 13) % 5, 1 + (i.id * 17) % 5, o.score,
               '', now()
        FROM survey_invitations i
        CROSS JOIN LATERAL (SELECT (ARRAY[1, 2, 3, 4, 4, 5, 5, 5, 4, 3])[1 + (i.id * 31) % 10] AS score) o"""),
]


def main() -> None:
    app = bench_app()
    with app.app_context():
        from flask_migrate import upgrade

        from core.extensions import db

        upgrade()  # the cases database may predate the surveys tables
        for label, sql in STEPS:
            progress(f"seeding {label}")
            db.session.execute(sa.text(sql))
            db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE survey_invitations"))
            conn.execute(sa.text("VACUUM ANALYZE survey_responses"))
        count = db.session.execute(sa.text("SELECT count(*), count(DISTINCT unit_id) FROM survey_responses")).one()
        progress(f"done: {count[0]:,} responses in {count[1]} units")


if __name__ == "__main__":
    main()
