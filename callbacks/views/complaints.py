"""Complaint pages: QA's queue, one complaint with its next steps, logging one from the desk
ticket page, and the customer's own form on the tracking page."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tickets import text_limits
from tickets.errors import DomainError, NotFound
from tickets.forms import form_add_domain_error
from tickets.models import Ticket
from tickets.permissions import role_required
from tickets.roles import Role, roles_of
from tickets.selectors import ticket_get_by_token, ticket_get_for_user
from tickets.sla.models import ClockKind, SlaClock
from tickets.text_limits import text_check

from .. import selectors_complaints as selectors
from ..models import (
    Complaint,
    ComplaintCategory,
    ComplaintSource,
    Remedy,
    RootCause,
    Severity,
)
from ..services.complaints import (
    COMPLAINT_CLOCKS,
    allowed_moves,
    complaint_clocks,
    complaint_move,
    complaint_open,
    may_move,
)

QA_ROLES = (Role.QUALITY, Role.SUPERVISOR, Role.ADMIN)
COMPLAINT_ROLES = (*QA_ROLES, Role.AGENT, Role.DISPATCHER)
qa_only = role_required(*QA_ROLES)
complaint_staff = role_required(*COMPLAINT_ROLES)


def _choices(enum, blank: bool = False):
    return ([("", "—")] if blank else []) + list(enum.choices)


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("About"), choices=ComplaintCategory.choices)
    remedy_wanted = forms.ChoiceField(
        label=gettext_lazy("Remedy the customer wants"), choices=_choices(Remedy, blank=True)
    )
    description = forms.CharField(
        label=gettext_lazy("What the customer says"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    part_batch = forms.CharField(
        label=gettext_lazy("Part batch (if a part is at fault)"), max_length=64, required=False
    )


class CustomerComplaintForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("About"), choices=ComplaintCategory.choices)
    remedy_wanted = forms.ChoiceField(
        label=gettext_lazy("What would put it right for you?"), choices=Remedy.choices
    )
    description = forms.CharField(
        label=gettext_lazy("Tell us what went wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _qa_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.QUALITY)
        .order_by("username")
    )


class StepForm(forms.Form):
    """Every step's fields; the service checks which ones the chosen step needs."""

    to = forms.ChoiceField(choices=Complaint.State.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=_choices(Severity, blank=True), required=False
    )
    safety_risk = forms.BooleanField(label=gettext_lazy("Safety risk"), required=False)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Quality-assurance owner"),
        queryset=None,
        required=False,
    )
    findings = forms.CharField(
        label=gettext_lazy("Investigation findings"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    response = forms.CharField(
        label=gettext_lazy("Response to the customer"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remedy_offered = forms.ChoiceField(
        label=gettext_lazy("Remedy offered"), choices=_choices(Remedy, blank=True), required=False
    )
    root_cause = forms.ChoiceField(
        label=gettext_lazy("Root cause"), choices=_choices(RootCause, blank=True), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _qa_users()


# Which fields each step's form shows.
STEP_FIELDS = {
    Complaint.State.ASSESSED: ["severity", "safety_risk", "note"],
    Complaint.State.INVESTIGATING: ["owner", "note"],
    Complaint.State.RESPONDED: ["findings", "response", "remedy_offered", "note"],
    Complaint.State.ACCEPTED: ["note"],
    Complaint.State.REJECTED: ["note"],
    Complaint.State.CLOSED: ["root_cause", "note"],
}


def _move_label(complaint: Complaint, to: str) -> str:
    if complaint.state == Complaint.State.CLOSED and to == Complaint.State.INVESTIGATING:
        return _("Reopen")
    return {
        Complaint.State.ASSESSED: _("Assess"),
        Complaint.State.INVESTIGATING: _("Investigate"),
        Complaint.State.RESPONDED: _("Respond to the customer"),
        Complaint.State.ACCEPTED: _("The customer accepted"),
        Complaint.State.REJECTED: _("The customer did not accept"),
        Complaint.State.CLOSED: _("Close"),
    }.get(to, str(Complaint.State(to).label))


def _or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from None


def _clocks_by_complaint(complaints) -> dict[int, dict[str, SlaClock]]:
    """The current clock of each kind per complaint, in one query."""
    if not complaints:
        return {}
    out: dict[int, dict[str, SlaClock]] = {c.pk: {} for c in complaints}
    clocks = SlaClock.objects.filter(
        ticket_id__in={c.ticket_id for c in complaints},
        kind__in=COMPLAINT_CLOCKS,
        ref__in=[str(c.pk) for c in complaints],
    ).order_by("started_at", "id")
    for clock in clocks:
        if clock.ref.isdigit() and int(clock.ref) in out:
            out[int(clock.ref)][clock.kind] = clock  # the latest wins (a reopen's clock)
    return out


@require_GET
@qa_only
def complaint_queue(request):
    state = request.GET.get("state", "")
    state = state if state in Complaint.State.values else ""
    rows = selectors.complaint_queue(user=request.user, state=state)
    clocks = _clocks_by_complaint(rows)
    for c in rows:
        c.response_clock = clocks[c.pk].get(ClockKind.COMPLAINT_RESPONSE)
        c.solution_clock = clocks[c.pk].get(ClockKind.COMPLAINT_RESOLUTION)
        c.customer_view = selectors.customer_view(request.user, c.ticket.customer)
        # A list needs no phone numbers: masked for everyone.
        c.customer_view["mobile"] = c.ticket.customer.masked_mobile
    return render(
        request,
        "complaints/queue.html",
        {"rows": rows, "state": state, "states": Complaint.State.choices},
    )


def _detail_context(request, complaint: Complaint, *, form=None, form_to="") -> dict:
    moves = []
    for to in allowed_moves(complaint.state):
        if not may_move(request.user, complaint, to):
            continue
        step_form = (
            form
            if (form is not None and form_to == to)
            else StepForm(initial={"to": to}, auto_id=f"id_{to}_%s")
        )
        moves.append(
            {
                "to": to,
                "label": _move_label(complaint, to),
                "form": step_form,
                "fields": [step_form[name] for name in STEP_FIELDS.get(to, ["note"])],
                "open": form_to == to,
            }
        )
    return {
        "complaint": complaint,
        "ticket": complaint.ticket,
        "customer": selectors.customer_view(request.user, complaint.ticket.customer),
        "clocks": complaint_clocks(complaint),
        "steps": list(complaint.steps.select_related("actor")),
        "moves": moves,
        "can_see_ticket": bool(
            roles_of(request.user) & {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
        ),
    }


@require_GET
@complaint_staff
def complaint_detail(request, complaint_id: int):
    complaint = _or_404(
        selectors.complaint_get_for_user, user=request.user, complaint_id=complaint_id
    )
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


@require_POST
@complaint_staff
def complaint_step(request, complaint_id: int):
    complaint = _or_404(
        selectors.complaint_get_for_user, user=request.user, complaint_id=complaint_id
    )
    to = request.POST.get("to", "")
    to = to if to in Complaint.State.values else ""
    form = StepForm(request.POST, auto_id=f"id_{to}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint_move(
                complaint=complaint,
                to=data["to"],
                actor=request.user,
                note=data["note"],
                severity=data["severity"],
                safety_risk=data["safety_risk"],
                owner=data["owner"],
                findings=data["findings"],
                response=data["response"],
                remedy_offered=data["remedy_offered"],
                root_cause=data["root_cause"],
            )
        except DomainError as exc:
            if exc.field == "to":
                exc.field = None
            form_add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(ref)s is now “%(step)s”.")
                % {"ref": complaint.reference, "step": complaint.get_state_display()},
            )
            return redirect("complaint_detail", complaint_id=complaint.pk)
    context = _detail_context(request, complaint, form=form, form_to=to)
    context["action_errors"] = form.non_field_errors()
    return render(request, "complaints/detail.html", context, status=422)


def _ticket_for(user, ticket_id: int) -> Ticket:
    if roles_of(user) & selectors.ALL_COMPLAINTS:
        ticket = Ticket.objects.select_related("customer", "appliance").filter(pk=ticket_id)
        ticket = ticket.first()
        if ticket is None:
            raise Http404
        return ticket
    return _or_404(ticket_get_for_user, user=user, ticket_id=ticket_id)


@complaint_staff
def complaint_new(request, ticket_id: int):
    """Log a complaint from the desk ticket page (the agent on the phone with the customer)."""
    ticket = _ticket_for(request.user, ticket_id)
    form = ComplaintForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = complaint_open(
                    ticket=ticket,
                    source=ComplaintSource.AGENT,
                    remedy_wanted=data["remedy_wanted"],
                    description=data["description"],
                    category=data["category"],
                    part_batch=data["part_batch"],
                    actor=request.user,
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Complaint %(ref)s received; the customer has been sent an acknowledgement.")
                    % {"ref": complaint.reference},
                )
                return redirect("complaint_detail", complaint_id=complaint.pk)
    existing = list(selectors.complaint_queryset_for_user(request.user).filter(ticket=ticket))
    return render(
        request,
        "complaints/new.html",
        {"ticket": ticket, "form": form, "existing": existing},
        status=status,
    )


@require_POST
def complaint_from_customer(request, token: str):
    """The customer's tracking page: no login; only their own ticket, one open complaint."""
    ticket = _or_404(ticket_get_by_token, token=token)
    form = CustomerComplaintForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint_open(
                ticket=ticket,
                source=ComplaintSource.CUSTOMER,
                remedy_wanted=data["remedy_wanted"],
                description=data["description"],
                category=data["category"],
                actor=None,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Thank you. We have received your complaint and will contact you.")
            )
    else:
        messages.error(request, _("Please tell us what went wrong (at most 2000 characters)."))
    return redirect("ticket_track", token=token)


@require_POST
def complaint_answer_from_customer(request, token: str, complaint_id: int):
    """The customer accepts our response, or not, on their tracking page."""
    ticket = _or_404(ticket_get_by_token, token=token)
    complaint = (
        Complaint.objects.filter(pk=complaint_id, ticket=ticket)
        .exclude(source=ComplaintSource.QA)
        .first()
    )
    if complaint is None:
        raise Http404
    answer = request.POST.get("answer", "")
    to = {"yes": Complaint.State.ACCEPTED, "no": Complaint.State.REJECTED}.get(answer)
    if to is None or complaint.state != Complaint.State.RESPONDED:
        messages.error(request, _("This complaint is not waiting for your answer."))
        return redirect("ticket_track", token=token)
    try:
        note = text_check(request.POST.get("note"), field="note", limit=text_limits.NOTE)
        complaint_move(complaint=complaint, to=to, actor=None, note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for your answer."))
    return redirect("ticket_track", token=token)
