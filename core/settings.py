"""Settings administrators change at run time: stored in the database, with code defaults."""

from __future__ import annotations

import copy
import json
import threading
import time as monotonic_clock
import weakref
from dataclasses import dataclass
from datetime import time
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import JSON, ForeignKey, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import UTCDateTime, utcnow
from core.extensions import db


@dataclass(frozen=True)
class SettingSpec:
    default: Any
    description: str
    minimum: int | None = None


SPECS: dict[str, SettingSpec] = {
    "verification_valid_days": SettingSpec(3, "Days a citizen has to open the e-mail verification link", 1),
    "password_reset_valid_hours": SettingSpec(24, "Hours a password-reset link mailed by an administrator "
                                                  "stays valid", 1),
    "attachment_max_count": SettingSpec(5, "Attachments allowed per submission", 0),
    "attachment_max_megabytes": SettingSpec(5, "Size limit of one attachment, in MiB", 1),
    "office_closes_at": SettingSpec("17:00", "Submissions verified at or after this Taipei time count as received "
                                             "on the next working day"),
    "default_limit_class": SettingSpec(
        {"petition": "petition", "mailbox": "director-mailbox", "complaint": "petition"},
        "Time-limit class given to a new case, per channel"),
    "routing_working_days": SettingSpec(1, "Working days after receipt by which intake routes, transfers or "
                                           "declares a case not handled (the routing milestone)", 1),
    "extension_max_count": SettingSpec(3, "Extensions allowed per case", 0),
    "extension_max_total_days": SettingSpec(30, (
        "Days all extensions of a case may add up to (working days, or calendar days for a class that counts "
        "them)"), 0),
    "information_reply_working_days": SettingSpec(10, "Working days a petitioner asked for more information "
                                                      "(補陳) is given to answer, unless the handler says otherwise",
                                                  1),
    "reminder_due_soon_working_days": SettingSpec(2, "Working days before the due date the handler is reminded", 1),
    "route_integrity_complaints_to_ethics": SettingSpec(True, "Route complaints about integrity or misconduct "
                                                              "to the ethics office on registration"),
    "identity_retention_years": SettingSpec(5, "Years after closure after which the petitioner's identifying data "
                                               "is erased", 1),
    "survey_valid_days": SettingSpec(14, "Days a satisfaction-survey link stays valid", 1),
    "survey_reminder_after_days": SettingSpec(0, "Days after which an unanswered survey is reminded once "
                                                 "(0: never)", 0),
    "survey_max_per_address_30_days": SettingSpec(2, "Survey invitations one e-mail address gets in 30 days", 0),
    "survey_after_transfer_or_not_handled": SettingSpec(False, "Invite to the survey also when a case is "
                                                               "transferred or not handled"),
    "survey_min_responses": SettingSpec(5, "Fewer responses than this show 'too few responses' instead of scores", 1),
    "survey_dissatisfied_at_or_below": SettingSpec(2, "An overall score at or below this opens a follow-up", 1),
    "follow_up_working_days": SettingSpec(3, "Working days a unit has to answer a dissatisfied response", 1),
    "follow_up_max_working_days": SettingSpec(10, "Working days a follow-up may take with the supervisor's "
                                                  "extension", 1),
    "transfer_and_not_handled_notices": SettingSpec(True, "Mail the petitioner when a case is transferred or "
                                                          "registered as not handled"),
    "agency_address": SettingSpec("", "The agency's postal address, printed in the header of letters and slips"),
    "agency_phone": SettingSpec("", "The agency's telephone, printed on letters and slips (and as the contact's "
                                    "number when the handler has none)"),
    "document_number_prefix": SettingSpec("府陳字第", "The start of an outgoing document number (發文字號): the "
                                                  "number reads prefix + ROC year + 7-digit sequence + 號"),
    "four_eyes_relaxed_for_one_person_units": SettingSpec(False, (
        "Let whoever drafted a reply or requested an extension approve it when nobody else may (no other "
        "supervisor of the unit, no deputy, no supervisor of the parent unit); the timeline records it")),
    "reopen_within_days": SettingSpec(30, "Calendar days after closure in which the petitioner may say the matter "
                                          "is not resolved and reopen the case", 0),
    # Issue 14, deliver 5 (domain rule 24): the replies that must carry the legal-remedy notice, by outcome
    # (refused: a decision the petitioner may appeal) or by category (the complaint category, or the category intake
    # classified the case under), as codes separated by commas.
    "remedy_notice_required_for": SettingSpec("refused", (
        "Replies that must carry the legal-remedy notice before approval: outcomes (refused, met, explained, other) "
        "and case categories, separated by commas")),
    "roc_dates": SettingSpec(False, "Show dates on the Chinese pages in the ROC calendar (民國 115/12/01) instead "
                                    "of ISO (2026-12-01); exports and English pages keep ISO"),
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


def parse_clock(value: str) -> time:
    """'17:00' → time(17, 0); ValueError otherwise."""
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes))


