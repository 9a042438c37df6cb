"""Administration of the Open311 client applications (issue 14): the list, a new key shown once, a revocation
after a confirmation. Thin: feedback/open311_clients.py issues, revokes and audits, as for `flask open311 …`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from core.accounts.admin_forms import CsrfForm
from core.db import utcnow
from core.extensions import db
from core.policy import require
from feedback.models import Open311Client
from feedback.open311_clients import NAME_MAX, ClientError, clients, create_client, revoke_client

bp = Blueprint("open311_admin", __name__, template_folder="templates")


class ClientForm(FlaskForm):
    name = StringField(_l("Application name"), validators=[
        DataRequired(_l("Please enter the application's name.")),
        Length(max=NAME_MAX, message=_l("At most %(max)d characters."))],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"})


def _page(form: ClientForm, status: int = 200, new: Open311Client | None = None, key: str | None = None):  # noqa: ANN202
    return render_template("feedback/admin/open311_clients.html", form=form, clients=clients(), new=new, key=key,
                           now=utcnow()), status


@bp.route("/staff/admin/open311-clients", methods=["GET", "POST"])
@require("manage_open311_clients")
def clients_page():
    form = ClientForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        client, key = create_client(form.name.data, by=current_user)
    except ClientError as exc:
        db.session.rollback()
        form.name.errors = [*form.name.errors, exc.message]
        return _page(form, exc.status)
    # The key is in this one answer only (a POST's answer is never cached): the database keeps its digest.
    return _page(ClientForm(formdata=None), 201, client, key)


def _client_or_404(client_id: int) -> Open311Client:
    return db.session.get(Open311Client, client_id) or abort(404)


@bp.route("/staff/admin/open311-clients/<int:client_id>/revoke", methods=["GET", "POST"])
@require("manage_open311_clients")
def revoke(client_id: int):
    """GET asks to confirm; POST revokes."""
    client = _client_or_404(client_id)
    if client.revoked_at is not None:
        flash(_("The key of “%(name)s” was revoked already.", name=client.name), "info")
        return redirect(url_for("open311_admin.clients_page"), code=303)
    if request.method == "GET":
        return render_template("feedback/admin/open311_revoke.html", client=client, form=CsrfForm())
    if not CsrfForm().validate_on_submit():
        abort(400)
    revoke_client(client, by=current_user)
    flash(_("The key of “%(name)s” is revoked: requests sent with it are refused from now on.", name=client.name),
          "success")
    return redirect(url_for("open311_admin.clients_page"), code=303)


def _client_names(ids: set[str]) -> dict[str, str]:
    wanted = [int(i) for i in ids if i.isdigit() and len(i) < 10]
    return {str(i): f"{name} (#{i})" for i, name in
            db.session.execute(select(Open311Client.id, Open311Client.name).where(Open311Client.id.in_(wanted)))}


def init_app(app) -> None:  # noqa: ANN001
    """The blueprint, the page on the administration index, and the audit page's words for its entries."""
    from core import audit
    from core.accounts.admin_views import AdminPage, add_page

    app.register_blueprint(bp)
    add_page(AdminPage("open311_admin.clients_page", _l("Open311 client applications"), "manage_open311_clients",
                       _l("Keys for the city apps and services that file requests through Open311: issue, revoke")))
    audit.describe("open311_client", {"name": ClientForm.__dict__["name"].args[0], "active": _l("Active")},
                   _client_names)
