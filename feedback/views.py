"""Public pages: the three channels, verification, tracking; and the staff intake form."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from cases.case_file import Channel, Source
from cases.labels import CHANNEL_LABELS
from core import ratelimit
from core.clock import taipei_now
from core.extensions import csrf, db
from core.hygiene import DATE_MIN
from core.i18n import LANG_COOKIE
from core.policy import require
from feedback import petitioner_actions, services, slips
from feedback.forms import CATEGORY_LABELS, ConfirmForm, StaffIntakeForm, SubmissionForm
from feedback.presenters import case_status, mask_email

bp = Blueprint("feedback", __name__, template_folder="templates")


def _submit_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


def _accepted(response) -> bool:  # noqa: ANN001
    """Only accepted submissions count against the limit (a refused form is corrected and sent again; the FAQ
    suggestions shown before submitting, issue 14, are not a submission)."""
    return response.status_code < 400 and not g.get("faq_check")


def _track_limit() -> str:
    return current_app.config["RATELIMIT_TRACK"]


@bp.route("/")
def home():
    return render_template("feedback/home.html", channels=CHANNEL_LABELS)


@bp.route("/language/<code>")
def choose_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    from core.redirects import safe_next

    response = make_response(redirect(safe_next(request.args.get("next"), "/")))
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.errorhandler(429)
def too_many(error):  # noqa: ANN001
    """A citizen over the limit keeps what they typed, and is told when they may send it."""
    channel = {"feedback.petition": Channel.PETITION, "feedback.mailbox": Channel.MAILBOX,
               "feedback.complaint": Channel.COMPLAINT}.get(request.endpoint or "")
    if channel is None or request.method != "POST":
        return render_template("core/error.html", code=429, message=_(
            "Too many requests. Please wait a minute and try again.")), 429
    verdict = ratelimit.current()
    minutes = max(1, -(-verdict.retry_after // 60)) if verdict is not None else 60
    form = SubmissionForm()
    form.form_errors.append(_("You have sent the most submissions allowed for now. What you typed is kept below: "
                              "please send it again in %(n)d minute(s).", n=minutes))
    return _render_channel_form(form, channel), 429


def _render_channel_form(form: SubmissionForm, channel: Channel, suggestions: list | None = None) -> str:
    if form.attachments.data and any(f and getattr(f, "filename", None) for f in form.attachments.data):
        form.attachments.errors = [*form.attachments.errors, _("For your safety, please choose the files again.")]
    return render_template(
        "feedback/submission_form.html", form=form, channel=channel, channel_label=CHANNEL_LABELS[channel],
        category_labels=CATEGORY_LABELS, limits=services.current_limits(), suggestions=suggestions or [],
        language="en" if str(get_locale() or "").startswith("en") else "zh_Hant_TW",
    )


def _channel_page(channel: Channel):
    form = SubmissionForm()
    status = 200
    if request.method == "POST":
        if form.validate() and request.form.get("step") == "check":
            # Issue 14: before submitting, the FAQ entries matching the subject, above the filled form; counted.
            # The letter is checked first, so that its errors are not told only after the suggestions.
            from feedback import faq

            try:
                services.validate(form.to_input(channel), name_required=True)
            except services.InvalidSubmission as exc:
                form.show_errors(exc.errors)
                return _render_channel_form(form, channel), 400
            found = faq.suggestions(form.subject.data or "")
            if found:
                faq.count("shown")
                db.session.commit()
                g.faq_check = True
                return _render_channel_form(form, channel, found), 200
        if form.validate():
            try:
                # The form's own token: a double click or a reload of the POST finds the first submission.
                submission, _new = services.submit(
                    form.to_input(channel), language=str(get_locale()), source=Source.WEB,
                    client_ip=request.remote_addr, idempotency_key=form.submission_token.data or None,
                    name_required=True,  # the form marks 姓名 as required; the API keeps it optional (rule 27)
                )
            except services.InvalidSubmission as exc:
                db.session.rollback()
                form.show_errors(exc.errors)
                status = 400
            else:
                session["submitted"] = {"email": mask_email(submission.email), "channel": channel.value}
                return redirect(url_for("feedback.submitted"), code=303)
        else:
            status = 400
    return _render_channel_form(form, channel), status


@bp.route("/petition", methods=["GET", "POST"], endpoint="petition")
@ratelimit.limit(_submit_limit, deduct_when=_accepted)
def petition():
    return _channel_page(Channel.PETITION)


@bp.route("/mailbox", methods=["GET", "POST"], endpoint="mailbox")
@ratelimit.limit(_submit_limit, deduct_when=_accepted)
def mailbox():
    return _channel_page(Channel.MAILBOX)


@bp.route("/complaint", methods=["GET", "POST"], endpoint="complaint")
@ratelimit.limit(_submit_limit, deduct_when=_accepted)
def complaint():
    return _channel_page(Channel.COMPLAINT)


@bp.route("/submitted")
def submitted():
    info = session.get("submitted")
    if not info:
        return redirect(url_for("feedback.home"))
    return render_template("feedback/submitted.html", info=info,
                           days=services.get_setting("verification_valid_days"))


@bp.route("/verify/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token below, to answer an expired one with the button again
def verify(token: str):
    """GET and HEAD only show the page with one button (a mail scanner that fetches the link confirms
    nothing); the POST from that page confirms. In the submission's language unless the reader chose one."""
    try:
        pending = services.pending_verification(token)
    except services.UnknownVerification:
        return render_template("feedback/verify_failed.html", expired=False), 404
    except services.VerificationExpired:
        return render_template("feedback/verify_failed.html", expired=True), 410
    language = request.cookies.get(LANG_COOKIE) or pending.language
    with force_locale(language if language in current_app.config["LANGUAGES"] else pending.language):
        return _verify_page(token, pending)


