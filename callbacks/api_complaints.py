"""Complaints over the REST API: the same services and access rules as the pages.

    GET  /api/v1/complaints/                 complaints the caller may see (?state=, ?ticket=)
    POST /api/v1/complaints/                 open one on a ticket (source "api")
    GET  /api/v1/complaints/<id>/            one complaint with its steps and clocks
    POST /api/v1/complaints/<id>/steps/      move it to its next step

Writes accept an `Idempotency-Key` header: a retry with the same key and body answers as
the first request did (`Idempotent-Replayed: true`); the same key with another body is
refused (422). Errors have the API's one shape (tickets.api_errors).
"""

import hashlib
import json

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.api import ticket_get_for_api_client
from tickets.errors import DomainError, NotFound
from tickets.models import Ticket
from tickets.permissions import api_role
from tickets.roles import Role, roles_of
from tickets.serializers import ErrorOutput

from . import selectors_complaints as selectors
from .models import (
    Complaint,
    ComplaintApiKey,
    ComplaintCategory,
    ComplaintSource,
    Remedy,
    RootCause,
    Severity,
)
from .services.complaints import (
    allowed_moves,
    complaint_clocks,
    complaint_move,
    complaint_open,
    may_move,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
READERS = api_role(
    Role.QUALITY, Role.SUPERVISOR, Role.ADMIN, Role.AGENT, Role.DISPATCHER, Role.PARTNER
)
MOVERS = api_role(Role.QUALITY, Role.SUPERVISOR, Role.ADMIN, Role.AGENT, Role.DISPATCHER)


class IdempotencyKeyReused(DomainError):
    status_code = 422
    default_code = "idempotency_key_reused"


# --- serializers -------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "maxLength": max(len(v) for v in Remedy.values),
        "description": "A remedy code: " + ", ".join(Remedy.values) + ".",
    }
)
class RemedyField(serializers.ChoiceField):
    """A remedy code. Listed in the description, not as an enum: the same choices under two
    field names (wanted, offered) would be one enum with two names in the schema."""

    def __init__(self, **kwargs):
        super().__init__(choices=Remedy.choices, **kwargs)


class ComplaintOpenInput(serializers.Serializer):
    ticket_number = serializers.CharField(max_length=32)
    remedy_wanted = RemedyField()
    description = serializers.CharField(max_length=2000)
    category = serializers.ChoiceField(
        choices=ComplaintCategory.choices, default=ComplaintCategory.OTHER
    )
    part_batch = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ComplaintMoveInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=Complaint.State.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, allow_blank=True, default=""
    )
    safety_risk = serializers.BooleanField(required=False, default=False)
    owner = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text="Username of the QA owner (investigating); the caller by default.",
    )
    findings = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    response = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    remedy_offered = RemedyField(required=False, allow_blank=True, default="")
    root_cause = serializers.ChoiceField(
        choices=RootCause.choices, required=False, allow_blank=True, default=""
    )


class ClockOutput(serializers.Serializer):
    kind = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)


class StepOutput(serializers.Serializer):
    step = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    by = serializers.CharField(source="actor_label")
    note = serializers.CharField()
    data = serializers.DictField()
    at = serializers.DateTimeField(source="created_at")


class CustomerOutput(serializers.Serializer):
    name = serializers.CharField()
    mobile = serializers.CharField()
    masked = serializers.BooleanField()


class ComplaintOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    ticket_number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    source = serializers.CharField()
    category = serializers.CharField()
    remedy_wanted = serializers.CharField()
    description = serializers.CharField()
    severity = serializers.CharField()
    safety_risk = serializers.BooleanField()
    owner = serializers.CharField(allow_null=True)
    engineer = serializers.CharField(allow_null=True)
    service_point = serializers.CharField(allow_null=True)
    part_batch = serializers.CharField()
    response = serializers.CharField()
    remedy_offered = serializers.CharField()
    root_cause = serializers.CharField()
    customer = CustomerOutput()
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    allowed_moves = serializers.ListField(child=serializers.CharField())
    clocks = ClockOutput(many=True, required=False)
    steps = StepOutput(many=True, required=False)


