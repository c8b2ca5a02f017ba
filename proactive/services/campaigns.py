"""Campaigns: the target rule, the call list taken in one statement, the desk's calls with
their outcomes (a maintenance visit booked through ticket_create), SMS reminders through
the outbox. Opt-out and the contact gap are the rules of contact_rules.py."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import DateTimeField, OuterRef, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks.services.policy import callback_policy
from tickets.booking import booking_window_check
from tickets.choices import ApplianceCategory, Channel, Priority
from tickets.errors import Conflict, DomainError, PermissionDenied
from tickets.messaging import send_sms
from tickets.models import Address, Appliance, ServiceArea, Ticket
from tickets.roles import STAFF_DESK_ROLES, SUPERVISING_ROLES, has_role
from tickets.services import ticket_create
from tickets.warranty import add_months

from ..models import Campaign, CampaignAttempt, CampaignCall, ContactOptOut, Outcome
from .contact_rules import exclude_held_back
from .optout import opt_out_record, opt_out_url

RETRIED = (Outcome.NO_ANSWER, Outcome.BUSY)
SMS_PURPOSE = "campaign"


def _require_supervisor(actor) -> None:
    if not has_role(actor, *SUPERVISING_ROLES):
        raise PermissionDenied(_("Only a supervisor runs campaigns."))


def campaign_create(
    *,
    name: str,
    actor,
    category: str = "",
    older_than_years: int | None = None,
    younger_than_years: int | None = None,
    purchased_within_days: int | None = None,
    area: ServiceArea | None = None,
    script: str = "",
    sms_text: str = "",
) -> Campaign:
    _require_supervisor(actor)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError(_("Give the campaign a name (up to 120 characters)."), field="name")
    if category and category not in ApplianceCategory.values:
        raise DomainError(_("Unknown category."), field="category")
    for field, value, top in (
        ("older_than_years", older_than_years, 30),
        ("younger_than_years", younger_than_years, 30),
        ("purchased_within_days", purchased_within_days, 3650),
    ):
        if value is not None and not 1 <= value <= top:
            raise DomainError(_("Give a number from 1 to %(top)d.") % {"top": top}, field=field)
    if older_than_years and younger_than_years and younger_than_years <= older_than_years:
        raise DomainError(
            _("“Less than” must be more years than “more than”."), field="younger_than_years"
        )
    if len(script or "") > 1000:
        raise DomainError(_("Keep the script under 1000 characters."), field="script")
    if len(sms_text or "") > 300:
        raise DomainError(_("Keep the SMS under 300 characters."), field="sms_text")
    return Campaign.objects.create(
        name=name,
        category=category,
        older_than_years=older_than_years,
        younger_than_years=younger_than_years,
        purchased_within_days=purchased_within_days,
        area=area,
        script=(script or "").strip(),
        sms_text=(sms_text or "").strip(),
        created_by=actor,
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    return add_months(day, -12 * years)


def campaign_targets(campaign: Campaign, *, now: dt.datetime):
    """The appliances the rule matches today, of customers the desk may contact."""
    today = timezone.localtime(now).date()
    qs = Appliance.objects.all()
    if campaign.category:
        qs = qs.filter(category=campaign.category)
    if campaign.older_than_years:
        qs = qs.filter(purchase_date__lt=_years_before(today, campaign.older_than_years))
    if campaign.younger_than_years:
        qs = qs.filter(purchase_date__gte=_years_before(today, campaign.younger_than_years))
    if campaign.purchased_within_days:
        qs = qs.filter(purchase_date__gte=today - dt.timedelta(days=campaign.purchased_within_days))
    if campaign.area_id:
        qs = qs.filter(customer__addresses__area_id=campaign.area_id)
    return exclude_held_back(qs, now=now)


def campaign_build(*, campaign: Campaign, actor, now: dt.datetime | None = None) -> int:
    """Take the call list (a snapshot: later purchases do not join it) and start calling.
    One row per customer; the rows are written in bulk. Returns the list's length."""
    _require_supervisor(actor)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state != Campaign.State.DRAFT:
            raise Conflict(_("The call list is already taken."), field="campaign")
        listed = _insert_call_list(locked, now=now)
        locked.state, locked.built_at = Campaign.State.ACTIVE, now
        locked.save(update_fields=["state", "built_at"])
    campaign.state, campaign.built_at = locked.state, locked.built_at
    return listed


