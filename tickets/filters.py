"""The ticket list's filters. Every filter maps onto an indexed column or a small subquery.

A plain form rather than a django-filter FilterSet: the FilterSet deep-copies its filters
and builds a new form class on every request, close to a millisecond of a page that is
opened all day long, for five equality filters, a search and a date range."""

import datetime as dt
import re

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Channel, Priority
from .forms import SmallModelChoiceField
from .lifecycle import Status
from .models import Customer, ServiceArea, Ticket

NUMBER_RE = re.compile(r"^SR-\d{8}-\d+$")


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _choices(empty_label, choices) -> list:
    return [("", empty_label), *choices]


class TicketFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Ticket number or phone"),
        required=False,
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
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_choices(_("Any channel"), Channel.choices), required=False
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

    def __init__(self, *args, areas: QuerySet[ServiceArea], **kwargs):
        """`areas`: the areas the user works (`selectors.service_areas_for_user`)."""
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    def filter(self, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """`queryset` narrowed by what was chosen. Call once the form is valid."""
        data = self.cleaned_data
        if data["q"]:
            queryset = self._search(queryset, data["q"])
        for name in ("status", "priority", "channel"):
            if data[name]:
                queryset = queryset.filter(**{name: data[name]})
        if data["area"] is not None:
            queryset = queryset.filter(area=data["area"])
        # Dates are the operator's calendar days (Asia/Shanghai), not UTC days.
        if data["created_from"]:
            queryset = queryset.filter(created_at__gte=_local_midnight(data["created_from"]))
        if data["created_to"]:
            end = _local_midnight(data["created_to"] + dt.timedelta(days=1))
            queryset = queryset.filter(created_at__lt=end)
        return queryset

    @staticmethod
    def _search(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
        if NUMBER_RE.match(text.upper()):
            return queryset.filter(number=text.upper())
        digits = re.sub(r"\D", "", text)
        if len(digits) < 4:
            return queryset.none()
        return queryset.filter(customer_id__in=Customer.objects.by_phone(digits).values("pk"))
