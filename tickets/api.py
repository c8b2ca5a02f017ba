"""The intake API for partner systems and connected appliances (DRF, token auth).

    POST /api/v1/tickets/           create a ticket (web self-service, partner portal, store)
    POST /api/v1/alarms/            an IoT alarm: serial number + fault code -> a ticket
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

from .choices import Channel, FaultClass, Priority
from .errors import DomainError, NotFound
from .inserts import batched_inserts, insert_later, select_first
from .lifecycle import Status
from .models import Address, Appliance, Customer, IdempotencyKey, ServiceArea, Ticket, TicketEvent
from .permissions import api_role
from .roles import STAFF_DESK_ROLES, Role, roles_of
from .selectors import ticket_queryset_for_user
from .serializers import (
    AlarmCreateInput,
    ErrorOutput,
    TicketCreateInput,
    TicketStatusOutput,
)
from .services import (
    appliance_create,
    customer_create,
    ticket_create,
    ticket_event_record,
    tracking_url,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

# Fault codes that mean a safety risk (gas, smoke, sparks, water on power): emergency.
EMERGENCY_CODE_PREFIXES = ("SAFE-",)
EMERGENCY_CODES = frozenset({"GAS", "GAS-LEAK", "SMOKE", "SPARK", "FIRE", "LEAK-POWER"})


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
    ticket = qs.filter(number=number).first()
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


def status_output(ticket: Ticket) -> dict:
    return _shared(TicketStatusOutput).to_representation(ticket_status_data(ticket))


def ticket_status_data(ticket: Ticket) -> dict:
    preferred = (
        {"start": ticket.preferred_start, "end": ticket.preferred_end}
        if ticket.preferred_start and ticket.preferred_end
        else None
    )
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(Status(ticket.status).label),
        "channel": ticket.channel,
        "priority": ticket.priority,
        "in_warranty": ticket.in_warranty,
        "fee_estimate": ticket.fee_estimate,
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


def _address_for(*, customer: Customer, line: str, area: ServiceArea, lat, lng) -> Address:
    """The customer's address with this line in this area, added when new (the ticket goes
    where the partner says; the customer's default address stays as it is)."""
    line = line.strip()
    address = select_first(
        Address, "customer_id = %s AND line = %s AND area_id = %s", [customer.pk, line, area.pk]
    )
    if address is None:
        address = Address(
            customer=customer, line=line, area=area, lat=lat, lng=lng, is_default=False
        )
        insert_later([address], with_keys=True)
    return address


def _appliance_for(*, customer: Customer, data: dict) -> Appliance | None:
    """The customer's appliance of this category: by serial number (any case) when given,
    else the one without a serial number of the same brand and model."""
    serial = (data.get("serial_number") or "").strip().upper()
    if serial:
        return select_first(
            Appliance,
            "customer_id = %s AND category = %s AND UPPER(serial_number) = %s",
            [customer.pk, data["category"], serial],
        )
    return select_first(
        Appliance,
        "customer_id = %s AND category = %s AND serial_number = '' AND brand = %s "
        "AND model_number = %s",
        [customer.pk, data["category"], data["brand"].strip(), data["model"].strip()],
    )


def intake_from_partner(*, data: dict, actor) -> Ticket:
    """Find the customer by mobile (and the appliance by serial number) or create them,
    then open the ticket. Call inside a transaction: a refused ticket leaves nothing."""
    area = data["area_code"]
    customer = select_first(Customer, "mobile = %s", [data["mobile"]], order_by="created_at, id")
    if customer is None:
        customer, address = customer_create(
            name=data["customer_name"],
            mobile=data["mobile"],
            address_line=data["address_line"],
            area=area,
            lat=data.get("lat"),
            lng=data.get("lng"),
        )
        appliance = None  # a customer registered just now has no appliances yet
    else:
        address = _address_for(
            customer=customer,
            line=data["address_line"],
            area=area,
            lat=data.get("lat"),
            lng=data.get("lng"),
        )
        appliance = _appliance_for(customer=customer, data=data)
    if appliance is None:
        appliance = appliance_create(
            customer=customer,
            category=data["category"],
            brand=data["brand"],
            model_number=data["model"],
            serial_number=data.get("serial_number") or "",
            purchase_date=data.get("purchase_date"),
            purchase_channel=data["purchase_channel"],
        )
    elif appliance.purchase_date is None and data.get("purchase_date"):
        # The partner knows the purchase date we lacked: the warranty verdict needs it.
        appliance.purchase_date = data["purchase_date"]
        appliance.save(update_fields=["purchase_date"])

    return ticket_create(
        customer=customer,
        appliance=appliance,
        address=address,
        channel=data["channel"],
        fault_description=data["fault_description"],
        priority=data["priority"],
        fault_class=data["fault_class"],
        preferred_start=data.get("preferred_start"),
        preferred_end=data.get("preferred_end"),
        actor=actor,
    )