class ComplaintListOutput(serializers.Serializer):
    results = ComplaintOutput(many=True)
    next_after = serializers.IntegerField(allow_null=True)


def complaint_data(complaint: Complaint, user, *, full: bool = True) -> dict:
    data = {
        "id": complaint.pk,
        "reference": complaint.reference,
        "ticket_number": complaint.ticket.number,
        "state": complaint.state,
        "state_label": str(complaint.get_state_display()),
        "source": complaint.source,
        "category": complaint.category,
        "remedy_wanted": complaint.remedy_wanted,
        "description": complaint.description,
        "severity": complaint.severity,
        "safety_risk": complaint.safety_risk,
        "owner": complaint.owner.get_username() if complaint.owner_id else None,
        "engineer": str(complaint.engineer.user) if complaint.engineer_id else None,
        "service_point": complaint.service_point.name if complaint.service_point_id else None,
        "part_batch": complaint.part_batch,
        "response": complaint.response,
        "remedy_offered": complaint.remedy_offered,
        "root_cause": complaint.root_cause,
        "customer": selectors.customer_view(user, complaint.ticket.customer),
        "created_at": complaint.created_at,
        "acknowledged_at": complaint.acknowledged_at,
        "responded_at": complaint.responded_at,
        "closed_at": complaint.closed_at,
        "allowed_moves": [
            to for to in allowed_moves(complaint.state) if may_move(user, complaint, to)
        ],
    }
    if full:
        data["clocks"] = [
            {
                "kind": c.kind,
                "state": c.state,
                "started_at": c.started_at,
                "due_at": c.due_at,
                "met_at": c.met_at,
                "breached_at": c.breached_at,
            }
            for c in complaint_clocks(complaint)
        ]
        data["steps"] = list(complaint.steps.all())
    return ComplaintOutput(data).data


# --- idempotency -------------------------------------------------------------------------


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.path}\n{body}".encode()).hexdigest()


def _replay(request, key: str, request_hash: str) -> Response | None:
    row = ComplaintApiKey.objects.filter(client=request.user, key=key).first()
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
    complaint = selectors.complaint_get_for_user(user=request.user, complaint_id=row.complaint_id)
    return Response(
        complaint_data(complaint, request.user),
        status=row.status_code,
        headers={REPLAYED_HEADER: "true"},
    )


