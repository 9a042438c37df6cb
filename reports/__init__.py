"""Cross-domain reports (design §3): read-only views over cases and surveys. Here: the monthly
report to the ethics office."""

from flask import Flask


def init_app(app: Flask) -> None:
    from reports import cli, tasks, views  # noqa: F401 - tasks registers the Celery task

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.reports_cli)
