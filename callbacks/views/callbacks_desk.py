"""Desk pages of the callbacks side: the agents' queue of due calls, the page an agent works
one call on, the supervisors' deep callbacks and the tickets left hanging. Thin: parse,
call a selector or a service, render."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tickets.errors import DomainError, NotFound
from tickets.forms import form_add_domain_error
from tickets.lifecycle import close_reason_label
from tickets.permissions import role_required
from tickets.roles import STAFF_DESK_ROLES, SUPERVISING_ROLES
from tickets.selectors import service_areas_for_user

from .. import selectors_callbacks as sel
from ..models import Callback, Survey
from ..services.call_logging import deep_callback_log, follow_up_log
from ..services.checkbacks import check_back_log
from .callback_forms import CheckBackForm, DeepCallbackForm, FollowUpForm

desk_only = role_required(*STAFF_DESK_ROLES)
supervisors_only = role_required(*SUPERVISING_ROLES)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
@desk_only
def callback_queue(request):
    area_id = _int(request.GET.get("area"))
    centre_id = _int(request.GET.get("centre"))
    centres = sel.call_centre_choices(request.user)
    kind = request.GET.get("kind", "")
    kinds = (kind,) if kind in sel.DESK_KINDS else sel.DESK_KINDS
    rows = sel.callback_queue_rows(
        user=request.user,
        now=timezone.now(),
        kinds=kinds,
        area_id=area_id,
        centre_id=centre_id if centres is not None else None,
    )
    return render(
        request,
        "callbacks/queue.html",
        {
            "rows": rows,
            "areas": service_areas_for_user(request.user),
            "centres": centres,
            "kinds": [(k, Callback.Kind(k).label) for k in sel.DESK_KINDS],
            "filters": {"area": area_id, "centre": centre_id, "kind": kind},
            "work_prefix": _work_prefix(),
        },
    )


@require_GET
@supervisors_only
def deep_queue(request):
    rows = sel.callback_queue_rows(
        user=request.user, now=timezone.now(), kinds=(Callback.Kind.DEEP,), limit=100
    )
    return render(
        request,
        "callbacks/deep_queue.html",
        {"rows": rows, "work_prefix": _work_prefix()},
    )


def _work_prefix() -> str:
    """The work page's URL up to the id: one reverse() per page, not one per row."""
    return reverse("callback_work", args=[0])[:-2]


FORMS = {
    Callback.Kind.CHECK_BACK: CheckBackForm,
    Callback.Kind.FOLLOW_UP: FollowUpForm,
    Callback.Kind.DEEP: DeepCallbackForm,
}


def _apply(callback: Callback, form, actor) -> Callback:
    data = form.cleaned_data
    common = {"callback": callback, "outcome": data["outcome"], "actor": actor}
    if callback.kind == Callback.Kind.CHECK_BACK:
        return check_back_log(**common, result=data.get("result", ""), note=data["note"])
    if callback.kind == Callback.Kind.DEEP:
        return deep_callback_log(**common, result=data.get("result", ""), note=data["note"])
    survey = form.answers() if data["outcome"] == "reached" else None
    return follow_up_log(**common, note=data["note"], survey=survey)


@require_http_methods(["GET", "POST"])
@desk_only
def callback_work(request, callback_id: int):
    try:
        callback = sel.callback_get_for_user(user=request.user, callback_id=callback_id)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    form_class = FORMS[callback.kind]
    form = form_class(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                callback = _apply(callback, form, request.user)
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _done_message(callback))
                return redirect("callback_work", callback_id=callback.pk)
        status = 422
    ticket = callback.ticket
    return render(
        request,
        "callbacks/work.html",
        {
            "callback": callback,
            "ticket": ticket,
            "form": form,
            "summary": sel.job_summary(ticket),
            "attempts": list(callback.call_attempts.select_related("actor")),
            "survey": Survey.objects.filter(ticket=ticket).first(),
            "close_reason": close_reason_label(ticket.close_reason),
            "deep": list(ticket.callbacks.filter(kind=Callback.Kind.DEEP)),
            "now": timezone.now(),
        },
        status=status,
    )


def _done_message(callback: Callback) -> str:
    if callback.state == Callback.State.OPEN:
        return _("Call logged; try again from %(time)s.") % {
            "time": timezone.localtime(callback.next_attempt_at).strftime("%H:%M")
            if callback.next_attempt_at
            else "—"
        }
    if callback.state == Callback.State.UNREACHABLE:
        return _("Call logged; the customer could not be reached, the call is closed.")
    return _("Call logged: %(result)s.") % {"result": callback.get_result_display()}


@require_GET
@supervisors_only
def hanging_tickets(request):
    rows = sel.hanging_list(user=request.user)
    return render(request, "callbacks/hanging.html", {"rows": rows, "now": timezone.now()})
