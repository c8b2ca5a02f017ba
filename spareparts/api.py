"""The spare-parts API (mounted under /api/v1/parts/), for the engineer's app, scanners at
service points and the parts desk. Same services as the pages; errors in the one shape.

    POST /api/v1/parts/requests/                  a part for a job or a van refill
    POST /api/v1/parts/requests/<id>/decision/    the parts manager approves or rejects
    GET  /api/v1/parts/stock/?location=&q=        stock the caller may see
    GET  /api/v1/parts/locate/?sku=&ticket=       where the part is nearest to the job
    POST /api/v1/parts/receipts/                  goods in from a supplier
    POST /api/v1/parts/transfers/<id>/dispatch/   the parcel leaves
    POST /api/v1/parts/transfers/<id>/receive/    the parcel is scanned in

A part request needs an `Idempotency-Key` header (the form's key) and a receipt takes one:
a retry returns the first. Dispatch and receive are safe to repeat.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.errors import DomainError, NotFound
from tickets.onsite.selectors import job_get_for_engineer
from tickets.permissions import api_role
from tickets.roles import Role, has_role
from tickets.serializers import ErrorOutput

from .access import PARTS_MANAGING_ROLES, location_get_for_user, locations_for_user
from .models import PartRequest, Transfer
from .selectors import part_get_by_sku, part_locate, stock_for_locations
from .services import (
    part_request_create,
    part_request_decide,
    stock_receive,
    transfer_dispatch,
    transfer_receive,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


class PartRequestInput(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=20)
    ticket = serializers.IntegerField(required=False, help_text="The job's id; none: van refill")


class PartRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField(source="part.sku")
    quantity = serializers.IntegerField()
    purpose = serializers.CharField()
    status = serializers.CharField()
    source = serializers.CharField(source="source.name")
    source_reason = serializers.CharField()
    source_reason_text = serializers.CharField()
    rule = serializers.CharField(source="rule.name", default=None)
    travels = serializers.BooleanField()


class DecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StockOutput(serializers.Serializer):
    location = serializers.CharField(source="location.code")
    location_name = serializers.CharField(source="location.name")
    sku = serializers.CharField(source="part.sku")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class ReceiptInput(serializers.Serializer):
    location = serializers.IntegerField()
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    supplier = serializers.CharField(max_length=100)
    batch = serializers.CharField(max_length=64, required=False, allow_blank=True)
    serials = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=1000
    )


class DispatchInput(serializers.Serializer):
    serials = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=1000
    )


class TransferOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    eta = serializers.DateTimeField()
    source = serializers.CharField(source="source.name")
    destination = serializers.CharField(source="destination.name")
    sku = serializers.CharField(source="part.sku")
    quantity = serializers.IntegerField()


def _idempotency_key(request, *, required: bool = False) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 64 or (required and not key):
        raise DomainError(
            _("Send an Idempotency-Key header of 1 to 64 characters."),
            field=IDEMPOTENCY_HEADER,
        )
    return key


def _part(sku: str):
    part = part_get_by_sku(sku)
    if part is None:
        raise DomainError(_("No part with this SKU in the catalogue."), field="sku")
    return part


class PartRequestCreateApi(APIView):
    permission_classes = [api_role(Role.ENGINEER)]

    @extend_schema(
        request=PartRequestInput,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description=(
                    "The form's key, 1 to 64 characters: a retry answers as the first request."
                ),
            )
        ],
        responses={201: PartRequestOutput, 400: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput},
    )
    def post(self, request):
        data = PartRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        ticket = None
        if d.get("ticket"):
            try:
                ticket = job_get_for_engineer(user=request.user, ticket_id=d["ticket"])
            except NotFound as exc:
                exc.field = "ticket"
                raise
        key = _idempotency_key(request, required=True)
        part_request = part_request_create(
            engineer_user=request.user,
            sku=d["sku"],
            quantity=d["quantity"],
            ticket=ticket,
            request_key=key,
        )
        return Response(PartRequestOutput(part_request).data, status=http.HTTP_201_CREATED)


class PartRequestDecisionApi(APIView):
    permission_classes = [api_role(*PARTS_MANAGING_ROLES)]

    @extend_schema(request=DecisionInput, responses={200: PartRequestOutput, 409: ErrorOutput})
    def post(self, request, request_id: int):
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        part_request = get_object_or_404(PartRequest, pk=request_id)
        decided = part_request_decide(
            request=part_request,
            actor=request.user,
            approve=data.validated_data["approve"],
            note=data.validated_data.get("note", ""),
        )
        return Response(PartRequestOutput(decided).data)


class StockQuery(serializers.Serializer):
    location = serializers.IntegerField(required=False, min_value=1)
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="SKU or name"
    )


class StockApi(APIView):
    @extend_schema(
        parameters=[StockQuery], responses={200: StockOutput(many=True), 404: ErrorOutput}
    )
    def get(self, request):
        query = StockQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        locations = locations_for_user(request.user)
        if location_id := query.validated_data.get("location"):
            locations = [location_get_for_user(user=request.user, location_id=location_id)]
        rows = stock_for_locations(locations=locations, query=query.validated_data.get("q", ""))
        return Response(StockOutput(rows, many=True).data)


class LocateOutput(serializers.Serializer):
    location = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    available = serializers.IntegerField()
    km = serializers.FloatField()


class LocateQuery(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    ticket = serializers.IntegerField(min_value=1, help_text="The job's id")


class LocateApi(APIView):
    permission_classes = [api_role(Role.ENGINEER, Role.DISPATCHER, *PARTS_MANAGING_ROLES)]

    @extend_schema(
        parameters=[LocateQuery], responses={200: LocateOutput(many=True), 400: ErrorOutput}
    )
    def get(self, request):
        query = LocateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        part = _part(query.validated_data["sku"])
        ticket_id = query.validated_data["ticket"]
        from tickets.models import Ticket

        if has_role(request.user, Role.DISPATCHER, *PARTS_MANAGING_ROLES):
            ticket = get_object_or_404(Ticket.objects.select_related("address"), pk=ticket_id)
        else:  # an engineer: only their own jobs
            ticket = job_get_for_engineer(user=request.user, ticket_id=ticket_id)
        if not (ticket.address and ticket.address.lat is not None):
            raise DomainError(_("The job's address has no coordinates."), field="ticket")
        rows = part_locate(part=part, lat=ticket.address.lat, lng=ticket.address.lng)
        return Response(
            [
                {
                    "location": r["location"].code,
                    "name": r["location"].name,
                    "kind": r["location"].kind,
                    "available": r["available"],
                    "km": round(r["km"], 1),
                }
                for r in rows
            ]
        )


class ReceiptApi(APIView):
    permission_classes = [api_role(*PARTS_MANAGING_ROLES, Role.ENGINEER)]

    @extend_schema(request=ReceiptInput, responses={201: None, 400: ErrorOutput})
    def post(self, request):
        data = ReceiptInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            location = location_get_for_user(user=request.user, location_id=d["location"])
        except NotFound as exc:
            exc.field = "location"
            raise
        entry = stock_receive(
            location=location,
            part=_part(d["sku"]),
            quantity=d["quantity"],
            supplier=d["supplier"],
            batch=d.get("batch", ""),
            serials=d.get("serials", []),
            actor=request.user,
            request_key=_idempotency_key(request),
        )
        return Response({"ledger_entry": entry.pk}, status=http.HTTP_201_CREATED)


class TransferDispatchApi(APIView):
    @extend_schema(request=DispatchInput, responses={200: TransferOutput, 409: ErrorOutput})
    def post(self, request, transfer_id: int):
        data = DispatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = get_object_or_404(Transfer, pk=transfer_id)
        t = transfer_dispatch(
            transfer=transfer, actor=request.user, serials=data.validated_data.get("serials", [])
        )
        return Response(TransferOutput(t).data)


class TransferReceiveApi(APIView):
    @extend_schema(request=None, responses={200: TransferOutput, 409: ErrorOutput})
    def post(self, request, transfer_id: int):
        transfer = get_object_or_404(Transfer, pk=transfer_id)
        return Response(
            TransferOutput(transfer_receive(transfer=transfer, actor=request.user)).data
        )
