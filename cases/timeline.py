"""The case timeline in words: each event's sentence in the reader's language, for staff (`describe`) and for the
petitioner (`public_events`).

An event keeps what the code knows as parts (`CaseEvent.detail`: a unit, a handler, days, a ground, a limit
class, a cause) and only what a person typed as its note; the words are chosen here, when the page is read.
A unit or a limit class is worded by the name it had when the event happened (a renaming does not rewrite
history, as a case keeps the limit it was classified with), so no event needs a query to be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from cases.labels import ACTION_LABELS, CAUSE_LABELS, GROUND_LABELS
from cases.models import CaseEvent
from core.clock import TAIPEI
from core.dates import day
from core.db import prepared
from core.extensions import db


class Event(Protocol):
    """What a sentence is made of: a CaseEvent, or a row of the same columns."""

    action: str
    note: str
    detail: Mapping[str, Any] | None
    due_before: date | None
    due_after: date | None


# ---------------------------------------------------------------- joining parts, in the reader's language


def _zh() -> bool:
    return str(get_locale() or "").startswith("zh")


def _with_note(sentence: str, note: str | None) -> str:
    note = (note or "").strip()
    return _("%(sentence)s: %(note)s", sentence=sentence, note=note) if note else sentence


def _and(sentence: str, more: str) -> str:
    return _("%(sentence)s; %(more)s", sentence=sentence, more=more)


def _aside(what: str, which: str) -> str:
    return _("%(what)s (%(which)s)", what=what, which=which)


def _names(names: Iterable[str]) -> str:
    return ("、" if _zh() else ", ").join(names)


def _day(value: str | None) -> str:
    return day(date.fromisoformat(value)) if value else "—"


def _days(n: int, calendar_days: bool = False) -> str:
    return _("%(n)d calendar days", n=n) if calendar_days else _("%(n)d working days", n=n)


def _limit(parts: Mapping[str, Any]) -> str:
    name = parts.get("name_zh" if _zh() else "name_en") or parts.get("code", "")
    return _aside(name, _days(int(parts.get("days", 0)), bool(parts.get("counts_holidays"))))


# ---------------------------------------------------------------- staff: every event


def _register(d: Mapping[str, Any], e: Event) -> str | None:
    if d.get("lacks_identity"):
        return _("Registered without a real name or contact: it may be registered as not handled (APA art. 173 (1))")
    return None


_ROUTED_VIA = {
    "reopen": _l("reopened: back to the unit that answered"),
    "integrity_complaint": _l("an integrity complaint goes straight to the ethics office"),
    "referral": _l("opened from a referral"),
}


def _route(d: Mapping[str, Any], e: Event) -> str | None:
    if "unit" not in d:
        return None
    sentence = _("Routed to %(unit)s", unit=d.get("unit_name") or d["unit"])
    via = _ROUTED_VIA.get(d.get("via") or "")
    return _with_note(_aside(sentence, str(via)) if via else sentence, e.note)


def _classify(d: Mapping[str, Any], e: Event) -> str | None:
    if "before" not in d:
        return None
    if "after" in d:
        sentence = _("Classified as %(after)s, was %(before)s", after=_limit(d["after"]), before=_limit(d["before"]))
    else:
        sentence = _("Classified as %(limit)s (unchanged)", limit=_limit(d["before"]))
    if d.get("sender_deadline"):
        sentence = _and(sentence, _("deadline set by the sender: %(d)s", d=_day(d["sender_deadline"])))
    return sentence


def _transfer(d: Mapping[str, Any], e: Event) -> str | None:
    return _with_note(_("Transferred to %(agency)s", agency=d["agency"]), e.note) if "agency" in d else None


def _not_handled(d: Mapping[str, Any], e: Event) -> str | None:
    ground = GROUND_LABELS.get(d.get("ground", ""))
    return _with_note(_("Not handled: %(ground)s", ground=ground), e.note) if ground else None


def _link(d: Mapping[str, Any], e: Event) -> str | None:
    return (
        _with_note(_("Linked to the earlier case %(number)s", number=d["earlier"]), e.note) if "earlier" in d else None
    )


def _assign(d: Mapping[str, Any], e: Event) -> str | None:
    return _("Assigned to %(name)s", name=d["handler"]) if "handler" in d else None


def _draft(d: Mapping[str, Any], e: Event) -> str | None:
    number = int(d.get("version", 0))
    return _("Reply drafted, version %(n)d", n=number) if number > 1 else None


def _extension(message: Callable[[str], str]) -> Callable[[Mapping[str, Any], Event], str | None]:
    def sentence(d: Mapping[str, Any], e: Event) -> str | None:
        if "days" not in d:
            return None
        return _with_note(message(_days(int(d["days"]), bool(d.get("counts_holidays")))), e.note)

    return sentence


def _due_date(d: Mapping[str, Any], e: Event) -> str | None:
    cause = d.get("cause")
    if cause is None:
        return None
    why = str(CAUSE_LABELS.get(cause, cause))
    if d.get("day"):
        why = _aside(why, _day(d["day"]))
    elif d.get("year"):
        why = _aside(why, str(d["year"]))
    sentence = _(
        "Due date changed (%(before)s → %(after)s): %(cause)s",
        before=day(e.due_before),
        after=day(e.due_after),
        cause=why,
    )
    if d.get("received_after"):
        sentence = _and(
            sentence,
            _(
                "received on %(before)s → %(after)s",
                before=_day(d.get("received_before")),
                after=_day(d["received_after"]),
            ),
        )
    if d.get("route_by_after"):
        sentence = _and(
            sentence,
            _(
                "route by %(before)s → %(after)s",
                before=_day(d.get("route_by_before")),
                after=_day(d["route_by_after"]),
            ),
        )
    return _with_note(sentence, e.note)


def _chased(d: Mapping[str, Any], e: Event) -> str | None:
    if "supervisors" not in d:
        return None
    return _("Chased by the secretariat: %(names)s mailed", names=_names(p["name"] for p in d["supervisors"]))


def _reopen(d: Mapping[str, Any], e: Event) -> str | None:
    if "reopened_as" not in d:
        return None
    return _with_note(_("The petitioner said the matter is not resolved: reopened as case %(number)s",
                        number=d["reopened_as"]), e.note)


def _reopened_from(d: Mapping[str, Any], e: Event) -> str | None:
    if "earlier" not in d:
        return None
    if d.get("second"):
        sentence = _("Reopened from case %(number)s, which was already reopened once: for the secretariat to review",
                     number=d["earlier"])
    else:
        sentence = _("Reopened from case %(number)s (not resolved, says the petitioner)", number=d["earlier"])
    return _with_note(sentence, e.note)


def _petitioner_added(d: Mapping[str, Any], e: Event) -> str | None:
    files = int(d.get("attachments") or 0)
    sentence = (_("The petitioner added information with %(n)d attachment(s)", n=files) if files
                else _("The petitioner added information"))
    return _with_note(sentence, e.note)


def _information_requested(d: Mapping[str, Any], e: Event) -> str | None:
    if "question" not in d:
        return None
    return _("More information asked of the petitioner (answer by %(day)s): %(question)s",
             day=_day(d.get("reply_by")), question=d["question"])


def _information_received(d: Mapping[str, Any], e: Event) -> str | None:
    if "paused_days" not in d:
        return None
    return _("The petitioner's answer was received on %(day)s: the clock stood still for %(days)s; due date "
             "%(before)s → %(after)s", day=_day(d.get("answered_on")), days=_days(int(d["paused_days"])),
             before=_day(d.get("due_before")), after=_day(d.get("due_after")))


def _unanswered(d: Mapping[str, Any], e: Event) -> str | None:
    ground = GROUND_LABELS.get(d.get("ground", ""))
    if not ground or "reply_by" not in d:
        return None
    if "paused_days" in d:  # closed on the unit's clock: the due date moved by the days it waited
        return _with_note(_("Not handled: %(ground)s; the information asked for was not received by %(day)s; the "
                            "clock stood still for %(days)s; due date %(before)s → %(after)s", ground=ground,
                            day=_day(d["reply_by"]), days=_days(int(d["paused_days"])),
                            before=_day(d.get("due_before")), after=_day(d.get("due_after"))), e.note)
    return _with_note(_("Not handled: %(ground)s; the information asked for was not received by %(day)s",
                        ground=ground, day=_day(d["reply_by"])), e.note)


def _quality_override(d: Mapping[str, Any], e: Event) -> str | None:
    """Issue 14: a flagged reply went on (drafted or approved) with the reason given."""
    from cases.reply_quality import FLAG_NAMES

    if "reason" not in d:
        return None
    found = "、" if str(get_locale() or "").startswith("zh") else "; "
    flags = found.join(str(FLAG_NAMES.get(f, f)) for f in d.get("flags", []))
    if d.get("stage") == "approve":
        return _("Reply approved despite the reply-quality check (%(flags)s): %(reason)s", flags=flags,
                 reason=d["reason"])
    return _("Reply submitted despite the reply-quality check (%(flags)s): %(reason)s", flags=flags,
             reason=d["reason"])


_SENTENCES: dict[str, Callable[[Mapping[str, Any], Event], str | None]] = {
    "register": _register,
    "route": _route,
    "classify": _classify,
    "transfer": _transfer,
    "not_handled": _not_handled,
    "link": _link,
    "assign": _assign,
    "draft_reply": _draft,
    "request_extension": _extension(lambda days: _("Extension of %(days)s requested", days=days)),
    "approve_extension": _extension(lambda days: _("Extension of %(days)s approved", days=days)),
    "due_date_changed": _due_date,
    "chased": _chased,
    "request_information": _information_requested,
    "receive_information": _information_received,
    "close_unanswered": _unanswered,
    "reopen": _reopen,
    "reopened_from": _reopened_from,
    "petitioner_added": _petitioner_added,
    "reply_quality_override": _quality_override,
}


def _legacy_due_date(e: Event) -> str:
    # Before `detail`: the note was "cause: detail" in English, the cause a code.
    cause, _sep, rest = (e.note or "").partition(": ")
    sentence = _(
        "Due date changed (%(before)s → %(after)s): %(cause)s",
        before=day(e.due_before),
        after=day(e.due_after),
        cause=str(CAUSE_LABELS.get(cause, cause)),
    )
    return _with_note(sentence, rest)


def describe(event: Event) -> str:
    """The event's sentence for staff, in the reader's language: names, not codes. An event recorded before
    `detail` existed (its parts missing) shows its action's label and its note as it was written."""
    sentence = _SENTENCES.get(event.action)
    text = sentence(event.detail or {}, event) if sentence is not None else None
    if text is not None:
        return text
    if event.action == "due_date_changed":
        return _legacy_due_date(event)
    return _with_note(str(ACTION_LABELS.get(event.action, event.action)), event.note)


