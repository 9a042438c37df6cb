"""Fixtures: one app per session on a fresh database (PostgreSQL when DATABASE_URL is set),
a real SMTP server (aiosmtpd), tables emptied after each test, real Redis when REDIS_URL is set,
and a frozen clock: every test starts at a named instant, never at the real "now".

With REQUIRE_SERVICES=1 (CI), a test whose service is missing fails instead of being skipped.
The instant is chosen with `--clock NAME` or TEST_CLOCK=NAME (a name of CLOCKS or an ISO instant);
CI runs the suite at a weekday and at a Saturday before a long weekend.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parent.parent

# Named instants (Taipei), from the official DGPA calendar. "weekday" is a Tuesday in the week of
# 2025-12-25 (a day off since 2025), so 30 working days cross the new year; "saturday" is the first day
# of the nine days off of the 2026 Lunar New Year (2026-02-14..22).
CLOCKS = {
    "weekday": datetime(2025, 12, 23, 10, 0, tzinfo=ZoneInfo("Asia/Taipei")),
    "saturday": datetime(2026, 2, 14, 10, 0, tzinfo=ZoneInfo("Asia/Taipei")),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--clock", default=os.environ.get("TEST_CLOCK", "weekday"),
                     help="the instant every test starts at: " + ", ".join(CLOCKS) + " or an ISO date-time")


def pytest_configure(config: pytest.Config) -> None:
    # Session fixtures (the app, the migrations' reference data) are made at the named instant too.
    config._frozen_clock = time_machine.travel(start_instant(config), tick=True)
    config._frozen_clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    frozen = getattr(config, "_frozen_clock", None)
    if frozen is not None:
        frozen.stop()


def pytest_report_header(config: pytest.Config) -> str:
    return f"frozen clock: {start_instant(config).isoformat()}"


def start_instant(config: pytest.Config) -> datetime:
    name = config.getoption("--clock")
    if name in CLOCKS:
        return CLOCKS[name]
    moment = datetime.fromisoformat(name)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Taipei"))


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Coordinates]:
    """Every test starts at the session's named instant; time then runs on (tick) so waits still work.
    `clock.move_to(moment)` jumps; tests name their dates relative to `today()` or to the instant."""
    with time_machine.travel(start_instant(request.config), tick=True) as traveller:
        yield traveller


def need(service: str, available: bool, how: str) -> None:
    """Skip (or, under REQUIRE_SERVICES=1, fail) a test whose service is not there."""
    if available:
        return
    message = f"{service} is not available: {how}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (REQUIRE_SERVICES=1)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        return None
    return url


# ---------------------------------------------------------------- SMTP


class Sink(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        self.messages.append(message)


class Mailbox:
    """What the SMTP server received, seen the way a citizen reads it."""

    def __init__(self, sink: Sink, port: int) -> None:
        self.sink, self.port = sink, port

    def clear(self) -> None:
        self.sink.messages.clear()

    @property
    def messages(self) -> list[Message]:
        return list(self.sink.messages)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.sink.messages if address in (m["X-RcptTo"] or m["To"] or "")]

    @staticmethod
    def text(message: Message) -> str:
        part = message
        if message.is_multipart():
            part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        payload = part.get_payload(decode=True)
        return payload.decode(part.get_content_charset() or "utf-8")

    @staticmethod
    def subject(message: Message) -> str:
        from email.header import decode_header, make_header

        return str(make_header(decode_header(message["Subject"])))

    def last_to(self, address: str) -> Message:
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.sink.messages]}"
        return found[-1]

    def only_link_to(self, address: str) -> str:
        found = self.to(address)
        assert len(found) == 1, f"expected one mail to {address}, got {len(found)}"
        links = re.findall(r"https?://\S+", self.text(found[0]))
        assert len(links) == 1, links
        return links[0]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield Mailbox(sink, port)
    controller.stop()


@pytest.fixture
def smtp(smtp_server: Mailbox) -> Mailbox:
    smtp_server.clear()
    return smtp_server


# ---------------------------------------------------------------- database and app


def _fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, callable]:
    base = os.environ.get("DATABASE_URL")
    if base and base.startswith("postgres"):
        url = sa.engine.make_url(base.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql+psycopg")
        name = f"feedback_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return url.set(database=name).render_as_string(hide_password=False), drop
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return f"sqlite:///{path}", lambda: None


def make_config(database_url: str, mail_port: int, tmp: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "MAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "MAIL_DIR": str(tmp / "mail"),
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": redis_url() or "memory://",
        "OUTBOX_BACKOFF_SECONDS": 0,
    }
    config.update(extra)
    return config


def is_postgres(app) -> bool:  # noqa: ANN001
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = _fresh_database_url(tmp_path_factory)
    yield url
    drop()


@pytest.fixture(scope="session")
def app(database_url: str, smtp_server: Mailbox, tmp_path_factory: pytest.TempPathFactory):
    from flask_migrate import upgrade

    from wsgi import create_app

    app = create_app(make_config(database_url, smtp_server.port, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()  # the migrations, not create_all: they are what production runs
        import_official_calendar()
    yield app
    with app.app_context():
        from core.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    empty_tables(app)


# Reference data: the migrations seed the first two, the app fixture imports the official calendar.
REFERENCE_TABLES = {"time_limit_classes", "questionnaires", "office_calendar_years", "office_calendar_days"}
# The classes the first migration seeds (06b225dbabf5).
BUILT_IN_LIMIT_CLASSES = ("most-urgent", "urgent", "ordinary", "director-mailbox", "petition", "special-control")


def import_official_calendar() -> None:
    """What an installation does after `flask db upgrade`: import the shipped DGPA calendar."""
    from cases import official_calendar
    from core.extensions import db

    for path in official_calendar.shipped_files():
        official_calendar.import_year(official_calendar.parse(path.read_bytes(), path.name), path.name)
    db.session.commit()


def empty_tables(app) -> None:  # noqa: ANN001
    from core.extensions import db

    with app.app_context():
        db.session.remove()
        # Reference data the migrations seed stays; tests that change it restore it themselves.
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
        with db.engine.begin() as conn:
            if is_postgres(app):
                conn.execute(sa.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(sa.text(f"DELETE FROM {name}"))
            # A class a test added (the administration pages do) would otherwise follow the next tests.
            conn.execute(sa.text("DELETE FROM time_limit_classes WHERE code NOT IN (" + ", ".join(
                f"'{code}'" for code in BUILT_IN_LIMIT_CLASSES) + ")"))
        app.extensions["rate_limits"].reset()
        from core.settings import forget_cached

        forget_cached()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def twin_app(app):
    """A second app on the same database, whose context the tests work in.

    A request pushes its own app context only when the active one belongs to another app;
    working in the twin's context keeps the test's session and `g` apart from the requests'."""
    from wsgi import create_app

    twin = create_app(dict(app.config))
    app.extensions["celery"].set_current()
    app.extensions["celery"].set_default()
    return twin


@pytest.fixture
def db(app, twin_app):
    from core.extensions import db

    with twin_app.app_context():
        yield db
        db.session.remove()