def alarm_priority(fault_code: str) -> str:
    code = fault_code.upper()
    if code.startswith(EMERGENCY_CODE_PREFIXES) or code in EMERGENCY_CODES:
        return Priority.EMERGENCY
    return Priority.NORMAL


def intake_from_alarm(*, data: dict, actor) -> tuple[Ticket, bool]:
    """An IoT alarm opens a ticket for the appliance with this serial number (any case).
    A repeat of an alarm that already has an open ticket returns that ticket (noted on its
    timeline) instead of opening another. Returns (ticket, created)."""
    serial = data["serial_number"].strip()
    appliance = (
        Appliance.objects.filter(serial_number__iexact=serial)
        .select_related("customer")
        .order_by("-created_at", "-id")
        .first()
    )
    if appliance is None:
        raise NotFound(
            _("No appliance has the serial number %(serial)s.") % {"serial": serial},
            field="serial_number",
        )
    code = data["fault_code"].strip().upper()
    existing = (
        Ticket.objects.open()
        .filter(appliance=appliance, channel=Channel.IOT_ALARM, fault_code=code)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        ticket_event_record(
            ticket=existing,
            kind="alarm_repeated",
            actor=actor,
            data={"fault_code": code, "description": data.get("description", "")},
        )
        return existing, False
    description = (data.get("description") or "").strip() or _(
        "Alarm %(code)s from the connected appliance."
    ) % {"code": code}
    ticket = ticket_create(
        customer=appliance.customer,
        appliance=appliance,
        channel=Channel.IOT_ALARM,
        fault_description=description,
        fault_code=code,
        priority=alarm_priority(code),
        fault_class=FaultClass.STANDARD,
        actor=actor,
    )
    return ticket, True


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.path}\n{body}".encode()).hexdigest()


def _replay(*, user, key: str, request_hash: str) -> Response | None:
    row = IdempotencyKey.objects.select_related("ticket").filter(client=user, key=key).first()
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
        status_output(row.ticket),
        status=http.HTTP_200_OK,
        headers={REPLAYED_HEADER: "true"},
    )


def idempotent_create(request, input_class, create) -> Response:
    """Validate, then run `create(data=..., actor=...) -> (ticket, created)` and the key's
    row in one transaction. The key's unique constraint decides a race: the loser's
    transaction rolls back whole and it answers with the winner's ticket."""
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
    try:
        # The key's row goes with the ticket's last inserts, in one round trip.
        with transaction.atomic(), batched_inserts():
            try:
                ticket, created = create(data=data, actor=request.user)
            except DomainError as exc:
                exc.field = _SERVICE_FIELD_TO_INPUT.get(exc.field, exc.field)
                raise
            if key:
                insert_later(
                    [
                        IdempotencyKey(
                            client=request.user, key=key, request_hash=request_hash, ticket=ticket
                        )
                    ]
                )
    except IntegrityError:
        if not key:
            raise
        replay = _replay(user=request.user, key=key, request_hash=request_hash)
        if replay is None:
            raise
        return replay
    return Response(
        status_output(ticket),
        status=http.HTTP_201_CREATED if created else http.HTTP_200_OK,
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
            lambda *, data, actor: (intake_from_partner(data=data, actor=actor), True),
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
        return idempotent_create(request, AlarmCreateInput, intake_from_alarm)


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
        return Response(status_output(ticket))


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