# ---------------------------------------------------------------- the petitioner: the steps they may know

# What the petitioner is told, and what they are not: who did it (staff names), classification, assignment,
# drafts and returns, the four-eyes record, a referral to the ethics office, a chase, the notes staff typed.
# An extension's reason and a transfer's reason are told (rules 23, 30, 36: the notices say them too).
# A complaint routed to the ethics office says so: the responsible unit is on the tracking page already.
PUBLIC_ACTIONS = (
    "register",
    "route",
    "request_extension",
    "approve_extension",
    "transfer",
    "not_handled",
    "approve_reply",
    "request_information",
    "receive_information",
    "close_unanswered",
    "reopen",
    "reopened_from",
    "petitioner_added",
)

PUBLIC_GROUNDS = {
    "no_identity": _l("the petition has no concrete content, or no real name or contact details"),
    "repeat": _l("the same matter was already properly handled and answered"),
    "sent_to_competent": _l("the petition was also sent to the agency responsible for the matter"),
}


class PublicEvent(Event, Protocol):
    at: datetime


def _on(moment: datetime) -> date:
    return moment.astimezone(TAIPEI).date()


def _public(e: PublicEvent, reason: str) -> tuple[str, str] | None:
    """(kind, text) of one event the petitioner may know, or None."""
    d = e.detail or {}
    if e.action == "register":
        return "received", _("Your case was received and registered.")
    if e.action == "route" and d.get("unit_name"):
        return "routed", _("Your case was passed to %(unit)s for handling.", unit=d["unit_name"])
    if e.action == "approve_extension" and "days" in d:
        days, due = _days(int(d["days"]), bool(d.get("counts_holidays"))), _day(d.get("due_on"))
        if reason:
            return "extended", _(
                "The time to reply was extended by %(days)s, to %(due)s. Reason: %(reason)s",
                days=days,
                due=due,
                reason=reason,
            )
        return "extended", _("The time to reply was extended by %(days)s, to %(due)s.", days=days, due=due)
    if e.action == "transfer" and "agency" in d:
        return "transferred", _(
            "Your case was transferred to %(agency)s, the agency responsible. Reason: %(reason)s",
            agency=d["agency"],
            reason=e.note or "—",
        )
    if e.action == "not_handled" and d.get("ground") in PUBLIC_GROUNDS:
        return "not_handled", _(
            "Your case was registered but not handled, because %(ground)s.", ground=PUBLIC_GROUNDS[d["ground"]]
        )
    if e.action == "request_information" and d.get("question"):
        return "information_requested", _(
            "We asked you for more information: %(question)s Please answer by %(day)s on the tracking page. The time "
            "to reply is paused until your answer arrives.", question=d["question"], day=_day(d.get("reply_by")))
    if e.action == "receive_information" and "paused_days" in d:
        return "answer_received", _(
            "Your answer was received. The time to reply was paused for %(days)s; the reply is now expected by "
            "%(due)s.", days=_days(int(d["paused_days"])), due=_day(d.get("due_after")))
    if e.action == "close_unanswered" and d.get("reply_by"):
        return "not_handled", _(
            "Your case was registered but not handled, because the information we asked for was not received by "
            "%(day)s.", day=_day(d["reply_by"]))
    if e.action == "approve_reply":
        return "replied", _("The reply was sent; its text is shown with your case.")
    if e.action == "reopen" and d.get("reopened_as"):
        return "reopened", _("You said the matter is not resolved: it was reopened as case %(number)s.",
                             number=d["reopened_as"])
    if e.action == "reopened_from" and d.get("earlier"):
        return "reopened_from", _("This case reopens case %(number)s, which you said is not resolved.",
                                  number=d["earlier"])
    if e.action == "petitioner_added":  # never the text itself: the petitioner knows it, a reader of the page may not
        return "added_information", _("You added information on %(day)s.", day=day(_on(e.at)))
    return None


