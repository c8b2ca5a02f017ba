"""REST endpoints for dispatchers and for engineers' apps: the same services as the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets import text_limits
from tickets.permissions import api_role
from tickets.roles import DISPATCHING_ROLES, Role
from tickets.selectors import ticket_get_for_user

from . import selectors, services
from .models import TAKE_BACK_REASONS, Appointment, Assignment
from .rules import Rule, rule_label

Dispatching = api_role(*DISPATCHING_ROLES)
EngineerRole = api_role(Role.ENGINEER)


class AssignmentOut(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number")
    engineer_name = serializers.CharField(source="engineer.display_name")
    engineer_username = serializers.CharField(source="engineer.user.username")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "engineer",
            "engineer_name",
            "engineer_username",
            "state",
            "created_at",
            "accept_due_at",
            "accepted_at",
            "ended_at",
            "end_reason",
            "stage",
            "score",
            "end_code",
            "manual",
            "manual_reason",
            "overridden_rules",
            "candidates",
        ]


class EngineerAssignmentOut(AssignmentOut):
    """What the engineer gets back: their own assignment, without the ranking of their
    colleagues or the dispatcher's notes (those are for dispatchers)."""

    class Meta(AssignmentOut.Meta):
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "engineer",
            "engineer_name",
            "engineer_username",
            "state",
            "created_at",
            "accept_due_at",
            "accepted_at",
            "ended_at",
            "end_reason",
            "end_code",
        ]


class AppointmentOut(serializers.ModelSerializer):
    class Meta:
        model = Appointment
        fields = ["id", "ticket", "window_start", "window_end", "state", "customer_consent"]


def _assignment(a: Assignment, code=status.HTTP_201_CREATED, out=AssignmentOut) -> Response:
    a = Assignment.objects.select_related("ticket", "engineer__user").get(pk=a.pk)
    return Response(out(a).data, status=code)


# --- dispatchers ------------------------------------------------------------------------


class AutoDispatchApi(APIView):
    permission_classes = [Dispatching]

    @extend_schema(
        request=None,
        responses={201: AssignmentOut},
        description="Dispatch now. 409 when the ticket is already assigned; 200 with "
        '{"assigned": false, "reason": ...} when nobody can take it.',
    )
    def post(self, request, ticket_id: int):
        ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
        assignment = services.ticket_dispatch_auto(ticket_id=ticket.pk, actor=None)
        if assignment is None:
            entry = selectors.queue_entry(ticket)
            return Response(
                {"assigned": False, "reason": entry.reason if entry else ""},
                status=status.HTTP_200_OK,
            )
        return _assignment(assignment)


class ManualAssignApi(APIView):
    permission_classes = [Dispatching]

    class ManualAssignIn(serializers.Serializer):
        engineer_id = serializers.IntegerField()
        reason = serializers.CharField(max_length=1000)
        confirm_rules = serializers.ListField(
            child=serializers.ChoiceField(choices=Rule.choices), required=False, default=list
        )

    @extend_schema(
        request=ManualAssignIn,
        responses={201: AssignmentOut},
        description="An engineer the automatic dispatch would pass over is assigned only "
        "when every broken rule is listed in confirm_rules; otherwise 400 with code "
        '"confirmation_required" and "rules": [{"code", "label"}].',
    )
    def post(self, request, ticket_id: int):
        ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
        data = self.ManualAssignIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            assignment = services.ticket_assign_manual(
                ticket_id=ticket.pk,
                engineer_id=data.validated_data["engineer_id"],
                reason=data.validated_data["reason"],
                confirm_rules=data.validated_data["confirm_rules"],
                actor=request.user,
            )
        except services.OverrideNeeded as exc:
            body = {
                "code": exc.code,
                "message": exc.message,
                "fields": {exc.field: [exc.message]},
                "rules": [{"code": code, "label": rule_label(code)} for code in exc.rules],
            }
            return Response({"error": body}, status=exc.status_code)
        return _assignment(assignment)