def _verify_page(token: str, pending: services.PendingVerification):
    form = ConfirmForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                case = services.verify(token)
            except services.UnknownVerification:  # purged between the page and the button
                db.session.rollback()
                return render_template("feedback/verify_failed.html", expired=False), 404
            except services.VerificationExpired:
                db.session.rollback()
                return render_template("feedback/verify_failed.html", expired=True), 410
            return _receipt(case)
        # The page's own CSRF token expired (the page was left open) or the cookie was lost: the button again.
        form.csrf_token.errors = []
        form.form_errors.append(_("This page was open too long. Please press the button again to confirm."))
        status = 400
    if pending.case is not None:  # confirmed before: a retry or a double click sees the same receipt
        return _receipt(pending.case)
    return render_template("feedback/verify.html", form=form, subject=pending.subject), status


def _receipt(case):  # noqa: ANN001, ANN202
    return render_template("feedback/receipt.html", case=case, email=mask_email(case.submission.email))


@bp.route("/track", methods=["GET", "POST"])
@ratelimit.limit(_track_limit)
def track():
    result, status, not_found = None, 200, False
    number = request.form.get("case_number", "").strip()[:40]
    if request.method == "POST":
        code = request.form.get("access_code", "")[:40]
        case = services.track(number, code) if number and code else None
        if case is None:
            not_found, status = True, 404
        else:
            # The page's language, not the submission's: whoever reads this page chose it.
            result = _with_reply_files(case_status(services.with_events(case, str(get_locale()))), case)
            petitioner_actions.remember(case.number)  # the forms under the case need not ask for the code again
            offered = petitioner_actions.offered(case)
            return render_template("feedback/track.html", result=result, not_found=False, number=number,
                                   offered=offered), status
    elif request.args.get("case"):  # back from adding or reopening: the case this browser looked up
        return _track_page(request.args.get("case", "")[:40], done=request.args.get("done", "")[:20],
                           new_number=request.args.get("new", "")[:20])
    return render_template("feedback/track.html", result=result, not_found=not_found, number=number), status


def _with_reply_files(result: dict, tracked: services.Tracked) -> dict:
    """The tracking page lists the sent reply's files, each a link to the page that asks for the access code (one
    more SELECT, only under a sent reply)."""
    from cases import reply_files

    return {**result, "reply_files": reply_files.sent_files(tracked.case_id, tracked.number) if result["reply"]
            else []}


def _track_page(number: str, status: int = 200, error: str | None = None, errors: list[str] | None = None,
                done: str = "", new_number: str = "", values: dict | None = None):
    """The tracking page of a case this browser looked up a while ago (petitioner_actions.remember); the empty
    form when it did not, or long ago."""
    case = petitioner_actions.remembered(number)
    if case is None:
        return render_template("feedback/track.html", result=None, not_found=False, number=number,
                               expired=True), 404 if status == 200 else status
    tracked = petitioner_actions.tracked_of(case)
    result = _with_reply_files(case_status(services.with_events(tracked, str(get_locale()))), tracked)
    return render_template("feedback/track.html", result=result, not_found=False, number=number,
                           offered=petitioner_actions.offered(tracked), action_error=error, action_errors=errors or [],
                           done=done, new_number=new_number, values=values or {}), status


@bp.route("/track/reopen", methods=["POST"])
@ratelimit.limit(_track_limit, scope="feedback.track")  # one budget with the look-up
def track_reopen():
    from cases.reopen import ReopenRefused

    number = request.form.get("case_number", "").strip()[:40]
    case = petitioner_actions.remembered(number)
    if case is None:
        return _track_page(number)
    reason = request.form.get("reason", "")
    try:
        new_number, _new = petitioner_actions.reopen_case(case, reason=reason, source=Source.WEB,
                                                          idempotency_key=request.form.get("form_token") or None)
    except ReopenRefused as exc:
        db.session.rollback()
        return _track_page(number, exc.status, exc.message, values={"reason": reason[:10_000]})
    return redirect(url_for("feedback.track", case=number, done="reopened", new=new_number), code=303)


