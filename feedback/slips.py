"""The counter receipt slip (臨櫃收件確認): printed after a staff intake for the person at the counter, in the
petitioner's language, with what they need to follow their case (the access code is shown only then)."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from cases.documents import document_date
from core.clock import TAIPEI
from core.settings import get_setting
from core.urls import external_url


def counter_slip(case, access_code: str) -> Markup:  # noqa: ANN001 - a cases.models.Case
    """The slip as HTML in the petitioner's language (the page around it stays in the staff member's)."""
    language = case.language if case.language in ("zh_Hant_TW", "en") else "zh_Hant_TW"
    received = case.received_at.astimezone(TAIPEI)
    with force_locale(language):
        return Markup(render_template(
            "feedback/counter_slip.html", case=case, access_code=access_code,
            lang="zh-Hant-TW" if language.startswith("zh") else "en",
            received=f"{document_date(received.date(), language)} {received:%H:%M}",
            due=document_date(case.due_on, language) if case.due_on else None,
            tracking_url=external_url("feedback.track"),
            address=get_setting("agency_address"), phone=get_setting("agency_phone"),
        ))
