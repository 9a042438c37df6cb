"""Outbox, mail templates and delivery."""

from flask import Flask


def init_app(app: Flask) -> None:
    from notifications import cli, tasks, views  # noqa: F401 - tasks registers the Celery tasks

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.outbox_cli)
