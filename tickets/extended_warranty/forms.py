from django import forms
from django.utils.translation import gettext_lazy as _


class SaleForm(forms.Form):
    product = forms.ChoiceField(label=_("Extended warranty"), widget=forms.RadioSelect)
    paid = forms.BooleanField(label=_("Paid now"), required=False)
    payment_reference = forms.CharField(label=_("Payment reference"), max_length=64, required=False)

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.code, f"{p.name} · ¥{p.price}") for p in products]


class PaymentForm(forms.Form):
    paid = forms.BooleanField(label=_("Paid"), required=False)
    payment_reference = forms.CharField(label=_("Payment reference"), max_length=64, required=False)
