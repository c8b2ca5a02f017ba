"""The callbacks API (DRF; OpenAPI at /api/schema/):

    GET  /api/v1/callbacks/                 the caller's due calls (desk roles; deep: supervisors)
    GET  /api/v1/callbacks/<id>/            one call with its attempts
    POST /api/v1/callbacks/<id>/calls/      log a call (the same services as the pages)
    POST /api/v1/ratings/                   the customer's own rating (no login: the private
                                            token, or the ticket number and the SMS code)

Writes accept an `Idempotency-Key` header: a retry with the same key gets the first answer
(`Idempotent-Replayed: true`); the same key with another body is refused (422). Errors have
the one shape of tickets.api_errors.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from tickets.errors import DomainError, NotFound
from tickets.models import Ticket
from tickets.permissions import api_role
from tickets.roles import STAFF_DESK_ROLES, Role, roles_of
from tickets.serializers import ErrorOutput

from . import selectors_callbacks as sel
from .models import ApiReplay, CallAttempt, Callback, Survey
from .services.call_logging import deep_callback_log, follow_up_log
from .services.checkbacks import check_back_log
from .services.links import rating_code_matches
from .services.ratelimit import code_blocked, code_failed, code_keys
from .services.surveys import survey_submit

IDEMPOTENCY_HEADER = "Idempotency-Key"


class IdempotencyKeyReused(DomainError):
    status_code = 422
    default_code = "idempotency_key_reused"


# --- serializers -----------------------------------------------------------------------------


class SurveyInput(serializers.Serializer):
    speed = serializers.IntegerField(min_value=1, max_value=5)
    attitude = serializers.IntegerField(min_value=1, max_value=5)
    quality = serializers.IntegerField(min_value=1, max_value=5)
    fixed = serializers.BooleanField()
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CallInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallAttempt.Outcome.choices)
    result = serializers.ChoiceField(
        choices=Callback.Result.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    survey = SurveyInput(required=False, allow_null=True, default=None)


class RatingInput(SurveyInput):
    token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=[
            (c.value, c.label)
            for c in (
                Survey.Channel.API,
                Survey.Channel.TRACKING_PAGE,
                Survey.Channel.QR_CODE,
                Survey.Channel.SMS_CODE,
            )
        ],
        default=Survey.Channel.API,
    )

    def validate(self, attrs):
        if not attrs["token"] and not (attrs["number"] and attrs["code"]):
            raise serializers.ValidationError(
                {"token": [_("Give the private token, or the ticket number and the code.")]}
            )
        return attrs


class AttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    outcome = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class CallbackOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    state = serializers.CharField()
    ticket = serializers.CharField(source="ticket.number")
    area = serializers.CharField(source="area.code")
    due_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    result = serializers.CharField()
    skip_reason = serializers.CharField()


class CallbackDetailOutput(CallbackOutput):
    call_attempts = AttemptOutput(many=True)


class RatingOutput(serializers.Serializer):
    ticket = serializers.CharField(source="ticket.number")
    channel = serializers.CharField()
    speed = serializers.IntegerField()
    attitude = serializers.IntegerField()
    quality = serializers.IntegerField()
    fixed = serializers.BooleanField()
    created_at = serializers.DateTimeField()


# --- idempotency -----------------------------------------------------------------------------


def _hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.path}\n{body}".encode()).hexdigest()


def idempotent(request, scope: str, run) -> Response:
    """Run `run() -> (status, body)` once per key: the answer is stored with the key in the
    same transaction; a racing retry waits on the key's constraint and replays it."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        status, body = run()
        return Response(body, status=status)
    if len(key) > 255:
        raise DomainError(_("Use at most 255 characters."), field=IDEMPOTENCY_HEADER)
    digest = _hash(request)

    def replay():
        row = ApiReplay.objects.filter(scope=scope, key=key).first()
        if row is None:
            return None
        if row.request_hash != digest:
            raise IdempotencyKeyReused(
                _("This Idempotency-Key was already used with a different request."),
                field=IDEMPOTENCY_HEADER,
            )
        return Response(row.body, status=row.status_code, headers={"Idempotent-Replayed": "true"})

    answer = replay()
    if answer is not None:
        return answer
    try:
        with transaction.atomic():
            status, body = run()
            ApiReplay.objects.create(
                scope=scope, key=key, request_hash=digest, status_code=status, body=body
            )
    except IntegrityError:
        answer = replay()
        if answer is None:
            raise
        return answer
    return Response(body, status=status)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key per logical request: a retry with it gets the first answer.",
)
ERRORS = {
    400: OpenApiResponse(ErrorOutput, description="Invalid input; `fields` names each field."),
    401: OpenApiResponse(ErrorOutput, description="Not logged in."),
    403: OpenApiResponse(ErrorOutput, description="Your role may not do this."),
    404: OpenApiResponse(ErrorOutput, description="Unknown, or not yours to see."),
    409: OpenApiResponse(ErrorOutput, description="Already done (call finished, job rated)."),
    422: OpenApiResponse(ErrorOutput, description="Idempotency-Key reused."),
}


