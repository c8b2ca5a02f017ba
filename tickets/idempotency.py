"""One way to make a retried request harmless, for the API and for every page's form.

A client (the partner system, or the engineer whose phone resends a form) sends a one-time
key with the request; the key's row (`IdempotencyKey`, unique per client and key) is written
in the same transaction as the work. The unique constraint decides a race: a second attempt
with the key finds it taken (or waits for the first to commit, then finds it taken) and does
nothing twice. If the work fails, the key rolls back with it and a retry may try again.

The partner API (`tickets.api.idempotent_create`) writes the same rows, batched with the
ticket's inserts, and answers a replay with the ticket the key points to."""

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import Conflict
from .models import IdempotencyKey

KEY_MAX_LENGTH = 255


def scope_hash(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()


def idempotency_claim(*, client, key: str, scope: str, ticket_id: int) -> bool:
    """Claim `key` for `client`'s request named `scope` (e.g. "onsite:diagnosis") on the
    ticket `ticket_id`. True: go ahead. False: this request was already made; do nothing.
    No key: True (the caller guards retries by state). Call inside the transaction of the
    work.

    A key already used for a different request is refused (Conflict), as the API does."""
    if not key:
        return True
    key = key[:KEY_MAX_LENGTH]
    request_hash = scope_hash(scope)
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                client=client, key=key, request_hash=request_hash, ticket_id=ticket_id
            )
    except IntegrityError:
        used_for = (
            IdempotencyKey.objects.filter(client=client, key=key)
            .values_list("request_hash", "ticket_id")
            .first()
        )
        if used_for is not None and used_for != (request_hash, ticket_id):
            raise Conflict(
                _("This form was already sent for something else. Open it again."), field="key"
            ) from None
        return False
    return True
