"""Human names of states and channels, in the user's language."""

from flask_babel import lazy_gettext as _l

from cases.models import CaseState

STATE_LABELS = {
    CaseState.REGISTERED: _l("Registered"),
    CaseState.ROUTED: _l("Assigned to a unit"),
    CaseState.IN_PROGRESS: _l("Being handled"),
    CaseState.AWAITING_APPROVAL: _l("Reply awaiting approval"),
    CaseState.CLOSED: _l("Closed"),
    CaseState.TRANSFERRED: _l("Transferred to the competent agency"),
    CaseState.NOT_HANDLED: _l("Registered, not handled"),
}

# Keys are the channel values feedback.models.Channel defines.
CHANNEL_LABELS = {
    "petition": _l("Petition"),
    "mailbox": _l("Director's mailbox"),
    "complaint": _l("Complaint or report"),
}
