import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


class PartUsageForm(forms.Form):
    sku = forms.CharField(
        label=_("Part SKU"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "sku-list", "autocomplete": "off"}),
    )
    serial_or_batch = forms.CharField(
        label=_("Serial or batch number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    old_part_serial = forms.CharField(
        label=_("Old part's serial (for return)"), max_length=64, required=False
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=20, initial=1)
    scanned = forms.BooleanField(widget=forms.HiddenInput, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class PartRequestForm(forms.Form):
    sku = forms.CharField(
        label=_("Part SKU"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "sku-list", "autocomplete": "off"}),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=20, initial=1)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DispatchForm(forms.Form):
    serials = forms.CharField(
        label=_("Serials in the parcel (one per line)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_serials(self):
        return [s for s in self.cleaned_data["serials"].split() if s]


class OldPartReturnForm(forms.Form):
    serial = forms.CharField(
        label=_("Old part's serial"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class StoreReturnForm(OldPartReturnForm):
    location = forms.IntegerField(widget=forms.HiddenInput)
