"""Desk pages of the campaigns: the list (supervisors create), a campaign's call queue
(supervisors take the list and send the reminders), the page an agent works one call on,
and the customer's public opt-out page. Thin: parse, call a selector or a service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tickets import errors
from tickets.forms import form_add_domain_error
from tickets.models import ServiceArea
from tickets.permissions import role_required
from tickets.roles import STAFF_DESK_ROLES, SUPERVISING_ROLES, has_role
from tickets.selectors import service_areas_for_user

from .. import selectors as sel
from ..forms import CallLogForm, CampaignForm
from ..models import ContactOptOut
from ..services import campaigns as svc
from ..services.contact_rules import opted_out
from ..services.optout import customer_for_code, opt_out_record

desk_only = role_required(*STAFF_DESK_ROLES)


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except errors.NotFound as exc:
        raise Http404(str(exc)) from None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
@desk_only
def campaign_list(request):
    supervising = has_role(request.user, *SUPERVISING_ROLES)
    areas = ServiceArea.objects.order_by("city", "name")
    form = CampaignForm(request.POST or None, areas=areas) if supervising else None
    status = 200
    if request.method == "POST":
        if not supervising:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = svc.campaign_create(
                    actor=request.user,
                    name=data["name"],
                    category=data["category"],
                    older_than_years=data["older_than_years"],
                    younger_than_years=data["younger_than_years"],
                    purchased_within_days=data["purchased_within_days"],
                    area=areas.filter(pk=data["area"]).first() if data["area"] else None,
                    script=data["script"],
                    sms_text=data["sms_text"],
                )
            except errors.DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(request, _("The campaign is saved as a draft."))
                return redirect("proactive_campaign", campaign_id=campaign.pk)
        status = 422
    return render(
        request,
        "proactive/campaigns.html",
        {"campaigns": sel.campaigns_for_user(request.user), "form": form},
        status=status,
    )


@require_GET
@desk_only
def campaign_detail(request, campaign_id: int):
    campaign = _get(sel.campaign_get, campaign_id=campaign_id)
    area_id = _int(request.GET.get("area"))
    return render(
        request,
        "proactive/campaign.html",
        {
            "campaign": campaign,
            "rows": sel.call_queue(user=request.user, campaign=campaign, area_id=area_id),
            "areas": service_areas_for_user(request.user),
            "filters": {"area": area_id},
            "supervising": has_role(request.user, *SUPERVISING_ROLES),
            "work_prefix": reverse("proactive_call_work", args=[0])[:-2],
        },
    )


@require_POST
@desk_only
def campaign_action(request, campaign_id: int, action: str):
    campaign = _get(sel.campaign_get, campaign_id=campaign_id)
    run = {
        "build": lambda: (
            _("%(n)d customers are on the call list.")
            % {"n": svc.campaign_build(campaign=campaign, actor=request.user)}
        ),
        "sms": lambda: (
            _("%(n)d reminders are in the outbox.")
            % {"n": svc.campaign_sms_send(campaign=campaign, actor=request.user)}
        ),
        "end": lambda: (
            svc.campaign_end(campaign=campaign, actor=request.user) and _("The campaign has ended.")
        ),
    }.get(action)
    if run is None:
        raise Http404
    try:
        messages.success(request, run())
    except errors.PermissionDenied:
        raise PermissionDenied from None
    except errors.DomainError as exc:
        messages.error(request, exc.message)
    return redirect("proactive_campaign", campaign_id=campaign.pk)


@require_http_methods(["GET", "POST"])
@desk_only
def call_work(request, call_id: int):
    call = _get(sel.call_for_user, user=request.user, call_id=call_id)
    form = CallLogForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                call = svc.call_log(
                    call=call,
                    outcome=data["outcome"],
                    note=data["note"],
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                    actor=request.user,
                )
            except errors.PermissionDenied:
                raise PermissionDenied from None
            except errors.DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Call logged: %(outcome)s.") % {"outcome": call.get_outcome_display()},
                )
                return redirect("proactive_call_work", call_id=call.pk)
        status = 422
    return render(
        request,
        "proactive/call_work.html",
        {
            "call": call,
            "campaign": call.campaign,
            "form": form,
            "attempts": list(call.call_attempts.select_related("actor")),
            "opted_out": opted_out(call.customer_id),
            "now": timezone.now(),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def opt_out(request, code: str):
    """Public: the link in a campaign SMS. Rate-limited per address (PUBLIC_VIEWS)."""
    customer = customer_for_code(code)
    if customer is None:
        raise Http404
    done = opted_out(customer.pk)
    if request.method == "POST" and not done:
        opt_out_record(customer=customer, source=ContactOptOut.Source.SMS_LINK)
        done = True
    response = render(
        request,
        "proactive/opt_out.html",
        {"done": done, "masked_mobile": customer.masked_mobile, "code": code},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
