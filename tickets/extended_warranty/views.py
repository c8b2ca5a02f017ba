"""Desk pages of extended warranty: the sale (from the console, a ticket or a follow-up
call) and the contract with its certificate number and payment."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import selectors
from tickets.errors import DomainError, NotFound
from tickets.forms import form_add_domain_error
from tickets.permissions import role_required
from tickets.roles import STAFF_DESK_ROLES
from tickets.warranty import appliance_warranty_verdict

from . import services
from .forms import PaymentForm, SaleForm
from .models import ExtendedWarrantyProduct, SaleChannel
from .selectors import contract_get_for_user, products_for_appliance

desk_only = role_required(*STAFF_DESK_ROLES)


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404 from None


@desk_only
def sell(request, appliance_id: int):
    appliance = _get(selectors.appliance_get_for_user, user=request.user, appliance_id=appliance_id)
    source = request.POST if request.method == "POST" else request.GET
    ticket = None
    if source.get("ticket"):
        ticket = _get(selectors.ticket_get_for_user, user=request.user, ticket_id=source["ticket"])
        if ticket.appliance_id != appliance.pk:
            raise Http404
    channel = SaleChannel.CONSOLE
    if ticket is not None:
        channel = SaleChannel.CALLBACK if source.get("via") == "callback" else SaleChannel.TICKET
    today = timezone.localdate()
    products = products_for_appliance(appliance=appliance, on=today)
    form = SaleForm(request.POST or None, products=products)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            product = ExtendedWarrantyProduct.objects.get(code=form.cleaned_data["product"])
            try:
                contract = services.contract_sell(
                    appliance=appliance,
                    product=product,
                    actor=request.user,
                    channel=channel,
                    ticket=ticket,
                    paid=form.cleaned_data["paid"],
                    payment_reference=form.cleaned_data["payment_reference"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Extended warranty sold: certificate %(number)s.")
                    % {"number": contract.certificate_number},
                )
                return redirect("extended_warranty_contract", contract_id=contract.pk)
        status = 422
    return render(
        request,
        "extended_warranty/sell.html",
        {
            "appliance": appliance,
            "ticket": ticket,
            "via": source.get("via", ""),
            "channel_label": SaleChannel(channel).label,
            "form": form,
            "products": products,
            "verdict": appliance_warranty_verdict(appliance=appliance, on=today).as_dict(),
        },
        status=status,
    )


@desk_only
def contract_page(request, contract_id: int):
    contract = _get(contract_get_for_user, user=request.user, contract_id=contract_id)
    form = PaymentForm(
        request.POST or None,
        initial={"paid": contract.paid, "payment_reference": contract.payment_reference},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contract_record_payment(
                    contract=contract,
                    actor=request.user,
                    paid=form.cleaned_data["paid"],
                    payment_reference=form.cleaned_data["payment_reference"],
                )
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("Payment recorded."))
                return redirect("extended_warranty_contract", contract_id=contract.pk)
        status = 422
    return render(
        request,
        "extended_warranty/contract.html",
        {"contract": contract, "form": form},
        status=status,
    )
