"""Satisfaction surveys: invitation on closure, answers, per-unit aggregates, follow-ups."""

from flask import Flask

from core.signals import case_closed, identities_erased


def _on_case_closed(case, **details) -> None:  # noqa: ANN001
    from surveys.services import invite

    invite(case, details.get("message"), details.get("how", "reply"))


def _on_identities_erased(case_ids: list[int], **_details) -> None:
    from surveys.services import erase_addresses

    erase_addresses(case_ids)


def init_app(app: Flask) -> None:
    from core.accounts.cli import demo_cli
    from core.extensions import api as smorest_api
    from surveys import api, cli, tasks, views  # noqa: F401 - tasks registers the Celery tasks

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.surveys_cli)
    demo_cli.add_command(cli.demo_surveys)  # flask demo surveys, beside core's flask demo seed
    smorest_api.register_blueprint(api.blp)
    # Listens to cases; cases never imports surveys. weak=False: the receiver is a module function.
    case_closed.connect(_on_case_closed, weak=False)
    identities_erased.connect(_on_identities_erased, weak=False)
    from surveys import admin_views, home

    home.init_app()  # the supervisor's home shows the unit's open follow-ups

    admin_views.init_app(app)  # administration: questionnaire versions
