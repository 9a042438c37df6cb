"""Staff pages at a million cases: the app's CPU per page, wall time and SQL statements (issue 11).

Each page is requested through Flask's test client in this process, signed in as a seeded member of staff
(bench/seed_cases.py: s1@bench.tw intake + secretariat + supervisor of U001, sees every case; s5@bench.tw
supervisor of U002; s6@bench.tw handler of U002; password "bench-password-123"), on the seeded day
(2026-11-23 10:00 Taipei, so "overdue" and "due soon" mean what the seeder made them mean). For each page: 3
warm-up requests, then 20 measured; the median of `time.process_time()` (this process's CPU: Flask, Jinja,
SQLAlchemy, psycopg's result handling — not PostgreSQL's) and of the wall time, the fastest request's CPU, and
the statements one request sends. Target: at most 10 ms of app CPU per page.

    .venv/bin/python bench/run_staff_pages.py [--out bench/results/staff-pages.md] [--repeat 20]

Writes nothing that stays: the case pages' access-log rows and the API token it creates are deleted at the end.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from common import bench_app, progress

PASSWORD = "bench-password-123"
DAY = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Taipei"))
TARGET_CPU_MS = 10.0


def csrf_token(text: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def login(app, email: str):  # noqa: ANN001, ANN201
    client = app.test_client()
    page = client.get("/staff/login")
    answer = client.post("/staff/login", data={"csrf_token": csrf_token(page.text), "email": email,
                                                 "password": PASSWORD})
    assert answer.status_code == 302, (email, answer.status_code)
    return client


class Counter:
    """Statements sent on any engine of this process (one thread here)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args) -> None:  # noqa: ANN002
        self.n += 1


def measure(client, url: str, repeat: int, warmup: int = 3, **kwargs) -> dict:  # noqa: ANN001
    counter = Counter()
    for _ in range(warmup):
        answer = client.get(url, **kwargs)
        assert answer.status_code == 200, (url, answer.status_code)
    cpu, wall, statements = [], [], []
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", counter)
    try:
        for _ in range(repeat):
            counter.n = 0
            c0, w0 = time.process_time(), time.perf_counter()
            answer = client.get(url, **kwargs)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            statements.append(counter.n)
            assert answer.status_code == 200, (url, answer.status_code)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", counter)
    if answer.is_json:
        rows = len(answer.json["cases"])
    elif "/staff/cases/" in url:
        rows = 1
    else:
        rows = len(re.findall(r'<td><a href="/staff/cases/\d+">', answer.text))
    # Statements per request: the settings cache (core.settings) refreshes every few seconds, so a request now and
    # then reads them once more; the usual count is the most common one.
    return {"cpu": statistics.median(cpu), "fastest": min(cpu), "wall": statistics.median(wall), "rows": rows,
            "statements": statistics.mode(statements), "most": max(statements)}


def profile_page(client, url: str, repeat: int, **kwargs) -> None:  # noqa: ANN001
    """cProfile (CPU time) over `repeat` requests of one page: the top of the cumulative and the internal times."""
    import cProfile
    import pstats

    for _ in range(3):
        client.get(url, **kwargs)
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(repeat):
        client.get(url, **kwargs)
    profile.disable()
    for key in ("cumulative", "tottime"):
        pstats.Stats(profile).sort_stats(key).print_stats(35)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="", help="measure only the pages whose label contains this")
    parser.add_argument("--profile", action="store_true", help="print where the CPU of the --only pages goes")
    args = parser.parse_args()
    import time_machine

    app = bench_app()
    args.ran_on = datetime.now().date()  # the real day: the run itself travels to the seeded one
    with time_machine.travel(DAY, tick=True):
        run(app, args)