# Every request reads settings, few ever change them: all of them are read in one SELECT and kept per database
# for SETTINGS_CACHE_SECONDS. A change made in this process is seen at once (the cache is dropped when its
# transaction commits, and the transaction itself sees its own change); other processes see it within that time.
# Keyed by the engine object (not its URL, whose hash renders the URL on every read: pages read settings often).
_cache: weakref.WeakKeyDictionary[Any, tuple[float, dict[str, Any]]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()
_generation = 0  # bumped by forget_cached(): a read that began before a change is not kept
_WRITTEN = "settings_written"


def get_setting(key: str) -> Any:
    spec = SPECS[key]
    written = db.session.info.get(_WRITTEN)
    if written and key in written:
        return copy.deepcopy(written[key])
    value = _stored().get(key, spec.default)
    # A dict or list setting is the cache's own object: a caller changing it must not change it for everyone.
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _stored() -> dict[str, Any]:
    engine = db.engine
    cached = _cache.get(engine)
    now = monotonic_clock.monotonic()
    if cached is not None and now - cached[0] < current_app.config["SETTINGS_CACHE_SECONDS"]:
        return cached[1]
    generation = _generation
    values = {key: value for key, value in db.session.execute(select(Setting.key, Setting.value))}
    # A transaction that has written settings reads its own uncommitted rows: those are not for everyone.
    if not db.session.info.get(_WRITTEN):
        with _cache_lock:
            if generation == _generation:
                _cache[engine] = (now, values)
    return values


def fresh_settings() -> dict[str, Any]:
    """Every setting as stored now, past the cache (the administration page shows what was just saved)."""
    stored = {key: value for key, value in db.session.execute(select(Setting.key, Setting.value))}
    return {key: stored.get(key, spec.default) for key, spec in SPECS.items()}


def forget_cached() -> None:
    """Drop what was read (after the table was changed other than through set_setting)."""
    global _generation
    with _cache_lock:
        _generation += 1
        _cache.clear()


@event.listens_for(Session, "after_commit")
def _changed_settings_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: not committed yet
        return
    if session.info.pop(_WRITTEN, None):
        forget_cached()


@event.listens_for(Session, "after_rollback")
def _changed_settings_rolled_back(session: Session) -> None:
    if not session.in_nested_transaction() and session.info.pop(_WRITTEN, None):
        forget_cached()


def set_setting(key: str, value: Any, by_id: int | None = None) -> None:
    if key not in SPECS:
        raise KeyError(key)
    spec = SPECS[key]
    if type(value) is not type(spec.default):
        raise ValueError(f"{key} takes a {type(spec.default).__name__}")
    if key == "office_closes_at":
        parse_clock(value)
    if isinstance(spec.default, dict) and set(value) != set(spec.default):
        raise ValueError(f"{key} needs exactly the keys {sorted(spec.default)}")
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"{key} must be at least {spec.minimum}")
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value, row.updated_at, row.updated_by_id = value, utcnow(), by_id
    db.session.add(row)
    db.session.flush()
    db.session.info.setdefault(_WRITTEN, {})[key] = value


settings_cli = AppGroup("settings", help="Show and change the settings administrators control.")


@settings_cli.command("list")
def list_settings() -> None:
    for key, spec in SPECS.items():
        click.echo(f"{key} = {json.dumps(get_setting(key))}  (default {spec.default}; {spec.description})")


@settings_cli.command("set")
@click.argument("key", type=click.Choice(sorted(SPECS)))
@click.argument("value")
def set_setting_command(key: str, value: str) -> None:
    """Change a setting; the change is in the audit log like one made on the administration page, with the
    command line as its actor."""
    from core import audit

    old = fresh_settings()[key]
    try:
        new = json.loads(value)
        set_setting(key, new)
    except (ValueError, json.JSONDecodeError) as exc:
        raise click.BadParameter(str(exc), param_hint="VALUE") from exc
    audit.record(None, "setting", key, "update", {"value": old}, {"value": new})
    db.session.commit()
    click.echo(f"{key} = {value}")


def init_app(app: Flask) -> None:
    app.cli.add_command(settings_cli)
