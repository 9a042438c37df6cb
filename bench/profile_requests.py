"""Where a public request's CPU goes: cProfile over many requests through the WSGI app in process, configured as
in production (Celery publishing to Redis, rate limits in Redis), on the load benchmark's database.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_load \\
        .venv/bin/python bench/profile_requests.py [intake|track] [--requests 500] [--top 40]

Run bench/run_requests.py once first (it creates and seeds the database). Prints CPU per request and the
functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

from common import ROOT  # noqa: F401 - puts the project on sys.path

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/feedback_load")
LETTER = {"channel": "petition", "subject": "中山路路燈不亮", "email": "citizen@example.tw", "name": "王小明",
          "body": "中山路二段與南京東路口的路燈已經三天沒有亮，晚上行人很危險，請儘速修復。", "consent": True}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", choices=["intake", "track"])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    parser.add_argument("--save", help="also write the raw profile here (for pstats' callers/callees)")
    args = parser.parse_args()
    from wsgi import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": URL.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench", "REDIS_URL": "redis://127.0.0.1:6379/14",
                      "RATELIMIT_SUBMIT": "1000000 per minute", "RATELIMIT_TRACK": "1000000 per minute"})
    client = app.test_client()
    if args.path == "intake":
        def send():  # noqa: ANN202
            return client.post("/api/v1/submissions", json=LETTER)
        expected = 202
    else:
        import sqlalchemy as sa

        from cases.models import Case
        from core.extensions import db
        from core.security import keyed_hash

        with app.app_context():
            number = db.session.scalar(sa.select(Case.number).limit(1))
            db.session.execute(sa.update(Case).where(Case.number == number)
                               .values(access_code_hash=keyed_hash("PROFILECODE2", "access-code")))
            db.session.commit()

        def send():  # noqa: ANN202
            return client.post("/api/v1/track", json={"case_number": number, "access_code": "PROFILECODE2"})
        expected = 200
    for _ in range(50):
        answer = send()
        assert answer.status_code == expected, answer.data
    started = time.process_time()
    for _ in range(args.requests):
        send()
    cpu = (time.process_time() - started) / args.requests * 1000
    print(f"{args.path}: {cpu:.2f} ms CPU per request in this process (test client, no profiler)")
    profile = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
    started = time.process_time()
    profile.enable()
    for _ in range(args.requests):
        send()
    profile.disable()
    cpu = (time.process_time() - started) / args.requests * 1000
    print(f"{args.path}: {cpu:.2f} ms CPU per request under the profiler")
    if args.save:
        profile.dump_stats(args.save)
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
