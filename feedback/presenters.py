"""What a citizen may see of a case: status, dates, responsible unit; never staff names."""

from __future__ import annotations

from typing import Any

from cases import information
from cases.labels import STATE_LABELS
from cases.models import CaseState
from core.security import mask_email as core_mask_email
from feedback.services import Tracked


def case_status(case: Tracked) -> dict[str, Any]:
    return {
        "case_number": case.number,
        "channel": case.channel,
        "status": case.state,
        "status_label": str(STATE_LABELS[CaseState(case.state)]),
        "received_on": case.received_on,
        "due_on": case.due_on,
        "unit": case.unit,
        "closed_on": case.closed_on,
        # Once closed, the reply as sent (never a draft).
        "reply": case.reply if case.state == CaseState.CLOSED else None,
        "events": list(case.events),
        # 補陳: the question awaiting the petitioner's answer (one more SELECT, only in that state).
        "information_request": information.open_question(case.case_id)
        if case.state == CaseState.AWAITING_INFORMATION else None,
    }


def mask_email(email: str) -> str:
    return core_mask_email(email) if "@" in (email or "") else ""
