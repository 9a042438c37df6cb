"""Celery bound to the Flask app (the Flask docs' pattern)."""

from __future__ import annotations

from datetime import timedelta

from celery import Celery, Task
from flask import Flask

BEAT_SCHEDULE = {
    "relay-outbox": {"task": "notifications.relay_outbox", "schedule": timedelta(seconds=30)},
    "sweep-deadlines": {"task": "cases.sweep_deadlines", "schedule": timedelta(minutes=30)},
    "sweep-surveys": {"task": "surveys.sweep", "schedule": timedelta(hours=1)},
    "erase-expired-identities": {"task": "feedback.erase_expired_identities", "schedule": timedelta(days=1)},
    # Staff who chose a daily digest of their notices get it at the first run from 08:00 Taipei.
    "staff-notice-digests": {"task": "notifications.send_staff_digests", "schedule": timedelta(hours=1)},
    "ethics-monthly-report": {"task": "reports.ethics_monthly_report", "schedule": timedelta(hours=1)},
    # Issue 14: the open-data files (statistics.csv/.json, datapackage.json), regenerated once a day.
    "publish-open-data": {"task": "reports.publish_open_data", "schedule": timedelta(days=1)},
    "purge-unverified-submissions": {
        "task": "feedback.purge_unverified",
        "schedule": timedelta(hours=1),
    },
}


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    redis_url = app.config.get("REDIS_URL")
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(
        {
            "broker_url": redis_url or "memory://",
            "result_backend": None,
            "task_ignore_result": True,
            # Without a broker (the embedded default) tasks run in-process.
            "task_always_eager": not redis_url,
            "task_eager_propagates": True,
            "task_serializer": "json",
            "accept_content": ["json"],
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # A web request must not hang on a dead broker: the outbox relay catches up later.
            "broker_transport_options": {
                "socket_connect_timeout": 2, "socket_timeout": 5,
                "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
            },
            "broker_connection_timeout": 2,
            "timezone": "Asia/Taipei",
            "beat_schedule": BEAT_SCHEDULE,
        }
    )
    celery.conf.update(app.config.get("CELERY", {}))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
