"""The intake API for partner systems and connected appliances (DRF, token auth).

    POST /api/v1/tickets/           create a ticket (web self-service, partner portal, store)
    POST /api/v1/alarms/            an IoT alarm: serial number + fault code -> a ticket
    POST /api/v1/deliveries/        a retailer's delivery -> one installation ticket per order
    GET  /api/v1/tickets/<number>/  the status of a ticket the caller created

Creates accept an `Idempotency-Key` header: a retry with the same key returns the first
ticket (200, `Idempotent-Replayed: true`), also when the two requests race; the same key
with a different body is refused (422). Every write of one request is one transaction.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import intake
from .errors import DomainError, NotFound
from .installation.serializers import DeliveryCreateInput
from .installation.services import intake_from_delivery
from .lifecycle import Status
from .models import IdempotencyKey, Ticket, TicketEvent
from .permissions import api_role
from .roles import STAFF_DESK_ROLES, Role, roles_of
from .selectors import ticket_queryset_for_user
from .serializers import (
    AlarmCreateInput,
    ErrorOutput,
    TicketCreateInput,
    TicketStatusOutput,
)
from .services import tracking_url

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


class IdempotencyKeyReused(DomainError):
    status_code = 422
    default_code = "idempotency_key_reused"


# --- reads: what a caller may see ----------------------------------------------------------


def ticket_get_for_api_client(*, user, number: str) -> Ticket:
    """A partner sees only the tickets it created; desk staff see what their selector
    allows; anyone else sees nothing. Unknown and foreign tickets are the same 404."""
    roles = roles_of(user)
    if roles & set(STAFF_DESK_ROLES):
        qs = ticket_queryset_for_user(user)
    elif Role.PARTNER in roles:
        qs = Ticket.objects.filter(created_by=user)
    else:
        qs = Ticket.objects.none()
    ticket = qs.filter(number=number).select_related("appliance").first()
    if ticket is None:
        raise NotFound(_("Ticket not found."), field="number")
    return ticket


def _booked_window(ticket: Ticket) -> dict | None:
    """The visit window agreed with the customer: the latest move to `scheduled` whose
    event data carries `window_start` and `window_end` (ISO 8601), as dispatch records it."""
    if ticket.status not in (Status.SCHEDULED, Status.EN_ROUTE, Status.ON_SITE):
        return None
    event = (
        TicketEvent.objects.filter(ticket=ticket, kind="status", to_status=Status.SCHEDULED)
        .order_by("-created_at", "-id")
        .only("data")
        .first()
    )
    data = event.data if event else {}
    if data.get("window_start") and data.get("window_end"):
        return {"start": data["window_start"], "end": data["window_end"]}
    return None


@functools.cache
def _shared(serializer_class):
    """One instance of a plain (non-model) serializer per process, for validating input and
    formatting output with `run_validation` / `to_representation`, which keep no state on
    the instance. A new serializer per request deep-copies every declared field: a tenth of
    an intake's CPU."""
    return serializer_class()


def status_output(ticket: Ticket, *, viewer, possible_duplicate: bool | None = None) -> dict:
    return _shared(TicketStatusOutput).to_representation(
        ticket_status_data(ticket, viewer=viewer, possible_duplicate=possible_duplicate)
    )


def _verdict_visible(ticket: Ticket, viewer) -> bool:
    """A partner sees the warranty verdict of the appliances it registered only; desk staff
    see every verdict."""
    if roles_of(viewer) & set(STAFF_DESK_ROLES):
        return True
    return ticket.appliance.registered_by_id == viewer.pk


def _flagged_duplicate(ticket: Ticket) -> bool:
    event = TicketEvent.objects.filter(ticket=ticket, kind="created").only("data").first()
    return bool(event and event.data.get("possible_duplicate_of"))


