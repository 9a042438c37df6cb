"""Cases: registration, numbering, the timeline; later routing, deadlines and replies."""

from flask import Flask


def init_app(app: Flask) -> None:
    from cases import views

    app.register_blueprint(views.bp)
