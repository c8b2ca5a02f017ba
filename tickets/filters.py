"""The ticket list's filters. Every filter maps onto an indexed column or a small subquery."""

import datetime as dt
import re

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Channel, Priority
from .lifecycle import Status
from .models import Customer, Ticket
from .selectors import service_areas_for_user

NUMBER_RE = re.compile(r"^SR-\d{8}-\d+$")


def _areas(request):
    return service_areas_for_user(request.user) if request else Ticket.objects.none()


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Ticket number or phone"),
        method="search",
        widget=forms.TextInput(attrs={"placeholder": "SR-… / 1380013…", "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, empty_label=_("Any status")
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority")
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Area"), queryset=_areas, empty_label=_("Any area")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Channel.choices, empty_label=_("Any channel")
    )
    created_from = django_filters.DateFilter(
        label=_("Created from"),
        method="created_on_or_after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        label=_("Created to"),
        method="created_on_or_before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Ticket
        fields = ["q", "status", "priority", "area", "channel"]

    def search(self, queryset, name, value):
        text = (value or "").strip()
        if not text:
            return queryset
        if NUMBER_RE.match(text.upper()):
            return queryset.filter(number=text.upper())
        digits = re.sub(r"\D", "", text)
        if len(digits) < 4:
            return queryset.none()
        return queryset.filter(customer_id__in=Customer.objects.by_phone(digits).values("pk"))

    # Dates are the operator's calendar days (Asia/Shanghai), not UTC days.
    def created_on_or_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value))

    def created_on_or_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=_local_midnight(value + dt.timedelta(days=1)))