def idempotent_write(request, write, *, status_code: int) -> Response:
    """Run `write() -> Complaint` and store the key in one transaction; the key's unique
    constraint decides a race (the loser rolls back and answers as the winner did)."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 255:
        raise DomainError(_("Use at most 255 characters."), field=IDEMPOTENCY_HEADER)
    request_hash = _request_hash(request) if key else ""
    if key:
        replay = _replay(request, key, request_hash)
        if replay is not None:
            return replay
    try:
        with transaction.atomic():
            complaint = write()
            if key:
                ComplaintApiKey.objects.create(
                    client=request.user,
                    key=key,
                    request_hash=request_hash,
                    complaint=complaint,
                    status_code=status_code,
                )
    except IntegrityError:
        replay = key and _replay(request, key, request_hash)
        if not replay:
            raise
        return replay
    complaint = selectors.complaint_get_for_user(user=request.user, complaint_id=complaint.pk)
    return Response(complaint_data(complaint, request.user), status=status_code)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key per logical request (e.g. a UUID): a retry with the same key "
    "answers as the first request did instead of doing the work twice.",
)
ERRORS = {
    400: OpenApiResponse(ErrorOutput, description="Invalid input; `fields` names each field."),
    401: OpenApiResponse(ErrorOutput, description="No or an invalid token."),
    403: OpenApiResponse(ErrorOutput, description="The caller's role may not do this."),
    404: OpenApiResponse(ErrorOutput, description="Unknown, or not visible to the caller."),
}


def _ticket_for_open(user, number: str) -> Ticket:
    if roles_of(user) & selectors.ALL_COMPLAINTS:
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise NotFound(_("Ticket not found."), field="ticket_number")
        return ticket
    try:
        return ticket_get_for_api_client(user=user, number=number)
    except NotFound as exc:
        exc.field = "ticket_number"
        raise


# --- views -------------------------------------------------------------------------------


class ComplaintListQuery(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=Complaint.State.choices, required=False, allow_blank=True
    )
    ticket = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="Ticket number"
    )
    after = serializers.IntegerField(min_value=1, required=False, help_text="next_after of a page")


class ComplaintListApi(APIView):
    permission_classes = [READERS]
    PAGE = 50

    @extend_schema(
        operation_id="complaints_list",
        summary="Complaints you may see",
        parameters=[ComplaintListQuery],
        responses={200: ComplaintListOutput, 401: ERRORS[401], 403: ERRORS[403]},
        tags=["complaints"],
    )
    def get(self, request):
        query = ComplaintListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.complaint_queryset_for_user(request.user).select_related(
            "ticket__customer", "owner", "engineer__user", "service_point"
        )
        if state := query.validated_data.get("state"):
            qs = qs.filter(state=state)
        if number := query.validated_data.get("ticket"):
            qs = qs.filter(ticket__number=number)
        if after := query.validated_data.get("after"):
            qs = qs.filter(pk__lt=after)
        rows = list(qs.order_by("-id")[: self.PAGE + 1])
        more = len(rows) > self.PAGE
        rows = rows[: self.PAGE]
        return Response(
            {
                "results": [complaint_data(c, request.user, full=False) for c in rows],
                "next_after": rows[-1].pk if more else None,
            }
        )

    @extend_schema(
        operation_id="complaints_open",
        summary="Open a complaint",
        description="Receives a complaint about a ticket you may see and acknowledges it at "
        "once (an SMS to the customer). Its first-response and solution clocks start.",
        request=ComplaintOpenInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: ComplaintOutput,
            **ERRORS,
            422: OpenApiResponse(ErrorOutput, description="Idempotency-Key reused."),
        },
        tags=["complaints"],
    )
    def post(self, request):
        data = ComplaintOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data

        def write():
            ticket = _ticket_for_open(request.user, values["ticket_number"])
            return complaint_open(
                ticket=ticket,
                source=ComplaintSource.API,
                remedy_wanted=values["remedy_wanted"],
                description=values["description"],
                category=values["category"],
                part_batch=values["part_batch"],
                actor=request.user,
            )

        return idempotent_write(request, write, status_code=http.HTTP_201_CREATED)


class ComplaintDetailApi(APIView):
    permission_classes = [READERS]

    @extend_schema(
        operation_id="complaints_read",
        summary="A complaint with its steps and clocks",
        responses={200: ComplaintOutput, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
        tags=["complaints"],
    )
    def get(self, request, complaint_id: int):
        complaint = selectors.complaint_get_for_user(user=request.user, complaint_id=complaint_id)
        return Response(complaint_data(complaint, request.user))


class ComplaintStepApi(APIView):
    permission_classes = [MOVERS]

    @extend_schema(
        operation_id="complaints_move",
        summary="Move a complaint to its next step",
        description="Steps: acknowledged → assessed (severity, safety_risk) → investigating "
        "(owner) → responded (response, remedy_offered) → accepted / rejected → closed "
        "(root_cause); closed → investigating reopens (note required). 409 when the move "
        "is not allowed from the current step.",
        request=ComplaintMoveInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: ComplaintOutput,
            **ERRORS,
            409: OpenApiResponse(ErrorOutput, description="Not a move from this step."),
            422: OpenApiResponse(ErrorOutput, description="Idempotency-Key reused."),
        },
        tags=["complaints"],
    )
    def post(self, request, complaint_id: int):
        complaint = selectors.complaint_get_for_user(user=request.user, complaint_id=complaint_id)
        data = ComplaintMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        owner = None
        if values.pop("owner"):
            username = request.data.get("owner")
            owner = get_user_model().objects.filter(username=username, is_active=True).first()
            if owner is None:
                raise DomainError(_("Unknown user."), field="owner")

        def write():
            return complaint_move(complaint=complaint, actor=request.user, owner=owner, **values)

        return idempotent_write(request, write, status_code=http.HTTP_200_OK)
