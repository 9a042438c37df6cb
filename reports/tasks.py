from __future__ import annotations

from celery import shared_task

from core.clock import today
from core.extensions import db
from core.locks import exclusive
from reports.ethics import run_monthly


@shared_task(name="reports.ethics_monthly_report", ignore_result=True)
def ethics_monthly_report() -> str | None:
    with exclusive("reports.ethics_monthly_report") as acquired:
        if not acquired:
            return None
        report = run_monthly(today())
        db.session.commit()
        return report.period if report else None