def run(app, args: argparse.Namespace) -> None:  # noqa: ANN001
    from cases.models import Case, PersonalDataAccess
    from core.accounts.models import ApiToken, Staff
    from core.accounts.tokens import issue_token
    from core.extensions import db

    with app.app_context():
        last_logged = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(PersonalDataAccess.id), 0)))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
        # Page 200 of "all cases": the keyset `before` is the id of the last case of page 199.
        page_200 = db.session.scalar(sa.select(Case.id).order_by(Case.id.desc()).offset(199 * 50 - 1).limit(1))
        number_prefix = db.session.scalar(sa.select(Case.number).order_by(Case.id.desc()).limit(1))[:6]

        def one(*conditions) -> str:  # noqa: ANN002
            return db.session.scalar(sa.select(Case.number).where(*conditions).order_by(Case.id.desc()).limit(1))

        cases = {
            "in progress, U002 (supervisor: assign form)": one(Case.unit_id == 2, Case.state == "in_progress",
                                                               Case.confidential.is_(False)),
            "registered (intake: classify and route forms)": one(Case.state == "registered"),
            "closed, U002": one(Case.unit_id == 2, Case.state == "closed", Case.confidential.is_(False)),
            "confidential, U002 (masked)": one(Case.unit_id == 2, Case.confidential.is_(True)),
        }
        owner = db.session.scalar(sa.select(Staff).where(Staff.email == "s1@bench.tw"))
        token = issue_token(owner, name="bench/run_staff_pages.py")
        db.session.commit()
    progress(f"{total:,} cases; page 200 starts before id {page_200}")

    s1, s5, s6 = (login(app, f"s{i}@bench.tw") for i in (1, 5, 6))
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    pages = [
        ("intake queue (s1's default)", s1, "/staff/", {}),
        ("all cases", s1, "/staff/?queue=all", {}),
        ("all cases, overdue", s1, "/staff/?queue=all&due=overdue", {}),
        ("all cases, due soon", s1, "/staff/?queue=all&due=soon", {}),
        ("all cases, channel + status", s1, "/staff/?queue=all&channel=mailbox&state=in_progress", {}),
        ("all cases, unit U017", s1, "/staff/?queue=all&unit=U017", {}),
        ("all cases, search number prefix", s1, f"/staff/?queue=all&q={number_prefix}", {}),
        ("all cases, search subject text", s1, "/staff/?queue=all&q=公園設施", {}),
        ("all cases, page 200 (keyset)", s1, f"/staff/?queue=all&before={page_200}", {}),
        ("awaiting my approval (s5's default)", s5, "/staff/", {}),
        ("my unit", s5, "/staff/?queue=unit", {}),
        ("my unit, overdue", s5, "/staff/?queue=unit&due=overdue", {}),
        ("my cases (s6's default)", s6, "/staff/", {}),
        # Issue 14: the periodic analysis (about forty GROUP BYs over a quarter's or a year's cases); not a page
        # served per click, so its line says what a year of a million cases costs rather than meeting the 10 ms.
        ("periodic analysis, a quarter", s1, f"/staff/analysis/{DAY.year}-Q{(DAY.month - 1) // 3 + 1}", {}),
        ("periodic analysis, a year", s1, f"/staff/analysis/{DAY.year}", {}),
        ("API list: all cases", api, "/api/v1/cases?queue=all", {"headers": bearer}),
        ("API list: all cases, page 200", api, f"/api/v1/cases?queue=all&before={page_200}", {"headers": bearer}),
    ]
    viewers = {"in progress, U002 (supervisor: assign form)": s5, "registered (intake: classify and route forms)": s1,
               "closed, U002": s6, "confidential, U002 (masked)": s6}
    pages += [(f"case page: {label}", viewers[label], f"/staff/cases/{number}", {})
              for label, number in cases.items()]

    # The fastest request says what the page costs when the machine's other work leaves this process alone.
    lines = ["| page | rows | app CPU (ms, median) | app CPU (ms, fastest) | wall (ms, median) | statements "
             "| median within 10 ms CPU |", "|---|---|---|---|---|---|---|"]
    pages = [page for page in pages if args.only in page[0]]
    try:
        for label, client, url, kwargs in pages:
            progress(f"{label}: {url}")
            if args.profile:
                profile_page(client, url, args.repeat, **kwargs)
            m = measure(client, url, args.repeat, **kwargs)
            statements = f"{m['statements']}" + (f" ({m['most']} with the settings read)" if m["most"] > m["statements"]
                                                 else "")
            lines.append(f"| {label} | {m['rows']} | {m['cpu']:.1f} | {m['fastest']:.1f} | {m['wall']:.1f} | "
                         f"{statements} | {'yes' if m['cpu'] <= TARGET_CPU_MS else '**no**'} |")
    finally:
        with app.app_context():
            # Nothing stays: the case pages log each view of a petitioner (as in production), the API needed a token.
            db.session.execute(sa.delete(PersonalDataAccess).where(
                PersonalDataAccess.id > last_logged,
                PersonalDataAccess.staff_id.in_(sa.select(Staff.id).where(Staff.email.in_(
                    ["s1@bench.tw", "s5@bench.tw", "s6@bench.tw"])))))
            db.session.execute(sa.delete(ApiToken).where(ApiToken.name == "bench/run_staff_pages.py"))
            db.session.commit()
    report = "\n".join(lines)
    print(report)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(f"Run on {args.ran_on} against {total:,} cases (day {DAY.date()}), "
                     f"{args.repeat} requests per page after 3 warm-ups.\n\n{report}\n")


if __name__ == "__main__":
    main()
