"""The dashboard's question: which window, which part of the network, what to show."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets import masterdata

from . import definitions
from .selectors import MAX_RANGE_DAYS, Narrowing

PERIODS = [
    ("today", _("Today")),
    ("week", _("This week")),
    ("month", _("This month")),
    ("range", _("Chosen range")),
]
BY = [("point", _("Service point")), ("area", _("Area")), ("engineer", _("Engineer"))]


class DashboardQuery(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("Until"), required=False)
    area = forms.IntegerField(label=_("Area"), min_value=1, required=False)
    point = forms.IntegerField(label=_("Service point"), min_value=1, required=False)
    engineer = forms.IntegerField(label=_("Engineer"), min_value=1, required=False)
    service_type = forms.ChoiceField(label=_("Service type"), required=False)
    kpi = forms.ChoiceField(
        label=_("KPI"), choices=[(k.code, k.code) for k in definitions.KPIS], required=False
    )
    by = forms.ChoiceField(label=_("Break down by"), choices=BY, required=False)
    sort = forms.CharField(label=_("Sort by"), max_length=40, required=False)
    dir = forms.ChoiceField(
        label=_("Order"), choices=[("asc", "asc"), ("desc", "desc")], required=False
    )
    part = forms.ChoiceField(
        label=_("Tickets shown"),
        choices=[("den", _("Denominator")), ("num", _("Numerator"))],
        required=False,
    )
    page = forms.IntegerField(min_value=1, max_value=100000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = [("", _("All service types"))] + [
            (code, t.name) for code, t in masterdata.service_types().items()
        ]

    def clean(self):
        data = super().clean()
        period = data.get("period") or "month"
        data["period"] = period
        today = timezone.localdate()
        if period == "range":
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", _("Give the first day of the range."))
            if end is None:
                self.add_error("end", _("Give the last day of the range."))
            if start and end:
                if end < start:
                    self.add_error("end", _("The range must end on or after its first day."))
                elif (end - start).days >= MAX_RANGE_DAYS:
                    self.add_error(
                        "end",
                        _("Choose at most %(days)d days.") % {"days": MAX_RANGE_DAYS},
                    )
        elif period == "today":
            data["start"] = data["end"] = today
        elif period == "week":
            data["start"], data["end"] = today - dt.timedelta(days=today.weekday()), today
        else:
            data["start"], data["end"] = today.replace(day=1), today
        data["kpi"] = data.get("kpi") or "ftf"
        data["by"] = data.get("by") or "point"
        data["part"] = data.get("part") or "den"
        data["page"] = data.get("page") or 1
        return data

    def narrowing(self) -> Narrowing:
        d = self.cleaned_data
        return Narrowing(
            area=d.get("area"),
            point=d.get("point"),
            engineer=d.get("engineer"),
            service_type=d.get("service_type") or None,
        )

    def trend_window(self) -> tuple[dt.date, dt.date]:
        """A day's trend shows the 30 days up to it; longer windows show themselves."""
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        if (end - start).days < 6:
            start = end - dt.timedelta(days=29)
        return start, end
