"""Cases: registration, numbering, the timeline; later routing, deadlines and replies."""

from flask import Flask

from core.signals import personal_data_shown


def _on_personal_data_shown(staff, abouts: list[str], purpose: str, **_details) -> None:  # noqa: ANN001
    from cases.privacy import log_shown

    log_shown(staff, abouts, purpose)


def init_app(app: Flask) -> None:
    # tasks registers the Celery tasks; staff_notices the listeners that tell staff of their cases' events
    from cases import api, cli, documents, staff_notices, tasks, views  # noqa: F401
    from core.accounts.cli import demo_cli
    from core.extensions import api as smorest_api
    from core.extensions import csrf

    app.register_blueprint(views.bp)
    smorest_api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    smorest_api.register_blueprint(api.blp)
    csrf.exempt(api.blp)  # bearer tokens, no cookies: nothing for a forged request to ride on
    app.cli.add_command(cli.deadlines_cli)
    app.cli.add_command(cli.calendar_cli)
    demo_cli.add_command(cli.demo_cases)  # flask demo cases, beside core's flask demo seed
    app.add_template_global(documents.letter_details)  # the printed letter's header, number, date, contact
    personal_data_shown.connect(_on_personal_data_shown, weak=False)
    from cases import admin_views, home_views

    app.register_blueprint(home_views.bp)  # the roles' homes: bulk route and assign, the chase
    from cases import reply_files

    app.register_blueprint(reply_files.bp)  # reply attachments: the handler's upload, staff download
    app.add_template_global(reply_files.files_of, "reply_files_of")
    app.add_template_global(reply_files.may_attach, "may_attach_reply_files")

    from cases import reply_template_views

    app.register_blueprint(reply_template_views.bp)  # issue 14: reply templates and their insertion into a draft
    admin_views.init_app(app)  # administration: time-limit classes, the office calendar