def _insert_call_list(campaign: Campaign, *, now: dt.datetime) -> int:
    """INSERT ... SELECT: the rule's first appliance of each customer, in one statement
    (no row passes through Python). A customer with no address in any area is left out."""
    area = (
        Value(campaign.area_id)
        if campaign.area_id
        else Subquery(
            Address.objects.filter(customer_id=OuterRef("customer_id"))
            .order_by("-is_default", "id")
            .values("area_id")[:1]
        )
    )
    select = (
        campaign_targets(campaign, now=now)
        .order_by("customer_id", "id")
        .distinct("customer_id")
        .annotate(
            c_campaign=Value(campaign.pk),
            c_area=area,
            c_state=Value(CampaignCall.State.OPEN.value),
            c_blank=Value(""),
            c_attempts=Value(0),
            c_created=Value(now, output_field=DateTimeField()),
        )
        .values_list(
            "c_campaign",
            "customer_id",
            "id",
            "c_area",
            "c_state",
            "c_blank",
            "c_attempts",
            "c_blank",
            "c_created",
        )
    )
    sql, params = select.query.sql_with_params()
    table = CampaignCall._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (campaign_id, customer_id, appliance_id, area_id, state, '
            "outcome, attempts, note, created_at) "
            f"SELECT * FROM ({sql}) AS list WHERE list.c_area IS NOT NULL "
            "ON CONFLICT DO NOTHING",
            params,
        )
        return cursor.rowcount


def campaign_end(*, campaign: Campaign, actor) -> Campaign:
    _require_supervisor(actor)
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.ENDED)
    campaign.refresh_from_db()
    return campaign


def _sms_body(campaign: Campaign, customer) -> str:
    return _("%(text)s Opt out of these reminders: %(url)s") % {
        "text": campaign.sms_text,
        "url": opt_out_url(customer),
    }


def campaign_sms_send(*, campaign: Campaign, actor, now: dt.datetime | None = None) -> int:
    """The reminder to every open call of the list not yet sent one, except customers who
    opted out or were contacted within the gap since the list was taken. Returns how many
    went to the outbox."""
    _require_supervisor(actor)
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != Campaign.State.ACTIVE:
            raise Conflict(_("Send reminders while the campaign is calling."), field="campaign")
        if not campaign.sms_text:
            raise DomainError(_("The campaign has no SMS text."), field="sms_text")
        calls = list(
            exclude_held_back(
                CampaignCall.objects.open().filter(campaign=campaign, sms_sent_at__isnull=True),
                now=now,
            )
            .select_related("customer")
            .select_for_update(of=("self",), skip_locked=True)
        )
        for call in calls:
            send_sms(
                to=call.customer.mobile,
                purpose=SMS_PURPOSE,
                body=_sms_body(campaign, call.customer),
            )
        CampaignCall.objects.filter(pk__in=[c.pk for c in calls]).update(sms_sent_at=now)
    return len(calls)


# --- working a call -------------------------------------------------------------------------


def _require_caller(actor) -> None:
    if not has_role(actor, *STAFF_DESK_ROLES):
        raise PermissionDenied(_("Your role may not log customer calls."))


def call_log(
    *,
    call: CampaignCall,
    outcome: str,
    actor,
    note: str = "",
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
) -> CampaignCall:
    """One try at a campaign call. No answer / busy: tried again after the callback
    policy's gap, until its attempts run out. Booked maintenance: the visit's ticket is
    opened (an appointment in the agreed window). Opted out: recorded for every campaign.
    Anything else closes the call with its outcome."""
    _require_caller(actor)
    if outcome not in Outcome.values:
        raise DomainError(_("Choose how the call went."), field="outcome")
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError(_("Keep the note under 500 characters."), field="note")
    if outcome == Outcome.BOOKED_MAINTENANCE and (window_start is None or window_end is None):
        raise DomainError(_("Give the window the customer agreed."), field="window_start")
    policy = callback_policy()
    now = timezone.now()
    with transaction.atomic():
        locked = CampaignCall.objects.select_for_update().get(pk=call.pk)
        if not locked.is_open:
            raise Conflict(_("This call is already finished."), field="call")
        locked.attempts += 1
        CampaignAttempt.objects.create(
            call=locked, number=locked.attempts, outcome=outcome, note=note, actor=actor
        )
        locked.outcome, locked.note = outcome, note or locked.note
        if outcome in RETRIED:
            if locked.attempts >= policy.max_attempts:
                locked.state = CampaignCall.State.UNREACHABLE
                locked.closed_at, locked.closed_by = now, actor
            else:
                locked.next_attempt_at = now + dt.timedelta(minutes=policy.retry_minutes)
        else:
            if outcome == Outcome.BOOKED_MAINTENANCE:
                locked.ticket = maintenance_open(
                    call=locked, start=window_start, end=window_end, actor=actor
                )
            locked.state = CampaignCall.State.DONE
            locked.closed_at, locked.closed_by = now, actor
            locked.next_attempt_at = None
        locked.save()
        if outcome == Outcome.OPTED_OUT:
            opt_out_record(customer=locked.customer, source=ContactOptOut.Source.AGENT, actor=actor)
    return locked


def maintenance_open(*, call: CampaignCall, start, end, actor) -> Ticket:
    """The maintenance visit booked on a campaign call: an appointment ticket of the
    call's appliance in the window the customer agreed."""
    booking_window_check(start, end)
    campaign = call.campaign
    return ticket_create(
        customer=call.customer,
        appliance=call.appliance,
        channel=Channel.HOTLINE,
        service_type="maintenance",
        priority=Priority.APPOINTMENT,
        preferred_start=start,
        preferred_end=end,
        fault_description=_("Maintenance booked on the campaign “%(name)s”.")
        % {"name": campaign.name},
        actor=actor,
    )
