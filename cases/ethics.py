"""The ethics office's desk: referrals it receives, and opening its own case from one."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from cases.case_file import Submission
from cases.models import Case, CaseLink, CaseState, EthicsReferral
from cases.workflow import TransitionRefused, transition
from core.accounts.models import Role, Staff
from core.db import utcnow
from core.extensions import db


def open_case_from_referral(referral: EthicsReferral, by: Staff) -> Case:
    """The ethics office opens its own confidential case, linked to the referred one."""
    from cases.services import register_case, unit_parts

    if not by.has_role(Role.ETHICS) or not by.unit.is_ethics_office:
        raise TransitionRefused(_("Only an ethics officer may do this."), 403)
    if referral.ethics_case_id is not None:
        raise TransitionRefused(_("A case was opened from this referral already."), 409)
    original = referral.case
    source = original.submission
    submission = Submission(
        channel="complaint", category="integrity", confidential=True, language=source.language,
        subject=f"移請政風室：{source.subject}"[:200], body=f"{referral.reason}\n\n---\n{source.body}",
        source="staff", received_via="referral", verified_at=utcnow(), entered_by_id=by.id,
    )
    submission.name, submission.email, submission.phone, submission.address = (
        source.name, source.email, source.phone, source.address)
    db.session.add(submission)
    db.session.flush()
    case, _code = register_case(submission, received_at=utcnow(), by=by)
    if case.state == CaseState.REGISTERED:  # the routing setting may be off: the ethics office takes it anyway
        transition(case, "route", None, actor_id=by.id, detail={**unit_parts(by.unit), "via": "referral"})
        case.unit = by.unit
    db.session.add(CaseLink(case_id=case.id, earlier_case_id=original.id, by_id=by.id))
    referral.ethics_case_id, referral.opened_by_id, referral.opened_at = case.id, by.id, utcnow()
    db.session.flush()
    return case


def open_referrals() -> list[EthicsReferral]:
    return list(db.session.scalars(select(EthicsReferral).where(EthicsReferral.ethics_case_id.is_(None))
                                   .order_by(EthicsReferral.id)))
