"""Desk pages: the agent console, the ticket list and detail, and the customer's link.

Views are thin: parse a form, call a selector or a service, render. Every page checks
the role; every object comes through a selector that 404s for someone else's data."""

import datetime as dt
import os
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import (
    hooks,
    intake,
    masterdata,
    saved_filters,
    selectors,
    services,
    ticket_header,
    timeline,
)
from .choices import ApplianceCategory, Channel, Component, FaultClass, Priority
from .customer_requests.forms import CancelRequestForm, RescheduleRequestForm
from .customer_requests.selectors import customer_requests_of_ticket, open_request_kinds
from .customer_requests.services import requests_open_for
from .errors import DomainError, NotFound
from .exchanges.panel import ticket_panel as exchange_panel
from .extended_warranty.selectors import contracts_for_verdict
from .filters import SORTS, TicketFilterForm, priority_rank, sort_ordering
from .forms import (
    ApplianceForm,
    CancelForm,
    ContactForm,
    CustomerForm,
    FeeAcceptForm,
    NewCustomerForm,
    NoteForm,
    PriorityForm,
    RescheduleForm,
    ResolveRemotelyForm,
    SavedFilterForm,
    TicketForm,
    form_add_domain_error,
)
from .lifecycle import Status, allowed_roles
from .masking import mobile_masked
from .models import Customer, ExtendedWarrantyContract, Ticket
from .permissions import role_required
from .proofs import proof_content_type
from .roles import DISPATCHING_ROLES, STAFF_DESK_ROLES, Role, roles_of
from .sla import selectors as sla_selectors
from .warranty import add_months, appliance_warranty_verdict, intake_estimate, warranty_verdict

desk_only = role_required(*STAFF_DESK_ROLES)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from None


# --- the agent console ----------------------------------------------------------------


def _warranty_badges(appliances) -> dict[int, tuple[bool | None, object]]:
    """appliance id -> (in warranty or None when unknown, until), from the cached terms."""
    today = timezone.localdate()
    # Once per category: a category with no policy is not cached and is looked up again.
    terms_of = {c: masterdata.warranty_terms(c) for c in {a.category for a in appliances}}
    badges = {}
    for appliance in appliances:
        terms = terms_of[appliance.category]
        if appliance.purchase_date is None or terms is None or appliance.purchase_date > today:
            badges[appliance.pk] = (None, None)
            continue
        end = add_months(appliance.purchase_date, terms.whole_unit_months)
        badges[appliance.pk] = (today < end, end - dt.timedelta(days=1))
    # An extended warranty covering the whole unit today keeps the badge green.
    for appliance_id, ends_on in ExtendedWarrantyContract.objects.filter(
        appliance_id__in=[
            a.pk for a in appliances if a.has_extended_warranty and badges[a.pk][0] is False
        ],
        state="active",
        coverage="whole_unit",
        starts_on__lte=today,
        ends_on__gte=today,
    ).values_list("appliance_id", "ends_on"):
        badges[appliance_id] = (True, ends_on)
    return badges


def _customer_context(customer: Customer) -> dict:
    """The panel of a customer loaded by `selectors.console_customer` or `console_lookup`."""
    appliances = customer.panel_appliances
    badges = _warranty_badges(appliances)
    for appliance in appliances:
        appliance.badge_in, appliance.badge_until = badges[appliance.pk]
    history = customer.recent_tickets
    terminal = Status.terminal()
    status = _choice_labels(Status)
    category = _choice_labels(ApplianceCategory)
    open_by_appliance = {}
    for ticket in history:
        ticket.open_now = ticket.status not in terminal
        ticket.status_label = status.get(ticket.status, ticket.status)
        ticket.category_label = category.get(ticket.appliance.category, ticket.appliance.category)
        ticket.created_label = timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M")
        if ticket.open_now:
            open_by_appliance.setdefault(ticket.appliance_id, ticket)
    for appliance in appliances:
        appliance.open_ticket = open_by_appliance.get(appliance.pk)
    return {
        "customer": customer,
        "addresses": customer.panel_addresses,
        "appliances": appliances,
        "history": history,
        "detail_prefix": _detail_prefix(),
    }


