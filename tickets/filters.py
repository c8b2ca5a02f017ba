"""The ticket list's filters, search and sort orders. Every filter maps onto an indexed
column or a small subquery.

A plain form rather than a django-filter FilterSet: the FilterSet deep-copies its filters
and builds a new form class on every request, close to a millisecond of a page that is
opened all day long, for a few equality filters, a search and a date range."""

import datetime as dt
import re

from django import forms
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.db.models.functions import Reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import masterdata
from .choices import Channel, Priority
from .forms import SmallModelChoiceField
from .lifecycle import Status
from .models import Appliance, Customer, ServiceArea, Ticket
from .sla.models import SlaClock

NUMBER_RE = re.compile(r"^SR-\d{8}-\d+$")
# What a typed phone or ticket number may carry besides its digits.
_NUMBER_NOISE_RE = re.compile(r"[\s\-+().]")
MIN_DIGITS = 4

# Query-string keys a saved filter keeps (paging is left out: a saved filter opens page one).
FILTER_KEYS = (
    "q",
    "status",
    "priority",
    "area",
    "type",
    "channel",
    "sla",
    "created_from",
    "created_to",
    "sort",
)

# sort key -> (label, ordering). A leading "-" in the query string reverses the order.
SORTS = {
    "number": (_("Number"), ("number",)),
    "status": (_("Status"), ("status", "-created_at")),
    "priority": (_("Priority"), ("priority_rank", "-created_at")),
    "customer": (_("Customer"), ("customer__name", "-created_at")),
    "created": (_("Created"), ("created_at",)),
    "due": (_("Next SLA due"), ("next_due",)),
    "engineer": (_("Engineer"), ("engineer_name",)),
}


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _choices(empty_label, choices) -> list:
    return [("", empty_label), *choices]


def priority_rank():
    """Emergencies first, then normal jobs, then appointments."""
    return Case(
        When(priority=Priority.EMERGENCY, then=Value(0)),
        When(priority=Priority.NORMAL, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


class TicketFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name, ticket number, phone or serial"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "SR-… / 1380013…", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=_choices(_("Any status"), Status.choices), required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=_choices(_("Any priority"), Priority.choices), required=False
    )
    area = SmallModelChoiceField(
        label=_("Area"),
        queryset=ServiceArea.objects.none(),
        empty_label=_("Any area"),
        required=False,
    )
    type = forms.ChoiceField(label=_("Service type"), choices=(), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_choices(_("Any channel"), Channel.choices), required=False
    )
    sla = forms.ChoiceField(
        label=_("Service clocks"),
        choices=[
            ("", _("Any clock")),
            ("breached", _("A clock breached")),
            ("running", _("A clock running")),
        ],
        required=False,
    )
    created_from = forms.DateField(
        label=_("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = forms.DateField(
        label=_("Created to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(
        label=pgettext_lazy("ticket list", "Sort by"),
        choices=[("", "")] + [(k, k) for key in SORTS for k in (key, f"-{key}")],
        required=False,
    )

    def __init__(self, *args, areas: QuerySet[ServiceArea], **kwargs):
        """`areas`: the areas the user works (`selectors.service_areas_for_user`)."""
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["type"].choices = _choices(
            _("Any service type"),
            [(code, kind.name) for code, kind in masterdata.service_types().items()],
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error(
                "created_to", _("The end of the date range is before its start: swap the dates.")
            )
        return data

    def filter(self, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """`queryset` narrowed by what was chosen. Call once the form is valid."""
        data = self.cleaned_data
        if data["q"]:
            queryset = search(queryset, data["q"])
        for name in ("status", "priority", "channel"):
            if data[name]:
                queryset = queryset.filter(**{name: data[name]})
        if data["type"]:
            queryset = queryset.filter(service_type_id=data["type"])
        if data["area"] is not None:
            queryset = queryset.filter(area=data["area"])
        if data["sla"]:
            state = SlaClock.State.BREACHED if data["sla"] == "breached" else SlaClock.State.RUNNING
            queryset = queryset.filter(
                Exists(SlaClock.objects.filter(ticket=OuterRef("pk"), state=state))
            )
        # Dates are the operator's calendar days (Asia/Shanghai), not UTC days.
        if data["created_from"]:
            queryset = queryset.filter(created_at__gte=_local_midnight(data["created_from"]))
        if data["created_to"]:
            end = _local_midnight(data["created_to"] + dt.timedelta(days=1))
            queryset = queryset.filter(created_at__lt=end)
        return queryset

    @property
    def sort_key(self) -> str:
        """The chosen sort ("due", "-engineer"), or "" for newest first."""
        return (self.cleaned_data.get("sort") or "") if self.is_bound and self.is_valid() else ""


def search(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Tickets matching what a caller gives: the full ticket number; digits (at least 4) as
    the end of a ticket number or of the customer's mobile, or a serial number; words as
    the start of the customer's name, or a serial number.

    Each kind is a lookup on its own index (the reversed number, the reversed mobile,
    the upper-cased serial and name); their union keeps each one an index scan, where an
    OR across three tables would scan the tickets."""
    text = text.strip()
    if NUMBER_RE.match(text.upper()):
        return queryset.filter(number=text.upper())
    compact = _NUMBER_NOISE_RE.sub("", text)
    serial = Ticket.objects.filter(
        appliance_id__in=Appliance.objects.filter(serial_number__iexact=text).values("pk")
    ).values("pk")
    if compact.isdigit():
        if len(compact) < MIN_DIGITS:
            return queryset.none()
        by_phone = Ticket.objects.filter(
            customer_id__in=Customer.objects.by_phone(compact).values("pk")
        ).values("pk")
        by_number = (
            Ticket.objects.annotate(number_reversed=Reverse("number"))
            .filter(number_reversed__startswith=compact[::-1])
            .values("pk")
        )
        return queryset.filter(pk__in=by_phone.union(by_number, serial))
    by_name = Ticket.objects.filter(
        customer_id__in=Customer.objects.filter(name__istartswith=text).values("pk")
    ).values("pk")
    return queryset.filter(pk__in=by_name.union(serial))


def sort_ordering(key: str) -> tuple[str, ...]:
    """The ORDER BY of a sort key ("due", "-due"), ending on the id so pages never overlap.
    Empty values (no running clock, no engineer) come last either way."""
    from django.db.models import F

    desc = key.startswith("-")
    _label, fields = SORTS[key.lstrip("-")]
    out = []
    for field in fields:
        name = field.lstrip("-")
        reverse = desc != field.startswith("-")
        out.append(F(name).desc(nulls_last=True) if reverse else F(name).asc(nulls_last=True))
    out.append(F("id").desc() if desc else F("id").asc())
    return tuple(out)