def _detail(callback: Callback) -> dict:
    callback = (
        Callback.objects.select_related("ticket", "area")
        .prefetch_related("call_attempts")
        .get(pk=callback.pk)
    )
    return CallbackDetailOutput(callback).data


# --- views -----------------------------------------------------------------------------------


class CallbackQueueQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Callback.Kind.choices, required=False, allow_blank=True)
    area = serializers.IntegerField(min_value=1, required=False)
    centre = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="A call centre (supervisors; desk staff work their own).",
    )


class CallbackQueueApi(APIView):
    permission_classes = [api_role(*STAFF_DESK_ROLES)]

    @extend_schema(
        operation_id="callbacks_queue",
        summary="Calls due now, most urgent first",
        parameters=[CallbackQueueQuery],
        responses={200: CallbackOutput(many=True), 401: ERRORS[401], 403: ERRORS[403]},
        tags=["callbacks"],
    )
    def get(self, request):
        query = CallbackQueueQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind = query.validated_data.get("kind")
        kinds = (kind,) if kind else sel.DESK_KINDS
        area_id = query.validated_data.get("area")
        # as the page: the centre filter is the supervisors' (desk staff see their own)
        centre_id = query.validated_data.get("centre")
        if not roles_of(request.user) & {Role.SUPERVISOR, Role.ADMIN}:
            centre_id = None
        rows = sel.callback_queue(
            user=request.user, now=timezone.now(), kinds=kinds, area_id=area_id, centre_id=centre_id
        )
        return Response(CallbackOutput(rows, many=True).data)


class CallbackDetailApi(APIView):
    permission_classes = [api_role(*STAFF_DESK_ROLES)]

    @extend_schema(
        operation_id="callbacks_detail",
        summary="One call with its attempts",
        responses={200: CallbackDetailOutput, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
        tags=["callbacks"],
    )
    def get(self, request, callback_id: int):
        callback = sel.callback_get_for_user(user=request.user, callback_id=callback_id)
        return Response(_detail(callback))


class CallbackCallApi(APIView):
    permission_classes = [api_role(*STAFF_DESK_ROLES)]

    @extend_schema(
        operation_id="callbacks_log_call",
        summary="Log a call: check-back result, follow-up survey or deep-callback outcome",
        description="Reached: a check-back needs `result` (fixed, not_fixed, will_call_back); "
        "a follow-up needs `survey`; a deep callback needs `result` (apologised, "
        "revisit_booked, compensation, complaint_opened) and `note`. Busy and no answer are "
        "retried by policy; a wrong number closes the call as unreachable.",
        request=CallInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: CallbackDetailOutput, **ERRORS},
        tags=["callbacks"],
    )
    def post(self, request, callback_id: int):
        callback = sel.callback_get_for_user(user=request.user, callback_id=callback_id)
        data = CallInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data

        def run():
            common = {"callback": callback, "outcome": d["outcome"], "actor": request.user}
            if callback.kind == Callback.Kind.CHECK_BACK:
                done = check_back_log(**common, result=d["result"], note=d["note"])
            elif callback.kind == Callback.Kind.DEEP:
                done = deep_callback_log(**common, result=d["result"], note=d["note"])
            else:
                done = follow_up_log(**common, note=d["note"], survey=d["survey"])
            return 200, _detail(done)

        return idempotent(request, f"user:{request.user.pk}", run)


class RatingThrottle(AnonRateThrottle):
    scope = "customer_rating"
    rate = "30/hour"


class RatingApi(APIView):
    """The customer's own rating, without login. One per job: the first complete answer wins;
    a later one is refused (409, `already_rated`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RatingThrottle]

    @extend_schema(
        operation_id="ratings_create",
        summary="Rate a completed job (customer, no login)",
        request=RatingInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: RatingOutput,
            400: ERRORS[400],
            404: OpenApiResponse(ErrorOutput, description="Unknown token, number or code."),
            409: ERRORS[409],
            422: ERRORS[422],
            429: OpenApiResponse(ErrorOutput, description="Too many tries."),
        },
        tags=["callbacks"],
    )
    def post(self, request):
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        ticket = self._ticket(request, d)
        answers = {k: d[k] for k in ("speed", "attitude", "quality", "fixed", "comment")}

        def run():
            survey = survey_submit(ticket=ticket, channel=d["channel"], answers=answers)
            return 201, RatingOutput(survey).data

        return idempotent(request, f"ticket:{ticket.pk}", run)

    def _ticket(self, request, d) -> Ticket:
        if d["token"]:
            ticket = Ticket.objects.filter(public_token=d["token"]).first()
            if ticket is None:
                raise NotFound(_("Ticket not found."), field="token")
            return ticket
        keys = code_keys(remote_addr=request.META.get("REMOTE_ADDR", ""), number=d["number"])
        if code_blocked(keys):
            raise TooManyTries(_("Too many wrong codes. Try again later."), field="code")
        ticket = Ticket.objects.filter(number=d["number"].strip().upper()).first()
        if ticket is None or not rating_code_matches(ticket, d["code"]):
            code_failed(keys)
            raise NotFound(_("The ticket number or the code is not right."), field="code")
        return ticket


class TooManyTries(DomainError):
    status_code = 429
    default_code = "too_many_tries"