def _choice_labels(choices) -> dict[str, str]:
    """value -> translated label, built once per request: `get_FOO_display` rebuilds and
    translates the whole choice list on every call."""
    return {k: str(v) for k, v in choices.choices}


def _url_prefix(name: str) -> str:
    """The URL of `name` (whose only argument is an id, last) up to the id: one reverse()
    per page rather than one per row."""
    return reverse(name, args=[0])[:-2]


def _detail_prefix() -> str:
    return _url_prefix("ticket_detail")


def _render_results(request, *, status: int = 200, push_phone: str | None = None, **context):
    response = render(request, "tickets/console.html#results", context, status=status)
    if push_phone:
        response["HX-Push-Url"] = f"{reverse('agent_console')}?{urlencode({'phone': push_phone})}"
    return response


def _render_panel(request, *, customer_id: int, work: str = "", status: int = 200, **extra):
    customer = _or_404(selectors.console_customer, user=request.user, customer_id=customer_id)
    return _render_results(
        request,
        status=status,
        push_phone=customer.national_number(),
        phone=customer.national_number(),
        customers=[customer],
        selected=_customer_context(customer),
        work=work,
        **extra,
    )


@require_GET
@desk_only
def agent_console(request):
    phone = (request.GET.get("phone") or "").strip()
    digits = _digits(phone)
    context = {"phone": phone, "customers": None, "selected": None, "search_error": ""}
    if phone:
        if len(digits) < 4:
            context["search_error"] = _("Type the full number or at least its last 4 digits.")
        else:
            customers = selectors.console_lookup(user=request.user, phone=digits)
            context["customers"] = customers
            if len(customers) == 1:
                context["selected"] = _customer_context(customers[0])
            elif customers:
                context["customer_prefix"] = _url_prefix("console_customer")
            elif not customers:
                context["new_customer_form"] = _new_customer_form(request, digits)
    if request.htmx and not request.htmx.boosted:
        return render(request, "tickets/console.html#results", context)
    return render(request, "tickets/console.html", context)


def _new_customer_form(request, digits: str = "", data=None) -> NewCustomerForm:
    areas = selectors.service_areas_for_user(request.user)
    initial = {"mobile": digits} if len(digits) >= 11 else {}
    suggested = intake.area_suggested(data.get("address_line", ""), areas) if data else None
    return NewCustomerForm(data, areas=areas, initial=initial, suggested=suggested)


@require_GET
@desk_only
def console_customer_new_area(request):
    """The area the typed address suggests, under the new-customer form's area field (an
    HTMX fragment while the agent types the address). Nothing is chosen for them."""
    areas = selectors.service_areas_for_user(request.user)
    form = NewCustomerForm(
        areas=areas,
        suggested=intake.area_suggested(request.GET.get("address_line", "")[:255], areas),
    )
    return render(request, "tickets/console.html#area_suggestion", {"form": form})


@require_GET
@desk_only
def console_customer(request, customer_id: int):
    return _render_panel(request, customer_id=customer_id)


def _on_file_context(request, customer: Customer) -> dict:
    """The customer a registration's number found: in full when the agent may see them,
    masked when they belong to another call centre."""
    visible = selectors.customer_queryset_for_user(request.user).filter(pk=customer.pk).exists()
    name = customer.name if visible else (customer.name[:1] + "**")
    return {
        "on_file": {
            "visible": visible,
            "pk": customer.pk if visible else None,
            "name": name,
            "mobile": customer.national_number() if visible else customer.masked_mobile,
        }
    }


@desk_only
def console_customer_new(request):
    if request.method != "POST":
        form = _new_customer_form(request, _digits(request.GET.get("phone", "")))
        return _render_results(request, new_customer_form=form, customers=[])
    form = _new_customer_form(request, data=request.POST)
    extra = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("on_file_action") == "add_address":
                customer = intake.customer_on_file(services.phone_normalize(data["mobile"]))
                if customer is None:
                    raise DomainError(_("No customer has this number any more."), field="mobile")
                intake.customer_address_add(
                    customer=customer,
                    line=data["address_line"],
                    area=data["area"],
                    contact_name=data["contact_name"] or data["name"],
                )
                flash = _("The address is added to the customer on file.")
            else:
                customer, _address = intake.customer_register(
                    name=data["name"],
                    mobile=data["mobile"],
                    address_line=data["address_line"],
                    area=data["area"],
                    duplicate_reason=data["duplicate_reason"],
                )
                flash = _("Customer saved. Now add the appliance.")
        except intake.CustomerOnFile as exc:
            extra = _on_file_context(request, exc.customer)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            return _render_panel(
                request,
                customer_id=customer.pk,
                work="appliance_form",
                appliance_form=ApplianceForm(),
                flash=flash,
            )
    return _render_results(request, new_customer_form=form, customers=[], status=422, **extra)


