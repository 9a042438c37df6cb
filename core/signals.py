"""Domain events. Senders announce; downstream domains listen (cases never imports surveys)."""

from blinker import Namespace

_signals = Namespace()

case_registered = _signals.signal("case-registered")
case_closed = _signals.signal("case-closed")
# Retention erased these cases' petitioner identities (sender: the list of case ids); every domain that
# keeps a copy of an address or a name erases its own.
identities_erased = _signals.signal("identities-erased")
# A member of staff was shown a confidential petitioner's address outside a case page (sender: the staff member;
# abouts: the "submission:N" marks of what was shown; purpose: where). Cases writes the access log.
personal_data_shown = _signals.signal("personal-data-shown")
# An administrator asked for a password-reset link (sender: the staff member whose password is reset; link,
# expires_at, reset_id as keywords). Notifications mails it through the outbox, in the same transaction.
password_reset_requested = _signals.signal("password-reset-requested")
# A unit is about to be deactivated (sender: the unit). Each domain that keeps work in units answers with a
# sentence saying why it must not be (open cases, …) or None; any sentence refuses the deactivation.
unit_deactivating = _signals.signal("unit-deactivating")