def public_events(events: Iterable[PublicEvent], language: str) -> list[dict[str, Any]]:
    """The steps of the case the petitioner may know, oldest first, in `language` (the submission's):
    [{"on": date (Taipei; ISO in JSON), "kind": ..., "text": ...}]. `events`: the case's events of PUBLIC_ACTIONS,
    in order."""
    out: list[dict[str, Any]] = []
    reason = ""
    with force_locale(language):
        for event in events:
            if event.action == "request_extension":  # its reason goes with the approval that follows it
                reason = event.note or ""
                continue
            public = _public(event, reason)
            if public is not None:
                out.append({"on": _on(event.at), "kind": public[0], "text": public[1]})
    return out


def _public_events_query():  # noqa: ANN202
    return (
        select(
            CaseEvent.action, CaseEvent.at, CaseEvent.note, CaseEvent.detail, CaseEvent.due_before, CaseEvent.due_after
        )
        .where(CaseEvent.case_id == bindparam("case_id"), CaseEvent.action.in_(PUBLIC_ACTIONS))
        .order_by(CaseEvent.id)
    )


def public_events_of(case_id: int, language: str) -> list[dict[str, Any]]:
    """The petitioner's timeline of a case: one SELECT of the public events' columns (never an actor, never an
    internal event: the filter is in the query, so nothing else leaves the database)."""
    rows = db.session.execute(prepared("track_events", _public_events_query), {"case_id": case_id}).all()
    return public_events(rows, language)
