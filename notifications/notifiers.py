"""The channels a notice goes by. The outbox row is the unit of delivery whatever its channel
(notifications/delivery.py claims, retries and recovers it); a notifier only turns a claimed row into a sent message,
raising PermanentFailure when retrying cannot help and anything else when it may."""

from __future__ import annotations

from typing import Any, Protocol

from notifications.mail import Transport, build_message, render, render_sms, transport_for
from notifications.models import OutboxMessage
from notifications.sms import PermanentFailure, SmsGateway, gateway_for

__all__ = ["EMAIL", "SMS", "EmailNotifier", "Notifier", "PermanentFailure", "SmsNotifier", "notifiers_for"]

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)


class Notifier(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


def _values(message: OutboxMessage) -> dict[str, Any]:
    return {**message.context, **(message.secrets or {})}


class EmailNotifier:
    def __init__(self, transport: Transport, sender: str) -> None:
        self.transport, self.sender = transport, sender

    def send(self, message: OutboxMessage) -> None:
        subject, body = render(message.template, message.language, _values(message))
        self.transport.send(build_message(sender=self.sender, recipient=message.recipient, subject=subject,
                                          body=body, idempotency_key=message.idempotency_key))


class SmsNotifier:
    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def send(self, message: OutboxMessage) -> None:
        text = render_sms(message.template, message.language, _values(message))
        self.gateway.send(message.recipient, text, message.idempotency_key)


def notifiers_for(config: dict[str, Any], transport: Transport | None = None) -> dict[str, Notifier]:
    """One notifier per channel, from the configuration (a given mail transport replaces MAIL_URL's)."""
    return {EMAIL: EmailNotifier(transport or transport_for(config), config["MAIL_FROM"]),
            SMS: SmsNotifier(gateway_for(config))}
