"""Cross-domain reports (design §3): read-only views over cases and surveys. Here: the monthly
report to the ethics office; the public statistics and the open data (issue 14)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from core.ratelimit import windows
    from reports import cli, public_views, tasks, views  # noqa: F401 - tasks registers the Celery tasks

    # The public statistics and open-data pages run a dozen GROUP BYs: limited per client like other public GETs.
    app.config.setdefault("RATELIMIT_PUBLIC_STATISTICS", "300 per hour;30 per minute")
    try:
        windows(app.config["RATELIMIT_PUBLIC_STATISTICS"])
    except ValueError as error:
        raise ValueError(f"RATELIMIT_PUBLIC_STATISTICS: {error}") from None
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.reports_cli)
