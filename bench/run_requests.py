"""The public request paths under load: the real app in gunicorn against a bare Flask + psycopg_pool baseline
(bench/bare_app.py), in the same run, with wrk.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_load \\
        .venv/bin/python bench/run_requests.py [--duration 15] [--out bench/results/requests.md]

1. Drops and recreates the database (default feedback_load), migrates it through the app, imports the official
   calendar and registers --cases cases through the app's own service code (feedback.services.register_by_staff),
   so their access codes are stored however the app stores them now; keeps the plain codes for wrk.
2. Starts gunicorn (-w 4 -k gthread --threads 4 --reuse-port) for wsgi:app and for bare_app:app on free ports. The app's
   rate limits are raised through FLASK_RATELIMIT_* (still consulted, in Redis db 14, never refusing).
3. For each scenario warms up, then runs wrk -t 2 for --duration seconds against the bare app and the app.
4. CPU per request: utime + stime of the gunicorn master and its workers (/proc/<pid>/stat) over the run,
   divided by the completed requests; the same for the PostgreSQL backends connected to the database.
5. Prints the markdown table and writes it to --out. Exits 1 if more than 1% of the app's answers in a
   scenario are not the expected 2xx (a 429 or a 500 would make the figure meaningless).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from common import ROOT, progress

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/feedback_load"
REDIS_URL = "redis://127.0.0.1:6379/14"
SECRET_KEY = "bench"
UNLIMITED = "1000000 per minute"
GUNICORN_ARGS = ["-w", "4", "-k", "gthread", "--threads", "4", "--reuse-port"]
WRK = "/usr/bin/wrk"
WRK_DIR = Path(__file__).resolve().parent / "wrk"
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Scenario:
    name: str
    path: str
    script: str
    clients: int
    expected: int  # the app's status for a good request


SCENARIOS = [
    Scenario("intake `POST /api/v1/submissions`", "/api/v1/submissions", "submit.lua", 50, 202),
    Scenario("intake `POST /api/v1/submissions`", "/api/v1/submissions", "submit.lua", 10, 202),
    Scenario("tracking `POST /api/v1/track`", "/api/v1/track", "track.lua", 10, 200),
]


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    cpu_ms_per_request: float
    db_cpu_ms_per_request: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    runs: dict[int, Run] = field(default_factory=dict)
    errors: int = 0
    last_error: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# ------------------------------------------------------------------ the database


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    progress(f"recreating database {name}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(url: str, cases: int, codes_file: Path) -> None:
    """Migrate, import the calendar and register cases through the app's services; write number + code pairs."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from wsgi import create_app

    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    # No Redis here: nothing is mailed (the cases have no e-mail address, so no receipt is enqueued).
    app = create_app({"SQLALCHEMY_DATABASE_URI": sa_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": None})
    with app.app_context():
        from cases import official_calendar
        from core.accounts.services import create_staff, create_unit
        from core.clock import TAIPEI
        from core.extensions import db
        from feedback import rules
        from feedback.services import register_by_staff

        progress("migrating")
        upgrade()
        progress("importing the official calendar")
        for path in official_calendar.shipped_files():
            official_calendar.import_year(official_calendar.parse(path.read_bytes(), path.name), path.name)
        create_unit("SEC", "秘書室")
        roads = create_unit("ROADS", "養護工程處")
        staff = create_staff("intake@bench.tw", "收文同仁", "SEC", ["intake"], "bench-password-123")
        db.session.commit()

        progress(f"registering {cases} cases through feedback.services.register_by_staff")
        subjects = ["中山路人行道地磚破損", "公園溜滑梯損壞", "夜間施工噪音", "路口號誌故障", "垃圾車未依時清運"]
        pairs = []
        with app.test_request_context("/"):
            for i in range(cases):
                data = rules.SubmissionInput(
                    channel=("petition", "mailbox", "complaint")[i % 3],
                    category="service" if i % 3 == 2 else None,
                    subject=subjects[i % len(subjects)],
                    body="忠孝東路四段人行道地磚破損翹起，已有長者絆倒，請儘速派員修補並設置警示。",
                    name=f"陳情人{i}", phone="02-2345-6789", address="臺北市大安區忠孝東路四段1號",
                    received_via=("counter", "phone", "letter")[i % 3],
                )
                case, code = register_by_staff(data, staff=staff, received_at=datetime.now(TAIPEI),
                                               language="zh_Hant_TW")
                pairs.append((case.number, code))
                if i % 50 == 49:
                    db.session.commit()
            db.session.commit()
        # Half the cases routed to a unit, so that tracking answers name one (as most tracked cases do).
        db.session.execute(sa.text("UPDATE cases SET state = 'routed', unit_id = :unit WHERE id % 2 = 0"),
                           {"unit": roads.id})
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    codes_file.write_text("".join(f"{number} {code}\n" for number, code in pairs))


# ------------------------------------------------------------------ processes and CPU


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, utime + stime in ticks) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def tree_ticks(master: int) -> int:
    """CPU ticks of the master and its direct children (gunicorn's workers, with all their threads)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and (int(entry.name) == master or stat[0] == master):
                total += stat[1]
    return total


def backend_pids(url: str) -> set[int]:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (name,)).fetchall()
    return {pid for (pid,) in rows}


def pids_ticks(pids: set[int]) -> int:
    return sum(stat[1] for stat in map(_stat, pids) if stat)


def start_gunicorn(name: str, chdir: Path, target: str, env: dict[str, str], logdir: Path) -> Server:
    port = free_port()
    log = logdir / f"{name}.log"
    command = [str(Path(sys.executable).parent / "gunicorn"), *GUNICORN_ARGS, "-b", f"127.0.0.1:{port}",
               "--chdir", str(chdir), "--timeout", "60", "--graceful-timeout", "5", target]
    progress(f"starting {name}: gunicorn {' '.join(GUNICORN_ARGS)} {target} on port {port}")
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=chdir,
                                   start_new_session=True)
    return Server(name, port, process, log)


def wait_until_answering(server: Server, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited ({server.process.returncode}):\n{tail(server.log)}")
        try:
            with urllib.request.urlopen(server.base + "/", timeout=5):
                pass
            break
        except urllib.error.HTTPError:
            break  # an answer is an answer
        except OSError:
            time.sleep(0.5)
    else:
        raise SystemExit(f"{server.name} did not answer within {timeout:.0f} s:\n{tail(server.log)}")
    # Every worker builds its app on its own: give the last ones the time to finish booting.
    time.sleep(2)
    progress(f"{server.name} answers on {server.base}")


def stop(server: Server) -> None:
    if server.process.poll() is not None:
        return
    progress(f"stopping {server.name}")
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)
    except ProcessLookupError:
        pass


def read_errors(server: Server) -> None:
    """How many tracebacks the server logged, and the last one's final line."""
    lines = server.log.read_text(errors="replace").splitlines() if server.log.exists() else []
    server.errors = sum(1 for line in lines if line.startswith("Traceback"))
    if server.errors:
        last = max(i for i, line in enumerate(lines) if line.startswith("Traceback"))
        ends = [line for line in lines[last + 1:] if line and not line.startswith((" ", "\t", "Traceback"))]
        server.last_error = ends[0][:300] if ends else ""
        progress(f"{server.name}: {server.errors} tracebacks in the log; the last:\n"
                 + "\n".join(lines[last:last + 40]))


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ------------------------------------------------------------------ wrk


def wrk(server: Server, scenario: Scenario, seconds: int, codes_file: Path) -> dict:
    command = [WRK, "-t", "2", "-c", str(scenario.clients), "-d", f"{seconds}s", "--timeout", "10s",
               "-s", str(WRK_DIR / scenario.script), server.base + scenario.path]
    if scenario.script == "track.lua":
        command += ["--", str(codes_file)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    raise SystemExit(f"wrk printed no result ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def measure(server: Server, scenario: Scenario, args: argparse.Namespace, codes_file: Path) -> Run:
    label = f"{server.name}, {scenario.name}, {scenario.clients} clients"
    progress(f"{label}: warm-up {args.warmup} s")
    wrk(server, scenario, args.warmup, codes_file)
    pids = backend_pids(args.url)
    ticks, db_ticks = tree_ticks(server.process.pid), pids_ticks(pids)
    progress(f"{label}: measuring {args.duration} s")
    result = wrk(server, scenario, args.duration, codes_file)
    ticks = tree_ticks(server.process.pid) - ticks
    db_ticks = pids_ticks(pids | backend_pids(args.url)) - db_ticks
    requests = result["requests"]
    per_request = 1000 / CLK_TCK / max(requests, 1)
    latency = result["latency_us"]
    run = Run(
        requests=requests, seconds=result["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000, p95_ms=latency["p95"] / 1000, p99_ms=latency["p99"] / 1000,
        statuses={int(k): v for k, v in result["statuses"].items()},
        socket_errors={k: v for k, v in result["errors"].items() if k != "status" and v},
        cpu_ms_per_request=ticks * per_request, db_cpu_ms_per_request=db_ticks * per_request,
    )
    progress(f"{label}: {run.rps:.1f} req/s, p95 {run.p95_ms:.1f} ms, CPU {run.cpu_ms_per_request:.2f} ms/req, "
             f"statuses {run.statuses}" + (f", socket errors {run.socket_errors}" if run.socket_errors else ""))
    return run


# ------------------------------------------------------------------ the report


def _statuses(run: Run, expected: int) -> str:
    other = {status: n for status, n in sorted(run.statuses.items()) if status != expected}
    text = ", ".join(f"{n:,}×{status}" for status, n in other.items()) or "0"
    if run.socket_errors:
        text += " + " + ", ".join(f"{n:,} {kind}" for kind, n in run.socket_errors.items())
    return text


def report(bare: Server, app: Server, args: argparse.Namespace, meta: dict[str, str]) -> tuple[str, list[str]]:
    lines = [
        "# Request paths under load (issue 11)",
        "",
        f"- date: {meta['date']}",
        f"- commit: {meta['commit']}",
        f"- command: `{meta['command']}`",
        f"- wrk -t 2, {args.duration} s measured after {args.warmup} s of warm-up per run; both servers gunicorn "
        f"{' '.join(GUNICORN_ARGS)}; {args.cases} registered cases",
        f"- load average (1, 5, 15 min) before the run: {meta['load']}; after: {meta['load_after']} "
        "(the machine's 2 cores also run wrk, PostgreSQL, Redis and whatever else is running)",
        "",
        "| scenario | clients | bare req/s | bare p95 ms | bare CPU ms/req | app req/s | app p95 ms "
        "| app CPU ms/req | ratio (app ÷ bare req/s) | non-2xx |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    problems = []
    for i, scenario in enumerate(SCENARIOS):
        b, a = bare.runs[i], app.runs[i]
        non_2xx = f"bare {b.non_2xx():,}, app {a.non_2xx():,}"
        if scenario.script == "track.lua" and b.statuses.get(404) == b.requests:
            # The baseline did the HMAC work but the app stores codes another way now: its 404s count.
            non_2xx = f"bare {b.non_2xx():,} (all 404: see bare_app.py), app {a.non_2xx():,}"
        lines.append(f"| {scenario.name} | {scenario.clients} | {b.rps:,.1f} | {b.p95_ms:,.1f} "
                     f"| {b.cpu_ms_per_request:.2f} | {a.rps:,.1f} | {a.p95_ms:,.1f} | {a.cpu_ms_per_request:.2f} "
                     f"| {a.rps / b.rps if b.rps else float('nan'):.2f} | {non_2xx} |")
        bare_accepted = {200, 404} if scenario.script == "track.lua" else {scenario.expected}
        for server, run, accepted in ((app, a, {scenario.expected}), (bare, b, bare_accepted)):
            wrong = sum(n for status, n in run.statuses.items() if status not in accepted)
            wrong += sum(run.socket_errors.values())
            if wrong > 0.01 * max(run.requests, 1):
                problems.append(f"{scenario.name}, {scenario.clients} clients: {wrong:,} of {run.requests:,} "
                                f"{server.name} answers are not {'/'.join(map(str, sorted(accepted)))} "
                                f"({_statuses(run, scenario.expected)})")
    lines += [
        "",
        "Latency and PostgreSQL CPU per request (the backends connected to the database, over the same runs):",
        "",
        "| scenario | clients | bare p50 / p99 ms | app p50 / p99 ms | bare DB CPU ms/req | app DB CPU ms/req "
        "| bare answers | app answers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, scenario in enumerate(SCENARIOS):
        b, a = bare.runs[i], app.runs[i]
        answers = [", ".join(f"{n:,}×{status}" for status, n in sorted(run.statuses.items()))
                   + (" + " + ", ".join(f"{n} {k}" for k, n in run.socket_errors.items()) if run.socket_errors else "")
                   for run in (b, a)]
        lines.append(f"| {scenario.name} | {scenario.clients} | {b.p50_ms:,.1f} / {b.p99_ms:,.1f} "
                     f"| {a.p50_ms:,.1f} / {a.p99_ms:,.1f} | {b.db_cpu_ms_per_request:.2f} "
                     f"| {a.db_cpu_ms_per_request:.2f} | {answers[0]} | {answers[1]} |")
    for server in (bare, app):
        if server.errors:
            lines += ["", f"{server.name}'s log has {server.errors} tracebacks; the last one ends: "
                      f"`{server.last_error}`"]
    if problems:
        lines += ["", "**INVALID RUN** — more than 1% of the answers were not the expected status:", ""]
        lines += [f"- {p}" for p in problems]
    return "\n".join(lines) + "\n", problems


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return commit + (" (with uncommitted changes in the working tree)" if dirty else "")


# ------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each measured run")
    parser.add_argument("--cases", type=int, default=300, help="registered cases to track")
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    args = parser.parse_args()
    args.url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.url.rsplit("/", 1)[1] == "feedback_bench":
        parser.error("feedback_bench holds the case tracker's benchmark data: this run drops its database; "
                     "set BENCH_DATABASE_URL to another one (default feedback_load)")
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "command": " ".join([f"BENCH_DATABASE_URL={args.url}", ".venv/bin/python", "bench/run_requests.py",
                             *map(shlex.quote, sys.argv[1:])]),
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }

    import redis

    with tempfile.TemporaryDirectory(prefix="bench-requests-") as tmp:
        tmpdir = Path(tmp)
        codes_file = tmpdir / "cases.txt"
        recreate_database(args.url)
        seed(args.url, args.cases, codes_file)
        redis_db = redis.Redis.from_url(REDIS_URL)
        redis_db.flushdb()
        env = {**os.environ, "DATABASE_URL": args.url, "REDIS_URL": REDIS_URL, "SECRET_KEY": SECRET_KEY,
               "FLASK_RATELIMIT_SUBMIT": UNLIMITED, "FLASK_RATELIMIT_TRACK": UNLIMITED}
        servers: list[Server] = []
        try:
            bare = start_gunicorn("bare", ROOT / "bench", "bare_app:app", env, tmpdir)
            servers.append(bare)
            app = start_gunicorn("app", ROOT, "wsgi:app", env, tmpdir)
            servers.append(app)
            for server in servers:
                wait_until_answering(server)
            for i, scenario in enumerate(SCENARIOS):
                for server in (bare, app):
                    server.runs[i] = measure(server, scenario, args, codes_file)
        except BaseException:
            for server in servers:
                progress(f"{server.name}'s log ends:\n{tail(server.log)}")
            raise
        finally:
            for server in servers:
                stop(server)
                read_errors(server)
            redis_db.flushdb()
        meta["load_after"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])

    text, problems = report(bare, app, args, meta)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        progress(f"written to {args.out}")
    if problems:
        progress("INVALID RUN: " + "; ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
