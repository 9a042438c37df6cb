"""Who may see a petitioner's identity, masking for everyone else, and the access log.

Every page or API answer that shows identifying data gets it from `petitioner()`, which logs
the view. For a confidential case only ethics officers see it, or a member of staff an ethics
officer has approved a reveal for (rules 29, 40, 41)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from cases import staff_notices
from cases.models import Case, IdentityReveal, PersonalDataAccess
from cases.workflow import TransitionRefused
from core.accounts.models import Role, Staff
from core.db import utcnow
from core.extensions import db

MASK = "＊＊＊"
REVEAL_VALID = timedelta(days=7)


def active_reveal(user: Staff, case: Case) -> IdentityReveal | None:
    return db.session.scalar(
        select(IdentityReveal).where(IdentityReveal.case_id == case.id, IdentityReveal.requested_by_id == user.id,
                                     IdentityReveal.approved.is_(True), IdentityReveal.valid_until > utcnow())
        .order_by(IdentityReveal.id.desc()).limit(1))


def identity_visible(user: Staff, case: Case) -> tuple[bool, IdentityReveal | None]:
    if user.has_role(Role.ETHICS):
        return True, None
    if not case.confidential:
        return True, None
    grant = active_reveal(user, case)
    return grant is not None, grant


def petitioner(user: Staff, case: Case, purpose: str) -> dict[str, Any]:
    """The petitioner's identifying data for this user, masked or real; a real view is logged."""
    visible, grant = identity_visible(user, case)
    if not visible:
        return {"name": MASK, "email": MASK, "phone": MASK, "address": MASK, "masked": True}
    submission = case.submission
    db.session.add(PersonalDataAccess(staff_id=user.id, case_id=case.id, reveal_id=grant.id if grant else None,
                                      purpose="reveal" if grant else purpose))
    db.session.flush()
    return {"name": submission.name, "email": submission.email, "phone": submission.phone,
            "address": submission.address, "masked": False}


def request_reveal(case: Case, by: Staff, reason: str) -> IdentityReveal:
    reason = (reason or "").strip()
    if not case.confidential:
        raise TransitionRefused(_("This case is not confidential."), 409)
    if not reason:
        raise TransitionRefused(_("Please give the reason why you need the identity."), 422)
    reveal = IdentityReveal(case_id=case.id, requested_by_id=by.id, reason=reason[:2000])
    db.session.add(reveal)
    db.session.flush()
    staff_notices.reveal_requested(reveal, by)  # the ethics officers are told
    return reveal


def decide_reveal(reveal: IdentityReveal, by: Staff, approve: bool, note: str) -> IdentityReveal:
    if not by.has_role(Role.ETHICS):
        raise TransitionRefused(_("Only an ethics officer may decide this."), 403)
    if reveal.decided_at is not None:
        raise TransitionRefused(_("This request has been decided already."), 409)
    if not (note or "").strip():
        raise TransitionRefused(_("Please give the reason for the decision."), 422)
    reveal.approved, reveal.decided_by_id, reveal.decided_at = approve, by.id, utcnow()
    reveal.decision_note = note.strip()[:2000]
    reveal.valid_until = utcnow() + REVEAL_VALID if approve else None
    db.session.flush()
    staff_notices.reveal_decided(reveal, by)  # the requester is told, with the reason
    return reveal


def log_shown(user: Staff, abouts: list[str], purpose: str) -> None:
    """Log the views of confidential petitioners' data shown outside the case page (the outbox, say)."""
    submission_ids = [int(a.partition(":")[2]) for a in abouts if a.startswith("submission:")]
    if not submission_ids:
        return
    for case_id in db.session.scalars(select(Case.id).where(Case.submission_id.in_(submission_ids))):
        db.session.add(PersonalDataAccess(staff_id=user.id, case_id=case_id, purpose=purpose))
    db.session.flush()
