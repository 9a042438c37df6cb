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


@shared_task(name="reports.publish_open_data", ignore_result=True)
def publish_open_data() -> str | None:
    """Issue 14: regenerate the open-data files (daily, from the beat schedule)."""
    from reports.open_data import publish

    with exclusive("reports.publish_open_data") as acquired:
        if not acquired:
            return None
        generated = publish(today())
        db.session.commit()
        return generated.isoformat()
