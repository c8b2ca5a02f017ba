"""The supervisor live board: thin views over the SLA selectors and services."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from .. import hooks
from ..choices import Priority
from ..errors import DomainError, NotFound
from ..permissions import role_required
from ..roles import DISPATCHING_ROLES
from . import selectors, services


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filters(params: QueryDict) -> selectors.BoardFilters:
    priority, state = params.get("priority", ""), params.get("state", "")
    return selectors.BoardFilters(
        area=_int(params.get("area")),
        priority=priority if priority in Priority.values else "",
        service_point=_int(params.get("service_point")),
        state=state if state in selectors.STATES else "",
    )


def _query(filters: selectors.BoardFilters, *, with_state: bool = True) -> str:
    q = QueryDict(mutable=True)
    for key in ("area", "priority", "service_point") + (("state",) if with_state else ()):
        value = getattr(filters, key)
        if value:
            q[key] = value
    return q.urlencode()


@role_required(*DISPATCHING_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    part = request.GET.get("part") if request.htmx else None
    ctx = {"filters": filters, "query": _query(filters)}
    if part != "clocks":
        ctx["escalations"] = selectors.escalations_open(user=request.user, filters=filters)
    if part == "escalations":
        return render(request, "tickets/sla/board.html#escalations", ctx)
    if part in (None, "held"):
        ctx["held"] = selectors.notifications_held(user=request.user, filters=filters)
    if part == "held":
        return render(request, "tickets/sla/board.html#held", ctx)
    ctx.update(selectors.board(user=request.user, filters=filters))
    ctx["base_query"] = _query(filters, with_state=False)
    if part == "clocks":
        return render(request, "tickets/sla/board.html#clocks", ctx)
    ctx.update(
        areas=selectors.board_areas(request.user),
        priorities=Priority.choices,
        service_points=hooks.service_point_choices(request.user),
        # Other apps' sections (the tickets left hanging), rendered here.
        sections=[
            render_to_string(section["template"], section["context"], request=request)
            for section in hooks.board_sections(user=request.user)
        ],
    )
    return render(request, "tickets/sla/board.html", ctx)


@require_POST
@role_required(*DISPATCHING_ROLES)
def escalation_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        escalation = selectors.escalation_get_for_user(user=request.user, escalation_id=pk)
    except NotFound:
        raise Http404 from None
    error = None
    try:
        services.escalation_acknowledge(
            escalation=escalation, actor=request.user, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("supervisor_board")
    filters = _filters(QueryDict(request.POST.get("query", "")))
    rows = selectors.escalations_open(user=request.user, filters=filters)
    for esc in rows:  # a refused acknowledgement keeps what was typed, with the reason
        if error and esc.pk == pk:
            esc.error, esc.typed_note = error, request.POST.get("note", "")
    return render(
        request,
        "tickets/sla/board.html#escalations",
        {"escalations": rows, "query": _query(filters)},
    )