class RedispatchApi(APIView):
    permission_classes = [Dispatching]

    class RedispatchIn(serializers.Serializer):
        reason_code = serializers.ChoiceField(choices=[c.value for c in TAKE_BACK_REASONS])
        detail = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    @extend_schema(
        request=RedispatchIn,
        responses={200: AssignmentOut},
        description="Take the job from its engineer with a reason code and dispatch it "
        "again (never to that engineer). 409 when no engineer holds it.",
    )
    def post(self, request, ticket_id: int):
        ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
        data = self.RedispatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        nxt = services.assignment_take_back(
            ticket_id=ticket.pk,
            reason_code=data.validated_data["reason_code"],
            detail=data.validated_data["detail"],
            actor=request.user,
        )
        if nxt is None:
            return Response({"assigned": False}, status=status.HTTP_200_OK)
        return _assignment(nxt, status.HTTP_200_OK)


class AssignmentsApi(APIView):
    permission_classes = [Dispatching]

    @extend_schema(responses={200: AssignmentOut(many=True)})
    def get(self, request, ticket_id: int):
        ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
        rows = selectors.assignment_history(ticket=ticket)
        return Response(AssignmentOut(rows, many=True).data)


class WindowIn(serializers.Serializer):
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()


class RescheduleIn(WindowIn):
    customer_consent = serializers.BooleanField()
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limits.REASON
    )


class DispatcherRescheduleApi(APIView):
    permission_classes = [Dispatching]

    @extend_schema(request=RescheduleIn, responses={200: AppointmentOut})
    def post(self, request, ticket_id: int):
        ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
        data = RescheduleIn(data=request.data)
        data.is_valid(raise_exception=True)
        appt = services.appointment_reschedule(
            ticket_id=ticket.pk, actor=request.user, **data.validated_data
        )
        return Response(AppointmentOut(appt).data)


class ManualShareDayOut(serializers.Serializer):
    day = serializers.DateField()
    total = serializers.IntegerField()
    manual = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class ManualShareQuery(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=90, default=7)


class ManualShareApi(APIView):
    permission_classes = [Dispatching]

    @extend_schema(parameters=[ManualShareQuery], responses={200: ManualShareDayOut(many=True)})
    def get(self, request):
        query = ManualShareQuery(data=request.GET)
        query.is_valid(raise_exception=True)
        rows = selectors.manual_share_by_day(days=query.validated_data["days"])
        return Response(ManualShareDayOut(rows, many=True).data)


# --- engineers --------------------------------------------------------------------------


class JobOut(serializers.Serializer):
    ticket_id = serializers.IntegerField(source="ticket.pk")
    number = serializers.CharField(source="ticket.number")
    status = serializers.CharField(source="ticket.status")
    priority = serializers.CharField(source="ticket.priority")
    category = serializers.CharField(source="ticket.appliance.category")
    fault_description = serializers.CharField(source="ticket.fault_description")
    address = serializers.CharField(source="ticket.address.line")
    assignment_state = serializers.CharField(source="assignment.state")
    accept_due_at = serializers.DateTimeField(source="assignment.accept_due_at")
    accept_minutes = serializers.IntegerField(source="assignment.accept_minutes", allow_null=True)
    window_start = serializers.DateTimeField(source="appointment.window_start", default=None)
    window_end = serializers.DateTimeField(source="appointment.window_end", default=None)


class EngineerApi(APIView):
    permission_classes = [EngineerRole]

    def engineer(self):
        return selectors.engineer_for_user(self.request.user)

    def job(self, ticket_id):
        engineer = self.engineer()
        ticket = selectors.ticket_get_for_engineer(engineer=engineer, ticket_id=ticket_id)
        return engineer, ticket


class JobsApi(EngineerApi):
    @extend_schema(responses={200: JobOut(many=True)})
    def get(self, request):
        jobs = selectors.engineer_jobs(engineer=self.engineer())
        flat = jobs["today"] + [j for _day, day_jobs in jobs["later"] for j in day_jobs]
        return Response(JobOut(flat, many=True).data)


