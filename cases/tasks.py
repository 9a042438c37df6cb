from __future__ import annotations

import logging

from celery import shared_task

from cases.reminders import sweep
from core.clock import today
from core.extensions import db
from core.locks import exclusive

log = logging.getLogger(__name__)


@shared_task(name="cases.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> dict[str, int] | None:
    with exclusive("cases.sweep_deadlines", timeout=600) as acquired:
        if not acquired:
            log.info("another deadline sweep is running; this one stops")
            return None
        sent = sweep(today())
        db.session.commit()
        return sent