def ticket_status_data(ticket: Ticket, *, viewer, possible_duplicate: bool | None) -> dict:
    preferred = (
        {"start": ticket.preferred_start, "end": ticket.preferred_end}
        if ticket.preferred_start and ticket.preferred_end
        else None
    )
    visible = _verdict_visible(ticket, viewer)
    if possible_duplicate is None:
        possible_duplicate = _flagged_duplicate(ticket)
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(Status(ticket.status).label),
        "channel": ticket.channel,
        "service_type": ticket.service_type_id,
        "priority": ticket.priority,
        "in_warranty": ticket.in_warranty if visible else None,
        "fee_estimate": ticket.fee_estimate if visible else None,
        "possible_duplicate": possible_duplicate,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
        "preferred_window": preferred,
        "booked_window": _booked_window(ticket),
        "tracking_url": tracking_url(ticket),
    }


# --- writes --------------------------------------------------------------------------------

# Service errors name the service's argument; the API names its own input field.
_SERVICE_FIELD_TO_INPUT = {"name": "customer_name", "model_number": "model"}


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.path}\n{body}".encode()).hexdigest()


def _replay(*, user, key: str, request_hash: str) -> Response | None:
    row = (
        IdempotencyKey.objects.select_related("ticket__appliance")
        .filter(client=user, key=key)
        .first()
    )
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used with a different request. "
                "Use a new key for a new request."
            ),
            field=IDEMPOTENCY_HEADER,
        )
    return Response(
        status_output(row.ticket, viewer=user),
        status=http.HTTP_200_OK,
        headers={REPLAYED_HEADER: "true"},
    )


