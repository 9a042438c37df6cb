"""Citizen intake: the channels, e-mail verification, receipt and tracking."""

from flask import Flask

from core.extensions import api as smorest_api
from core.extensions import csrf


def init_app(app: Flask) -> None:
    from feedback import api, cli, open311, tasks, views  # noqa: F401 - tasks registers the Celery tasks

    app.register_blueprint(views.bp)
    from feedback import faq_views

    app.register_blueprint(faq_views.bp)  # issue 14: the public FAQ and its editing by the secretariat
    smorest_api.register_blueprint(api.blp)
    # The JSON API uses no session cookie, so cross-site forgery cannot ride on one.
    csrf.exempt(api.blp)
    # Open311 GeoReport v2 (issue 14): the keyed POST carries no session cookie either.
    app.config.setdefault("OPEN311_JURISDICTION_ID", "")
    # Registered with the API so that its routes are in the OpenAPI document, beside the JSON API's.
    from feedback import open311_document

    open311_document.register(smorest_api.spec)
    smorest_api.register_blueprint(open311.bp)
    csrf.exempt(open311.bp)
    from feedback import open311_admin

    open311_admin.init_app(app)  # administrators issue and revoke the client applications' keys on the web
    app.cli.add_command(cli.open311_cli)
    app.cli.add_command(cli.feedback_cli)
    app.cli.add_command(cli.retention_cli)