class JobDetailApi(EngineerApi):
    class Out(JobOut):
        customer_name = serializers.CharField(source="ticket.customer.name")
        customer_mobile = serializers.CharField(source="ticket.customer.mobile")
        lat = serializers.FloatField(source="ticket.address.lat", allow_null=True)
        lng = serializers.FloatField(source="ticket.address.lng", allow_null=True)
        warranty = serializers.JSONField(source="ticket.warranty_detail")
        model_number = serializers.CharField(source="ticket.appliance.model_number")

    @extend_schema(responses={200: Out})
    def get(self, request, ticket_id: int):
        engineer, ticket = self.job(ticket_id)
        a = selectors.live_assignment_for_engineer(engineer=engineer, ticket=ticket)
        job = selectors.Job(ticket=ticket, assignment=a, appointment=(a.booked or [None])[0])
        return Response(self.Out(job).data)


class AcceptApi(EngineerApi):
    @extend_schema(request=None, responses={200: EngineerAssignmentOut})
    def post(self, request, ticket_id: int):
        engineer = self.engineer()
        a = services.assignment_accept(engineer=engineer, ticket_id=ticket_id)
        return _assignment(a, status.HTTP_200_OK, out=EngineerAssignmentOut)


class DeclineApi(EngineerApi):
    class DeclineIn(serializers.Serializer):
        reason = serializers.CharField(max_length=text_limits.REASON)

    @extend_schema(request=DeclineIn, responses={200: EngineerAssignmentOut})
    def post(self, request, ticket_id: int):
        data = self.DeclineIn(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.assignment_decline(
            engineer=self.engineer(), ticket_id=ticket_id, reason=data.validated_data["reason"]
        )
        return _assignment(a, status.HTTP_200_OK, out=EngineerAssignmentOut)


class CallApi(EngineerApi):
    class CallIn(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=services.CALL_OUTCOMES)
        note = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=text_limits.NOTE
        )

    @extend_schema(request=CallIn, responses={201: None})
    def post(self, request, ticket_id: int):
        data = self.CallIn(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.customer_call_log(
            engineer=self.engineer(), ticket_id=ticket_id, **data.validated_data
        )
        return Response(
            {"event_id": event.pk, "kind": event.kind, "data": event.data},
            status=status.HTTP_201_CREATED,
        )


class BookApi(EngineerApi):
    @extend_schema(request=WindowIn, responses={201: AppointmentOut})
    def post(self, request, ticket_id: int):
        data = WindowIn(data=request.data)
        data.is_valid(raise_exception=True)
        appt = services.appointment_book(
            engineer=self.engineer(), ticket_id=ticket_id, **data.validated_data
        )
        return Response(AppointmentOut(appt).data, status=status.HTTP_201_CREATED)


class EngineerRescheduleApi(EngineerApi):
    @extend_schema(request=RescheduleIn, responses={200: AppointmentOut})
    def post(self, request, ticket_id: int):
        data = RescheduleIn(data=request.data)
        data.is_valid(raise_exception=True)
        engineer = self.engineer()
        appt = services.appointment_reschedule(
            ticket_id=ticket_id, actor=request.user, engineer=engineer, **data.validated_data
        )
        return Response(AppointmentOut(appt).data)


class OnMyWayApi(EngineerApi):
    class OnMyWayIn(serializers.Serializer):
        eta_minutes = serializers.IntegerField(min_value=1, max_value=600)

    @extend_schema(request=OnMyWayIn, responses={200: None})
    def post(self, request, ticket_id: int):
        data = self.OnMyWayIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.engineer_on_my_way(
            engineer=self.engineer(), ticket_id=ticket_id, **data.validated_data
        )
        ticket = selectors.ticket_get_for_engineer(engineer=self.engineer(), ticket_id=ticket_id)
        eta = ticket.events.filter(to_status="en_route").order_by("-created_at").first()
        return Response({"status": ticket.status, "eta": eta.data.get("eta") if eta else None})
