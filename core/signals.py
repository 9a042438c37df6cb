"""Domain events. Senders announce; downstream domains listen (cases never imports surveys)."""

from blinker import Namespace

_signals = Namespace()

case_registered = _signals.signal("case-registered")
case_closed = _signals.signal("case-closed")