@bp.route("/track/messages", methods=["POST"])
@ratelimit.limit(_track_limit, scope="feedback.track")
def track_add():
    from cases.additions import AdditionRefused

    number = request.form.get("case_number", "").strip()[:40]
    case = petitioner_actions.remembered(number)
    if case is None:
        return _track_page(number)
    message = request.form.get("message", "")
    uploads = petitioner_actions.uploads_of(request.files.getlist("attachments"))
    try:
        petitioner_actions.add_to_case(case, message=message, uploads=uploads, source=Source.WEB,
                                       idempotency_key=request.form.get("form_token") or None)
    except AdditionRefused as exc:
        db.session.rollback()
        return _track_page(number, exc.status, exc.message, values={"message": message[:10_000]})
    except petitioner_actions.Unreadable as exc:
        db.session.rollback()
        return _track_page(number, 400, _("Please correct the attachments."), exc.errors,
                           values={"message": message[:10_000]})
    return redirect(url_for("feedback.track", case=number, done="added"), code=303)


@bp.route("/track/<number>/files/<int:file_id>", methods=["GET", "POST"])
@ratelimit.limit(_track_limit)
def reply_file(number: str, file_id: int):
    """A file of the sent reply, for the petitioner: the mail's link opens a form that asks for the access code;
    only the right case number and code give the file. A wrong code and a file not of this case's sent reply
    answer alike (404), so neither tells anything."""
    from cases import reply_files

    number = number[:40]
    status = 200
    if request.method == "POST":
        case = services.track(number, request.form.get("access_code", "")[:40])
        item = reply_files.sent_file(case.case_id, file_id) if case is not None else None
        if item is not None:
            return reply_files.download(item)
        status = 404
    return render_template("feedback/reply_file.html", number=number, not_found=status == 404), status


@bp.route("/track/information", methods=["POST"])
@ratelimit.limit(_track_limit, scope="feedback.track")  # one budget with the look-up
def track_information():
    """補陳: the petitioner's answer to the agency's question, from under the case this browser looked up."""
    from sqlalchemy.orm.exc import StaleDataError

    from cases.information import receive_answer
    from cases.workflow import TransitionRefused
    from feedback import information

    number = request.form.get("case_number", "").strip()[:40]
    case = petitioner_actions.remembered(number)
    if case is None:
        return _track_page(number)
    text = request.form.get("answer", "")
    try:
        uploads = information.checked(petitioner_actions.uploads_of(request.files.getlist("attachments")))
        receive_answer(case, answer=text, uploads=uploads)
    except information.InvalidAnswer as exc:
        db.session.rollback()
        return _track_page(number, 400, _("Please correct the attachments."),
                           [m for messages in exc.errors.values() for m in messages], values={"answer": text[:10_000]})
    except TransitionRefused as exc:
        db.session.rollback()
        return _track_page(number, exc.status, exc.message, values={"answer": text[:10_000]})
    except StaleDataError:
        db.session.rollback()
        return _track_page(number, 409, _("This case is not waiting for an answer from you: it was answered "
                                          "already, or no information was asked for."))
    return redirect(url_for("feedback.track", case=number, done="answered"), code=303)


@bp.route("/staff/intake", methods=["GET", "POST"])
@require("register_case")
def staff_intake():
    form = StaffIntakeForm()
    status = 200
    if request.method == "GET":
        form.received_at.data = taipei_now().replace(tzinfo=None, second=0, microsecond=0)
    elif form.validate():
        received_at = form.received_moment() or taipei_now()
        if received_at > taipei_now():
            form.received_at.errors = [_("The time of receipt cannot be in the future.")]
            status = 400
        elif received_at.date() < DATE_MIN:  # year 1 at 07:00 Taipei is year 0 in UTC: no such datetime
            form.received_at.errors = [_("Dates must lie between %(first)s and %(last)s.",
                                         first=DATE_MIN.isoformat(), last=taipei_now().date().isoformat())]
            status = 400
        else:
            try:
                case, code = services.register_by_staff(
                    form.to_input(), staff=current_user, received_at=received_at,
                    language=form.language.data if form.language.data in ("zh_Hant_TW", "en") else "zh_Hant_TW",
                )
            except services.InvalidSubmission as exc:
                db.session.rollback()
                form.show_errors(exc.errors)
                status = 400
            else:
                return render_template("feedback/staff_registered.html", case=case, access_code=code,
                                       slip=slips.counter_slip(case, code))
    else:
        status = 400
    return render_template("feedback/staff_intake.html", form=form, category_labels=CATEGORY_LABELS,
                           limits=services.current_limits()), status