def idempotent_create(request, input_class, create) -> Response:
    """Validate, then run `create(data=..., actor=...) -> IntakeResult` and the key's row
    in one intake transaction (`tickets.intake.intake_atomic`). The key's unique
    constraint decides a race: the loser's transaction rolls back whole and it answers
    with the winner's ticket."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 255:
        raise DomainError(_("Use at most 255 characters."), field=IDEMPOTENCY_HEADER)
    request_hash = _request_hash(request) if key else ""
    # No look-up of the key first: a retry is rare, so every create simply tries to insert
    # its key with the ticket and a retry finds out from the unique constraint.
    try:
        data = _shared(input_class).run_validation(request.data)
    except ValidationError:
        # A retry of a request that succeeded before is answered with its ticket even if
        # the input would not pass today (e.g. the area code was retired since).
        replay = key and _replay(user=request.user, key=key, request_hash=request_hash)
        if replay:
            return replay
        raise

    def run(*, retrying: bool) -> intake.IntakeResult:
        try:
            result = create(data=data, actor=request.user, retrying=retrying)
        except DomainError as exc:
            exc.field = _SERVICE_FIELD_TO_INPUT.get(exc.field, exc.field)
            raise
        if key:
            intake.idempotency_key_record(
                client=request.user, key=key, request_hash=request_hash, ticket=result.ticket
            )
        return result

    try:
        result = intake.intake_atomic(run)
    except IntegrityError:
        if not key:
            raise
        replay = _replay(user=request.user, key=key, request_hash=request_hash)
        if replay is None:
            raise
        return replay
    ticket = result.ticket
    return Response(
        status_output(ticket, viewer=request.user, possible_duplicate=result.possible_duplicate),
        status=http.HTTP_201_CREATED if result.created else http.HTTP_200_OK,
        headers={"Location": f"/api/v1/tickets/{ticket.number}/"},
    )


# --- views ---------------------------------------------------------------------------------

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key per logical request (e.g. a UUID): a retry with the same key "
    "returns the first ticket instead of creating a second.",
)
ERRORS = {
    400: OpenApiResponse(ErrorOutput, description="Invalid input; `fields` names each field."),
    401: OpenApiResponse(ErrorOutput, description="No or an invalid token."),
    403: OpenApiResponse(ErrorOutput, description="The caller is not a partner system."),
}


class TicketCreateApi(APIView):
    permission_classes = [api_role(Role.PARTNER)]

    @extend_schema(
        operation_id="tickets_create",
        summary="Create a repair ticket",
        description="Finds the customer by mobile number and the appliance by serial number, "
        "or registers them, then opens the ticket. The customer gets an SMS with the "
        "tracking link.",
        request=TicketCreateInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: TicketStatusOutput,
            200: OpenApiResponse(TicketStatusOutput, description="Replayed: the first ticket."),
            **ERRORS,
            422: OpenApiResponse(ErrorOutput, description="Idempotency-Key reused."),
        },
        tags=["intake"],
    )
    def post(self, request):
        return idempotent_create(
            request,
            TicketCreateInput,
            intake.intake_from_partner,
        )


class AlarmCreateApi(APIView):
    permission_classes = [api_role(Role.PARTNER)]

    @extend_schema(
        operation_id="alarms_create",
        summary="Raise an IoT alarm",
        description="Opens a ticket for the appliance with this serial number (emergency "
        "priority for safety fault codes such as `SAFE-*`, `GAS`, `SMOKE`). A repeat of an "
        "alarm whose ticket is still open returns that ticket (200).",
        request=AlarmCreateInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: TicketStatusOutput,
            200: OpenApiResponse(TicketStatusOutput, description="Replayed or repeated alarm."),
            **ERRORS,
            404: OpenApiResponse(ErrorOutput, description="Unknown serial number."),
            422: OpenApiResponse(ErrorOutput, description="Idempotency-Key reused."),
        },
        tags=["intake"],
    )
    def post(self, request):
        return idempotent_create(request, AlarmCreateInput, intake.intake_from_alarm)


class DeliveryCreateApi(APIView):
    permission_classes = [api_role(Role.PARTNER)]

    @extend_schema(
        operation_id="deliveries_create",
        summary="Request the installation of a delivery",
        description="A retailer delivered products that need installing: order number, "
        "delivery date, the products (model codes and quantities) and the customer. Opens "
        "one installation ticket per order, an appointment for the window after delivery "
        "(the next day, 09:00-18:00, unless `preferred_start`/`preferred_end` are given). "
        "The same order number again returns that ticket (200), also when the two "
        "requests race. The engineer scans each unit's serial on site, which registers "
        "the appliances to the customer with this delivery as their purchase channel.",
        request=DeliveryCreateInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: TicketStatusOutput,
            200: OpenApiResponse(
                TicketStatusOutput, description="This order's ticket, opened before."
            ),
            **ERRORS,
            422: OpenApiResponse(ErrorOutput, description="Idempotency-Key reused."),
        },
        tags=["intake"],
    )
    def post(self, request):
        return idempotent_create(request, DeliveryCreateInput, intake_from_delivery)


class TicketStatusApi(APIView):
    permission_classes = [api_role(Role.PARTNER, *STAFF_DESK_ROLES)]

    @extend_schema(
        operation_id="tickets_status",
        summary="A ticket's status",
        responses={
            200: TicketStatusOutput,
            401: ERRORS[401],
            403: ERRORS[403],
            404: OpenApiResponse(ErrorOutput, description="Unknown, or not created by you."),
        },
        tags=["intake"],
    )
    def get(self, request, number: str):
        ticket = ticket_get_for_api_client(user=request.user, number=number)
        return Response(status_output(ticket, viewer=request.user))


# --- partner tokens ------------------------------------------------------------------------


def partner_token_issue(*, username: str, rotate: bool = False) -> str:
    """The API token of a partner system, creating the partner user (no password: it
    cannot log in to the pages) and its token when missing."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=Role.PARTNER))
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _created = Token.objects.get_or_create(user=user)
    return token.key


def print_demo_partner_token(stdout, username: str = "partner") -> None:
    from django.contrib.auth.models import User

    if User.objects.filter(username=username, groups__name=Role.PARTNER).exists():
        key = partner_token_issue(username=username)
        stdout.write(f"Partner API token ({username}): {key}")
        stdout.write(
            f"  e.g. curl -H 'Authorization: Token {key}' "
            "http://127.0.0.1:8000/api/v1/tickets/<number>/   (docs: /api/docs/)"
        )
