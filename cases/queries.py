"""Case listings scoped by the access policy, so no page or API lists more than its user may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from cases.models import Case
from core.policy import AGENCY_WIDE


def visible_cases(user: Any) -> Select:
    query = select(Case).options(joinedload(Case.submission), joinedload(Case.unit))
    if not user.has_role(*AGENCY_WIDE):
        query = query.where(Case.unit_id == user.unit_id)
    return query
