from __future__ import annotations

from celery import shared_task

from core.clock import today
from core.extensions import db
from core.locks import exclusive
from surveys.services import remind_overdue_follow_ups, remind_unanswered


@shared_task(name="surveys.sweep", ignore_result=True)
def sweep() -> dict[str, int] | None:
    with exclusive("surveys.sweep") as acquired:
        if not acquired:
            return None
        day = today()
        result = {"survey_reminders": remind_unanswered(day), "follow_up_reminders": remind_overdue_follow_ups(day)}
        db.session.commit()
        return result
