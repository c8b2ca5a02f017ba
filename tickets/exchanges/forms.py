from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RejectReason


class ProposeForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), widget=forms.RadioSelect)
    fault = forms.ChoiceField(label=_("Fault"))
    cause = forms.ChoiceField(label=_("Cause"))
    note = forms.CharField(
        label=_("Note for the approver"), max_length=500, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, rules=(), faults=(), causes=(), **kwargs):
        # Ids of its own on the ticket page, beside the note and call forms.
        kwargs.setdefault("auto_id", "exchange_%s")
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [(r.code, r.name) for r in rules]
        self.fields["fault"].choices = list(faults)
        self.fields["cause"].choices = list(causes)
        self.fields["note"].widget.attrs["rows"] = 2


class ApproveForm(forms.Form):
    new_serial = forms.CharField(label=_("New unit's serial number"), max_length=64, required=False)
    new_model = forms.CharField(
        label=_("New unit's model (if different)"), max_length=64, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=RejectReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
