"""One gateway for SMS and e-mail. The default backend writes the outbox table in the
caller's transaction, so a message is recorded exactly when the change that caused it is.
Sending returns nothing: a backend may queue the message (the outbox row goes with the
transaction's next round trip, tickets.inserts.insert_later)."""

from django.conf import settings
from django.utils.module_loading import import_string

from .inserts import insert_later
from .models import OutboundMessage


class OutboxBackend:
    def send(self, *, channel, to, body, purpose, subject="", ticket=None) -> None:
        message = OutboundMessage(
            channel=channel, to=to, body=body, purpose=purpose, subject=subject, ticket=ticket
        )
        insert_later([message])


def _backend():
    return import_string(settings.MESSAGE_BACKEND)()


def send_sms(*, to: str, body: str, purpose: str, ticket=None) -> None:
    _backend().send(
        channel=OutboundMessage.Channel.SMS, to=to, body=body, purpose=purpose, ticket=ticket
    )


def send_email(*, to: str, subject: str, body: str, purpose: str, ticket=None) -> None:
    _backend().send(
        channel=OutboundMessage.Channel.EMAIL,
        to=to,
        subject=subject,
        body=body,
        purpose=purpose,
        ticket=ticket,
    )
