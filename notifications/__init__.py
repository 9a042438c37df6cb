"""Outbox, mail templates and delivery."""

from flask import Flask

from core.signals import password_reset_requested


def _on_password_reset_requested(staff, link: str, expires_at, reset_id: int, **_details) -> None:  # noqa: ANN001
    """Mail the one-time link through the outbox, in the transaction that created it (the link is a secret:
    kept apart from the context and erased once sent)."""
    from flask import current_app

    from core.clock import TAIPEI
    from notifications.outbox import enqueue

    enqueue(kind="accounts.password_reset", to=staff.email, template="password_reset", language="zh_Hant_TW",
            context={"name": staff.name, "email": staff.email, "agency": current_app.config["AGENCY_NAME"],
                     "expires_at": expires_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")},
            secrets={"link": link}, key=f"password-reset:{reset_id}")


def init_app(app: Flask) -> None:
    from notifications import cli, notice_views, staff_notices, tasks, views  # noqa: F401 - the Celery tasks

    app.register_blueprint(views.bp)
    notice_views.init_app(app)  # the staff notifications page and the header's unread count
    app.cli.add_command(cli.outbox_cli)
    password_reset_requested.connect(_on_password_reset_requested, weak=False)
