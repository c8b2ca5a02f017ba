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
