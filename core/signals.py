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