@desk_only
def console_customer_edit(request, customer_id: int):
    customer = _or_404(selectors.customer_get_for_user, user=request.user, customer_id=customer_id)
    areas = selectors.service_areas_for_user(request.user)
    address = customer.addresses.filter(is_default=True).first() or customer.addresses.first()
    if request.method == "POST":
        form = CustomerForm(request.POST, areas=areas)
        if form.is_valid():
            try:
                services.customer_update(
                    customer=customer,
                    name=form.cleaned_data["name"],
                    mobile=form.cleaned_data["mobile"],
                    address_line=form.cleaned_data["address_line"],
                    area=form.cleaned_data["area"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                return _render_panel(
                    request, customer_id=customer.pk, flash=_("Customer details saved.")
                )
        return _render_panel(
            request, customer_id=customer.pk, work="customer_form", customer_form=form, status=422
        )
    form = CustomerForm(
        areas=areas,
        initial={
            "name": customer.name,
            "mobile": customer.national_number(),
            "address_line": address.line if address else "",
            "area": address.area_id if address else None,
        },
    )
    return _render_panel(request, customer_id=customer.pk, work="customer_form", customer_form=form)


def _appliance_kwargs(form: ApplianceForm) -> dict:
    data = form.cleaned_data
    return {
        "category": data["category"],
        "brand": data["brand"],
        "model_number": data["model_number"],
        "serial_number": data["serial_number"],
        "purchase_date": data["purchase_date"],
        "purchase_channel": data["purchase_channel"],
        "proof_of_purchase": data.get("proof_of_purchase"),
    }


@desk_only
def console_appliance_new(request, customer_id: int):
    customer = _or_404(selectors.customer_get_for_user, user=request.user, customer_id=customer_id)
    if request.method == "POST":
        form = ApplianceForm(request.POST, request.FILES)
        serial_on_file = False
        if form.is_valid():
            try:
                appliance = _appliance_register_or_transfer(request, customer, form)
            except intake.SerialOnFile as exc:
                form_add_domain_error(form, exc)
                serial_on_file = exc.appliance.customer_id != customer.pk
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                return _ticket_form_panel(
                    request,
                    appliance,
                    TicketForm(),
                    flash=_("Appliance saved. Now describe the fault."),
                )
        return _render_panel(
            request,
            customer_id=customer.pk,
            work="appliance_form",
            appliance_form=form,
            serial_on_file=serial_on_file,
            status=422,
        )
    return _render_panel(
        request, customer_id=customer.pk, work="appliance_form", appliance_form=ApplianceForm()
    )


def _appliance_register_or_transfer(request, customer: Customer, form: ApplianceForm):
    """A new appliance, or, when the agent gave a transfer reason, the record on file with
    this serial number put on this customer (recorded)."""
    reason = form.cleaned_data.get("transfer_reason")
    if reason:
        on_file = intake.appliance_on_file(form.cleaned_data["serial_number"])
        if on_file is not None:
            return intake.appliance_transfer(
                appliance=on_file, to_customer=customer, reason=reason, actor=request.user
            )
    return intake.appliance_register(
        customer=customer, actor=request.user, **_appliance_kwargs(form)
    )


@desk_only
def console_appliance_edit(request, appliance_id: int):
    appliance = _or_404(
        selectors.appliance_get_for_user, user=request.user, appliance_id=appliance_id
    )
    if request.method == "POST":
        form = ApplianceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.appliance_update(appliance=appliance, **_appliance_kwargs(form))
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                return _render_panel(
                    request, customer_id=appliance.customer_id, flash=_("Appliance saved.")
                )
        return _render_panel(
            request,
            customer_id=appliance.customer_id,
            work="appliance_form",
            appliance_form=form,
            editing_appliance=appliance,
            status=422,
        )
    form = ApplianceForm(
        initial={
            "category": appliance.category,
            "brand": appliance.brand,
            "model_number": appliance.model_number,
            "serial_number": appliance.serial_number,
            "purchase_date": appliance.purchase_date,
            "purchase_channel": appliance.purchase_channel,
        }
    )
    return _render_panel(
        request,
        customer_id=appliance.customer_id,
        work="appliance_form",
        appliance_form=form,
        editing_appliance=appliance,
    )


@require_GET
@desk_only
def console_appliance_proof(request, appliance_id: int):
    """The proof of purchase, only to desk staff who may see the customer."""
    appliance = _or_404(
        selectors.appliance_get_for_user, user=request.user, appliance_id=appliance_id
    )
    if not appliance.proof_of_purchase:
        raise Http404("No proof of purchase.")
    name = appliance.proof_of_purchase.name
    # Downloaded, never shown inline: a stored file can then run nothing in the page's origin.
    response = FileResponse(
        appliance.proof_of_purchase.open("rb"),
        as_attachment=True,
        filename=f"proof-{appliance.pk}{os.path.splitext(name)[1].lower()}",
        content_type=proof_content_type(name),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _verdict_context(
    *,
    category: str,
    purchase_date,
    fault_class: str,
    service_type: str = "repair",
    appliance=None,
) -> dict:
    if appliance is not None:
        verdict = appliance_warranty_verdict(appliance=appliance, on=timezone.localdate())
    else:
        verdict = warranty_verdict(
            category=category, purchase_date=purchase_date, on=timezone.localdate()
        )
    estimate = None
    if verdict.known:
        estimate = intake_estimate(
            in_warranty=verdict.in_warranty,
            category=category,
            fault_class=fault_class,
            service_type=service_type,
        )
    return {"verdict": verdict, "estimate": estimate}


def _ticket_form_panel(request, appliance, form, *, status: int = 200, **extra):
    fault_class = form["fault_class"].value() or FaultClass.STANDARD
    service_type = form["service_type"].value() or "repair"
    return _render_panel(
        request,
        customer_id=appliance.customer_id,
        work="ticket_form",
        ticket_form=form,
        ticket_appliance=appliance,
        duplicates=selectors.ticket_open_duplicates(appliance_id=appliance.pk),
        status=status,
        **_verdict_context(
            category=appliance.category,
            purchase_date=appliance.purchase_date,
            fault_class=fault_class,
            service_type=service_type,
            appliance=appliance,
        ),
        **extra,
    )


@require_GET
@desk_only
def console_warranty(request):
    """The live warranty verdict and fee estimate while the agent types (an HTMX fragment)."""
    category = request.GET.get("category", "")
    fault_class = request.GET.get("fault_class") or FaultClass.STANDARD
    if fault_class not in FaultClass.values:
        fault_class = FaultClass.STANDARD
    service_type = request.GET.get("service_type") or "repair"
    if masterdata.service_type(service_type) is None:
        service_type = "repair"
    purchase_date = appliance = None
    appliance_id = request.GET.get("appliance")
    if appliance_id:
        appliance = _or_404(
            selectors.appliance_get_for_user, user=request.user, appliance_id=appliance_id
        )
        category, purchase_date = appliance.category, appliance.purchase_date
    else:
        field = ApplianceForm().fields["purchase_date"]
        try:
            purchase_date = field.clean(request.GET.get("purchase_date", ""))
        except forms.ValidationError:  # a half-typed date simply gives no verdict yet
            purchase_date = None
    if category not in ApplianceCategory.values:
        return render(request, "tickets/console.html#verdict", {"verdict": None})
    return render(
        request,
        "tickets/console.html#verdict",
        _verdict_context(
            category=category,
            purchase_date=purchase_date,
            fault_class=fault_class,
            service_type=service_type,
            appliance=appliance,
        ),
    )


@desk_only
def console_ticket_new(request, appliance_id: int):
    appliance = _or_404(
        selectors.appliance_get_for_user, user=request.user, appliance_id=appliance_id
    )
    if request.method != "POST":
        return _ticket_form_panel(request, appliance, TicketForm())
    form = TicketForm(request.POST)
    if not form.is_valid():
        return _ticket_form_panel(request, appliance, form, status=422)
    data = form.cleaned_data
    try:
        ticket = intake.intake_from_console(
            appliance=appliance,
            confirm_duplicate=data["confirm_duplicate"],
            channel=data["channel"],
            service_type=data["service_type"],
            priority=data["priority"],
            fault_class=data["fault_class"],
            fault_description=data["fault_description"],
            fault_code=data["fault_code"],
            preferred_start=data["preferred_start"],
            preferred_end=data["preferred_end"],
            actor=request.user,
        )
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _ticket_form_panel(request, appliance, form, status=422)
    messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
    url = reverse("ticket_detail", args=[ticket.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- the ticket list and detail ---------------------------------------------------------

PAGE_SIZE = 50


def _list_rows(rows: list[dict]) -> list[dict]:
    """Each cell of the list ready to print, so that the template only looks up dict keys.
    Choice labels are translated once per page, not once per cell."""
    status = _choice_labels(Status)
    priority = _choice_labels(Priority)
    channel = _choice_labels(Channel)
    category = _choice_labels(ApplianceCategory)
    zone = timezone.get_current_timezone()
    now = timezone.now()
    types = masterdata.service_types()
    area_names = {}
    for area_id in {row["area_id"] for row in rows}:
        area = masterdata.area_by_id(area_id)
        area_names[area_id] = area.name if area is not None else ""
    return [
        {
            "id": row["id"],
            "number": row["number"],
            "status": row["status"],
            "status_label": status.get(row["status"], row["status"]),
            "emergency": row["priority"] == Priority.EMERGENCY,
            "priority_label": priority.get(row["priority"], row["priority"]),
            "channel_label": channel.get(row["channel"], row["channel"]),
            "type_label": (
                types[row["service_type_id"]].name
                if row["service_type_id"] in types
                else row["service_type_id"]
            ),
            "customer_name": row["customer__name"],
            "masked_mobile": mobile_masked(row["customer__mobile"]),
            "category_label": category.get(row["appliance__category"], row["appliance__category"]),
            "model_number": row["appliance__model_number"],
            "area_name": area_names[row["area_id"]],
            "created_label": row["created_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "due_label": (
                row["next_due"].astimezone(zone).strftime("%m-%d %H:%M") if row["next_due"] else ""
            ),
            "overdue": bool(row["next_due"] and row["next_due"] <= now),
            "engineer_name": row["engineer_name"] or "",
        }
        for row in rows
    ]


def _filter_selects(form: TicketFilterForm) -> list[dict]:
    """The list's drop-downs as (value, label, selected) options for the template, which
    writes them out rather than going through the widget templates."""
    selects = []
    for name in ("status", "priority", "area", "type", "channel", "sla"):
        bound = form[name]
        current = bound.value()
        current = "" if current is None else str(current)
        options = [(value, label, str(value) == current) for value, label in bound.field.choices]
        selects.append({"field": bound, "options": options})
    return selects


def _sort_headers(form: TicketFilterForm, params) -> list[dict]:
    """The list's column headers: a link for each sortable column, reversing the order of
    the column the list is sorted by."""
    current = form.sort_key
    base = params.copy()
    for key in ("after", "before", "page", "sort"):
        base.pop(key, None)
    headers = []
    for key, (label, _ordering) in SORTS.items():
        query = base.copy()
        query["sort"] = f"-{key}" if current == key else key
        direction = "asc" if current == key else "desc" if current == f"-{key}" else ""
        headers.append(
            {"key": key, "label": label, "query": query.urlencode(), "direction": direction}
        )
    return headers


@require_GET
@desk_only
def ticket_list(request):
    base = selectors.ticket_queryset_for_user(request.user)
    form = TicketFilterForm(
        request.GET or None, areas=selectors.service_areas_for_user(request.user)
    )
    rows_qs = base
    if form.is_bound:
        rows_qs = form.filter(base) if form.is_valid() else base.none()
    bound = settings.TICKET_LIST_COUNT_BOUND
    sort = form.sort_key
    if sort:
        page_number = request.GET.get("page", "1")
        page = selectors.ticket_page_sorted(
            queryset=selectors.ticket_list_annotate(rows_qs).annotate(
                priority_rank=priority_rank()
            ),
            ordering=sort_ordering(sort),
            number=int(page_number) if page_number.isdigit() else 1,
            size=PAGE_SIZE,
            bound=bound,
        )
    else:
        page = selectors.ticket_page(
            queryset=selectors.ticket_list_annotate(rows_qs),
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
            size=PAGE_SIZE,
        )
    count, more = (
        selectors.ticket_count_bounded(queryset=rows_qs, bound=bound)
        if form.is_valid() or not form.is_bound
        else (0, False)
    )
    params = request.GET.copy()
    for key in ("after", "before", "page"):
        params.pop(key, None)
    context = {
        "form": form,
        "page": page,
        "rows": _list_rows(page.rows),
        "query": params.urlencode(),
        "detail_prefix": _detail_prefix(),
        "count": count,
        "count_more": more,
        "bound": bound,
        "invalid": form.is_bound and not form.is_valid(),
        "headers": _sort_headers(form, request.GET),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "tickets/ticket_list.html#rows", context)
    context["selects"] = _filter_selects(form)
    context["dates"] = [form["created_from"], form["created_to"]]
    context["saved_filters"] = saved_filters.saved_filters_for_user(request.user)
    context["saved_query"] = saved_filters.saved_filter_query(request.GET)
    context["save_form"] = SavedFilterForm()
    return render(request, "tickets/ticket_list.html", context)


@require_POST
@desk_only
def ticket_filter_save(request):
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        params = QueryDict(form.cleaned_data["query"])
        try:
            saved = saved_filters.saved_filter_save(
                owner=request.user, name=form.cleaned_data["name"], params=params
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return redirect(f"{reverse('ticket_list')}?{saved.query}")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    query = saved_filters.saved_filter_query(QueryDict(request.POST.get("query", "")[:2000]))
    return redirect(f"{reverse('ticket_list')}?{query}")


@require_GET
@desk_only
def ticket_filter_open(request, filter_id: int):
    saved = _or_404(saved_filters.saved_filter_get_for_user, user=request.user, filter_id=filter_id)
    return redirect(f"{reverse('ticket_list')}?{saved.query}")


@require_POST
@desk_only
def ticket_filter_delete(request, filter_id: int):
    saved = _or_404(saved_filters.saved_filter_delete, user=request.user, filter_id=filter_id)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect("ticket_list")


def _may(user, ticket: Ticket, to: str) -> bool:
    allowed = allowed_roles(ticket.status, to)
    return bool(allowed and allowed & roles_of(user))


def _detail_context(request, ticket: Ticket, **forms) -> dict:
    estimate = intake_estimate(
        in_warranty=ticket.in_warranty,
        category=ticket.appliance.category,
        fault_class=ticket.fault_class,
        service_type=ticket.service_type_id,
    )
    detail = ticket.warranty_detail or {}
    components = [
        {**c, "label": _component_label(c.get("component", ""))}
        for c in detail.get("components", [])
    ]
    can_accept_fee = ticket.status == Status.AWAITING_FEE_ACCEPTANCE and _may(
        request.user, ticket, Status.AWAITING_DISPATCH
    )
    events = selectors.ticket_timeline(ticket=ticket)
    check_back_due = sla_selectors.check_back_due_by_event(ticket=ticket, events=events)
    entries = timeline.timeline_entries(events, category=ticket.appliance.category)
    for entry in entries:
        if entry.event.pk in check_back_due:  # the clock's deadline, not a number stored once
            label = _("check-back due")
            entry.details = [i for i in entry.details if i[0] != label]
            entry.details.append((label, timeline.when_text(check_back_due[entry.event.pk])))
    return {
        **ticket_header.header_context(ticket=ticket, events=events),
        "headline": _track_headline(ticket.status),
        "note_form": forms.get("note_form") or NoteForm(),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "priority_form": forms.get("priority_form")
        or PriorityForm(initial={"priority": ticket.priority}),
        "reschedule_form": forms.get("reschedule_form") or RescheduleForm(),
        "links": hooks.ticket_links(ticket=ticket, user=request.user),
        "ticket": ticket,
        "events": entries,
        "show_raw_events": request.user.is_superuser or Role.ADMIN in roles_of(request.user),
        "estimate": estimate,
        "warranty": detail,
        "components": components,
        "duplicates": selectors.ticket_open_duplicates(
            appliance_id=ticket.appliance_id, exclude_id=ticket.pk
        ),
        "can_accept_fee": can_accept_fee,
        "can_resolve": _may(request.user, ticket, Status.RESOLVED_REMOTELY),
        "can_cancel": _may(request.user, ticket, Status.CANCELLED),
        "fee_form": forms.get("fee_form") or FeeAcceptForm(),
        "resolve_form": forms.get("resolve_form") or ResolveRemotelyForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "tracking_url": services.tracking_url(ticket),
        "can_see_dispatch": bool(roles_of(request.user) & set(DISPATCHING_ROLES)),
        "has_report": ticket.service_reports.exists(),
        "customer_requests": customer_requests_of_ticket(ticket),
        "extended_warranties": contracts_for_verdict(appliance=ticket.appliance),
        **exchange_panel(request, ticket),
        # Other apps' sections (the plan of a maintenance visit), rendered here.
        "sections": [
            render_to_string(section["template"], section["context"], request=request)
            for section in hooks.staff_ticket_sections(ticket=ticket, user=request.user)
        ],
    }


def _component_label(code: str) -> str:
    try:
        return str(Component(code).label)
    except ValueError:
        return code


@require_GET
@desk_only
def ticket_detail(request, ticket_id: int):
    ticket = _or_404(selectors.ticket_get_for_user, user=request.user, ticket_id=ticket_id)
    return render(request, "tickets/ticket_detail.html", _detail_context(request, ticket))


def _ticket_action(request, ticket_id: int, form_class, form_key: str, apply, done: str):
    ticket = _or_404(selectors.ticket_get_for_user, user=request.user, ticket_id=ticket_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            apply(ticket, form.cleaned_data)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("ticket_detail", ticket_id=ticket.pk)
    context = _detail_context(request, ticket, **{form_key: form})
    context["open_action"] = form_key
    context["action_errors"] = form.non_field_errors()
    return render(request, "tickets/ticket_detail.html", context, status=422)


@require_POST
@desk_only
def ticket_accept_fee(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        FeeAcceptForm,
        "fee_form",
        lambda t, d: services.ticket_accept_fee(ticket=t, actor=request.user, note=d["note"]),
        _("The customer's acceptance is recorded; the ticket goes to dispatch."),
    )


@require_POST
@desk_only
def ticket_resolve_remotely(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        ResolveRemotelyForm,
        "resolve_form",
        lambda t, d: services.ticket_resolve_remotely(
            ticket=t, actor=request.user, guidance=d["guidance"]
        ),
        _("Resolved by phone guidance; a check-back call is due."),
    )


@require_POST
@desk_only
def ticket_cancel(request, ticket_id: int):
    return _ticket_action(
        request,
        ticket_id,
        CancelForm,
        "cancel_form",
        lambda t, d: services.ticket_cancel(ticket=t, actor=request.user, reason=d["reason"]),
        _("Ticket cancelled."),
    )


# --- the customer's link ----------------------------------------------------------------

# The customer's progress line: each step and the statuses that mean "reached".
TRACK_STEPS = [
    ("registered", (Status.NEW, Status.AWAITING_FEE_ACCEPTANCE, Status.AWAITING_DISPATCH)),
    ("assigned", (Status.ASSIGNED, Status.ACCEPTED)),
    ("scheduled", (Status.SCHEDULED,)),
    ("en_route", (Status.EN_ROUTE,)),
    ("on_site", (Status.ON_SITE, Status.WAITING_FOR_PARTS, Status.CARRIED_IN)),
    ("done", (Status.COMPLETED, Status.RESOLVED_REMOTELY, Status.CALLBACK_DONE, Status.CLOSED)),
]


def _track_steps(status: str, history: list[dict] = ()) -> list[dict]:
    """The progress line, each step reached with the time it was first reached."""
    labels = {
        "registered": _("Registered"),
        "assigned": _("Engineer assigned"),
        "scheduled": _("Visit booked"),
        "en_route": _("On the way"),
        "on_site": _("Repair in progress"),
        "done": _("Done"),
    }
    reached = next((i for i, (_k, sts) in enumerate(TRACK_STEPS) if status in sts), -1)
    first_at = {}
    for item in history:
        for key, statuses in TRACK_STEPS:
            if item["status"] in statuses:
                first_at.setdefault(key, item["at"])
    return [
        {
            "key": key,
            "label": labels[key],
            "done": i < reached,
            "current": i == reached,
            "at": first_at.get(key) if i <= reached else None,
        }
        for i, (key, _sts) in enumerate(TRACK_STEPS)
    ]


def _public_status_label(status: str) -> str:
    if status == Status.NEW:
        return _("Registered")
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def _track_headline(status: str) -> str:
    """The status in the customer's words."""
    words = {
        Status.NEW: _("We have registered your request."),
        Status.AWAITING_FEE_ACCEPTANCE: _("Waiting for your agreement to the estimated fee."),
        Status.AWAITING_DISPATCH: _("We are finding an engineer for you."),
        Status.ASSIGNED: _("An engineer has been assigned and will call you."),
        Status.ACCEPTED: _("The engineer will call you to book the visit."),
        Status.SCHEDULED: _("Your visit is booked."),
        Status.EN_ROUTE: _("The engineer is on the way."),
        Status.ON_SITE: _("The engineer is with you."),
        Status.WAITING_FOR_PARTS: _("Waiting for a spare part."),
        Status.CARRIED_IN: _("Your appliance is in our workshop."),
        Status.COMPLETED: _("The repair is complete."),
        Status.RESOLVED_REMOTELY: _("Solved on the phone. We will call to check."),
        Status.CALLBACK_DONE: _("The repair is complete."),
        Status.CLOSED: _("Closed. Thank you."),
        Status.CANCELLED: _("This request was cancelled."),
    }
    return words.get(status, _public_status_label(status))


# Dispatch's churn (offers, declines, re-dispatches) reads as one step to the customer.
_FINDING_ENGINEER = (Status.AWAITING_DISPATCH, Status.ASSIGNED)


def _public_history(history: list[dict]) -> list[dict]:
    """The status changes as the customer should read them: a run of dispatch attempts is
    one "finding an engineer" step (at its first time), a status repeated is shown once."""
    steps: list[dict] = []
    for item in history:
        status = item["status"]
        key = "finding" if status in _FINDING_ENGINEER else status
        if steps and steps[-1]["key"] == key:
            continue
        label = _("Finding an engineer") if key == "finding" else _public_status_label(status)
        steps.append({"key": key, "status": status, "at": item["at"], "label": label})
    return steps


@require_GET
def ticket_track(request, token: str):
    """The customer's private link: no login, nothing of anyone else."""
    ticket = _or_404(selectors.ticket_get_by_token, token=token)
    return ticket_track_response(request, ticket)


def ticket_track_response(request, ticket: Ticket, extra: dict | None = None):
    """The tracking page, also re-shown with a customer's request form and its errors."""
    progress = selectors.ticket_public_progress(ticket=ticket)
    steps = _track_steps(ticket.status, progress["history"])
    progress["history"] = _public_history(progress["history"])
    context = {
        "ticket": ticket,
        "steps": steps,
        "cancelled": ticket.status == Status.CANCELLED,
        "awaiting_fee": ticket.status == Status.AWAITING_FEE_ACCEPTANCE,
        "headline": _track_headline(ticket.status),
        "extended_warranties": contracts_for_verdict(appliance=ticket.appliance),
        # Other apps' sections (the rating form, parts on their way), rendered here.
        "sections": [
            render_to_string(section["template"], section["context"], request=request)
            for section in hooks.track_sections(ticket=ticket, language=request.LANGUAGE_CODE)
        ],
        "may_request": requests_open_for(ticket),
        "open_request_kinds": open_request_kinds(ticket),
        "reschedule_form": RescheduleRequestForm(),
        "cancel_form": CancelRequestForm(),
        **progress,
        **(extra or {}),
    }
    response = render(request, "tickets/track.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # Never to another site; same-origin (not no-referrer) because under no-referrer
    # Chromium posts the page's forms with "Origin: null", which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
