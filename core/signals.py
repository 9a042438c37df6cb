"""Domain events. Senders announce; downstream domains listen (cases never imports surveys)."""

from blinker import Namespace

_signals = Namespace()

case_registered = _signals.signal("case-registered")
case_closed = _signals.signal("case-closed")
# Retention erased these cases' petitioner identities (sender: the list of case ids); every domain that
# keeps a copy of an address or a name erases its own.
identities_erased = _signals.signal("identities-erased")
