"""Forms of the proactive pages: they parse and bound the input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets import masterdata
from tickets.choices import ApplianceCategory
from tickets.forms import DATETIME_LOCAL

from .models import PLAN_KINDS, Booking, Outcome, Window


def _datetime(label, required=True):
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


class PlanForm(forms.Form):
    appliance = forms.TypedChoiceField(label=_("Appliance"), coerce=int)
    service_type = forms.ChoiceField(label=_("Service type"))
    interval_months = forms.IntegerField(
        label=_("Every (months)"), min_value=1, max_value=60, initial=12
    )
    first_due = forms.DateField(
        label=_("First visit due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    booking = forms.ChoiceField(
        label=_("Booking"), choices=Booking.choices, widget=forms.RadioSelect
    )
    window = forms.ChoiceField(label=_("Preferred window"), choices=Window.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, appliances=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appliance"].choices = [
            (a.pk, f"{a.get_category_display()} {a.brand} {a.model_number}") for a in appliances
        ]
        self.fields["service_type"].choices = [
            (t.code, t.name)
            for t in masterdata.service_types().values()
            if t.active and t.kind in PLAN_KINDS
        ]
        self.fields["booking"].initial = Booking.APPOINTMENT


class PlanEndForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class VisitBookForm(forms.Form):
    start = _datetime(_("Agreed from"))
    end = _datetime(_("Agreed until"))


class FindingForm(forms.Form):
    description = forms.CharField(
        label=_("What the visit found"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    category = forms.ChoiceField(
        label=_("Appliance category"),
        choices=[("", _("Any category")), *ApplianceCategory.choices],
        required=False,
    )
    older_than_years = forms.IntegerField(
        label=_("Bought more than (years) ago"), min_value=1, max_value=30, required=False
    )
    younger_than_years = forms.IntegerField(
        label=_("Bought less than (years) ago"), min_value=1, max_value=30, required=False
    )
    purchased_within_days = forms.IntegerField(
        label=_("Bought in the last (days)"), min_value=1, max_value=3650, required=False
    )
    area = forms.TypedChoiceField(label=_("Area"), coerce=int, required=False, empty_value=None)
    script = forms.CharField(
        label=_("What to tell the customer"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sms_text = forms.CharField(
        label=_("SMS reminder text"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas")), *[(a.pk, str(a)) for a in areas]]


class CallLogForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("The call"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    window_start = _datetime(_("Visit from (when booked)"), required=False)
    window_end = _datetime(_("Visit until (when booked)"), required=False)
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
