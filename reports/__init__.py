"""Cross-domain reports (design §3): read-only views over cases and surveys. Here: the monthly
report to the ethics office; the public statistics, the open data and the periodic analysis (issue 14)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from core.ratelimit import windows
    from reports import analysis_views, cli, public_views, tasks, views  # noqa: F401 - tasks registers the Celery tasks

    # The public statistics and open-data pages run a dozen GROUP BYs: limited per client like other public GETs.
    app.config.setdefault("RATELIMIT_PUBLIC_STATISTICS", "300 per hour;30 per minute")
    try:
        windows(app.config["RATELIMIT_PUBLIC_STATISTICS"])
    except ValueError as error:
        raise ValueError(f"RATELIMIT_PUBLIC_STATISTICS: {error}") from None
    _describe_audit()
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.reports_cli)


def _describe_audit() -> None:
    from flask_babel import lazy_gettext as _l

    from core import audit

    audit.describe("periodic_analysis", {"proposals": _l("Improvement proposals adopted"),
                                         "presented_on": _l("Presented to the management meeting on")})
