from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.forms import DATETIME_LOCAL

from .models import CUSTOMER_NOTE, CancelReason


class RescheduleRequestForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "reschedule_%s")
        super().__init__(*args, **kwargs)

    preferred_start = forms.DateTimeField(
        label=_("Preferred day and time"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    note = forms.CharField(
        label=_("Anything we should know"),
        required=False,
        max_length=CUSTOMER_NOTE,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": CUSTOMER_NOTE}),
    )


class CancelRequestForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "cancel_%s")
        super().__init__(*args, **kwargs)

    reason_code = forms.ChoiceField(label=_("Why"), choices=CancelReason.choices)
    note = forms.CharField(
        label=_("Anything we should know"),
        required=False,
        max_length=CUSTOMER_NOTE,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": CUSTOMER_NOTE}),
    )
