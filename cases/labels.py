"""Human names of states and channels, in the user's language."""

from flask_babel import lazy_gettext as _l

from cases.models import CaseState

STATE_LABELS = {
    CaseState.REGISTERED: _l("Registered"),
    CaseState.ROUTED: _l("Assigned to a unit"),
    CaseState.IN_PROGRESS: _l("Being handled"),
    CaseState.AWAITING_APPROVAL: _l("Reply awaiting approval"),
    CaseState.AWAITING_INFORMATION: _l("Awaiting information from the petitioner"),
    CaseState.CLOSED: _l("Closed"),
    CaseState.TRANSFERRED: _l("Transferred to the competent agency"),
    CaseState.NOT_HANDLED: _l("Registered, not handled"),
}

# Keys are the channel values cases.case_file.Channel defines.
CHANNEL_LABELS = {
    "petition": _l("Petition"),
    "mailbox": _l("Director's mailbox"),
    "complaint": _l("Complaint or report"),
}

# Reply versions' statuses (cases.models.ReplyStatus).
REPLY_STATUS_LABELS = {
    "draft": _l("Draft awaiting approval"),
    "returned": _l("Returned for revision"),
    "sent": _l("Sent to the petitioner"),
}

# Why identifying data was viewed (PersonalDataAccess.purpose), on the access log.
ACCESS_PURPOSE_LABELS = {
    "page": _l("Case page viewed"),
    "attachment": _l("Attachment opened"),
    "letter": _l("Reply letter viewed"),
    "api": _l("Read through the staff API"),
    "reveal": _l("Viewed under an approved identity reveal"),
    "outbox": _l("Outgoing mail viewed"),
}

# Complaint categories (cases.case_file.ComplaintCategory).
CATEGORY_LABELS = {
    "integrity": _l("Integrity or misconduct"),
    "service": _l("Service attitude or efficiency"),
    "other": _l("Other"),
}

OUTCOME_LABELS = {
    "met": _l("Request met"),
    "explained": _l("Explained"),
    "refused": _l("Request refused (lawfully)"),
    "other": _l("Other"),
}

GROUND_LABELS = {
    "no_identity": _l("No concrete content, or no real name or contact (APA art. 173 (1))"),
    "repeat": _l("Same matter already properly handled and answered (APA art. 173 (2))"),
    "sent_to_competent": _l("Also sent to the competent agency (APA art. 173 (3))"),
}

STAT_HEADINGS = {
    "month": _l("Month"),
    "unit": _l("Unit code"),
    "unit_name": _l("Unit"),
    "channel": _l("Channel"),
    "received": _l("Cases received"),
    "closed": _l("Cases closed"),
    "closed_on_time": _l("Closed on time"),
    "closed_late": _l("Closed late"),
    "on_time_rate": _l("On-time rate"),
    "closed_on_time_original": _l("On time against the original limit"),
    "closed_unanswered": _l("Of the closed, not handled: information asked for not received"),
    "open_overdue": _l("Open and overdue"),
    "average_days_used": _l("Average working days used"),
    "transferred": _l("Transferred"),
    "not_handled": _l("Not handled"),
    "transferred_or_not_handled_on_time": _l("Transferred or not handled by the routing date"),
    "transferred_or_not_handled_late": _l("Transferred or not handled after the routing date"),
    "routing_overdue": _l("Not yet routed, past the routing date"),
    "reopened": _l("Reopened by the petitioner"),
    "reopen_rate": _l("Reopen rate"),
    "days_paused": _l("Working days paused awaiting the petitioner"),
}

# Timeline actions (CaseEvent.action): what happened, in the reader's language.
ACTION_LABELS = {
    "register": _l("Registered"),
    "four_eyes_relaxed": _l("Approved by its own author: four-eyes rule relaxed (nobody else may approve)"),
    "classify": _l("Classified"),
    "route": _l("Routed to a unit"),
    "transfer": _l("Transferred to another agency"),
    "not_handled": _l("Registered as not handled"),
    "link": _l("Linked to an earlier case"),
    "assign": _l("Handler assigned"),
    "return_to_intake": _l("Returned to intake"),
    "draft_reply": _l("Reply drafted"),
    "approve_reply": _l("Reply approved and sent"),
    "return_reply": _l("Reply returned for changes"),
    "request_extension": _l("Extension requested"),
    "approve_extension": _l("Extension approved"),
    "refuse_extension": _l("Extension refused"),
    "refer_to_ethics": _l("Referred to the ethics office"),
    "due_date_changed": _l("Due date changed"),
    "chased": _l("Chased by the secretariat (supervisors mailed)"),
    "reopen": _l("Reopened by the petitioner (not resolved)"),
    "reopened_from": _l("Reopened from an earlier case"),
    "petitioner_added": _l("The petitioner added information"),
    "request_information": _l("More information asked of the petitioner"),
    "receive_information": _l("The petitioner's answer received"),
    "close_unanswered": _l("Not handled: the information asked for was not received"),
    "reply_quality_override": _l("Reply-quality check overridden"),
}

EXTENSION_LABELS = {
    "requested": _l("Awaiting a decision"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
}

# Why a due date moved (cases.deadlines.CAUSES).
CAUSE_LABELS = {
    "closure": _l("the agency closed that day"),
    "working_day": _l("the agency made that day a working day"),
    "override_removed": _l("the agency's calendar change was withdrawn"),
    "official_calendar": _l("the official office calendar was imported"),
    "extension": _l("extension approved"),
    "reclassification": _l("reclassified"),
}

# The languages a petitioner may be written to in (Submission.language), named in the reader's language.
LANGUAGE_LABELS = {
    "zh_Hant_TW": _l("Chinese"),
    "en": _l("English"),
}
